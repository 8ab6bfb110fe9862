"""The status bar's parts on their own: the totals of a real batch with the rows only the
provider faults counted in (and named), and the progress with its Cancel."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from app.domain.batch import Batch, RowData
from app.services.findings import ProviderFindings
from app.services.problems import EntryRun, PanelEntry, Source
from app.ui.widgets.status import Progress, Totals

ROWS = [
    RowData("+447400123456", "Hello Amelia", line=2),  # clean
    RowData("not a number", "Hello Oliver", line=3),  # an error of its own
    RowData("+441212345678", "Hello Harry", line=4),  # a landline: a warning of its own
    RowData("+447400123459", "Hello Isla " * 16, line=5),  # clean, two segments
]


@pytest.fixture
def window(qtbot) -> QMainWindow:
    made = QMainWindow()
    qtbot.addWidget(made)
    made.show()
    return made


@pytest.fixture
def batch(context) -> Batch:
    made = Batch(context.batch_settings(context.settings))
    made.insert_rows(0, ROWS)
    return made


def provider_says(batch: Batch, *found: tuple[int, str]) -> EntryRun:
    """The provider's entries: ``(row, severity)``, row -1 about the whole file."""
    return EntryRun.of(
        (
            row,
            PanelEntry(
                batch.row_id(row) if row >= 0 else -1,
                row + 2,
                severity,
                Source.PROVIDER,
                None,
                "X",
                "Refused.",
            ),
        )
        for row, severity in sorted(found)
    )


def test_the_totals_count_rows_segments_cost_and_rows_with_issues(window, batch):
    shown = QLabel("Rows with errors: 1 of 4 shown")
    totals = Totals(window.statusBar(), shown=shown)
    totals.update(batch)
    cost = batch.settings.prices.format(batch.totals.cost)
    assert totals.totals_label.text() == f"4 rows  ·  5 segments  ·  {cost}"
    assert totals.errors_label.text() == "  ·  1 row with errors"
    assert totals.warnings_label.text() == "  ·  1 row with warnings  "
    assert totals.errors_label.toolTip() == (
        "Rows with at least one error: a provider would reject them"
    )
    assert shown.isVisibleTo(window.statusBar())  # the filter's count goes before the totals


def test_totals_follow_the_batch_as_it_changes(window, batch):
    totals = Totals(window.statusBar())
    batch.set_phone(1, "+447400123457")
    batch.remove_rows(3, 1)
    totals.update(batch)
    assert totals.totals_label.text().startswith("3 rows  ·  3 segments  ·  ")
    assert totals.errors_label.text() == "  ·  0 rows with errors"


def test_rows_only_the_provider_faults_are_added_and_said_apart(window, batch):
    findings = ProviderFindings()
    totals = Totals(window.statusBar(), findings)
    # row 0 is clean: an error only from the provider; row 1 has its own error already;
    # row 3 a warning only from the provider; and one of each about the whole file
    findings.set(
        batch,
        provider_says(
            batch, (0, "error"), (1, "error"), (3, "warning"), (-1, "error"), (-1, "warning")
        ),
        "Routee sandbox",
    )
    totals.update(batch)
    assert totals.errors_label.text() == (
        "  ·  2 rows with errors (1 only from Routee sandbox), and 1 error about the whole file"
    )
    assert totals.warnings_label.text() == (
        "  ·  2 rows with warnings (1 only from Routee sandbox), "
        "and 1 warning about the whole file  "
    )
    assert "here or by Routee sandbox's validate-only run" in totals.errors_label.toolTip()
    assert "here or by Routee sandbox's validate-only run" in totals.warnings_label.toolTip()
    findings.drop_rows([0])  # the operator edited row 0: the provider's word on it goes
    totals.update(batch)
    assert totals.errors_label.text() == "  ·  1 row with errors, and 1 error about the whole file"
    findings.clear()
    totals.update(batch)
    assert totals.errors_label.text() == "  ·  1 row with errors"
    assert "validate-only" not in totals.errors_label.toolTip()


def test_progress_shows_while_busy_and_hides_after(window):
    bar = window.statusBar()
    progress = Progress(bar)
    parts = (progress.label, progress.bar, progress.cancel_button)
    assert not any(part.isVisibleTo(bar) for part in parts)
    progress.show("Loading spring.csv…")
    assert all(part.isVisibleTo(bar) for part in parts)
    assert progress.label.text() == "Loading spring.csv…"
    progress.set(250, 1000)
    assert progress.bar.value() == progress.bar.maximum() // 4
    progress.set(5, 0)  # an unknown total moves nothing
    assert progress.bar.value() == progress.bar.maximum() // 4
    progress.hide()
    assert not any(part.isVisibleTo(bar) for part in parts)
    progress.show("Validating with Routee…", determinate=False)
    assert progress.bar.maximum() == 0  # a busy bar, no percentage
