"""The built-in sandbox in a child process: real HTTP on loopback, and it never outlives the app."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.domain.campaign import CampaignStatus, RemoteCampaign
from app.providers.base import Provider
from app.providers.registry import make_provider, sandbox_account
from app.providers.transport import Transport, make_client
from app.sandbox.child import ChildSandbox, ChildSandboxTransport, _free_port, sandbox_command
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.services.rig import spec_for

pytestmark = pytest.mark.loopback


@pytest.fixture
def sandbox():
    child = ChildSandbox(sandbox_command())
    yield child
    child.close()


async def test_requests_to_the_sandbox_address_reach_the_child(sandbox):
    transport = ChildSandboxTransport(sandbox)
    async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_URL) as client:
        answer = await client.post("/_sandbox/clock", json={"advance_seconds": 60})
        assert answer.status_code == 200
        assert "now" in answer.json()
        assert sandbox.running
        url = await sandbox.url()
        assert url.startswith("http://127.0.0.1:")
        # The same child, reached directly: the request above really went over loopback.
        async with httpx.AsyncClient() as direct:
            faults = await direct.post(f"{url}/_sandbox/faults", json={"server_errors": 0})
        assert faults.status_code == 200
    assert not sandbox.running  # closing the client stopped the child


async def test_a_child_that_died_is_started_again(sandbox):
    await sandbox.url()
    process = sandbox._process
    assert process is not None
    process.kill()
    process.wait()
    second = await sandbox.url()
    assert sandbox.running and sandbox._process is not process
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{second}/_sandbox/clock")).status_code == 200


def test_the_child_exits_when_its_standard_input_closes(sandbox):
    sandbox.start()
    process = sandbox._process
    assert process is not None and process.stdin is not None
    process.stdin.close()  # what happens when the app exits, or crashes
    assert process.wait(timeout=20) == 0


async def test_a_child_that_cannot_start_is_one_clear_error():
    broken = ChildSandbox([sys.executable, "-c", "import sys; sys.exit('port taken, say')"])
    try:
        with pytest.raises(httpx.ConnectError, match=r"The built-in sandbox stopped\. port taken"):
            await broken.url()
    finally:
        broken.close()


def test_the_command_runs_the_apps_own_sandbox_subcommand():
    shown = subprocess.run(
        [*sandbox_command(), "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "--until-stdin-closes" in shown.stdout


async def test_a_child_started_again_on_its_state_file_still_answers_for_its_campaign(tmp_path):
    """The app's quit and restart: the campaign it sent is still at the sandbox, as it was."""
    state = tmp_path / "sandbox-state.pickle"
    command = [*sandbox_command(), "--state", str(state)]

    async def life(act: Callable[[Provider, httpx.AsyncClient], Awaitable[Any]]) -> Any:
        child = ChildSandbox(command)
        transport = Transport(make_client(ChildSandboxTransport(child)))
        provider = make_provider(sandbox_account("bulksms", IN_PROCESS_URL), transport)
        async with httpx.AsyncClient(
            transport=ChildSandboxTransport(child), base_url=IN_PROCESS_URL
        ) as control:
            try:
                return await act(provider, control)
            finally:
                await transport.aclose()  # closes the child: a clean stop
        assert not child.running

    async def send(provider: Provider, control: httpx.AsyncClient) -> tuple[RemoteCampaign, Any]:
        sent = await provider.send(spec_for("bulksms"))
        await control.post("/_sandbox/clock", json={"advance_seconds": 3600})
        done = await provider.get(sent.id)
        return done, sorted(o.status for o in [x async for x in provider.outcomes(sent.id)])

    async def look(provider: Provider, control: httpx.AsyncClient) -> tuple[RemoteCampaign, Any]:
        found = await provider.get(before.id)
        return found, sorted(o.status for o in [x async for x in provider.outcomes(before.id)])

    before, outcomes = await life(send)
    assert before.status is CampaignStatus.COMPLETED
    assert state.exists()
    after, outcomes_after = await life(look)
    assert (after.id, after.status, after.total) == (before.id, before.status, before.total)
    assert outcomes_after == outcomes and len(outcomes) == 3


def test_a_child_on_a_damaged_state_file_starts_empty_and_says_so_once(tmp_path):
    state = tmp_path / "sandbox-state.pickle"
    state.write_bytes(b"\x80\x05 half a pickle")
    port = _free_port("127.0.0.1")
    process = subprocess.Popen(
        [*sandbox_command(), "--port", str(port), "--state", str(state), "--until-stdin-closes"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        clock = _answer(f"http://127.0.0.1:{port}/_sandbox/clock", process)
        assert clock.status_code == 200
    finally:
        _, errors = process.communicate(timeout=30)  # closes its standard input: it stops
    said = errors.decode()
    assert said.count("starts empty") == 1 and str(state) in said
    assert "Traceback" not in said
    assert process.returncode == 0


def _answer(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    """The first answer of the sandbox at ``url`` once it listens (while it runs)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url)
        except httpx.ConnectError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
