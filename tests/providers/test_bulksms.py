"""The BulkSMS EAPI adapter against its sandbox: in-process and over a real loopback server."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.campaign import Action, CampaignStatus, check_action
from app.domain.outcomes import OutcomeStatus
from app.domain.schedule import Schedule
from app.providers.base import CampaignSpec, Recipient, map_issues_to_rows
from app.providers.bulksms import (
    MAX_PER_SUBMISSION,
    BulkSmsProvider,
    csv_field,
    stop_dup_id,
)
from app.providers.errors import (
    AuthError,
    InsufficientFunds,
    InvalidState,
    NotFound,
    RateLimited,
    TransientError,
    Unsupported,
    ValidationError,
)
from app.providers.registry import sandbox_account
from app.sandbox.bulksms import BulkSmsSandbox, split_line
from app.sandbox.core import SandboxClock, SandboxEnv
from tests.providers.rig import ProviderRig, Rigs, campaign_over, with_credentials

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOOD = [f"+447911{i:06d}" for i in range(200)]


def spec(n: int = 3, key: str = "campaign-1", message: str = "Hello", **kw: Any) -> CampaignSpec:
    rows = [
        Recipient(row=i, line=i + 2, phone=f"+447911{i:06d}", message=message) for i in range(n)
    ]
    return campaign_over(rows, name="Spring sale", key=key, **kw)


def mixed(rows: list[Recipient]) -> CampaignSpec:
    return campaign_over(rows, name="Mixed", key="campaign-2")


class Rig(ProviderRig[BulkSmsProvider]):
    adapter = BulkSmsProvider
    mount = "/bulksms"

    @property
    def sandbox(self) -> BulkSmsSandbox:
        sandbox: BulkSmsSandbox = self.app.state.bulksms
        return sandbox


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True), failure_percent=0)


@pytest.fixture
def rig(env: SandboxEnv, rigs: Rigs) -> Rig:
    return rigs.in_process(Rig, env)


# -- send, get, outcomes ----------------------------------------------------------------------
async def test_send_submits_one_batch_and_follows_its_progress(rig, env):
    sent = await rig.provider.send(spec(100))
    assert sent.status is CampaignStatus.SENDING
    assert (sent.total, sent.pending) == (100, 100)
    (batch,) = rig.sandbox.batches.values()
    assert sent.id == str(batch.id)
    assert batch.msisdns[:2] == ["447911000000", "447911000001"]  # international, no "+"
    env.clock.advance(3)  # 600 a minute
    midway = await rig.provider.get(sent.id)
    assert midway.status is CampaignStatus.SENDING
    assert (midway.total, midway.delivered, midway.pending) == (100, 30, 70)
    env.clock.advance(60)
    done = await rig.provider.get(sent.id)
    assert done.status is CampaignStatus.COMPLETED
    assert (done.sent, done.delivered, done.failed, done.pending) == (100, 100, 0, 0)


async def test_outcomes_name_each_recipient_with_its_time(rig, env):
    env.failure_percent = 100  # every valid number fails on the handset
    rows = [
        Recipient(0, 2, GOOD[0], "a"),
        Recipient(1, 3, "+999123456789", "b"),  # no such country
        Recipient(2, 4, GOOD[2], "c"),
    ]
    sent = await rig.provider.send(mixed(rows))
    env.clock.advance(0.15)  # the first message only
    first = [o async for o in rig.provider.outcomes(sent.id)]
    assert [o.status for o in first] == [OutcomeStatus.FAILED] + [OutcomeStatus.PENDING] * 2
    assert first[0].at == START + timedelta(seconds=0)
    env.clock.advance(60)
    outcomes = [o async for o in rig.provider.outcomes(sent.id)]
    assert [(o.phone, o.provider_status, o.detail) for o in outcomes] == [
        (GOOD[0], "51", "Delivery to phone failed"),
        ("+999123456789", "31", "Unroutable"),
        (GOOD[2], "51", "Delivery to phone failed"),
    ]
    assert all(o.at is not None and o.at.tzinfo is not None for o in outcomes)


async def test_delivered_outcomes(rig, env):
    sent = await rig.provider.send(spec(2))
    env.clock.advance(60)
    statuses = [o.status async for o in rig.provider.outcomes(sent.id)]
    assert statuses == [OutcomeStatus.DELIVERED] * 2


async def test_a_future_start_is_scheduled_in_the_accounts_time_zone(env, rigs):
    env.settings["bulksms.timezone"] = "America/New_York"
    rig = rigs.in_process(Rig, env, options={"timezone": "America/New_York"})
    start = START + timedelta(hours=2)
    sent = await rig.provider.send(spec(5, schedule=Schedule(start=start)))
    assert sent.status is CampaignStatus.SCHEDULED
    assert sent.scheduled_at == start
    (batch,) = rig.sandbox.batches.values()
    assert batch.start == start  # 06:00 in New York is 11:00 UTC
    waiting = await rig.provider.get(sent.id)
    assert waiting.status is CampaignStatus.SCHEDULED
    env.clock.advance(2 * 3600 + 60)
    assert (await rig.provider.get(sent.id)).status is CampaignStatus.COMPLETED


async def test_a_zone_the_account_does_not_share_shifts_the_send_time(env, rig):
    """Why the 'timezone' option matters: send_time is read in BulkSMS's zone for the account."""
    env.settings["bulksms.timezone"] = "Europe/Helsinki"
    start = START + timedelta(hours=3)  # the rig's account has the adapter's default: UTC
    await rig.provider.send(spec(1, schedule=Schedule(start=start)))
    (batch,) = rig.sandbox.batches.values()
    assert batch.start == start - timedelta(hours=2)


