"""The job runner on Qt's event loop: chunked jobs (``app.services.jobs``) on the UI thread.

The runner calls a job from a zero-interval timer for at most
``budget_ms`` per tick, then lets Qt paint and handle input. After the loop was busy elsewhere
(a paint, say) the runner skips a turn: Qt fires the most overdue timer first, and a
zero-interval timer is always the most overdue, so without the skip input and other timers
would wait for the paint and the next slice back to back. Used where the work reads the
document (which lives on the UI thread): filtering, finding, scanning issues, planning fixes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.services.jobs import Steps, keep_out_of_gc

#: Time one tick may take. Well under the 50 ms a user notices, with room for Qt's own work.
DEFAULT_BUDGET_MS = 12.0

#: Lists waiting to be freed, a slice per turn of the event loop (see :func:`free_in_slices`).
_DOOMED: list[list[Any]] = []
_FREE_SLICE = 8_192  # items freed per turn: about 0.2 ms of ints, 2 ms of panel entries


class ChunkedJob(QObject):
    progress = Signal(int, int)
    finished = Signal(object)  # the generator's return value
    failed = Signal(object)  # an exception of one of the ``expected`` types
    cancelled = Signal()
    crashed = Signal()  # any other exception ended the job; it goes on to sys.excepthook

    def __init__(
        self,
        steps: Steps,
        *,
        budget_ms: float = DEFAULT_BUDGET_MS,
        expected: tuple[type[Exception], ...] = (),
        parent: QObject | None = None,
    ) -> None:
        """``expected`` exceptions end the job with ``failed``; any other reaches
        ``sys.excepthook`` as a bug, after ``crashed``, so that the window can undo what the
        job started rather than wait for it forever."""
        super().__init__(parent)
        self._steps = steps
        self._expected = expected
        self._budget = budget_ms / 1000
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self._ended = 0.0  # when the last tick ended (perf_counter)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._ended = time.perf_counter()
        self._timer.start()

    def cancel(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._steps.close()
            self.cancelled.emit()

    def _tick(self) -> None:
        now = time.perf_counter()
        if now - self._ended > self._budget:  # the loop was busy elsewhere: let others go first
            self._ended = now
            return
        try:
            self._run_slice(now + self._budget)
        finally:
            self._ended = time.perf_counter()

    def _run_slice(self, deadline: float) -> None:
        step: tuple[int, int] | None = None
        try:
            while time.perf_counter() < deadline:
                step = next(self._steps)
        except StopIteration as stop:
            self._timer.stop()
            self.finished.emit(stop.value)
            keep_out_of_gc()  # what the job built stays
            return
        except Exception as error:
            self._timer.stop()
            if not isinstance(error, self._expected):
                self.crashed.emit()
                raise
            self.failed.emit(error)
            return
        keep_out_of_gc()
        if step is not None:
            self.progress.emit(*step)


class QtRunner:
    """:class:`app.services.jobs.Runner` on Qt's event loop: what the services run their jobs
    and timers with in the window.

    Jobs and timers have no Qt parent: the runner holds each while it runs and lets go when
    it ends, so a finished one is freed with its last reference and asking a finished job
    whether it runs is always safe. :meth:`stop` ends all of them (the window closes).
    """

    def __init__(self) -> None:
        self._active: set[ChunkedJob | Timer] = set()

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
    ) -> ChunkedJob:
        job = ChunkedJob(
            steps,
            budget_ms=DEFAULT_BUDGET_MS if budget_ms is None else budget_ms,
            expected=expected,
        )
        self._active.add(job)
        ended = [job.finished, job.failed, job.cancelled, job.crashed]
        for signal in ended:
            signal.connect(lambda *_: self._active.discard(job))
        job.finished.connect(done)
        for signal, slot in zip(ended[1:], (failed, cancelled, crashed), strict=True):
            if slot is not None:
                signal.connect(slot)
        if progress is not None:
            job.progress.connect(progress)
        job.start()
        return job

    def later(self, delay_ms: int, callback: Callable[[], None]) -> Timer:
        timer = Timer(delay_ms, callback, self._active.discard)
        self._active.add(timer)
        timer.start()
        return timer

    def stop(self) -> None:
        for job in list(self._active):
            job.cancel()
        self._active.clear()


class Timer:
    """A one-shot timer that is also a :class:`app.services.jobs.Job` (``cancel`` stops it)."""

    def __init__(
        self,
        delay_ms: int,
        callback: Callable[[], None],
        ended: Callable[[Timer], None],
    ) -> None:
        self._timer = QTimer(singleShot=True, interval=delay_ms)
        self._ended = ended
        self._timer.timeout.connect(lambda: ended(self))
        self._timer.timeout.connect(callback)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()
        self._ended(self)


def free_in_slices(*lists: list[Any] | None) -> None:
    """Empty ``lists`` a slice per turn of the event loop, so that what only they hold is
    freed a little at a time.

    CPython frees a dropped container's items in one go: two million ints (a sorted order of
    a million rows and its inverse) held the window for 40-66 ms, and a panel's 180,000
    entries for 21 ms. The lists are emptied: pass lists no one else uses (a copy, if need
    be; items others still hold simply live on).
    """
    doomed = [items for items in lists if items]
    if doomed and not _DOOMED:
        QTimer.singleShot(0, _free_a_slice)
    _DOOMED.extend(doomed)


def _free_a_slice() -> None:
    items = _DOOMED[-1]
    del items[-_FREE_SLICE:]
    if not items:
        _DOOMED.pop()
    if _DOOMED:
        QTimer.singleShot(0, _free_a_slice)
