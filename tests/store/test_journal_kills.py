"""SIGKILL at random points: no journalled edit is lost, the saved file is always whole.

The child (tests/store/journal_child.py) edits a 6 MB file at about an edit a millisecond,
appends its edits to the journal every INTERVAL (the autosave interval, shortened) and saves
the whole file every few intervals, as the window does. After the kill the next start's
``recover()`` and a replay of the journal onto the file must give back every edit the child
had reported flushed (so none older than one interval), in order, and the file on disk must
be exactly one of the versions the child saved (or the original): never cut short or mixed.
"""

from __future__ import annotations

import random
import time
from itertools import islice
from pathlib import Path

import pytest

from app.domain.batch import load_batch
from app.store.atomic import leftover_temp_files
from app.store.autosave import replay
from app.store.journal import BaseState, Journals
from tests.store.journal_child import edits
from tests.store.kill_rig import (
    Child,
    Row,
    expected_rows,
    read_rows,
    rows_of,
    settings,
    write_sample,
)

INTERVAL = 0.05  # seconds between two appends to the journal
SAVE_EVERY = 3  # intervals between two saves
ROWS, NOTES = 4000, 1500  # a file of about 6 MB: its save takes tens of milliseconds


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, list[Row]]:
    path = tmp_path / "docs" / "big.csv"
    path.parent.mkdir()
    return path, write_sample(path, ROWS, NOTES)


def start(csv: Path, folder: Path, seed: int) -> Child:
    child = Child("edit", csv, folder, seed, INTERVAL, SAVE_EVERY)
    child.wait_for(lambda line: line == "ready")
    return child


def kill_at_random(child: Child, rng: random.Random) -> None:
    """Anywhere: after a random number of reports, a random part of an interval later."""
    for _ in range(rng.randint(1, 12)):
        child.wait_for(lambda line: True)
    time.sleep(rng.uniform(0, INTERVAL))  # the kill point itself, not a wait for anything
    child.kill()


def kill_during_save(child: Child, rng: random.Random) -> None:
    """A random moment of a save: writing, syncing, renaming, or telling the journal."""
    for _ in range(rng.randint(1, 2)):
        child.wait_for(lambda line: line.startswith("saving"))
    time.sleep(rng.uniform(0, 0.25))  # the kill point itself, not a wait for anything
    child.kill()


def kill_while_writing(child: Child, csv: Path) -> None:
    """While the temporary file of a save is being written, so that it is left behind."""
    while True:
        child.wait_for(lambda line: line.startswith("saving"))
        while not leftover_temp_files(csv):
            line = child.poll_line()
            if line is not None and line.startswith("saved"):
                break  # finished before it was seen: try the next save
            time.sleep(0.0005)  # leave the child the CPU between two looks
        else:
            child.kill()
            return


def check_recovery(csv: Path, folder: Path, original: list[Row], seed: int, child: Child) -> int:
    """The next start, as the window does it; returns how many edits it gives back."""
    recovered = Journals(folder).recover()
    assert leftover_temp_files(csv) == [], "the next start cleans up a save that was cut short"
    flushed = max(child.counts("flushed"), default=0)
    versions = sorted({0, *child.counts("saving")})
    journal_ops = recovered[0].ops if recovered else []
    needed = max(*versions, flushed) + len(journal_ops)
    made = list(islice(edits(seed, len(original)), needed))

    on_disk = read_rows(csv)
    saved = [v for v in versions if on_disk == expected_rows(original, made[:v])]
    assert saved, f"{csv.name} is none of the versions saved ({versions}): cut short or mixed"
    in_file = saved[-1]
    if not recovered:
        return in_file
    (journal,) = recovered
    assert journal.base == csv.resolve()
    assert journal.base_state is BaseState.UNCHANGED
    assert journal.ops == made[in_file : in_file + journal.edits], "the journal's edits, in order"
    batch = load_batch(journal.base, settings())
    replay(batch, journal.ops)
    restored = in_file + journal.edits
    assert rows_of(batch) == expected_rows(original, made[:restored])
    journal.discard()
    return restored


@pytest.mark.parametrize("seed", range(6))
def test_a_kill_anywhere_loses_no_flushed_edit(sample, tmp_path, seed):
    csv, original = sample
    folder = tmp_path / "autosave"
    rng = random.Random(seed)
    child = start(csv, folder, seed)
    if seed % 2 == 0:
        kill_at_random(child, rng)
    else:
        kill_during_save(child, rng)
    flushed = max(child.counts("flushed"), default=0)
    restored = check_recovery(csv, folder, original, seed, child)
    assert restored >= flushed, f"seed {seed}: {flushed} edits flushed, {restored} restored"
    assert Journals(folder).recover() == []


def test_a_kill_after_the_rename_of_a_save_keeps_the_saved_file(sample, tmp_path):
    """Killed after the saved file is in place, before the journal starts afresh: the edits
    are all in the file, so the next start has nothing to offer (and applies nothing twice)."""
    csv, original = sample
    folder = tmp_path / "autosave"
    child = Child("die-after-save", csv, folder, 7, 25)
    assert child.wait_end() == -9
    assert child.counts("flushed") == [25]
    assert Journals(folder).recover() == []
    assert read_rows(csv) == expected_rows(original, islice(edits(7, len(original)), 25))
    assert list(folder.iterdir()) == []


def test_a_kill_while_writing_leaves_the_old_file_and_cleans_up_on_next_start(sample, tmp_path):
    csv, original = sample
    folder = tmp_path / "autosave"
    before = csv.read_bytes()
    child = start(csv, folder, 11)
    kill_while_writing(child, csv)
    assert leftover_temp_files(csv), "the kill came during the write"
    if len(child.counts("saved")) == 0:
        assert csv.read_bytes() == before, "the operator's file is untouched by a cut save"
    restored = check_recovery(csv, folder, original, 11, child)
    assert restored >= max(child.counts("flushed"))
    assert sorted(p.name for p in csv.parent.iterdir()) == ["big.csv"]
