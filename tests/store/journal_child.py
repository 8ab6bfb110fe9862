"""A stand-in for the window, run as a child process that the tests kill with SIGKILL.

It edits a batch loaded from a CSV file the way the window does: every edit goes to the batch
and to a list of edits not yet journalled; at each autosave interval that list is appended to
the document's journal, and now and then the whole batch is saved through
``Journal.saving`` and ``save_batch``. It prints what it knows to be on disk
("flushed N": the first N edits are in the journal or the file; "saving N", "saved N").

    python -m tests.store.journal_child edit CSV FOLDER SEED INTERVAL SAVE_EVERY
    python -m tests.store.journal_child hold CSV FOLDER SEED EDITS
    python -m tests.store.journal_child die-after-save CSV FOLDER SEED EDITS

``hold`` journals EDITS edits, prints "ready" and keeps its journal open until killed (or its
standard input closes); ``die-after-save`` journals EDITS edits, saves, and kills itself
between putting the saved file in place and the journal learning of it.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from app.domain.batch import Batch, BatchSettings, RowData, load_batch, save_batch
from app.domain.pricing import default_price_table
from app.store.autosave import (
    Op,
    insert_op,
    remove_op,
    replay,
    set_extra_op,
    set_message_op,
    set_phone_op,
)
from app.store.journal import Journal, Journals

#: The child gives up by itself after this long, should its test be gone.
LIFETIME_S = 30.0
#: An operator's pace, roughly: the child makes about one edit per millisecond.
EDIT_PAUSE_S = 0.001


def edits(seed: int, rows: int) -> Iterator[Op]:
    """The edits the child makes, the same for a seed: the test makes them again to know
    what the document must hold. ``rows``: how many the batch starts with (one extra column)."""
    rng = random.Random(seed)
    number = 0
    while True:
        number += 1
        kind = rng.random()
        if kind < 0.1 and rows > 5:
            count = rng.randint(1, 3)
            yield remove_op(rng.randrange(rows - count), count)
            rows -= count
        elif kind < 0.2:
            new = [
                RowData(_phone(rng), f"new {number}.{i} ü", (f"n{number}",))
                for i in range(rng.randint(1, 3))
            ]
            yield insert_op(rng.randint(0, rows), new)
            rows += len(new)
        elif kind < 0.35:
            yield set_phone_op(rng.randrange(rows), _phone(rng))
        elif kind < 0.5:
            yield set_extra_op(rng.randrange(rows), 0, f"note {number}")
        else:
            yield set_message_op(rng.randrange(rows), f"edit {number} – «{rng.random():.6f}»")


def _phone(rng: random.Random) -> str:
    return f"+447400{rng.randrange(10**6):06d}"


def _say(line: str) -> None:
    print(line, flush=True)


def _open(csv: Path, folder: Path) -> tuple[Batch, Journal]:
    batch = load_batch(csv, BatchSettings(default_region="GB", prices=default_price_table()))
    return batch, Journals(folder).begin(csv, batch.layout, batch.extra_columns)


def _edit_and_save(csv: Path, folder: Path, seed: int, interval: float, save_every: int) -> None:
    batch, journal = _open(csv, folder)
    source = edits(seed, len(batch))
    pending: list[Op] = []
    made = flushes = 0
    _say("ready")
    now = time.monotonic()
    next_flush, end = now + interval, now + LIFETIME_S
    while time.monotonic() < end:
        op = next(source)
        replay(batch, [op])
        pending.append(op)
        made += 1
        if time.monotonic() >= next_flush:
            journal.append(pending)
            pending.clear()
            _say(f"flushed {made}")
            flushes += 1
            if flushes % save_every == 0:
                _say(f"saving {made}")
                with journal.saving(csv, batch.layout, batch.extra_columns):
                    save_batch(batch, csv)
                _say(f"saved {made}")
            next_flush = time.monotonic() + interval
        time.sleep(EDIT_PAUSE_S)


def _journal_some(csv: Path, folder: Path, seed: int, count: int) -> tuple[Batch, Journal]:
    batch, journal = _open(csv, folder)
    source = edits(seed, len(batch))
    ops = [next(source) for _ in range(count)]
    replay(batch, ops)
    journal.append(ops)
    _say(f"flushed {count}")
    return batch, journal


def main(argv: list[str]) -> None:
    mode, csv, folder, seed, *rest = argv
    csv_path, folder_path = Path(csv), Path(folder)
    if mode == "edit":
        _edit_and_save(csv_path, folder_path, int(seed), float(rest[0]), int(rest[1]))
    elif mode == "hold":
        _batch, journal = _journal_some(csv_path, folder_path, int(seed), int(rest[0]))
        _say("ready")
        sys.stdin.read()  # until the test closes it or kills this process
        journal.close()
    elif mode == "die-after-save":
        batch, journal = _journal_some(csv_path, folder_path, int(seed), int(rest[0]))
        with journal.saving(csv_path, batch.layout, batch.extra_columns):
            save_batch(batch, csv_path)
            os.kill(os.getpid(), signal.SIGKILL)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
