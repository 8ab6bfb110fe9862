"""Crash recovery: edits reach the journal within seconds, and the next start offers them back."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.domain.batch import RowData
from app.services.columns import Field
from app.services.document import AUTOSAVE_INTERVAL_MS
from tests.ui.conftest import write_csv

ROWS = [("+447400123456", "Hello Amelia", "Amelia"), ("+447400123457", "Hello Oliver", "Oliver")]


@pytest.fixture
def crashed(window, open_file, tmp_path):
    """A window with unsaved edits flushed to the journal, then left without closing."""
    path = write_csv(tmp_path / "spring.csv", ROWS)
    open_file(window, path)
    model = window.model
    model.setData(model.index(0, model.column_of(Field.MESSAGE)), "Hi Amelia")
    model.insert_batch_rows(2, [RowData("+447400123458", "Hello Isla", ("Isla",))])
    model.remove_batch_rows(1, 1)
    assert AUTOSAVE_INTERVAL_MS <= 5000
    window.document.flush_journal()
    return window


def test_the_next_start_restores_unsaved_edits(crashed, make_window, qtbot):
    again = make_window()
    again.files.offer_restore()
    box = again.dialogs.last
    assert "3 changes to spring.csv" in box.text()
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        box.button(QMessageBox.StandardButton.Yes).click()
    batch = again.batch
    assert [batch.message(r) for r in range(len(batch))] == ["Hi Amelia", "Hello Isla"]
    assert again.isWindowModified()
    assert again.windowTitle() == "spring.csv[*] — Campaign Desk"


def test_declining_drops_the_journal(crashed, make_window):
    again = make_window()
    again.files.offer_restore()
    again.dialogs.last.button(QMessageBox.StandardButton.Discard).click()
    assert again.context.autosave.pending() is None
    assert len(again.batch) == 0


def test_a_base_file_changed_since_is_not_patched(crashed, make_window):
    crashed.path.write_text("phone,message\n+447400123456,Changed\n", encoding="utf-8")
    again = make_window()
    again.files.offer_restore()
    again.dialogs.last.button(QMessageBox.StandardButton.Yes).click()
    assert "was changed since" in again.dialogs.last.text()
    assert len(again.batch) == 0


def test_saving_starts_a_new_journal(crashed, make_window):
    assert crashed.files.save()
    crashed.document.flush_journal()
    assert crashed.context.autosave.pending() is None
    again = make_window()
    again.files.offer_restore()
    assert again.dialogs.last is None


def test_edits_in_a_new_document_are_journalled_too(window, make_window, qtbot):
    window.editor.add_action.trigger()
    window.model.setData(window.model.index(0, 1), "Typed before a crash")
    window.document.flush_journal()
    again = make_window()
    again.files.offer_restore()
    assert "to a new batch" in again.dialogs.last.text()
    again.dialogs.last.button(QMessageBox.StandardButton.Yes).click()
    assert again.batch.message(0) == "Typed before a crash"
    assert again.windowTitle() == "Untitled[*] — Campaign Desk" and again.isWindowModified()
