"""The edits a recovery journal records, replayed on a batch loaded from the same file (where
journals are kept, found and deleted: tests/store/test_journal.py)."""

from __future__ import annotations

import json

import pytest

from app.domain.batch import Batch, BatchSettings, RowData, load_batch
from app.domain.pricing import default_price_table
from app.store.autosave import (
    RestoreError,
    insert_op,
    remove_op,
    replay,
    set_extra_op,
    set_message_op,
    set_phone_op,
)


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


def test_journal_replays_every_kind_of_edit(csv_file, settings):
    ops = [
        set_phone_op(0, "07400 123450"),
        set_message_op(1, "Hi there"),
        set_extra_op(1, 0, "Olly"),
        insert_op(1, [RowData("+447400123458", "New", ("Isla",))]),
        remove_op(0, 1),
    ]

    expected = load_batch(csv_file, settings)
    expected.set_phone(0, "07400 123450")
    expected.set_message(1, "Hi there")
    expected.set_extra(1, 0, "Olly")
    expected.insert_rows(1, [RowData("+447400123458", "New", ("Isla",))])
    expected.remove_rows(0, 1)
    restored = load_batch(csv_file, settings)
    replay(restored, json.loads(json.dumps(ops)))  # as read back
    assert edited(restored) == edited(expected)
    assert restored.totals == expected.totals


def test_an_unknown_edit_is_a_clear_error(settings):
    with pytest.raises(RestoreError, match="unknown edit 'paint'"):
        replay(Batch(settings), [["paint", 0, "red"]])
