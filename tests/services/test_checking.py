"""The problems list kept current, driven without a window: the panel's model holds the
entries, the Qt job runner runs the scans on a bare QApplication."""

from __future__ import annotations

import pytest

from app.domain.batch import Batch, RowData
from app.main import build_context
from app.services.checking import Problems
from app.services.problems import PanelEntry, Source
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
    assert {e.row for e in entries.entries} == {1}
    problems.rows_changed(batch.set_phone(0, BAD))
    assert not problems.current  # patched in a moment, not at each keystroke
    qtbot.waitUntil(lambda: problems.current)
    assert {e.row for e in entries.entries} == {0, 1}


def test_rows_that_move_are_rescanned_once_and_provider_findings_expire(runner, qtbot):
    entries = IssueListModel()
    problems = Problems(runner, entries)
    batch = batch_of([("+447400123456", "Hi"), ("+447400123457", "Hi")])
    problems.reset(batch)
    qtbot.waitUntil(lambda: problems.current)
    problems.set_provider(
        [PanelEntry(1, 3, "error", Source.PROVIDER, "phone", "X", "refused")], "Sandbox"
    )
    assert [e.source for e in entries.entries] == [Source.PROVIDER]
    generation = problems.generation
    batch.insert_rows(0, [RowData(BAD, "Hi", ())])
    problems.rows_moved()
    assert problems.generation != generation
    qtbot.waitUntil(lambda: not problems.working)
    assert [(e.row, e.source) for e in entries.entries] == [(0, Source.LOCAL)]
