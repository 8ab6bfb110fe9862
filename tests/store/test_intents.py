"""The intent journal: one open intent per campaign across every process on the file, closed
with what happened, and the latest found per campaign and action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.campaign import Action, CampaignStatus
from app.store.campaigns import CampaignRecord, CampaignTable
from app.store.database import Database
from app.store.intents import IntentConflict, IntentJournal, IntentState
from tests.store.rig import an_account

S = CampaignStatus
AT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


@pytest.fixture
def campaigns(db) -> tuple[int, int]:
    an_account(db)
    table = CampaignTable(db)
    return tuple(table.insert(CampaignRecord("rocketcoms-1", n, n)).id for n in ("k1", "k2"))


def test_a_second_open_intent_on_a_campaign_is_refused_even_from_another_process(db, campaigns):
    first, second = campaigns
    journal = IntentJournal(db)
    intent = journal.open(first, Action.SEND, "k1", S.DRAFT, None)
    other = Database(db.path)
    try:
        with pytest.raises(IntentConflict):
            IntentJournal(other).open(first, Action.CANCEL, "k1", S.SENDING, "p1")
        IntentJournal(other).open(second, Action.SEND, "k2", S.DRAFT, None)  # its own campaign
    finally:
        other.close()
    journal.close(intent.id, IntentState.FAILED, "refused")
    again = journal.open(first, Action.SEND, "k1", S.DRAFT, None)
    assert again.id > intent.id and again.state is IntentState.OPEN


def test_open_intents_are_listed_in_order_and_closed_ones_keep_their_note(db, campaigns):
    first, second = campaigns
    journal = IntentJournal(db)
    a = journal.open(first, Action.SEND, "k1", S.READY, None, now=AT)
    b = journal.open(second, Action.PAUSE, "k2", S.SENDING, "p2", now=AT)
    assert [i.id for i in journal.open_intents()] == [a.id, b.id]
    assert journal.open_intents()[1] == b and b.provider_id == "p2" and b.created == AT
    journal.close(a.id, IntentState.UNRESOLVED, "the provider cannot tell")
    (still,) = journal.open_intents()
    assert still.id == b.id
    closed = journal.last(first)
    assert closed is not None and closed.state is IntentState.UNRESOLVED
    assert closed.note == "the provider cannot tell" and closed.closed is not None


def test_the_last_intent_of_a_campaign_and_of_one_action(db, campaigns):
    first, second = campaigns
    journal = IntentJournal(db)
    send = journal.open(first, Action.SEND, "k1", S.DRAFT, None)
    journal.close(send.id, IntentState.DONE)
    pause = journal.open(first, Action.PAUSE, "k1", S.SENDING, "p1")
    assert journal.last(first) == pause
    last_send = journal.last(first, Action.SEND)
    assert last_send is not None and last_send.id == send.id
    assert last_send.state is IntentState.DONE
    assert journal.last(first, Action.CANCEL) is None and journal.last(second) is None
