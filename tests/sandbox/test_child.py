"""The built-in sandbox in a child process: real HTTP on loopback, and it never outlives the app."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from app.sandbox.child import ChildSandbox, ChildSandboxTransport, sandbox_command
from app.sandbox.inprocess import IN_PROCESS_URL

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
