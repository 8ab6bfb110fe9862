"""Why the event loop stalled: a watchdog thread that samples the UI thread's stack.

While the UI thread has not ticked the probe for half of ``threshold_ms``, the watchdog records
where it is (the innermost frame of the app, then the innermost frame overall) every
``every_ms``; the probe reports each gap over ``threshold_ms``.
Garbage-collector passes are timed through ``gc.callbacks``. ``report()`` tells, for the
longest stalls since the last report, how long each was, how much of it the GC took, and where
the UI thread was seen. A diagnostic for the benchmarks, not part of the app.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable


class StallWatch:
    def __init__(
        self, last_tick: Callable[[], float], threshold_ms: float = 50, every_ms: float = 5
    ) -> None:
        """``last_tick``: when the probe last ticked; the probe calls :meth:`stalled` for
        each gap over ``threshold_ms``."""
        self._last_tick = last_tick
        self._threshold = threshold_ms / 1000
        self._every = every_ms / 1000
        self._main = threading.main_thread().ident
        self._stalls: list[tuple[float, float]] = []
        self._samples: list[tuple[float, str]] = []
        self._gc: list[tuple[float, float, int]] = []
        self._gc_started = 0.0
        self._stop = threading.Event()
        gc.callbacks.append(self._on_gc)
        threading.Thread(target=self._watch, daemon=True, name="stall-watch").start()

    @property
    def threshold(self) -> float:
        return self._threshold

    def stalled(self, start: float, end: float) -> None:
        self._stalls.append((start, end))

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
        else:
            self._gc.append((self._gc_started, now, info["generation"]))

    def _watch(self) -> None:
        while not self._stop.wait(self._every):
            if time.perf_counter() - self._last_tick() < self._threshold / 2:
                continue
            frame = sys._current_frames().get(self._main)
            if frame is not None:
                stack = traceback.StackSummary.extract(
                    traceback.walk_stack(frame), lookup_lines=False
                )
                self._samples.append((time.perf_counter(), _describe(stack)))

    def gc_between(self, start: float, end: float) -> tuple[float, int]:
        """Seconds the GC ran between ``start`` and ``end`` (perf_counter), and the oldest
        generation it collected there (-1 if none)."""
        passes = [(s, e, g) for s, e, g in self._gc if s < end and e > start]
        spent = sum(min(e, end) - max(s, start) for s, e, _ in passes)
        return spent, max((g for _, _, g in passes), default=-1)

    def report(self, top: int = 3) -> str:
        """The ``top`` longest stalls since the last report, as indented lines. A stall with
        no sample held the GIL throughout: C code (Qt, a GC pass, a big free or sort)."""
        stalls, self._stalls = self._stalls, []
        samples, self._samples = self._samples, []
        passes, self._gc = self._gc, []
        lines = [f"    {len(stalls)} stalls over {self._threshold * 1000:.0f} ms"] if stalls else []
        for start, end in sorted(stalls, key=lambda s: s[0] - s[1])[:top]:
            in_gc = sum(min(e, end) - max(s, start) for s, e, _ in passes if s < end and e > start)
            lines.append(
                f"    stall {(end - start) * 1000:.0f} ms, {in_gc * 1000:.0f} ms of it in the GC; "
                "seen in:"
            )
            seen = Counter(place for when, place in samples if start <= when <= end + 0.01)
            lines += [f"      {place} ×{n}" for place, n in seen.most_common(3)]
        return "\n".join(lines)

    def close(self) -> None:
        self._stop.set()
        gc.callbacks.remove(self._on_gc)


def _describe(stack: traceback.StackSummary) -> str:
    """The innermost app frame and the innermost frame overall (the stack is innermost first)."""
    ours = [f for f in stack if "/app/" in f.filename and "site-packages" not in f.filename]
    where = ours[0] if ours else stack[-1]
    inner = stack[0]
    text = _short(where)
    if inner is not where:
        text += f" → {_short(inner)}"
    return text


def _short(frame: traceback.FrameSummary) -> str:
    path = frame.filename
    for marker in ("/app/", "site-packages/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{frame.lineno} {frame.name}"
