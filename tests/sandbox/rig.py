"""What the sandbox tests and the adapter tests share to reach the in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from app.sandbox.core import SandboxEnv
from app.sandbox.inprocess import SandboxTransport


def mounted(transport: SandboxTransport, prefix: str) -> Any:
    """The simulator app mounted at ``prefix`` inside the in-process sandbox, to inspect the
    records behind the wire."""
    root: Any = transport.app
    while not isinstance(root, Starlette):  # through the body limit and fault middleware
        root = root.app
    (mount,) = [r for r in root.routes if getattr(r, "path", "") == prefix]
    return mount.app


@asynccontextmanager
async def wire_client(
    env: SandboxEnv, prefix: str, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client on the in-process sandbox serving only ``prefix``; ``options``
    (headers, base_url...) go to the client."""
    transport = SandboxTransport(env, providers=[prefix])
    async with httpx.AsyncClient(transport=transport, **options) as client:
        yield client
