"""The Batch (batch.com) adapter against its sandbox: in-process and over a loopback server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from app.domain.campaign import Action, CampaignStatus, check_action
from app.domain.schedule import Schedule
from app.providers.base import CampaignSpec
from app.providers.batchcom import BatchProvider, raise_error, remote_campaign
from app.providers.errors import (
    AuthError,
    InvalidState,
    NotFound,
    RateLimited,
    TransientError,
    Unsupported,
    ValidationError,
)
from app.providers.registry import sandbox_account
from app.sandbox.batchcom import BatchSandbox
from app.sandbox.core import SandboxClock, SandboxEnv
from tests.providers.rig import ProviderRig, Rigs, answer, one_text_spec, with_credentials

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = CampaignStatus


def make_spec(
    texts: list[str] | None = None,
    *,
    options: dict[str, Any] | None = None,
    send_rate: int | None = 1000,
    schedule: Schedule | None = None,
    **kw: Any,
) -> CampaignSpec:
    """A spec whose schedule carries ``send_rate`` (the schedule holds every "when")."""
    return one_text_spec(
        texts,
        schedule=replace(schedule or Schedule(), send_rate=send_rate),
        options={"targeting": {}} if options is None else options,
        **kw,
    )


class Rig(ProviderRig[BatchProvider]):
    adapter = BatchProvider
    mount = "/batch"

    @property
    def campaigns(self) -> dict[str, Any]:
        """What really exists at the sandbox."""
        sandbox: BatchSandbox = self.app.sandbox  # the authentication gate holds it
        return dict(sandbox.campaigns)


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True))


@pytest.fixture
def rig(env: SandboxEnv, rigs: Rigs) -> Rig:
    return rigs.in_process(Rig, env, clock_follows_waits=True, jitter=False)


# -- operations -----------------------------------------------------------------------------------
async def test_create_makes_a_named_draft_with_the_sms_message(rig: Rig):
    campaign = await rig.provider.create(make_spec(options={"targeting": {"regions": ["FR"]}}))
    assert campaign.status is S.DRAFT and campaign.provider_status == "draft"
    assert campaign.name == "Spring [idem-1]" and campaign.id.startswith("orchestration_")
    assert campaign.created_at == START
    (stored,) = rig.campaigns.values()
    assert stored.body["messages"] == [
        {"channel_type": "sms", "message": {"body": "Spring sale: 20% off"}}
    ]
    assert stored.body["targeting"] == {"regions": ["FR"]}
    assert stored.body["send_rate"] == 1000
    assert stored.body["when"] == {"local_time": False}


async def test_send_now_runs_and_completes_on_the_clock(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    assert campaign.status is S.SENDING and campaign.provider_status == "running"
    rig.env.clock.advance(30)
    halfway = await rig.provider.get(campaign.id)
    assert halfway.sent == 500 and halfway.delivered + halfway.failed == 500
    rig.env.clock.advance(30)
    done = await rig.provider.get(campaign.id)
    assert done.status is S.COMPLETED and done.sent == 1000 and done.failed > 0


async def test_a_scheduled_start_in_utc_and_in_local_time(rig: Rig):
    start = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    campaign = await rig.provider.send(make_spec(schedule=Schedule(start=start)))
    assert campaign.status is S.SCHEDULED and campaign.scheduled_at == start
    assert rig.campaigns[campaign.id].body["when"] == {
        "local_time": False,
        "start_time": "2026-03-02T11:30:00Z",
    }
    rig.env.clock.advance(2.5 * 3600 + 6)
    assert (await rig.provider.get(campaign.id)).sent == 100
    local = make_spec(
        key="local",
        schedule=Schedule(start=start, timezone="Europe/Paris", recipient_local_time=True),
    )
    draft = await rig.provider.create(local)
    assert rig.campaigns[draft.id].body["when"] == {
        "local_time": True,
        "start_time": "2026-03-02T12:30:00",
    }


async def test_update_overwrites_a_draft_and_a_stopped_campaign_keeps_its_state(rig: Rig):
    draft = await rig.provider.create(make_spec())
    await rig.provider.update(draft.id, make_spec(["New"], send_rate=5000))
    assert rig.campaigns[draft.id].body["messages"][0]["message"]["body"] == "New"
    running = await rig.provider.send(make_spec(), draft.id)
    with pytest.raises(InvalidState) as caught:
        await rig.provider.update(draft.id, make_spec(["Late"]))
    assert caught.value.code == "API_MISUSE" and caught.value.http_status == 403
    await rig.provider.pause(running.id)
    updated = await rig.provider.update(running.id, make_spec(["After pause"]))
    assert updated.status is S.PAUSED
    assert rig.campaigns[draft.id].body["messages"][0]["message"]["body"] == "After pause"


async def test_pause_resume_continue_where_they_stopped(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    rig.env.clock.advance(12)
    paused = await rig.provider.pause(campaign.id)
    assert paused.status is S.PAUSED and paused.sent == 200
    rig.env.clock.advance(7200)
    assert (await rig.provider.get(campaign.id)).sent == 200
    resumed = await rig.provider.resume(campaign.id)
    assert resumed.status is S.SENDING
    rig.env.clock.advance(6)
    assert (await rig.provider.get(campaign.id)).sent == 300
    with pytest.raises(InvalidState):
        await rig.provider.resume(campaign.id)  # a running campaign cannot be updated


async def test_a_completed_campaign_cannot_be_paused(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    rig.env.clock.advance(3600)
    with pytest.raises(InvalidState) as caught:
        await rig.provider.pause(campaign.id)
    assert caught.value.code == "API_MISUSE"


async def test_pause_a_scheduled_campaign_then_resume_keeps_its_start(rig: Rig):
    start = START + timedelta(hours=1)
    campaign = await rig.provider.send(make_spec(schedule=Schedule(start=start)))
    assert (await rig.provider.pause(campaign.id)).status is S.PAUSED
    assert (await rig.provider.resume(campaign.id)).status is S.SCHEDULED


async def test_delete_then_not_found(rig: Rig):
    draft = await rig.provider.create(make_spec())
    await rig.provider.delete(draft.id)
    with pytest.raises(NotFound) as caught:
        await rig.provider.get(draft.id)
    assert caught.value.code == "ROUTE_NOT_FOUND" and caught.value.http_status == 404
    with pytest.raises(NotFound):
        await rig.provider.delete(draft.id)


async def test_list_follows_the_cursor(rig: Rig, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("app.providers.batchcom.PAGE_LIMIT", 2)
    made = [await rig.provider.create(make_spec(key=f"k{i}")) for i in range(5)]
    assert [c.id for c in await rig.provider.list()] == [c.id for c in made]


async def test_what_batch_has_no_call_for_is_unsupported(rig: Rig):
    with pytest.raises(Unsupported):
        await rig.provider.validate(make_spec())
    with pytest.raises(Unsupported):
        await rig.provider.cancel("orchestration_1")
    with pytest.raises(Unsupported):
        async for _ in rig.provider.outcomes("orchestration_1"):
            pass
    caps = BatchProvider.capabilities
    assert not check_action(Action.VALIDATE, S.DRAFT, caps)
    assert not check_action(Action.UPDATE, S.SENDING, caps)
    assert check_action(Action.PAUSE, S.SCHEDULED, caps)


# -- what the adapter refuses before calling ---------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"texts": ["A", "B"]}, "line 3"),
        ({"options": {}}, "targeting"),
        ({"schedule": Schedule(window_start=time(9), window_end=time(17))}, "daily sending window"),
        ({"schedule": Schedule(end_date=START.date())}, "end date"),
        ({"schedule": Schedule(respect_quiet_hours=True)}, "quiet hours"),
    ],
)
async def test_what_batch_cannot_carry_is_refused_with_a_reason(rig: Rig, kw, words):
    with pytest.raises(ValidationError, match=words):
        await rig.provider.create(make_spec(**kw))
    assert rig.campaigns == {}


async def test_the_api_refusals_keep_batchs_name(rig: Rig):
    with pytest.raises(ValidationError) as rate:
        await rig.provider.create(make_spec(send_rate=10))
    assert rate.value.code == "MALFORMED_PARAMETER" and "(error 31)" in str(rate.value)
    with pytest.raises(ValidationError) as past:
        await rig.provider.send(make_spec(schedule=Schedule(start=START - timedelta(1))))
    assert past.value.code == "MALFORMED_PARAMETER" and "past" in (
        past.value.provider_message or ""
    )


# -- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "status", "code", "cls"),
    [
        ("AUTHENTICATION_INVALID", 401, 10, AuthError),
        ("API_MISUSE", 403, 12, InvalidState),
        ("ROUTE_NOT_FOUND", 404, 20, NotFound),
        ("MISSING_PARAMETER", 400, 30, ValidationError),
        ("MALFORMED_PARAMETER", 400, 31, ValidationError),
        ("MALFORMED_JSON_BODY", 400, 32, ValidationError),
        ("SERVER_ERROR", 500, 1, TransientError),
        ("MAINTENANCE_ERROR", 503, 2, TransientError),
        ("TOO_MANY_REQUESTS", 429, 60, RateLimited),
    ],
)
def test_every_documented_error_maps_to_its_class_in_any_body_shape(name, status, code, cls):
    shapes = [
        {"error": {"code": code, "name": name, "message": "m"}},
        {"code": code, "error": name, "message": "m"},
        {"code": code, "message": "m"},
        {"code": name, "message": "m"},
    ]
    for body in shapes:
        with pytest.raises(cls) as caught:
            raise_error(answer(status, body), "x", idempotent=True)
        assert type(caught.value) is cls
        assert caught.value.code == name and caught.value.provider_message == "m"
        assert caught.value.http_status == status


def test_no_json_at_all_still_maps_by_status():
    with pytest.raises(TransientError) as gateway:
        raise_error(answer(502, "<html>bad gateway</html>"), "create", idempotent=False)
    assert gateway.value.ambiguous is True and gateway.value.code == "SERVER_ERROR"
    with pytest.raises(RateLimited) as limited:
        raise_error(answer(429, "slow down"), "x", idempotent=True)
    assert limited.value.retry_after == 5  # the documented floor
    with pytest.raises(AuthError):
        raise_error(answer(401, ""), "x", idempotent=True)


def test_running_before_its_start_time_is_scheduled_by_this_machines_clock():
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert (
        remote_campaign({"id": "o", "status": "running", "start_time": future}).status
        is S.SCHEDULED
    )
    assert remote_campaign({"id": "o", "status": "running", "start_time": past}).status is S.SENDING
    assert remote_campaign({"id": "o", "status": "RUNNING"}).status is S.SENDING


async def test_wrong_keys_are_an_auth_error_that_never_shows_them(rig: Rig):
    secret = "rest-key-s3cr3t-9981"
    account = with_credentials(rig.provider.account, rest_api_key=secret, project_key="sandbox")
    provider = BatchProvider(account, rig.provider.transport)
    with pytest.raises(AuthError) as caught:
        await provider.list()
    error = caught.value
    assert (error.code, error.http_status) == ("AUTHENTICATION_INVALID", 401)
    for text in (str(error), repr(error), error.provider_message or "", repr(account)):
        assert secret not in text


# -- retries and idempotency ---------------------------------------------------------------------
async def test_429_waits_at_least_five_seconds_or_the_retry_after(rig: Rig):
    rig.env.faults.rate_limit = 2
    rig.env.faults.retry_after = 1
    await rig.provider.list()
    assert rig.waits == [5, 5]
    rig.env.faults.rate_limit = 1
    rig.env.faults.retry_after = 9
    await rig.provider.list()
    assert rig.waits[-1] == 9


async def test_429_for_good_raises_rate_limited(rig: Rig):
    rig.env.faults.rate_limit = 10
    with pytest.raises(RateLimited) as caught:
        await rig.provider.list()
    assert caught.value.code == "TOO_MANY_REQUESTS" and caught.value.retry_after == 5


async def test_5xx_and_maintenance_on_reads_are_retried(rig: Rig):
    draft = await rig.provider.create(make_spec())
    rig.env.faults.server_errors = 2
    assert (await rig.provider.get(draft.id, with_stats=False)).id == draft.id
    assert len(rig.waits) == 2
    rig.env.settings["batch.maintenance"] = True
    with pytest.raises(TransientError) as caught:
        await rig.provider.list()
    assert caught.value.code == "MAINTENANCE_ERROR"


async def test_a_5xx_on_create_looks_up_before_creating_again(rig: Rig):
    rig.env.faults.server_errors = 1
    rig.env.faults.only = "/batch/2.8/campaigns/create"
    await rig.provider.create(make_spec())
    assert len(rig.campaigns) == 1


async def test_a_create_whose_answer_is_lost_is_not_made_twice(rig: Rig):
    rig.env.faults.drop_after = 1
    rig.env.faults.only = "/batch/2.8/campaigns/create"
    campaign = await rig.provider.send(make_spec())
    assert rig.env.faults.drop_after == 0
    (stored,) = rig.campaigns.values()
    assert stored.id == campaign.id and len(stored.runs) == 1
    again = await rig.provider.send(make_spec())
    assert again.id == campaign.id and len(rig.campaigns) == 1


async def test_a_start_whose_answer_is_lost_is_not_started_twice(rig: Rig):
    draft = await rig.provider.create(make_spec())
    rig.env.faults.drop_after = 1
    rig.env.faults.only = "/batch/2.8/campaigns/update"
    started = await rig.provider.send(make_spec(), draft.id)
    assert started.status is S.SENDING
    assert len(rig.campaigns[draft.id].runs) == 1


async def test_a_pause_and_a_delete_whose_answers_are_lost_are_done(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    rig.env.faults.drop_after = 1
    assert (await rig.provider.pause(campaign.id)).status is S.PAUSED
    rig.env.faults.drop_after = 1
    await rig.provider.delete(campaign.id)
    assert rig.campaigns == {}


# -- over a real loopback server -------------------------------------------------------------------
@pytest.fixture
def loopback_rig(loopback_sandbox: Callable[..., Any], rigs: Rigs) -> Rig:
    sb = loopback_sandbox(SandboxEnv(clock=SandboxClock(START, frozen=True)), providers=["/batch"])
    account = sandbox_account("batch", sb.url)
    return rigs.on(Rig, sb.env, account, clock_follows_waits=True, jitter=False)


@pytest.mark.loopback
async def test_a_round_trip_over_loopback(loopback_rig: Rig):
    provider, env = loopback_rig.provider, loopback_rig.env
    draft = await provider.create(make_spec())
    campaign = await provider.send(make_spec(), draft.id)
    env.clock.advance(30)
    assert (await provider.get(campaign.id)).sent == 500
    assert (await provider.pause(campaign.id)).status is S.PAUSED
    assert (await provider.resume(campaign.id)).status is S.SENDING
    assert [c.id for c in await provider.list()] == [campaign.id]
    env.faults.rate_limit = 1
    env.faults.retry_after = 0
    await provider.list()
    assert loopback_rig.waits == [5]


@pytest.mark.loopback
async def test_a_lost_create_answer_over_loopback_makes_one_campaign(loopback_rig: Rig):
    provider, env = loopback_rig.provider, loopback_rig.env
    env.faults.drop_after = 1
    env.faults.only = "/batch/2.8/campaigns/create"
    campaign = await provider.create(make_spec())
    assert env.faults.drop_after == 0
    assert [c.id for c in await provider.list()] == [campaign.id]
