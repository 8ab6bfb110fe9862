"""The campaign list as the window shows it: rows filtered and sorted here, not in Qt.

:class:`CampaignList` holds one :class:`CampaignRow` per campaign of every account and exposes
the visible ones (those its :class:`CampaignFilter` accepts, in its sort order) by position.
Every change is announced in positions of that visible list, before and after it happens, so a
``QAbstractTableModel`` adapts it one to one: ``inserting``/``inserted`` ->
``beginInsertRows``/``endInsertRows``, ``removing``/``removed`` -> ``begin/endRemoveRows``,
``changed`` -> ``dataChanged``, ``resetting``/``reset`` -> ``begin/endResetModel``. A refresh
that changes many rows in place announces one ``changed`` per contiguous range.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from psygnal import Signal

from app.domain.campaign import Action, CampaignStatus

#: Above this many rows entering, leaving or moving at once, the list is reset instead.
RESET_ABOVE = 64


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """What the list shows of one campaign, ready to render."""

    id: int
    account_id: str
    account_name: str
    provider: str
    provider_name: str
    name: str
    status: CampaignStatus
    provider_status: str  # the provider's own word, for the tooltip
    total: int | None
    sent: int
    delivered: int
    failed: int
    pending: int
    start: datetime | None  # when it is scheduled to start (None: now / not scheduled)
    timezone: str  # the zone the schedule was set in, always shown with the start
    recipients: int
    segments: int
    cost_micros: int | None
    currency: str
    created: datetime | None
    updated: datetime | None
    synced: datetime | None  # last time the provider was asked about it
    overdue: bool = False  # scheduled, its start long past, and nothing sent: waits for you
    busy: Action | None = None  # the action in flight
    unconfirmed: bool = False  # an earlier action's outcome is still being checked
    missing: bool = False  # the provider no longer has it
    imported: bool = False  # found at the provider; its recipients are not here
    notice: str = ""  # the last thing worth telling about it (a refusal, a reconciliation)

    @property
    def progress(self) -> float:
        """Sent (handed to the network, delivered or not) out of the total, 0..1."""
        total = self.total if self.total is not None else self.recipients
        return min(1.0, self.sent / total) if total else 0.0

    @property
    def status_label(self) -> str:
        return "Overdue" if self.overdue else self.status.label


class SortKey(StrEnum):
    NAME = "name"
    PROVIDER = "provider"
    ACCOUNT = "account"
    STATUS = "status"
    PROGRESS = "progress"
    START = "start"
    COST = "cost"
    UPDATED = "updated"
    CREATED = "created"


_STATUS_ORDER = {s: i for i, s in enumerate(CampaignStatus)}


def _present(value: Any) -> tuple[int, Any]:
    """None sorts first, whatever the type of the others."""
    return (0, 0) if value is None else (1, value)


SORT_KEYS: dict[SortKey, Callable[[CampaignRow], Any]] = {
    SortKey.NAME: lambda r: r.name.casefold(),
    SortKey.PROVIDER: lambda r: r.provider_name.casefold(),
    SortKey.ACCOUNT: lambda r: r.account_name.casefold(),
    SortKey.STATUS: lambda r: (not r.overdue, _STATUS_ORDER[r.status]),
    SortKey.PROGRESS: lambda r: r.progress,
    SortKey.START: lambda r: _present(r.start),
    SortKey.COST: lambda r: _present(r.cost_micros),
    SortKey.UPDATED: lambda r: _present(r.updated),
    SortKey.CREATED: lambda r: _present(r.created),
}


@dataclass(frozen=True, slots=True)
class CampaignFilter:
    """Which rows show; an empty set means "any"."""

    account_ids: frozenset[str] = field(default_factory=frozenset)
    providers: frozenset[str] = field(default_factory=frozenset)
    statuses: frozenset[CampaignStatus] = field(default_factory=frozenset)
    text: str = ""  # in the name or the account's name, ignoring case
    overdue_only: bool = False

    def accepts(self, row: CampaignRow) -> bool:
        if self.account_ids and row.account_id not in self.account_ids:
            return False
        if self.providers and row.provider not in self.providers:
            return False
        if self.statuses and row.status not in self.statuses:
            return False
        if self.overdue_only and not row.overdue:
            return False
        if self.text:
            needle = self.text.casefold()
            return needle in row.name.casefold() or needle in row.account_name.casefold()
        return True


class CampaignList:
    inserting = Signal(int, int)
    inserted = Signal(int, int)
    removing = Signal(int, int)
    removed = Signal(int, int)
    changed = Signal(int, int)
    resetting = Signal()
    reset = Signal()

    def __init__(self) -> None:
        self._rows: dict[int, CampaignRow] = {}  # every row, visible or not
        self._filter = CampaignFilter()
        self._sort = SortKey.CREATED
        self._descending = True
        self._order: list[int] = []  # visible ids, ascending by sort key then id
        self._keys: dict[int, tuple[Any, int]] = {}  # sort key of each visible id
        self._positions: dict[int, int] | None = None  # id -> ascending position, lazily

    # -- reading, in visible positions -------------------------------------------------------
    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index: int) -> CampaignRow:
        return self._rows[self._order[self._ascending(index)]]

    def __iter__(self) -> Iterator[CampaignRow]:
        ids = reversed(self._order) if self._descending else iter(self._order)
        return (self._rows[i] for i in ids)

    def index_of(self, campaign_id: int) -> int | None:
        """The visible position of a campaign, None when filtered out or unknown."""
        position = self._ascending_positions().get(campaign_id)
        return None if position is None else self._ascending(position)

    def get(self, campaign_id: int) -> CampaignRow | None:
        """A campaign's row, visible or not."""
        return self._rows.get(campaign_id)

    def all_rows(self) -> list[CampaignRow]:
        return list(self._rows.values())

    @property
    def filter(self) -> CampaignFilter:
        return self._filter

    @property
    def sort(self) -> tuple[SortKey, bool]:
        """The sort key and whether it runs descending."""
        return self._sort, self._descending

    def find(self, text: str, start: int = 0) -> int | None:
        """The first visible position at or after ``start`` (wrapping round) whose name holds
        ``text``, ignoring case."""
        needle = text.casefold()
        count = len(self)
        for step in range(count):
            index = (start + step) % count
            if needle in self[index].name.casefold():
                return index
        return None

    # -- the view ----------------------------------------------------------------------------
    def set_filter(self, new: CampaignFilter) -> None:
        if new != self._filter:
            self._filter = new
            self._rebuild()

    def set_sort(self, key: SortKey, descending: bool = False) -> None:
        if (key, descending) != (self._sort, self._descending):
            self._sort, self._descending = key, descending
            self._rebuild()

    # -- changes (the service's side) ----------------------------------------------------------
    def replace_all(self, rows: Iterable[CampaignRow]) -> None:
        self._rows = {r.id: r for r in rows}
        self._rebuild()

    def upsert(self, rows: Iterable[CampaignRow]) -> None:
        """Add new rows and replace known ones, announcing where each shows."""
        staying: list[int] = []
        moving: list[tuple[int, bool, bool]] = []
        for row in rows:
            was_visible = row.id in self._keys
            self._rows[row.id] = row
            visible = self._filter.accepts(row)
            if was_visible and visible and self._keys[row.id] == self._key(row):
                staying.append(row.id)
            elif was_visible or visible:
                moving.append((row.id, was_visible, visible))
        if len(moving) > RESET_ABOVE:
            self._rebuild()
            return
        for campaign_id, was_visible, visible in moving:
            if was_visible:
                self._take_out(campaign_id)
            if visible:
                self._put_in(campaign_id)
        self._announce_changed(staying)

    def remove(self, campaign_ids: Iterable[int]) -> None:
        for campaign_id in campaign_ids:
            if campaign_id in self._keys:
                self._take_out(campaign_id)
            self._rows.pop(campaign_id, None)

    # -- inside ------------------------------------------------------------------------------
    def _key(self, row: CampaignRow) -> tuple[Any, int]:
        return (SORT_KEYS[self._sort](row), row.id)

    def _ascending(self, index: int) -> int:
        """Visible position <-> ascending position (the same map both ways)."""
        return len(self._order) - 1 - index if self._descending else index

    def _ascending_positions(self) -> dict[int, int]:
        if self._positions is None:
            self._positions = {cid: i for i, cid in enumerate(self._order)}
        return self._positions

    def _rebuild(self) -> None:
        self.resetting.emit()
        visible = [r for r in self._rows.values() if self._filter.accepts(r)]
        self._keys = {r.id: self._key(r) for r in visible}
        self._order = sorted(self._keys, key=self._keys.__getitem__)
        self._positions = None
        self.reset.emit()

    def _take_out(self, campaign_id: int) -> None:
        position = self._ascending_positions()[campaign_id]
        index = self._ascending(position)
        self.removing.emit(index, index)
        del self._order[position]
        del self._keys[campaign_id]
        self._positions = None
        self.removed.emit(index, index)

    def _put_in(self, campaign_id: int) -> None:
        key = self._key(self._rows[campaign_id])
        position = bisect_left(self._order, key, key=self._keys.__getitem__)
        index = len(self._order) - position if self._descending else position
        self.inserting.emit(index, index)
        self._order.insert(position, campaign_id)
        self._keys[campaign_id] = key
        self._positions = None
        self.inserted.emit(index, index)

    def _announce_changed(self, campaign_ids: list[int]) -> None:
        if not campaign_ids:
            return
        positions = self._ascending_positions()
        indexes = sorted(self._ascending(positions[c]) for c in campaign_ids)
        first = last = indexes[0]
        for index in indexes[1:]:
            if index == last + 1:
                last = index
                continue
            self.changed.emit(first, last)
            first = last = index
        self.changed.emit(first, last)
