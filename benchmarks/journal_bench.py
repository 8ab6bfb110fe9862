"""What the recovery journal costs the window: one autosave flush, the bracket around a save,
and the next start's recovery of a large journal. Prints milliseconds.

Run from the repository root: ``.venv/bin/python -m benchmarks.journal_bench``. It works in
a temporary folder on the disk that holds the system's temporary files (each flush is fsynced,
so the disk's sync time is most of the figure).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from app.store.autosave import set_message_op
from app.store.journal import Journals

FLUSHES = 50
LARGE = 200_000  # edits in the journal a crash leaves: a long day of typing, or a big paste


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        base = folder / "list.csv"
        base.write_text("phone,message\n+447400123456,Hello\n", encoding="utf-8")
        journals = Journals(folder / "autosave")

        start = time.perf_counter()
        journal = journals.begin(base, None)
        print(f"begin a journal                    {ms(time.perf_counter() - start)}")
        for size in (1, 100):
            times = []
            for flush in range(FLUSHES):
                ops = [set_message_op(row, f"edit {flush}.{row}") for row in range(size)]
                start = time.perf_counter()
                journal.append(ops)
                times.append(time.perf_counter() - start)
            print(f"flush of {size:3} edits (median of {FLUSHES})  {ms(statistics.median(times))}")
        start = time.perf_counter()
        with journal.saving(base, None):
            pass  # the save itself is save_batch's cost, not the journal's
        print(f"saving() around a save             {ms(time.perf_counter() - start)}")

        journal.append([set_message_op(row % 1000, f"typed text {row}") for row in range(LARGE)])
        journal.close()
        size_mb = journal.path.stat().st_size / 1e6
        start = time.perf_counter()
        (found,) = journals.recover()
        print(f"recover() of {LARGE:,} edits ({size_mb:.1f} MB) {ms(time.perf_counter() - start)}")
        start = time.perf_counter()
        found.restore().discard()
        print(f"restore() of them (rewrites it)    {ms(time.perf_counter() - start)}")


if __name__ == "__main__":
    main()
