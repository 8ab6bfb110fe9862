"""The batch editor: the table of rows with its find bar, its row actions, filter and sort.

The window places it and wires it to the document; everything that edits, filters, sorts or
navigates the rows is here. Edits go through the undo stack; long passes (filter, sort, the
GSM fix over every row) are chunked jobs on the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.batch import Batch, RowData
from app.domain.wording import counted
from app.services.checking import Problems
from app.services.columns import Field
from app.services.gsm_fix import GsmFixPlan, describe, plan_steps
from app.services.jobs import Job, run_to_end
from app.services.row_filter import RowFilter
from app.ui.editor.commands import InsertRowsCommand, RemoveRowsCommand, SetMessagesCommand
from app.ui.editor.find_bar import FindBar
from app.ui.editor.model import BatchModel, SortedRows
from app.ui.editor.view import BatchView
from app.ui.widgets.actions import make_action
from app.ui.widgets.dialogs import Button, Dialogs
from app.ui.widgets.jobs import QtRunner

#: A selection up to this size gets its GSM fix planned at once, for the context menu.
INSTANT_PLAN_ROWS = 5000

#: Filters the problems list can answer from its entries: the severity they keep.
_PANEL_FILTERS: dict[RowFilter, str | None] = {
    RowFilter.ERRORS: "error",
    RowFilter.WARNINGS: "warning",
    RowFilter.ISSUES: None,
}


class Editor(QWidget):
    """``message(text, ms)``: a word for the status bar (0 ms: until replaced; "" clears)."""

    message = Signal(str, int)

    def __init__(
        self,
        model: BatchModel,
        problems: Problems,
        runner: QtRunner,
        dialogs: Dialogs,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.problems = problems
        self.runner = runner
        self.dialogs = dialogs
        self.undo_stack: QUndoStack = model.undo_stack
        self.busy = False
        self._filter: Job | None = None
        self._sort: Job | None = None
        self._fix: Job | None = None
        self.view = BatchView()
        self.view.setModel(model)
        self.find_bar = FindBar(model)
        self.find_bar.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.view, 1)
        self.filter_box = QComboBox()
        for row_filter in RowFilter:
            self.filter_box.addItem(row_filter.value, row_filter)
        self.filter_box.setToolTip("Which rows the editor shows")
        self.filter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # How many rows the filter shows, for as long as it does: a passing message went
        # stale after 5 s, or as soon as rows were added, removed or shown again.
        self.shown_label = QLabel()
        self.shown_label.hide()
        self._build_actions()
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.find_bar.found.connect(self._select_view_row)
        self.filter_box.currentIndexChanged.connect(self._filter_chosen)
        self.view.horizontalHeader().sortIndicatorChanged.connect(self._sort_chosen)
        model.modelReset.connect(self._model_reset)
        model.totals_changed.connect(self._update_shown)  # after rows came or went

    @property
    def batch(self) -> Batch:
        return self.model.batch

    @property
    def working(self) -> bool:
        return any(job is not None and job.running for job in (self._filter, self._sort, self._fix))

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.add_action = make_action(
            self,
            "&Add Row",
            self.add_row,
            icon="list-add",
            shortcut="Ctrl+Shift+A",
            tip="Add an empty row below the current one",
        )
        self.duplicate_action = make_action(
            self,
            "D&uplicate Rows",
            self.duplicate_rows,
            icon="edit-copy",
            shortcut="Ctrl+D",
            tip="Copy the selected rows below them",
        )
        self.delete_action = make_action(
            self,
            "&Delete Rows",
            self.delete_rows,
            icon="list-remove",
            shortcut="Ctrl+-",
            tip="Delete the rows of the selection (Delete)",
        )
        # Delete as in every spreadsheet, but only where the rows are (in the table or its
        # find bar; a line edit open there takes the key for itself), not in the problems list.
        self.delete_action.setShortcuts([QKeySequence(key.Delete), QKeySequence("Ctrl+-")])
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.delete_action)
        self.find_action = make_action(
            self, "&Find…", self.find_bar.open, icon="edit-find", shortcut=key.Find
        )
        self.find_next_action = make_action(
            self, "Find &Next", self.find_bar.find_next, shortcut=key.FindNext
        )
        self.fix_all_action = make_action(
            self,
            "Use &GSM Characters…",
            self.fix_all_rows,
            icon="tools-check-spelling",
            tip="Replace characters that force UCS-2 with GSM look-alikes in every row, "
            "after showing what it saves",
        )
        self.file_order_action = make_action(self, "Restore File &Order", self.restore_file_order)
        # Short labels on the toolbar (the menus keep the full ones), so that it fits 1366 px.
        self.add_action.setIconText("Add Row")
        self.delete_action.setIconText("Delete")
        self.fix_all_action.setIconText("GSM Characters…")

    def set_busy(self, busy: bool) -> None:
        """While a file loads nothing may edit, filter or sort the rows."""
        self.busy = busy
        idle = not busy
        has_rows = self.model.rowCount() > 0
        self.add_action.setEnabled(idle)
        for action in (self.duplicate_action, self.delete_action, self.fix_all_action):
            action.setEnabled(idle and has_rows)
        self.filter_box.setEnabled(idle)
        self.file_order_action.setEnabled(idle)
        self.view.horizontalHeader().setSectionsClickable(idle)
        self.model.read_only = busy

    def stop(self) -> None:
        for job in (self._filter, self._sort, self._fix):
            if job is not None:
                job.cancel()

    def reset_filter_box(self) -> None:
        self.filter_box.blockSignals(True)
        self.filter_box.setCurrentIndex(0)
        self.filter_box.blockSignals(False)

    # -- editing rows --------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        """The batch rows of the selection (or of the current cell), in file order."""
        view_rows: set[int] = set()
        for selection in self.view.selectionModel().selection():
            view_rows.update(range(selection.top(), selection.bottom() + 1))
        current = self.view.currentIndex()
        if not view_rows and current.isValid():
            view_rows.add(current.row())
        return sorted(self.model.batch_row(r) for r in view_rows)

    def add_row(self) -> None:
        current = self.view.currentIndex()
        row = self.model.batch_row(current.row()) + 1 if current.isValid() else len(self.batch)
        empty = RowData("", "", ("",) * len(self.batch.extra_columns))
        self.undo_stack.push(InsertRowsCommand(self.model, row, [empty], "Add row"))
        index = self.model.index(self.model.view_row(row), self.model.column_of(Field.PHONE))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        self.view.edit(index)

    def duplicate_rows(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        copies = [replace(self.batch.row_data(r), line=0) for r in rows]
        text = f"Duplicate {counted(len(rows), 'row')}"
        self.undo_stack.push(InsertRowsCommand(self.model, rows[-1] + 1, copies, text))

    def delete_rows(self) -> None:
        rows = self.selected_rows()
        if rows and not self.busy:
            self.undo_stack.push(RemoveRowsCommand(self.model, rows))
            them = "it" if len(rows) == 1 else "them"
            self.message.emit(
                f"Deleted {counted(len(rows), 'row')}: Ctrl+Z brings {them} back.", 5000
            )

    def apply_gsm_fix(self, plan: GsmFixPlan) -> None:
        if not plan.changes:
            return
        text = f"Use GSM characters in {counted(len(plan.changes), 'row')}"
        self.undo_stack.push(SetMessagesCommand(self.model, plan.changes, text))

    def fix_all_rows(self) -> None:
        """Plan the GSM fix for every row, show what it saves, apply it if the operator agrees."""
        if self._fix is not None:
            self._fix.cancel()
        self.message.emit("Looking for characters that force UCS-2…", 0)
        self._fix = self.runner.start(
            plan_steps(self.batch), self._confirm_fix, cancelled=self._clear_message
        )

    def _confirm_fix(self, plan: GsmFixPlan) -> None:
        self.message.emit("", 0)
        if not plan.changes:
            self.dialogs.inform(
                "Use GSM characters", describe(plan, self.batch), icon=QMessageBox.Icon.Information
            )
            return
        self.dialogs.ask(
            "Use GSM characters",
            describe(plan, self.batch),
            {Button.Apply: lambda: self.apply_gsm_fix(plan), Button.Cancel: None},
            default=Button.Apply,
            details="You can undo it with Ctrl+Z.",
        )

    def gsm_fix_action(self, rows: list[int]) -> QAction:
        """The one-click fix for ``rows``, its label saying what it saves."""
        plan: GsmFixPlan = run_to_end(plan_steps(self.batch, rows))
        action = QAction(_fix_label(plan, rows, self.batch), self)
        action.setEnabled(bool(plan.changes) and not self.busy)
        action.triggered.connect(lambda: self.apply_gsm_fix(plan))
        return action

    def _context_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        rows = self.selected_rows()
        if rows and len(rows) <= INSTANT_PLAN_ROWS:
            menu.addAction(self.gsm_fix_action(rows))
            menu.addSeparator()
        menu.addActions([self.add_action, self.duplicate_action, self.delete_action])
        menu.popup(self.view.viewport().mapToGlobal(position))

    # -- filter, sort, navigation -------------------------------------------------------------
    def _filter_chosen(self) -> None:
        self.apply_row_filter(RowFilter(self.filter_box.currentData()))  # Qt gives the str

    def apply_row_filter(
        self, row_filter: RowFilter, then: Callable[[], None] = lambda: None
    ) -> None:
        """Show the rows ``row_filter`` keeps (a chunked job unless it is every row in file
        order), then call ``then``."""
        if self._filter is not None:
            self._filter.cancel()  # its rows, and its word in the status bar, are stale
        if row_filter is RowFilter.ALL and self.model.sort_column < 0:
            self.model.apply_filter(RowFilter.ALL)
            then()
            return
        # The problems list may already know every row with an issue: no need to look at each.
        kept = (
            self.problems.rows_with_issues(_PANEL_FILTERS[row_filter])
            if row_filter in _PANEL_FILTERS
            else None
        )
        every = row_filter is RowFilter.ALL
        self.message.emit(
            "Showing every row…" if every else f"Filtering: {row_filter.value.lower()}…", 0
        )

        def done(rows: SortedRows) -> None:
            self.message.emit("", 0)
            self.model.apply_filter(row_filter, rows)
            then()

        self._filter = self.runner.start(
            self.model.filter_steps(row_filter, kept), done, cancelled=self._clear_message
        )

    def _sort_chosen(self, column: int, order: Qt.SortOrder) -> None:
        title = self.model.columns[column].title if column >= 0 else "file order"

        def done(rows: SortedRows | None) -> None:
            self.model.apply_sort(column, order, rows)
            self.message.emit("", 0)

        if self._sort is not None:
            self._sort.cancel()
        self.message.emit(f"Sorting by {title}…", 0)
        self._sort = self.runner.start(
            self.model.sort_steps(column, order), done, cancelled=self._clear_message
        )

    def restore_file_order(self) -> None:
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def show_row(self, batch_row: int, column: str = "") -> None:
        """Select and scroll to ``batch_row`` (showing every row if the filter hides it)."""
        if self.model.view_row(batch_row) < 0:
            self.reset_filter_box()
            self.apply_row_filter(RowFilter.ALL, lambda: self._go_to_row(batch_row, column))
            return
        self._go_to_row(batch_row, column)

    def _go_to_row(self, batch_row: int, column: str) -> None:
        view_row = self.model.view_row(batch_row)
        if view_row < 0:
            return
        fields = {"phone": Field.PHONE, "message": Field.MESSAGE}
        if column in fields:
            target = self.model.column_of(fields[column])
        else:
            target = max(self.view.currentIndex().column(), 0)
        index = self.model.index(view_row, target)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()

    def _select_view_row(self, view_row: int) -> None:
        index = self.model.index(view_row, max(self.view.currentIndex().column(), 0))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _clear_message(self) -> None:
        self.message.emit("", 0)

    def _model_reset(self) -> None:
        """A new document shows every row: so must the filter box."""
        filtering = self._filter is not None and self._filter.running
        if self.model.row_filter is RowFilter.ALL and not filtering:
            self.reset_filter_box()
        self._update_shown()

    def _update_shown(self) -> None:
        row_filter = self.model.row_filter
        self.shown_label.setVisible(row_filter is not RowFilter.ALL)
        if row_filter is not RowFilter.ALL:
            total = counted(len(self.batch), "row")
            self.shown_label.setText(
                f"{row_filter.value}: {self.model.rowCount():,} of {total} shown  "
            )

    def _current_changed(self) -> None:
        self.find_bar.current_row = self.view.currentIndex().row()


def _fix_label(plan: GsmFixPlan, rows: list[int], batch: Batch) -> str:
    where = "this row" if len(rows) == 1 else counted(len(rows), "selected row")
    if not plan.changes:
        return f"Use GSM characters in {where} (nothing to replace)"
    segments = plan.segments_saved
    if segments <= 0:
        return f"Use GSM characters in {where} (same number of segments)"
    money = batch.settings.prices.format(plan.cost_saved)
    return f"Use GSM characters in {where}: saves {counted(segments, 'segment')} ({money})"