async def test_an_unknown_account_time_zone_is_refused(env, rigs):
    rig = rigs.in_process(Rig, env, options={"timezone": "Mars/Olympus"})
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        await rig.provider.send(spec(1, schedule=Schedule(start=START + timedelta(hours=1))))


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(start=START, window_start=time(9), window_end=time(17)),
        Schedule(start=START, end_date=START.date()),
        Schedule(start=START, respect_quiet_hours=True),
    ],
)
async def test_what_eapi_cannot_schedule_is_refused_not_ignored(rig, schedule):
    with pytest.raises(Unsupported, match="only takes a start time"):
        await rig.provider.send(spec(1, schedule=schedule))
    assert rig.sandbox.batches == {}


# -- per-row wire format ----------------------------------------------------------------------
async def test_overrides_escapes_and_latin1_reach_the_sandbox(rig, env):
    rows = [
        Recipient(0, 2, GOOD[0], 'Ça "coûte" 5£\nmerci', {"sender": "Shop", "source_id": "A1"}),
        Recipient(1, 3, GOOD[1], "plain", {"routing_group": "2"}),
    ]
    sent = await rig.provider.send(mixed(rows))
    batch = rig.sandbox.batches[int(sent.id)]
    assert batch.bodies == ['Ça "coûte" 5£\nmerci', "plain"]
    assert batch.senders == ["Shop", ""]
    assert batch.source_ids == ["A1", ""]


async def test_flash_and_the_accounts_default_sender_reach_the_sandbox(rig):
    sent = await rig.provider.send(spec(2, options={"flash": True}))
    batch = rig.sandbox.batches[int(sent.id)]
    assert batch.msg_class == "0" and batch.senders == ["", ""]
    account = replace(rig.provider.account, options={"sender": "Shop"})
    provider = BulkSmsProvider(account, rig.provider.transport)
    normal = await provider.send(spec(2, key="campaign-9"))
    batch = rig.sandbox.batches[int(normal.id)]
    assert batch.msg_class == "2" and batch.senders == ["Shop", "Shop"]


