"""A campaign's per-recipient outcomes: counted by status, listed a page at a time (a million
rows are never read at once), filtered, and exported to CSV with progress and Cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.outcomes import OutcomeStatus
from app.domain.wording import counted, line_text
from app.services.campaign_list import CampaignRow
from app.services.campaigns import CampaignService, StoredOutcome
from app.services.export import Cancel, ExportCancelled
from app.ui.widgets import roles
from app.ui.widgets.tables import scroll_to_top_on_reset

Index = QModelIndex | QPersistentModelIndex
#: "Line": the row's line in its file, as the editor and the problems list number rows.
HEADERS = ("Line", "Phone", "Status", "Provider's word", "Detail", "Time")
#: Outcomes read from the store per page; a screen shows a few dozen.
PAGE = 500


class OutcomeModel(QAbstractTableModel):
    """The outcomes of one campaign (only ``statuses``, when given), read a page at a time."""

    def __init__(self, service: CampaignService, campaign_id: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.service = service
        self.campaign_id = campaign_id
        self.statuses: frozenset[OutcomeStatus] = frozenset()
        self._count = service.outcome_count(campaign_id, self.statuses)
        self._pages: dict[int, list[StoredOutcome]] = {}

    def set_statuses(self, statuses: frozenset[OutcomeStatus]) -> None:
        self.beginResetModel()
        self.statuses = statuses
        self._count = self.service.outcome_count(self.campaign_id, statuses)
        self._pages.clear()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = roles.DISPLAY
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == roles.DISPLAY:
            return HEADERS[section]
        return None

    def outcome(self, row: int) -> StoredOutcome:
        page = row // PAGE
        if page not in self._pages:
            self._pages[page] = self.service.outcome_page(
                self.campaign_id, page * PAGE, PAGE, self.statuses
            )
        return self._pages[page][row - page * PAGE]

    def data(self, index: Index, role: int = roles.DISPLAY) -> Any:
        if not index.isValid() or role != roles.DISPLAY:
            return None
        outcome = self.outcome(index.row())
        return (
            line_text(outcome.line),
            outcome.phone,
            outcome.status.value.capitalize(),
            outcome.provider_status,
            outcome.detail,
            "" if outcome.at is None else f"{outcome.at.astimezone():%Y-%m-%d %H:%M:%S}",
        )[index.column()]


class OutcomesDialog(QDialog):
    def __init__(
        self, service: CampaignService, row: CampaignRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # made anew each time
        self.setWindowTitle(f"Outcomes of {row.name}")
        self.service = service
        self.model = OutcomeModel(service, row.id, self)
        counts = service.outcome_counts(row.id)
        self.counts = QLabel(
            " · ".join(f"{counts.get(s, 0):,} {s.value}" for s in OutcomeStatus)
            if any(counts.values())
            else "No outcome is known yet: the provider reports them once the campaign ends."
        )
        self.status_box = QComboBox()
        self.status_box.addItem("Every outcome", None)
        for status in OutcomeStatus:
            self.status_box.addItem(status.value.capitalize(), status)
        self.view = QTableView()
        self.view.setModel(self.model)
        scroll_to_top_on_reset(self.view)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(self.model.rowCount() > 0)
        self.progress = QProgressBar()
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel Export")
        self.cancel_button.hide()
        self.said = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.counts, 1)
        top.addWidget(self.status_box)
        bottom = QHBoxLayout()
        for widget in (self.said, self.progress, self.cancel_button):
            bottom.addWidget(widget)
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self._cancel: Cancel | None = None
        self._task: asyncio.Future[None] | None = None
        self.status_box.currentIndexChanged.connect(self._filtered)
        self.export_button.clicked.connect(self.export_dialog)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.resize(820, 520)

    def _filtered(self) -> None:
        status = self.status_box.currentData()
        self.model.set_statuses(frozenset({OutcomeStatus(status)}) if status else frozenset())
        self.export_button.setEnabled(self.model.rowCount() > 0)

    def export_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export outcomes", "outcomes.csv", "CSV (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        self._cancel = Cancel()
        total = self.model.rowCount()
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        for widget in (self.progress, self.cancel_button):
            widget.show()
        self.export_button.setEnabled(False)
        self._task = asyncio.ensure_future(self._export(path, self._cancel))

    async def _export(self, path: Path, cancel: Cancel) -> None:
        try:
            written = await self.service.export_outcomes(
                self.model.campaign_id,
                path,
                statuses=self.model.statuses,
                progress=self.progress.setValue,
                cancel=cancel,
            )
        except ExportCancelled as stopped:
            self.said.setText(str(stopped))
        except OSError as error:
            self.said.setText(f"{path.name} was not written: {error.strerror or error}.")
        else:
            self.said.setText(f"Exported {counted(written, 'outcome')} to {path.name}.")
        finally:
            self._task = None
            for widget in (self.progress, self.cancel_button):
                widget.hide()
            self.export_button.setEnabled(True)

    def cancel_export(self) -> None:
        if self._cancel is not None:
            self._cancel()

    def reject(self) -> None:
        self.cancel_export()
        super().reject()
