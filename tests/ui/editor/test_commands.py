"""The editor's undoable edits on a real batch model: each command does, undoes and redoes
its edit, and puts back the rows, their lines and the totals as they were."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.domain.batch import RowData
from app.services.columns import Field
from app.ui.editor.commands import (
    InsertRowsCommand,
    RemoveRowsCommand,
    SetCellCommand,
    SetMessagesCommand,
)
from app.ui.editor.model import BatchModel
from tests.ui.editor.conftest import FILE_ROWS


def rows_of(model: BatchModel) -> list[tuple[str, str, tuple[str, ...], str]]:
    """Each view row's phone, message, extras and row number (its line, or "new")."""
    batch = model.batch
    return [
        (
            batch.phone(r),
            batch.message(r),
            batch.extras(r),
            model.headerData(r, Qt.Orientation.Vertical),
        )
        for r in range(model.rowCount())
    ]


def test_set_cell_is_named_for_its_line_and_undoes_to_the_old_value(make_model):
    model = make_model()
    phone = model.columns[model.column_of(Field.PHONE)]
    errors = model.batch.totals.errors
    command = SetCellCommand(model, 1, phone, "not a number", "+447400123457")
    assert command.text() == "Edit phone on line 3"
    model.undo_stack.push(command)  # push() runs redo()
    assert model.batch.phone(1) == "+447400123457"
    assert model.batch.totals.errors == errors - 1
    model.undo_stack.undo()
    assert model.batch.phone(1) == "not a number"
    assert model.batch.totals.errors == errors
    model.undo_stack.redo()
    assert model.batch.phone(1) == "+447400123457"


def test_set_cell_of_an_extra_column_undoes_too(make_model):
    model = make_model()
    name = model.columns[model.column_of(Field.EXTRA, 0)]
    model.undo_stack.push(SetCellCommand(model, 0, name, "Amelia", "Amy"))
    assert model.batch.extras(0) == ("Amy",)
    model.undo_stack.undo()
    assert model.batch.extras(0) == ("Amelia",)


def test_set_messages_changes_every_row_at_once_and_undoes_them_all(make_model, qtbot):
    model = make_model()
    changes = [(0, "Hello Amelia", "Hi A"), (2, "“Quoted” hello…", '"Quoted" hello...')]
    totals: list[None] = []
    model.totals_changed.connect(lambda: totals.append(None))
    model.undo_stack.push(SetMessagesCommand(model, changes, "Use GSM characters in 2 rows"))
    assert len(totals) == 1  # one totals update for the whole fix
    assert [model.batch.message(r) for r in (0, 2)] == ["Hi A", '"Quoted" hello...']
    assert model.batch.result(2).analysis.encoding == "GSM-7"
    assert model.undo_stack.undoText() == "Use GSM characters in 2 rows"
    model.undo_stack.undo()
    assert [model.batch.message(r) for r in (0, 2)] == ["Hello Amelia", "“Quoted” hello…"]
    assert model.batch.result(2).analysis.encoding == "UCS-2"


def test_insert_rows_shows_new_rows_and_undo_takes_exactly_them_out(make_model):
    model = make_model()
    before = rows_of(model)
    totals = model.batch.totals
    added = [RowData("+447400123000", "New one", ("Nia",)), RowData("", "", ("",))]
    model.undo_stack.push(InsertRowsCommand(model, 1, added, "Add 2 rows"))
    assert model.rowCount() == 6
    assert rows_of(model)[1:3] == [
        ("+447400123000", "New one", ("Nia",), "new"),
        ("", "", ("",), "new"),
    ]
    assert rows_of(model)[0] == before[0] and rows_of(model)[3:] == before[1:]
    model.undo_stack.undo()
    assert rows_of(model) == before
    assert model.batch.totals == totals
    model.undo_stack.redo()
    assert model.rowCount() == 6 and rows_of(model)[1][3] == "new"


def test_remove_rows_with_gaps_puts_them_back_with_their_lines(make_model):
    model = make_model()
    before = rows_of(model)
    totals = model.batch.totals
    command = RemoveRowsCommand(model, [3, 0, 1, 3])  # any order, repeats counted once
    assert command.text() == "Delete 3 rows"
    model.undo_stack.push(command)
    assert rows_of(model) == [before[2]]
    assert model.headerData(0, Qt.Orientation.Vertical) == "4"  # the row left keeps its line
    model.undo_stack.undo()
    assert rows_of(model) == before
    assert [model.batch.line(r) for r in range(4)] == [r.line for r in FILE_ROWS]
    assert model.batch.totals == totals
    model.undo_stack.redo()
    assert rows_of(model) == [before[2]]


def test_a_history_of_edits_undoes_back_to_the_file_and_redoes_to_the_end(make_model):
    model = make_model()
    phone = model.columns[model.column_of(Field.PHONE)]
    start = rows_of(model)
    stack = model.undo_stack
    stack.push(InsertRowsCommand(model, 4, [RowData("+447400123001", "Last", ("Z",))], "Add"))
    stack.push(RemoveRowsCommand(model, [0, 2]))
    stack.push(SetCellCommand(model, 0, phone, "not a number", "+447400123002"))
    end = rows_of(model)
    assert [row[3] for row in end] == ["3", "5", "new"]
    while stack.canUndo():
        stack.undo()
    assert rows_of(model) == start
    while stack.canRedo():
        stack.redo()
    assert rows_of(model) == end
