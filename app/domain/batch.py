"""The batch: the document behind the editor, with per-row analysis and running totals.

Rows are stored column-wise (lists of strings) so a million rows stay compact. Analysis is
cached per distinct message text; totals are updated incrementally, so an edit of one row
costs O(1) (plus the rows sharing its number, for the duplicate check), never a rescan.
CONTRACT STUB: to be implemented; the signatures below are the agreed API, used by the UI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.domain.csvfile import CsvLayout
from app.domain.pricing import PriceTable
from app.domain.sms import SmsAnalysis


class IssueCode(StrEnum):
    PHONE_INVALID = "phone.invalid"
    PHONE_NOT_MOBILE = "phone.not_mobile"
    MESSAGE_EMPTY = "message.empty"
    MESSAGE_TOO_LONG = "message.too_long"
    ROW_DUPLICATE = "row.duplicate"
    ROW_MALFORMED = "row.malformed"


class IssueSeverity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class RowIssue:
    code: IssueCode
    severity: IssueSeverity
    column: str | None  # "phone", "message" or None for the whole row
    message: str  # a sentence for the operator


@dataclass(frozen=True, slots=True)
class RowResult:
    e164: str | None
    region: str | None
    analysis: SmsAnalysis
    cost: int  # micros
    issues: tuple[RowIssue, ...]


@dataclass(frozen=True, slots=True)
class CountryTotals:
    rows: int
    segments: int
    cost: int  # micros


@dataclass(frozen=True, slots=True)
class Totals:
    rows: int
    segments: int
    cost: int  # micros
    currency: str
    errors: int  # rows with at least one error
    warnings: int  # rows with at least one warning
    by_country: dict[str, CountryTotals]


@dataclass(frozen=True, slots=True)
class BatchSettings:
    default_region: str
    prices: PriceTable
    short_link_length: int | None = None  # None: short links off
    segment_cap: int = 10  # more segments than this is message.too_long


@dataclass(frozen=True, slots=True)
class RowData:
    """One row's editable content, as kept for undo and for insertion."""

    phone: str
    message: str
    extras: tuple[str, ...] = ()
    line: int = 0  # 0 for rows that were not in the file
    problem: str | None = None  # the CSV problem of a malformed row


@dataclass
class Batch:
    settings: BatchSettings
    layout: CsvLayout | None = None
    extra_columns: tuple[str, ...] = field(default_factory=tuple)

    # -- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        raise NotImplementedError

    def phone(self, row: int) -> str:
        raise NotImplementedError

    def message(self, row: int) -> str:
        raise NotImplementedError

    def extras(self, row: int) -> tuple[str, ...]:
        raise NotImplementedError

    def line(self, row: int) -> int:
        raise NotImplementedError

    def row_data(self, row: int) -> RowData:
        raise NotImplementedError

    def result(self, row: int) -> RowResult:
        raise NotImplementedError

    @property
    def totals(self) -> Totals:
        raise NotImplementedError

    # -- editing: each returns the rows whose result changed (duplicates partners too) ---
    def set_phone(self, row: int, value: str) -> set[int]:
        raise NotImplementedError

    def set_message(self, row: int, value: str) -> set[int]:
        raise NotImplementedError

    def set_extra(self, row: int, column: int, value: str) -> None:
        raise NotImplementedError

    def insert_rows(self, row: int, rows: Sequence[RowData]) -> set[int]:
        raise NotImplementedError

    def remove_rows(self, row: int, count: int) -> list[RowData]:
        """Remove and return the rows, so that an undo can insert them back."""
        raise NotImplementedError

    def append_rows(self, rows: Iterable[RowData]) -> None:
        """Bulk append while loading (no per-row change sets)."""
        raise NotImplementedError

    def set_settings(self, settings: BatchSettings) -> None:
        """Change region, prices, short links or cap; recomputes every row."""
        raise NotImplementedError


def load_batch(
    path: Path,
    settings: BatchSettings,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Batch:
    """Read a CSV file into a batch. ``progress(bytes_read, bytes_total)``; returns early when
    ``cancelled()`` turns true (raise nothing, the caller discards the batch); raises
    :class:`~app.domain.csvfile.CsvFileError` when the file cannot be used."""
    raise NotImplementedError
