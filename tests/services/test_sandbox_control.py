"""The sandbox's own controls as the app reaches them: its clock and its faults."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from app.services.sandbox_control import SandboxControl, SandboxError


@pytest.fixture
async def control():
    env = SandboxEnv(clock=SandboxClock(frozen=True))
    async with httpx.AsyncClient(transport=SandboxTransport(env)) as client:
        yield SandboxControl(client, IN_PROCESS_URL), env


async def test_the_clock_moves_on_by_what_was_asked(control):
    sandbox, env = control
    before = await sandbox.now()
    assert before == env.clock.now()
    assert await sandbox.advance_clock(90) == before + timedelta(seconds=90)
    assert env.clock.now() == before + timedelta(seconds=90)


async def test_faults_are_set_and_a_refusal_is_one_sentence(control):
    sandbox, env = control
    now = await sandbox.set_faults({"server_errors": 2, "only": "/bulksms"})
    assert now["server_errors"] == 2 and env.faults.only == "/bulksms"
    with pytest.raises(SandboxError, match=r"refused /_sandbox/faults: Unknown fault setting"):
        await sandbox.set_faults({"lightning": 1})


async def test_an_unreachable_sandbox_is_said_so():
    async with httpx.AsyncClient() as client:
        sandbox = SandboxControl(client, "http://127.0.0.1:9")
        with pytest.raises(SandboxError, match="cannot be reached"):
            await sandbox.now()
