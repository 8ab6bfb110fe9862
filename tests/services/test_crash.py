"""``kill -9`` of a real app process between its intent and the provider's answer, then a
fresh start on the same store: exactly one campaign at the sandbox, whichever side of the
provider's processing the kill fell on."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.providers.transport import make_client
from app.sandbox.core import SandboxClock, SandboxEnv
from app.services.accounts import AccountService
from app.services.campaigns import SETTLE, CampaignService
from app.services.connections import ProviderPool
from app.store.database import Database
from app.store.intents import IntentJournal
from app.store.secrets import SecretStore
from tests.services.rig import ManualClock, account_of, now_utc, spec_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.loopback


class Watch:
    """An ASGI middleware around the sandbox: it sees each request that changes something
    arrive, and, with ``hold_answers``, holds its answer back once the sandbox has processed
    it (a provider whose answer is slow to come back)."""

    def __init__(self, app: Any, path: str, *, hold_answers: bool) -> None:
        self.app = app
        self.path = path
        self.hold_answers = hold_answers
        self.arrived = threading.Event()
        self.processed = threading.Event()
        self.active = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        writes = scope["type"] == "http" and scope["method"] != "GET"
        if not (writes and scope["path"].startswith(self.path)):
            await self.app(scope, receive, send)
            return
        self.active += 1
        self.arrived.set()

        async def held(message: Any) -> None:
            if message["type"] == "http.response.start" and self.hold_answers:
                self.processed.set()
                await asyncio.sleep(1)  # the client is killed meanwhile
            await send(message)

        try:
            await self.app(scope, receive, held)
        finally:
            self.active -= 1


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def count_at(middleware: Any, url: str, provider: str) -> int:
    if provider == "rocketcoms":
        answer = httpx.get(f"{url}/rocketcoms/v1/batches", auth=("sandbox", "sandbox"))
        return int(answer.json()["result"]["total"])
    starlette = middleware.app  # the sandbox's fault middleware -> its Starlette app
    (mount,) = [r for r in starlette.routes if getattr(r, "path", "") == f"/{provider}"]
    state = mount.app.state
    return len(state.bulksms.batches)


@pytest.mark.parametrize(
    ("provider", "when"),
    [
        ("rocketcoms", "before processing"),
        ("rocketcoms", "after processing"),
        ("bulksms", "before processing"),
        ("bulksms", "after processing"),
    ],
)
async def test_a_killed_send_is_sent_exactly_once_after_the_restart(
    loopback_sandbox, tmp_path, provider, when
):
    held = when == "after processing"
    watches: list[Watch] = []

    def wrap(app: Any) -> Watch:
        watches.append(Watch(app, f"/{provider}", hold_answers=held))
        return watches[0]

    env = SandboxEnv(clock=SandboxClock(now_utc(), frozen=True))
    if not held:  # the sandbox's own latency widens the window before processing
        env.faults.update({"latency": 0.8, "only": f"/{provider}"})
    sandbox = loopback_sandbox(env, wrap=wrap)
    (watch,) = watches
    path = tmp_path / "campaigns.sqlite3"

    db = Database(path)
    clock = ManualClock(now_utc())
    pool = ProviderPool(make_client(), clock)
    accounts = AccountService(db, SecretStore(), pool, sandbox_url=sandbox.url)
    campaigns = CampaignService(db, accounts, pool, clock)
    campaign = await campaigns.create_draft(account_of(provider), spec_for(provider))
    db.close()

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.services.send_child", str(path), sandbox.url, str(campaign)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        (watch.processed if held else watch.arrived).wait(timeout=60)
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    env.faults.update({"latency": 0.0})
    wait_for(lambda: watch.active == 0 or held, "the sandbox to finish with the dead request")
    before = count_at(watch.app, sandbox.url, provider)
    assert before == (1 if held else 0)

    # A fresh start, once the lost request had time to arrive (SETTLE).
    again = Database(path)
    (intent,) = IntentJournal(again).open_intents()
    later = ManualClock(intent.created + SETTLE + timedelta(seconds=1))
    pool = ProviderPool(make_client(), later)
    accounts = AccountService(again, SecretStore(), pool, sandbox_url=sandbox.url)
    restarted = CampaignService(again, accounts, pool, later)
    await restarted.start()
    await restarted.reconcile(account_of(provider))

    assert count_at(watch.app, sandbox.url, provider) == 1
    assert IntentJournal(again).open_intents() == []
    row = restarted.list.get(campaign)
    assert row is not None and row.status.value in ("scheduled", "sending") and not row.unconfirmed
    assert "sent once" in row.notice
    await pool.aclose()
    again.close()
