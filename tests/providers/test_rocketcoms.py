"""The RocketCOMS adapter against its sandbox, in-process and over a real loopback server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.accounts import Account
from app.domain.campaign import Action, CampaignStatus, check_action
from app.domain.outcomes import OutcomeStatus
from app.domain.schedule import Schedule, preview
from app.providers.base import CampaignSpec, Recipient, map_issues_to_rows
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
from app.providers.registry import sandbox_account
from app.providers.rocketcoms import (
    CHUNK_BYTES,
    ROWS_PER_WRITE,
    SANDBOX_CAMPAIGN_ID,
    RocketComsProvider,
    escape_message,
    multipart_csv,
    schedule_params,
)
from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from tests.providers.rig import ProviderRig, Rigs, Waits, campaign_over, with_credentials

S = CampaignStatus
SANDBOX = sandbox_account("rocketcoms", IN_PROCESS_URL)


class ArmOnUpload(httpx.AsyncBaseTransport):
    """Sets sandbox faults just before the first upload (POST or PATCH) goes out, so they hit
    the create and not the lookups the adapter makes before it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, env: SandboxEnv, **faults: object):
        self.inner = inner
        self.env = env
        self.faults = dict(faults)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.faults and request.method in ("POST", "PATCH"):
            self.env.faults.update(self.faults)
            self.faults = {}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def rows(count: int, message: str = "Spring sale") -> list[Recipient]:
    return [Recipient(i, i + 2, f"+1202555{i:04d}", f"{message} {i}") for i in range(count)]


def spec_of(recipients: list[Recipient], key: str = "local-1", **kw: Any) -> CampaignSpec:
    return campaign_over(recipients, key=key, **kw)


class Rig(ProviderRig[RocketComsProvider]):
    adapter = RocketComsProvider
    mount = "/rocketcoms"


@pytest.fixture
def env() -> SandboxEnv:
    # The adapter dates batches by the real clock, so the sandbox starts at the real now.
    return SandboxEnv(clock=SandboxClock(frozen=True))


@pytest.fixture
def sleeps() -> Waits:
    return Waits()


@pytest.fixture
def connect(env: SandboxEnv, sleeps: Waits, rigs: Rigs) -> Callable[..., RocketComsProvider]:
    """Makes adapters on the in-process sandbox (or on ``inner``), all waiting in ``sleeps``."""

    def make(
        account: Account | None = None, inner: httpx.AsyncBaseTransport | None = None
    ) -> RocketComsProvider:
        inner = inner or SandboxTransport(env, providers=["/rocketcoms"])
        account = account or sandbox_account("rocketcoms", IN_PROCESS_URL)
        return rigs.on(Rig, env, account, inner, waits=sleeps).provider

    return make


@pytest.fixture
def provider(connect) -> RocketComsProvider:
    return connect()


# -- capabilities -----------------------------------------------------------------------------
def test_capabilities_offer_no_pause_resume_cancel_or_unschedule():
    caps = RocketComsProvider.capabilities
    for action in (Action.PAUSE, Action.RESUME, Action.CANCEL, Action.UNSCHEDULE):
        assert action not in caps.actions
        assert not check_action(action, S.SCHEDULED, caps)
    assert check_action(Action.SEND, S.DRAFT, caps)
    assert check_action(Action.SEND, S.READY, caps)  # validated locally, still CREATED there
    assert check_action(Action.VALIDATE, S.INVALID, caps)
    assert check_action(Action.DELETE, S.DRAFT, caps)
    assert not check_action(Action.DELETE, S.SCHEDULED, caps)
    assert not check_action(Action.UPDATE, S.SENDING, caps)
    assert "Campaign Registry" in caps.requirements


@pytest.mark.parametrize("operation", ["pause", "resume", "cancel", "unschedule"])
async def test_missing_operations_are_unsupported(provider, operation):
    with pytest.raises(Unsupported, match=operation):
        await getattr(provider, operation)("any")


