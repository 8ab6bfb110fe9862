"""The Cordial adapter against its sandbox: in-process, and over a real loopback server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.domain.campaign import Action, CampaignStatus
from app.domain.schedule import Schedule
from app.providers.base import CampaignSpec
from app.providers.cordial import HINTS, CordialProvider, raise_error
from app.providers.errors import (
    AuthError,
    Conflict,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    TransientError,
    Unsupported,
    ValidationError,
)
from app.providers.issues import Severity
from app.providers.registry import sandbox_account
from app.sandbox.cordial import CordialSandbox
from app.sandbox.core import SandboxClock, SandboxEnv
from tests.providers.rig import ProviderRig, Rigs, answer, one_text_spec, with_credentials

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = CampaignStatus


def make_spec(
    texts: list[str] | None = None, *, options: dict[str, Any] | None = None, **kw: Any
) -> CampaignSpec:
    return one_text_spec(
        texts, options={"audience_key": "all-sms"} if options is None else options, **kw
    )


class Rig(ProviderRig[CordialProvider]):
    adapter = CordialProvider
    mount = "/cordial"

    @property
    def sandbox(self) -> CordialSandbox:
        sandbox: CordialSandbox = self.app.state.cordial
        return sandbox

    @property
    def messages(self) -> dict[str, Any]:
        """What really exists at the sandbox."""
        return dict(self.sandbox.messages)


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True))


@pytest.fixture
def rig(env: SandboxEnv, rigs: Rigs) -> Rig:
    # No account audience: each test says where its campaign goes. A wait moves the sandbox
    # clock, so rate limits reset.
    return rigs.in_process(Rig, env, options={}, clock_follows_waits=True, jitter=False)


# -- operations ---------------------------------------------------------------------------------
async def test_create_makes_a_named_tagged_draft(rig: Rig):
    campaign = await rig.provider.create(make_spec())
    assert campaign.status is S.DRAFT and campaign.provider_status == "draft"
    assert campaign.name == "Spring [idem-1]"
    assert campaign.external_id == "idem-1"
    assert campaign.total == 1000 and campaign.pending == 1000
    (msg,) = rig.messages.values()
    assert msg.body["classification"] == "promotional"
    assert msg.body["channel"] == "sms"
    assert msg.body["audience-key"] == "all-sms"
    assert msg.body["message"] == {"content": {"text/plain": "Spring sale: 20% off"}}
    assert (await rig.provider.get(campaign.id)).id == campaign.id


async def test_update_changes_a_draft_and_is_refused_once_sent(rig: Rig):
    campaign = await rig.provider.create(make_spec())
    updated = await rig.provider.update(campaign.id, make_spec(["New text"] * 2))
    assert updated.raw["message"]["content"]["text/plain"] == "New text"
    await rig.provider.send(make_spec(), campaign.id)
    with pytest.raises(InvalidState) as caught:
        await rig.provider.update(campaign.id, make_spec())
    assert caught.value.code == "BATCH_MESSAGES_CANNOT_EDIT_SENT_MESSAGE"
    assert caught.value.http_status == 409


async def test_send_now_goes_pending_processing_and_completes_on_the_clock(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    assert campaign.provider_status == "pending" and campaign.status is S.SENDING
    rig.env.clock.advance(60 + 30)
    progress = await rig.provider.get(campaign.id)
    assert progress.provider_status == "processing"
    assert (progress.sent, progress.pending) == (300, 700)
    rig.env.clock.advance(70)
    done = await rig.provider.get(campaign.id)
    assert done.status is S.COMPLETED and done.sent == 1000
    assert done.delivered + done.failed == 1000 and done.failed > 0


async def test_scheduled_send_unschedule_and_processing_cannot_unschedule(rig: Rig):
    schedule = Schedule(start=START + timedelta(hours=1))
    spec = make_spec(schedule=schedule)
    campaign = await rig.provider.send(spec)
    assert campaign.status is S.SCHEDULED
    assert campaign.scheduled_at == START + timedelta(hours=1)
    draft = await rig.provider.unschedule(campaign.id)
    assert draft.status is S.DRAFT
    again = await rig.provider.send(spec, draft.id)
    assert again.status is S.SCHEDULED
    rig.env.clock.advance(3600 + 10)
    assert (await rig.provider.get(campaign.id)).status is S.SENDING
    with pytest.raises(InvalidState) as caught:
        await rig.provider.unschedule(campaign.id)
    assert caught.value.code == "BATCH_MESSAGES_CANNOT_UNSCHEDULE_PROCESSING_MESSAGE"


async def test_pause_resume_continues_without_resending(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    rig.env.clock.advance(60 + 20)
    paused = await rig.provider.pause(campaign.id)
    assert paused.status is S.PAUSED and paused.sent == 200
    rig.env.clock.advance(7200)
    assert (await rig.provider.get(campaign.id)).sent == 200
    resumed = await rig.provider.resume(campaign.id)
    assert resumed.status is S.SENDING
    rig.env.clock.advance(10)
    assert (await rig.provider.get(campaign.id)).sent == 300
    with pytest.raises(InvalidState) as caught:
        await rig.provider.resume(campaign.id)
    assert caught.value.code == "BATCH_MESSAGES_STATUS_ERROR"


async def test_cancel_and_what_a_cancelled_message_refuses(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    await rig.provider.pause(campaign.id)
    cancelled = await rig.provider.cancel(campaign.id)
    assert cancelled.status is S.CANCELLED
    for action in (rig.provider.resume, rig.provider.cancel, rig.provider.pause):
        with pytest.raises(InvalidState) as caught:
            await action(campaign.id)
        assert caught.value.code == "BATCH_MESSAGES_STATUS_ERROR"
        assert caught.value.provider_message


async def test_a_start_in_each_contacts_local_time_goes_as_contact_tz(rig: Rig):
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 3, 2, 18, 30, tzinfo=paris)
    local = Schedule(start=start, timezone="Europe/Paris", recipient_local_time=True)
    campaign = await rig.provider.send(make_spec(schedule=local))
    body = rig.messages[campaign.id].body
    assert body["schedule"] == "2026-03-02T18:30:00+01:00"
    assert body["scheduleType"] == "contactTZ"
    assert campaign.status is S.SCHEDULED
    one_moment = Schedule(start=start.astimezone(UTC), timezone="Europe/Paris")
    plain = await rig.provider.send(make_spec(key="plain", schedule=one_moment))
    body = rig.messages[plain.id].body
    assert body["schedule"] == "2026-03-02T18:30:00+01:00" and "scheduleType" not in body


async def test_pause_a_scheduled_message_is_refused(rig: Rig):
    campaign = await rig.provider.send(make_spec(schedule=Schedule(start=START + timedelta(1))))
    with pytest.raises(InvalidState):
        await rig.provider.pause(campaign.id)
    with pytest.raises(InvalidState):
        rig.provider.ensure(Action.PAUSE, campaign.status)


async def test_delete_a_draft_then_it_is_not_found_and_a_sent_one_cannot_be_deleted(rig: Rig):
    draft = await rig.provider.create(make_spec())
    await rig.provider.delete(draft.id)
    with pytest.raises(NotFound) as caught:
        await rig.provider.get(draft.id)
    assert caught.value.code == "RECORD_NOT_FOUND" and caught.value.http_status == 404
    sent = await rig.provider.send(make_spec(key="other"))
    with pytest.raises(InvalidState) as refused:
        await rig.provider.delete(sent.id)
    assert refused.value.code == "BATCH_MESSAGES_REMOVE_REQUEST_NOT_ALLOWED"


async def test_list_pages_through_every_message(rig: Rig, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("app.providers.cordial.PAGE_SIZE", 2)
    made = [await rig.provider.create(make_spec(key=f"k{i}")) for i in range(5)]
    listed = await rig.provider.list()
    assert sorted(c.id for c in listed) == sorted(c.id for c in made)


async def test_outcomes_per_recipient_are_not_offered(rig: Rig):
    with pytest.raises(Unsupported):
        async for _ in rig.provider.outcomes("252:1:ot"):
            pass


async def test_send_test_reaches_the_sandbox(rig: Rig):
    draft = await rig.provider.create(make_spec())
    await rig.provider.send_test(draft.id, ["58d30719ac0c8117814da1f3"])
    with pytest.raises(ValidationError) as caught:
        await rig.provider.send_test(draft.id, [])
    assert caught.value.code == "BATCH_MESSAGES_TEST_ERROR"


# -- what the adapter refuses before calling --------------------------------------------------
async def test_rows_with_different_texts_are_refused_naming_the_row(rig: Rig):
    with pytest.raises(ValidationError) as caught:
        await rig.provider.create(make_spec(["A", "A", "B"]))
    (issue,) = caught.value.issues
    assert (issue.index, issue.column, issue.code) == (2, "message", "PER_ROW_TEXT")
    assert "line 4" in str(caught.value)
    assert rig.messages == {}


async def test_every_row_whose_text_differs_is_flagged_not_only_the_first(rig: Rig):
    report = await rig.provider.validate(make_spec(["B", "A", "A", "C", "A", "A"]))
    assert not report.ok and report.campaign_id is None
    assert [(i.code, i.index, i.column) for i in report.issues] == [
        ("PER_ROW_TEXT", 0, "message"),  # the first row is the odd one: most rows say "A"
        ("PER_ROW_TEXT", 3, "message"),
    ]
    assert all("line 3, the text of 4 of 6 rows" in i.message for i in report.issues)
    with pytest.raises(ValidationError) as caught:
        await rig.provider.create(make_spec(["B", "A", "A", "C", "A", "A"]))
    assert "2 rows (lines 2 and 5) have a different text" in str(caught.value)
    assert rig.messages == {}


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"options": {}}, "audience_key"),
        ({"schedule": Schedule(window_start=time(9), window_end=time(17))}, "daily sending window"),
        ({"schedule": Schedule(send_rate=1000)}, "send rate"),
        ({"schedule": Schedule(respect_quiet_hours=True)}, "quiet hours"),
        ({"schedule": Schedule(recipient_local_time=True)}, "local time without a start"),
        ({"schedule": Schedule(end_date=START.date() + timedelta(3))}, "end date"),
    ],
)
async def test_what_cordial_cannot_carry_is_refused_with_a_reason(rig: Rig, kw, words):
    with pytest.raises(ValidationError, match=words):
        await rig.provider.create(make_spec(**kw))
    assert rig.messages == {}


async def test_the_account_audience_key_is_used_when_the_campaign_has_none(env, rig: Rig):
    account = replace(rig.provider.account, options={"audience_key": "all-sms"})
    provider = CordialProvider(account, rig.provider.transport)
    campaign = await provider.create(make_spec(options={}))
    assert campaign.raw["audience-key"] == "all-sms"


# -- errors ---------------------------------------------------------------------------------------
async def test_an_unknown_audience_is_a_validation_error_naming_it(rig: Rig):
    with pytest.raises(ValidationError) as caught:
        await rig.provider.create(make_spec(options={"audience_key": "vip"}))
    error = caught.value
    assert error.code == "BATCH_MESSAGES_AUDIENCE_NOT_FOUND" and error.http_status == 422
    assert error.provider_message == "Audience with name: 'vip' does not exist."
    assert "Create the audience in Cordial" in str(error)


async def test_an_unknown_channel_and_a_past_schedule_keep_their_keys(rig: Rig):
    with pytest.raises(ValidationError) as channel:
        await rig.provider.create(make_spec(options={"audience_key": "all-sms", "channel": "x"}))
    assert channel.value.code == "CHANNELS_KEY_NOT_FOUND"
    with pytest.raises(ValidationError) as past:
        await rig.provider.create(make_spec(schedule=Schedule(start=START - timedelta(1))))
    assert past.value.code == "BATCH_MESSAGES_SCHEDULE_ERROR"


@pytest.mark.parametrize(
    ("key", "status", "cls"),
    [
        ("RECORD_NOT_FOUND", 404, NotFound),
        ("BATCH_MESSAGES_CANNOT_EDIT_SENT_MESSAGE", 409, InvalidState),
        ("BATCH_MESSAGES_STATUS_ERROR", 409, InvalidState),
        ("BATCH_MESSAGES_CANNOT_UNSCHEDULE_PROCESSING_MESSAGE", 409, InvalidState),
        ("BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_SCHEDULED", 409, InvalidState),
        ("BATCH_MESSAGES_REMOVE_REQUEST_NOT_ALLOWED", 409, InvalidState),
        ("BATCH_MESSAGES_SMS_TRANSACTIONAL_MESSAGES_NOT_ALLOWED", 422, ValidationError),
        ("BATCH_MESSAGES_SCHEDULE_ERROR", 422, ValidationError),
        ("BATCH_MESSAGES_AUDIENCE_NOT_FOUND", 422, ValidationError),
        ("CHANNELS_KEY_NOT_FOUND", 422, ValidationError),
        ("MESSAGE_TRANSPORT_NOT_CONFIGURED", 422, ValidationError),
        ("INTERNAL_ERROR", 500, TransientError),
        ("SOMETHING_NEW", 409, Conflict),
        ("SOMETHING_NEW", 403, AuthError),
        ("SOMETHING_NEW", 418, ProviderError),
    ],
)
def test_every_error_key_maps_to_its_class_and_keeps_the_key(key, status, cls):
    with pytest.raises(cls) as caught:
        raise_error(
            answer(status, {"error": True, "errorKey": key, "message": "m"}), "x", idempotent=True
        )
    assert type(caught.value) is cls
    assert caught.value.code == key and caught.value.provider_message == "m"
    hint = f" {HINTS[key]}" if key in HINTS else ""
    if cls is AuthError:  # a refused key says what to check, not "could not"
        assert str(caught.value).startswith("Cordial does not let this API key x (m)")
    else:
        assert str(caught.value) == "Cordial could not x: m." + hint


def test_the_v1_shapes_and_non_json_bodies_are_understood():
    with pytest.raises(ValidationError) as v1:
        raise_error(
            answer(422, {"error": True, "messages": {"validationErrors": {"a": ["req"]}}}),
            "x",
            idempotent=True,
        )
    assert v1.value.code is None and "validationErrors" in (v1.value.provider_message or "")
    with pytest.raises(NotFound) as missing:
        raise_error(
            answer(404, {"error": True, "message": "record not found"}), "x", idempotent=True
        )
    assert missing.value.provider_message == "record not found"
    with pytest.raises(TransientError) as html:
        raise_error(answer(502, "<html>bad gateway</html>"), "create", idempotent=False)
    assert html.value.ambiguous is True and html.value.http_status == 502
    with pytest.raises(RateLimited) as limited:
        raise_error(
            answer(429, {"errorKey": "EXCEEDED_RATE_LIMIT"}, **{"Retry-After": "12"}),
            "x",
            idempotent=True,
        )
    assert limited.value.retry_after == 12


async def test_a_wrong_key_is_an_auth_error_that_never_shows_the_key(env, rig: Rig):
    secret = "s3cret-Key-0042"
    account = with_credentials(rig.provider.account, api_key=secret)
    provider = CordialProvider(account, rig.provider.transport)
    with pytest.raises(AuthError) as caught:
        await provider.list()
    error = caught.value
    assert error.http_status == 401
    for text in (str(error), repr(error), error.provider_message or "", repr(account)):
        assert secret not in text


# -- retries and idempotency -------------------------------------------------------------------
async def test_429_bursts_are_retried_after_retry_after(rig: Rig):
    rig.env.faults.rate_limit = 2
    rig.env.faults.retry_after = 7
    campaign = await rig.provider.create(make_spec())
    assert rig.waits == [7, 7]
    assert len(rig.messages) == 1 and campaign.status is S.DRAFT


async def test_the_sandbox_own_rate_limit_is_waited_out(rig: Rig):
    rig.env.settings["cordial.rate_limit_per_minute"] = 1
    await rig.provider.list()
    await rig.provider.list()  # over the limit: waits until the minute resets
    assert rig.waits == [60]


async def test_rate_limited_for_good_raises_rate_limited(rig: Rig):
    rig.env.faults.rate_limit = 10
    rig.env.faults.retry_after = 3
    with pytest.raises(RateLimited) as caught:
        await rig.provider.list()
    assert caught.value.retry_after == 3 and caught.value.code == "EXCEEDED_RATE_LIMIT"
    assert rig.waits == [3, 3, 3]


async def test_a_5xx_on_a_read_is_retried(rig: Rig):
    draft = await rig.provider.create(make_spec())
    rig.env.faults.server_errors = 2
    assert (await rig.provider.get(draft.id)).id == draft.id
    assert len(rig.waits) == 2


async def test_a_5xx_on_create_looks_up_before_creating_again(rig: Rig):
    rig.env.faults.server_errors = 1
    rig.env.faults.only = "/cordial/v2/batchmessages"
    await rig.provider.create(make_spec())
    assert len(rig.messages) == 1


async def test_a_create_whose_answer_is_lost_is_not_made_twice(rig: Rig):
    rig.env.faults.drop_after = 1  # the POST is the create's first request
    campaign = await rig.provider.create(make_spec())
    assert rig.env.faults.drop_after == 0
    (msg,) = rig.messages.values()
    assert msg.id == campaign.id and msg.status == "draft"
    sent = await rig.provider.send(make_spec())
    assert sent.id == campaign.id and msg.history == ["pending"]


async def test_a_send_whose_answer_is_lost_is_not_sent_twice(rig: Rig):
    draft = await rig.provider.create(make_spec())
    rig.env.faults.drop_after = 1
    sent = await rig.provider.send(make_spec(), draft.id)
    assert sent.provider_status == "pending"
    assert rig.sandbox.messages[draft.id].history == ["pending"]


async def test_a_pause_whose_answer_is_lost_still_reports_paused(rig: Rig):
    campaign = await rig.provider.send(make_spec())
    rig.env.faults.drop_after = 1
    assert (await rig.provider.pause(campaign.id)).status is S.PAUSED


async def test_a_delete_whose_answer_is_lost_is_done(rig: Rig):
    draft = await rig.provider.create(make_spec())
    rig.env.faults.drop_after = 1
    await rig.provider.delete(draft.id)
    assert rig.messages == {}


async def test_sending_the_same_spec_again_returns_the_sent_message(rig: Rig):
    first = await rig.provider.send(make_spec())
    second = await rig.provider.send(make_spec())
    assert second.id == first.id and len(rig.messages) == 1


# -- validate-only ------------------------------------------------------------------------------
async def test_validate_leaves_a_checked_draft_that_send_then_uses(rig: Rig):
    report = await rig.provider.validate(make_spec())
    assert report.ok and report.campaign_id and report.checked == 3
    (note,) = report.issues
    assert note.severity is Severity.WARNING and "all-sms" in note.message
    sent = await rig.provider.send(make_spec())
    assert sent.id == report.campaign_id and len(rig.messages) == 1


async def test_validate_reports_what_cordial_refused(rig: Rig):
    report = await rig.provider.validate(make_spec(options={"audience_key": "vip"}))
    assert not report.ok and report.campaign_id is None
    assert [i.code for i in report.issues] == ["BATCH_MESSAGES_AUDIENCE_NOT_FOUND"]
    rows = await rig.provider.validate(make_spec(["a", "b"]))
    assert [(i.code, i.index) for i in rows.issues] == [("PER_ROW_TEXT", 1)]
    assert rig.messages == {}


# -- over a real loopback server ----------------------------------------------------------------
@pytest.fixture
def loopback_rig(loopback_sandbox: Callable[..., Any], rigs: Rigs) -> Rig:
    sb = loopback_sandbox(
        SandboxEnv(clock=SandboxClock(START, frozen=True)), providers=["/cordial"]
    )
    account = sandbox_account("cordial", sb.url)
    return rigs.on(Rig, sb.env, account, clock_follows_waits=True, jitter=False)


@pytest.mark.loopback
async def test_a_round_trip_over_loopback(loopback_rig: Rig):
    provider, env = loopback_rig.provider, loopback_rig.env
    report = await provider.validate(make_spec())
    assert report.ok
    campaign = await provider.send(make_spec(), report.campaign_id)
    env.clock.advance(70)
    assert (await provider.get(campaign.id)).sent == 100
    assert (await provider.pause(campaign.id)).status is S.PAUSED
    assert (await provider.resume(campaign.id)).status is S.SENDING
    assert (await provider.cancel(campaign.id)).status is S.CANCELLED
    assert [c.id for c in await provider.list()] == [campaign.id]


@pytest.mark.loopback
async def test_a_lost_create_answer_over_loopback_makes_one_message(loopback_rig: Rig):
    provider, env = loopback_rig.provider, loopback_rig.env
    env.faults.drop_after = 1
    campaign = await provider.create(make_spec())
    listed = await provider.list()
    assert [c.id for c in listed] == [campaign.id]
    assert env.faults.drop_after == 0
