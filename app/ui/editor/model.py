"""The editor's table model: a thin Qt adapter over the domain :class:`Batch`.

The rows live in the batch; this model only maps view rows to batch rows (an index permutation
for sort and filter, so that a million rows never go through a proxy model), turns the batch's
change sets into one ``dataChanged`` per contiguous range, and is the one place where edits
reach the batch, so that every edit is undoable (``setData`` pushes a command) and journalled
for crash recovery (``edited`` carries the journal entry).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QUndoStack

from app.domain.batch import Batch, IssueSeverity, RowData, RowResult
from app.domain.sms import ForcingChar
from app.domain.wording import counted
from app.services import edits
from app.services.columns import (
    NUMERIC,
    Column,
    Field,
    cell_text,
    columns_for,
    edit_text,
    issues_text,
    sort_key,
    worst_severity,
)
from app.services.findings import ProviderFindings, with_rows
from app.services.jobs import Steps, row_slices, run_to_end
from app.services.row_filter import RowFilter
from app.ui.editor.commands import SetCellCommand
from app.ui.widgets import roles
from app.ui.widgets.jobs import free_in_slices

Index = QModelIndex | QPersistentModelIndex

#: The forcing characters of a message cell (a tuple of ``ForcingChar``), for the delegate.
FORCING_ROLE = roles.USER + 1
#: The batch row behind a view row.
BATCH_ROW_ROLE = roles.USER + 2
#: The roles a paint asks for, as their place in a cached cell (see ``BatchModel._cells``).
_CELL_SLOT = {roles.DISPLAY: 0, roles.BACKGROUND: 1, roles.ALIGNMENT: 2, FORCING_ROLE: 3}

# Translucent tints read well on light and dark palettes alike.
SEVERITY_TINT = {
    IssueSeverity.ERROR: QColor(220, 50, 47, 70),
    IssueSeverity.WARNING: QColor(230, 160, 0, 70),
}
UCS2_TINT = QColor(38, 139, 210, 45)

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _READ_ONLY | Qt.ItemFlag.ItemIsEditable
_RESULT_CACHE_ROWS = 256

#: A cell as a paint sees it: (text, background, alignment, forcing characters).
Cell = tuple[str, QColor | None, Qt.AlignmentFlag | None, tuple[ForcingChar, ...] | None]


#: More changed rows than this are announced as one range (each signal costs the view a pass
#: over its visible rows; a thousand of them froze the window).
_MAX_CHANGED_ROWS = 32


class SortedRows(NamedTuple):
    """What a sort job returns: the rows in view order, and each batch row's view row."""

    rows: list[int]
    places: list[int]


#: Rows sorted in one go, and merged in one slice, by a sort job: each well under 20 ms.
_SORT_RUN = 32_768
_MERGE_SLICE = 4_096
#: Rows placed in the view-row map per step: up to 500 ns a row when the order is shuffled.
_PLACE_SLICE = 16_384


