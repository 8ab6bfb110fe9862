"""The error panel: local row issues and provider validate-only results in one list.

Entries are kept sorted by batch row, so that an edit replaces only that row's entries (a
bisect and a slice), and the list follows the operator's fixes live; rows inserted or removed
move the entries along. A provider's verdict on a row is dropped as soon as the row changes:
it was about the old content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from itertools import compress
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QIcon
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
from app.domain.wording import counted, line_text
from app.services.jobs import Steps, row_slices, run_to_end
from app.services.problems import (
    HEADERS,
    ROWS_SLICE,
    SPLICE_ROWS,
    EntryRun,
    PanelEntry,
    RowsUpdate,
    Source,
    count_errors,
    local_entries,
    merged,
    severity_mask,
)
from app.ui.widgets import roles
from app.ui.widgets.icons import app_icon
from app.ui.widgets.jobs import free_in_slices
from app.ui.widgets.tables import scroll_to_top_on_reset

Index = QModelIndex | QPersistentModelIndex

#: What a problem with the whole file says when it is chosen: there is no row to go to.
WHOLE_FILE = "This problem is about the whole file, not one row: there is no row to show."

#: More edited rows than this at once: rebuild the shown list with one reset instead of a
#: remove and an insert per row (each costs the view a pass over its rows).
_RESET_ABOVE_ROWS = 32


class IssueListModel(QAbstractTableModel):
    changed = Signal()  # entries were replaced (the counts changed)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._local = EntryRun()
        self._provider = EntryRun()
        self._all = EntryRun()  # both, merged
        self._shown = EntryRun()  # what the filters let through
        self.severity: str | None = None  # None: every severity
        self.source: Source | None = None  # None: every source

    # -- Qt's model interface ------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = roles.DISPLAY) -> Any:
        shown = self._shown.entries
        if role == roles.DISPLAY:
            return _cell(shown[index.row()], index.column())
        if role == roles.TOOLTIP:
            entry = shown[index.row()]
            if entry.row_id < 0:
                return f"{entry.message}\n\n{WHOLE_FILE}"
            return entry.message if index.column() == len(HEADERS) - 1 else None
        if role == roles.DECORATION and index.column() == 0:
            return _severity_icon(shown[index.row()].severity)
        if role == roles.FONT and shown[index.row()].row_id < 0:
            return _italic()
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = roles.DISPLAY
    ) -> Any:
        if orientation == roles.HORIZONTAL and role == roles.DISPLAY:
            return HEADERS[section]
        return None

    def entry(self, row: int) -> PanelEntry:
        return self._shown.entries[row]

    def batch_row(self, row: int) -> int:
        """The batch row that the entry shown at ``row`` is about (-1: the whole file)."""
        return self._shown.rows[row]

    @property
    def entries(self) -> Sequence[PanelEntry]:
        """Every entry, shown or filtered out."""
        return self._all.entries

    def listed(self) -> list[tuple[int, PanelEntry]]:
        """Every entry with the batch row it is about now, in row order."""
        return list(zip(self._all.rows, self._all.entries, strict=True))

    # -- filling ---------------------------------------------------------------------------
    def set_local(self, found: EntryRun) -> None:
        """Take the local entries of a scan (the panel owns ``found`` from now on); provider
        entries are kept."""
        self._retire_runs()
        self._local = found
        self._replace_all()

    def set_provider(self, found: EntryRun) -> None:
        """Replace the provider entries (after a validate-only run; the panel owns
        ``found`` from now on)."""
        self._retire_runs()
        self._provider = found
        self._replace_all()

    def rows_moved(self, at: int, delta: int) -> None:
        """Rows were inserted or removed (see :meth:`EntryRun.moved`): entries move with
        their rows, those of removed rows go."""
        for run in {id(run): run for run in (self._local, self._provider, self._all)}.values():
            run.moved(at, delta)
        lo, hi = self._shown.removed_span(at, delta)
        if hi > lo:
            self.beginRemoveRows(QModelIndex(), lo, hi - 1)
        self._shown.moved(at, delta)
        if hi > lo:
            self.endRemoveRows()
        self.changed.emit()

    def drop_local(self) -> None:
        """Forget the local entries (a rescan brings them back); the provider's stay."""
        self._retire_runs()
        self._local = EntryRun()
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
        for part in row_slices(len(rows)):
            for row in rows[part.start : part.stop]:
                entries[row] = local_entries(batch, row)
            yield part.start, len(rows)
        source, local = self._local, None
        if len(rows) > SPLICE_ROWS:
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
        shown = self._shown
        lo, hi = shown.span(row)
        if hi > lo:
            self.beginRemoveRows(QModelIndex(), lo, hi - 1)
            shown.replace_rows({row: []})
            self.endRemoveRows()
        if entries:
            self.beginInsertRows(QModelIndex(), lo, lo + len(entries) - 1)
            shown.replace_rows({row: entries})
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
        self._all = merged(self._local, self._provider)
        self._reset_shown()
        self.changed.emit()

    def _reset_shown(self) -> None:
        self.beginResetModel()
        run = {None: self._all, Source.LOCAL: self._local, Source.PROVIDER: self._provider}[
            self.source
        ]
        if self.severity is None:
            self._shown = run.copy()
        else:
            self._shown = EntryRun()
            mask = list(severity_mask(run.entries, self.severity))
            self._shown.entries = list(compress(run.entries, mask))
            self._shown.rows = list(compress(run.rows, mask))
            self._shown.errors = count_errors(self._shown.entries)
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
        for start in range(0, len(local), ROWS_SLICE):
            end = start + ROWS_SLICE
            found: Iterable[int] = local.rows[start:end]
            if severity is not None:
                found = compress(found, severity_mask(local.entries[start:end], severity))
            fresh = list(dict.fromkeys(found))  # in order already: drop the repeats
            if rows and fresh and fresh[0] == rows[-1]:
                del fresh[0]  # a row whose entries straddle two slices
            rows += fresh
            yield end, len(local)
        return rows

    def counts(self) -> tuple[int, int]:
        """(errors, warnings) among all entries."""
        return self._all.errors, len(self._all) - self._all.errors


