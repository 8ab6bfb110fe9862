"""The Routee adapter against its sandbox, in-process and over a real loopback server."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.domain.campaign import Action, check_action
from app.domain.campaign import CampaignStatus as S
from app.domain.outcomes import OutcomeStatus
from app.domain.schedule import Schedule
from app.providers.base import CampaignSpec, Recipient
from app.providers.errors import (
    AuthError,
    Conflict,
    InsufficientFunds,
    InvalidState,
    NotFound,
    ProviderError,
    TransientError,
    ValidationError,
)
from app.providers.registry import adapter_class, sandbox_account
from app.providers.routee import (
    ERRORS,
    ID_SEPARATOR,
    RouteeProvider,
    overall_status,
    part_name,
    split_id,
)
from app.sandbox.core import SandboxClock, SandboxEnv, network_outcome
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.providers.rig import ProviderRig, Rigs, with_credentials

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
UNKNOWN = "+15550001234"  # parses, but is not a valid number: the network fails it


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+1212555{i:04d}" for i in range(start, start + count)]


def make_spec(
    phones: list[str],
    texts: list[str] | None = None,
    *,
    name: str = "Spring sale",
    key: str = "key-1",
    start: datetime | None = None,
    quiet: bool = False,
    sender: str | None = "Shop",
    options: dict | None = None,
) -> CampaignSpec:
    texts = texts or ["Hello from the shop"]
    rows = [
        Recipient(row=i, line=i + 2, phone=p, message=texts[i % len(texts)])
        for i, p in enumerate(phones)
    ]
    schedule = Schedule(start=start, respect_quiet_hours=quiet) if start or quiet else None
    return CampaignSpec(
        name=name,
        recipients=lambda: iter(rows),
        count=len(rows),
        idempotency_key=key,
        schedule=schedule,
        sender=sender,
        options=options or {},
    )


@dataclass
class Harness(ProviderRig[RouteeProvider]):
    adapter = RouteeProvider
    mount = "/routee"

    paths: list[str] = field(default_factory=list)  # "METHOD /path" of every request made

    def advance(self, seconds: float) -> None:
        self.env.clock.advance(seconds)


def make_env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(T0, frozen=True))


def recording(harness: Harness) -> Harness:
    """``harness`` with every request it makes noted in its ``paths``."""

    async def record(request: httpx.Request) -> None:
        harness.paths.append(f"{request.method} {request.url.path}")

    harness.transport.client.event_hooks["request"].append(record)
    return harness


@pytest.fixture
def h(rigs: Rigs) -> Harness:
    return recording(rigs.in_process(Harness, make_env(), jitter=False))


def test_registry_names_this_adapter() -> None:
    assert adapter_class("routee") is RouteeProvider
    caps = RouteeProvider.capabilities
    assert caps.per_row_messages is False and caps.max_recipients_per_request == 30_000
    assert Action.PAUSE not in caps.actions and Action.RESUME not in caps.actions
    assert check_action(Action.UPDATE, S.SCHEDULED, caps)
    assert not check_action(Action.UPDATE, S.SENDING, caps)
    assert not check_action(Action.CANCEL, S.SENDING, caps)


# -- sending and progress -------------------------------------------------------------------
async def test_send_now_progresses_on_the_clock_and_reports_outcomes(h: Harness) -> None:
    phones = [*numbers(49), UNKNOWN]
    sent = await h.provider.send(make_spec(phones))
    assert len(split_id(sent.id)) == 1
    assert (sent.status, sent.total, sent.pending) == (S.SENDING, 50, 50)
    assert sent.name == "Spring sale"

    h.advance(3)  # 600 per minute: 30 messages have left
    midway = await h.provider.get(sent.id)
    assert midway.status is S.SENDING and midway.provider_status == "Running"
    assert midway.pending == 20

    h.advance(60)
    done = await h.provider.get(sent.id)
    expected_failed = sum(network_outcome(p) is not None for p in phones)
    assert done.status is S.COMPLETED and done.provider_status == "Sent"
    assert (done.pending, done.failed, done.delivered) == (0, expected_failed, 50 - expected_failed)

    outcomes = [o async for o in h.provider.outcomes(sent.id)]
    assert [o.phone for o in outcomes] == phones
    by_phone = {o.phone: o for o in outcomes}
    assert by_phone[UNKNOWN].status is OutcomeStatus.FAILED
    assert by_phone[UNKNOWN].provider_status == "Failed"
    assert by_phone[UNKNOWN].detail == "Unknown Number"
    for phone in phones[:49]:
        want = OutcomeStatus.DELIVERED if network_outcome(phone) is None else OutcomeStatus.FAILED
        assert by_phone[phone].status is want


async def test_one_part_per_text_and_per_30000_numbers(h: Harness) -> None:
    phones = numbers(30_001) + numbers(2, start=40_000)
    texts = ["Text A"] * 30_001 + ["Text B"] * 2
    rows = [
        Recipient(row=i, line=i + 1, phone=p, message=t)
        for i, (p, t) in enumerate(zip(phones, texts, strict=True))
    ]
    spec = CampaignSpec("Big one", lambda: iter(rows), len(rows), "key-big", sender="Shop")
    sent = await h.provider.send(spec)
    ids = split_id(sent.id)
    assert len(ids) == 3 and sent.total == 30_003
    parts = sent.raw["parts"]
    assert [p["body"] for p in parts] == ["Text A", "Text A", "Text B"]
    assert [p["totalMessages"] for p in parts] == [30_000, 1, 2]
    assert [p["campaignName"] for p in parts] == [
        part_name("Big one", "key-big", n) for n in (1, 2, 3)
    ]


def test_part_names_follow_routee_rules() -> None:
    name = part_name("Ünïcode façade_sale!! with a very long name indeed", "k", 12)
    assert len(name) <= 30
    assert all(c.isascii() and (c.isalnum() or c in " -") for c in name)
    assert name.startswith("Unicode facade sale")
    assert part_name("", "k", 1).startswith("Campaign ")
    assert part_name("x", "k", 1) != part_name("x", "other key", 1)


async def test_scheduled_campaign_starts_at_its_time(h: Harness) -> None:
    start = T0 + timedelta(hours=1)
    sent = await h.provider.send(make_spec(numbers(10), start=start))
    assert sent.status is S.SCHEDULED and sent.scheduled_at == start
    h.advance(3599)
    assert (await h.provider.get(sent.id)).status is S.SCHEDULED
    h.advance(1)
    assert (await h.provider.get(sent.id)).provider_status == "Queued"
    h.advance(60)
    assert (await h.provider.get(sent.id)).status is S.COMPLETED


async def test_options_reach_the_wire(h: Harness) -> None:
    callback = {"url": "https://example.com/cb", "strategy": "OnChange"}
    options = {"flash": True, "message_callback": callback}
    spec = make_spec(numbers(3), sender="+447700900123", quiet=True, options=options)
    part = (await h.provider.send(spec)).raw["parts"][0]
    assert part["from"] == "447700900123"
    assert part["flash"] is True and part["respectQuietHours"] is True
    assert part["callback"] == callback


# -- update, cancel, delete -----------------------------------------------------------------
async def test_update_without_a_start_keeps_the_schedule(h: Harness) -> None:
    start = T0 + timedelta(hours=2)
    sent = await h.provider.send(make_spec(numbers(5), start=start))
    updated = await h.provider.update(sent.id, make_spec(numbers(8)))  # no schedule in spec
    assert updated.id == sent.id
    assert updated.status is S.SCHEDULED and updated.scheduled_at == start
    assert updated.total == 8
    later = start + timedelta(hours=1)
    moved = await h.provider.update(sent.id, make_spec(numbers(8), start=later))
    assert moved.scheduled_at == later
    h.advance(2 * 3600 + 60)
    assert (await h.provider.get(sent.id)).status is S.SCHEDULED


async def test_update_grows_and_shrinks_the_parts(h: Harness) -> None:
    start = T0 + timedelta(hours=1)
    sent = await h.provider.send(make_spec(numbers(4), start=start))
    grown = await h.provider.update(sent.id, make_spec(numbers(4), ["one", "two"], start=start))
    grown_ids = split_id(grown.id)
    assert len(grown_ids) == 2 and grown_ids[0] == split_id(sent.id)[0]
    shrunk = await h.provider.update(grown.id, make_spec(numbers(4), start=start))
    assert split_id(shrunk.id) == grown_ids[:1]
    with pytest.raises(NotFound):
        await h.provider.get(grown_ids[1])
    assert len(await h.provider.list()) == 1


async def test_update_after_the_start_is_invalid_state(h: Harness) -> None:
    start = T0 + timedelta(minutes=5)
    sent = await h.provider.send(make_spec(numbers(3), start=start))
    h.advance(600)
    with pytest.raises(InvalidState) as info:
        await h.provider.update(sent.id, make_spec(numbers(3), start=T0 + timedelta(hours=1)))
    assert info.value.code == "400009002"
    with pytest.raises(InvalidState):
        await h.provider.update(sent.id, make_spec(numbers(3)))
    with pytest.raises(InvalidState) as cancel:
        await h.provider.cancel(sent.id)
    assert cancel.value.code == "400009002"


async def test_cancel_deletes_every_part(h: Harness) -> None:
    sent = await h.provider.send(make_spec(numbers(6), ["a", "b"], start=T0 + timedelta(days=1)))
    cancelled = await h.provider.cancel(sent.id)
    assert cancelled.status is S.CANCELLED and cancelled.total == 6
    with pytest.raises(NotFound) as info:
        await h.provider.get(sent.id)
    assert info.value.code == "404009001"
    assert await h.provider.list() == []


async def test_delete_of_a_scheduled_campaign(h: Harness) -> None:
    sent = await h.provider.send(make_spec(numbers(2), start=T0 + timedelta(days=1)))
    await h.provider.delete(sent.id)
    assert await h.provider.list() == []


async def test_send_with_an_id_sends_a_scheduled_campaign_now(h: Harness) -> None:
    spec = make_spec(numbers(3), start=T0 + timedelta(days=1))
    sent = await h.provider.send(spec)
    now = await h.provider.send(make_spec(numbers(3)), sent.id)
    assert now.status is S.SENDING and now.scheduled_at is None


async def test_list_joins_parts_again(h: Harness) -> None:
    first = await h.provider.send(make_spec(numbers(4), ["a", "b"], key="k1"))
    second = await h.provider.send(make_spec(numbers(2), name="Other", key="k2"))
    listed = {c.id: c for c in await h.provider.list()}
    assert set(listed) == {first.id, second.id}
    assert listed[first.id].total == 4 and listed[first.id].name == "Spring sale"


# -- validate-only --------------------------------------------------------------------------
async def test_validate_maps_unplaceable_numbers_to_rows(h: Harness) -> None:
    phones = [*numbers(3), UNKNOWN, *numbers(2, start=10), UNKNOWN]
    report = await h.provider.validate(make_spec(phones, ["a", "b"]))
    assert report.checked == 7 and not report.ok
    assert sorted(i.index for i in report.issues) == [3, 6]
    assert await h.provider.list() == []  # nothing was created


async def test_validate_reports_a_refused_sender(h: Harness) -> None:
    report = await h.provider.validate(make_spec(numbers(2), sender="WayTooLongSender"))
    assert not report.ok
    assert [(i.code, i.index) for i in report.issues] == [("400005000", None)]


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "cls"), [(c, e[0]) for c, e in ERRORS.items()])
async def test_documented_codes_map_to_error_classes(
    h: Harness, code: str, cls: type[ProviderError]
) -> None:
    body = {"code": code, "developerMessage": "from Routee"}
    error = h.provider._error(httpx.Response(int(code[:3]), json=body), idempotent=True)
    assert type(error) is cls
    assert (error.code, error.provider_message, error.http_status) == (
        code,
        "from Routee",
        int(code[:3]),
    )


async def test_invalid_sender_is_a_validation_error(h: Harness) -> None:
    with pytest.raises(ValidationError) as info:
        await h.provider.send(make_spec(numbers(2), sender="12345678901234567"))
    assert info.value.code == "400005000"


async def test_no_recipients_is_a_validation_error(h: Harness) -> None:
    with pytest.raises(ValidationError) as info:
        await h.provider.send(make_spec([]))
    assert info.value.code == "400009004"


async def test_insufficient_balance_and_a_resend_completes_without_duplicates(
    h: Harness,
) -> None:
    h.env.settings["routee.balance"] = 0.02 * 3  # enough for the first part only
    spec = make_spec(numbers(6), ["a", "b"])
    with pytest.raises(InsufficientFunds) as info:
        await h.provider.send(spec)
    assert info.value.code == "400001009"
    assert "1 part was already accepted" in str(info.value)
    h.env.settings["routee.balance"] = 100.0
    sent = await h.provider.send(spec)
    assert len(split_id(sent.id)) == 2
    assert len(await h.provider.list()) == 1 and (await h.provider.list())[0].total == 6


async def test_a_name_taken_by_another_campaign_is_a_conflict(h: Harness) -> None:
    start = T0 + timedelta(hours=1)
    await h.provider.send(make_spec(numbers(2), start=start, key="a"))
    other = await h.provider.send(make_spec(numbers(2), start=start, key="b"))
    with pytest.raises(Conflict) as info:
        await h.provider.update(other.id, make_spec(numbers(2), start=start, key="a"))
    assert info.value.code == "409009003"


async def test_unknown_campaign_is_not_found(h: Harness) -> None:
    with pytest.raises(NotFound) as info:
        await h.provider.update("no-such-id", make_spec(numbers(1), start=T0 + timedelta(1)))
    assert info.value.code == "404009001"
    with pytest.raises(NotFound):
        await h.provider.get("no-such-id")


async def test_pause_and_resume_do_not_exist(h: Harness) -> None:
    with pytest.raises(ProviderError, match="no pause"):
        await h.provider.pause("x")
    with pytest.raises(ProviderError, match="no resume"):
        await h.provider.resume("x")


def test_overall_status_of_parts() -> None:
    assert overall_status([S.SCHEDULED, S.SCHEDULED]) is S.SCHEDULED
    assert overall_status([S.SCHEDULED, S.COMPLETED]) is S.SENDING
    assert overall_status([S.COMPLETED, S.FAILED]) is S.FAILED
    assert overall_status([S.COMPLETED, S.CANCELLED]) is S.CANCELLED


# -- auth -----------------------------------------------------------------------------------
async def test_wrong_credentials_are_an_auth_error_without_the_secret(rigs: Rigs) -> None:
    account = with_credentials(
        sandbox_account("routee", IN_PROCESS_URL), application_id="me", application_secret="hunter2"
    )
    h = rigs.in_process(Harness, make_env(), account, jitter=False)
    with pytest.raises(AuthError) as info:
        await h.provider.list()
    assert "hunter2" not in str(info.value) and "hunter2" not in repr(info.value.__dict__)
    assert "hunter2" not in repr(h.provider.account)


async def test_an_expired_token_is_renewed_on_401(h: Harness) -> None:
    h.env.settings["routee.token_lifetime"] = 60
    await h.provider.list()
    h.advance(120)  # the sandbox now refuses the token the adapter still holds
    await h.provider.list()
    assert h.paths.count("POST /routee/oauth/token") == 2
    assert h.paths.count("GET /routee/campaigns") == 3  # one refused with 401, then repeated


async def test_a_token_is_renewed_before_it_expires(h: Harness) -> None:
    h.env.settings["routee.token_lifetime"] = 0  # due for renewal at once
    await h.provider.list()
    await h.provider.list()
    assert h.paths.count("POST /routee/oauth/token") == 2
    assert h.paths.count("GET /routee/campaigns") == 2  # never refused


async def test_the_token_is_not_in_the_provider_repr(h: Harness) -> None:
    await h.provider.list()
    assert h.provider._token is not None
    assert h.provider._token not in repr(h.provider.__dict__)


# -- faults and idempotency -----------------------------------------------------------------
async def test_429_waits_for_retry_after(h: Harness) -> None:
    h.env.faults.update({"rate_limit": 2, "retry_after": 7.0, "only": "/routee/sms/campaign"})
    sent = await h.provider.send(make_spec(numbers(2)))
    assert sent.total == 2
    assert h.waits[:2] == [7.0, 7.0]
    assert len(await h.provider.list()) == 1


async def test_5xx_on_create_is_retried_once_looked_up(h: Harness) -> None:
    h.env.faults.update({"server_errors": 1, "only": "/routee/sms/campaign"})
    sent = await h.provider.send(make_spec(numbers(2)))
    assert h.paths.count("POST /routee/sms/campaign") == 2
    assert [c.id for c in await h.provider.list()] == [sent.id]


async def test_lost_answer_of_a_create_does_not_send_twice(h: Harness) -> None:
    h.env.faults.update({"drop_after": 1, "only": "/routee/sms/campaign"})
    sent = await h.provider.send(make_spec(numbers(3)))
    assert h.paths.count("POST /routee/sms/campaign") == 1  # found by name, not re-created
    listed = await h.provider.list()
    assert [c.id for c in listed] == [sent.id] and listed[0].total == 3


async def test_a_resent_spec_is_found_by_its_name(h: Harness) -> None:
    spec = make_spec(numbers(3), ["a", "b"])
    first = await h.provider.send(spec)
    again = await h.provider.send(spec)  # 409009003 on each part: it exists
    assert again.id == first.id
    assert len(await h.provider.list()) == 1


async def test_dropped_connection_before_processing_is_retried(h: Harness) -> None:
    h.env.faults.update({"drop_before": 1, "only": "/routee/campaigns"})
    assert await h.provider.list() == []
    assert len(h.waits) == 1


async def test_persistent_5xx_is_transient(h: Harness) -> None:
    h.env.faults.update({"server_errors": 10, "only": "/routee/campaigns"})
    with pytest.raises(TransientError) as info:
        await h.provider.list()
    assert info.value.code == "500000000"


# -- loopback -------------------------------------------------------------------------------
@pytest.mark.loopback
async def test_round_trip_on_loopback(loopback_sandbox, rigs: Rigs) -> None:
    sb = loopback_sandbox(make_env(), providers=["/routee"])
    h = rigs.on(Harness, sb.env, sandbox_account("routee", sb.url), jitter=False)
    sb.env.faults.update({"drop_after": 1, "only": "/routee/sms/campaign"})
    sent = await h.provider.send(make_spec([*numbers(9), UNKNOWN], ["a", "b"]))
    assert len(split_id(sent.id)) == 2 and ID_SEPARATOR in sent.id
    assert [c.id for c in await h.provider.list()] == [sent.id]
    sb.env.clock.advance(120)
    done = await h.provider.get(sent.id)
    assert done.status is S.COMPLETED and done.failed >= 1
    outcomes = [o async for o in h.provider.outcomes(sent.id)]
    assert len(outcomes) == 10 and {o.status for o in outcomes} >= {OutcomeStatus.FAILED}

    later = await h.provider.send(make_spec(numbers(2), key="k2", start=T0 + timedelta(days=2)))
    kept = await h.provider.update(later.id, make_spec(numbers(3), key="k2"))
    assert kept.status is S.SCHEDULED and kept.total == 3
    assert (await h.provider.cancel(later.id)).status is S.CANCELLED
