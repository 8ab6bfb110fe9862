"""The provider's findings from its last validate-only run, by batch row.

Plain Python. A provider reports the rows it refuses, which are few next to a million rows,
so they are kept in a dict by row, and the rows that only the provider faults are counted as
they come and go: the status bar's counts, the Issues cells and the row filters add them to
the batch's own figures without a pass over the rows.

A finding lives as long as the row it names is unchanged: an edit of the row drops it (it
was about the old content), and rows added or removed drop them all (the row numbers moved).
"""

from __future__ import annotations

from collections.abc import Iterable

from psygnal import Signal

from app.domain.batch import Batch
from app.services.problems import PanelEntry
from app.services.row_filter import RowFilter

_NONE: tuple[PanelEntry, ...] = ()
#: The row filters that keep rows with findings: the severity they keep (None: any).
_FILTER_SEVERITY: dict[RowFilter, str | None] = {
    RowFilter.ERRORS: "error",
    RowFilter.WARNINGS: "warning",
    RowFilter.ISSUES: None,
}


class ProviderFindings:
    """The provider's entries by batch row, and those about the whole file."""

    #: the findings changed: the set of rows whose findings came or went
    changed = Signal(object)

    def __init__(self) -> None:
        self.source = ""  # who found them: the account's name
        self.file: tuple[PanelEntry, ...] = ()  # about the whole file, no row
        self._rows: dict[int, tuple[PanelEntry, ...]] = {}
        # What each row adds to the batch's counts: (error, warning) that it has only from
        # the provider. A row's local issues cannot change while its findings live (an edit
        # drops them), so these stay true until the row is dropped.
        self._adds: dict[int, tuple[bool, bool]] = {}
        self.errors_added = 0  # rows with an error from the provider and none of their own
        self.warnings_added = 0

    def __bool__(self) -> bool:
        return bool(self._rows or self.file)

    def of(self, row: int) -> tuple[PanelEntry, ...]:
        return self._rows.get(row, _NONE)

    def flags(self, row: int) -> tuple[bool, bool]:
        """(has an error, has a warning) from the provider."""
        return _flags(self._rows.get(row, _NONE))

    def rows(self, severity: str | None = None) -> list[int]:
        """The rows with a finding (of ``severity``; None: of any), in order."""
        return sorted(
            row
            for row, entries in self._rows.items()
            if severity is None or any(e.severity == severity for e in entries)
        )

    def kept_by(self, row_filter: RowFilter) -> list[int]:
        """The rows with findings that ``row_filter`` keeps, in order."""
        if not self._rows or row_filter not in _FILTER_SEVERITY:
            return []
        return self.rows(_FILTER_SEVERITY[row_filter])

    def set(self, batch: Batch, entries: Iterable[PanelEntry], source: str) -> None:
        """Replace the findings with a run's ``entries`` (found by ``source``)."""
        dropped = set(self._rows)
        self._clear()
        self.source = source
        by_row: dict[int, list[PanelEntry]] = {}
        file: list[PanelEntry] = []
        for entry in entries:
            if entry.row < 0:
                file.append(entry)
            else:
                by_row.setdefault(entry.row, []).append(entry)
        self.file = tuple(file)
        for row, found in by_row.items():
            self._rows[row] = tuple(found)
            error, warning = _flags(found)
            local_error, local_warning = batch.issue_flags(row)
            adds = (error and not local_error, warning and not local_warning)
            self._adds[row] = adds
            self.errors_added += adds[0]
            self.warnings_added += adds[1]
        self.changed.emit(dropped | set(by_row))

    def drop_rows(self, rows: Iterable[int]) -> None:
        """These rows changed: what the provider said about them no longer holds."""
        if not self._rows:
            return
        dropped = set()
        for row in rows:
            if self._rows.pop(row, None) is not None:
                error, warning = self._adds.pop(row)
                self.errors_added -= error
                self.warnings_added -= warning
                dropped.add(row)
        if dropped:
            self.changed.emit(dropped)

    def clear(self) -> None:
        if not self:
            return
        dropped = set(self._rows)
        self._clear()
        self.changed.emit(dropped)

    def _clear(self) -> None:
        self._rows.clear()
        self._adds.clear()
        self.file = ()
        self.errors_added = self.warnings_added = 0


def _flags(entries: Iterable[PanelEntry]) -> tuple[bool, bool]:
    severities = {entry.severity for entry in entries}
    return "error" in severities, "warning" in severities


def with_rows(rows: list[int], extra: list[int]) -> list[int]:
    """``rows`` (in order) with the rows of ``extra`` (in order) among them, once each."""
    if not extra:
        return rows
    return sorted(set(rows).union(extra))