def _cell(entry: PanelEntry, column: int) -> str:
    if column == 0:
        return entry.severity.capitalize()
    if column == 1:
        return entry.source.value
    if column == 2:
        if entry.row_id < 0:
            return "Whole file"
        return line_text(entry.line)
    if column == 3:
        if entry.row_id < 0:
            return "—"
        return (entry.column or "row").capitalize()
    if column == 4:
        return entry.code
    return entry.message


@cache
def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


def _severity_icon(severity: str) -> QIcon:
    return app_icon("dialog-error" if severity == "error" else "dialog-warning")


class ErrorPanel(QWidget):
    """The list with its severity and source filters. ``row_activated(batch_row, column)``
    asks the editor to select and show that row; ``message(text, ms)`` is a word for the
    status bar."""

    row_activated = Signal(int, str)
    message = Signal(str, int)

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
        scroll_to_top_on_reset(self.view)
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
        row = self.model.batch_row(index.row())
        if row >= 0:
            self.row_activated.emit(row, self.model.entry(index.row()).column or "")
        else:
            self.message.emit(WHOLE_FILE, 8000)

    def show_checking(self, rows: int) -> None:
        """Say that the rows are being checked, until the entries change (the scan's result):
        "0 errors" meanwhile would read as a clean file."""
        self.summary.setText(f"Checking {counted(rows, 'row')}…")

    def show_loading(self, name: str) -> None:
        """While a file loads its rows are checked as they come, and listed here once it is in
        (what the summary said of the file before, or of an empty start, is no longer true)."""
        self.summary.setText(f"Listed once {name} is loaded…")

    def _update_summary(self) -> None:
        errors, warnings = self.model.counts()
        shown = self.model.rowCount()
        total = errors + warnings
        text = f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
        self.summary.setText(text if shown == total else f"{text} ({shown:,} shown)")
