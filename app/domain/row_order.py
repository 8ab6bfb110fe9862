"""Which row is where: stable row ids and their positions, both ways, as rows move.

A row keeps its id for its whole life (a new row gets a new one), so what is said about a row
(its duplicate partners, its file line, a provider's verdict, a problem's entry) outlives rows
inserted or removed before it. Position to id is an array lookup. Id to position is what
needs care: an index of a million ids would have to be rebuilt after every insert, so the
order is kept as *runs* of consecutive ids instead. A file's rows are one run; an insert splits
a run in three, a removal in two, and runs that meet end to end again (an undo) are joined. A
position is then a bisect among the runs, however many rows there are, and it is always
current: nothing has to be started or rebuilt after rows move.

No library keeps this (a sorted container or a rope indexes values, not a permutation of
identities), hence this module.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable


class RowOrder:
    """The row ids in position order (:attr:`ids`), and the position of any id."""

    __slots__ = ("_by_first", "_firsts", "_next", "_order", "_starts", "ids")

    def __init__(self) -> None:
        #: position -> id; changed in place (callers may hold it)
        self.ids = array("q")
        self._next = 0  # the next new id
        # Run k holds the rows at positions _starts[k] .. _starts[k + 1] - 1 (the last run: to
        # the end), whose ids are _firsts[k], _firsts[k] + 1, ...
        self._firsts: list[int] = []
        self._starts: list[int] = []
        # The runs sorted by first id, for finding an id's run; made when asked, after a move.
        self._order: list[int] | None = None
        self._by_first: list[int] = []

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def runs(self) -> int:
        """How many runs of consecutive ids the rows are in (1 for rows never moved)."""
        return len(self._firsts)

    # -- moving rows ------------------------------------------------------------------------
    def append(self, count: int) -> range:
        """Add ``count`` new rows at the end; their ids."""
        return self.insert(len(self.ids), count)

    def insert(self, position: int, count: int) -> range:
        """Add ``count`` new rows before ``position``; their ids."""
        new = range(self._next, self._next + count)
        if not count:
            return new
        firsts, starts = self._firsts, self._starts
        k = bisect_right(starts, position) - 1  # the run the rows go into (-1: none yet)
        if k >= 0 and starts[k] < position < self._end(k):
            # Inside run k: cut it in two around the new rows.
            firsts.insert(k + 1, firsts[k] + position - starts[k])
            starts.insert(k + 1, position)
        at = k if k >= 0 and position == starts[k] else k + 1  # the new run's index
        self._next += count
        self.ids[position:position] = array("q", new)
        firsts.insert(at, new.start)
        starts.insert(at, position)
        self._shift(at + 1, count)
        self._join(at)  # rows added just after the ones added last carry on their run
        return new

    def remove(self, position: int, count: int) -> array[int]:
        """Take out the rows at ``position`` .. ``position + count - 1``; their ids."""
        stop = min(position + count, len(self.ids))
        if stop <= position:
            return array("q")
        firsts, starts = self._firsts, self._starts
        first = bisect_right(starts, position) - 1  # the run the removal starts in
        last = bisect_right(starts, stop - 1) - 1  # and the one it ends in
        head_kept = position > starts[first]
        runs_left: list[tuple[int, int]] = []  # (first id, start) of what stays of them
        if head_kept:
            runs_left.append((firsts[first], starts[first]))
        if stop < self._end(last):
            runs_left.append((firsts[last] + stop - starts[last], stop))
        removed = self.ids[position:stop]
        del self.ids[position:stop]
        firsts[first : last + 1] = [run[0] for run in runs_left]
        starts[first : last + 1] = [run[1] for run in runs_left]
        after = first + head_kept  # the first run that was after the removed rows
        self._shift(after, position - stop)
        self._join(after)  # an undone insert: the rows around it are one run again
        return removed

    # -- finding rows -----------------------------------------------------------------------
    def position(self, row_id: int) -> int | None:
        """Where the row with ``row_id`` is; None if it was removed."""
        firsts = self._firsts
        if len(firsts) == 1:  # rows that never moved: no search
            offset = row_id - firsts[0]
            return offset if 0 <= offset < len(self.ids) else None
        if self._order is None:
            self._order = sorted(range(len(firsts)), key=firsts.__getitem__)
            self._by_first = [firsts[k] for k in self._order]
        j = bisect_right(self._by_first, row_id) - 1
        if j < 0:
            return None
        k = self._order[j]
        offset = row_id - firsts[k]
        start = self._starts[k]
        return start + offset if start + offset < self._end(k) else None

    def positions(self, row_ids: Iterable[int]) -> set[int]:
        """Where the rows with ``row_ids`` are (removed ones left out)."""
        return {p for p in map(self.position, row_ids) if p is not None}

    # -- the runs -----------------------------------------------------------------------------
    def _end(self, k: int) -> int:
        """The position after run ``k``."""
        return self._starts[k + 1] if k + 1 < len(self._starts) else len(self.ids)

    def _shift(self, k: int, by: int) -> None:
        """Runs from ``k`` on moved by ``by`` positions."""
        starts = self._starts
        if k < len(starts):
            starts[k:] = [start + by for start in starts[k:]]
        self._order = None

    def _join(self, k: int) -> None:
        """Join run ``k`` to run ``k - 1`` if its ids carry on from that run's."""
        firsts, starts = self._firsts, self._starts
        if 0 < k < len(firsts) and firsts[k - 1] + (starts[k] - starts[k - 1]) == firsts[k]:
            del firsts[k]
            del starts[k]
            self._order = None