# -- the happy path ---------------------------------------------------------------------------
async def test_validate_maps_line_errors_to_recipients(provider):
    recipients = rows(6)
    recipients[2] = Recipient(2, 10, "12", "bad phone")
    recipients[4] = Recipient(4, 20, "+12025550199", "")
    spec = spec_of(recipients)
    report = await provider.validate(spec)
    assert not report.ok
    assert report.checked == 6
    assert [issue.index for issue in report.issues] == [2, 4]
    placed = map_issues_to_rows(report.issues, recipients)
    assert [(i.row, i.line) for i in placed] == [(2, 10), (4, 20)]
    assert "Invalid phone number" in report.issues[0].message
    draft = await provider.get(report.campaign_id)
    assert (draft.status, draft.provider_status) == (S.DRAFT, "CREATED")
    assert draft.name == "Spring"


async def test_a_clean_validation_reads_the_rows_once_for_the_upload_only(provider):
    # mapping error lines back to rows walks every row: a clean file has no error to map
    recipients = rows(6)
    reads = []
    spec = replace(spec_of(recipients), recipients=lambda: reads.append(1) or iter(recipients))
    report = await provider.validate(spec)
    assert report.ok and report.checked == 6
    assert len(reads) == 1


async def test_validate_reads_every_page_of_errors(provider):
    recipients = [Recipient(i, i, f"bad{i}", "hello") for i in range(130)]
    report = await provider.validate(spec_of(recipients))
    assert [issue.index for issue in report.issues] == list(range(130))


async def test_messages_survive_the_csv(provider, env):
    texts = ["line one\nline two", 'a "quote", a comma', "crlf\r\nand cr\rend", "ünïcödé 🙂"]
    recipients = [Recipient(i, i + 1, f"+1202555{i:04d}", t) for i, t in enumerate(texts)]
    report = await provider.validate(spec_of(recipients))
    assert report.ok
    response = await provider.transport.client.get(
        f"{IN_PROCESS_URL}/rocketcoms/v1/batches/{report.campaign_id}/report",
        headers={"Authorization": provider._authorization()},
    )
    sent = [row["messageText"] for row in response.json()["result"]["content"]]
    assert sent == texts  # a CR LF stays two characters, a lone CR one


async def test_send_after_validate_progresses_on_the_clock(provider, env):
    spec = spec_of(rows(40))
    report = await provider.validate(spec)
    scheduled = await provider.send(spec, report.campaign_id)
    assert scheduled.id == report.campaign_id
    assert scheduled.status is S.SCHEDULED
    env.clock.advance(2)  # 600 a minute: 20 out
    sending = await provider.get(scheduled.id)
    assert (sending.status, sending.sent, sending.pending, sending.total) == (S.SENDING, 20, 20, 40)
    env.clock.advance(60)
    done = await provider.get(scheduled.id)
    assert done.status is S.COMPLETED
    assert done.sent == 40
    assert done.delivered + done.failed == 40
    outcomes = [o async for o in provider.outcomes(scheduled.id)]
    assert [o.phone for o in outcomes] == [r.phone for r in rows(40)]
    assert {o.status for o in outcomes} <= {OutcomeStatus.DELIVERED, OutcomeStatus.FAILED}
    assert all(o.at is not None for o in outcomes)


async def test_outcomes_keep_failed_and_rejected_recipients(provider, env):
    env.failure_percent = 100
    recipients = [*rows(2), Recipient(2, 4, "12", "bad"), *rows(1200)[2:1100]]
    batch = await provider.send(spec_of(recipients))
    env.clock.advance(3600)
    outcomes = [o async for o in provider.outcomes(batch.id)]
    assert len(outcomes) == 1101  # two report pages
    assert outcomes[2].provider_status == "INVALID-INPUT"
    assert outcomes[2].phone == "12"
    assert outcomes[0].status is OutcomeStatus.FAILED
    counts = await provider.get(batch.id)
    assert (counts.failed, counts.delivered) == (1101, 0)


async def test_create_update_delete_a_draft(provider):
    draft = await provider.create(spec_of(rows(3)))
    assert draft.status is S.DRAFT
    updated = await provider.update(draft.id, spec_of(rows(5), description="Second take"))
    assert updated.name == "Second take"
    assert (await provider.get(draft.id)).total == 5
    await provider.delete(draft.id)
    with pytest.raises(NotFound) as caught:
        await provider.get(draft.id)
    assert caught.value.code == "NOT_FOUND"
    assert await provider.list() == []