class BatchModel(QAbstractTableModel):
    totals_changed = Signal()
    results_changed = Signal(object)  # set of batch rows whose result changed
    #: rows were inserted before batch row ``at`` (``delta`` > 0 of them) or removed from it
    #: (-``delta``): the batch rows after them moved
    rows_moved = Signal(int, int)
    edited = Signal(object)  # a journal entry (see app.store.autosave)

    def __init__(
        self,
        batch: Batch,
        undo_stack: QUndoStack,
        parent: Any = None,
        findings: ProviderFindings | None = None,
    ) -> None:
        """``findings``: the provider's, shown and counted with the rows' own issues."""
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.findings = findings if findings is not None else ProviderFindings()
        self.findings.changed.connect(self._findings_changed)
        self.read_only = False
        self._batch = batch
        self._columns = columns_for(batch.extra_columns)
        self._count = len(batch)  # rows shown in file order (the loader appends behind it)
        self._order: list[int] | None = None  # view row -> batch row; None: identity
        self._inverse: list[int] | None = None  # batch row -> view row (-1: hidden)
        self.row_filter = RowFilter.ALL
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        # Results and painted cells of the rows on screen: a paint asks for every cell and
        # role of a row, and building a result is what costs. Cleared whenever the batch
        # changes (``_forget``).
        self._results: dict[int, RowResult] = {}
        self._cells: dict[int, list[Cell]] = {}

    # -- the document ---------------------------------------------------------------------
    @property
    def batch(self) -> Batch:
        return self._batch

    @property
    def columns(self) -> Sequence[Column]:
        return self._columns

    def set_batch(self, batch: Batch) -> None:
        self.beginResetModel()
        self._forget()
        self._batch = batch
        self._count = len(batch)
        self._columns = columns_for(batch.extra_columns)
        self._set_order(None)
        self.row_filter = RowFilter.ALL
        self.sort_column = -1
        self.endResetModel()
        self.totals_changed.emit()

    def refresh_all(self) -> None:
        """Every row's results changed (new settings): repaint them and the totals."""
        self._forget()
        if self.rowCount() and self.columnCount():
            last = self.index(self.rowCount() - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        self.totals_changed.emit()

    def column_of(self, field: Field, extra: int = -1) -> int:
        return next(i for i, c in enumerate(self._columns) if c.field is field and c.extra == extra)

    # -- view rows and batch rows -------------------------------------------------------------
    def batch_row(self, view_row: int) -> int:
        return view_row if self._order is None else self._order[view_row]

    def view_row(self, batch_row: int) -> int:
        """The view row showing ``batch_row``, or -1 when the filter hides it."""
        if self._order is None:
            return batch_row if 0 <= batch_row < self._count else -1
        if self._inverse is None:  # a filter's or an edit's order: built here, in one go
            self._inverse = run_to_end(_places_steps(self._order, len(self._batch), 0, 0))
        return self._inverse[batch_row] if 0 <= batch_row < len(self._inverse) else -1

    def _set_order(self, order: list[int] | None, places: list[int] | None = None) -> None:
        """Show ``order`` (view row -> batch row; None: all rows in file order); ``places``
        is its inverse when a job has built it already."""
        kept = (id(order), id(places))
        free_in_slices(*(old for old in (self._order, self._inverse) if id(old) not in kept))
        self._order = order
        self._inverse = places

    def result(self, row: int) -> RowResult:
        """The batch's result for ``row``, cached while the batch does not change."""
        cached = self._results.get(row)
        if cached is None:
            if len(self._results) >= _RESULT_CACHE_ROWS:
                self._results.clear()
            cached = self._results[row] = self._batch.result(row)
        return cached

    def _row_cells(self, row: int) -> list[Cell]:
        """What a paint shows of batch row ``row``: one :data:`Cell` per column."""
        cached = self._cells.get(row)
        if cached is None:
            if len(self._cells) >= _RESULT_CACHE_ROWS:
                self._cells.clear()
            cached = self._cells[row] = [self._cell(row, column) for column in self._columns]
        return cached

    def _cell(self, row: int, column: Column) -> Cell:
        forcing = self.result(row).analysis.forcing if column.field is Field.MESSAGE else None
        if column.field is Field.ISSUES:
            text = issues_text(self.result(row), self.findings.of(row), self.findings.source)
        else:
            text = cell_text(self._batch, row, column, self.result)
        return (
            text,
            self._background(row, column),
            _RIGHT if column.field in NUMERIC else None,
            forcing,
        )

    def _forget(self) -> None:
        self._results.clear()
        self._cells.clear()

    # -- Qt's model interface ------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid():
            return 0
        return self._count if self._order is None else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = roles.DISPLAY) -> Any:
        slot = _CELL_SLOT.get(role)
        if slot is not None:
            return self._row_cells(self.batch_row(index.row()))[index.column()][slot]
        if role == roles.EDIT:
            column = self._columns[index.column()]
            row = self.batch_row(index.row())
            if column.editable:
                return edit_text(self._batch, row, column)
            return cell_text(self._batch, row, column, self.result)
        if role == roles.TOOLTIP:
            return self._tooltip(self.batch_row(index.row()), self._columns[index.column()])
        if role == BATCH_ROW_ROLE:
            return self.batch_row(index.row())
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = roles.DISPLAY
    ) -> Any:
        if orientation == roles.VERTICAL:
            # The row's line in the file: the number the problems panel, the issue texts, the
            # provider's answers and ``campaign-desk preview`` give it, and that stays with it
            # when rows are sorted, added or removed.
            if role != roles.DISPLAY:
                return None
            line = self._batch.line(self.batch_row(section))
            return str(line) if line else "new"
        if role == roles.DISPLAY:
            return self._columns[section].title
        if role == roles.TOOLTIP:
            return self._columns[section].tip or None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._columns[index.column()].editable and not self.read_only:
            return _EDITABLE
        return _READ_ONLY

    def setData(self, index: Index, value: Any, role: int = roles.EDIT) -> bool:
        column = self._columns[index.column()] if index.isValid() else None
        if role != roles.EDIT or column is None or not column.editable:
            return False
        if self.read_only:
            return False
        row = self.batch_row(index.row())
        old = edit_text(self._batch, row, column)
        new = str(value)
        if new == old:
            return False
        self.undo_stack.push(SetCellCommand(self, row, column, old, new))
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the visible rows by ``column`` (an index permutation; the file keeps its order).

        ``column`` -1 goes back to the file's order. The window sorts big batches with
        :meth:`sort_steps` instead, so that reading a million keys never freezes it.
        """
        self.apply_sort(column, order, run_to_end(self.sort_steps(column, order)))

    def sort_steps(self, column: int, order: Qt.SortOrder) -> Steps:
        """The visible rows sorted by ``column``, as a chunked job returning a
        :class:`SortedRows`; None for every row in file order, which needs no order."""
        if column < 0 and self.row_filter is RowFilter.ALL:
            return None
        rows = yield from self._visible_rows_steps()
        return (yield from self._ordered_steps(rows, column, order))

    def _ordered_steps(self, rows: list[int], column: int, order: Qt.SortOrder) -> Steps:
        """``rows`` (in file order) in the order of ``column`` (-1: as they are), with the
        view-row map, as a chunked job returning a :class:`SortedRows`.

        One ``sorted()`` of a million keys holds the loop for a third of a second, so the rows
        are sorted in runs of :data:`_SORT_RUN` and the runs merged a slice at a time (both
        stable, as one sort would be).
        """
        count = len(rows)
        total = 4 * count  # reading keys, sorting runs, merging, placing: a quarter each
        if column < 0:
            places = yield from _places_steps(rows, len(self._batch), 3 * count, total)
            return SortedRows(rows, places)
        found = self.findings.flags if self.findings else None
        key = sort_key(self._batch, self._columns[column], found)
        keys: list[object] = []
        for part in row_slices(count):
            keys.extend(map(key, rows[part.start : part.stop]))
            yield part.start, total
        reverse = order == Qt.SortOrder.DescendingOrder
        runs: list[list[int]] = []
        for start in range(0, count, _SORT_RUN):
            run = range(start, min(start + _SORT_RUN, count))
            runs.append(sorted(run, key=keys.__getitem__, reverse=reverse))
            yield count + start, total
        merged = heapq.merge(*runs, key=keys.__getitem__, reverse=reverse)
        ordered: list[int] = []
        while piece := list(islice(merged, _MERGE_SLICE)):
            ordered.extend([rows[i] for i in piece])
            yield 2 * count + len(ordered), total
        places = yield from _places_steps(ordered, len(self._batch), 3 * count, total)
        return SortedRows(ordered, places)

    def apply_sort(self, column: int, order: Qt.SortOrder, rows: SortedRows | None) -> None:
        """Show the rows of a sort job (:meth:`sort_steps`).

        The same rows in another order: a layout change, which keeps the current cell and
        the selection on their rows (a reset would drop them, and re-create a million row
        headers).
        """
        self.sort_column, self.sort_order = column, order
        if rows is None:
            assert column < 0 and self.row_filter is RowFilter.ALL
            rows = SortedRows([], [])  # every row in file order: ``_show`` needs no list
        elif len(rows.rows) != self.rowCount():  # rows came or went while it sorted
            self._reset_order(rows.rows, rows.places)
            return
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()
        batch_rows = [self.batch_row(index.row()) for index in kept]
        self._show(rows.rows, rows.places)
        moved = [
            self.index(self.view_row(row), index.column())
            for index, row in zip(kept, batch_rows, strict=True)
        ]
        self.changePersistentIndexList(kept, moved)
        self.layoutChanged.emit()

    # -- filtering ---------------------------------------------------------------------------
    def filter_steps(self, row_filter: RowFilter, kept: Steps | None = None) -> Steps:
        """The rows ``row_filter`` keeps, in the current sort order, as a chunked job
        returning a :class:`SortedRows`. ``kept``: a job that finds the rows (in file order)
        faster than a look at each row (the error panel's)."""
        rows = yield from (kept if kept is not None else self._kept_steps(row_filter))
        rows = with_rows(rows, self.findings.kept_by(row_filter))
        return (yield from self._ordered_steps(rows, self.sort_column, self.sort_order))

    def _kept_steps(self, row_filter: RowFilter) -> Steps:
        if row_filter is RowFilter.ALL:
            return (yield from self._file_order_steps())
        accepts = row_filter.accepts(self._batch)
        total = len(self._batch)
        rows: list[int] = []
        for part in row_slices(total):
            rows.extend(filter(accepts, part))
            yield part.stop, total
        return rows

    def apply_filter(self, row_filter: RowFilter, rows: SortedRows | None = None) -> None:
        """Show the rows of a filter job (:meth:`filter_steps`). None: every row, which
        needs no job while the view is in file order."""
        self.row_filter = row_filter
        if rows is None:
            assert row_filter is RowFilter.ALL and self.sort_column < 0
            rows = SortedRows([], [])
        self._reset_order(rows.rows, rows.places)

    def _visible_rows_steps(self) -> Steps:
        """The rows the filter keeps, in file order (a list of a million takes 40 ms)."""
        if self.row_filter is not RowFilter.ALL and self._order is not None:
            return sorted(self._order)  # a filtered subset: small
        return (yield from self._file_order_steps())

    def _file_order_steps(self) -> Steps:
        """Every row, in file order."""
        rows: list[int] = []
        for start in range(0, self._count, _SORT_RUN):
            rows.extend(range(start, min(start + _SORT_RUN, self._count)))
            yield 0, self._count
        return rows

    def _reset_order(self, rows: list[int], places: list[int] | None = None) -> None:
        self.beginResetModel()
        self._show(rows, places)
        self.endResetModel()

    def _show(self, rows: list[int], places: list[int] | None) -> None:
        """Show ``rows`` in this order (file order without a filter needs no permutation)."""
        if self.row_filter is RowFilter.ALL and self.sort_column < 0:
            self._set_order(None)
        else:
            self._set_order(rows, places)

    # -- edits (called by the undo commands, never directly by widgets) -----------------------
    def write_cell(self, row: int, column: Column, value: str) -> None:
        if column.field is Field.PHONE:
            changed = self._batch.set_phone(row, value)
            self.edited.emit(edits.set_phone_op(row, value))
        elif column.field is Field.MESSAGE:
            changed = self._batch.set_message(row, value)
            self.edited.emit(edits.set_message_op(row, value))
        else:
            self._batch.set_extra(row, column.extra, value)
            self.edited.emit(edits.set_extra_op(row, column.extra, value))
            changed = set()
        changed.add(row)
        self._rows_changed(changed)

    def write_messages(self, changes: Iterable[tuple[int, str]]) -> None:
        """Set many messages at once: one change signal, one totals update."""
        changed: set[int] = set()
        for row, value in changes:
            changed |= self._batch.set_message(row, value)
            changed.add(row)
            self.edited.emit(edits.set_message_op(row, value))
        self._rows_changed(changed)

    def insert_batch_rows(self, row: int, rows: Sequence[RowData]) -> None:
        """Insert ``rows`` before batch row ``row``; they show even under a filter."""
        count = len(rows)
        view = self._insert_position(row)
        self.beginInsertRows(QModelIndex(), view, view + count - 1)
        changed = self._batch.insert_rows(row, rows)
        self._forget()
        self._count += count
        if self._order is not None:
            shifted = [r + count if r >= row else r for r in self._order]
            shifted[view:view] = range(row, row + count)
            self._set_order(shifted)
        self.endInsertRows()
        self.edited.emit(edits.insert_op(row, rows))
        self.rows_moved.emit(row, count)
        self._rows_changed(changed | set(range(row, row + count)))

    def remove_batch_rows(self, row: int, count: int) -> list[RowData]:
        """Remove ``count`` batch rows from ``row``; return them for an undo."""
        end = row + count
        if self._order is None:
            self.beginRemoveRows(QModelIndex(), row, end - 1)
            removed = self._batch.remove_rows(row, count)
            self._forget()
            self._count -= count
            self.endRemoveRows()
        else:
            removed = self._remove_permuted(row, count)
        self.edited.emit(edits.remove_op(row, count))
        self.rows_moved.emit(row, -len(removed))
        # Rows whose duplicate partner went changed too (the batch says which).
        self._rows_changed(set(self._batch.last_removal_changed))
        return removed

    def _remove_permuted(self, row: int, count: int) -> list[RowData]:
        """Take the removed rows out of the view in contiguous runs, last first."""
        assert self._order is not None
        end = row + count
        views = sorted((v for v in map(self.view_row, range(row, end)) if v >= 0), reverse=True)
        for first, last in _runs_descending(views):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._order[first : last + 1]
            self.endRemoveRows()
        removed = self._batch.remove_rows(row, count)
        self._forget()
        self._count -= count
        self._set_order([r - count if r >= end else r for r in self._order])
        return removed

    def _insert_position(self, row: int) -> int:
        """Where new rows inserted before batch row ``row`` go in the view."""
        if self._order is None:
            return row
        before = self.view_row(row) if row < len(self._batch) else -1
        if before >= 0:
            return before
        after = self.view_row(row - 1) if row > 0 else -1
        return after + 1 if after >= 0 else len(self._order)

    def _rows_changed(self, rows: set[int]) -> None:
        """The batch's results of ``rows`` changed: repaint them and the totals, and say so."""
        self._repaint(rows)
        if rows:
            self.results_changed.emit(rows)

    def _findings_changed(self, rows: set[int]) -> None:
        self._repaint(rows)

    def _repaint(self, rows: set[int]) -> None:
        """One ``dataChanged`` per contiguous run of view rows, then the totals."""
        self._forget()
        last_column = len(self._columns) - 1
        # Many rows (a number shared by thousands of scattered rows): one signal, with no sort
        # of them first; the view repaints only what it shows.
        if self._order is None and len(rows) > _MAX_CHANGED_ROWS:
            first, last = min(rows), min(max(rows), self._count - 1)  # not yet shown: loading
            runs = [(first, last)] if first <= last else []
        else:
            if self._order is None:
                views = [row for row in rows if row < self._count]
            else:
                views = [v for v in map(self.view_row, rows) if v >= 0]
            if len(views) > _MAX_CHANGED_ROWS:
                runs = [(min(views), max(views))]
            else:
                runs = _runs_ascending(sorted(views))
        for first, last in runs:
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))
        self.totals_changed.emit()

    # -- loading -----------------------------------------------------------------------------
    def sync_appended(self) -> bool:
        """Show the rows the loader appended to the batch since the last call (file order);
        whether there were any."""
        total = len(self._batch)
        if total <= self._count:
            return False
        self._forget()  # new rows can make shown ones duplicates
        self.beginInsertRows(QModelIndex(), self._count, total - 1)
        self._count = total
        self.endInsertRows()
        self.totals_changed.emit()
        return True

    # -- presentation ------------------------------------------------------------------------
    def _background(self, row: int, column: Column) -> QColor | None:
        field = column.field
        if field is Field.ISSUES:
            severity = worst_severity(self.result(row), self.findings.of(row))
            return None if severity is None else SEVERITY_TINT[severity]
        if field is Field.PHONE or field is Field.MESSAGE:
            issues = self.result(row).issues
            severities = [i.severity for i in issues if i.column == field.value]
            severities += [
                IssueSeverity(e.severity) for e in self.findings.of(row) if e.column == field.value
            ]
            if severities:
                worst = min(severities, key=lambda s: s is not IssueSeverity.ERROR)
                return SEVERITY_TINT[worst]
        if field is Field.ENCODING and self.result(row).analysis.encoding == "UCS-2":
            return UCS2_TINT
        return None

    def _tooltip(self, row: int, column: Column) -> str | None:
        result = self.result(row)
        field = column.field
        found = self.findings.of(row)
        source = self.findings.source
        if field is Field.ENCODING:
            return message_tooltip(self._batch, row)
        if field is Field.MESSAGE:
            lines = [message_tooltip(self._batch, row)]
            lines += [f"{source}: {e.message}" for e in found if e.column == "message"]
            return "\n".join(lines)
        if field is Field.PHONE:
            lines = [f"Sent to {result.e164}" if result.e164 else "Not a usable number"]
            lines += [i.message for i in result.issues if i.column == "phone"]
            lines += [f"{source}: {e.message}" for e in found if e.column == "phone"]
            return "\n".join(lines)
        if field is Field.ISSUES:
            lines = [f"{i.severity.value.capitalize()}: {i.message}" for i in result.issues]
            lines += [f"{e.severity.capitalize()} ({source}): {e.message}" for e in found]
            return "\n".join(lines)
        return None


