"""The editor's columns: the editable ones from the file, then the computed ones.

Plain Python (no Qt): what each column shows, and the key it sorts by, for one batch row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.batch import Batch, IssueSeverity, RowResult
from app.services.problems import PanelEntry


class Field(StrEnum):
    PHONE = "phone"
    MESSAGE = "message"
    EXTRA = "extra"
    COUNTRY = "country"
    ENCODING = "encoding"
    SEGMENTS = "segments"
    LAST_SEGMENT = "last_segment"
    COST = "cost"
    ISSUES = "issues"


EDITABLE = frozenset({Field.PHONE, Field.MESSAGE, Field.EXTRA})
NUMERIC = frozenset({Field.SEGMENTS, Field.LAST_SEGMENT, Field.COST})


@dataclass(frozen=True, slots=True)
class Column:
    field: Field
    title: str
    extra: int = -1  # index among the extra columns, for Field.EXTRA
    tip: str = ""

    @property
    def editable(self) -> bool:
        return self.field in EDITABLE


COMPUTED = (
    Column(Field.COUNTRY, "Country", tip="Country of the number (ISO code)"),
    Column(Field.ENCODING, "Encoding", tip="GSM-7, or UCS-2 when a character forces it"),
    Column(Field.SEGMENTS, "Segments", tip="SMS parts the message is sent as"),
    Column(Field.LAST_SEGMENT, "Last part", tip="Units used in the last part, of what it holds"),
    Column(Field.COST, "Cost", tip="Segments × the price for the country"),
    Column(Field.ISSUES, "Issues", tip="Problems found in the row"),
)


def columns_for(extra_columns: tuple[str, ...]) -> list[Column]:
    return [
        Column(Field.PHONE, "Phone", tip="The recipient's number"),
        Column(Field.MESSAGE, "Message", tip="The text sent to the recipient"),
        *(Column(Field.EXTRA, name, extra=i) for i, name in enumerate(extra_columns)),
        *COMPUTED,
    ]


def cell_text(batch: Batch, row: int, column: Column, result: Callable[[int], RowResult]) -> str:
    """What a cell shows (line feeds in a message are shown as ↵); ``result`` gives a row's
    result (the model caches them: a paint asks for several cells of one row)."""
    field = column.field
    if field is Field.PHONE:
        return batch.phone(row)
    if field is Field.MESSAGE:
        return batch.message(row).replace("\n", "↵")
    if field is Field.EXTRA:
        return _extra(batch, row, column.extra)
    return _computed_text(batch, result(row), field)


def edit_text(batch: Batch, row: int, column: Column) -> str:
    if column.field is Field.PHONE:
        return batch.phone(row)
    if column.field is Field.MESSAGE:
        return batch.message(row)
    return _extra(batch, row, column.extra)


def _extra(batch: Batch, row: int, index: int) -> str:
    extras = batch.extras(row)
    return extras[index] if index < len(extras) else ""


def _computed_text(batch: Batch, result: RowResult, field: Field) -> str:
    analysis = result.analysis
    if field is Field.COUNTRY:
        return result.region or "—"
    if field is Field.ENCODING:
        return analysis.encoding
    if field is Field.SEGMENTS:
        return str(analysis.segments)
    if field is Field.LAST_SEGMENT:
        return f"{analysis.segment_units[-1]}/{analysis.segment_capacity}"
    if field is Field.COST:
        return batch.settings.prices.format(result.cost)
    return issues_text(result)


def issues_text(
    result: RowResult, found: Sequence[PanelEntry] = (), source: str = "provider"
) -> str:
    """The first issue of the row (local ones first, then what ``source``, the provider,
    ``found``; its findings are named after it) and how many more there are."""
    if result.issues:
        first = result.issues[0].message
    elif found:
        first = f"{source}: {found[0].message}"
    else:
        return ""
    more = len(result.issues) + len(found) - 1
    return f"{first} (+{more} more)" if more else first


def worst_severity(result: RowResult, found: Sequence[PanelEntry] = ()) -> IssueSeverity | None:
    severities = {i.severity for i in result.issues} | {IssueSeverity(e.severity) for e in found}
    if IssueSeverity.ERROR in severities:
        return IssueSeverity.ERROR
    return IssueSeverity.WARNING if severities else None


#: (has an error, has a warning) -> place in an ascending sort: errors first, clean rows last
_ISSUE_RANK = {(True, True): 0, (True, False): 0, (False, True): 1, (False, False): 2}


def sort_key(
    batch: Batch, column: Column, found: Callable[[int], tuple[bool, bool]] | None = None
) -> Callable[[int], Any]:
    """The key of a batch row when sorting by ``column``; ``found`` gives a row's (error,
    warning) flags from the provider, which count like its own in the Issues column."""
    field = column.field
    if field is Field.PHONE:
        return batch.phone
    if field is Field.MESSAGE:
        return batch.message
    if field is Field.EXTRA:
        return lambda row: _extra(batch, row, column.extra)
    # The batch's per-row facts, not result(): a sort of a million rows reads them all.
    keys: dict[Field, Callable[[int], Any]] = {
        Field.COUNTRY: lambda row: batch.region(row) or "",
        Field.ENCODING: lambda row: batch.analysis(row).encoding,
        Field.SEGMENTS: lambda row: batch.analysis(row).segments,
        Field.LAST_SEGMENT: lambda row: batch.analysis(row).segment_units[-1],
        Field.COST: batch.cost,
        Field.ISSUES: lambda row: _ISSUE_RANK[batch.issue_flags(row)],
    }
    if field is Field.ISSUES and found is not None:
        flags = batch.issue_flags

        def rank(row: int) -> int:
            (error, warning), (found_error, found_warning) = flags(row), found(row)
            return _ISSUE_RANK[(error or found_error, warning or found_warning)]

        return rank
    return keys[field]
