"""The main window on a million rows: time to first rows, event-loop stalls, edit-to-totals.

Runs a real window (offscreen unless ``QT_QPA_PLATFORM`` says otherwise) on the qasync loop,
with its own private config and data folders, on the file ``benchmarks/preview_1m.py`` makes
(generated here if missing). A 5 ms QTimer probe records the longest gap between its ticks in
each phase: that is the longest the window could not answer input or paint. Each stall and
edit also says how much of it the UI thread spent on a CPU (``time.thread_time``): on a shared
machine, a gap much longer than its CPU time was the machine's, not the app's.

Phases: load (until the first rows show, then until the whole file is in), the issue scan that
follows, 200 cell edits (each timed from ``setData`` until the status bar shows the new
totals), a row added, one removed and 100 edits after them (rows have moved), a filter to the
rows with errors, a sort by segments, and "Validate with provider" against the RocketCOMS
sandbox.
Targets: first rows < 1 s, stalls < 50 ms, edit-to-totals < 5 ms.

Usage: ``python benchmarks/ui_1m.py [--rows N] [--skip-validation] [--explain]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_PRIVATE = tempfile.mkdtemp(prefix="ui_1m_")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = os.path.join(_PRIVATE, _var.lower())

from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

# isort: split
import qasync  # noqa: E402
from preview_1m import DATA, generate  # noqa: E402
from stall_watch import StallWatch  # noqa: E402

from app.main import build_context  # noqa: E402
from app.services.columns import Field  # noqa: E402
from app.services.row_filter import RowFilter  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402


class StallProbe:
    """A 5 ms timer; ``stall`` is the longest gap between two ticks since ``reset``.

    ``stall_cpu`` is how much of that gap the UI thread spent on a CPU. On a shared machine
    the rest is time the thread was not running at all (another process or a page read from
    disk), which tells the app's own cost apart from the machine's.
    """

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.stall = self.stall_cpu = 0.0
        self._timer.start()
        #: with ``--explain``: where each phase's stalls went, printed after its figures
        self.watch: StallWatch | None = None
        self.explained: list[str] = []

    def last_tick(self) -> float:
        return self._last

    def say(self, text: str) -> None:
        print(text)
        for explanation in self.explained:
            if explanation:
                print(explanation)
        self.explained.clear()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self.watch is not None and now - self._last > self.watch.threshold:
            self.watch.stalled(self._last, now)
        if now - self._last > self.stall:
            self.stall, self.stall_cpu = now - self._last, cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu

    def reset(self) -> str:
        """The longest gap so far, as "N ms (on CPU M ms)"; then start a new phase."""
        if self.watch is not None:
            self.explained.append(self.watch.report())
        text = f"{self.stall * 1000:.0f} ms, on CPU {self.stall_cpu * 1000:.0f} ms"
        self.stall = self.stall_cpu = 0.0
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        return text


class FirstPaint(QObject):
    """When the table was first painted with rows in it (the end of that paint, as the
    operator sees it; the window paints as it would, nothing is forced)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.at = 0.0
        self._window = window
        window.editor.view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._window.model.rowCount() > 0:
            self._window.editor.view.viewport().removeEventFilter(self)
            QTimer.singleShot(0, self._painted)  # runs once the paint is done
        return False

    def _painted(self) -> None:
        self.at = time.perf_counter()


async def signal_fired(signal: object, timeout: float = 3600) -> None:
    done = asyncio.Event()
    signal.connect(done.set)  # type: ignore[attr-defined]
    await asyncio.wait_for(done.wait(), timeout)


async def idle(window: MainWindow) -> None:
    """Until the window's chunked jobs (issue scan, filter...) are done, and the probe has
    ticked since (so that a stall just before is counted)."""
    await asyncio.sleep(0.05)
    while window.working:
        await asyncio.sleep(0.05)


async def timed_edits(
    window: MainWindow, probe: StallProbe, label: str, *, seed: int, count: int = 200
) -> None:
    """``count`` edits of random rows, phones and messages in turn, each timed from
    ``setData`` until it returns with the totals shown; prints their figures."""
    rng = random.Random(seed)
    message = window.model.column_of(Field.MESSAGE)
    phone = window.model.column_of(Field.PHONE)
    timings = []
    slowest: list[tuple[float, float, float, int, int, int]] = []  # with --explain
    for edit in range(count):
        row = rng.randrange(window.model.rowCount())
        if edit % 2:
            index, value = window.model.index(row, message), f"Edit {edit}: café ’ {row}"
        else:
            index, value = window.model.index(row, phone), f"+4474001{edit:05d}"
        began, began_cpu = time.perf_counter(), time.thread_time()
        window.model.setData(index, value)
        ended = time.perf_counter()
        on_cpu = time.thread_time() - began_cpu
        timings.append(((ended - began) * 1000, on_cpu * 1000))
        if probe.watch is not None:
            in_gc, generation = probe.watch.gc_between(began, ended)
            slowest.append((on_cpu, ended - began, in_gc, generation, edit, row))
        await asyncio.sleep(0.01)
    edit_stall = probe.reset()
    slowest_wall, its_cpu = max(timings)
    walls = sorted(t for t, _ in timings)
    probe.say(
        f"{label} median {statistics.median(walls):.2f} ms, "
        f"99th percentile {walls[int(len(walls) * 0.99) - 1]:.2f} ms, "
        f"max {slowest_wall:.2f} ms (on CPU {its_cpu:.2f}) over {len(timings)} edits; "
        f"most CPU in one edit {max(c for _, c in timings):.2f} ms (max stall {edit_stall})"
    )
    for on_cpu, took, in_gc, generation, edit, row in sorted(slowest, reverse=True)[:5]:
        print(
            f"    edit {edit} (row {row:,}): {on_cpu * 1000:.2f} ms on CPU, {took * 1000:.2f} ms "
            f"in all, {in_gc * 1000:.2f} ms of it in the GC (oldest generation {generation})"
        )


