"""The recovery journal: written as edits happen, replayed on a batch loaded from the same file."""

from __future__ import annotations

import pytest

from app.domain.batch import Batch, BatchSettings, RowData, load_batch
from app.domain.csvfile import sniff
from app.domain.pricing import default_price_table
from app.store.autosave import (
    Autosave,
    RestoreError,
    SessionHeader,
    insert_op,
    remove_op,
    replay,
    set_extra_op,
    set_message_op,
    set_phone_op,
)
from app.store.settings import data_dir


@pytest.fixture
def settings() -> BatchSettings:
    return BatchSettings(default_region="GB", prices=default_price_table())


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "phone,message,name\n+447400123456,Hello,Amelia\n+447400123457,Hi,Oliver\n",
        encoding="utf-8",
    )
    return path


def edited(batch: Batch) -> list[RowData]:
    return [batch.row_data(r) for r in range(len(batch))]


def test_journal_replays_every_kind_of_edit(csv_file, settings, tmp_path):
    autosave = Autosave(tmp_path / "autosave")
    layout = sniff(csv_file)
    autosave.begin(SessionHeader.for_file(csv_file, layout, ("name",)))
    ops = [
        set_phone_op(0, "07400 123450"),
        set_message_op(1, "Hi there"),
        set_extra_op(1, 0, "Olly"),
        insert_op(1, [RowData("+447400123458", "New", ("Isla",))]),
        remove_op(0, 1),
    ]
    autosave.append(ops[:2])
    autosave.append(ops[2:])
    session = autosave.pending()
    assert session is not None and session.ops == ops
    assert session.header.layout == layout
    assert session.header.check_base() == csv_file

    expected = load_batch(csv_file, settings)
    expected.set_phone(0, "07400 123450")
    expected.set_message(1, "Hi there")
    expected.set_extra(1, 0, "Olly")
    expected.insert_rows(1, [RowData("+447400123458", "New", ("Isla",))])
    expected.remove_rows(0, 1)
    restored = load_batch(csv_file, settings)
    replay(restored, session.ops)
    assert edited(restored) == edited(expected)
    assert restored.totals == expected.totals


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path):
    autosave = Autosave(tmp_path / "autosave")
    autosave.begin(SessionHeader.for_file(None, None, ()))
    autosave.append([set_message_op(0, "kept")])
    with autosave.journal_path.open("a", encoding="utf-8") as handle:
        handle.write('["message", 1, "cut sh')
    session = autosave.pending()
    assert session is not None and session.ops == [["message", 0, "kept"]]


def test_no_edits_or_discarded_means_nothing_to_restore(tmp_path):
    autosave = Autosave(tmp_path / "autosave")
    assert autosave.pending() is None
    autosave.begin(SessionHeader.for_file(None, None, ()))
    assert autosave.pending() is None
    autosave.append([set_message_op(0, "x")])
    autosave.discard()
    assert autosave.pending() is None


def test_a_changed_or_missing_base_file_is_refused(csv_file):
    header = SessionHeader.for_file(csv_file, sniff(csv_file), ("name",))
    csv_file.write_text("phone,message\n+447400123456,Other text entirely\n", encoding="utf-8")
    with pytest.raises(RestoreError, match="was changed since"):
        header.check_base()
    csv_file.unlink()
    with pytest.raises(RestoreError, match="is gone"):
        header.check_base()


def test_an_unknown_edit_is_a_clear_error(settings):
    with pytest.raises(RestoreError, match="unknown edit 'paint'"):
        replay(Batch(settings), [["paint", 0, "red"]])


def test_default_folder_is_the_apps_data_folder(private_app_dirs):
    assert Autosave().header_path.parent == data_dir() / "autosave"
    assert str(data_dir()).startswith(str(private_app_dirs))
