"""Test-wide setup: Qt offscreen, an in-memory keyring, and private app folders.

Set here, by the suite itself, so that ``pytest`` works the same in CI and on a desktop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import keyring
import pytest
from keyring.backend import KeyringBackend

from app.sandbox.core import SandboxEnv


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in memory, for tests only."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def private_app_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the platform data, config and cache folders into the test's own tmp dir."""
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        folder = home / sub
        folder.mkdir(parents=True)
        monkeypatch.setenv(var, str(folder))
    return home


@dataclass
class LoopbackSandbox:
    """A real uvicorn server on 127.0.0.1 serving the sandbox, for loopback tests."""

    url: str
    env: SandboxEnv


@pytest.fixture
def loopback_sandbox() -> Iterator[Callable[..., LoopbackSandbox]]:
    """Start the sandbox on a real uvicorn server on 127.0.0.1 (port chosen by the OS).

    Call it as ``loopback_sandbox()`` or ``loopback_sandbox(env, providers=["/bulksms"])``;
    every server started is stopped after the test.
    """
    import uvicorn

    from app.sandbox.core import SandboxClock
    from app.sandbox.server import build_sandbox

    started: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(
        env: SandboxEnv | None = None,
        providers: Iterable[str] | None = None,
        wrap: Callable[[Any], Any] | None = None,
    ) -> LoopbackSandbox:
        """``wrap`` puts an ASGI middleware of the test's own around the sandbox."""
        env = env or SandboxEnv(clock=SandboxClock(frozen=True))
        app = build_sandbox(env, providers)
        config = uvicorn.Config(
            wrap(app) if wrap else app,
            host="127.0.0.1",
            port=0,
            log_level="critical",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the loopback sandbox did not start")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        return LoopbackSandbox(url=f"http://127.0.0.1:{port}", env=env)

    yield start
    for server, thread in started:
        server.should_exit = True
        thread.join(timeout=10)
