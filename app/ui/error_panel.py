"""The error panel: local row issues and provider validate-only results in one list.

Entries are kept sorted by batch row, so that an edit replaces only that row's entries (a
bisect and a slice), and the list follows the operator's fixes live. A provider's verdict on a
row is dropped as soon as the row changes: it was about the old content.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import compress, groupby
from operator import attrgetter, countOf
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.batch import Batch
from app.providers.issues import ProviderIssue
from app.ui import roles
from app.ui.chunked import Steps, free_in_slices, run_to_end
from app.ui.icons import app_icon
from app.ui.wording import counted

Index = QModelIndex | QPersistentModelIndex

_SCAN_STRIDE = 256


class Source(StrEnum):
    LOCAL = "Local"
    PROVIDER = "Provider"


@dataclass(frozen=True, slots=True)
class PanelEntry:
    row: int  # batch row; -1 for a problem with the whole file
    line: int  # line in the file; 0 for a row that was not in it
    severity: str  # "error" or "warning"
    source: Source
    column: str | None
    code: str
    message: str


HEADERS = ("Severity", "Source", "Line", "Column", "Code", "Message")


def local_entries(batch: Batch, row: int) -> list[PanelEntry]:
    issues = batch.result(row).issues
    if not issues:
        return []
    line = batch.line(row)
    return [
        PanelEntry(row, line, i.severity.value, Source.LOCAL, i.column, i.code.value, i.message)
        for i in issues
    ]


def provider_entries(issues: Iterable[ProviderIssue]) -> list[PanelEntry]:
    return [
        PanelEntry(
            -1 if i.row is None else i.row,
            i.line or 0,
            i.severity.value,
            Source.PROVIDER,
            i.column,
            i.code,
            i.message,
        )
        for i in issues
    ]


#: More edited rows than this at once: rebuild the shown list with one reset instead of a
#: remove and an insert per row (each costs the view a pass over its rows).
_RESET_ABOVE_ROWS = 32

#: Edited rows up to this many are spliced into the panel's lists one by one (40 µs each at
#: 180,000 entries: the tail moves); more are rebuilt in one pass (10 ms, and 8 µs a row).
_SPLICE_ROWS = 256
#: Entries a look for the rows with issues takes per step.
_ROWS_SLICE = 32_768
#: Edited rows a rebuild takes per step.
_REBUILD_STRIDE = 32

#: Fewer provider entries than this fraction of the local ones are sliced into place; more
#: are merged by a sort (which looks at every entry, in C).
_SPLICE_RATIO = 64

# The panel holds up to a million entries, on the UI thread. Whole-list work loops in C
# (itertools, operator, list slices): a Python call per entry froze the window for a quarter
# of a second at that size. What the scan finds is gathered as it goes (an EntryRun), so the
# panel takes it with no pass over the entries at all.
_row = attrgetter("row")
_severity = attrgetter("severity")


class EntryRun:
    """Entries in row order, with their rows (for bisecting) and their count of errors."""

    __slots__ = ("entries", "errors", "rows")

    def __init__(self) -> None:
        self.entries: list[PanelEntry] = []
        self.rows: list[int] = []
        self.errors = 0

    @classmethod
    def of(cls, entries: Iterable[PanelEntry]) -> EntryRun:
        run = cls()
        run.entries = sorted(entries, key=_row)
        run.rows = list(map(_row, run.entries))
        run.errors = _errors(run.entries)
        return run

    def __len__(self) -> int:
        return len(self.entries)

    def copy(self) -> EntryRun:
        run = EntryRun()
        run.entries, run.rows, run.errors = list(self.entries), list(self.rows), self.errors
        return run

    def add(self, row: int, entries: list[PanelEntry]) -> None:
        """Append ``row``'s entries (rows are added in order)."""
        self.entries += entries
        self.rows += [row] * len(entries)
        self.errors += _errors(entries)

    def replace_rows(self, entries_of: Mapping[int, list[PanelEntry]]) -> None:
        """Make ``entries_of[row]`` the entries of each of its rows.

        A few rows are spliced in place; more are rebuilt (:meth:`replaced_steps`), since each
        splice moves the tail of a list that can hold a million entries.
        """
        if len(entries_of) > _SPLICE_ROWS:
            rebuilt: EntryRun = run_to_end(self.replaced_steps(entries_of))
            self.entries, self.rows, self.errors = rebuilt.entries, rebuilt.rows, rebuilt.errors
            return
        for row in sorted(entries_of):
            lo, hi = bisect_left(self.rows, row), bisect_right(self.rows, row)
            new = entries_of[row]
            self.errors += _errors(new) - _errors(self.entries[lo:hi])
            self.entries[lo:hi] = new
            self.rows[lo:hi] = [row] * len(new)

    def replaced_steps(self, entries_of: Mapping[int, list[PanelEntry]]) -> Steps:
        """A copy of this run with ``entries_of`` in place of their rows' entries, built from
        slices a few rows per step, as a chunked job; this run stays as it is."""
        run = EntryRun()
        run.errors = self.errors
        start = 0
        rows = sorted(entries_of)
        for done, row in enumerate(rows, 1):
            lo = bisect_left(self.rows, row, start)
            hi = bisect_right(self.rows, row, lo)
            new = entries_of[row]
            run.errors += _errors(new) - _errors(self.entries[lo:hi])
            run.entries += self.entries[start:lo]
            run.entries += new
            run.rows += self.rows[start:lo]
            run.rows += [row] * len(new)
            start = hi
            if done % _REBUILD_STRIDE == 0:
                yield done, len(rows)
        run.entries += self.entries[start:]
        run.rows += self.rows[start:]
        return run