async def test_a_scheduled_batch_cannot_be_changed(provider):
    batch = await provider.send(spec_of(rows(3), schedule=_later_start(days=2)))
    assert batch.status is S.SCHEDULED
    with pytest.raises(InvalidState) as on_update:
        await provider.update(batch.id, spec_of(rows(3)))
    assert on_update.value.code == "INVALID_BATCH_STATUS"
    assert "CREATED" in (on_update.value.provider_message or "")
    with pytest.raises(InvalidState):
        await provider.delete(batch.id)
    with pytest.raises(InvalidState, match="already submitted"):
        await provider.validate(spec_of(rows(3)))


async def test_list_pages_through_every_batch(provider, env):
    made = []
    for n in range(105):
        made.append((await provider.create(spec_of(rows(1), key=f"k{n}"))).id)
        env.clock.advance(0.01)  # distinct creation times, and still today
    listed = await provider.list()
    assert [c.id for c in listed] == made[::-1]
    assert {c.status for c in listed} == {S.DRAFT}
    # the oldest sits on the second page: a retry still finds it instead of creating again
    again = await provider.create(spec_of(rows(1), key="k0"))
    assert again.id == made[0]
    assert len(await provider.list()) == 105


async def test_window_schedule_sends_only_inside_it(provider, env):
    env.settings["rocketcoms.send_rate_per_minute"] = 10
    opens = (env.clock.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    schedule = Schedule(window_start=opens.time(), window_end=(opens + timedelta(minutes=1)).time())
    batch = await provider.send(spec_of(rows(25), schedule=schedule))
    env.clock.advance((opens - env.clock.now()).total_seconds() - 60)
    assert (await provider.get(batch.id)).status is S.SCHEDULED
    env.clock.advance(90)  # 30 s into the window
    assert (await provider.get(batch.id)).sent == 5
    env.clock.advance(3600)
    waiting = await provider.get(batch.id)
    assert (waiting.status, waiting.sent) == (S.SENDING, 10)
    env.clock.advance(2 * 86400)
    assert (await provider.get(batch.id)).status is S.COMPLETED


async def test_the_preview_says_when_the_sandbox_sends_the_last_message(provider, env):
    tokyo = ZoneInfo("Asia/Tokyo")  # no clock changes: the day of the test does not matter
    now = env.clock.now()
    day = now.astimezone(tokyo).date() + timedelta(days=1)
    schedule = Schedule(
        start=datetime.combine(day, time(8), tokyo),
        window_start=time(9),
        window_end=time(10),
        timezone="Asia/Tokyo",
    )
    planned = preview(schedule, RocketComsProvider.capabilities, 60_000, now)
    # 600 a minute (the sandbox's rate), an hour a day: 36,000 on the first day, the rest
    # in the first 40 minutes of the next
    assert [count for _, count in planned.counts if count] == [36_000, 24_000]
    assert planned.last == datetime.combine(day + timedelta(days=1), time(9, 40), tokyo)
    uk = [Recipient(i, i + 2, f"+447911{i:06d}", "Spring sale") for i in range(60_000)]
    batch = await provider.send(spec_of(uk, schedule=schedule))
    assert batch.raw["startTime"] == "00:00:00" and batch.raw["endTime"] == "01:00:00"
    env.clock.advance((planned.last - now).total_seconds() - 1)
    assert (await provider.get(batch.id)).status is S.SENDING
    env.clock.advance(2)
    assert (await provider.get(batch.id)).status is S.COMPLETED


def test_the_end_date_keeps_the_last_days_window_east_of_utc():
    paris = ZoneInfo("Europe/Paris")
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    schedule = Schedule(
        start=datetime(2030, 1, 15, 8, 0, tzinfo=paris),
        end_date=date(2030, 1, 20),
        window_start=time(9, 0),
        window_end=time(17, 0),
        timezone="Europe/Paris",
    )
    # 09:00-17:00 Paris is 08:00-16:00 UTC: the 20th's window ends before the 20th does there
    assert schedule_params(schedule, now)["endDate"] == "2030-01-20"
    evening = replace(schedule, window_start=time(20), window_end=time(23, 30))
    # 19:00-22:30 UTC on the 20th would end at 23:30 Paris on the 20th: still inside
    assert schedule_params(evening, now)["endDate"] == "2030-01-20"
    late = replace(schedule, window_start=time(22), window_end=time(23, 59))
    # 21:00-22:59 UTC is 22:00-23:59 Paris: kept; no window ends the UTC day at 01:00 Paris
    assert schedule_params(late, now)["endDate"] == "2030-01-20"
    round_the_clock = replace(schedule, window_start=None, window_end=None)
    assert schedule_params(round_the_clock, now)["endDate"] == "2030-01-19"


# -- idempotency ------------------------------------------------------------------------------
async def test_send_twice_with_one_key_sends_once(provider):
    spec = spec_of(rows(3))
    first = await provider.send(spec)
    second = await provider.send(spec)
    assert second.id == first.id
    assert len(await provider.list()) == 1


async def test_send_without_id_uses_the_validated_draft(provider):
    spec = spec_of(rows(3))
    report = await provider.validate(spec)
    sent = await provider.send(spec)
    assert sent.id == report.campaign_id
    assert sent.status is S.SCHEDULED
    assert len(await provider.list()) == 1


async def test_lost_create_answer_does_not_create_twice(connect, env):
    provider = connect(inner=ArmOnUpload(SandboxTransport(env, ["/rocketcoms"]), env, drop_after=1))
    batch = await provider.send(spec_of(rows(3)))
    assert env.faults.drop_after == 0  # the fault did hit the create
    listed = await provider.list()
    assert [c.id for c in listed] == [batch.id]
    assert batch.status is S.SCHEDULED


async def test_lost_schedule_answer_is_not_sent_again(connect, env):
    arm = ArmOnUpload(SandboxTransport(env, ["/rocketcoms"]), env)
    provider = connect(inner=arm)
    spec = spec_of(rows(3))
    report = await provider.validate(spec)
    arm.faults = {"drop_after": 1}  # for the scheduling PATCH
    batch = await provider.send(spec, report.campaign_id)
    assert env.faults.drop_after == 0
    assert (batch.id, batch.status) == (report.campaign_id, S.SCHEDULED)
    assert len(await provider.list()) == 1


async def test_lost_answer_when_scheduling_the_validated_draft(connect, env):
    arm = ArmOnUpload(SandboxTransport(env, ["/rocketcoms"]), env)
    provider = connect(inner=arm)
    spec = spec_of(rows(3))
    report = await provider.validate(spec)
    arm.faults = {"drop_after": 1}
    batch = await provider.send(spec)  # no id: finds the draft by externalId and PATCHes it
    assert env.faults.drop_after == 0
    assert (batch.id, batch.status) == (report.campaign_id, S.SCHEDULED)
    assert len(await provider.list()) == 1


async def test_server_error_on_create_is_retried_after_a_lookup(connect, env, sleeps):
    provider = connect(
        inner=ArmOnUpload(SandboxTransport(env, ["/rocketcoms"]), env, server_errors=1)
    )
    batch = await provider.send(spec_of(rows(2)))
    assert env.faults.server_errors == 0
    assert [c.id for c in await provider.list()] == [batch.id]
    assert len(sleeps) == 1


async def test_rate_limit_waits_for_retry_after(provider, env, sleeps):
    env.faults.rate_limit = 2
    env.faults.retry_after = 7
    assert await provider.list() == []
    assert len(sleeps) == 2
    assert min(sleeps) >= 7


async def test_rate_limit_that_lasts_becomes_rate_limited(provider, env):
    env.faults.rate_limit = 10
    env.faults.retry_after = 4
    with pytest.raises(RateLimited) as caught:
        await provider.list()
    assert caught.value.retry_after == 4
    assert caught.value.code == "TOO_MANY_REQUESTS"


async def test_server_errors_on_reads_are_retried(provider, env, sleeps):
    env.faults.server_errors = 2
    assert await provider.list() == []
    assert len(sleeps) == 2


async def test_server_errors_that_last_become_transient(provider, env):
    env.faults.server_errors = 10
    with pytest.raises(TransientError) as caught:
        await provider.list()
    assert caught.value.code == "INTERNAL_SERVER_ERROR"
    assert not caught.value.ambiguous


# -- errors -----------------------------------------------------------------------------------
async def test_wrong_credentials_raise_auth_error_without_the_secret(connect):
    account = with_credentials(SANDBOX, api_key="sandbox", api_secret="hunter2-secret")
    provider = connect(account)
    with pytest.raises(AuthError) as caught:
        await provider.list()
    assert caught.value.code == "UNAUTHORIZED"
    assert caught.value.http_status == 401
    for text in (str(caught.value), repr(caught.value), repr(account)):
        assert "hunter2" not in text


async def test_bearer_token_is_used_when_the_account_has_one(connect):
    account = with_credentials(SANDBOX, access_token="sandbox")
    provider = connect(account)
    assert await provider.list() == []


async def test_unregistered_campaign_is_an_auth_error(provider, env):
    env.settings["rocketcoms.unregistered_campaigns"] = [SANDBOX_CAMPAIGN_ID]
    with pytest.raises(AuthError) as caught:
        await provider.send(spec_of(rows(1)))
    assert caught.value.code == "FORBIDDEN"
    assert "Campaign Registry" in str(caught.value)


async def test_a_start_in_the_sandbox_past_is_a_validation_error(provider, env):
    env.clock.advance(3 * 86400)
    with pytest.raises(ValidationError) as caught:
        await provider.send(spec_of(rows(1)))
    assert caught.value.code == "BAD_REQUEST"
    assert "past" in (caught.value.provider_message or "")


async def test_a_real_account_needs_a_campaign_id(connect):
    account = replace(SANDBOX, sandbox=False)
    provider = connect(account)
    with pytest.raises(ValidationError, match="campaign_id"):
        await provider.send(spec_of(rows(1)))
    configured = connect(
        replace(account, options={"campaign_id": "05ee2300-51cd-4021-b28d-11597cf9a175"})
    )
    batch = await configured.send(spec_of(rows(1)))
    assert batch.raw["campaignId"] == "05ee2300-51cd-4021-b28d-11597cf9a175"


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (400, {"status": "BAD_REQUEST", "message": "m"}, ValidationError, "BAD_REQUEST"),
        (400, {"status": "INVALID_BATCH_STATUS", "message": "m"}, InvalidState, None),
        (401, {"status": "UNAUTHORIZED", "message": "m"}, AuthError, None),
        (403, {"status": "FORBIDDEN", "message": "m"}, AuthError, None),
        (404, {"status": "NOT_FOUND", "message": "m"}, NotFound, None),
        (409, {"status": "CONFLICT", "message": "m"}, Conflict, None),
        (409, {"message": "m"}, Conflict, "409"),
        (503, {"status": "SERVICE_UNAVAILABLE", "message": "m"}, TransientError, None),
        (502, "<html>bad gateway</html>", TransientError, "502"),
        (418, {"status": "TEAPOT", "message": "m"}, ProviderError, "TEAPOT"),
    ],
)
async def test_error_table(connect, status, body, cls, code):
    """Codes the sandbox never produces, answered by a minimal fixed-answer server."""

    def answer(request: httpx.Request) -> httpx.Response:
        if isinstance(body, dict):
            return httpx.Response(status, json={**body, "traceId": "t", "timestamp": "x"})
        return httpx.Response(status, text=body)

    provider = connect(inner=httpx.MockTransport(answer))
    with pytest.raises(cls) as caught:
        await provider.get("32df8770-ee48-46e7-a8c7-9ec478883076")
    assert type(caught.value) is cls
    expected = code or (body["status"] if isinstance(body, dict) else str(status))
    assert caught.value.code == expected
    assert caught.value.http_status == status


