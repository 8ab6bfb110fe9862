"""What the sandbox tests and the adapter tests share to reach the in-process sandbox."""

from __future__ import annotations

from typing import Any

from app.sandbox.inprocess import SandboxTransport


def mounted(transport: SandboxTransport, prefix: str) -> Any:
    """The simulator app mounted at ``prefix`` inside the in-process sandbox, to inspect the
    records behind the wire."""
    root = transport._inner.app.app  # FaultMiddleware -> Starlette
    (mount,) = [r for r in root.routes if getattr(r, "path", "") == prefix]
    return mount.app
