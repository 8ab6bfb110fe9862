"""The recovery journals: one per document and process, locked while in use, kept until saved
or discarded, offered after a crash with the file they belong to and how it stands."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from itertools import islice
from pathlib import Path

import pytest

from app.domain.csvfile import sniff
from app.store.atomic import leftover_temp_files
from app.store.autosave import RestoreError, set_message_op
from app.store.journal import JOURNAL_SUFFIX, BaseState, FileStamp, Journals
from app.store.settings import data_dir
from tests.store.journal_child import edits
from tests.store.kill_rig import Child, write_sample


@pytest.fixture
def journals(tmp_path: Path) -> Journals:
    return Journals(tmp_path / "autosave")


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "docs" / "spring.csv"
    path.parent.mkdir()
    write_sample(path, 20)
    return path


def crashed(journals: Journals, base: Path | None, *texts: str) -> None:
    """A journal with an edit per text, left as a crash leaves it (unlocked, not deleted)."""
    layout = None if base is None else sniff(base)
    journal = journals.begin(base, layout, ("notes",))
    journal.append([set_message_op(row, text) for row, text in enumerate(texts)])
    journal.close()


def test_the_journal_records_the_absolute_resolved_file(journals, csv_file, monkeypatch):
    monkeypatch.chdir(csv_file.parent)
    crashed(journals, Path("spring.csv"), "Hi")
    monkeypatch.chdir(journals.folder.parent)
    (found,) = journals.recover()
    assert found.base == csv_file.resolve() and found.base.is_absolute()
    assert found.base_state is BaseState.UNCHANGED
    assert found.edits == 1 and found.ops == [["message", 0, "Hi"]]
    assert found.extra_columns == ("notes",) and found.layout == sniff(csv_file)


def test_a_journal_in_use_is_not_offered_until_its_process_lets_go(journals, csv_file):
    journal = journals.begin(csv_file, sniff(csv_file))
    journal.append([set_message_op(0, "typed")])
    assert journals.recover() == []
    assert Journals(journals.folder).recover() == []  # another window of this process neither
    journal.close()
    (found,) = journals.recover()
    assert found.ops == [["message", 0, "typed"]]


def test_windows_of_two_processes_never_share_or_see_each_others_edits(tmp_path, journals):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_sample(a, 30)
    write_sample(b, 30)
    first = Child("hold", a, journals.folder, 1, 12)
    second = Child("hold", b, journals.folder, 2, 5)
    try:
        for child in (first, second):
            child.wait_for(lambda line: line == "ready")
        assert journals.recover() == [], "both journals are locked by live windows"
        second.kill()
        (of_b,) = journals.recover()
        assert (of_b.base, of_b.edits) == (b.resolve(), 5)
        assert of_b.ops == list(islice(edits(2, 30), 5))
        first.kill()
        (of_a,) = journals.recover()  # b's is still held by this process, not offered again
        assert (of_a.base, of_a.edits) == (a.resolve(), 12)
        assert of_a.ops == list(islice(edits(1, 30), 12))
    finally:
        first.kill()
        second.kill()


def test_a_kill_leaves_the_journal_to_the_next_start_even_from_another_folder(tmp_path):
    """The journal of a file opened by a relative path, after kill -9, from another folder."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_sample(docs / "list.csv", 10)
    folder = tmp_path / "autosave"
    child = Child("hold", "list.csv", folder, 3, 4, cwd=docs)
    child.wait_for(lambda line: line == "ready")
    child.kill()
    (found,) = Journals(folder).recover()
    assert found.base == (docs / "list.csv").resolve()
    assert found.base_state is BaseState.UNCHANGED and found.edits == 4


def test_beginning_a_journal_never_touches_a_pending_one(journals, csv_file):
    crashed(journals, csv_file, "before the crash")
    again = journals.begin(csv_file, sniff(csv_file))  # the same file opened again
    again.append([set_message_op(0, "after")])
    (found,) = journals.recover()
    assert found.ops == [["message", 0, "before the crash"]]
    again.close()