# -- wire helpers -----------------------------------------------------------------------------
def test_line_feeds_become_the_escape_and_a_cr_stays():
    assert escape_message("a\r\nb\rc\nd") == "a\r\\nb\rc\\nd"


async def test_upload_body_streams_in_bounded_chunks():
    recipients = rows(20_000)
    chunks = [chunk async for chunk in multipart_csv(iter(recipients), "B0UNDARY")]
    assert len(chunks) > 10
    longest_row = max(len(r.phone) + len(r.message) for r in recipients) + 4
    assert max(len(c) for c in chunks) < CHUNK_BYTES + ROWS_PER_WRITE * longest_row
    body = b"".join(chunks)
    assert body.startswith(b'--B0UNDARY\r\nContent-Disposition: form-data; name="file"')
    assert body.endswith(b"\r\n--B0UNDARY--\r\n")
    assert body.count(b"\n+1202555") == 20_000


NY = ZoneInfo("America/New_York")


def _later_start(days: int) -> Schedule:
    return Schedule(start=datetime.now(UTC) + timedelta(days=days))


def test_schedule_params_convert_to_utc():
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    schedule = Schedule(
        start=datetime(2030, 1, 15, 8, 0, tzinfo=NY),
        end_date=date(2030, 1, 20),
        window_start=time(9, 0),
        window_end=time(17, 0),
        timezone="America/New_York",
    )
    assert schedule_params(schedule, now) == {
        "startDate": "2030-01-15",
        "startTime": "14:00",
        "endTime": "22:00",
        "endDate": "2030-01-20",
    }
    tokyo = Schedule(end_date=date(2030, 1, 20), timezone="Asia/Tokyo")
    assert schedule_params(tokyo, now) == {"startDate": "2030-01-10", "endDate": "2030-01-19"}
    assert schedule_params(None, now) == {"startDate": "2030-01-10"}


