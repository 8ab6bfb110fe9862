"""Find (Ctrl+F) on its own over a real batch model: the next and previous match, wrapping
round, in the phone, message and extra columns, case-insensitive, in the order the view
shows, and what the bar says when nothing matches."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.domain.batch import RowData
from app.services.columns import Field
from app.ui.editor.find_bar import FindBar
from app.ui.editor.model import BatchModel

ROWS = [
    RowData("+447400123456", "Spring sale", ("Amelia",), line=2),
    RowData("+447400123457", "Hello", ("Oliver",), line=3),
    RowData("+447400123458", "spring is here", ("Isla",), line=4),
    RowData("+447400123459", "Goodbye", ("Spring Harry",), line=5),
]


@pytest.fixture
def model(make_model) -> BatchModel:
    return make_model(ROWS)


@pytest.fixture
def bar(model, qtbot) -> FindBar:
    made = FindBar(model)
    qtbot.addWidget(made)
    made.show()
    return made


def find(qtbot, bar: FindBar, text: str | None = None, *, backwards: bool = False) -> int:
    """Find (the next, or the previous) ``text``; the view row found."""
    if text is not None:
        bar.field.setText(text)
    with qtbot.waitSignal(bar.found, timeout=5000) as found:
        bar.find_previous() if backwards else bar.find_next()
    return found.args[0]


def test_next_finds_each_match_in_turn_and_wraps_round(qtbot, bar):
    assert find(qtbot, bar, "SPRING") == 0  # case-insensitive, from the top
    assert bar.status.text() == "Found on line 2"
    assert find(qtbot, bar) == 2
    assert find(qtbot, bar) == 3  # in the extra column
    assert bar.status.text() == "Found on line 5"
    assert find(qtbot, bar) == 0  # round again


def test_previous_goes_back_and_wraps_to_the_last_match(qtbot, bar):
    assert find(qtbot, bar, "spring", backwards=True) == 3
    assert find(qtbot, bar, backwards=True) == 2
    assert find(qtbot, bar, backwards=True) == 0
    assert find(qtbot, bar, backwards=True) == 3


def test_the_phone_column_is_searched_and_the_search_starts_after_the_current_row(qtbot, bar):
    bar.current_row = 1  # where the editor's current cell is
    assert find(qtbot, bar, "7400123") == 2
    bar.current_row = 3
    assert find(qtbot, bar, "123457") == 1


def test_no_match_says_so_and_finds_nothing(qtbot, bar):
    found: list[int] = []
    bar.found.connect(found.append)
    bar.field.setText("autumn")
    bar.find_next()
    qtbot.waitUntil(lambda: bar.status.text() == "No match", timeout=5000)
    assert found == [] and bar.current_row == -1
    assert find(qtbot, bar, "hello") == 1  # the next search still works
    assert bar.status.text() == "Found on line 3"


def test_an_empty_field_does_not_search(qtbot, bar):
    found: list[int] = []
    bar.found.connect(found.append)
    bar.field.setText("")
    bar.find_next()
    assert bar.status.text() == "" and found == []


def test_matches_come_in_the_order_the_view_shows(qtbot, model, bar):
    model.sort(model.column_of(Field.MESSAGE), Qt.SortOrder.AscendingOrder)
    # Goodbye, Hello, Spring sale, spring is here: view rows, as the table shows them
    assert find(qtbot, bar, "spring") == 0  # "Goodbye", by its extra column
    assert bar.status.text() == "Found on line 5"
    assert find(qtbot, bar) == 2
    assert bar.status.text() == "Found on line 2"


def test_a_match_past_many_rows_is_found_and_wraps_across_the_scan_slices(make_model, qtbot):
    rows = [RowData(f"+4474001{i:05d}", f"Message {i}", ("",), line=i + 2) for i in range(1500)]
    rows[1234] = RowData("+447400199999", "The needle", ("",), line=1236)
    rows[7] = RowData("+447400188888", "Another needle", ("",), line=9)
    bar = FindBar(make_model(rows))
    qtbot.addWidget(bar)
    assert find(qtbot, bar, "needle") == 7
    assert find(qtbot, bar) == 1234
    assert bar.status.text() == "Found on line 1236"
    assert find(qtbot, bar) == 7


def test_keys_escape_closes_and_shift_f3_finds_the_previous(qtbot, bar):
    bar.field.setText("spring")
    with qtbot.waitSignal(bar.found, timeout=5000) as found:
        qtbot.keyClick(bar.field, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert found.args[0] == 3
    with qtbot.waitSignal(bar.found, timeout=5000) as found:
        qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert found.args[0] == 0
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert bar.isHidden()
    bar.open()
    assert bar.isVisible() and bar.field.selectedText() == "spring"
