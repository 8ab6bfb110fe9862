"""The problems list kept current, driven without a window: the panel's model holds the
entries, the Qt job runner runs the scans on a bare QApplication."""

from __future__ import annotations

import pytest

from app.domain.batch import Batch, RowData
from app.main import build_context
from app.providers.issues import ProviderIssue
from app.services.checking import Problems
from app.services.jobs import run_to_end
from app.services.problems import Source, scan_steps
from app.services.row_filter import RowFilter
from app.ui.problems.panel import IssueListModel
from app.ui.widgets.jobs import QtRunner

BAD = "not a number"


@pytest.fixture
def runner(qapp):
    runner = QtRunner()
    yield runner
    runner.stop()


def batch_of(rows: list[tuple[str, str]]) -> Batch:
    context = build_context()
    batch = Batch(context.batch_settings(context.settings))
    batch.insert_rows(0, [RowData(phone, message, ()) for phone, message in rows])
    return batch


def test_a_new_document_is_scanned_and_an_edit_patched_in(runner, qtbot):
    entries = IssueListModel()
    problems = Problems(runner, entries)
    batch = batch_of([("+447400123456", "Hi"), (BAD, "Hi")])
    problems.reset(batch)
    assert not problems.current
    qtbot.waitUntil(lambda: problems.current)
    assert {row for row, _ in entries.listed()} == {1}
    problems.rows_changed(batch.set_phone(0, BAD))
    assert not problems.current  # patched in a moment, not at each keystroke
    qtbot.waitUntil(lambda: problems.current)
    assert {row for row, _ in entries.listed()} == {0, 1}


def test_rows_that_move_keep_their_entries_and_findings_without_a_rescan(runner, qtbot):
    entries = IssueListModel()
    problems = Problems(runner, entries)
    scans: list[int] = []
    problems.scanning.connect(scans.append)
    batch = batch_of([("+447400123456", "Hi"), ("+447400123457", "Hi")])
    problems.reset(batch)
    qtbot.waitUntil(lambda: problems.current)
    problems.set_provider(
        [ProviderIssue("X", "refused", index=0, row=1, line=3, column="phone")],
        "Sandbox",
        problems.ask(batch),
    )
    assert [(row, e.source) for row, e in entries.listed()] == [(1, Source.PROVIDER)]
    changed = batch.insert_rows(0, [RowData(BAD, "Hi", ())])
    problems.rows_moved(0, 1)  # what the editor says, in this order
    problems.rows_changed(changed)
    qtbot.waitUntil(lambda: problems.current)
    assert [(row, e.source) for row, e in entries.listed()] == [
        (0, Source.LOCAL),
        (2, Source.PROVIDER),
    ]
    assert problems.findings.kept_by(RowFilter.ISSUES) == [2]
    assert scans == [2]  # the first scan only


def test_a_validation_answer_lands_on_the_rows_it_was_about_after_they_moved(runner, qtbot):
    entries = IssueListModel()
    problems = Problems(runner, entries)
    batch = batch_of([("+447400123456", "Hi"), ("+447400123457", "Hi"), ("+447400123458", "Hi")])
    problems.reset(batch)
    qtbot.waitUntil(lambda: problems.current)
    asked = problems.ask(batch)  # the rows as the provider is asked about them
    batch.remove_rows(0, 1)
    problems.rows_moved(0, -1)
    problems.rows_changed(batch.set_message(0, "Hello"))  # was row 1: its answer is stale
    issues = [ProviderIssue("X", "refused", index=i, row=i, line=i + 2) for i in (0, 1, 2)]
    assert problems.set_provider(issues, "Sandbox", asked)
    assert [(row, e.line) for row, e in entries.listed()] == [(1, 4)]  # the first row went


def test_an_answer_about_a_document_that_was_replaced_is_not_listed(runner, qtbot):
    entries = IssueListModel()
    problems = Problems(runner, entries)
    first = batch_of([("+447400123456", "Hi")])
    problems.reset(first)
    asked = problems.ask(first)
    problems.reset(batch_of([("+447400123457", "Hi")]))
    issue = ProviderIssue("X", "refused", index=0, row=0, line=2)
    assert not problems.set_provider([issue], "Sandbox", asked)
    assert not problems.findings


def test_many_moves_at_once_rescan_the_rows_and_keep_the_providers_entries(runner, qtbot):
    """A delete of scattered rows moves the rows once per run: past a few in one turn, the
    local entries are listed again by a rescan (a slice at a time) instead of moved each time."""
    entries = IssueListModel()
    problems = Problems(runner, entries)
    scans: list[int] = []
    problems.scanning.connect(scans.append)
    batch = batch_of([(BAD if n % 3 == 0 else f"+4474001234{n:02d}", "Hi") for n in range(60)])
    problems.reset(batch)
    qtbot.waitUntil(lambda: problems.current)
    kept = batch.row_id(59)
    issue = ProviderIssue("X", "refused", index=0, row=59, line=61, column="phone")
    assert problems.set_provider([issue], "Sandbox", problems.ask(batch))
    for row in range(50, 0, -5):  # ten runs of one row, highest first, in one turn
        batch.remove_rows(row, 1)
        problems.rows_moved(row, -1)
        problems.rows_changed(set(batch.last_removal_changed))
    qtbot.waitUntil(lambda: problems.current)
    assert len(scans) == 2
    fresh = IssueListModel()
    fresh.set_local(run_to_end(scan_steps(batch)))
    listed = entries.listed()
    assert [pair for pair in listed if pair[1].source is Source.LOCAL] == fresh.listed()
    assert [row for row, e in listed if e.source is Source.PROVIDER] == [batch.position(kept)]