def test_several_pending_journals_are_each_offered_oldest_first(journals, csv_file):
    crashed(journals, csv_file, "one")
    crashed(journals, None, "two", "three")
    found = journals.recover()
    assert [(j.base, j.edits) for j in found] == [(csv_file.resolve(), 1), (None, 2)]
    assert found[1].base_state is BaseState.NEW_BATCH


def test_only_discard_deletes_a_journal(journals, csv_file):
    crashed(journals, csv_file, "kept")
    journals.recover()[0].release()  # the operator did not decide: offered again next time
    (found,) = journals.recover()
    found.discard()
    assert journals.recover() == []
    assert list(journals.folder.iterdir()) == []


def test_a_saved_journal_starts_afresh_on_the_saved_file(journals, csv_file, tmp_path):
    journal = journals.begin(csv_file, sniff(csv_file))
    journal.append([set_message_op(0, "saved soon")])
    other = tmp_path / "docs" / "saved as.csv"
    with journal.saving(other, sniff(csv_file), ("notes",)):
        other.write_bytes(csv_file.read_bytes())
    assert journal.base == other.resolve()
    journal.append([set_message_op(1, "after the save")])
    journal.close()
    (found,) = journals.recover()
    assert (found.base, found.base_state) == (other.resolve(), BaseState.UNCHANGED)
    assert found.ops == [["message", 1, "after the save"]]


def test_a_journal_saved_with_nothing_after_is_not_offered(journals, csv_file):
    journal = journals.begin(csv_file, sniff(csv_file))
    journal.append([set_message_op(0, "saved")])
    with journal.saving(csv_file, sniff(csv_file)):
        csv_file.write_text(csv_file.read_text(encoding="utf-8") + "+447400100099,x,y\n")
    journal.close()
    assert journals.recover() == []
    assert list(journals.folder.iterdir()) == [], "an empty journal is cleaned up"


def test_a_failed_save_keeps_every_edit(journals, csv_file):
    journal = journals.begin(csv_file, sniff(csv_file))
    journal.append([set_message_op(0, "not saved")])
    with pytest.raises(OSError), journal.saving(csv_file, sniff(csv_file)):
        raise OSError(28, "No space left on device")
    journal.close()
    csv_file.write_text("phone,message,notes\n+447400100001,changed by hand,\n", encoding="utf-8")
    (found,) = journals.recover()  # a later change by hand is not taken for the failed save
    assert found.ops == [["message", 0, "not saved"]]
    assert found.base_state is BaseState.CHANGED


def test_a_file_changed_since_is_said_and_restored_onto_as_it_is_now(journals, csv_file):
    crashed(journals, csv_file, "edit")
    text = csv_file.read_text(encoding="utf-8")
    csv_file.write_text(text.replace("Hello 3", "Hello 9"), encoding="utf-8")  # same size
    (found,) = journals.recover()
    assert found.base_state is BaseState.CHANGED
    journal = found.restore()
    journal.append([set_message_op(1, "later")])
    journal.close()
    (again,) = journals.recover()
    assert again.base_state is BaseState.UNCHANGED, "the edits now apply to the file as it is"
    assert again.ops == [["message", 0, "edit"], ["message", 1, "later"]]


def test_a_file_gone_is_said_and_never_restored_onto_another(journals, csv_file):
    crashed(journals, csv_file, "edit")
    csv_file.unlink()
    (found,) = journals.recover()
    assert found.base_state is BaseState.GONE
    with pytest.raises(RestoreError, match=r"spring\.csv the edits were made on is gone"):
        found.restore()
    found.release()
    assert journals.recover()[0].edits == 1, "still kept for the operator to decide"


