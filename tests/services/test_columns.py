"""The editor's columns: their order, what each cell shows and what it sorts by, with the
provider's findings counting in the Issues column like the row's own."""

from __future__ import annotations

import pytest

from app.domain.batch import Batch, BatchSettings, IssueSeverity, RowData
from app.domain.pricing import PriceTable
from app.services.columns import (
    COMPUTED,
    Column,
    Field,
    cell_text,
    columns_for,
    edit_text,
    issues_text,
    sort_key,
    worst_severity,
)
from app.services.problems import PanelEntry, Source

SETTINGS = BatchSettings("GB", PriceTable("EUR", {"GB": 40_000}, 90_000))
NOT_A_NUMBER = "'nonsense' is not a phone number."


@pytest.fixture
def batch() -> Batch:
    made = Batch(SETTINGS, None, ("name", "code"))
    made.insert_rows(
        0,
        [
            RowData("+447400123456", "Hi\nthere", ("Ann", "A1"), line=2),  # a duplicate
            RowData("nonsense", "Olá ’x’", ("Bob",), line=3),  # an error, UCS-2
            RowData("+447400123457", "x" * 200, ("Cid", "C3"), line=4),  # clean, 2 parts
            RowData("+447400123456", "dup", (), line=5),
        ],
    )
    return made


def found(severity: str = "error", message: str = "blocked number") -> PanelEntry:
    return PanelEntry(0, 4, severity, Source.PROVIDER, "phone", "P1", message)


def by(columns: list[Column], title: str) -> Column:
    return next(c for c in columns if c.title == title)


def test_the_files_columns_come_first_and_only_they_are_editable():
    columns = columns_for(("name", "code"))
    assert [c.title for c in columns] == [
        "Phone",
        "Message",
        "name",
        "code",
        *(c.title for c in COMPUTED),
    ]
    assert [c.extra for c in columns[2:4]] == [0, 1]
    assert [c.editable for c in columns] == [True] * 4 + [False] * len(COMPUTED)


def test_each_cell_shows_its_rows_value(batch):
    columns = columns_for(batch.extra_columns)

    def shown(row: int) -> list[str]:
        return [cell_text(batch, row, c, batch.result) for c in columns]

    assert shown(0) == [
        "+447400123456",
        "Hi↵there",
        "Ann",
        "A1",
        "GB",
        "GSM-7",
        "1",
        "8/160",
        "0.0400 EUR",
        "+447400123456 is also on line 5.",
    ]
    assert shown(1)[2:] == ["Bob", "", "—", "UCS-2", "1", "7/70", "0.0900 EUR", NOT_A_NUMBER]
    assert shown(2)[6:] == ["2", "47/153", "0.0800 EUR", ""]


def test_an_edit_starts_from_the_real_text(batch):
    columns = columns_for(batch.extra_columns)
    assert edit_text(batch, 0, by(columns, "Message")) == "Hi\nthere"
    assert edit_text(batch, 0, by(columns, "Phone")) == "+447400123456"
    assert edit_text(batch, 2, by(columns, "code")) == "C3"
    beyond = Column(Field.EXTRA, "later", extra=5)
    assert edit_text(batch, 0, beyond) == "" and cell_text(batch, 0, beyond, batch.result) == ""


def test_the_issues_text_names_the_first_issue_and_counts_the_rest(batch):
    assert issues_text(batch.result(1)) == NOT_A_NUMBER
    assert issues_text(batch.result(1), [found(), found()]) == f"{NOT_A_NUMBER} (+2 more)"
    assert issues_text(batch.result(2), [found()]) == "provider: blocked number"
    assert issues_text(batch.result(2), [found(), found()], "Routee") == (
        "Routee: blocked number (+1 more)"
    )
    assert issues_text(batch.result(2)) == ""


def test_the_worst_severity_counts_the_providers_findings_too(batch):
    assert worst_severity(batch.result(0)) is IssueSeverity.WARNING
    assert worst_severity(batch.result(0), [found()]) is IssueSeverity.ERROR
    assert worst_severity(batch.result(1)) is IssueSeverity.ERROR
    assert worst_severity(batch.result(2), [found("warning")]) is IssueSeverity.WARNING
    assert worst_severity(batch.result(2)) is None


@pytest.mark.parametrize(
    ("title", "order"),
    [
        ("Phone", [0, 3, 2, 1]),
        ("Message", [0, 1, 3, 2]),  # "Hi", "Olá", "dup", "xxx"
        ("name", [3, 0, 1, 2]),
        ("Country", [1, 0, 2, 3]),
        ("Encoding", [0, 2, 3, 1]),
        ("Segments", [0, 1, 3, 2]),
        ("Last part", [3, 1, 0, 2]),
        ("Cost", [0, 3, 2, 1]),
        ("Issues", [1, 0, 3, 2]),  # errors first, then warnings, clean rows last
    ],
)
def test_each_column_sorts_by_its_rows_value(batch, title, order):
    key = sort_key(batch, by(columns_for(batch.extra_columns), title))
    assert sorted(range(len(batch)), key=key) == order


def test_the_providers_findings_sort_like_the_rows_own_issues(batch):
    issues = by(columns_for(batch.extra_columns), "Issues")
    provider = {2: (True, False)}
    key = sort_key(batch, issues, lambda row: provider.get(row, (False, False)))
    assert [key(row) for row in range(len(batch))] == [1, 0, 0, 1]
