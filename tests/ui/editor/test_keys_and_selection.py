"""Selection and keys as in every spreadsheet: row numbers select rows, Delete removes them,
Ctrl+Y redoes, and what the status bar says about the filter is never stale."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from app.services.columns import Field
from app.services.row_filter import RowFilter
from app.ui.widgets.actions import redo_keys
from tests.ui.conftest import write_csv

ROWS = [
    ("+447400123456", "Hello Amelia", "Amelia"),
    ("not a number", "Hello Oliver", "Oliver"),
    ("+447400123458", "“Welcome back”", "Isla"),
    ("+447400123459", "Hello Harry", "Harry"),
]
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def loaded(window, open_file, tmp_path, qtbot):
    open_file(window, write_csv(tmp_path / "spring.csv", ROWS))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts only reach the active window
    qtbot.waitUntil(lambda: not window.working)
    return window


def click_row_number(window, row: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    header = window.editor.view.verticalHeader()
    middle = header.sectionViewportPosition(row) + header.sectionSize(row) // 2
    position = QPoint(header.width() // 2, middle)
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, modifiers, position)


def selected_rows(window) -> list[int]:
    selection = window.editor.view.selectionModel()
    return [r for r in range(window.model.rowCount()) if selection.isRowSelected(r)]


def phones(window) -> list[str]:
    return [window.batch.phone(r) for r in range(len(window.batch))]


def test_the_row_numbers_are_the_files_lines(loaded, qtbot):
    header = [loaded.model.headerData(r, Qt.Orientation.Vertical) for r in range(4)]
    assert header == ["2", "3", "4", "5"]  # line 1 is the header row
    loaded.editor.view.setCurrentIndex(loaded.model.index(0, 0))
    loaded.editor.add_action.trigger()
    assert loaded.model.headerData(1, Qt.Orientation.Vertical) == "new"
    assert loaded.model.headerData(2, Qt.Orientation.Vertical) == "3"
    # The same numbers everywhere: the panel's Line column, the undo menu, the find bar.
    qtbot.waitUntil(lambda: not loaded.working)  # the panel rescanned the moved rows
    panel = loaded.error_panel.model
    lines = {panel.batch_row(i): panel.index(i, 2).data() for i in range(panel.rowCount())}
    assert lines == {1: "new row", 2: "3"}
    loaded.model.setData(loaded.model.index(2, 0), "+447400123457")
    assert loaded.undo_stack.undoText() == "Edit phone on line 3"
    loaded.model.setData(loaded.model.index(1, 0), "+447400123450")
    assert loaded.undo_stack.undoText() == "Edit phone in a new row"
    find = loaded.editor.find_bar
    find.field.setText("Harry")
    find.find_next()
    qtbot.waitUntil(lambda: find.status.text() == "Found on line 5")


def test_clicking_row_numbers_selects_rows_and_shift_and_ctrl_extend(loaded):
    click_row_number(loaded, 1)
    assert selected_rows(loaded) == [1]
    click_row_number(loaded, 3, SHIFT)
    assert selected_rows(loaded) == [1, 2, 3]
    click_row_number(loaded, 0)
    click_row_number(loaded, 2, CTRL)
    assert selected_rows(loaded) == [0, 2]
    assert loaded.editor.selected_rows() == [0, 2]


def test_delete_removes_the_selected_rows_and_undo_puts_them_back(loaded):
    click_row_number(loaded, 0)
    click_row_number(loaded, 2, CTRL)
    QTest.keyClick(loaded.editor.view, Qt.Key.Key_Delete)
    assert phones(loaded) == ["not a number", "+447400123459"]
    assert "Deleted 2 rows" in loaded.statusBar().currentMessage()
    QTest.keyClick(loaded.editor.view, Qt.Key.Key_Z, CTRL)
    assert phones(loaded) == [row[0] for row in ROWS]


def test_delete_in_an_open_cell_editor_edits_the_text_not_the_rows(loaded):
    view = loaded.editor.view
    index = loaded.model.index(0, loaded.model.column_of(Field.MESSAGE))
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.hasFocus()
    editor.setCursorPosition(0)
    QTest.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.text() == "ello Amelia"
    assert len(loaded.batch) == 4


def test_delete_in_the_problems_panel_deletes_nothing(loaded):
    loaded.editor.view.selectRow(0)
    panel = loaded.error_panel.view
    panel.setFocus()
    QTest.keyClick(panel, Qt.Key.Key_Delete)
    assert len(loaded.batch) == 4


@pytest.mark.parametrize("keys", [(Qt.Key.Key_Y, CTRL), (Qt.Key.Key_Z, CTRL | SHIFT)])
def test_ctrl_y_redoes_as_well_as_ctrl_shift_z(loaded, keys):
    view = loaded.editor.view
    loaded.model.setData(loaded.model.index(1, 0), "+447400123457")
    QTest.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert loaded.batch.phone(1) == "not a number"
    QTest.keyClick(view, *keys)
    assert loaded.batch.phone(1) == "+447400123457"


def test_ctrl_y_is_added_where_the_platform_redoes_with_ctrl_shift_z_only(loaded):
    x11 = [QKeySequence("Ctrl+Shift+Z")]  # what Qt's xcb platform binds to Redo
    assert [k.toString() for k in redo_keys(x11)] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert loaded.redo_action.shortcuts() == redo_keys()
    assert QKeySequence("Ctrl+Y") in loaded.redo_action.shortcuts()


def test_what_the_filter_shows_is_said_for_as_long_as_it_holds(loaded, qtbot):
    box, label = loaded.editor.filter_box, loaded.editor.shown_label
    box.setCurrentIndex(box.findData(RowFilter.UCS2))
    qtbot.waitUntil(lambda: loaded.model.rowCount() == 1 and not loaded.working)
    assert label.isVisibleTo(loaded)
    assert label.text().strip() == "Rows sent as UCS-2: 1 of 4 rows shown"
    loaded.editor.view.selectRow(0)
    loaded.editor.delete_action.trigger()
    assert label.text().strip() == "Rows sent as UCS-2: 0 of 3 rows shown"
    loaded.undo_action.trigger()
    assert label.text().strip() == "Rows sent as UCS-2: 1 of 4 rows shown"

    # The panel shows a row the filter hides: every row comes back, and the word goes.
    panel = loaded.error_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    panel.view.activated.emit(panel.model.index(0, 0))
    assert loaded.model.rowCount() == 4 and box.currentData() == RowFilter.ALL
    assert not label.isVisibleTo(loaded)
    assert "shown" not in loaded.statusBar().currentMessage()


def test_back_to_every_row_while_a_filter_runs_stops_it(window, open_file, tmp_path, qtbot):
    rows = [(f"+4474001{i:05d}" if i % 3 else "bad", "Hi", "x") for i in range(20_000)]
    open_file(window, write_csv(tmp_path / "big.csv", rows))
    qtbot.waitUntil(lambda: not window.working, timeout=30_000)
    box = window.editor.filter_box
    box.setCurrentIndex(box.findData(RowFilter.UCS2))  # looks at every row: a job of a while
    assert window.editor.working and window.statusBar().currentMessage().startswith("Filtering")
    box.setCurrentIndex(box.findData(RowFilter.ALL))
    qtbot.waitUntil(lambda: not window.working)
    assert window.model.rowCount() == 20_000 and window.model.row_filter is RowFilter.ALL
    assert window.statusBar().currentMessage() == ""
    assert not window.editor.shown_label.isVisibleTo(window)


def test_a_new_document_shows_every_row_and_says_so(loaded, tmp_path, open_file, qtbot):
    box = loaded.editor.filter_box
    box.setCurrentIndex(box.findData(RowFilter.ERRORS))
    qtbot.waitUntil(lambda: loaded.model.rowCount() == 1 and not loaded.working)
    open_file(loaded, write_csv(tmp_path / "other.csv", ROWS))
    assert loaded.model.rowCount() == 4
    assert box.currentData() == RowFilter.ALL
    assert not loaded.editor.shown_label.isVisibleTo(loaded)