def test_a_restored_journal_goes_on_after_a_line_cut_short(journals, csv_file):
    crashed(journals, csv_file, "whole")
    (path,) = journals.folder.glob(f"*{JOURNAL_SUFFIX}")
    with path.open("ab") as handle:
        handle.write('["message", 1, "cut in a «'.encode()[:-1])  # half of the character
    (found,) = journals.recover()
    assert found.ops == [["message", 0, "whole"]]
    journal = found.restore()
    journal.append([set_message_op(2, "after the restore")])
    journal.close()
    assert journals.recover()[0].ops == [
        ["message", 0, "whole"],
        ["message", 2, "after the restore"],
    ]


def test_leftovers_of_a_cut_save_are_removed_but_not_other_files(journals, csv_file, tmp_path):
    docs = csv_file.parent
    crashed(journals, csv_file, "x")
    (docs / ".spring.csv.ab12cd_9.tmp").write_text("phone,mess", encoding="utf-8")
    keep = [".other.csv.ab12cd_9.tmp", "spring.csv.tmp", ".spring.csv.bak", "notes.txt"]
    for name in keep:
        (docs / name).write_text("mine", encoding="utf-8")
    journals.recover()
    assert sorted(p.name for p in docs.iterdir()) == sorted([*keep, "spring.csv"])


def test_a_save_under_way_in_a_live_window_keeps_its_temporary_file(journals, csv_file):
    crashed(journals, csv_file, "dead window")
    live = journals.begin(csv_file, sniff(csv_file))
    with live.saving(csv_file, sniff(csv_file)):
        temp = csv_file.parent / ".spring.csv.zz99yy88.tmp"
        temp.write_text("being written", encoding="utf-8")
        (found,) = journals.recover()
        assert leftover_temp_files(csv_file) == [temp]
        temp.unlink()
    found.release()
    live.discard()


def test_a_damaged_journal_is_left_alone_and_logged(journals, csv_file, caplog):
    crashed(journals, csv_file, "fine")
    journals.folder.joinpath(f"damaged{JOURNAL_SUFFIX}").write_text("{not json\n")
    with caplog.at_level(logging.WARNING):
        found = journals.recover()
    assert [j.ops for j in found] == [[["message", 0, "fine"]]]
    assert "damaged.journal cannot be read" in caplog.text
    assert journals.folder.joinpath(f"damaged{JOURNAL_SUFFIX}").exists()


def test_a_lock_file_without_its_journal_is_removed(journals):
    journals.folder.mkdir()
    journals.folder.joinpath("0123.lock").write_text("")
    assert journals.recover() == []
    assert list(journals.folder.iterdir()) == []


def test_the_journal_of_the_version_before_is_carried_over(tmp_path, csv_file):
    """session.json and journal.jsonl, as the version before wrote them for the whole app."""
    folder = tmp_path / "autosave"
    folder.mkdir()
    stat = csv_file.stat()
    header = {
        "base": str(csv_file),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "layout": dataclasses.asdict(sniff(csv_file)),
        "extra_columns": ["notes"],
    }
    (folder / "session.json").write_text(json.dumps(header), encoding="utf-8")
    (folder / "journal.jsonl").write_text('["message", 0, "from the old version"]\n["mess')
    (found,) = Journals(folder).recover()
    assert found.base == csv_file and found.base_state is BaseState.UNCHANGED
    assert found.ops == [["message", 0, "from the old version"]]
    assert found.layout == sniff(csv_file) and found.extra_columns == ("notes",)
    assert not (folder / "session.json").exists() and not (folder / "journal.jsonl").exists()


def test_a_stamp_tells_a_replaced_file_even_of_the_same_size_and_time(csv_file):
    before = FileStamp.of(csv_file)
    assert before is not None and before.matches(FileStamp.of(csv_file))
    stat = csv_file.stat()
    copy = csv_file.with_name("copy.csv")
    copy.write_bytes(csv_file.read_bytes())
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(copy, csv_file)
    assert not before.matches(FileStamp.of(csv_file))
    assert FileStamp.of(csv_file.with_name("gone.csv")) is None


def test_default_folder_is_the_apps_data_folder(private_app_dirs):
    assert Journals().folder == data_dir() / "autosave"
    assert str(data_dir()).startswith(str(private_app_dirs))
