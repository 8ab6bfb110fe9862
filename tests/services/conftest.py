"""Fixtures of the service tests: a sandbox on a frozen clock and the services over it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import SandboxTransport
from tests.services.rig import Desk, ManualClock, now_utc, open_desk


@pytest.fixture
def env() -> SandboxEnv:
    # Real time, frozen: the adapters read the real clock for "now" in a few places. Small
    # audiences: what the tests count does not need a thousand simulated contacts.
    settings = {"cordial.audiences": {"all-sms": 40}, "batch.profiles": 40}
    return SandboxEnv(clock=SandboxClock(now_utc(), frozen=True), settings=settings)


@pytest.fixture
def clock(env: SandboxEnv) -> ManualClock:
    return ManualClock(env.clock.now(), env.clock)


@pytest.fixture
async def desks(
    env: SandboxEnv, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Callable[[], Desk]]:
    """Opens the services on one store file (again: a restart) over one in-process sandbox."""
    inner = SandboxTransport(env)
    opened: list[Desk] = []

    def make() -> Desk:
        desk = open_desk(tmp_path / "campaigns.sqlite3", env, clock, inner)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        await desk.follower.stop()
        await desk.aclose()


@pytest.fixture
async def desk(desks: Callable[[], Desk]) -> Desk:
    made = desks()
    await made.campaigns.start()
    return made
