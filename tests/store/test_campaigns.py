"""The campaigns table: every field kept, the queries the list and the follower make, and a
campaign's recipients streamed in row order with their texts stored once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.domain.campaign import Action, CampaignStatus
from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.domain.schedule import Schedule
from app.store.campaigns import (
    PAGE_ROWS,
    CampaignRecord,
    CampaignTable,
    schedule_from_json,
    schedule_to_json,
)
from app.store.intents import IntentJournal
from app.store.outcomes import OutcomeTable
from tests.store.rig import an_account

S = CampaignStatus
AT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


@pytest.fixture
def table(db) -> CampaignTable:
    an_account(db, "a")
    an_account(db, "b")
    return CampaignTable(db)


def made(table: CampaignTable, key: str, account: str = "a", **kw) -> CampaignRecord:
    return table.insert(CampaignRecord(account, f"Campaign {key}", key, **kw))


def test_a_saved_record_reads_back_field_for_field(table):
    record = made(table, "k")
    assert record.id > 0 and record.created is not None and record.updated is not None
    changed = replace(
        record,
        status=S.SENDING,
        provider_status="IN_PROGRESS",
        provider_id="p-1",
        scheduled_at=AT,
        sent=5,
        delivered=3,
        failed=1,
        pending=1,
        total=10,
        short_links=True,
        missing=True,
        notice="Paused by the provider.",
        final_since=AT + timedelta(hours=1),
        outcome_counts={"delivered": 3},
        options={"flash": True},
    )
    saved = table.save(changed)
    assert saved.updated is not None and saved.updated >= record.updated
    assert table.get(record.id) == saved
    read = table.get(record.id)
    assert read is not None and read.short_links is True and read.missing is True
    assert table.get(record.id + 100) is None


def test_pages_follow_the_ids(table):
    ids = [made(table, f"k{n}").id for n in range(5)]
    assert [r.id for r in table.page(0, 2)] == ids[:2]
    assert [r.id for r in table.page(ids[1], 2)] == ids[2:4]
    assert [r.id for r in table.page(ids[4])] == []


def test_an_accounts_campaigns_by_status_and_provider_id(table):
    one = made(table, "1", status=S.SENDING, provider_id="p1")
    two = made(table, "2", status=S.COMPLETED, provider_id="p2")
    made(table, "3")  # a draft, only here
    other = made(table, "4", account="b", status=S.SENDING, provider_id="p1")
    assert {r.id for r in table.of_account("a")} == {one.id, two.id, one.id + 2}
    assert [r.id for r in table.with_status("a", S.SENDING)] == [one.id]
    assert table.ids_by_provider_id("a") == {"p1": one.id, "p2": two.id}
    assert table.ids_by_provider_id("b") == {"p1": other.id}
    assert table.account_ids() == {"a", "b"}


def test_an_account_is_going_while_a_campaign_is_not_final(table):
    assert not table.going("a")
    record = made(table, "1", status=S.COMPLETED)
    assert not table.going("a")
    table.save(replace(record, status=S.PAUSED))
    assert table.going("a") and not table.going("b")


def test_the_follower_asks_about_campaigns_going_or_recently_ended_or_never_read(table):
    recently, long_ago = AT - timedelta(days=1), AT - timedelta(days=30)
    expected = {
        made(table, "going", status=S.SENDING, provider_id="p1").id,
        made(table, "unread", status=S.COMPLETED, provider_id="p2", final_since=long_ago).id,
        made(
            table,
            "recent",
            status=S.CANCELLED,
            provider_id="p3",
            final_since=recently,
            outcomes_synced=recently,
        ).id,
    }
    made(
        table,
        "old",
        status=S.FAILED,
        provider_id="p4",
        final_since=long_ago,
        outcomes_synced=long_ago,
    )
    made(table, "local", status=S.SENDING)  # never reached the provider
    made(table, "gone", status=S.SENDING, provider_id="p5", missing=True)
    made(table, "theirs", account="b", status=S.SENDING, provider_id="p6")
    followed = table.followed("a", ended_after=recently)  # "recent" ended at that moment
    assert {r.id for r in followed} == expected


def test_deleting_a_campaign_takes_its_rows_outcomes_and_journal_only(table, db):
    doomed, kept = made(table, "1"), made(table, "2")
    for record in (doomed, kept):
        table.recipients_writer(record.id).write([(0, 2, "+1", "t", {})])
        OutcomeTable(db).add(record.id, 0, [RecipientOutcome("+1", OutcomeStatus.SENT, "S")])
        IntentJournal(db).open(record.id, Action.SEND, record.idempotency_key, S.DRAFT, None)
    table.delete(doomed.id)
    assert table.get(doomed.id) is None and table.get(kept.id) is not None
    for name in ("recipients", "texts", "outcomes", "intents"):
        rows = db.connection.execute(f"SELECT campaign_id FROM {name}").fetchall()
        assert [r[0] for r in rows] == [kept.id], name


def test_recipients_stream_in_row_order_a_page_at_a_time_and_can_be_cleared(table, db):
    record = made(table, "1")
    writer = table.recipients_writer(record.id)
    total = PAGE_ROWS + 7
    rows = [(row, row + 2, f"+{row}", "Spring" if row % 2 else "Sale", {}) for row in range(total)]
    writer.write(reversed(rows[:10]))
    writer.write(rows[10:])
    assert writer.written == total == table.recipient_count(record.id)
    assert list(table.iter_recipients(record.id)) == rows
    texts = db.connection.execute(
        "SELECT COUNT(*) FROM texts WHERE campaign_id = ?", (record.id,)
    ).fetchone()
    assert texts[0] == 2
    table.clear_recipients(record.id)
    assert table.recipient_count(record.id) == 0 and list(table.iter_recipients(record.id)) == []


def test_a_schedule_round_trips_and_an_older_one_reads_with_defaults():
    schedule = Schedule(
        start=AT,
        end_date=date(2026, 5, 9),
        window_start=time(22),
        window_end=time(6),
        timezone="Europe/Paris",
        respect_quiet_hours=True,
        recipient_local_time=True,
        send_rate=600,
    )
    assert schedule_from_json(schedule_to_json(schedule)) == schedule
    assert schedule_to_json(None) is None and schedule_from_json(None) is None
    older = json.loads(schedule_to_json(Schedule(start=None, timezone="UTC")) or "")
    del older["recipient_local_time"], older["send_rate"]
    assert schedule_from_json(json.dumps(older)) == Schedule(start=None, timezone="UTC")
