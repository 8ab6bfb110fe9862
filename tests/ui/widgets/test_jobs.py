"""The chunked job runner on a real Qt event loop."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app.services.jobs import Steps
from app.ui.widgets.jobs import ChunkedJob, free_in_slices


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_the_job_lets_other_timers_go_first_after_the_loop_was_busy(qtbot: QtBot) -> None:
    """A paint of 30 ms followed at once by the job's next slice would freeze the window for
    both; the job skips a turn instead, so another timer runs between the two."""
    events: list[str] = []

    def steps() -> Steps:
        for done in range(400):
            _busy(0.0005)
            events.append("step")
            yield done, 400

    def hog() -> None:  # stands for a long paint
        _busy(0.03)
        events.append("hog")

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: events.append("probe"))
    job = ChunkedJob(steps(), budget_ms=4)
    probe.start()
    job.start()
    QTimer.singleShot(20, hog)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    probe.stop()

    after_hog = events[events.index("hog") + 1 :]
    assert after_hog.index("probe") < after_hog.index("step")
    assert events.count("step") == 400  # skipping a turn loses no work


def test_a_bug_in_a_job_says_crashed_and_reaches_the_excepthook(qtbot: QtBot) -> None:
    def steps() -> Steps:
        yield 0, 2
        raise RuntimeError("a bug")

    job = ChunkedJob(steps(), expected=(ValueError,))
    failed: list[object] = []
    job.failed.connect(failed.append)
    with qtbot.captureExceptions() as exceptions, qtbot.waitSignal(job.crashed, timeout=2000):
        job.start()
    assert [str(error) for _, error, _ in exceptions] == ["a bug"]
    assert not job.running and not failed


def test_dropped_lists_are_freed_a_slice_per_turn(qtbot: QtBot) -> None:
    """Two million ints freed in one go held the window for 40-66 ms."""
    order, panel = list(range(1_000, 201_000)), [str(n) for n in range(20_000)]
    free_in_slices(order, None, panel)
    assert len(order) == 200_000 and len(panel) == 20_000  # nothing freed in this turn
    qtbot.waitUntil(lambda: not order and not panel)
