"""The main window: a shell that builds the menus, toolbars and docks, and wires the feature
widgets (the editor, the problems panel) to the services (the document, its problems, the
provider's validation). The use cases live in ``app.services``; the widgets in their features.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QToolBar,
)

from app.domain.accounts import Account
from app.domain.batch import Batch
from app.services.checking import Problems, Validation
from app.services.context import AppContext
from app.services.document import Document
from app.ui.accounts.account_bar import AccountBar, SandboxBanner
from app.ui.accounts.dialog import AccountsDialog
from app.ui.campaigns.panel import CampaignsPanel
from app.ui.campaigns.submit_dialog import send_dialog
from app.ui.editor.editor import Editor
from app.ui.editor.files import DocumentFiles
from app.ui.editor.model import BatchModel
from app.ui.problems.panel import ErrorPanel
from app.ui.widgets.actions import make_action, redo_keys, toolbar
from app.ui.widgets.dialogs import Dialogs
from app.ui.widgets.docks import bottom_dock, column
from app.ui.widgets.geometry import restore_geometry, save_geometry
from app.ui.widgets.icons import app_icon
from app.ui.widgets.jobs import QtRunner
from app.ui.widgets.status import Progress, Totals
from app.ui.widgets.theme import ThemeMenu

APP_TITLE = "Campaign Desk"


class MainWindow(QMainWindow):
    closed = Signal()
    loaded = Signal()  # a file finished loading
    validation_finished = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.dialogs = Dialogs(self)
        self.runner = QtRunner()
        # the services' jobs and timers call into this window: none outlives it
        self.destroyed.connect(self.runner.stop)
        self.document = Document(context, self.runner)
        self.error_panel = ErrorPanel()
        self.problems = Problems(self.runner, self.error_panel.model)
        self.validation = Validation(
            self.runner, self.problems, lambda account: context.make_provider(account)
        )
        self.undo_stack = QUndoStack(self)
        self.model = BatchModel(self.document.batch, self.undo_stack, self, self.problems.findings)
        self.editor = Editor(self.model, self.problems, self.runner, self.dialogs)
        self.files = DocumentFiles(self, self.document, self.dialogs)
        self.banner = SandboxBanner()
        self.setCentralWidget(column(self.banner, self.editor))
        self.error_dock = bottom_dock(self, "Problems", "problemsDock", self.error_panel)
        desk = context.desk
        self.campaigns = CampaignsPanel(desk.campaigns, desk.follower, self.dialogs)
        self.campaigns_dock = bottom_dock(self, "Campaigns", "campaignsDock", self.campaigns)
        self.campaigns.message.connect(lambda text: self._say(text, 10000))
        self.campaigns.open_batch.connect(self.files.open_rows)
        self.campaigns.update_requested.connect(self.send_batch)
        self.error_dock.raise_()
        self.progress = Progress(self.statusBar())
        self.totals = Totals(self.statusBar(), self.problems.findings, self.editor.shown_label)
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self._connect()
        self.files.accept_drops()
        self.resize(1340, 700)
        restore_geometry(self)
        self._account_changed()
        self._update_title()
        self.totals.update(self.batch)
        self._update_actions()
        self.problems.reset(self.batch)
        if context.warm_up is not None:
            warm_up = context.warm_up
            self.runner.later(0, lambda: self.runner.start(warm_up(), lambda _: None))

    # -- state --------------------------------------------------------------------------
    @property
    def batch(self) -> Batch:
        return self.model.batch

    @property
    def account(self) -> Account:
        return self.account_bar.account

    @property
    def working(self) -> bool:
        """Whether something runs in the background (loading, scanning, filtering...)."""
        return (
            self.document.loading
            or self.problems.working
            or self.editor.working
            or self.validation.running
        )

    # -- building ------------------------------------------------------------------------
    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        files = self.files
        self.new_action = make_action(
            self, "&New", files.new_document, icon="document-new", shortcut=key.New
        )
        self.open_action = make_action(
            self,
            "&Open…",
            files.open_dialog,
            icon="document-open",
            shortcut=key.Open,
            tip="Open a CSV file of recipients (or drop one on the window)",
        )
        self.save_action = make_action(
            self, "&Save", files.save, icon="document-save", shortcut=key.Save
        )
        self.save_as_action = make_action(
            self, "Save &As…", files.save_as_dialog, icon="document-save-as", shortcut=key.SaveAs
        )
        self.quit_action = make_action(
            self, "&Quit", self.close, icon="application-exit", shortcut=key.Quit
        )
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setIcon(app_icon("edit-undo"))
        self.undo_action.setShortcuts(key.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setIcon(app_icon("edit-redo"))
        self.redo_action.setShortcuts(redo_keys())
        self.undo_action.setIconText("Undo")  # the menu item says what it undoes
        self.redo_action.setIconText("Redo")
        self.validate_action = make_action(
            self,
            "&Validate with Provider",
            self.validate_with_provider,
            icon="network-transmit",
            shortcut="Ctrl+Shift+V",
        )
        self.validate_action.setIconText("Validate")
        self.send_action = make_action(
            self, "&Send…", self.send_batch, icon="mail-send", shortcut="Ctrl+Shift+Return"
        )
        self.show_panel_action = self.error_dock.toggleViewAction()
        self.show_panel_action.setText("&Problems Panel")
        self.show_panel_action.setShortcut(QKeySequence("Ctrl+Shift+P"))

    def _build_menus(self) -> None:
        editor = self.editor
        menu = self.menuBar()
        file = menu.addMenu("&File")
        file.addActions([self.new_action, self.open_action])
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(lambda: self.files.fill_recent_menu(self.recent_menu))
        file.addSeparator()
        file.addActions([self.save_action, self.save_as_action])
        file.addSeparator()
        file.addAction(self.quit_action)
        edit = menu.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([editor.add_action, editor.duplicate_action, editor.delete_action])
        edit.addSeparator()
        edit.addActions([editor.find_action, editor.find_next_action])
        edit.addSeparator()
        edit.addAction(editor.fix_all_action)
        view = menu.addMenu("&View")
        view.addActions([editor.file_order_action, self.show_panel_action])
        view.addAction(self.campaigns_dock.toggleViewAction())
        self.theme_menu = ThemeMenu(self.context, self)
        view.addMenu(self.theme_menu)
        provider = menu.addMenu("&Provider")
        provider.addActions([self.validate_action, self.send_action])
        provider.addSeparator()
        provider.addAction(
            "&Accounts…", lambda: AccountsDialog(self.context.desk.accounts, self).open()
        )

    def _build_toolbars(self) -> None:
        editor = self.editor
        tools = toolbar(QToolBar("Edit"), "editToolbar")
        tools.addActions([self.open_action, self.save_action])
        tools.addSeparator()
        tools.addActions([self.undo_action, self.redo_action])
        tools.addSeparator()
        tools.addActions([editor.add_action, editor.delete_action])
        tools.addSeparator()
        tools.addActions([editor.find_action, editor.fix_all_action])
        tools.addSeparator()
        tools.addWidget(QLabel(" Show "))
        tools.addWidget(editor.filter_box)
        self.addToolBar(tools)
        # A second row: what the batch is read and checked against. One row of 1366 pixels
        # cannot hold both without hiding Validate behind the toolbar's overflow arrow.
        self.addToolBarBreak()
        self.account_bar = AccountBar(
            self.context, self.batch.settings.default_region, self.validate_action, self.send_action
        )
        toolbar(self.account_bar, "accountToolbar")
        self.region_box = self.account_bar.region_box
        self.account_box = self.account_bar.account_box
        self.addToolBar(self.account_bar)

    def _connect(self) -> None:
        document, model = self.document, self.model
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.undo_stack.indexChanged.connect(self._update_actions)
        model.totals_changed.connect(lambda: self.totals.update(self.batch))
        model.results_changed.connect(self.problems.rows_changed)
        model.rows_moved.connect(self.problems.rows_moved)
        model.edited.connect(document.record)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._update_actions)
        document.shown.connect(model.set_batch)
        document.appended.connect(self._show_appended)
        document.load_started.connect(self._load_started)
        document.load_progress.connect(self.progress.set)
        document.opened.connect(self._opened)
        document.replaced.connect(self._replaced)
        document.load_ended.connect(self._load_ended)
        document.refused.connect(self.dialogs.inform)
        document.said.connect(lambda text: self.statusBar().showMessage(text, 5000))
        document.changed.connect(self._update_title)
        self.problems.scanning.connect(self.error_panel.show_checking)
        self.validation.started.connect(self._validation_started)
        self.validation.finished.connect(self._validation_done)
        self.validation.refused.connect(self.dialogs.inform)
        self.editor.message.connect(self._say)
        self.error_panel.row_activated.connect(self.editor.show_row)
        self.error_panel.message.connect(self._say)
        self.account_box.currentIndexChanged.connect(self._account_changed)
        self.region_box.currentIndexChanged.connect(self._region_chosen)
        self.progress.cancel_button.clicked.connect(self.cancel_running)

    # -- rendering the services' state ----------------------------------------------------
    def _clean_changed(self, clean: bool) -> None:
        # a method of the window, not the service's: Qt drops it when the window goes
        self.document.set_clean(clean)

    def _say(self, text: str, ms: int) -> None:
        if text:
            self.statusBar().showMessage(text, ms)
        else:
            self.statusBar().clearMessage()

    def _update_title(self) -> None:
        name = self.document.name
        if self.document.loading:
            name = f"{self.document.loading_name} (loading…)"
        self.setWindowTitle(f"{name}[*] — {APP_TITLE}")
        self.setWindowModified(self.document.modified and not self.document.loading)

    def _update_actions(self) -> None:
        idle = not self.document.loading
        for action in (self.new_action, self.open_action, self.save_as_action, self.save_action):
            action.setEnabled(idle)
        self.undo_action.setEnabled(idle and self.undo_stack.canUndo())
        self.redo_action.setEnabled(idle and self.undo_stack.canRedo())
        self.region_box.setEnabled(idle)
        self.editor.set_busy(not idle)
        self._update_validate_action()

    def _update_validate_action(self) -> None:
        ready = not self.document.loading and self.model.rowCount() > 0
        self.account_bar.update_validate(running=self.validation.running, ready=ready)

    def _account_changed(self) -> None:
        account = self.account
        self.context.settings.account = account.id
        self.banner.show_for(account)
        self._update_validate_action()

    def _region_chosen(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            changed = self.document.set_region(self.region_box.region())
        finally:
            QApplication.restoreOverrideCursor()
        if changed:
            self.model.refresh_all()
            self.problems.recheck()
            where = self.region_box.currentText()
            self.statusBar().showMessage(
                f"Numbers without a country code are now read as {where}.", 5000
            )

    # -- the document's life ---------------------------------------------------------------
    def _load_started(self, name: str) -> None:
        self.problems.clear()  # its rows are about to go; a cancelled load rescans them
        self.editor.stop()
        self.progress.show(f"Loading {name}…")
        self.error_panel.show_loading(name)
        self._update_actions()
        self._update_title()

    def _show_appended(self) -> None:
        if self.model.sync_appended():
            self.editor.view.rows_appended()

    def _opened(self, batch: Batch, message: str) -> None:
        self.progress.hide()
        if self.model.batch is batch:
            self.model.sync_appended()
            self.editor.view.viewport().update()  # rows loaded later can make shown ones duplicates
        else:
            self.model.set_batch(batch)
        self.undo_stack.clear()
        self.statusBar().showMessage(message, 5000)
        self.problems.reset(batch)
        self._update_actions()
        self.loaded.emit()

    def _replaced(self, batch: Batch) -> None:
        self.problems.stop()
        self.editor.stop()
        self.model.set_batch(batch)
        self.undo_stack.clear()
        self.problems.reset(batch)
        self._update_title()

    def _load_ended(self, message: str) -> None:
        self.progress.hide()
        if self.model.batch is not self.document.batch:
            self.model.set_batch(self.document.batch)
        if message:
            self.statusBar().showMessage(message, 5000)
        self._update_actions()
        self.problems.rescan()  # the load cancelled a scan or panel update of this document

    # -- validate with the provider --------------------------------------------------------
    def validate_with_provider(self) -> None:
        self.validation.start(self.batch, self.account, self.document.stem)
        self._update_validate_action()

    def send_batch(self, updating: int | None = None) -> None:
        """Send the editor's rows, or with ``updating`` put them in that campaign."""
        batch, name = self.batch, self.document.stem
        dialog = send_dialog(self.context, batch, name, self.account, self.runner, self, updating)
        if dialog is not None:
            dialog.submitted.connect(self._submitted)
            dialog.open()

    def _submitted(self, campaign: int, sentence: str) -> None:
        self._say(sentence, 10000)
        self.campaigns_dock.raise_()
        self.campaigns.select(campaign)

    def _validation_started(self, account: str) -> None:
        self.progress.show(f"Validating with {account}…", determinate=False)

    def _validation_done(self, message: str | None) -> None:
        self.progress.hide()
        if message:
            self.statusBar().showMessage(message, 15000)
        self._update_validate_action()
        self.validation_finished.emit()

    def cancel_running(self) -> None:
        """Cancel the load or the validation in progress."""
        self.document.cancel_load()
        self.validation.cancel()

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.document.modified and not self.files.close_confirmed:
            event.ignore()
            self.files.after_confirming(self.files.close_now)
            return
        self.cancel_running()
        self.problems.stop()
        self.editor.stop()
        self.campaigns.stop()
        self.document.close()
        self.runner.stop()
        save_geometry(self)
        self.context.save_settings()
        event.accept()
        self.closed.emit()