def message_tooltip(batch: Batch, row: int) -> str:
    analysis = batch.result(row).analysis
    units, parts = counted(analysis.units, "unit"), counted(analysis.segments, "part")
    lines = [f"{analysis.encoding}, {units}, {parts}"]
    if analysis.forcing:
        shown = []
        for forcing in analysis.forcing[:8]:
            if forcing.replacement is None:
                shown.append(f"{forcing.char} (no GSM look-alike)")
            else:
                shown.append(f"{forcing.char} → {forcing.replacement or '(removed)'}")
        more = len(analysis.forcing) - len(shown)
        lines.append("Forces UCS-2: " + ", ".join(shown) + (f" and {more} more" if more else ""))
        if any(f.replacement is not None for f in analysis.forcing):
            lines.append("Right-click › Use GSM characters to fix it.")
    return "\n".join(lines)


def _places_steps(rows: list[int], size: int, done: int, total: int) -> Steps:
    """Each of ``size`` batch rows' place in ``rows`` (-1: not there), a slice per step: in a
    sorted order each write lands far from the last, and a million of them take half a
    second. Even the list of -1s is made in steps: a million in one go took 15 ms."""
    places: list[int] = []
    for start in range(0, size, _SORT_RUN):
        places += [-1] * min(_SORT_RUN, size - start)
        yield done, total
    for start in range(0, len(rows), _PLACE_SLICE):
        piece = rows[start : start + _PLACE_SLICE]
        deque(map(places.__setitem__, piece, range(start, start + len(piece))), maxlen=0)
        yield done + start, total
    return places


def _runs_ascending(rows: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        elif not runs or runs[-1][1] != row:
            runs.append((row, row))
    return runs


def _runs_descending(rows: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of ``rows`` (sorted descending), last run first."""
    return [(a, b) for a, b in reversed(_runs_ascending(sorted(rows)))]
