"""The provider's findings from its last validate-only run, about the rows they name.

Plain Python. A provider reports the rows it refuses, which are few next to a million rows,
so they are kept as an :class:`EntryRun` of their own (by position, for the editor's cells and
filters), and the rows that only the provider faults are counted as they come and go: the
status bar's counts, the Issues cells and the row filters add them to the batch's own figures
without a pass over the rows.

A finding lives as long as the row it names is unchanged: an edit of the row drops it (it
was about the old content), removing the row drops it with the row; rows inserted or removed
elsewhere only move it (:meth:`ProviderFindings.moved`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from psygnal import Signal

from app.domain.batch import Batch
from app.services.problems import EntryRun, PanelEntry, count_errors
from app.services.row_filter import RowFilter

#: The row filters that keep rows with findings: the severity they keep (None: any).
_FILTER_SEVERITY: dict[RowFilter, str | None] = {
    RowFilter.ERRORS: "error",
    RowFilter.WARNINGS: "warning",
    RowFilter.ISSUES: None,
}


class ProviderFindings:
    """The provider's entries about rows, and those about the whole file."""

    #: the findings changed: the set of rows whose findings came or went
    changed = Signal(object)

    def __init__(self) -> None:
        self.source = ""  # who found them: the account's name
        self.file: tuple[PanelEntry, ...] = ()  # about the whole file, no row
        self._run = EntryRun()  # about rows
        # What each row (by id) adds to the batch's counts: (error, warning) that it has only
        # from the provider. A row's local issues cannot change while its findings live (an
        # edit drops them), so these stay true until the row is dropped.
        self._adds: dict[int, tuple[bool, bool]] = {}
        self.errors_added = 0  # rows with an error from the provider and none of their own
        self.warnings_added = 0

    def __bool__(self) -> bool:
        return bool(self._run or self.file)

    def of(self, row: int) -> list[PanelEntry]:
        return self._run.of_row(row) if self._run else []

    def flags(self, row: int) -> tuple[bool, bool]:
        """(has an error, has a warning) from the provider."""
        return _flags(self.of(row))

    def rows(self, severity: str | None = None) -> list[int]:
        """The rows with a finding (of ``severity``; None: of any), in order."""
        run = self._run
        pairs = zip(run.rows, run.entries, strict=True)
        return list(
            dict.fromkeys(row for row, e in pairs if severity is None or e.severity == severity)
        )

    def kept_by(self, row_filter: RowFilter) -> list[int]:
        """The rows with findings that ``row_filter`` keeps, in order."""
        if not self._run or row_filter not in _FILTER_SEVERITY:
            return []
        return self.rows(_FILTER_SEVERITY[row_filter])

    def set(self, batch: Batch, found: EntryRun, source: str) -> None:
        """Replace the findings with a run's entries (``found``, at the rows of ``batch``
        they are about; whole-file ones at row -1), found by ``source``."""
        dropped = set(self._run.rows)
        self._clear()
        self.source = source
        first_row = bisect_left(found.rows, 0)  # whole-file entries (row -1) come first
        self.file = tuple(found.entries[:first_row])
        run = self._run = EntryRun()
        run.entries, run.rows = found.entries[first_row:], found.rows[first_row:]
        run.errors = count_errors(run.entries)
        for row in dict.fromkeys(run.rows):
            error, warning = _flags(run.of_row(row))
            local_error, local_warning = batch.issue_flags(row)
            self._add(batch.row_id(row), (error and not local_error, warning and not local_warning))
        self.changed.emit(dropped | set(run.rows))

    def drop_rows(self, rows: Iterable[int]) -> None:
        """These rows changed: what the provider said about them no longer holds."""
        if not self._run:
            return
        found = {row: entries for row in rows if (entries := self._run.of_row(row))}
        if not found:
            return
        for entries in found.values():
            self._drop(entries)
        gone: dict[int, list[PanelEntry]] = {row: [] for row in found}
        self._run.replace_rows(gone)
        self.changed.emit(set(gone))

    def moved(self, at: int, delta: int) -> None:
        """Rows were inserted or removed (see :meth:`EntryRun.moved`): the findings of removed
        rows go with them, the others stay with their rows."""
        if self._run:
            self._drop(self._run.moved(at, delta))

    def clear(self) -> None:
        if not self:
            return
        dropped = set(self._run.rows)
        self._clear()
        self.changed.emit(dropped)

    def _add(self, row_id: int, adds: tuple[bool, bool]) -> None:
        self._adds[row_id] = adds
        self.errors_added += adds[0]
        self.warnings_added += adds[1]

    def _drop(self, entries: Iterable[PanelEntry]) -> None:
        for row_id in {entry.row_id for entry in entries}:
            error, warning = self._adds.pop(row_id)
            self.errors_added -= error
            self.warnings_added -= warning

    def _clear(self) -> None:
        self._run = EntryRun()
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
