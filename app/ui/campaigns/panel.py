"""The campaign list: every campaign of every account, its progress, and only the actions its
status allows.

Each action is enabled only when the campaign service's ``check`` says so, with the reason as
the tooltip when not; destructive ones ask first; an action in flight shows in the Status
column and cannot be started twice (the service refuses it, the button is disabled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QAction, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.domain.campaign import Action, ActionCheck, CampaignStatus
from app.services.accounts import PROVIDERS
from app.services.campaign_list import CampaignFilter, CampaignRow
from app.services.campaigns import CampaignService, NewBatch
from app.services.following import Follower
from app.ui.campaigns.model import PROGRESS_COLUMN, ROW_ROLE, CampaignModel
from app.ui.campaigns.outcomes import OutcomesDialog
from app.ui.widgets.dialogs import Button, Dialogs
from app.ui.widgets.tables import scroll_to_top_on_reset

#: What an operator must be told before a destructive action, and cannot take back.
CONFIRM: dict[Action, str] = {
    Action.CANCEL: "Cancel {name}? Messages not yet sent will never be sent; this cannot be "
    "undone.",
    Action.DELETE: "Delete {name}? It is removed here and at the provider; this cannot be undone.",
}
#: The toolbar's actions, in order; update is the submit flow's, from the editor.
TOOLBAR_ACTIONS = (
    Action.VALIDATE,
    Action.SEND,
    Action.PAUSE,
    Action.RESUME,
    Action.CANCEL,
    Action.UNSCHEDULE,
    Action.DELETE,
)


class ProgressDelegate(QStyledItemDelegate):
    """Progress as a bar: sent of the total, with the counts as its text."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, CampaignRow):
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(option.rect).adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(row.progress * 1000)
        bar.text = index.data()
        bar.textVisible = True
        bar.state = option.state
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class CampaignsPanel(QWidget):
    """``open_batch(NewBatch)``: a duplicate or the failed recipients, for the editor;
    ``message(text)``: a word for the status bar."""

    open_batch = Signal(object)
    message = Signal(str)
    #: put the editor's rows into this campaign (its provider's update)
    update_requested = Signal(int)

    def __init__(
        self,
        service: CampaignService,
        follower: Follower,
        dialogs: Dialogs,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.follower = follower
        self.dialogs = dialogs
        self.model = CampaignModel(service.list, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        scroll_to_top_on_reset(self.view)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.setItemDelegateForColumn(PROGRESS_COLUMN, ProgressDelegate(self.view))
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((220, 90, 150, 110, 170, 170, 100)):
            self.view.setColumnWidth(column, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.actions_by_kind: dict[Action, QAction] = {}
        self.toolbar = QToolBar()
        self._build_toolbar()
        self.find_field = QLineEdit(placeholderText="Find a campaign by name or account")
        self.find_field.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        self.status_box.addItem("Every status", None)
        for status in CampaignStatus:
            self.status_box.addItem(status.label, status)
        self.provider_box = QComboBox()
        self.provider_box.addItem("Every provider", None)
        for key, entry in PROVIDERS.items():
            self.provider_box.addItem(entry.display_name, key)
        self.account_box = QComboBox()
        self.account_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._fill_accounts()
        self.updated_label = QLabel()
        filters = QHBoxLayout()
        filters.setContentsMargins(4, 2, 4, 2)
        self.find_field.setMinimumWidth(260)
        for widget in (self.find_field, self.status_box, self.provider_box, self.account_box):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.updated_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        self._running: dict[int, asyncio.Future[object]] = {}  # campaign id -> its action
        self.find_field.textChanged.connect(self._filter_changed)
        self.status_box.currentIndexChanged.connect(self._filter_changed)
        self.provider_box.currentIndexChanged.connect(self._filter_changed)
        self.account_box.currentIndexChanged.connect(self._filter_changed)
        accounts = follower.accounts
        for signal in (accounts.added, accounts.changed, accounts.removed):
            signal.connect(self._fill_accounts)
        self.view.selectionModel().selectionChanged.connect(self.update_actions)
        self.view.customContextMenuRequested.connect(self._context_menu)
        for signal in (self.model.modelReset, self.model.dataChanged, self.model.rowsRemoved):
            signal.connect(self.update_actions)
        service.action_finished.connect(self._finished)
        follower.state_changed.connect(self._follow_changed)
        self.update_actions()

    def _fill_accounts(self, *_changed: str) -> None:
        box = self.account_box
        chosen = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem("Every account", None)
        for record in self.follower.accounts.records():
            box.addItem(record.name, record.id)
        box.setCurrentIndex(max(box.findData(chosen), 0))
        box.blockSignals(False)

    # -- building --------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        refresh = self.toolbar.addAction("Refresh Now")
        refresh.setToolTip("Ask every account's provider about its campaigns now")
        refresh.triggered.connect(lambda: self.follower.refresh_now())
        self.toolbar.addSeparator()
        self.update_action = self.toolbar.addAction("Update from Editor…")
        self.update_action.triggered.connect(self._update)
        for action in TOOLBAR_ACTIONS:
            qaction = self.toolbar.addAction(action.label)
            qaction.triggered.connect(lambda _=False, a=action: self.start_action(a))
            self.actions_by_kind[action] = qaction
        self.toolbar.addSeparator()
        self.duplicate_action = self.toolbar.addAction("Duplicate into Editor")
        self.duplicate_action.triggered.connect(lambda: self._new_batch(self.service.duplicate))
        self.resend_action = self.toolbar.addAction("Re-send Failed")
        self.resend_action.triggered.connect(lambda: self._new_batch(self.service.resend_failed))
        self.outcomes_action = self.toolbar.addAction("Outcomes…")
        self.outcomes_action.setToolTip("What became of each recipient; export them to CSV")
        self.outcomes_action.triggered.connect(self.show_outcomes)

    # -- selection and gating ----------------------------------------------------------------
    def selected(self) -> CampaignRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select(self, campaign_id: int) -> None:
        position = self.service.list.index_of(campaign_id)
        if position is not None:
            self.view.selectRow(position)

    def update_actions(self) -> None:
        row = self.selected()
        for action, qaction in self.actions_by_kind.items():
            if row is None:
                qaction.setEnabled(False)
                qaction.setToolTip(f"Select a campaign to {action.value} it.")
                continue
            # started here but not yet under way in the service: still in flight
            check = (
                ActionCheck(False, "Already acting on this campaign; wait for its answer.")
                if row.id in self._running
                else self.service.check(row.id, action)
            )
            qaction.setEnabled(check.allowed)
            qaction.setToolTip(check.reason or f"{action.label} {row.name}")
        for qaction, checker in (
            (self.duplicate_action, self.service.check_duplicate),
            (self.resend_action, self.service.check_resend_failed),
        ):
            check = checker(row.id) if row is not None else None
            qaction.setEnabled(bool(check))
            qaction.setToolTip(check.reason if check is not None else "Select a campaign first.")
        self.outcomes_action.setEnabled(row is not None)
        update = self.service.check(row.id, Action.UPDATE) if row is not None else None
        self.update_action.setEnabled(bool(update))
        self.update_action.setToolTip(
            (update.reason or f"Replace {row.name}'s rows and schedule with the editor's")
            if update is not None and row is not None
            else "Select a campaign first."
        )

    # -- actions -----------------------------------------------------------------------------
    def start_action(self, action: Action) -> None:
        row = self.selected()
        if row is None or not self.service.check(row.id, action):
            return
        if action in CONFIRM:
            self.dialogs.ask(
                f"{action.label} campaign",
                CONFIRM[action].format(name=row.name),
                {Button.Yes: lambda: self._run(row.id, action), Button.No: None},
                default=Button.No,
                labels={Button.Yes: action.label, Button.No: "Keep it"},
            )
            return
        self._run(row.id, action)

    def _run(self, campaign_id: int, action: Action) -> None:
        if campaign_id in self._running:
            return
        task = asyncio.ensure_future(self.service.run(campaign_id, action))
        self._running[campaign_id] = task
        task.add_done_callback(lambda _: self._ended(campaign_id))
        self.update_actions()

    def _ended(self, campaign_id: int) -> None:
        self._running.pop(campaign_id, None)
        self.update_actions()

    def _finished(self, _campaign_id: int, _action: str, _ok: bool, sentence: str) -> None:
        self.message.emit(sentence)
        self.update_actions()

    def _new_batch(self, make: Callable[[int], NewBatch]) -> None:
        row = self.selected()
        if row is not None:
            self.open_batch.emit(make(row.id))

    def _update(self) -> None:
        row = self.selected()
        if row is not None and self.service.check(row.id, Action.UPDATE):
            self.update_requested.emit(row.id)

    def show_outcomes(self) -> OutcomesDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = OutcomesDialog(self.service, row, self)
        dialog.open()
        return dialog

    def _context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.selectRow(index.row())
        menu = QMenu(self)
        menu.addActions([self.actions_by_kind[a] for a in TOOLBAR_ACTIONS])
        menu.addSeparator()
        menu.addActions([self.duplicate_action, self.resend_action, self.outcomes_action])
        menu.popup(self.view.viewport().mapToGlobal(position))

    # -- filter, find, following ----------------------------------------------------------
    def _filter_changed(self) -> None:
        status = self.status_box.currentData()
        provider = self.provider_box.currentData()
        account = self.account_box.currentData()
        self.service.list.set_filter(
            CampaignFilter(
                account_ids=frozenset({account}) if account else frozenset(),
                providers=frozenset({provider}) if provider else frozenset(),
                statuses=frozenset({CampaignStatus(status)}) if status else frozenset(),
                text=self.find_field.text().strip(),
            )
        )

    def _follow_changed(self, _account_id: str) -> None:
        last = self.follower.last_updated
        self.updated_label.setText(
            f"Last updated {last.astimezone():%H:%M:%S}" if last else "Not updated yet"
        )

    def stop(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        self.model.disconnect_list()
