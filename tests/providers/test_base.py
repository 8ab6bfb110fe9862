"""The adapters' base class: issues placed on their rows, the checks made before a call, the
status changes and deletes made at most once, and one call at a time per idempotency key.

``Ledger`` is a provider kept in memory: the smallest real adapter, so that what the base class
does is seen apart from any provider's wire format."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ClassVar

import pytest

from app.domain.accounts import Account, Secret
from app.domain.campaign import Action, CampaignStatus, Capabilities, RemoteCampaign
from app.providers import redaction
from app.providers.base import (
    CampaignSpec,
    Provider,
    Recipient,
    ValidationReport,
    map_issues_to_rows,
    one_per_key,
)
from app.providers.errors import InvalidState, NotFound, ProviderError, TransientError, Unsupported
from app.providers.issues import ProviderIssue, Severity
from app.providers.transport import Transport, make_client
from tests.providers.rig import Waits, campaign_over

S = CampaignStatus
LEDGER = Capabilities(
    provider="ledger",
    display_name="Ledger",
    actions={Action.SEND: frozenset({S.DRAFT, S.READY}), Action.PAUSE: frozenset({S.SENDING})},
)
ACCOUNT = Account("ledger-1", "ledger", "Ledger", "https://ledger.test/api/")


class Ledger(Provider):
    """Campaigns in a dict; ``log`` records each send entering and leaving, and ``gate`` (when
    set) holds a send of that name until it opens."""

    capabilities: ClassVar[Capabilities] = LEDGER

    def __init__(self, account: Account, transport: Transport) -> None:
        super().__init__(account, transport)
        self.campaigns: dict[str, RemoteCampaign] = {}
        self.log: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.waits = Waits()  # the transport's backoffs, when it was made with them

    @one_per_key
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        self.log.append(f"in {spec.name}")
        gate = self.gates.get(spec.name)
        if gate is not None:
            await gate.wait()
        self.log.append(f"out {spec.name}")
        made = RemoteCampaign("ledger", spec.name, spec.name, S.SENDING, "SENDING")
        self.campaigns[made.id] = made
        return made

    async def get(self, campaign_id: str) -> RemoteCampaign:
        try:
            return self.campaigns[campaign_id]
        except KeyError:
            raise NotFound(f"No campaign {campaign_id}.", provider=self.name) from None

    async def list(self) -> list[RemoteCampaign]:
        return list(self.campaigns.values())


@pytest.fixture
async def ledger() -> AsyncIterator[Ledger]:
    waits = Waits()
    made = Ledger(ACCOUNT, Transport(make_client(), sleep=waits))
    made.waits = waits
    yield made
    await made.transport.aclose()


class LostOnce:
    """An attempt whose first answer is lost after the provider may have acted; later tries
    call ``then``. ``calls`` counts the tries."""

    def __init__(self, then: Callable[[], Awaitable[RemoteCampaign]]) -> None:
        self.then = then
        self.calls = 0

    async def __call__(self) -> RemoteCampaign:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("The connection dropped.", provider="ledger", ambiguous=True)
        return await self.then()


# -- issues on their rows ------------------------------------------------------------------------
def test_issues_get_their_recipients_row_and_line_in_index_order_then_the_unplaced():
    recipients = [Recipient(row=r, line=r + 10, phone="+1", message="m") for r in (3, 5, 8)]
    issues = [
        ProviderIssue("C", "c", index=2),
        ProviderIssue("FILE", "whole file"),
        ProviderIssue("A", "a", index=0),
        ProviderIssue("FAR", "beyond", index=3),
        ProviderIssue("NEG", "negative", index=-1),
        ProviderIssue("A2", "a again", index=0),
    ]
    placed = map_issues_to_rows(issues, recipients)
    assert [(i.code, i.row, i.line) for i in placed] == [
        ("A", 3, 13),
        ("A2", 3, 13),
        ("C", 8, 18),
        ("FILE", None, None),
        ("FAR", None, None),
        ("NEG", None, None),
    ]


def test_a_report_is_ok_unless_an_issue_is_an_error():
    warning = ProviderIssue("W", "w", severity=Severity.WARNING)
    assert ValidationReport("ledger", (warning,), checked=3).ok
    assert ValidationReport("ledger", (), checked=0).ok
    assert not ValidationReport("ledger", (warning, ProviderIssue("E", "e")), checked=3).ok


# -- before a call ----------------------------------------------------------------------------
async def test_a_call_the_status_does_not_allow_is_refused_with_the_reason(ledger):
    ledger.ensure(Action.SEND, S.DRAFT)
    with pytest.raises(InvalidState) as caught:
        ledger.ensure(Action.PAUSE, S.PAUSED)
    assert str(caught.value) == (
        "Ledger allows pause only when the campaign is Sending; this one is Paused."
    )
    assert caught.value.provider == "ledger"


async def test_operations_an_adapter_lacks_say_so_by_the_providers_name(ledger):
    spec = campaign_over([])
    for call in (ledger.create(spec), ledger.validate(spec), ledger.pause("1"), ledger.find(spec)):
        with pytest.raises(Unsupported, match=r"^Ledger has no .+ operation\.$"):
            await call
    with pytest.raises(Unsupported, match="no per-recipient report operation"):
        await anext(ledger.outcomes("1"))
    await ledger.check_access()  # a list() by default: the ledger answers


async def test_the_sender_falls_back_to_the_accounts_and_urls_join_the_base_once():
    with_default = Account("l", "ledger", "L", "https://ledger.test", options={"sender": "Shop"})
    made = Ledger(with_default, Transport(make_client()))
    try:
        assert made.sender(campaign_over([], sender="Other")) == "Other"
        assert made.sender(campaign_over([])) == "Shop"
        assert made.url("/campaigns") == "https://ledger.test/campaigns"
    finally:
        await made.transport.aclose()
    bare = Ledger(ACCOUNT, Transport(make_client()))
    assert bare.sender(campaign_over([])) is None
    assert bare.url("/campaigns") == "https://ledger.test/api/campaigns"
    await bare.transport.aclose()


async def test_a_real_accounts_credentials_never_show_in_an_error():
    secret = "tk-Ledger9Secret"
    real = Account("ledger-real", "ledger", "L", "https://x.test", {"key": Secret(secret)})
    made = Ledger(real, Transport(make_client()))
    try:
        error = ProviderError(f"Refused key {secret}", provider="ledger", code=secret)
        assert secret not in str(error) and error.code == "***"
    finally:
        redaction.register(real.id, [])
        await made.transport.aclose()


# -- at most once ------------------------------------------------------------------------------
async def test_a_status_change_whose_answer_was_lost_is_read_back_not_made_again(ledger):
    ledger.campaigns["7"] = RemoteCampaign("ledger", "7", "N", S.PAUSED, "PAUSED")

    async def again() -> RemoteCampaign:
        pytest.fail("tried again after it went through")

    once = LostOnce(again)
    changed = await ledger.change_once("7", once, "SENDING")
    assert changed.provider_status == "PAUSED" and once.calls == 1


async def test_a_status_change_still_in_its_old_status_is_tried_again(ledger):
    ledger.campaigns["7"] = RemoteCampaign("ledger", "7", "N", S.SENDING, "SENDING")
    paused = RemoteCampaign("ledger", "7", "N", S.PAUSED, "PAUSED")

    async def pause() -> RemoteCampaign:
        return paused

    twice = LostOnce(pause)
    assert await ledger.change_once("7", twice, "SENDING") == paused
    assert twice.calls == 2
    assert len(ledger.waits) == 1  # one backoff between the two tries


async def test_a_delete_whose_answer_was_lost_counts_as_done_once_the_record_is_gone(ledger):
    deletes: list[int] = []

    async def delete() -> None:
        deletes.append(1)
        ledger.campaigns.pop("7", None)
        raise TransientError("The connection dropped.", provider="ledger", ambiguous=True)

    ledger.campaigns["7"] = RemoteCampaign("ledger", "7", "N", S.DRAFT, "DRAFT")
    await ledger.delete_once(delete, lambda: ledger.get("7"))
    assert deletes == [1] and "7" not in ledger.campaigns


# -- one call per key --------------------------------------------------------------------------
async def test_two_sends_of_one_key_run_in_turn(ledger):
    ledger.gates["first"] = gate = asyncio.Event()
    one = asyncio.create_task(ledger.send(campaign_over([], name="first", key="k")))
    two = asyncio.create_task(ledger.send(campaign_over([], name="second", key="k")))
    while not ledger.log:
        await asyncio.sleep(0)
    for _ in range(5):  # the second has its turns; it must wait for the first
        await asyncio.sleep(0)
    assert ledger.log == ["in first"]
    gate.set()
    await asyncio.gather(one, two)
    assert ledger.log == ["in first", "out first", "in second", "out second"]


async def test_sends_of_two_keys_run_at_once(ledger):
    ledger.gates["first"] = gate = asyncio.Event()
    one = asyncio.create_task(ledger.send(campaign_over([], name="first", key="k1")))
    two = asyncio.create_task(ledger.send(campaign_over([], name="second", key="k2")))
    done, _ = await asyncio.wait({two}, timeout=10)  # a bound on a hang, not a pause
    gate.set()
    await one
    assert two in done
    assert ledger.log[:3] == ["in first", "in second", "out second"]
