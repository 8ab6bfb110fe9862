"""Crash recovery as the operator meets it: edits reach a journal within seconds, and the next
start offers every journal a crash left, whatever the app was started with, before anything
replaces it. A "crash" here is a window whose journal is let go of as a killed process's is
(``journal.close()``: unlocked, kept); the killed child processes are in
tests/store/test_journal_kills.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.domain.batch import RowData
from app.main import build_context
from app.services.columns import Field
from app.services.context import AppContext
from app.services.document import AUTOSAVE_INTERVAL_MS
from app.store.journal import JOURNAL_SUFFIX, Journals
from tests.ui.conftest import write_csv

Button = QMessageBox.StandardButton
ROWS = [("+447400123456", "Hello Amelia", "Amelia"), ("+447400123457", "Hello Oliver", "Oliver")]


@pytest.fixture
def context(tmp_path) -> AppContext:
    """The real composition root, with the journals in a folder of this test's own."""
    return replace(build_context(), journals=Journals(tmp_path / "journals"))


def messages(window) -> list[str]:
    batch = window.batch
    return [batch.message(r) for r in range(len(batch))]


def journal_files(context: AppContext) -> list[Path]:
    return sorted(context.journals.folder.glob(f"*{JOURNAL_SUFFIX}"))


def crash(window) -> None:
    """Flush the window's edits to its journal, then let go of it as a killed process does."""
    assert AUTOSAVE_INTERVAL_MS <= 5000
    window.document.flush_journal()
    window.document.journal.close()


def edit_spring(window) -> None:
    """Three edits: row 0's message, a row inserted at the end, row 1 removed."""
    model = window.model
    model.setData(model.index(0, model.column_of(Field.MESSAGE)), "Hi Amelia")
    model.insert_batch_rows(2, [RowData("+447400123458", "Hello Isla", ("Isla",))])
    model.remove_batch_rows(1, 1)


@pytest.fixture
def spring(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    return write_csv(folder / "spring.csv", ROWS)


@pytest.fixture
def crashed(window, open_file, spring):
    """A window with three unsaved edits to spring.csv in its journal, gone as in a crash."""
    open_file(window, spring)
    edit_spring(window)
    crash(window)
    return window


def answer(window, button: Button, *, text: str = "") -> None:
    box = window.dialogs.last
    assert box is not None and box.isVisible() and text in box.text()
    box.button(button).click()


def test_a_start_with_a_file_argument_offers_the_restore_first(
    crashed, spring, make_window, tmp_path, qtbot
):
    other = write_csv(tmp_path / "other.csv", [("+447400123459", "Other", "Ava")])
    again = make_window()
    again.files.start(other)
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Yes, text="3 changes to spring.csv")
    assert messages(again) == ["Hi Amelia", "Hello Isla"]
    assert again.windowTitle() == "spring.csv[*] — Campaign Desk" and again.isWindowModified()
    # Then the file argument, which asks before it replaces the restored edits.
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Save, text="Save the changes to spring.csv?")
    assert again.document.path == other and messages(again) == ["Other"]
    assert "Hi Amelia" in spring.read_text(encoding="utf-8")
    assert again.context.journals.recover() == []  # saved, so no longer pending


def test_a_file_opened_by_a_relative_path_is_restored_from_another_folder(
    window, make_window, spring, tmp_path, monkeypatch, qtbot
):
    monkeypatch.chdir(spring.parent)
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.files.open_file(Path("spring.csv"))
    edit_spring(window)
    crash(window)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    again = make_window()
    again.files.start(None)
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Yes, text="3 changes to spring.csv")
    assert again.document.path == spring.resolve()
    assert messages(again) == ["Hi Amelia", "Hello Isla"]
    assert again.files.save()
    assert not (elsewhere / "spring.csv").exists()
    assert "Hello Isla" in spring.read_text(encoding="utf-8")


def test_two_pending_journals_are_each_offered_and_restored(
    make_window, open_file, tmp_path, qtbot
):
    a = write_csv(tmp_path / "a.csv", ROWS)
    b = write_csv(tmp_path / "b.csv", ROWS)
    for path, text in ((a, "Edited in a"), (b, "Edited in b")):
        window = make_window()
        open_file(window, path)
        window.model.setData(window.model.index(1, window.model.column_of(Field.MESSAGE)), text)
        crash(window)
    again = make_window()
    again.files.start(None)
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Yes, text="1 change to a.csv")
    assert again.document.path == a and messages(again) == ["Hello Amelia", "Edited in a"]
    # The second offer comes once the first restore is in; restoring it asks about the first.
    answer(again, Button.Yes, text="1 change to b.csv")
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Save, text="Save the changes to a.csv?")
    assert again.document.path == b and messages(again) == ["Hello Amelia", "Edited in b"]
    assert "Edited in a" in a.read_text(encoding="utf-8")
    assert "Edited in b" not in b.read_text(encoding="utf-8")  # restored, not saved yet
    assert len(journal_files(again.context)) == 1  # b's, in use by this window


def test_a_file_changed_since_is_said_and_restored_onto_as_it_is_now(
    crashed, spring, make_window, qtbot
):
    spring.write_text(spring.read_text(encoding="utf-8").replace("Oliver,", "Olly,"), "utf-8")
    again = make_window()
    again.files.start(None)
    assert "Restore as New" in {b.text() for b in again.dialogs.last.buttons()}
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Yes, text="The file was changed on disk since.")
    assert again.document.path == spring and messages(again) == ["Hi Amelia", "Hello Isla"]
    assert again.windowTitle() == "spring.csv[*] — Campaign Desk"