class RowsUpdate(NamedTuple):
    """New entries of edited rows (see :meth:`IssueListModel.rows_steps`)."""

    entries_of: dict[int, list[PanelEntry]]
    source: EntryRun  # the local run when the job started
    local: EntryRun | None  # ``source`` with the rows replaced; None: splice them in


def _merged(local: EntryRun, provider: EntryRun) -> EntryRun:
    """One run of both; the local entries of a row come first. Without provider entries it
    is ``local`` itself, so that an edit updates one run, not two copies of it."""
    if not provider:
        return local
    if not local:
        return provider.copy()
    run = EntryRun()
    run.errors = local.errors + provider.errors
    if len(provider) * _SPLICE_RATIO < len(local):
        # A few provider entries: slice them in where they belong (a bisect each); the
        # local entries are only copied.
        start = 0
        for row, group in groupby(provider.entries, _row):
            at = bisect_right(local.rows, row, start)
            placed = list(group)
            run.entries += local.entries[start:at]
            run.entries += placed
            run.rows += local.rows[start:at]
            run.rows += [row] * len(placed)
            start = at
        run.entries += local.entries[start:]
        run.rows += local.rows[start:]
        return run
    run.entries = local.entries + provider.entries
    run.entries.sort(key=_row)  # stable, and a linear merge of the two runs
    run.rows = list(map(_row, run.entries))
    return run


