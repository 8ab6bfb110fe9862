"""The batch editor on its own (its model, the problems list and the job runner, wired as the
window wires them, no window): which row actions are enabled, adding, duplicating and
deleting rows with undo, the row filter and what it says, going to a row, find, the GSM fix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QMessageBox, QWidget

from app.domain.batch import RowData
from app.services.checking import Problems
from app.services.columns import Field
from app.services.row_filter import RowFilter
from app.ui.editor.editor import Editor
from app.ui.problems.panel import IssueListModel
from app.ui.widgets.dialogs import Dialogs
from app.ui.widgets.jobs import QtRunner
from tests.ui.editor.conftest import FILE_ROWS

LONG_CURLY = "“Welcome back” – we’ve missed you… " * 3  # 2 UCS-2 segments, 1 in GSM


class Said(list):
    def __call__(self, text: str, ms: int) -> None:
        self.append(text)


@pytest.fixture
def editor(make_model, qtbot) -> Iterator[Editor]:
    host = QWidget()
    qtbot.addWidget(host)
    runner = QtRunner()
    problems = Problems(runner, IssueListModel())
    model = make_model(findings=problems.findings)
    model.results_changed.connect(problems.rows_changed)
    model.rows_moved.connect(problems.rows_moved)
    made = Editor(model, problems, runner, Dialogs(host))
    qtbot.addWidget(made)
    made.resize(900, 400)
    made.show()
    problems.reset(model.batch)
    qtbot.waitUntil(lambda: problems.current, timeout=5000)
    made.set_busy(False)
    yield made
    made.stop()
    problems.stop()
    runner.stop()


@pytest.fixture
def said(editor) -> Said:
    seen = Said()
    editor.message.connect(seen)
    return seen


def select_rows(editor: Editor, *view_rows: int) -> None:
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection = editor.view.selectionModel()
    selection.clearSelection()
    for row in view_rows:
        selection.select(editor.model.index(row, 0), flags)


def phones(editor: Editor) -> list[str]:
    column = editor.model.column_of(Field.PHONE)
    return [editor.model.index(r, column).data() for r in range(editor.model.rowCount())]


def lines(editor: Editor) -> list[str]:
    model = editor.model
    return [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]


def test_row_actions_are_enabled_when_there_are_rows_and_nothing_loads(editor, make_model):
    row_actions = (editor.duplicate_action, editor.delete_action, editor.fix_all_action)
    assert editor.add_action.isEnabled() and all(a.isEnabled() for a in row_actions)
    editor.set_busy(True)  # a file loads
    assert not editor.add_action.isEnabled() and not any(a.isEnabled() for a in row_actions)
    assert not editor.filter_box.isEnabled()
    assert not editor.model.flags(editor.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    editor.set_busy(False)
    assert editor.model.flags(editor.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    editor.model.set_batch(make_model([]).batch)  # an empty document
    editor.set_busy(False)
    assert editor.add_action.isEnabled() and not any(a.isEnabled() for a in row_actions)


def test_add_row_goes_below_the_current_row_opens_it_and_undoes(editor):
    editor.view.setCurrentIndex(editor.model.index(1, 0))
    editor.add_action.trigger()
    assert lines(editor) == ["2", "3", "new", "4", "5"]
    current = editor.view.currentIndex()
    assert (current.row(), current.column()) == (2, editor.model.column_of(Field.PHONE))
    assert editor.view.state() == QAbstractItemView.State.EditingState  # type away
    assert editor.undo_stack.undoText() == "Add row"
    editor.undo_stack.undo()
    assert lines(editor) == ["2", "3", "4", "5"]


def test_add_row_without_a_current_row_goes_last(editor):
    editor.view.setCurrentIndex(editor.model.index(-1, -1))
    editor.add_row()
    assert lines(editor) == ["2", "3", "4", "5", "new"]
    assert editor.model.batch.extras(4) == ("",)  # every extra column, empty


def test_duplicate_copies_the_selected_rows_below_them(editor):
    select_rows(editor, 0, 2)
    editor.duplicate_action.trigger()
    assert lines(editor) == ["2", "3", "4", "new", "new", "5"]
    assert phones(editor)[3:5] == [FILE_ROWS[0].phone, FILE_ROWS[2].phone]
    assert editor.model.batch.message(4) == FILE_ROWS[2].message
    assert editor.undo_stack.undoText() == "Duplicate 2 rows"
    editor.undo_stack.undo()
    assert phones(editor) == [r.phone for r in FILE_ROWS]


def test_delete_removes_the_selection_says_how_to_undo_and_undo_brings_it_back(editor, said):
    select_rows(editor, 1, 3)
    assert editor.selected_rows() == [1, 3]
    editor.delete_action.trigger()
    assert lines(editor) == ["2", "4"]
    assert said[-1] == "Deleted 2 rows: Ctrl+Z brings them back."
    editor.undo_stack.undo()
    assert lines(editor) == ["2", "3", "4", "5"]
    editor.view.setCurrentIndex(editor.model.index(0, 1))
    editor.view.selectionModel().clearSelection()
    editor.delete_rows()  # no selection: the current cell's row
    assert said[-1] == "Deleted 1 row: Ctrl+Z brings it back."
    assert lines(editor) == ["3", "4", "5"]


def test_nothing_is_deleted_while_a_file_loads(editor):
    select_rows(editor, 0)
    editor.set_busy(True)
    editor.delete_rows()
    assert editor.model.rowCount() == 4 and editor.undo_stack.count() == 0


def test_the_filter_box_shows_rows_with_errors_and_says_how_many(editor, qtbot):
    assert editor.shown_label.isHidden()
    editor.filter_box.setCurrentIndex(editor.filter_box.findData(RowFilter.ERRORS))
    qtbot.waitUntil(lambda: editor.model.rowCount() == 2, timeout=5000)
    assert lines(editor) == ["3", "5"]  # the bad number and the empty message
    assert editor.shown_label.text() == "Rows with errors: 2 of 4 rows shown  "
    assert not editor.shown_label.isHidden()
    editor.filter_box.setCurrentIndex(editor.filter_box.findData(RowFilter.ALL))
    assert editor.model.rowCount() == 4 and editor.shown_label.isHidden()


def test_going_to_a_row_the_filter_hides_shows_every_row_first(editor, qtbot):
    editor.filter_box.setCurrentIndex(editor.filter_box.findData(RowFilter.ERRORS))
    qtbot.waitUntil(lambda: editor.model.rowCount() == 2, timeout=5000)
    editor.show_row(2, "message")
    qtbot.waitUntil(lambda: editor.model.rowCount() == 4, timeout=5000)
    assert editor.filter_box.currentData() == RowFilter.ALL
    current = editor.view.currentIndex()
    assert (current.row(), current.column()) == (2, editor.model.column_of(Field.MESSAGE))


def test_a_header_click_sorts_and_file_order_comes_back(editor, qtbot):
    column = editor.model.column_of(Field.PHONE)
    header = editor.view.horizontalHeader()
    at = QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: editor.model.sort_column == column, timeout=5000)
    assert phones(editor) == sorted(r.phone for r in FILE_ROWS)
    editor.file_order_action.trigger()
    qtbot.waitUntil(lambda: editor.model.sort_column == -1, timeout=5000)
    assert phones(editor) == [r.phone for r in FILE_ROWS]


def test_find_moves_the_current_cell_to_the_match(editor, qtbot):
    editor.find_action.trigger()
    assert editor.find_bar.isVisible()
    editor.find_bar.field.setText("harry")
    with qtbot.waitSignal(editor.find_bar.found, timeout=5000):
        editor.find_next_action.trigger()
    assert editor.view.currentIndex().row() == 3
    editor.view.setCurrentIndex(editor.model.index(0, 0))
    editor.find_bar.field.setText("hello")
    with qtbot.waitSignal(editor.find_bar.found, timeout=5000):
        editor.find_next_action.trigger()
    assert editor.view.currentIndex().row() == 1  # the next match after the current row


def test_the_fix_of_a_row_says_what_it_saves(editor):
    editor.model.batch.set_message(2, LONG_CURLY)
    fix = editor.gsm_fix_action([2])
    money = editor.model.batch.settings.prices.format(editor.model.batch.result(2).cost // 2)
    assert fix.text() == f"Use GSM characters in this row: saves 1 segment ({money})"
    assert fix.isEnabled()
    fix.trigger()
    assert editor.model.batch.result(2).analysis.encoding == "GSM-7"
    clean = editor.gsm_fix_action([0, 1])
    assert clean.text() == "Use GSM characters in 2 selected rows (nothing to replace)"
    assert not clean.isEnabled()


def test_the_fix_of_every_row_asks_first_then_applies_and_undoes(editor, qtbot):
    editor.fix_all_action.trigger()
    qtbot.waitUntil(lambda: editor.dialogs.last is not None, timeout=5000)
    box = editor.dialogs.last
    assert "Replace the characters that force UCS-2 in 1 row." in box.text()
    box.button(QMessageBox.StandardButton.Apply).click()
    assert editor.model.batch.message(2) == '"Quoted" hello...'
    assert editor.undo_stack.undoText() == "Use GSM characters in 1 row"
    editor.undo_stack.undo()
    assert editor.model.batch.message(2) == FILE_ROWS[2].message


def test_the_fix_of_every_row_with_nothing_to_replace_only_says_so(editor, make_model, qtbot):
    editor.model.set_batch(make_model([RowData("+447400123456", "Plain", ("A",))]).batch)
    editor.fix_all_rows()
    qtbot.waitUntil(lambda: editor.dialogs.last is not None, timeout=5000)
    assert editor.dialogs.last.text() == (
        "No message has a character that a GSM look-alike could replace."
    )
    editor.dialogs.last.button(QMessageBox.StandardButton.Ok).click()
    assert editor.undo_stack.count() == 0
