"""Serve the sandbox inside the app's own process, through httpx's ASGI transport.

The fault middleware breaks connections by raising :class:`ConnectionDropped`; a real server
turns that into a cut connection, and this transport turns it into the httpx error a client
would see: ``ConnectError`` before processing, ``RemoteProtocolError`` after.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from app.sandbox.core import ConnectionDropped, SandboxEnv
from app.sandbox.server import build_sandbox

#: The base URL under which the in-process sandbox answers (never resolved by DNS).
IN_PROCESS_URL = "http://sandbox.invalid"


class SandboxTransport(httpx.AsyncBaseTransport):
    def __init__(
        self, env: SandboxEnv | None = None, providers: Iterable[str] | None = None
    ) -> None:
        self.env = env or SandboxEnv()
        self.app = build_sandbox(self.env, providers)
        self._inner = httpx.ASGITransport(app=self.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            if exc.processed:
                raise httpx.RemoteProtocolError("Server disconnected", request=request) from None
            raise httpx.ConnectError("Connection refused", request=request) from None
