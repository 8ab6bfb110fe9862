"""The sandbox's state file: what each simulator was sent survives a restart of the sandbox."""

from __future__ import annotations

import asyncio
import logging
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.providers.base import Provider
from app.providers.registry import PROVIDERS, make_provider, sandbox_account
from app.providers.transport import Transport, make_client
from app.sandbox.core import SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL
from app.sandbox.rocketcoms import BatchFile
from app.sandbox.server import build_sandbox
from app.sandbox.state import SandboxState
from tests.services.rig import spec_for


class Running:
    """One life of a sandbox on ``path``: the whole sandbox app, watched by its state."""

    def __init__(self, path: Path) -> None:
        self.env = SandboxEnv(failure_percent=0)
        sandbox = build_sandbox(self.env)
        self.state = SandboxState(self.env, path, delay=0.0)
        self.loaded = self.state.load()
        self.app = self.state.watching(sandbox)
        self.transport = Transport(make_client(httpx.ASGITransport(app=self.app)))

    def provider(self, name: str) -> Provider:
        return make_provider(sandbox_account(name, IN_PROCESS_URL), self.transport)


async def saved(state: SandboxState, path: Path) -> None:
    """Until the save that the last change scheduled has written the file."""
    for _ in range(1000):
        await asyncio.sleep(0.01)
        if path.exists() and not state.pending:
            return
    raise AssertionError("the state file was never written")


@pytest.mark.parametrize("name", list(PROVIDERS))
async def test_a_campaign_sent_before_a_restart_is_still_there_after_it(tmp_path, name):
    path = tmp_path / "sandbox-state.pickle"
    first = Running(path)
    assert not first.loaded  # no file yet: nothing to say
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    sent = await first.provider(name).send(spec_for(name, start=later))
    before = await first.provider(name).get(sent.id)
    await saved(first.state, path)
    await first.transport.aclose()

    second = Running(path)
    assert second.loaded
    after = await second.provider(name).get(sent.id)
    assert (after.id, after.status, after.total) == (before.id, before.status, before.total)
    assert after.status is before.status
    await second.transport.aclose()


async def test_the_clock_moved_on_stays_moved_on(tmp_path):
    path = tmp_path / "state"
    first = Running(path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first.app)) as client:
        await client.post(f"{IN_PROCESS_URL}/_sandbox/clock", json={"advance_seconds": 86400})
    await saved(first.state, path)
    second = Running(path)
    assert second.env.clock.ahead > timedelta(hours=23, minutes=59)


async def test_changes_after_a_save_reach_the_file_on_a_clean_stop(tmp_path):
    path = tmp_path / "state"
    first = Running(path)
    sent = await first.provider("bulksms").send(spec_for("bulksms"))
    first.state.save_now()  # as the sandbox does once its server has stopped
    assert not first.state.pending
    second = Running(path)
    assert (await second.provider("bulksms").get(sent.id)).id == sent.id


@pytest.mark.parametrize(
    "content",
    [b"", b"not a pickle at all", pickle.dumps({"format": "something else"}), b"\x80\x05K"],
    ids=["empty", "text", "other-format", "truncated"],
)
def test_a_state_file_that_cannot_be_read_starts_the_sandbox_empty_saying_so_once(
    tmp_path, caplog, content
):
    path = tmp_path / "state"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="campaign_desk.sandbox"):
        running = Running(path)
    assert not running.loaded
    assert running.env.parts["bulksms"].batches == {}
    (record,) = caplog.records
    assert str(path) in record.getMessage()
    assert "starts empty" in record.getMessage()


def test_a_state_file_naming_anything_else_than_sandbox_state_is_refused_unrun(tmp_path, caplog):
    """A pickle can name any callable; the state's reader builds only the sandbox's types."""
    path = tmp_path / "state"
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (Path.touch, (marker,))

    head = pickle.dumps(Payload())
    path.write_bytes(pickle.dumps({"format": "campaign-desk sandbox state 1", "head": head}))
    with caplog.at_level(logging.WARNING, logger="campaign_desk.sandbox"):
        running = Running(path)
    assert not running.loaded
    assert not marker.exists()
    assert "pathlib" in caplog.text


def test_without_a_state_file_the_in_process_sandbox_keeps_working(tmp_path):
    """The tests' in-process sandbox has no state: building one writes nothing anywhere."""
    env = SandboxEnv()
    build_sandbox(env)
    assert set(env.parts) == {"rocketcoms", "routee", "bulksms", "cordial", "batchcom"}
    assert list(tmp_path.rglob("*sandbox*")) == []


def test_an_uploaded_file_keeps_phones_that_hold_a_line_break():
    """RocketCOMS's file is kept with its phones joined; one written with a line break in it
    (a quoted CSV value) is kept as it was."""
    for phones in (["+447400000001", "+447400000002"], ["+44 74\n1", "+447400000002"], []):
        file = BatchFile(phones=list(phones))
        assert pickle.loads(pickle.dumps(file)).phones == phones