async def run(path: Path, rows: int, validation: bool, explain: bool) -> None:
    window = MainWindow(build_context(start_sandbox=True))  # as the app does
    window.resize(1366, 768)
    window.show()
    probe = StallProbe()
    if explain:
        probe.watch = StallWatch(probe.last_tick)
    await asyncio.sleep(2.0)  # the operator finds the file; libphonenumber warms up meanwhile
    start_stall = probe.reset()
    probe.say(f"window idle at start:     max stall {start_stall}")

    started = time.perf_counter()
    first_rows = FirstPaint(window)
    window.files.open_file(path)
    await signal_fired(window.loaded)
    loaded = time.perf_counter() - started
    load_stall = probe.reset()
    await idle(window)
    scanned = time.perf_counter() - started
    scan_stall = probe.reset()
    probe.say(f"rows loaded:              {len(window.batch):,}")
    probe.say(f"time to first rows:       {(first_rows.at - started) * 1000:.0f} ms")
    probe.say(f"whole file loaded:        {loaded:.1f} s (max stall {load_stall})")
    probe.say(f"issue scan done:          {scanned:.1f} s (max stall {scan_stall})")

    await timed_edits(window, probe, "edit to totals:          ", seed=7)
    undo_began = time.perf_counter()
    window.undo_action.trigger()
    probe.say(f"undo one edit:            {(time.perf_counter() - undo_began) * 1000:.2f} ms")
    await idle(window)  # the error panel catches up with the edits
    probe.say(f"panel caught up:          (max stall {probe.reset()})")

    began = time.perf_counter()
    window.editor.view.setCurrentIndex(window.model.index(rows // 2, 0))
    window.editor.add_action.trigger()  # rows move: the problems list moves its entries along
    await idle(window)
    elapsed = (time.perf_counter() - began) * 1000
    probe.say(f"row added, list moved:    {elapsed:.0f} ms (max stall {probe.reset()})")
    began = time.perf_counter()
    window.editor.view.selectRow(rows // 3)
    window.editor.delete_action.trigger()
    await idle(window)
    elapsed = (time.perf_counter() - began) * 1000
    probe.say(f"row removed, list moved:  {elapsed:.0f} ms (max stall {probe.reset()})")
    await timed_edits(window, probe, "edits after a row added: ", seed=8, count=100)
    await idle(window)
    probe.reset()

    began = time.perf_counter()
    window.editor.filter_box.setCurrentIndex(window.editor.filter_box.findData(RowFilter.ERRORS))
    await idle(window)
    filter_stall = probe.reset()
    probe.say(
        f"filter to rows w/ errors: {time.perf_counter() - began:.1f} s, "
        f"{window.model.rowCount():,} rows (max stall {filter_stall})"
    )
    window.editor.filter_box.setCurrentIndex(0)
    probe.reset()

    began = time.perf_counter()
    window.editor.view.horizontalHeader().setSortIndicator(
        window.model.column_of(Field.SEGMENTS), Qt.SortOrder.DescendingOrder
    )
    await idle(window)
    sort_stall = probe.reset()
    probe.say(
        f"sort by segments:         {time.perf_counter() - began:.1f} s (max stall {sort_stall})"
    )
    began = time.perf_counter()
    window.editor.restore_file_order()
    await idle(window)
    probe.say(
        f"back to file order:       {time.perf_counter() - began:.1f} s (max stall {probe.reset()})"
    )

    if validation:
        window.account_box.setCurrentIndex(window.account_box.findData("sandbox-rocketcoms"))
        began = time.perf_counter()
        window.validate_action.trigger()
        await signal_fired(window.validation_finished)
        validate_stall = probe.reset()
        probe.say(
            f"validate with RocketCOMS: {time.perf_counter() - began:.1f} s "
            f"(max stall {validate_stall}): {window.statusBar().currentMessage()}"
        )
    window.undo_stack.setClean()  # no "save changes?" at the end of a benchmark
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-validation", action="store_true")
    parser.add_argument(
        "--explain", action="store_true", help="print where each phase's stalls went"
    )
    options = parser.parse_args()
    path = DATA / f"preview_{options.rows}.csv"
    if not path.exists():
        generate(path, options.rows)
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB")
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(
            run(path, options.rows, not options.skip_validation, options.explain)
        )


if __name__ == "__main__":
    main()
