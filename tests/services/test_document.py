"""The document use case driven without a window: the Qt job runner on a bare QApplication,
real files in tmp_path and the recovery journals in a folder of the test's own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.domain.batch import RowData
from app.main import build_context
from app.services.document import Document
from app.store.autosave import insert_op, set_message_op
from app.store.journal import JOURNAL_SUFFIX, BaseState, Journals
from app.ui.widgets.jobs import QtRunner
from tests.ui.conftest import write_csv

ROWS = [("+447400123456", "Hello", "Amelia"), ("+447400123457", "Hi", "Oliver")]


@pytest.fixture
def journals(tmp_path) -> Journals:
    return Journals(tmp_path / "journals")


@pytest.fixture
def document(qapp, journals) -> Document:
    runner = QtRunner()
    yield Document(replace(build_context(), journals=journals), runner)
    runner.stop()


def opened(document: Document, path: Path, qtbot) -> None:
    document.open(path)
    qtbot.waitUntil(lambda: not document.loading, timeout=10_000)
    assert document.path == path


def journal_files(journals: Journals) -> list[Path]:
    return sorted(journals.folder.glob(f"*{JOURNAL_SUFFIX}"))


def test_a_load_shows_its_rows_then_opens_the_file(document, tmp_path, qtbot):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    shown, opened = [], []
    document.shown.connect(shown.append)
    document.opened.connect(lambda batch, message: opened.append((batch, message)))
    document.open(path)
    assert document.loading and document.loading_name == "spring.csv"
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    batch, message = opened[0]
    assert len(batch) == 2 and message == "Opened spring.csv: 2 rows"
    assert document.path == path and document.batch is batch and not document.modified
    assert shown in ([], [batch])  # the first rows, if they came in a turn of their own


def test_a_file_that_cannot_be_used_changes_nothing_and_says_why(document, tmp_path):
    refused = []
    document.refused.connect(lambda title, text: refused.append((title, text)))
    before = document.batch
    document.open(tmp_path / "missing.csv")
    assert refused and refused[0][0] == "Cannot open missing.csv"
    assert "does not exist" in refused[0][1]
    assert document.batch is before and document.path is None


def test_saving_writes_the_rows_and_marks_the_document_clean(document, tmp_path, qtbot):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    document.open(path)
    qtbot.waitUntil(lambda: document.path == path, timeout=10_000)
    document.batch.set_message(0, "Changed")
    document.set_clean(False)
    assert document.modified
    target = tmp_path / "out.csv"
    assert document.save_to(target, ("utf-8", ";", "\n"))
    assert not document.modified and document.path == target
    assert (
        Path(target).read_text(encoding="utf-8").splitlines()[1].startswith("+447400123456;Changed")
    )


def test_a_load_begins_the_documents_journal_and_drops_the_one_before(
    document, journals, tmp_path, qtbot
):
    first = write_csv(tmp_path / "first.csv", ROWS)
    second = write_csv(tmp_path / "second.csv", ROWS)
    opened(document, first, qtbot)
    before = document.journal
    assert before is not None and before.base == first.resolve()
    assert journal_files(journals) == [before.path]
    opened(document, second, qtbot)
    assert document.journal.base == second.resolve() and not before.is_open
    assert journal_files(journals) == [document.journal.path]
    document.new()
    assert document.journal.base is None and journal_files(journals) == [document.journal.path]


def test_a_load_that_fails_or_is_cancelled_keeps_the_journal(document, tmp_path, qtbot):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    opened(document, path, qtbot)
    journal = document.journal
    document.open(tmp_path / "missing.csv")
    big = write_csv(tmp_path / "big.csv", ROWS * 20_000)
    document.open(big)
    assert document.loading
    document.cancel_load()
    assert document.journal is journal and journal.is_open and document.path == path


def test_the_autosave_keeps_the_edits_the_disk_refused_and_says_so(
    document, journals, tmp_path, qtbot
):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    opened(document, path, qtbot)
    said = []
    document.said.connect(said.append)
    document.record(set_message_op(0, "first"))
    moved = journals.folder.rename(tmp_path / "away")  # the journal's folder is gone
    document.flush_journal()
    assert said and said[-1].startswith("Autosave failed:") and "kept" in said[-1]
    moved.rename(journals.folder)
    document.record(set_message_op(1, "second"))
    document.flush_journal()
    document.journal.close()  # as a crash leaves it
    (found,) = journals.recover()
    assert found.ops == [["message", 0, "first"], ["message", 1, "second"]]
    found.release()


def test_a_save_starts_the_journal_afresh_on_the_saved_file(document, journals, tmp_path, qtbot):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    opened(document, path, qtbot)
    document.batch.set_message(0, "Changed")
    document.record(set_message_op(0, "Changed"))  # not flushed yet: the save does it first
    target = tmp_path / "saved.csv"
    assert document.save_to(target)
    assert document.journal.base == target.resolve()
    document.journal.close()
    assert journals.recover() == []  # its edits are in the saved file
    assert journal_files(journals) == []


def test_close_deletes_the_journal_but_not_a_pending_one(document, journals, tmp_path, qtbot):
    other = journals.begin(None, None)
    other.append([set_message_op(0, "left by a crash")])
    other.close()
    path = write_csv(tmp_path / "spring.csv", ROWS)
    opened(document, path, qtbot)
    document.close()
    (left,) = journals.recover()
    assert left.ops == [["message", 0, "left by a crash"]]
    left.release()


def test_a_new_batch_journal_is_restored_and_journalled_on(document, journals, qtbot):
    crashed = journals.begin(None, None, ("name",))
    crashed.append([insert_op(0, [RowData("+447400123456", "Typed", ("Ava",))])])
    crashed.close()
    (found,) = document.recover()
    done, refused = [], []
    document.refused.connect(lambda title, text: refused.append(text))
    document.restore(found, done=lambda: done.append(True))
    assert refused == []
    assert done == [True] and document.modified and document.path is None
    assert document.batch.message(0) == "Typed" and document.batch.extra_columns == ("name",)
    document.record(set_message_op(0, "Typed more"))
    document.flush_journal()
    document.journal.close()
    (again,) = journals.recover()
    assert again.edits == 2
    again.release()


def test_a_file_changed_while_it_loads_is_noticed_after_a_crash(
    document, journals, tmp_path, qtbot
):
    path = write_csv(tmp_path / "spring.csv", ROWS * 20_000)
    document.open(path)
    assert document.loading
    write_csv(tmp_path / "new.csv", ROWS).replace(path)  # saved by another program meanwhile
    qtbot.waitUntil(lambda: not document.loading, timeout=20_000)
    document.record(set_message_op(0, "typed"))
    document.flush_journal()
    document.journal.close()
    (found,) = journals.recover()
    assert found.base_state is BaseState.CHANGED
    found.release()


def test_a_file_of_one_row_opens_as_1_row(document, tmp_path, qtbot):
    opened = []
    document.opened.connect(lambda batch, message: opened.append(message))
    document.open(write_csv(tmp_path / "one.csv", ROWS[:1]))
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert opened == ["Opened one.csv: 1 row"]
