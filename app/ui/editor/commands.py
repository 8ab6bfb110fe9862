"""Undoable edits of the batch. Each command holds batch row numbers, which stay right because
the undo stack replays commands strictly in order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from app.domain.batch import Batch, RowData
from app.domain.wording import counted, on_line
from app.services.columns import Column


class EditableRows(Protocol):
    """What the commands edit: the editor's model (a protocol, so that the model can import
    the commands it pushes without the two importing each other)."""

    @property
    def batch(self) -> Batch: ...
    def write_cell(self, row: int, column: Column, value: str) -> None: ...
    def write_messages(self, changes: Iterable[tuple[int, str]]) -> None: ...
    def insert_batch_rows(self, row: int, rows: Sequence[RowData]) -> None: ...
    def remove_batch_rows(self, row: int, count: int) -> list[RowData]: ...


class SetCellCommand(QUndoCommand):
    def __init__(self, model: EditableRows, row: int, column: Column, old: str, new: str) -> None:
        super().__init__(f"Edit {column.title.lower()} {on_line(model.batch.line(row))}")
        self._model, self._row, self._column = model, row, column
        self._old, self._new = old, new

    def redo(self) -> None:
        self._model.write_cell(self._row, self._column, self._new)

    def undo(self) -> None:
        self._model.write_cell(self._row, self._column, self._old)


class SetMessagesCommand(QUndoCommand):
    """Replace several messages at once (the "use GSM characters" fix)."""

    def __init__(
        self, model: EditableRows, changes: Sequence[tuple[int, str, str]], text: str
    ) -> None:
        super().__init__(text)
        self._model = model
        self._changes = changes  # (row, old, new)

    def redo(self) -> None:
        self._model.write_messages((row, new) for row, _, new in self._changes)

    def undo(self) -> None:
        self._model.write_messages((row, old) for row, old, _ in self._changes)


class InsertRowsCommand(QUndoCommand):
    def __init__(self, model: EditableRows, row: int, rows: Sequence[RowData], text: str) -> None:
        super().__init__(text)
        self._model, self._row, self._rows = model, row, rows

    def redo(self) -> None:
        self._model.insert_batch_rows(self._row, self._rows)

    def undo(self) -> None:
        self._model.remove_batch_rows(self._row, len(self._rows))


class RemoveRowsCommand(QUndoCommand):
    """Remove batch rows (any order, gaps allowed); keeps them so that undo puts them back.

    Contiguous runs are removed highest first, so the row numbers of the runs still to remove
    stay right, and put back lowest first.
    """

    def __init__(self, model: EditableRows, rows: Sequence[int]) -> None:
        super().__init__(f"Delete {counted(len(set(rows)), 'row')}")
        self._model = model
        self._runs = _runs(sorted(set(rows), reverse=True))
        self._removed: list[list[RowData]] = []

    def redo(self) -> None:
        self._removed = [
            self._model.remove_batch_rows(first, last - first + 1) for first, last in self._runs
        ]

    def undo(self) -> None:
        for (first, _), rows in zip(reversed(self._runs), reversed(self._removed), strict=True):
            self._model.insert_batch_rows(first, rows)


def _runs(rows_descending: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs (first, last) of rows given in descending order, highest run first."""
    runs: list[tuple[int, int]] = []
    for row in rows_descending:
        if runs and runs[-1][0] == row + 1:
            runs[-1] = (row, runs[-1][1])
        else:
            runs.append((row, row))
    return runs
