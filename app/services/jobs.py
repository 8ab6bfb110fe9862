"""Long work done a slice at a time, so that the window never freezes: the protocol every
chunked job follows, and the garbage-collector policy every job runner applies.

A job is a generator: it does a little work per ``next()`` and yields ``(done, total)``; its
return value is the result. A runner (the window's runs on Qt's loop) calls it for a few
milliseconds per turn of the event loop, and applies :func:`keep_out_of_gc` after every slice
and at the end: callers never manage the collector themselves. Async work hands the loop back
through :func:`next_turn`, which applies the same policy.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Generator, Iterator
from typing import Any, Protocol

Steps = Generator[tuple[int, int], None, Any]

#: Rows a job that visits each row handles between two yields, where its runner checks the
#: time budget of a turn (12 ms on the window's loop). Chosen for the slowest work done per
#: row, spelling its issues out (about 30 us: 256 rows in 8 ms); reading flags, a number or a
#: filter's verdict takes under 1 ms a slice, and a yield costs next to nothing.
ROWS_PER_STEP = 256


def row_slices(total: int) -> Iterator[range]:
    """``range(total)`` in consecutive slices of :data:`ROWS_PER_STEP`: a job does one slice,
    then yields ``(slice.stop, total)``."""
    for start in range(0, total, ROWS_PER_STEP):
        yield range(start, min(start + ROWS_PER_STEP, total))


def run_to_end(steps: Steps) -> Any:
    """Run a job in one go (where its input is known to be small); its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def keep_out_of_gc() -> None:
    """What a job builds (a load's rows, a scan's panel entries, compiled phone patterns)
    mostly lives as long as the document: move it out of the cyclic GC's generations, whose
    full passes would otherwise rescan it all (40 ms and up at a million rows, a second for
    the loaded rows). The one place this policy is applied: by job runners, after each slice
    and when a job ends."""
    gc.freeze()


async def next_turn() -> None:
    """Hand the event loop back between two slices of async work (loading the campaign list,
    storing a report's outcomes), under the same policy: what was built so far stays out of
    the collector's passes, whose full scans of it would otherwise hold the loop."""
    keep_out_of_gc()
    await asyncio.sleep(0)


class Job(Protocol):
    """A running job, as its starter holds it."""

    @property
    def running(self) -> bool: ...

    def cancel(self) -> None: ...


class Runner(Protocol):
    """Starts chunked jobs and timers on the event loop the services live on."""

    def start(
        self,
        steps: Steps,
        done: Callable[[Any], None],
        *,
        progress: Callable[[int, int], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
        cancelled: Callable[[], None] | None = None,
        crashed: Callable[[], None] | None = None,
        expected: tuple[type[Exception], ...] = (),
        budget_ms: float | None = None,
    ) -> Job:
        """Run ``steps``; exactly one of ``done`` (with the result), ``failed`` (an ``expected``
        exception), ``cancelled`` or ``crashed`` (any other exception, which then goes on to
        ``sys.excepthook`` as a bug) is called at the end."""
        ...

    def later(self, delay_ms: int, callback: Callable[[], None]) -> Job:
        """Call ``callback`` once after ``delay_ms`` (0: in a turn of its own)."""
        ...