async def test_text_outside_latin1_goes_as_16bit_hex(rig):
    rows = [Recipient(0, 2, GOOD[0], "Привет 👋"), Recipient(1, 3, GOOD[1], "Hello")]
    sent = await rig.provider.send(mixed(rows))
    batch = rig.sandbox.batches[int(sent.id)]
    assert batch.bodies == ["Привет 👋".encode("utf-16-be").hex().upper(), "Hello"]


async def test_a_unicode_text_too_long_for_one_16bit_message_is_refused_by_row(rig):
    rows = [
        Recipient(0, 2, GOOD[0], "fine"),
        Recipient(7, 9, GOOD[1], "Ж" * 71),
        Recipient(8, 10, GOOD[2], "also fine", {"sender": "Магазин"}),
        Recipient(9, 11, GOOD[3], "Жук", {"dca": "16bit"}),  # a 16bit row must be hex
    ]
    with pytest.raises(ValidationError) as caught:
        await rig.provider.send(mixed(rows))
    assert rig.sandbox.batches == {}  # nothing was sent
    placed = map_issues_to_rows(caught.value.issues, rows)
    assert [(i.row, i.line, i.column, i.code) for i in placed] == [
        (7, 9, "message", "bulksms.unicode_too_long"),
        (8, 10, "sender", "bulksms.not_latin1"),
        (9, 11, "message", "bulksms.not_hex"),
    ]


async def test_reading_many_rows_hands_the_event_loop_back(rig):
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    rows = [Recipient(i, i + 2, GOOD[i % 100], "x") for i in range(5000)]
    rows.append(Recipient(5000, 5002, GOOD[0], "Ж" * 80))  # only the survey runs
    task = asyncio.create_task(ticker())
    try:
        report = await rig.provider.validate(mixed(rows))
    finally:
        task.cancel()
    assert not report.ok
    assert ticks >= 5  # a turn for the rest of the app every 1,000 rows


async def test_an_empty_campaign_is_refused(rig):
    with pytest.raises(ValidationError, match="no recipients"):
        await rig.provider.send(spec(0))


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r"), max_size=60))
def test_csv_field_round_trips_through_the_sandbox_parser(text):
    assert split_line(csv_field(text) + "," + csv_field("x")) == [text, "x"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=0, max_value=10_000))
def test_stop_dup_id_is_stable_and_in_range(key, chunk):
    value = stop_dup_id(key, chunk)
    assert 1 <= value <= 2_147_483_647
    assert value == stop_dup_id(key, chunk)


# -- splitting and idempotency ----------------------------------------------------------------
async def test_a_large_campaign_is_split_and_a_send_failed_part_way_can_be_repeated(rig, env):
    n = MAX_PER_SUBMISSION + 10
    env.settings["bulksms.credits"] = MAX_PER_SUBMISSION + 5
    with pytest.raises(InsufficientFunds) as caught:
        await rig.provider.send(spec(n, key="part"))
    assert caught.value.code == "25"
    assert "1 earlier submission(s) were accepted" in str(caught.value)
    (accepted,) = rig.sandbox.batches
    env.settings["bulksms.credits"] = 100
    sent = await rig.provider.send(spec(n, key="part"))
    ids = [int(i) for i in sent.id.split(",")]
    assert ids[0] == accepted  # replayed by its stop_dup_id, not sent again
    assert [len(rig.sandbox.batches[i].msisdns) for i in ids] == [MAX_PER_SUBMISSION, 10]
    assert len(rig.sandbox.dup_answers) == 2  # one stop_dup_id per submission
    again = await rig.provider.send(spec(n, key="part"))
    assert again.id == sent.id
    assert len(rig.sandbox.batches) == 2
    assert env.settings["bulksms.credits"] == 90


async def test_a_lost_answer_after_the_sandbox_accepted_never_sends_twice(rig, env):
    env.faults.drop_after = 1
    sent = await rig.provider.send(spec(3, key="lost"))
    assert list(rig.sandbox.batches) == [int(sent.id)]
    assert len(rig.waits) == 1


