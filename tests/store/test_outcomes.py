"""The outcomes table beyond the join (tests/store/test_database.py checks that against the
domain rule): numbering across reports, clearing, the join's steps, and failed rows paged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.store.campaigns import PAGE_ROWS, CampaignRecord, CampaignTable
from app.store.outcomes import OutcomeTable, outcome_rows
from tests.store.rig import an_account

ST = OutcomeStatus
AT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


@pytest.fixture
def campaign(db) -> int:
    an_account(db)
    return CampaignTable(db).insert(CampaignRecord("rocketcoms-1", "May", "k")).id


def test_reports_are_numbered_on_from_the_last_and_read_back_whole(db, campaign):
    table = OutcomeTable(db)
    first = [RecipientOutcome("+1", ST.DELIVERED, "DELIVRD", "ok", AT)]
    assert table.add(campaign, 0, first) == 1
    assert table.add(campaign, 1, [RecipientOutcome("+2", ST.FAILED, "UNDELIV", "no route")]) == 2
    assert table.add(campaign, 2, []) == 2
    stored = table.page(campaign, 0, 10)
    assert [(o.seq, o.phone, o.status, o.provider_status, o.detail, o.at) for o in stored] == [
        (0, "+1", ST.DELIVERED, "DELIVRD", "ok", AT),
        (1, "+2", ST.FAILED, "UNDELIV", "no route", None),
    ]
    assert [o.row for o in stored] == [None, None]  # joined later


def test_clearing_a_campaigns_outcomes_leaves_the_others(db, campaign):
    other = CampaignTable(db).insert(CampaignRecord("rocketcoms-1", "June", "k2")).id
    table = OutcomeTable(db)
    for campaign_id in (campaign, other):
        table.add(campaign_id, 0, [RecipientOutcome("+1", ST.SENT, "ENROUTE")])
    table.clear(campaign)
    assert table.page(campaign, 0, 10) == []
    assert [o.phone for o in outcome_rows(db.reader(), other)] == ["+1"]


def test_the_join_counts_its_progress_up_to_every_outcome(db, campaign, monkeypatch):
    monkeypatch.setattr("app.store.outcomes.JOIN_SPAN", 3)
    phones = [f"+44{n:03d}" for n in range(10)]
    CampaignTable(db).recipients_writer(campaign).write(
        (row, row + 2, phone, "t", {}) for row, phone in enumerate(phones)
    )
    table = OutcomeTable(db)
    table.add(campaign, 0, (RecipientOutcome(p, ST.SENT, "S") for p in reversed(phones)))
    done = list(table.join_rows_steps(campaign))
    assert done == sorted(done) and done[-1] == 10 and len(done) >= 3
    joined = table.page(campaign, 0, 10)
    assert [o.row for o in joined] == list(reversed(range(10)))
    assert [o.line for o in joined] == [row + 2 for row in reversed(range(10))]


def test_failed_recipients_come_in_row_order_across_pages(db, campaign):
    total = PAGE_ROWS + 3
    phones = [f"+44{n:05d}" for n in range(total)]
    CampaignTable(db).recipients_writer(campaign).write(
        (row, row + 2, phone, "Sale", {"n": str(row)} if row == 1 else {})
        for row, phone in enumerate(phones)
    )
    table = OutcomeTable(db)
    statuses = [ST.FAILED if row else ST.DELIVERED for row in range(total)]  # two pages
    table.add(
        campaign,
        0,
        (RecipientOutcome(p, s, s.value) for p, s in zip(phones, statuses, strict=True)),
    )
    for _ in table.join_rows_steps(campaign):
        pass
    failed = list(table.failed_recipients(campaign))
    assert [r[0] for r in failed] == list(range(1, total))
    assert failed[0] == (1, 3, phones[1], "Sale", {"n": "1"})
    one = table.page(campaign, 2, 2, {ST.FAILED})
    assert [o.seq for o in one] == [3, 4]
