"""The provider's findings by row: what they add to the batch's own counts, and when they go."""

from __future__ import annotations

from app.domain.batch import Batch, RowData
from app.main import build_context
from app.services.findings import ProviderFindings
from app.services.problems import EntryRun, PanelEntry, Source
from app.services.row_filter import RowFilter


def found(batch: Batch, *rows: int | tuple[int, str]) -> EntryRun:
    """A run of provider entries, an error about each row (or ``(row, severity)``); row -1
    is about the whole file."""
    placed = []
    for item in rows:
        row, severity = item if isinstance(item, tuple) else (item, "error")
        row_id = batch.row_id(row) if row >= 0 else -1
        placed.append(
            (row, PanelEntry(row_id, row + 2, severity, Source.PROVIDER, "message", "X", "No."))
        )
    return EntryRun.of(placed)


def batch() -> Batch:
    context = build_context()
    rows = [RowData("+447400123456", "Hi"), RowData("not a number", "Hi"), RowData("", "")]
    made = Batch(context.batch_settings(context.settings))
    made.insert_rows(0, [*rows, RowData("+447400123457", "Hi")])
    return made


def test_only_rows_without_an_error_of_their_own_are_added_to_the_count():
    findings = ProviderFindings()
    changes: list[set[int]] = []
    findings.changed.connect(changes.append)
    local = batch()
    assert local.issue_flags(1) == (True, False)
    findings.set(local, found(local, 0, 1, (3, "warning"), -1), "Sandbox")
    assert (findings.errors_added, findings.warnings_added) == (1, 1)
    assert [e.row_id for e in findings.file] == [-1]
    assert findings.kept_by(RowFilter.ERRORS) == [0, 1]
    assert findings.kept_by(RowFilter.ISSUES) == [0, 1, 3]
    assert findings.kept_by(RowFilter.UCS2) == []
    assert changes == [{0, 1, 3}]
    findings.drop_rows({0, 2})
    assert (findings.errors_added, findings.warnings_added) == (0, 1)
    assert findings.of(0) == [] and findings.flags(3) == (False, True)
    assert changes[-1] == {0}
    findings.drop_rows({2})  # nothing of its own: no news
    assert len(changes) == 2
    findings.clear()
    assert not findings and (findings.errors_added, findings.warnings_added) == (0, 0)
    assert changes[-1] == {1, 3}


def test_findings_stay_with_their_rows_as_rows_are_inserted_and_removed():
    findings = ProviderFindings()
    local = batch()
    findings.set(local, found(local, 0, (3, "warning")), "Sandbox")
    assert (findings.errors_added, findings.warnings_added) == (1, 1)
    findings.moved(0, 2)  # two rows inserted at the top
    assert findings.kept_by(RowFilter.ISSUES) == [2, 5]
    assert findings.of(0) == [] and [e.code for e in findings.of(2)] == ["X"]
    findings.moved(1, -2)  # the row that was first is among the two removed
    assert findings.kept_by(RowFilter.ISSUES) == [3]
    assert (findings.errors_added, findings.warnings_added) == (0, 1)