def test_a_start_after_the_window_opens_moves_to_the_next_day():
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    late = Schedule(
        start=datetime(2030, 1, 12, 10, 0, tzinfo=UTC),
        window_start=time(9, 0),
        window_end=time(17, 0),
    )
    assert schedule_params(late, now)["startDate"] == "2030-01-13"
    no_window = Schedule(start=datetime(2030, 1, 12, 0, 0, tzinfo=UTC))
    assert schedule_params(no_window, now)["startDate"] == "2030-01-12"


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2030, 1, 1), max_value=datetime(2031, 1, 1), timezones=st.just(UTC)
    ),
    first=st.times(),
    length=st.integers(min_value=1, max_value=23 * 60),
)
def test_sending_never_begins_before_the_requested_start(start, first, length):
    first = first.replace(second=0, microsecond=0)
    last = (datetime.combine(date(2030, 1, 1), first) + timedelta(minutes=length)).time()
    schedule = Schedule(start=start, window_start=first, window_end=last)
    params = schedule_params(schedule, datetime(2029, 12, 1, tzinfo=UTC))
    day = date.fromisoformat(params["startDate"])
    opens = first if first < last else time()
    earliest = datetime.combine(day, opens, UTC)
    assert earliest >= start
    assert earliest - start < timedelta(days=2)


