"""The problems list: every issue of the rows, local and from the provider, in row order.

Plain Python: the panel's Qt model (``app.ui.problems.panel``) shows an :class:`EntryRun`;
what builds and merges the runs lives here, so that the window and the tests share it.

An entry names its row by the row's stable id (``Batch.row_id``); a run keeps beside its
entries where each one's row is now, in order. Rows inserted or removed keep the entries
(:meth:`EntryRun.moved` moves the positions along and drops the entries of removed rows), so
neither a rescan nor a lost provider verdict follows from adding a row.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby
from operator import attrgetter, countOf, itemgetter
from typing import NamedTuple

from app.domain.batch import Batch
from app.providers.issues import ProviderIssue
from app.services.jobs import Steps, row_slices, run_to_end


class Source(StrEnum):
    LOCAL = "Local"
    PROVIDER = "Provider"


@dataclass(frozen=True, slots=True)
class PanelEntry:
    row_id: int  # the batch row's id (``Batch.row_id``); -1 for a problem with the whole file
    line: int  # line in the file; 0 for a row that was not in it
    severity: str  # "error" or "warning"
    source: Source
    column: str | None
    code: str
    message: str


HEADERS = ("Severity", "Source", "Line", "Column", "Code", "Message")


def local_entries(batch: Batch, row: int) -> list[PanelEntry]:
    issues = batch.result(row).issues
    if not issues:
        return []
    line, row_id = batch.line(row), batch.row_id(row)
    return [
        PanelEntry(row_id, line, i.severity.value, Source.LOCAL, i.column, i.code.value, i.message)
        for i in issues
    ]


@dataclass(eq=False)
class AskedRows:
    """The rows of ``batch`` as a validate-only run sent them: their ids then (an issue names
    its row by the position it had), and the ids of the rows edited since (the provider's
    word on those is about their old content)."""

    batch: Batch
    ids: array[int]
    edited: set[int] = field(default_factory=set)


def provider_run(batch: Batch, issues: Iterable[ProviderIssue], asked: AskedRows) -> EntryRun:
    """The entries of a validate-only run's ``issues``, at the rows they are about now; rows
    removed or edited since they were sent are left out."""
    ids, edited = asked.ids, asked.edited
    placed: list[tuple[int, PanelEntry]] = []
    for issue in issues:
        row = -1 if issue.row is None else issue.row
        row_id = -1 if row < 0 else ids[row]
        if row_id in edited:
            continue
        if row >= 0 and (row >= len(batch) or batch.row_id(row) != row_id):
            moved = batch.position(row_id)  # rows moved while the provider checked them
            if moved is None:
                continue
            row = moved
        entry = PanelEntry(
            row_id,
            issue.line or 0,
            issue.severity.value,
            Source.PROVIDER,
            issue.column,
            issue.code,
            issue.message,
        )
        placed.append((row, entry))
    return EntryRun.of(placed)


#: Edited rows up to this many are spliced into the panel's lists one by one (40 µs each at
#: 180,000 entries: the tail moves); more are rebuilt in one pass (10 ms, and 8 µs a row).
SPLICE_ROWS = 256
#: Entries a look for the rows with issues takes per step.
ROWS_SLICE = 32_768
#: Edited rows a rebuild takes per step.
_REBUILD_STRIDE = 32

#: Fewer provider entries than this fraction of the local ones are sliced into place; more
#: are merged by a sort (which looks at every entry, in C).
_SPLICE_RATIO = 64

# The panel holds up to a million entries, on the UI thread. Whole-list work loops in C
# (itertools, operator, list slices): a Python call per entry froze the window for a quarter
# of a second at that size. What the scan finds is gathered as it goes (an EntryRun), so the
# panel takes it with no pass over the entries at all.
entry_severity = attrgetter("severity")
_first, _second = itemgetter(0), itemgetter(1)


class EntryRun:
    """Entries in row order, with the position of each one's row (for bisecting), and
    their count of errors."""

    __slots__ = ("entries", "errors", "rows")

    def __init__(self) -> None:
        self.entries: list[PanelEntry] = []
        self.rows: list[int] = []
        self.errors = 0

    @classmethod
    def of(cls, placed: Iterable[tuple[int, PanelEntry]]) -> EntryRun:
        """A run of ``(row, entry)`` pairs in any order (the order of a row's entries kept)."""
        pairs = sorted(placed, key=_first)
        run = cls()
        run.rows = list(map(_first, pairs))
        run.entries = list(map(_second, pairs))
        run.errors = count_errors(run.entries)
        return run

    def __len__(self) -> int:
        return len(self.entries)

    def copy(self) -> EntryRun:
        run = EntryRun()
        run.entries, run.rows, run.errors = list(self.entries), list(self.rows), self.errors
        return run

    def add(self, row: int, entries: list[PanelEntry]) -> None:
        """Append ``row``'s entries (rows are added in order)."""
        self.entries += entries
        self.rows += [row] * len(entries)
        self.errors += count_errors(entries)

    def removed_span(self, at: int, delta: int) -> tuple[int, int]:
        """Where the entries of rows removed by :meth:`moved` are: ``(lo, hi)``."""
        lo = bisect_left(self.rows, at)
        return lo, bisect_left(self.rows, at - delta, lo) if delta < 0 else lo

    def moved(self, at: int, delta: int) -> list[PanelEntry]:
        """Rows were inserted before row ``at`` (``delta`` > 0 of them) or removed from it
        (-``delta``): the entries of removed rows go (they are returned), the rows of those
        after move along. One pass over the rows after ``at`` (a comprehension: 6 ms for
        180,000 entries, where ``map(delta.__add__, ...)`` took 11 ms)."""
        lo, hi = self.removed_span(at, delta)
        removed = self.entries[lo:hi]
        if removed:
            self.errors -= count_errors(removed)
            del self.entries[lo:hi]
            del self.rows[lo:hi]
        if lo < len(self.rows):
            self.rows[lo:] = [row + delta for row in self.rows[lo:]]
        return removed

    def span(self, row: int) -> tuple[int, int]:
        """Where the entries of ``row`` are: ``(lo, hi)``."""
        lo = bisect_left(self.rows, row)
        return lo, bisect_right(self.rows, row, lo)

    def of_row(self, row: int) -> list[PanelEntry]:
        """The entries of ``row``."""
        lo, hi = self.span(row)
        return self.entries[lo:hi]

    def replace_rows(self, entries_of: Mapping[int, list[PanelEntry]]) -> None:
        """Make ``entries_of[row]`` the entries of each of its rows.

        A few rows are spliced in place; more are rebuilt (:meth:`replaced_steps`), since each
        splice moves the tail of a list that can hold a million entries.
        """
        if len(entries_of) > SPLICE_ROWS:
            rebuilt: EntryRun = run_to_end(self.replaced_steps(entries_of))
            self.entries, self.rows, self.errors = rebuilt.entries, rebuilt.rows, rebuilt.errors
            return
        for row in sorted(entries_of):
            lo, hi = bisect_left(self.rows, row), bisect_right(self.rows, row)
            new = entries_of[row]
            self.errors += count_errors(new) - count_errors(self.entries[lo:hi])
            self.entries[lo:hi] = new
            self.rows[lo:hi] = [row] * len(new)

    def replaced_steps(self, entries_of: Mapping[int, list[PanelEntry]]) -> Steps:
        """A copy of this run with ``entries_of`` in place of their rows' entries, built from
        slices a few rows per step, as a chunked job; this run stays as it is."""
        run = EntryRun()
        run.errors = self.errors
        start = 0
        rows = sorted(entries_of)
        for done, row in enumerate(rows, 1):
            lo = bisect_left(self.rows, row, start)
            hi = bisect_right(self.rows, row, lo)
            new = entries_of[row]
            run.errors += count_errors(new) - count_errors(self.entries[lo:hi])
            run.entries += self.entries[start:lo]
            run.entries += new
            run.rows += self.rows[start:lo]
            run.rows += [row] * len(new)
            start = hi
            if done % _REBUILD_STRIDE == 0:
                yield done, len(rows)
        run.entries += self.entries[start:]
        run.rows += self.rows[start:]
        return run


class RowsUpdate(NamedTuple):
    """New entries of edited rows (see :meth:`IssueListModel.rows_steps`)."""

    entries_of: dict[int, list[PanelEntry]]
    source: EntryRun  # the local run when the job started
    local: EntryRun | None  # ``source`` with the rows replaced; None: splice them in


def merged(local: EntryRun, provider: EntryRun) -> EntryRun:
    """One run of both; the local entries of a row come first. Without provider entries it
    is ``local`` itself, so that an edit updates one run, not two copies of it."""
    if not provider:
        return local
    if not local:
        return provider.copy()
    run = EntryRun()
    run.errors = local.errors + provider.errors
    if len(provider) * _SPLICE_RATIO < len(local):
        # A few provider entries: slice them in where they belong (a bisect each); the
        # local entries are only copied.
        start = 0
        for row, group in groupby(zip(provider.rows, provider.entries, strict=True), _first):
            at = bisect_right(local.rows, row, start)
            placed = list(map(_second, group))
            run.entries += local.entries[start:at]
            run.entries += placed
            run.rows += local.rows[start:at]
            run.rows += [row] * len(placed)
            start = at
        run.entries += local.entries[start:]
        run.rows += local.rows[start:]
        return run
    pairs = list(zip(local.rows, local.entries, strict=True))
    pairs += zip(provider.rows, provider.entries, strict=True)
    pairs.sort(key=_first)  # stable, and a linear merge of the two runs
    run.rows = list(map(_first, pairs))
    run.entries = list(map(_second, pairs))
    return run


def scan_steps(batch: Batch) -> Steps:
    """Every local issue of ``batch``, as a chunked job returning an :class:`EntryRun`."""
    found = EntryRun()
    total = len(batch)
    flags = batch.issue_flags
    for part in row_slices(total):
        for row in part:
            if any(flags(row)):  # cheap; only rows with issues have them spelled out
                found.add(row, local_entries(batch, row))
        yield part.stop, total
    return found


def count_errors(entries: Iterable[PanelEntry]) -> int:
    return countOf(map(entry_severity, entries), "error")


def severity_mask(entries: Sequence[PanelEntry], severity: str) -> Iterator[bool]:
    """Whether each entry is of ``severity``."""
    return map(severity.__eq__, map(entry_severity, entries))
