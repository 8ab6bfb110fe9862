"""Exporting a campaign's outcomes: every row in seq order, in the CSV a spreadsheet opens
safely, with progress as it goes, and a cancel that leaves the file as it was."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.services.export import COLUMNS, Cancel, ExportCancelled, export_outcomes
from app.store.accounts import AccountRecord, AccountTable
from app.store.campaigns import CampaignRecord, CampaignTable
from app.store.database import Database
from app.store.outcomes import OutcomeTable

AT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
ST = OutcomeStatus


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "c.sqlite3")
    yield database
    database.close()


@pytest.fixture
def campaign(db: Database) -> int:
    AccountTable(db).save(AccountRecord("acc", "rocketcoms", "Main", "https://x.test"))
    table = CampaignTable(db)
    made = table.insert(CampaignRecord("acc", "May", "k"))
    phones = ["+447400000001", "+447400000002", "+447400000003"]
    table.recipients_writer(made.id).write(
        (row, line, phone, "Sale", {})
        for row, line, phone in zip((0, 1, 2), (2, 3, 7), phones, strict=True)
    )
    OutcomeTable(db).add(
        made.id,
        0,
        [
            RecipientOutcome("+447400000001", ST.DELIVERED, "DELIVRD", "", AT, row=0),
            RecipientOutcome("+447400000002", ST.FAILED, "REJECTD", '=HYPERLINK("x")', row=1),
            RecipientOutcome("+447400000009", ST.FAILED, "UNKNOWN", "never sent"),  # no row
            RecipientOutcome("+447400000003", ST.SENT, "ENROUTE", "", row=2),
        ],
    )
    return made.id


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


async def test_every_outcome_is_written_in_order_with_a_safe_detail(db, campaign, tmp_path):
    target = tmp_path / "out.csv"
    assert await export_outcomes(db, campaign, target) == 4
    assert target.read_bytes().count(b"\r\n") == 5
    assert read(target) == [
        list(COLUMNS),
        ["1", "2", "+447400000001", "delivered", "DELIVRD", "", "2026-05-04T08:30:00.000000+00:00"],
        ["2", "3", "+447400000002", "failed", "REJECTD", '\'=HYPERLINK("x")', ""],
        ["", "", "+447400000009", "failed", "UNKNOWN", "never sent", ""],
        ["3", "7", "+447400000003", "sent", "ENROUTE", "", ""],
    ]


async def test_only_the_statuses_asked_for_are_written(db, campaign, tmp_path):
    target = tmp_path / "out.csv"
    assert await export_outcomes(db, campaign, target, statuses={ST.FAILED}) == 2
    assert [r[2] for r in read(target)[1:]] == ["+447400000002", "+447400000009"]
    assert await export_outcomes(db, campaign, target, statuses={ST.SENT, ST.DELIVERED}) == 2
    assert [r[3] for r in read(target)[1:]] == ["delivered", "sent"]


async def test_progress_comes_as_rows_are_written_and_once_at_the_end(
    db, campaign, tmp_path, monkeypatch
):
    monkeypatch.setattr("app.services.export.PROGRESS_EVERY", 2)
    seen: list[int] = []
    await export_outcomes(db, campaign, tmp_path / "out.csv", progress=seen.append)
    assert seen == [2, 4, 4]


async def test_a_cancelled_export_leaves_the_old_file_as_it_was(db, campaign, tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"the last export\r\n")
    cancel = Cancel()
    assert not cancel.requested
    cancel()
    assert cancel.requested
    with pytest.raises(ExportCancelled, match="no file was written"):
        await export_outcomes(db, campaign, target, cancel=cancel)
    assert target.read_bytes() == b"the last export\r\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == ["out.csv"]
