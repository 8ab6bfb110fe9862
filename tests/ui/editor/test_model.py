"""The editor's table model over a real batch: Qt's model tester, edits through the undo
stack, sort and filter by index permutation, insert and remove under a permutation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from app.domain.batch import Batch, RowData
from app.services.columns import Field
from app.services.jobs import run_to_end
from app.services.row_filter import RowFilter
from app.ui.editor.commands import RemoveRowsCommand
from app.ui.editor.model import FORCING_ROLE, BatchModel
from app.ui.widgets.jobs import ChunkedJob

ROWS = [
    RowData("+447400123456", "Hello Amelia", ("Amelia",)),
    RowData("not a number", "Hello Oliver", ("Oliver",)),
    RowData("+447400123458", "“Quoted” hello…", ("Isla",)),
    RowData("+447400123459", "", ("Harry",)),
]


@pytest.fixture
def model(context, qtbot) -> BatchModel:
    batch = Batch(context.batch_settings(context.settings), extra_columns=("name",))
    batch.insert_rows(0, ROWS)
    return BatchModel(batch, QUndoStack())


def run_job(qtbot, steps):
    job = ChunkedJob(steps)
    with qtbot.waitSignal(job.finished, timeout=10_000) as signal:
        job.start()
    return signal.args[0]


def cell(model: BatchModel, row: int, field: Field, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, model.column_of(field)).data(role)


def test_model_passes_qt_model_tester(model, qtmodeltester):
    qtmodeltester.check(model, force_py=True)
    model.sort(model.column_of(Field.PHONE), Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)


def test_model_tester_follows_edits_inserts_and_removals(model, qtmodeltester):
    qtmodeltester.check(model, force_py=True)
    model.setData(model.index(0, 0), "+447400999999")
    model.insert_batch_rows(1, [RowData("+447400123000", "new", ("N",))])
    model.undo_stack.push(RemoveRowsCommand(model, [0, 2]))
    assert model.rowCount() == 3
    model.undo_stack.undo()
    assert model.rowCount() == 5


def test_columns_show_the_computed_preview(model):
    assert model.columnCount() == 3 + 6
    assert model.headerData(2, Qt.Orientation.Horizontal) == "name"
    assert cell(model, 0, Field.COUNTRY) == "GB"
    assert cell(model, 0, Field.ENCODING) == "GSM-7"
    assert cell(model, 0, Field.LAST_SEGMENT) == f"{len('Hello Amelia')}/160"
    assert cell(model, 2, Field.ENCODING) == "UCS-2"
    assert cell(model, 1, Field.ISSUES) != ""
    assert model.batch.settings.prices.currency in cell(model, 0, Field.COST)


def test_forcing_characters_are_pointed_out(model):
    forcing = cell(model, 2, Field.MESSAGE, FORCING_ROLE)
    assert [f.char for f in forcing] == ["“", "”", "…"]
    tooltip = cell(model, 2, Field.MESSAGE, Qt.ItemDataRole.ToolTipRole)
    assert "Forces UCS-2" in tooltip and '“ → "' in tooltip
    assert cell(model, 0, Field.MESSAGE, FORCING_ROLE) == ()


def test_edit_recomputes_the_row_and_totals_and_undoes(model, qtbot):
    before = model.batch.totals
    index = model.index(1, model.column_of(Field.PHONE))
    with qtbot.waitSignal(model.totals_changed), qtbot.waitSignal(model.dataChanged) as changed:
        assert model.setData(index, "+447400123457")
    assert changed.args[0].row() == 1
    assert cell(model, 1, Field.COUNTRY) == "GB"
    assert model.batch.totals.errors == before.errors - 1
    model.undo_stack.undo()
    assert cell(model, 1, Field.PHONE) == "not a number"
    assert model.batch.totals == before
    model.undo_stack.redo()
    assert cell(model, 1, Field.PHONE) == "+447400123457"


def test_setting_the_same_value_is_not_an_edit(model):
    assert not model.setData(model.index(0, 0), "+447400123456")
    assert model.undo_stack.count() == 0


def test_computed_columns_are_read_only(model):
    computed = model.index(0, model.column_of(Field.SEGMENTS))
    assert not model.flags(computed) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(computed, "3")
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable


def test_sort_is_a_permutation_and_file_order_comes_back(model):
    model.sort(model.column_of(Field.PHONE), Qt.SortOrder.AscendingOrder)
    phones = [cell(model, r, Field.PHONE) for r in range(model.rowCount())]
    assert phones == sorted(r.phone for r in ROWS)
    assert model.batch.phone(0) == ROWS[0].phone  # the batch keeps the file's order
    model.sort(-1)
    assert [cell(model, r, Field.PHONE) for r in range(4)] == [r.phone for r in ROWS]
    # Back to the file's order of every row needs no list of rows (a million entries).
    assert run_to_end(model.sort_steps(-1, Qt.SortOrder.AscendingOrder)) is None


def test_filter_keeps_rows_with_errors_and_maps_rows(model, qtbot):
    rows = run_job(qtbot, model.filter_steps(RowFilter.ERRORS))
    model.apply_filter(RowFilter.ERRORS, rows)
    assert model.rowCount() == 2  # the bad number and the empty message
    assert [model.batch_row(v) for v in range(2)] == [1, 3]
    assert model.view_row(3) == 1 and model.view_row(0) == -1
    # Fixing a row keeps it on screen until the filter is applied again.
    model.setData(model.index(0, 0), "+447400123457")
    assert model.rowCount() == 2
    assert cell(model, 0, Field.ISSUES) == ""


def test_insert_and_remove_under_a_filter(model, qtbot):
    model.apply_filter(RowFilter.ERRORS, run_job(qtbot, model.filter_steps(RowFilter.ERRORS)))
    model.insert_batch_rows(2, [RowData("+447400123000", "inserted", ("New",))])
    assert model.rowCount() == 3
    assert [model.batch_row(v) for v in range(3)] == [1, 2, 4]
    assert cell(model, 1, Field.MESSAGE) == "inserted"
    removed = model.remove_batch_rows(1, 2)
    assert [r.message for r in removed] == ["Hello Oliver", "inserted"]
    assert [model.batch_row(v) for v in range(model.rowCount())] == [2]
    assert cell(model, 0, Field.MESSAGE) == ""


def test_removal_command_with_gaps_undoes_in_place(model):
    model.undo_stack.push(RemoveRowsCommand(model, [3, 0, 2]))
    assert [model.batch.phone(r) for r in range(len(model.batch))] == ["not a number"]
    model.undo_stack.undo()
    assert [model.batch.message(r) for r in range(4)] == [r.message for r in ROWS]


def test_every_edit_is_journalled(model, qtbot):
    ops = []
    model.edited.connect(ops.append)
    model.setData(model.index(0, model.column_of(Field.MESSAGE)), "Hi")
    model.setData(model.index(0, model.column_of(Field.EXTRA, 0)), "Amy")
    model.undo_stack.undo()
    assert ops == [["message", 0, "Hi"], ["extra", 0, 0, "Amy"], ["extra", 0, 0, "Amelia"]]


def test_an_edit_that_changes_thousands_of_scattered_rows_is_one_signal(context):
    """Every other row shares a number: editing one changes half the table, in 500 runs."""
    batch = Batch(context.batch_settings(context.settings), extra_columns=("name",))
    shared, other = "+447400123456", "+447400{:06d}"
    batch.insert_rows(
        0, [RowData(shared if n % 2 else other.format(n), "Hi", ("x",)) for n in range(1000)]
    )
    model = BatchModel(batch, QUndoStack())
    signals: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda first, last, roles=(): signals.append((first.row(), last.row()))
    )

    model.setData(model.index(1, model.column_of(Field.PHONE)), "+447400999999")

    assert signals == [(1, 999)]  # the edited row and every partner, in one range
    assert cell(model, 3, Field.ISSUES) == f"{shared} is also on 498 other rows."


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_sort_in_runs_and_merged_slices_equals_one_stable_sort(context, monkeypatch, order):
    from app.ui.editor import model as batch_model

    monkeypatch.setattr(batch_model, "_SORT_RUN", 3)  # many runs of three rows
    monkeypatch.setattr(batch_model, "_MERGE_SLICE", 2)
    batch = Batch(context.batch_settings(context.settings), extra_columns=("name",))
    texts = ["a" * (n * 37 % 400) for n in range(40)]  # 1 to 3 segments, many ties
    batch.insert_rows(
        0, [RowData(f"+4474001234{n:02d}", t, (str(n),)) for n, t in enumerate(texts)]
    )
    model = BatchModel(batch, QUndoStack())
    column = model.column_of(Field.SEGMENTS)

    model.sort(column, order)

    descending = order == Qt.SortOrder.DescendingOrder
    expected = sorted(range(40), key=lambda r: batch.analysis(r).segments, reverse=descending)
    assert [model.batch_row(v) for v in range(40)] == expected
