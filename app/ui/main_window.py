"""The main window: the batch editor in the centre, the error panel below, totals at the bottom.

It owns the document's life (open, load, save, close, crash recovery) and wires the parts; the
parts themselves live in their own modules (model, view, commands, error panel, find bar...).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.accounts import Account
from app.domain.batch import Batch, BatchLoader, RowData, save_batch
from app.domain.campaign import Action
from app.domain.csvfile import CsvFileError, CsvLayout
from app.domain.wording import counted
from app.providers.base import CampaignSpec, Provider
from app.providers.errors import ProviderError
from app.services.columns import Field
from app.services.context import AppContext
from app.services.gsm_fix import GsmFixPlan, describe, plan_steps
from app.services.jobs import Steps, run_to_end
from app.services.problems import EntryRun, RowsUpdate, provider_entries, scan_steps
from app.services.row_filter import RowFilter
from app.services.validation import Recipients, campaign_spec, recipients_steps, validate
from app.store.autosave import Op, RestoreError, Session, SessionHeader, replay
from app.ui.editor.commands import InsertRowsCommand, RemoveRowsCommand, SetMessagesCommand
from app.ui.editor.find_bar import FindBar
from app.ui.editor.model import BatchModel, SortedRows
from app.ui.editor.view import BatchView
from app.ui.problems.panel import ErrorPanel
from app.ui.widgets.dialogs import Button, Dialogs
from app.ui.widgets.icons import app_icon
from app.ui.widgets.jobs import ChunkedJob
from app.ui.widgets.region_box import RegionBox

APP_TITLE = "Campaign Desk"
#: Bytes of the file read per loading step: about a hundred rows, ten milliseconds of work.
LOAD_BLOCK_BYTES = 16 * 1024
#: Loading time per event-loop turn: short, since showing new rows also repaints the table.
LOAD_BUDGET_MS = 6.0
#: How often the rows loaded so far are shown: each showing repaints the table (tens of ms).
LOAD_SHOW_INTERVAL_S = 1.0
AUTOSAVE_INTERVAL_MS = 2000
#: A selection up to this size gets its GSM fix planned at once, for the context menu.
INSTANT_PLAN_ROWS = 5000
#: Edited rows whose panel entries are renewed at once; more go through a chunked job.
INSTANT_PANEL_ROWS = 64
OPENABLE_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})

# Save-as formats: (encoding, delimiter, newline); None keeps the file's own format.
SAVE_FORMATS: dict[str, tuple[str, str, str] | None] = {
    "CSV in the file's own format (*.csv)": None,
    "CSV, UTF-8, comma (*.csv)": ("utf-8", ",", "\n"),
    "CSV for Excel: UTF-8 with BOM, semicolon (*.csv)": ("utf-8-sig", ";", "\r\n"),
    "Tab-separated, UTF-8 (*.tsv *.txt)": ("utf-8", "\t", "\n"),
}


class MainWindow(QMainWindow):
    closed = Signal()
    loaded = Signal()  # a file finished loading
    validation_finished = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.dialogs = Dialogs(self)
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        self._restored = False  # recovered edits not saved yet
        self._pending_ops: list[Op] = []
        self._journal_started = False
        self._close_confirmed = False
        self._busy = False
        self._load: ChunkedJob | None = None
        self._previous: tuple[Batch, Path | None] | None = None  # kept while a file loads
        self._jobs: dict[str, ChunkedJob] = {}
        self._validation: asyncio.Future[None] | None = None
        self._generation = 0  # bumped when rows are added or removed
        self._changed_rows: set[int] = set()
        self._scanned_generation = 0  # the generation the panel's provider results are for
        self._shown_at = 0.0  # when the loader's rows were last shown (0: not yet)
        self._panel_rows: set[int] = set()  # rows the running "panel" job renews

        self.model = BatchModel(self._new_batch(), self.undo_stack, self)
        self.view = BatchView()
        self.view.setModel(self.model)
        self.find_bar = FindBar(self.model)
        self.find_bar.hide()
        self.banner = QLabel()
        self.banner.setObjectName("sandboxBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "#sandboxBanner { background: #fff3cd; color: #5c4400; padding: 6px 10px;"
            " border-bottom: 1px solid #e6c35c; }"
        )
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(central)

        self.error_panel = ErrorPanel()
        self.error_dock = QDockWidget("Problems", self)
        self.error_dock.setObjectName("problemsDock")
        self.error_dock.setWidget(self.error_panel)
        self.error_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.error_dock)

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self._connect()

        self._autosave_timer = QTimer(self, interval=AUTOSAVE_INTERVAL_MS)
        self._autosave_timer.timeout.connect(self.flush_journal)
        self._autosave_timer.start()
        self._panel_timer = QTimer(self, singleShot=True, interval=100)
        self._panel_timer.timeout.connect(self._update_panel)
        self._rescan_timer = QTimer(self, singleShot=True, interval=300)
        self._rescan_timer.timeout.connect(self._rescan_issues)

        self.setAcceptDrops(True)
        self.resize(1340, 700)
        self._restore_geometry()
        self._account_changed()
        self._update_title()
        self._update_totals()
        self._update_actions()
        if context.warm_up is not None:
            warm_up = context.warm_up
            QTimer.singleShot(0, lambda: self._run_job("warm-up", warm_up(), lambda _: None))

    # -- building ------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.setToolTip("Stop what is running")
        for widget in (self.progress_label, self.progress, self.cancel_button):
            bar.addWidget(widget)
            widget.hide()
        self.totals_label = QLabel()
        self.totals_label.setToolTip("Totals of every row, whatever the filter shows")
        # Rows, not problems: a row can have several; the Problems panel counts each one.
        self.errors_label = QLabel()
        self.errors_label.setToolTip("Rows with at least one error: a provider would reject them")
        self.warnings_label = QLabel()
        self.warnings_label.setToolTip("Rows with at least one warning: they can be sent")
        for label in (self.totals_label, self.errors_label, self.warnings_label):
            bar.addPermanentWidget(label)

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        *,
        icon: str = "",
        shortcut: QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(app_icon(icon), text, self)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)
        elif shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda: slot())
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New", self.new_document, icon="document-new", shortcut=key.New
        )
        self.open_action = self._action(
            "&Open…",
            self.open_dialog,
            icon="document-open",
            shortcut=key.Open,
            tip="Open a CSV file of recipients (or drop one on the window)",
        )
        self.save_action = self._action("&Save", self.save, icon="document-save", shortcut=key.Save)
        self.save_as_action = self._action(
            "Save &As…", self.save_as_dialog, icon="document-save-as", shortcut=key.SaveAs
        )
        self.quit_action = self._action(
            "&Quit", self.close, icon="application-exit", shortcut=key.Quit
        )
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setIcon(app_icon("edit-undo"))
        self.undo_action.setShortcuts(key.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setIcon(app_icon("edit-redo"))
        self.redo_action.setShortcuts(key.Redo)
        self.add_action = self._action(
            "&Add Row",
            self.add_row,
            icon="list-add",
            shortcut="Ctrl+Shift+A",
            tip="Add an empty row below the current one",
        )
        self.duplicate_action = self._action(
            "D&uplicate Rows",
            self.duplicate_rows,
            icon="edit-copy",
            shortcut="Ctrl+D",
            tip="Copy the selected rows below them",
        )
        self.delete_action = self._action(
            "&Delete Rows",
            self.delete_rows,
            icon="list-remove",
            shortcut="Ctrl+-",
            tip="Delete the selected rows",
        )
        self.find_action = self._action(
            "&Find…", self.find_bar.open, icon="edit-find", shortcut=key.Find
        )
        self.find_next_action = self._action(
            "Find &Next", self.find_bar.find_next, shortcut=key.FindNext
        )
        self.fix_all_action = self._action(
            "Use &GSM Characters…",
            self.fix_all_rows,
            icon="tools-check-spelling",
            tip="Replace characters that force UCS-2 with GSM look-alikes in every row, "
            "after showing what it saves",
        )
        self.file_order_action = self._action("Restore File &Order", self.restore_file_order)
        self.validate_action = self._action(
            "&Validate with Provider",
            self.validate_with_provider,
            icon="network-transmit",
            shortcut="Ctrl+Shift+V",
        )
        # Short labels on the toolbar (the menus keep the full ones), so that it fits 1366 px.
        self.undo_action.setIconText("Undo")  # the menu item says what it undoes
        self.redo_action.setIconText("Redo")
        self.add_action.setIconText("Add Row")
        self.delete_action.setIconText("Delete")
        self.fix_all_action.setIconText("GSM Characters…")
        self.validate_action.setIconText("Validate")
        self.show_panel_action = self.error_dock.toggleViewAction()
        self.show_panel_action.setText("&Problems Panel")
        self.show_panel_action.setShortcut(QKeySequence("Ctrl+Shift+P"))

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file = menu.addMenu("&File")
        file.addActions([self.new_action, self.open_action])
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file.addSeparator()
        file.addActions([self.save_action, self.save_as_action])
        file.addSeparator()
        file.addAction(self.quit_action)
        edit = menu.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.add_action, self.duplicate_action, self.delete_action])
        edit.addSeparator()
        edit.addActions([self.find_action, self.find_next_action])
        edit.addSeparator()
        edit.addAction(self.fix_all_action)
        view = menu.addMenu("&View")
        view.addActions([self.file_order_action, self.show_panel_action])
        provider = menu.addMenu("&Provider")
        provider.addAction(self.validate_action)

    def _build_toolbars(self) -> None:
        tools = QToolBar("Edit")
        tools.setObjectName("editToolbar")
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tools.setMovable(False)
        tools.addActions([self.open_action, self.save_action])
        tools.addSeparator()
        tools.addActions([self.undo_action, self.redo_action])
        tools.addSeparator()
        tools.addActions([self.add_action, self.delete_action])
        tools.addSeparator()
        tools.addActions([self.find_action, self.fix_all_action])
        tools.addSeparator()
        tools.addWidget(QLabel(" Show "))
        self.filter_box = QComboBox()
        for row_filter in RowFilter:
            self.filter_box.addItem(row_filter.value, row_filter)
        self.filter_box.setToolTip("Which rows the editor shows")
        self.filter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        tools.addWidget(self.filter_box)
        self.addToolBar(tools)
        # A second row: what the batch is read and checked against. One row of 1366 pixels
        # cannot hold both without hiding Validate behind the toolbar's overflow arrow.
        self.addToolBarBreak()
        sending = QToolBar("Account")
        sending.setObjectName("accountToolbar")
        sending.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        sending.setMovable(False)
        sending.addWidget(QLabel(" Numbers without a country code are in "))
        self.region_box = RegionBox(self.batch.settings.default_region)
        sending.addWidget(self.region_box)
        sending.addSeparator()
        sending.addWidget(QLabel(" Account "))
        self.account_box = QComboBox()
        for account in self.context.accounts:
            self.account_box.addItem(account.name, account.provider)
        self.account_box.setToolTip("The provider account used to validate and send")
        chosen = self.account_box.findData(self.context.settings.account)
        self.account_box.setCurrentIndex(max(chosen, 0))
        sending.addWidget(self.account_box)
        sending.addAction(self.validate_action)
        self.addToolBar(sending)

    def _connect(self) -> None:
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_actions)
        self.model.totals_changed.connect(self._update_totals)
        self.model.results_changed.connect(self._rows_changed)
        self.model.rows_moved.connect(self._rows_moved)
        self.model.edited.connect(self._pending_ops.append)
        self.model.modelReset.connect(self._update_actions)
        self.model.rowsInserted.connect(self._update_actions)
        self.model.rowsRemoved.connect(self._update_actions)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.find_bar.found.connect(self._select_view_row)
        self.error_panel.row_activated.connect(self.show_row)
        self.filter_box.currentIndexChanged.connect(self._filter_chosen)
        self.account_box.currentIndexChanged.connect(self._account_changed)
        self.region_box.currentIndexChanged.connect(self._region_chosen)
        self.view.horizontalHeader().sortIndicatorChanged.connect(self._sort_chosen)
        self.cancel_button.clicked.connect(self.cancel_running)

    # -- document state --------------------------------------------------------------------
    @property
    def batch(self) -> Batch:
        return self.model.batch

    @property
    def working(self) -> bool:
        """Whether something runs in the background (loading, scanning, filtering...)."""
        return (
            bool(self._jobs)
            or self._load is not None
            or self._validation is not None
            or self._panel_timer.isActive()
            or self._rescan_timer.isActive()
        )

    @property
    def autosave_timer_interval_ms(self) -> int:
        return self._autosave_timer.interval()

    @property
    def is_modified(self) -> bool:
        return self._restored or not self.undo_stack.isClean()

    @property
    def account(self) -> Account:
        return self.context.account(self.account_box.currentData())

    def _new_batch(self) -> Batch:
        return Batch(self.context.batch_settings(self.context.settings))

    def _update_title(self) -> None:
        name = self.path.name if self.path is not None else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_TITLE}")
        self.setWindowModified(self.is_modified)

    def _update_totals(self) -> None:
        totals = self.batch.totals
        money = self.batch.settings.prices.format(totals.cost)
        rows, segments = counted(totals.rows, "row"), counted(totals.segments, "segment")
        self.totals_label.setText(f"{rows}  ·  {segments}  ·  {money}")
        self.errors_label.setText(f"  ·  {counted(totals.errors, 'row')} with errors")
        self.warnings_label.setText(f"  ·  {totals.warnings:,} with warnings  ")

    def _update_actions(self) -> None:
        idle = not self._busy
        has_rows = self.model.rowCount() > 0
        for action in (self.new_action, self.open_action, self.save_as_action, self.add_action):
            action.setEnabled(idle)
        self.save_action.setEnabled(idle)
        for action in (self.duplicate_action, self.delete_action, self.fix_all_action):
            action.setEnabled(idle and has_rows)
        self.undo_action.setEnabled(idle and self.undo_stack.canUndo())
        self.redo_action.setEnabled(idle and self.undo_stack.canRedo())
        self.filter_box.setEnabled(idle)
        self.region_box.setEnabled(idle)
        self.file_order_action.setEnabled(idle)
        self.view.horizontalHeader().setSectionsClickable(idle)
        self.model.read_only = self._busy
        self._update_validate_action()

    def _update_validate_action(self) -> None:
        account = self.account
        capabilities = self.context.capabilities(account.provider)
        name = capabilities.display_name if capabilities else account.name
        if capabilities is None:
            enabled, tip = False, f"The {account.name} adapter is not installed."
        elif Action.VALIDATE not in capabilities.actions:
            enabled, tip = False, f"{name} has no validate-only run: nothing to check against."
        elif self._validation is not None:
            enabled, tip = False, "A validation is running."
        elif self._busy or self.model.rowCount() == 0:
            enabled, tip = False, "Open a file or add rows first."
        else:
            enabled = True
            tip = f"Check every row with {name}'s validate-only run (nothing is sent)"
        self.validate_action.setEnabled(enabled)
        self.validate_action.setToolTip(tip)
        self.validate_action.setStatusTip(tip)

    def _account_changed(self) -> None:
        account = self.account
        self.context.settings.account = account.provider
        self.banner.setVisible(account.sandbox)
        self.banner.setText(
            "<b>Sandbox: nothing is really sent.</b> Validation and sending go to the "
            f"built-in {account.name} simulator."
        )
        self._update_validate_action()

    def _region_chosen(self) -> None:
        """Read every number again in the chosen country; the choice is kept for next time.

        Synchronous: reading numbers again costs about as much as checking them on load
        (seconds at a million rows), and a region is chosen once per file, not per keystroke.
        """
        region = self.region_box.region()
        if region == self.batch.settings.default_region:
            return
        self.context.settings.default_region = region
        self.context.save_settings()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.batch.set_settings(self.context.batch_settings(self.context.settings))
        finally:
            QApplication.restoreOverrideCursor()
        self.model.refresh_all()
        self._rows_moved()  # every row may have new issues: rescan the panel
        self.statusBar().showMessage(
            f"Numbers without a country code are now read as {self.region_box.currentText()}.",
            5000,
        )

    # -- progress of long work ---------------------------------------------------------------
    def _show_progress(self, text: str, *, determinate: bool = True) -> None:
        self.progress_label.setText(text)
        self.progress.setRange(0, 1000 if determinate else 0)
        self.progress.setValue(0)
        for widget in (self.progress_label, self.progress, self.cancel_button):
            widget.show()

    def _set_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setValue(int(1000 * done / total))

    def _hide_progress(self) -> None:
        for widget in (self.progress_label, self.progress, self.cancel_button):
            widget.hide()

    def cancel_running(self) -> None:
        """Cancel the load or the validation in progress."""
        if self._load is not None:
            self._load.cancel()
        if self._validation is not None:
            self._validation.cancel()
        if "recipients" in self._jobs:
            self._jobs.pop("recipients").cancel()
            self._validation_done("Validation cancelled.")

    def _run_job(
        self,
        name: str,
        steps: Steps,
        done: Callable[[object], None],
        crashed: Callable[[], None] | None = None,
    ) -> ChunkedJob:
        """Run a chunked job, replacing any running job of the same name. ``crashed``: what
        to undo if a bug ends it (the window forgets the job either way)."""
        if name in self._jobs:
            self._jobs.pop(name).cancel()
        job = ChunkedJob(steps, parent=self)
        self._jobs[name] = job
        job.progress.connect(_keep_out_of_gc)

        def finished(result: object) -> None:
            if self._jobs.get(name) is job:
                del self._jobs[name]
            done(result)
            gc.freeze()  # what the job built stays: keep it out of the cyclic GC's scans

        def forget() -> None:
            if self._jobs.get(name) is job:
                del self._jobs[name]
            if crashed is not None:
                crashed()

        job.finished.connect(finished)
        job.crashed.connect(forget)
        job.start()
        return job

    def _cancel_jobs(self) -> None:
        for job in self._jobs.values():
            job.cancel()
        self._jobs.clear()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_actions()

    # -- opening and loading ---------------------------------------------------------------
    def new_document(self) -> None:
        self._after_confirming(self._start_new)

    def _start_new(self) -> None:
        self._replace_document(self._new_batch(), None)
        self._begin_journal()

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else ""
        name, _ = QFileDialog.getOpenFileName(
            self, "Open recipients", start, "CSV files (*.csv *.txt *.tsv);;All files (*)"
        )
        if name:
            self.open_file(Path(name))

    def open_file(self, path: Path) -> None:
        """Open ``path``, after asking about unsaved changes; a bad file changes nothing."""
        self._after_confirming(lambda: self._start_load(path))

    def _start_load(self, path: Path, restore: Session | None = None) -> None:
        try:
            loader = BatchLoader(
                path,
                self.context.batch_settings(self.context.settings),
                block_bytes=LOAD_BLOCK_BYTES,
            )
        except (CsvFileError, OSError) as error:
            self._cannot_open(path, error)
            return
        self._cancel_jobs()
        self._previous = (self.batch, self.path)
        self._set_busy(True)
        self._shown_at = 0.0
        self._show_progress(f"Loading {path.name}…")
        job = ChunkedJob(
            _load_steps(loader),
            budget_ms=LOAD_BUDGET_MS,
            expected=(CsvFileError, OSError),
            parent=self,
        )
        job.progress.connect(_keep_out_of_gc)
        job.progress.connect(lambda done, total: self._loading(loader, done, total))
        job.finished.connect(lambda batch: self._loaded(path, batch, restore))
        job.failed.connect(lambda error: self._load_failed(path, error))
        job.cancelled.connect(lambda: self._load_stopped("Loading cancelled"))
        job.crashed.connect(lambda: self._load_stopped("Loading stopped by an internal error"))
        self._load = job
        job.start()

    def _loading(self, loader: BatchLoader, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._shown_at:  # the first rows are in: show them in a turn of their own
            self._shown_at = now
            job = self._load
            QTimer.singleShot(0, lambda: self._show_first_rows(job, loader.batch))
        elif now - self._shown_at >= LOAD_SHOW_INTERVAL_S:
            if self.model.sync_appended():
                self.view.rows_appended()
            self._shown_at = now
            self._set_progress(done, total)

    def _show_first_rows(self, job: ChunkedJob | None, batch: Batch) -> None:
        """Show the first rows of a load, between two of its slices rather than at the end of
        one: that slice and the first paint of the rows (20-30 ms) would add up."""
        if self._load is job:  # neither finished, failed nor cancelled meanwhile
            self.model.set_batch(batch)

    def _loaded(self, path: Path, batch: Batch, restore: Session | None) -> None:
        self._load = None
        self._previous = None
        self._hide_progress()
        if self.batch is batch:
            self.model.sync_appended()
            self.view.viewport().update()  # rows loaded later can make shown ones duplicates
        else:
            self.model.set_batch(batch)
        self.path = path
        self.undo_stack.clear()
        self._restored = False
        self._generation += 1
        self.error_panel.model.clear()
        self.statusBar().showMessage(f"Opened {path.name}: {len(batch):,} rows", 5000)
        if restore is not None:
            self._apply_recovered(restore)
        else:
            self._begin_journal()
        self.context.settings.add_recent(path)
        self.context.save_settings()
        self._set_busy(False)
        self._update_title()
        self._rescan_issues()
        self.loaded.emit()

    def _load_failed(self, path: Path, error: Exception) -> None:
        self._put_back_previous()
        self._cannot_open(path, error)

    def _load_stopped(self, why: str) -> None:
        self._put_back_previous()
        self.statusBar().showMessage(f"{why}; nothing was changed.", 5000)

    def _put_back_previous(self) -> None:
        self._load = None
        self._hide_progress()
        if self._previous is not None:
            batch, path = self._previous
            self._previous = None
            if self.batch is not batch:
                self.model.set_batch(batch)
            self.path = path
        self._set_busy(False)
        self._update_title()
        self._rescan_issues()  # the load cancelled a scan or panel update of this document

    def _cannot_open(self, path: Path, error: Exception) -> None:
        if isinstance(error, OSError):
            reason = f"It cannot be read: {error.strerror or error}."
        else:
            reason = str(error)
        self.dialogs.inform(f"Cannot open {path.name}", f"{path.name} cannot be used.\n\n{reason}")

    def _replace_document(self, batch: Batch, path: Path | None) -> None:
        self._cancel_jobs()
        self.model.set_batch(batch)
        self.path = path
        self.undo_stack.clear()
        self._restored = False
        self._generation += 1
        self.error_panel.model.clear()
        self._update_title()
        self._rescan_issues()

    # -- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self._busy and _dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self._busy and _dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is None or self._busy:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_file(path)

    # -- recent files ----------------------------------------------------------------------
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.context.settings.recent_files
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
            return
        for number, name in enumerate(recent, start=1):
            path = Path(name)
            action = self.recent_menu.addAction(f"&{number} {path.name}")
            action.setToolTip(name)
            action.setStatusTip(name)
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> bool:
        if self.path is None:
            return self.save_as_dialog()
        return self.save_to(self.path)

    def save_as_dialog(self) -> bool:
        start = str(self.path) if self.path else "recipients.csv"
        name, chosen = QFileDialog.getSaveFileName(
            self, "Save as", start, ";;".join(SAVE_FORMATS), next(iter(SAVE_FORMATS))
        )
        if not name:
            return False
        return self.save_to(Path(name), SAVE_FORMATS.get(chosen))

    def save_to(self, path: Path, dialect: tuple[str, str, str] | None = None) -> bool:
        """Write the batch to ``path`` atomically, in its own format or in ``dialect``
        (encoding, delimiter, newline)."""
        batch = self.batch
        kept = batch.layout
        if dialect is not None:
            batch.layout = _with_dialect(kept, batch.extra_columns, dialect)
        try:
            save_batch(batch, path)
        except (CsvFileError, OSError) as error:
            batch.layout = kept
            reason = str(error) if isinstance(error, CsvFileError) else error.strerror
            self.dialogs.inform("Cannot save", f"{path.name} was not saved.\n\n{reason}")
            return False
        self.path = path
        self.undo_stack.setClean()
        self._restored = False
        self._begin_journal()
        self.context.settings.add_recent(path)
        self.context.save_settings()
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 5000)
        return True

    def _after_confirming(self, then: Callable[[], None]) -> None:
        """Run ``then`` now, or after the operator saved or dropped the unsaved changes."""
        if self._busy:
            return
        if not self.is_modified:
            then()
            return
        name = self.path.name if self.path else "the new batch"

        def save_then() -> None:
            if self.save():
                then()

        self.dialogs.ask(
            "Unsaved changes",
            f"Save the changes to {name}?",
            {Button.Save: save_then, Button.Discard: then, Button.Cancel: None},
            default=Button.Save,
            details="If you don't save, your changes are lost.",
        )

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_modified and not self._close_confirmed:
            event.ignore()
            self._after_confirming(self._close_now)
            return
        self.cancel_running()
        self._cancel_jobs()
        self._autosave_timer.stop()
        self.context.autosave.discard()
        self._save_geometry()
        self.context.save_settings()
        event.accept()
        self.closed.emit()

    def _close_now(self) -> None:
        self._close_confirmed = True
        self.close()

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry", QByteArray(), type=QByteArray)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = settings.value("window/state", QByteArray(), type=QByteArray)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def _save_geometry(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())

    # -- crash recovery ----------------------------------------------------------------------
    def _begin_journal(self) -> None:
        batch = self.batch
        header = SessionHeader.for_file(self.path, batch.layout, batch.extra_columns)
        self._pending_ops.clear()
        self.context.autosave.begin(header)
        self._journal_started = True

    def flush_journal(self) -> None:
        """Write the edits made since the last flush to the recovery journal."""
        if not self._pending_ops:
            return
        if not self._journal_started:
            ops = list(self._pending_ops)
            header = SessionHeader.for_file(None, None, self.batch.extra_columns)
            self.context.autosave.begin(header)
            self._journal_started = True
            self._pending_ops[:] = ops
        try:
            self.context.autosave.append(self._pending_ops)
        except OSError as error:
            self.statusBar().showMessage(f"Autosave failed: {error.strerror}", 10000)
            return
        self._pending_ops.clear()

    def offer_restore(self) -> None:
        """Offer the edits a crash left behind, if any."""
        session = self.context.autosave.pending()
        if session is None:
            return
        base = session.header.base
        name = Path(base).name if base else "a new batch"
        count = len(session.ops)
        self.dialogs.ask(
            "Restore unsaved changes?",
            f"Campaign Desk closed without saving {count:,} change{'s' if count != 1 else ''} "
            f"to {name}. Restore {'it' if count == 1 else 'them'}?",
            {Button.Yes: lambda: self.restore(session), Button.Discard: self._drop_recovery},
            default=Button.Yes,
            labels={Button.Yes: "Restore"},
        )

    def _drop_recovery(self) -> None:
        self.context.autosave.discard()

    def restore(self, session: Session) -> None:
        try:
            base = session.header.check_base()
        except RestoreError as error:
            self.dialogs.inform("Cannot restore", str(error))
            return
        if base is not None:
            self._start_load(base, restore=session)
            return
        batch = Batch(
            self.context.batch_settings(self.context.settings),
            session.header.layout,
            session.header.extra_columns,
        )
        self._replace_document(batch, None)
        self._apply_recovered(session)

    def _apply_recovered(self, session: Session) -> None:
        """Replay the journal on the freshly loaded batch; the journal itself carries on."""
        try:
            replay(self.batch, session.ops)
        except (RestoreError, IndexError, ValueError, TypeError) as error:
            self.dialogs.inform(
                "Cannot restore", f"The unsaved changes could not be applied: {error}"
            )
            self._begin_journal()
            return
        self.model.set_batch(self.batch)
        self._journal_started = True
        self._restored = True
        self._update_title()
        self._rescan_issues()
        self.statusBar().showMessage(f"Restored {len(session.ops):,} unsaved changes", 5000)

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
        text = f"Duplicate {len(rows)} row{'s' if len(rows) != 1 else ''}"
        self.undo_stack.push(InsertRowsCommand(self.model, rows[-1] + 1, copies, text))

    def delete_rows(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.undo_stack.push(RemoveRowsCommand(self.model, rows))

    def apply_gsm_fix(self, plan: GsmFixPlan) -> None:
        if not plan.changes:
            return
        rows = len(plan.changes)
        text = f"Use GSM characters in {rows:,} row{'s' if rows != 1 else ''}"
        self.undo_stack.push(SetMessagesCommand(self.model, plan.changes, text))

    def fix_all_rows(self) -> None:
        """Plan the GSM fix for every row, show what it saves, apply it if the operator agrees."""
        self.statusBar().showMessage("Looking for characters that force UCS-2…")
        self._run_job("gsm", plan_steps(self.batch), self._confirm_fix)

    def _confirm_fix(self, plan: object) -> None:
        assert isinstance(plan, GsmFixPlan)
        self.statusBar().clearMessage()
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
        action.setEnabled(bool(plan.changes) and not self._busy)
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

    # -- filter, sort, find, navigation ----------------------------------------------------------
    def _filter_chosen(self) -> None:
        self._apply_row_filter(RowFilter(self.filter_box.currentData()))  # Qt gives the str

    def _apply_row_filter(
        self, row_filter: RowFilter, then: Callable[[], None] = lambda: None
    ) -> None:
        """Show the rows ``row_filter`` keeps (a chunked job unless it is every row in file
        order), then call ``then``."""
        if row_filter is RowFilter.ALL and self.model.sort_column < 0:
            self.model.apply_filter(RowFilter.ALL)
            then()
            return
        kept = None
        if row_filter in _PANEL_FILTERS and self._panel_is_current():
            # The panel already knows every row with an issue: no need to look at each row.
            kept = self.error_panel.model.local_rows_steps(_PANEL_FILTERS[row_filter])
        every = row_filter is RowFilter.ALL
        self.statusBar().showMessage(
            "Showing every row…" if every else f"Filtering: {row_filter.value.lower()}…"
        )

        def done(rows: object) -> None:
            assert isinstance(rows, SortedRows)
            self.model.apply_filter(row_filter, rows)
            if every:
                self.statusBar().clearMessage()
            else:
                shown = f"{len(rows.rows):,} of {len(self.batch):,} rows shown"
                self.statusBar().showMessage(shown, 5000)
            then()

        self._run_job("filter", self.model.filter_steps(row_filter, kept), done)

    def _sort_chosen(self, column: int, order: Qt.SortOrder) -> None:
        title = self.model.columns[column].title if column >= 0 else "file order"
        self.statusBar().showMessage(f"Sorting by {title}…")

        def done(rows: object) -> None:
            assert rows is None or isinstance(rows, SortedRows)
            self.model.apply_sort(column, order, rows)
            self.statusBar().clearMessage()

        self._run_job("sort", self.model.sort_steps(column, order), done)

    def _panel_is_current(self) -> bool:
        """Whether the panel's local entries match the batch (no scan or update pending)."""
        return (
            "scan" not in self._jobs
            and "panel" not in self._jobs
            and not self._rescan_timer.isActive()
            and not self._panel_timer.isActive()
            and not self._changed_rows
        )

    def restore_file_order(self) -> None:
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def show_row(self, batch_row: int, column: str = "") -> None:
        """Select and scroll to ``batch_row`` (showing every row if the filter hides it)."""
        if self.model.view_row(batch_row) < 0:
            self.filter_box.blockSignals(True)
            self.filter_box.setCurrentIndex(0)
            self.filter_box.blockSignals(False)
            self._apply_row_filter(RowFilter.ALL, lambda: self._go_to_row(batch_row, column))
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

    def _current_changed(self) -> None:
        self.find_bar.current_row = self.view.currentIndex().row()

    # -- the error panel ---------------------------------------------------------------------------
    def _rows_changed(self, rows: set[int]) -> None:
        self._changed_rows |= rows
        if not self._rescan_timer.isActive() and "scan" not in self._jobs:
            self._panel_timer.start()

    def _update_panel(self) -> None:
        """Replace the panel entries of the edited rows (after a scan, when one runs)."""
        rows, self._changed_rows = self._changed_rows, set()
        panel = self.error_panel.model
        if len(rows) <= INSTANT_PANEL_ROWS and "panel" not in self._jobs:
            panel.update_rows(self.batch, rows)
            return
        rows |= self._panel_rows  # a job still running for earlier edits is replaced
        self._panel_rows = rows
        generation = self._generation

        def done(update: object) -> None:
            assert isinstance(update, RowsUpdate)
            self._panel_rows = set()
            if generation == self._generation:  # else a rescan is on its way
                panel.apply_rows(update)

        self._run_job("panel", panel.rows_steps(self.batch, rows), done)

    def _rows_moved(self) -> None:
        """Rows were added or removed: row numbers shifted, so rescan (soon, once), and index
        the rows' new places, which the next edits of shared numbers need."""
        self._generation += 1
        self._changed_rows.clear()
        self._panel_rows = set()
        self._panel_timer.stop()
        self._rescan_timer.start()
        self._run_job("positions", self.batch.index_positions_steps(), lambda _: None)

    def _rescan_issues(self) -> None:
        """Fill the panel with every local issue (a chunked job); provider results are kept
        only while the rows they name have not moved."""
        generation = self._generation

        def done(found: object) -> None:
            assert isinstance(found, EntryRun)
            panel = self.error_panel.model
            panel.set_local(found, drop_provider=generation != self._scanned_generation)
            self._scanned_generation = generation
            if self._changed_rows:  # edited while the scan ran
                self._update_panel()

        self.error_panel.show_checking(len(self.batch))
        self._run_job("scan", scan_steps(self.batch), done)

    # -- validate with the provider --------------------------------------------------------------
    def validate_with_provider(self) -> None:
        if self._validation is not None or "recipients" in self._jobs:
            return
        account = self.account
        self._show_progress(f"Validating with {account.name}…", determinate=False)
        self._run_job(
            "recipients",
            recipients_steps(self.batch),
            self._send_for_validation,
            lambda: self._validation_done("Validation stopped by an internal error."),
        )
        self._update_validate_action()

    def _send_for_validation(self, recipients: object) -> None:
        assert isinstance(recipients, Recipients)
        if not recipients.rows:
            self._validation_done("No row has a usable phone number: nothing to validate.")
            return
        name = self.path.stem if self.path else "Untitled batch"
        spec = campaign_spec(self.batch, recipients, f"{name} (check)")
        provider = self.context.make_provider(self.account)
        self._validation = asyncio.ensure_future(
            self._validate(provider, spec, self._generation, recipients)
        )
        self._update_validate_action()

    async def _validate(
        self, provider: Provider, spec: CampaignSpec, generation: int, recipients: Recipients
    ) -> None:
        account = self.account.name
        skipped = recipients.skipped
        try:
            issues, checked = await validate(provider, spec, recipients)
        except asyncio.CancelledError:
            self._validation_done("Validation cancelled.")
            raise
        except ProviderError as error:
            self._validation_done(None)
            self.dialogs.inform(f"{account}: validation failed", str(error))
            return
        if generation != self._generation:
            self._validation_done(None)
            self.dialogs.inform(
                "Validate with provider",
                "Rows were added or removed while the provider checked them, so its answer "
                "no longer fits the rows. Run the validation again.",
            )
            return
        self.error_panel.model.set_provider(provider_entries(issues))
        self._scanned_generation = self._generation
        found = (
            f"{len(issues):,} problem{'s' if len(issues) != 1 else ''}" if issues else "no problems"
        )
        note = f"; {skipped:,} rows without a usable number were not sent" if skipped else ""
        self._validation_done(f"{account}: {found} in {checked:,} rows{note}.")

    def _validation_done(self, message: str | None) -> None:
        self._validation = None
        self._hide_progress()
        if message:
            self.statusBar().showMessage(message, 15000)
        self._update_validate_action()
        self.validation_finished.emit()