# -- loopback ---------------------------------------------------------------------------------
@pytest.mark.loopback
async def test_round_trip_on_loopback(loopback_sandbox, sleeps, rigs):
    sb = loopback_sandbox(SandboxEnv(clock=SandboxClock(frozen=True)), ["/rocketcoms"])
    arm = ArmOnUpload(httpx.AsyncHTTPTransport(), sb.env, drop_after=1)
    provider = rigs.on(
        Rig, sb.env, sandbox_account("rocketcoms", sb.url), arm, waits=sleeps
    ).provider
    recipients = rows(30)
    recipients[5] = Recipient(5, 7, "not a phone", "x")
    spec = spec_of(recipients)
    report = await provider.validate(spec)  # its POST's answer is lost on the way back
    assert sb.env.faults.drop_after == 0
    assert [issue.index for issue in report.issues] == [5]
    assert [c.id for c in await provider.list()] == [report.campaign_id]
    sent = await provider.send(spec, report.campaign_id)
    assert sent.status is S.SCHEDULED
    sb.env.clock.advance(60)
    done = await provider.get(sent.id)
    assert (done.status, done.sent, done.total) == (S.COMPLETED, 29, 30)
    outcomes = [o async for o in provider.outcomes(sent.id)]
    assert len(outcomes) == 30
