"""The built-in sandbox's own controls: its clock and its fault injection.

The sandbox serves ``GET/POST /_sandbox/clock`` (``{"advance_seconds": N}``) and
``GET/POST /_sandbox/faults`` beside the providers' APIs. Moving its clock makes a scheduled
campaign start and finish at once (the self-test does that); faults make it misbehave on
purpose. Nothing here reaches a real provider: the requests go to the app's own sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx


class SandboxError(Exception):
    """The sandbox refused a control request or could not be reached (a sentence)."""


class SandboxControl:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        """``client`` reaches the sandbox at ``base_url`` (the sandbox accounts' address)."""
        self._client = client
        self._base = base_url.rstrip("/")

    async def now(self) -> datetime:
        """The sandbox's current time (ahead of the real one once advanced)."""
        return _moment(await self._call("GET", "/_sandbox/clock"))

    async def advance_clock(self, seconds: float) -> datetime:
        """Move the sandbox's clock on by ``seconds``; its new time."""
        return _moment(await self._call("POST", "/_sandbox/clock", {"advance_seconds": seconds}))

    async def set_faults(self, faults: Mapping[str, Any]) -> dict[str, Any]:
        """Set fault injection (latency, rate_limit, retry_after, server_errors, drop_before,
        drop_after, only); every setting now in force."""
        return await self._call("POST", "/_sandbox/faults", dict(faults))

    async def _call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            answer = await self._client.request(method, self._base + path, json=body)
        except httpx.HTTPError as exc:
            raise SandboxError(f"The built-in sandbox cannot be reached: {exc}") from None
        try:
            found = answer.json()
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise SandboxError(f"The sandbox answered {path} with HTTP {answer.status_code}.")
        if answer.is_error:
            raise SandboxError(f"The sandbox refused {path}: {found.get('error', found)}")
        return found


def _moment(answer: Mapping[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(answer["now"]))
    except (KeyError, ValueError):
        raise SandboxError(f"The sandbox's clock said {answer!r}, not a time.") from None