def test_a_file_changed_since_can_be_restored_into_a_new_untitled_batch(
    crashed, spring, make_window, qtbot
):
    changed = spring.read_text(encoding="utf-8").replace("Hello Amelia", "Dear Amelia")
    spring.write_text(changed, encoding="utf-8")
    again = make_window()
    again.files.start(None)
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Open, text="The file was changed on disk since.")
    assert again.document.path is None and messages(again) == ["Hi Amelia", "Hello Isla"]
    assert again.windowTitle() == "Untitled[*] — Campaign Desk" and again.isWindowModified()
    assert spring.read_text(encoding="utf-8") == changed  # untouched until saved elsewhere


def test_a_file_gone_is_said_and_can_only_be_kept_or_discarded(crashed, spring, make_window):
    spring.unlink()
    again = make_window()
    again.files.start(None)
    box = again.dialogs.last
    assert "That file is gone" in box.text()
    assert {b.text() for b in box.buttons()} == {"Discard", "Later"}
    answer(again, Button.Discard)
    assert journal_files(again.context) == [] and again.document.path is None


def test_a_journal_is_kept_after_later_and_a_quit_without_saving(crashed, make_window, qtbot):
    context = crashed.context
    again = make_window()
    again.files.start(None)
    answer(again, Button.Cancel, text="3 changes to spring.csv")  # Later
    with qtbot.waitSignal(again.closed):
        again.close()  # nothing to save in this window: it closes without a question
    third = make_window()
    third.files.start(None)
    answer(third, Button.Cancel, text="3 changes to spring.csv")
    third.editor.add_action.trigger()  # edits of its own, then a quit that drops them
    third.model.setData(third.model.index(0, 1), "Typed, then dropped")
    third.document.flush_journal()
    with qtbot.waitSignal(third.closed):
        third.close()
        answer(third, Button.Discard, text="Save the changes to the new batch?")
    (left,) = context.journals.recover()  # the dropped edits are gone, spring's kept
    assert left.base is not None and left.base.name == "spring.csv" and left.edits == 3
    left.release()


def test_discarding_deletes_the_journal(crashed, make_window):
    again = make_window()
    again.files.start(None)
    answer(again, Button.Discard, text="3 changes to spring.csv")
    assert journal_files(again.context) == [] and len(again.batch) == 0


def test_saving_starts_a_new_journal(window, open_file, spring, make_window):
    open_file(window, spring)
    edit_spring(window)
    window.document.flush_journal()
    assert window.files.save()
    crash(window)
    again = make_window()
    again.files.start(None)
    assert again.dialogs.last is None and journal_files(again.context) == []


def test_edits_after_a_restore_follow_it_in_the_journal(crashed, make_window, qtbot):
    again = make_window()
    again.files.start(None)
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        answer(again, Button.Yes)
    again.model.setData(again.model.index(1, again.model.column_of(Field.MESSAGE)), "Hi Isla")
    crash(again)
    third = make_window()
    third.files.start(None)
    with qtbot.waitSignal(third.loaded, timeout=20_000):
        answer(third, Button.Yes, text="4 changes to spring.csv")
    assert messages(third) == ["Hi Amelia", "Hi Isla"]


def test_edits_in_a_new_document_are_journalled_too(window, make_window):
    window.editor.add_action.trigger()
    window.model.setData(window.model.index(0, 1), "Typed before a crash")
    crash(window)
    again = make_window()
    again.files.start(None)
    answer(again, Button.Yes, text="to a new batch")
    assert again.batch.message(0) == "Typed before a crash"
    assert again.windowTitle() == "Untitled[*] — Campaign Desk" and again.isWindowModified()


def test_edits_that_do_not_fit_are_kept_and_said(crashed, spring, make_window, qtbot):
    write_csv(spring, ROWS[:1])  # changed since: no row 1 to remove any more
    again = make_window()
    again.files.start(None)
    answer(again, Button.Yes, text="changed on disk")
    qtbot.waitUntil(lambda: "could not be applied" in again.dialogs.last.text(), timeout=20_000)
    assert "offered again at the next start" in again.dialogs.last.text()
    assert again.document.path is None and len(again.batch) == 0 and not again.isWindowModified()
    (kept,) = again.context.journals.recover()
    assert kept.edits == 3
    kept.release()


def test_a_file_that_cannot_be_loaded_any_more_keeps_the_journal(crashed, spring, make_window):
    spring.write_text("phone,message,name\n", encoding="utf-8")
    again = make_window()
    again.files.start(None)
    answer(again, Button.Yes, text="changed on disk")
    box = again.dialogs.last
    assert box.windowTitle() == "Cannot open spring.csv" and "no data rows" in box.text()
    assert again.document.path is None and not again.isWindowModified()
    (kept,) = again.context.journals.recover()
    assert kept.edits == 3
    kept.release()


def test_closing_the_offer_counts_as_later(crashed, make_window, tmp_path, qtbot):
    other = write_csv(tmp_path / "other.csv", [("+447400123459", "Other", "Ava")])
    again = make_window()
    again.files.start(other)
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        again.dialogs.last.close()  # from its title bar: no button answers
    assert again.document.path == other
    (kept,) = again.context.journals.recover()
    assert kept.edits == 3
    kept.release()