async def test_a_connection_refused_before_processing_is_retried(rig, env):
    env.faults.drop_before = 2
    sent = await rig.provider.send(spec(3))
    assert list(rig.sandbox.batches) == [int(sent.id)]
    assert len(rig.waits) == 2


async def test_429_waits_its_retry_after(rig, env):
    env.faults.rate_limit = 2
    env.faults.retry_after = 4
    sent = await rig.provider.send(spec(3))
    assert rig.waits == [4.0, 4.0]
    assert int(sent.id) > 0


async def test_5xx_is_retried_for_an_idempotent_submission(rig, env):
    env.faults.server_errors = 1
    sent = await rig.provider.send(spec(3))
    assert len(rig.waits) == 1
    assert list(rig.sandbox.batches) == [int(sent.id)]


async def test_a_non_200_answer_that_persists_is_transient(rig, env):
    env.faults.server_errors = 10
    with pytest.raises(TransientError) as caught:
        await rig.provider.send(spec(3))
    assert caught.value.http_status == 500
    assert rig.sandbox.batches == {}


# -- status codes -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "error", "queued"),
    [
        (22, TransientError, 1),
        (24, ValidationError, 1),
        (26, TransientError, 3),  # retried: three attempts in all
        (27, RateLimited, 1),
        (28, TransientError, 3),
        (40, TransientError, 4),  # retried for the whole policy
    ],
)
async def test_submission_codes_map_to_error_classes(rig, env, code, error, queued):
    env.settings["bulksms.next_status_codes"] = [code] * 10
    with pytest.raises(error) as caught:
        await rig.provider.send(spec(2))
    assert caught.value.code == str(code)
    assert caught.value.provider_message
    assert len(rig.waits) == queued - 1
    assert env.settings["bulksms.next_status_codes"] == [code] * (10 - queued)


async def test_a_retried_40_that_clears_sends_once(rig, env):
    env.settings["bulksms.next_status_codes"] = [40, 26]
    sent = await rig.provider.send(spec(2))
    assert list(rig.sandbox.batches) == [int(sent.id)]
    assert len(rig.waits) == 2


async def test_daily_quota_is_rate_limited_without_a_wait(rig, env):
    env.settings["bulksms.daily_quota"] = 1
    with pytest.raises(RateLimited) as caught:
        await rig.provider.send(spec(2))
    assert caught.value.code == "27"
    assert caught.value.retry_after is None
    assert "daily quota" in str(caught.value)


async def test_credits_run_out(rig, env):
    env.settings["bulksms.credits"] = 1
    with pytest.raises(InsufficientFunds) as caught:
        await rig.provider.send(spec(2))
    assert caught.value.code == "25"


async def test_wrong_credentials_are_an_auth_error_that_shows_no_secret(rig):
    account = with_credentials(rig.provider.account, username="sandbox", password="hunter2-secret")
    provider = BulkSmsProvider(account, rig.transport)
    with pytest.raises(AuthError) as caught:
        await provider.send(spec(1))
    assert caught.value.code == "23"
    assert "hunter2-secret" not in str(caught.value)
    assert "hunter2-secret" not in repr(caught.value.__dict__)
    with pytest.raises(AuthError):
        await provider.get("30430")


async def test_get_of_an_unknown_batch_is_not_found(rig):
    with pytest.raises(NotFound) as caught:
        await rig.provider.get("987654")
    assert caught.value.code == "24"
    with pytest.raises(NotFound):
        await rig.provider.get("abc")


# -- validate ---------------------------------------------------------------------------------
async def test_validate_runs_test_always_succeed_and_sends_nothing(rig, env):
    report = await rig.provider.validate(spec(5))
    assert report.ok and report.checked == 5
    assert rig.sandbox.batches == {}
    assert env.settings.get("bulksms.credits") is None  # no credits taken


async def test_validate_does_not_spend_the_stop_dup_id_of_the_real_send(rig):
    await rig.provider.validate(spec(3, key="same"))
    sent = await rig.provider.send(spec(3, key="same"))
    assert list(rig.sandbox.batches) == [int(sent.id)]


