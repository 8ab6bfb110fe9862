"""The app's built-in sandbox, served by a child process on a loopback port.

Served inside the app's own process, a million-row upload had the simulator parse, spool and
check every line on the window's event loop, and its objects lengthened every pass of the
garbage collector: the window froze for 100-300 ms at a time. A thread would not help (it
fights the window for the GIL). In its own process the simulator behaves as a real provider
does: it answers over HTTP, and its work never touches the window.

Accounts keep the stable address :data:`~app.sandbox.inprocess.IN_PROCESS_URL`;
:class:`ChildSandboxTransport` sends their requests to wherever the child listens. The child
starts on the first request (or earlier, with :meth:`ChildSandbox.start`) and exits when the
app closes its standard input, so it never outlives the app, even one that crashed.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import httpx

#: How long the child may take to answer its first connection.
START_TIMEOUT_S = 30.0


class ChildSandbox:
    def __init__(self, command: Sequence[str], *, host: str = "127.0.0.1") -> None:
        """``command`` runs ``campaign-desk sandbox``; ``--port`` and ``--until-stdin-closes``
        are added here."""
        self._command = list(command)
        self._host = host
        self._process: subprocess.Popen[bytes] | None = None
        # what the child says on stderr, for the message when it cannot start
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as this object
        self._port = 0
        self._ready: asyncio.Future[str] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the child now (it takes a second or so to import and bind), if not yet."""
        if self.running:
            return
        self._ready = None
        self._port = _free_port(self._host)
        where = ["--host", self._host, "--port", str(self._port)]
        self._process = subprocess.Popen(
            [*self._command, "--until-stdin-closes", *where],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console on Windows
        )

    async def url(self) -> str:
        """The child's base URL, once it accepts connections (starting it if needed).

        Raises ``httpx.ConnectError`` when it exits or does not answer in time.
        """
        if not self.running:
            self.start()
        ready = self._ready
        if ready is None or (ready.done() and (ready.cancelled() or ready.exception())):
            self._ready = ready = asyncio.ensure_future(self._wait_until_listening())
        return await asyncio.shield(ready)

    async def _wait_until_listening(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            process = self._process
            if process is None or process.poll() is not None:
                raise httpx.ConnectError(f"The built-in sandbox stopped. {self._last_error()}")
            try:
                _, writer = await asyncio.open_connection(self._host, self._port)
            except OSError:
                if time.monotonic() > deadline:
                    raise httpx.ConnectError(
                        f"The built-in sandbox did not start in {START_TIMEOUT_S:.0f} s."
                    ) from None
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return f"http://{self._host}:{self._port}"

    def _last_error(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def close(self) -> None:
        """Stop the child (closing its standard input asks it to; it is killed if it lingers)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ChildSandboxTransport(httpx.AsyncBaseTransport):
    """Sends every request, whatever its host, to the child sandbox over real HTTP."""

    def __init__(self, sandbox: ChildSandbox) -> None:
        self.sandbox = sandbox
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        child = httpx.URL(await self.sandbox.url())
        request.url = request.url.copy_with(scheme=child.scheme, host=child.host, port=child.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
        self.sandbox.close()


def _free_port(host: str) -> int:
    """A port nobody listens on now; the child binds it a moment later (on loopback, nothing
    else races for it in practice)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def sandbox_command() -> list[str]:
    """How this installation runs ``campaign-desk sandbox``: the bundle's own executable when
    frozen by PyInstaller, else this interpreter with ``-m app``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "sandbox"]
    return [sys.executable, "-m", "app", "sandbox"]