#: Filters the error panel can answer from its entries: the severity they keep.
_PANEL_FILTERS: dict[RowFilter, str | None] = {
    RowFilter.ERRORS: "error",
    RowFilter.WARNINGS: "warning",
    RowFilter.ISSUES: None,
}


def _keep_out_of_gc(*_progress: int) -> None:
    """What a job builds (a load's rows, a scan's panel entries) mostly lives as long as the
    document: keep it out of the cyclic GC's scans, which at a million rows would rescan it
    all on each full pass (40 ms and up, a second for the loaded rows)."""
    gc.freeze()


def _load_steps(loader: BatchLoader) -> Steps:
    while loader.load_next():
        yield loader.bytes_read, loader.bytes_total
    return loader.batch


def _fix_label(plan: GsmFixPlan, rows: list[int], batch: Batch) -> str:
    where = f"row {rows[0] + 1}" if len(rows) == 1 else f"{len(rows):,} selected rows"
    if not plan.changes:
        return f"Use GSM characters in {where} (nothing to replace)"
    segments = plan.segments_saved
    if segments <= 0:
        return f"Use GSM characters in {where} (same number of segments)"
    money = batch.settings.prices.format(plan.cost_saved)
    return (
        f"Use GSM characters in {where}: saves {segments:,} "
        f"segment{'s' if segments != 1 else ''} ({money})"
    )


def _dropped_file(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> Path | None:
    """The one local CSV file being dragged, or None."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in OPENABLE_SUFFIXES else None


def _with_dialect(
    layout: CsvLayout | None, extra_columns: tuple[str, ...], dialect: tuple[str, str, str]
) -> CsvLayout:
    encoding, delimiter, newline = dialect
    if layout is None:
        layout = CsvLayout(
            encoding, delimiter, True, ("phone", "message", *extra_columns), 0, 1, newline
        )
    return replace(layout, encoding=encoding, delimiter=delimiter, newline=newline)