async def test_validate_reports_a_refused_submission_without_a_row(rig, env):
    env.settings["bulksms.max_batch_messages"] = 2
    report = await rig.provider.validate(spec(3))
    assert not report.ok
    (issue,) = report.issues
    assert (issue.code, issue.index) == ("24", None)
    assert "too many" in issue.message


async def test_validate_reports_rows_the_adapter_cannot_send(rig):
    rows = [Recipient(0, 2, GOOD[0], "ok"), Recipient(1, 3, GOOD[1], "日本" * 40)]
    report = await rig.provider.validate(mixed(rows))
    assert [(i.index, i.code) for i in report.issues] == [(1, "bulksms.unicode_too_long")]
    assert rig.sandbox.batches == {}


async def test_validate_with_wrong_credentials_raises(rig):
    account = with_credentials(rig.provider.account, username="x")
    with pytest.raises(AuthError):
        await BulkSmsProvider(account, rig.transport).validate(spec(1))


# -- what EAPI cannot do ----------------------------------------------------------------------
@pytest.mark.parametrize("operation", ["pause", "resume", "cancel", "unschedule", "delete"])
async def test_operations_eapi_lacks_are_unsupported(rig, operation):
    with pytest.raises(Unsupported):
        await getattr(rig.provider, operation)("30430")


async def test_no_drafts_no_update_no_list(rig):
    with pytest.raises(Unsupported):
        await rig.provider.create(spec(1))
    with pytest.raises(Unsupported):
        await rig.provider.update("1", spec(1))
    with pytest.raises(Unsupported, match="no drafts"):
        await rig.provider.send(spec(1), campaign_id="1")
    with pytest.raises(Unsupported, match="cannot list"):
        await rig.provider.list()


def test_capabilities_say_a_scheduled_batch_cannot_be_cancelled_or_paused():
    caps = BulkSmsProvider.capabilities
    assert not check_action(Action.CANCEL, CampaignStatus.SCHEDULED, caps)
    assert not check_action(Action.PAUSE, CampaignStatus.SENDING, caps)
    assert check_action(Action.SEND, CampaignStatus.READY, caps)
    assert check_action(Action.VALIDATE, CampaignStatus.DRAFT, caps)
    assert not caps.supports_daily_window and not caps.supports_end_date
    assert caps.max_recipients_per_request == MAX_PER_SUBMISSION


async def test_ensure_refuses_an_action_in_the_wrong_status(rig):
    with pytest.raises(InvalidState, match="no cancel"):
        rig.provider.ensure(Action.CANCEL, CampaignStatus.SCHEDULED)
    with pytest.raises(InvalidState, match="Sending"):
        rig.provider.ensure(Action.SEND, CampaignStatus.SENDING)


# -- loopback ---------------------------------------------------------------------------------
@pytest.mark.loopback
async def test_round_trip_over_loopback_with_a_lost_answer(loopback_sandbox, rigs):
    sb = loopback_sandbox(
        SandboxEnv(clock=SandboxClock(START, frozen=True), failure_percent=0),
        providers=["/bulksms"],
    )
    rig = rigs.on(Rig, sb.env, sandbox_account("bulksms", sb.url))
    provider = rig.provider
    assert (await provider.validate(spec(4))).ok
    sb.env.faults.drop_after = 1
    sent = await provider.send(spec(4, key="loop", message="Grüße"))
    assert len(rig.waits) == 1  # the lost answer was retried, and replayed
    again = await provider.send(spec(4, key="loop", message="Grüße"))
    assert again.id == sent.id
    sb.env.clock.advance(60)
    done = await provider.get(sent.id)
    outcomes = [o async for o in provider.outcomes(sent.id)]
    assert done.status is CampaignStatus.COMPLETED
    assert done.delivered == 4
    assert [o.phone for o in outcomes] == GOOD[:4]
