"""The provider's findings count like the rows' own: in the status bar, the Issues cells, the
row filters and the sort, for as long as the rows they name are unchanged."""

from __future__ import annotations

import pytest

from app.domain.accounts import sandbox_account_id
from app.services.columns import Field
from app.services.problems import Source
from app.services.row_filter import RowFilter
from app.ui.editor.model import SEVERITY_TINT
from app.ui.widgets import roles
from tests.ui.conftest import wait_for, write_csv

SPRING = "Spring sale: 20% off"
# Every number is a valid UK mobile and every text is fine locally; Cordial sends one text to
# every recipient, so its check refuses the two rows whose text differs.
ROWS = [
    ("+447400123456", SPRING, "Amelia"),
    ("+447400123457", SPRING, "Oliver"),
    ("+447400123458", "Spring sale: 25% off", "Isla"),
    ("+447400123459", SPRING, "Harry"),
    ("+447400123460", "Summer sale", "Ava"),
]


@pytest.fixture
async def checked(window, tmp_path):
    """The file open, checked locally (no issue), then validated with the Cordial sandbox."""
    window.files.open_file(write_csv(tmp_path / "spring.csv", ROWS))
    await wait_for(window.loaded)
    choose_cordial(window)
    window.validate_action.trigger()
    await wait_for(window.validation_finished)
    return window


def choose_cordial(window) -> None:
    window.account_box.setCurrentIndex(window.account_box.findData(sandbox_account_id("cordial")))


def issues_cell(window, row: int):
    return window.model.index(row, window.model.column_of(Field.ISSUES))


async def test_the_status_bar_counts_rows_only_the_provider_faults(checked):
    window = checked
    assert window.batch.totals.errors == 0  # nothing wrong locally
    assert window.totals.errors_label.text().strip() == (
        "·  2 rows with errors (2 only from Cordial sandbox)"
    )
    assert "Cordial sandbox's validate-only run" in window.totals.errors_label.toolTip()
    listed = window.error_panel.model.listed()
    assert [row for row, e in listed if e.source is Source.PROVIDER] == [2, 4]


async def test_the_issues_cell_names_the_provider_and_is_tinted(checked):
    window = checked
    cell = issues_cell(window, 2)
    assert cell.data().startswith("Cordial sandbox: This text differs from the batch's main")
    assert cell.data(roles.BACKGROUND) == SEVERITY_TINT["error"]
    assert cell.data(roles.TOOLTIP).startswith("Error (Cordial sandbox): This text differs")
    message = window.model.index(2, window.model.column_of(Field.MESSAGE))
    assert message.data(roles.BACKGROUND) == SEVERITY_TINT["error"]
    assert issues_cell(window, 1).data() == ""


async def test_the_error_filter_and_the_issues_sort_include_the_providers_rows(checked, qtbot):
    window = checked
    box = window.editor.filter_box
    box.setCurrentIndex(box.findData(RowFilter.ERRORS))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2 and not window.working)
    assert [window.model.batch_row(v) for v in range(2)] == [2, 4]
    box.setCurrentIndex(box.findData(RowFilter.ALL))
    qtbot.waitUntil(lambda: window.model.rowCount() == 5 and not window.working)
    header = window.editor.view.horizontalHeader()
    header.setSortIndicator(window.model.column_of(Field.ISSUES), header.sortIndicatorOrder())
    qtbot.waitUntil(lambda: window.model.sort_column >= 0 and not window.working)
    assert [window.model.batch_row(v) for v in range(2)] == [2, 4]  # errors first


async def test_fixing_a_row_drops_its_finding_from_the_counts_and_the_cell(checked, qtbot):
    window = checked
    message = window.model.index(2, window.model.column_of(Field.MESSAGE))
    window.model.setData(message, SPRING)
    assert issues_cell(window, 2).data() == ""
    assert window.totals.errors_label.text().strip() == (
        "·  1 row with errors (1 only from Cordial sandbox)"
    )
    window.undo_action.trigger()  # the old text is back, but the provider's word on it is gone
    assert issues_cell(window, 2).data() == ""
    assert window.totals.errors_label.text().strip() == (
        "·  1 row with errors (1 only from Cordial sandbox)"
    )
    panel = window.error_panel.model
    qtbot.waitUntil(lambda: [r for r, e in panel.listed() if e.source is Source.PROVIDER] == [4])


async def test_findings_stay_with_their_rows_as_rows_are_added_and_removed(checked, qtbot):
    window = checked
    said = issues_cell(window, 2).data()
    window.editor.view.selectRow(0)
    window.editor.delete_action.trigger()
    assert window.totals.errors_label.text().strip() == (
        "·  2 rows with errors (2 only from Cordial sandbox)"
    )
    assert issues_cell(window, 1).data() == said  # the row that was row 2 moved up
    window.editor.view.selectRow(3)  # the other row the provider refused
    window.editor.delete_action.trigger()
    window.editor.view.setCurrentIndex(window.model.index(0, 0))
    window.editor.add_action.trigger()  # a row before it: the finding moves down
    qtbot.waitUntil(lambda: not window.working)
    panel = window.error_panel.model
    assert [r for r, e in panel.listed() if e.source is Source.PROVIDER] == [2]
    assert issues_cell(window, 2).data() == said
    assert window.totals.errors_label.text().strip().startswith("·  2 rows with errors (1 only")


async def test_a_finding_about_the_whole_file_is_counted_apart(window, tmp_path):
    same = [(phone, SPRING, name) for phone, _, name in ROWS]
    window.files.open_file(write_csv(tmp_path / "same.csv", same))
    await wait_for(window.loaded)
    choose_cordial(window)
    window.validate_action.trigger()
    await wait_for(window.validation_finished)
    # Cordial sends to its audience, not to these numbers: a warning about the whole file.
    assert window.totals.warnings_label.text().strip() == (
        "·  0 rows with warnings, and 1 warning about the whole file"
    )
    assert window.totals.errors_label.text().strip() == "·  0 rows with errors"
    ((row, entry),) = window.error_panel.model.listed()
    assert row == entry.row_id == -1
    window.error_panel.view.activated.emit(window.error_panel.model.index(0, 0))
    assert "about the whole file" in window.statusBar().currentMessage()
