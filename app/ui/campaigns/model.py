"""The campaign list's table model: a thin Qt adapter over the services' :class:`CampaignList`.

The list filters and sorts itself and announces every change in visible positions, before
and after it happens; this model turns each announcement into the matching Qt signal, and
renders a row's cells (status with the provider's own word as the tooltip, progress, the
schedule with its time zone, cost).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.domain.wording import counted
from app.services.campaign_list import CampaignList, CampaignRow, SortKey
from app.ui.widgets import roles

Index = QModelIndex | QPersistentModelIndex

#: The row's :class:`CampaignRow`, for the progress delegate and the actions.
ROW_ROLE = roles.USER + 1

COLUMNS: tuple[tuple[str, SortKey], ...] = (
    ("Name", SortKey.NAME),
    ("Provider", SortKey.PROVIDER),
    ("Account", SortKey.ACCOUNT),
    ("Status", SortKey.STATUS),
    ("Progress", SortKey.PROGRESS),
    ("Starts", SortKey.START),
    ("Cost", SortKey.COST),
    ("Updated", SortKey.UPDATED),
)
PROGRESS_COLUMN = 4


class CampaignModel(QAbstractTableModel):
    def __init__(self, campaigns: CampaignList, parent: Any = None) -> None:
        super().__init__(parent)
        self.campaigns = campaigns
        campaigns.inserting.connect(self._inserting)
        campaigns.inserted.connect(self._inserted)
        campaigns.removing.connect(self._removing)
        campaigns.removed.connect(self._removed)
        campaigns.changed.connect(self._changed)
        campaigns.resetting.connect(self._resetting)
        campaigns.reset.connect(self._reset)

    def disconnect_list(self) -> None:
        """Stop following the list (the model is going away; the list lives on)."""
        for signal, slot in (
            (self.campaigns.inserting, self._inserting),
            (self.campaigns.inserted, self._inserted),
            (self.campaigns.removing, self._removing),
            (self.campaigns.removed, self._removed),
            (self.campaigns.changed, self._changed),
            (self.campaigns.resetting, self._resetting),
            (self.campaigns.reset, self._reset),
        ):
            signal.disconnect(slot)

    # -- the list's announcements -------------------------------------------------------------
    def _inserting(self, first: int, last: int) -> None:
        self.beginInsertRows(QModelIndex(), first, last)

    def _inserted(self, _first: int, _last: int) -> None:
        self.endInsertRows()

    def _removing(self, first: int, last: int) -> None:
        self.beginRemoveRows(QModelIndex(), first, last)

    def _removed(self, _first: int, _last: int) -> None:
        self.endRemoveRows()

    def _changed(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _resetting(self) -> None:
        self.beginResetModel()

    def _reset(self) -> None:
        self.endResetModel()

    # -- Qt's side ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.campaigns)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = roles.DISPLAY
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == roles.DISPLAY:
            return COLUMNS[section][0]
        return None

    def row(self, view_row: int) -> CampaignRow:
        return self.campaigns[view_row]

    def data(self, index: Index, role: int = roles.DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self.campaigns[index.row()]
        column = index.column()
        if role == roles.DISPLAY:
            return cell_text(row, column)
        if role == roles.TOOLTIP:
            return cell_tip(row, column)
        if role == ROW_ROLE:
            return row
        if role == roles.ALIGNMENT and column == 6:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if column >= 0 else SortKey.CREATED
        self.campaigns.set_sort(key, descending=order == Qt.SortOrder.DescendingOrder)


def cell_text(row: CampaignRow, column: int) -> str:
    if column == 0:
        return row.name
    if column == 1:
        return row.provider_name
    if column == 2:
        return row.account_name
    if column == 3:
        busy = f" ({row.busy.value}…)" if row.busy is not None else ""
        return row.status_label + busy
    if column == PROGRESS_COLUMN:
        return progress_text(row)
    if column == 5:
        return schedule_text(row.start, row.timezone)
    if column == 6:
        return "" if row.cost_micros is None else f"{row.cost_micros / 1e6:.4f} {row.currency}"
    return _moment(row.updated or row.synced)


def cell_tip(row: CampaignRow, column: int) -> str | None:
    if column == 3:
        word = f"{row.provider_name} says: {row.provider_status}" if row.provider_status else ""
        parts = [word]
        if row.overdue:
            parts.append("Its start passed long ago and nothing was sent: it waits for you.")
        if row.notice:
            parts.append(row.notice)
        return "\n".join(p for p in parts if p) or None
    if column == PROGRESS_COLUMN:
        total = row.total if row.total is not None else row.recipients
        return (
            f"{counted(row.sent, 'message')} sent, {row.delivered:,} delivered, "
            f"{row.failed:,} failed, {row.pending:,} pending of {total:,}"
        )
    if column == 7 and row.synced is not None:
        return f"Last asked the provider at {_moment(row.synced)}"
    return None


def progress_text(row: CampaignRow) -> str:
    total = row.total if row.total is not None else row.recipients
    return f"{row.sent:,} / {total:,}" + (f" · {row.failed:,} failed" if row.failed else "")


def schedule_text(start: datetime | None, timezone: str) -> str:
    """The start in its own time zone, with the zone named: a time is never shown without it."""
    if start is None:
        return "Now"
    try:
        local = start.astimezone(ZoneInfo(timezone)) if timezone else start
    except (ZoneInfoNotFoundError, ValueError):
        local = start
    return f"{local:%Y-%m-%d %H:%M} {timezone or local.tzname() or 'UTC'}"


def _moment(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone():%Y-%m-%d %H:%M}"
