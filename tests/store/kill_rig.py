"""Run ``tests/store/journal_child.py`` as a real child process, read what it reports, kill it
with SIGKILL; and the expected content of a document after a child's edits."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from app.domain.batch import Batch, BatchSettings, load_batch
from app.domain.pricing import default_price_table
from app.store.autosave import Op

ROOT = Path(__file__).resolve().parents[2]

Row = tuple[str, str, tuple[str, ...]]


class Child:
    """One ``journal_child`` process; its output lines arrive on a queue as it prints them."""

    def __init__(self, *args: object, cwd: Path = ROOT) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.store.journal_child", *map(str, args)],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []  # every whole line printed so far
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.endswith("\n"):  # a line cut short by the kill says nothing
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def next_line(self, timeout: float = 20.0) -> str | None:
        """The next line printed (None once the child is gone); waits for it."""
        line = self._queue.get(timeout=timeout)
        if line is not None:
            self.lines.append(line)
        return line

    def poll_line(self) -> str | None:
        try:
            line = self._queue.get_nowait()
        except queue.Empty:
            return None
        if line is not None:
            self.lines.append(line)
        return line

    def wait_for(self, wanted: Callable[[str], bool], timeout: float = 20.0) -> str:
        while True:
            line = self.next_line(timeout)
            if line is None:
                raise AssertionError(f"the child ended first; it printed {self.lines[-5:]}")
            if wanted(line):
                return line

    def kill(self) -> None:
        """SIGKILL, then read what it had printed until then."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.wait_end()

    def wait_end(self) -> int:
        """Wait until the child is gone and read all it printed; its return code."""
        code = self.process.wait(timeout=20)
        self._reader.join(timeout=20)
        while self.poll_line() is not None:
            pass
        return code

    def counts(self, word: str) -> list[int]:
        """The numbers of the lines "<word> N" printed so far."""
        return [int(line.split()[1]) for line in self.lines if line.startswith(word + " ")]


def settings() -> BatchSettings:
    return BatchSettings(default_region="GB", prices=default_price_table())


def write_sample(path: Path, rows: int, notes_chars: int = 0) -> list[Row]:
    """A CSV of ``rows`` recipients with a notes column; returns its rows."""
    notes = "x" * notes_chars
    data = [(f"+4474001{i:05d}", f"Hello {i % 40}", (f"{notes}{i}",)) for i in range(rows)]
    text = "phone,message,notes\n" + "".join(f"{p},{m},{x[0]}\n" for p, m, x in data)
    path.write_text(text, encoding="utf-8")
    return data


def rows_of(batch: Batch) -> list[Row]:
    return [(batch.phone(r), batch.message(r), batch.extras(r)) for r in range(len(batch))]


def read_rows(path: Path) -> list[Row]:
    return rows_of(load_batch(path, settings()))


def expected_rows(rows: Sequence[Row], ops: Iterable[Op]) -> list[Row]:
    """``rows`` after ``ops``, worked out on plain lists: what replay must agree with."""
    table = [list(row) for row in rows]
    for kind, row, *args in ops:
        if kind == "phone":
            table[row][0] = args[0]
        elif kind == "message":
            table[row][1] = args[0]
        elif kind == "extra":
            column, value = args
            extras = list(table[row][2])
            extras[column] = value
            table[row][2] = tuple(extras)
        elif kind == "insert":
            table[row:row] = [[p, m, tuple(x)] for p, m, x, _line, _problem in args[0]]
        elif kind == "remove":
            del table[row : row + args[0]]
        else:
            raise AssertionError(f"unknown edit {kind}")
    return [(p, m, x) for p, m, x in table]
