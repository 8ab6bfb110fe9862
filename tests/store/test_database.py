"""The campaign store: one SQLite file, WAL, versioned schema, what a restart must find."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time

import pytest

from app.domain.campaign import Action, CampaignStatus
from app.domain.outcomes import OutcomeStatus, RecipientOutcome, join_rows
from app.domain.schedule import Schedule
from app.store.accounts import AccountTable
from app.store.campaigns import CampaignRecord, CampaignTable
from app.store.database import MIGRATIONS, Database, StoreError, default_path
from app.store.intents import IntentJournal, IntentState
from app.store.outcomes import OutcomeTable, outcome_rows
from app.store.settings import data_dir
from tests.store.rig import an_account

AT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


def test_the_file_is_in_the_data_folder_in_wal_mode_at_the_newest_schema(private_app_dirs):
    db = Database()
    assert db.path == default_path() and db.path.parent == data_dir()
    assert str(db.path).startswith(str(private_app_dirs))
    mode = db.connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert db.version == len(MIGRATIONS)
    db.close()


def test_a_file_from_a_newer_app_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "c.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer Campaign Desk"):
        Database(path)


def test_a_file_that_is_not_a_database_is_refused_with_its_path(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot be opened") as caught:
        Database(path)
    assert str(path) in str(caught.value)


def test_a_campaign_and_its_recipients_survive_a_reopen(tmp_path):
    path = tmp_path / "c.sqlite3"
    db = Database(path)
    an_account(db)
    schedule = Schedule(
        start=AT,
        end_date=date(2026, 5, 9),
        window_start=time(9),
        window_end=time(17, 30),
        timezone="Europe/Paris",
        respect_quiet_hours=True,
        recipient_local_time=True,
        send_rate=1200,
    )
    table = CampaignTable(db)
    made = table.insert(
        CampaignRecord(
            account_id="rocketcoms-1",
            name="May",
            idempotency_key="k1",
            schedule=schedule,
            cost_micros=1_234_567,
            currency="EUR",
            options={"targeting": {"regions": ["FR"]}},
        )
    )
    writer = table.recipients_writer(made.id)
    writer.write([(0, 2, "+33612345678", "Hi", {}), (1, 3, "+33612345679", "Hi", {"x": "1"})])
    writer.write([(5, 9, "+33612345670", "Bye", {})])
    db.close()

    again = Database(path)
    table = CampaignTable(again)
    (stored,) = table.all()
    assert stored == table.get(made.id)
    assert stored.schedule == schedule and stored.options == {"targeting": {"regions": ["FR"]}}
    assert stored.status is CampaignStatus.DRAFT and stored.cost_micros == 1_234_567
    assert list(table.iter_recipients(made.id)) == [
        (0, 2, "+33612345678", "Hi", {}),
        (1, 3, "+33612345679", "Hi", {"x": "1"}),
        (5, 9, "+33612345670", "Bye", {}),
    ]
    texts = again.connection.execute("SELECT COUNT(*) FROM texts").fetchone()[0]
    assert texts == 2  # one stored text per distinct message
    assert table.recipients_page(made.id, after_row=1, limit=5) == [
        (5, 9, "+33612345670", "Bye", {})
    ]
    again.close()


def test_deleting_an_account_takes_its_campaigns_and_their_rows(db):
    an_account(db)
    table = CampaignTable(db)
    made = table.insert(CampaignRecord("rocketcoms-1", "A", "k"))
    table.recipients_writer(made.id).write([(0, 1, "+1", "t", {})])
    IntentJournal(db).open(made.id, Action.SEND, "k", CampaignStatus.DRAFT, None)
    AccountTable(db).delete("rocketcoms-1")
    for name in ("campaigns", "recipients", "texts", "intents", "accounts"):
        assert db.connection.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] == 0


def test_an_intent_is_committed_before_anything_else_happens(db, tmp_path):
    an_account(db)
    made = CampaignTable(db).insert(CampaignRecord("rocketcoms-1", "A", "k"))
    intent = IntentJournal(db).open(made.id, Action.SEND, "k", CampaignStatus.READY, None, now=AT)
    # another connection (another process) sees it at once
    other = Database(db.path)
    (seen,) = IntentJournal(other).open_intents()
    assert seen == intent and seen.created == AT and seen.previous_status is CampaignStatus.READY
    IntentJournal(db).close(intent.id, IntentState.DONE, "sent")
    assert IntentJournal(other).open_intents() == []
    last = IntentJournal(other).last(made.id, Action.SEND)
    assert last is not None and last.state is IntentState.DONE and last.note == "sent"
    other.close()


def test_outcomes_join_their_rows_as_the_domain_rule_does(db, monkeypatch):
    monkeypatch.setattr("app.store.outcomes.JOIN_SPAN", 2)  # several phone ranges
    an_account(db)
    table = CampaignTable(db)
    made = table.insert(CampaignRecord("rocketcoms-1", "A", "k"))
    phones = ["+1", "+2", "+1", "+3", "+2", "+1"]
    table.recipients_writer(made.id).write(
        [(row, row + 2, phone, "t", {}) for row, phone in enumerate(phones)]
    )
    reported = [
        RecipientOutcome(p, s, s.value)
        for p, s in [
            ("+2", OutcomeStatus.DELIVERED),
            ("+1", OutcomeStatus.FAILED),
            ("+9", OutcomeStatus.FAILED),  # never submitted
            ("+1", OutcomeStatus.DELIVERED),
            ("+3", OutcomeStatus.SENT),
            ("+2", OutcomeStatus.FAILED),
        ]
    ]
    outcomes = OutcomeTable(db)
    assert outcomes.add(made.id, 0, reported) == 6
    steps = list(outcomes.join_rows_steps(made.id))
    assert len(steps) >= 2
    by_phone: dict[str, list[int]] = {}
    for row, phone in enumerate(phones):
        by_phone.setdefault(phone, []).append(row)
    expected = [o.row for o in join_rows(reported, by_phone)]
    assert [o.row for o in outcomes.page(made.id, 0, 10)] == expected
    failed = outcomes.page(made.id, 0, 10, {OutcomeStatus.FAILED})
    assert [o.seq for o in failed] == [1, 2, 5]
    either = outcomes.page(made.id, 1, 10, {OutcomeStatus.FAILED, OutcomeStatus.SENT})
    assert [o.seq for o in either] == [2, 4, 5]
    assert [o.seq for o in outcomes.page(made.id, 4, 10)] == [4, 5]
    assert [r[0] for r in outcomes.failed_recipients(made.id)] == [0, 4]  # 1st +1, 2nd +2
    streamed = list(outcome_rows(db.reader(), made.id, {OutcomeStatus.DELIVERED}))
    assert [o.phone for o in streamed] == ["+2", "+1"]


def test_the_wal_is_copied_into_the_file_by_a_thread_of_its_own(db, monkeypatch):
    monkeypatch.setattr("app.store.database.CHECKPOINT_CHANGES", 50)
    an_account(db)
    table = CampaignTable(db)
    made = table.insert(CampaignRecord("rocketcoms-1", "A", "k"))
    table.recipients_writer(made.id).write((i, i, f"+{i}", "t", {}) for i in range(60))
    db.close()  # waits for the checkpoint thread
    assert db.checkpoints == 1