class IssueListModel(QAbstractTableModel):
    changed = Signal()  # entries were replaced (the counts changed)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._local = EntryRun()
        self._provider = EntryRun()
        self._all = EntryRun()  # both, merged
        self._shown: list[PanelEntry] = []
        self._shown_rows: list[int] = []
        self.severity: str | None = None  # None: every severity
        self.source: Source | None = None  # None: every source

    # -- Qt's model interface ------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = roles.DISPLAY) -> Any:
        if role == roles.DISPLAY:
            return _cell(self._shown[index.row()], index.column())
        if role == roles.TOOLTIP and index.column() == len(HEADERS) - 1:
            return self._shown[index.row()].message
        if role == roles.DECORATION and index.column() == 0:
            return _severity_icon(self._shown[index.row()].severity)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = roles.DISPLAY
    ) -> Any:
        if orientation == roles.HORIZONTAL and role == roles.DISPLAY:
            return HEADERS[section]
        return None

    def entry(self, row: int) -> PanelEntry:
        return self._shown[row]

    @property
    def entries(self) -> Sequence[PanelEntry]:
        """Every entry, shown or filtered out."""
        return self._all.entries

    # -- filling ---------------------------------------------------------------------------
    @staticmethod
    def scan_steps(batch: Batch) -> Steps:
        """Every local issue of ``batch``, as a chunked job returning an :class:`EntryRun`."""
        found = EntryRun()
        total = len(batch)
        flags = batch.issue_flags
        for start in range(0, total, _SCAN_STRIDE):
            end = min(start + _SCAN_STRIDE, total)
            for row in range(start, end):
                if any(flags(row)):  # cheap; only rows with issues have them spelled out
                    found.add(row, local_entries(batch, row))
            yield end, total
        return found

    def set_local(self, found: EntryRun, *, drop_provider: bool = False) -> None:
        """Take the local entries of a scan (the panel owns ``found`` from now on); provider
        entries are kept, unless ``drop_provider`` (the rows they name have moved)."""
        self._retire_runs()
        self._local = found
        if drop_provider:
            self._provider = EntryRun()
        self._replace_all()

    def set_provider(self, entries: Iterable[PanelEntry]) -> None:
        """Replace the provider entries (after a validate-only run)."""
        self._retire_runs()
        self._provider = EntryRun.of(entries)
        self._replace_all()

    def clear(self) -> None:
        self._retire_runs()
        self._local, self._provider = EntryRun(), EntryRun()
        self._replace_all()

    def set_filters(self, severity: str | None, source: Source | None) -> None:
        self.severity, self.source = severity, source
        self._reset_shown()
        self.changed.emit()

    def update_rows(self, batch: Batch, rows: Iterable[int]) -> None:
        """Rows were edited: their entries become their new local issues."""
        self.apply_rows(run_to_end(self.rows_steps(batch, rows)))

    def rows_steps(self, batch: Batch, rows: Iterable[int]) -> Steps:
        """The new entries of many edited rows, and the local run rebuilt with them, as a
        chunked job returning a :class:`RowsUpdate` for :meth:`apply_rows` (a duplicated
        number changes every row that shares it)."""
        rows = sorted(rows)
        entries: dict[int, list[PanelEntry]] = {}
        for start in range(0, len(rows), _SCAN_STRIDE // 8):
            for row in rows[start : start + _SCAN_STRIDE // 8]:
                entries[row] = local_entries(batch, row)
            yield start, len(rows)
        source, local = self._local, None
        if len(rows) > _SPLICE_ROWS:
            local = yield from source.replaced_steps(entries)
        return RowsUpdate(entries, source, local)

    def apply_rows(self, update: RowsUpdate) -> None:
        """Replace the entries of the update's rows (local ones; provider ones were stale)."""
        entries_of = update.entries_of
        all_is_local = self._all is self._local
        if update.local is not None and update.source is self._local:
            self._local = update.local  # rebuilt by the job from the run that is still here
        else:
            self._local.replace_rows(entries_of)
        if self._provider:
            self._provider.replace_rows({row: [] for row in entries_of})
        if all_is_local:
            self._all = self._local
        else:
            self._all.replace_rows(entries_of)
        if len(entries_of) > _RESET_ABOVE_ROWS:
            self._reset_shown()
        else:
            for row in sorted(entries_of):
                self._replace_shown_row(row, [e for e in entries_of[row] if self._shows(e)])
        self.changed.emit()

    def _replace_shown_row(self, row: int, entries: list[PanelEntry]) -> None:
        lo, hi = bisect_left(self._shown_rows, row), bisect_right(self._shown_rows, row)
        if hi > lo:
            self.beginRemoveRows(QModelIndex(), lo, hi - 1)
            del self._shown[lo:hi]
            del self._shown_rows[lo:hi]
            self.endRemoveRows()
        if entries:
            self.beginInsertRows(QModelIndex(), lo, lo + len(entries) - 1)
            self._shown[lo:lo] = entries
            self._shown_rows[lo:lo] = [row] * len(entries)
            self.endInsertRows()

    def _retire_runs(self) -> None:
        """Free the entries about to be replaced a slice per turn of the event loop.

        Freeing a scan's 180,000 entries takes about 20 ms; done with the swap that replaces
        them, or in the turn before a paint, the two added up to 43-52 ms. The copies become
        the entries' last holders once the runs are replaced (a job that still holds a run
        keeps its entries alive, untouched).
        """
        # Each run once (the merged run is the local one while there are no provider entries).
        runs = {id(run): run for run in (self._local, self._provider, self._all) if run.entries}
        copies = [list(items) for run in runs.values() for items in (run.entries, run.rows)]
        free_in_slices(*copies)

    def _replace_all(self) -> None:
        self._all = _merged(self._local, self._provider)
        self._reset_shown()
        self.changed.emit()

    def _reset_shown(self) -> None:
        self.beginResetModel()
        run = {None: self._all, Source.LOCAL: self._local, Source.PROVIDER: self._provider}[
            self.source
        ]
        if self.severity is None:
            self._shown, self._shown_rows = list(run.entries), list(run.rows)
        else:
            self._shown = list(compress(run.entries, _mask(run.entries, self.severity)))
            self._shown_rows = list(map(_row, self._shown))
        self.endResetModel()

    def _shows(self, entry: PanelEntry) -> bool:
        return (self.severity is None or entry.severity == self.severity) and (
            self.source is None or entry.source is self.source
        )

    def local_rows_steps(self, severity: str | None) -> Steps:
        """The batch rows with a local issue (of ``severity``; None: of any), in order, as a
        chunked job (a pass over 180,000 entries takes 30 ms)."""
        local = self._local
        rows: list[int] = []
        for start in range(0, len(local), _ROWS_SLICE):
            end = start + _ROWS_SLICE
            found: Iterable[int] = local.rows[start:end]
            if severity is not None:
                found = compress(found, _mask(local.entries[start:end], severity))
            fresh = list(dict.fromkeys(found))  # in order already: drop the repeats
            if rows and fresh and fresh[0] == rows[-1]:
                del fresh[0]  # a row whose entries straddle two slices
            rows += fresh
            yield end, len(local)
        return rows

    def counts(self) -> tuple[int, int]:
        """(errors, warnings) among all entries."""
        return self._all.errors, len(self._all) - self._all.errors


def _errors(entries: Iterable[PanelEntry]) -> int:
    return countOf(map(_severity, entries), "error")


def _mask(entries: Sequence[PanelEntry], severity: str) -> Iterator[bool]:
    """Whether each entry is of ``severity``."""
    return map(severity.__eq__, map(_severity, entries))


def _cell(entry: PanelEntry, column: int) -> str:
    if column == 0:
        return entry.severity.capitalize()
    if column == 1:
        return entry.source.value
    if column == 2:
        if entry.row < 0:
            return "File"
        return str(entry.line) if entry.line else f"new row {entry.row + 1}"
    if column == 3:
        return (entry.column or "row").capitalize()
    if column == 4:
        return entry.code
    return entry.message


def _severity_icon(severity: str) -> QIcon:
    return app_icon("dialog-error" if severity == "error" else "dialog-warning")


class ErrorPanel(QWidget):
    """The list with its severity and source filters. ``row_activated(batch_row, column)``
    asks the editor to select and show that row."""

    row_activated = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = IssueListModel(self)
        self.severity_box = QComboBox()
        for label, value in (
            ("All severities", None),
            ("Errors", "error"),
            ("Warnings", "warning"),
        ):
            self.severity_box.addItem(label, value)
        self.source_box = QComboBox()
        for label, value in (
            ("All sources", None),
            ("Local checks", Source.LOCAL),
            ("Provider", Source.PROVIDER),
        ):
            self.source_box.addItem(label, value)
        self.summary = QLabel()
        # A table, not a tree view: a tree lays out every item (a Python call each), which at
        # a hundred thousand issues freezes the window; a table with fixed rows never does.
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rows = self.view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((90, 80, 90, 80, 140)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show"))
        filters.addWidget(self.severity_box)
        filters.addWidget(self.source_box)
        filters.addStretch(1)
        filters.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addWidget(self.view)

        self.severity_box.currentIndexChanged.connect(self._filters_changed)
        self.source_box.currentIndexChanged.connect(self._filters_changed)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.model.changed.connect(self._update_summary)
        self._update_summary()

    def _filters_changed(self) -> None:
        source = self.source_box.currentData()  # Qt hands back the plain str of the enum
        self.model.set_filters(self.severity_box.currentData(), source and Source(source))

    def _activate(self, index: QModelIndex) -> None:
        entry = self.model.entry(index.row())
        if entry.row >= 0:
            self.row_activated.emit(entry.row, entry.column or "")

    def show_checking(self, rows: int) -> None:
        """Say that the rows are being checked, until the entries change (the scan's result):
        "0 errors" meanwhile would read as a clean file."""
        self.summary.setText(f"Checking {counted(rows, 'row')}…")

    def _update_summary(self) -> None:
        errors, warnings = self.model.counts()
        shown = self.model.rowCount()
        total = errors + warnings
        text = f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
        self.summary.setText(text if shown == total else f"{text} ({shown:,} shown)")
