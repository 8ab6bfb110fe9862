"""The main window as an operator uses it: open (drop, menu, recent), bad files, edit, undo,
find, the GSM fix, rows, save, the close prompt, and the error panel's navigation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFileOpenEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from app.domain.batch import BatchLoader
from app.domain.csvfile import CsvFileError, sniff
from app.resources import resource_path
from app.services.checking import INSTANT_ROWS as INSTANT_PANEL_ROWS
from app.services.columns import Field
from app.services.jobs import run_to_end
from app.services.problems import Source, scan_steps
from app.services.row_filter import RowFilter
from tests.ui.conftest import next_turn, write_csv

ROWS = [
    ("+447400123456", "Hello Amelia", "Amelia"),
    ("not a number", "Hello Oliver", "Oliver"),
    ("+447400123458", "“Welcome back” – we’ve missed you…", "Isla"),
    ("+447400123459", "Hello Harry", "Harry"),
]


@pytest.fixture
def csv_file(tmp_path) -> Path:
    return write_csv(tmp_path / "spring.csv", ROWS)


@pytest.fixture
def loaded(window, open_file, csv_file):
    open_file(window, csv_file)
    return window


def answer(window, button: QMessageBox.StandardButton) -> None:
    box = window.dialogs.last
    assert box is not None and box.isVisible()
    box.button(button).click()


def view_cell(window, row: int, field: Field, extra: int = -1) -> str:
    return window.model.index(row, window.model.column_of(field, extra)).data()


def drag_events(window, urls: list[QUrl]) -> tuple[QDragEnterEvent, QDropEvent]:
    mime = QMimeData()
    mime.setUrls(urls)
    action = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(200, 200), action, mime, buttons, modifiers)
    drop = QDropEvent(QPointF(200, 200), action, mime, buttons, modifiers)
    enter._mime = drop._mime = mime  # keep the data alive while the events are used
    return enter, drop


def test_first_start_is_on_the_sandbox_with_a_banner(window):
    assert window.windowTitle() == "Untitled[*] — Campaign Desk"
    assert window.banner.isVisible()
    assert "nothing is really sent" in window.banner.text()
    assert window.account.sandbox
    assert not window.validate_action.isEnabled()  # no rows yet
    assert "0 rows" in window.totals.totals_label.text()


def test_dropping_a_csv_opens_it(window, csv_file, qtbot):
    enter, drop = drag_events(window, [QUrl.fromLocalFile(str(csv_file))])
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    assert window.windowTitle() == "spring.csv[*] — Campaign Desk"
    assert not window.isWindowModified()
    assert window.model.rowCount() == 4
    assert view_cell(window, 0, Field.PHONE) == "+447400123456"
    assert "4 rows" in window.totals.totals_label.text()
    assert window.context.settings.recent_files[0] == str(csv_file.resolve())


def test_dropping_other_things_is_refused(window, tmp_path, csv_file):
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"png")
    for urls in (
        [QUrl.fromLocalFile(str(picture))],
        [QUrl.fromLocalFile(str(csv_file))] * 2,
        [QUrl("https://example.com/list.csv")],
    ):
        enter, _ = drag_events(window, urls)
        QApplication.sendEvent(window, enter)
        assert not enter.isAccepted()


def test_a_bad_file_shows_the_reason_and_changes_nothing(loaded, tmp_path, qtbot):
    batch, path = loaded.batch, loaded.document.path
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02\xff\xfe binary \x00 data")
    with pytest.raises(CsvFileError) as reason:
        sniff(bad)
    loaded.files.open_file(bad)
    box = loaded.dialogs.last
    assert box.isVisible()  # shown with open(): the test was not blocked to get here
    assert str(reason.value) in box.text()
    assert loaded.batch is batch and loaded.document.path == path
    box.button(QMessageBox.StandardButton.Ok).click()


def test_a_file_failing_while_loading_puts_the_old_document_back(loaded, tmp_path, qtbot):
    batch = loaded.batch
    empty = write_csv(tmp_path / "empty.csv", [])
    loaded.files.open_file(empty)
    qtbot.waitUntil(lambda: not loaded.document.loading, timeout=10_000)
    assert "no data rows" in loaded.dialogs.last.text()
    assert loaded.batch is batch
    assert loaded.windowTitle() == "spring.csv[*] — Campaign Desk"


def test_a_bug_while_loading_puts_the_old_document_back(loaded, tmp_path, qtbot, monkeypatch):
    batch = loaded.batch

    def bug(self: BatchLoader) -> bool:
        raise RuntimeError("a bug")

    monkeypatch.setattr(BatchLoader, "load_next", bug)
    with qtbot.captureExceptions() as exceptions:
        loaded.files.open_file(write_csv(tmp_path / "other.csv", ROWS))
        qtbot.waitUntil(lambda: not loaded.document.loading)
    assert len(exceptions) == 1  # reported as a bug, with its traceback
    assert loaded.batch is batch
    qtbot.waitUntil(lambda: not loaded.working)  # nothing waits for the dead job
    assert "internal error; nothing was changed" in loaded.statusBar().currentMessage()


def test_loading_can_be_cancelled(loaded, tmp_path, qtbot):
    batch = loaded.batch
    big = write_csv(tmp_path / "big.csv", [(f"+4474001{i:05d}", "Hi", "x") for i in range(20_000)])
    loaded.files.open_file(big)
    assert loaded.progress.cancel_button.isVisibleTo(loaded)
    loaded.cancel_running()
    assert loaded.batch is batch and not loaded.document.loading
    assert loaded.model.rowCount() == 4


def test_loading_cancelled_as_its_first_rows_come_in_never_shows_them(loaded, tmp_path, qtbot):
    batch = loaded.batch
    big = write_csv(tmp_path / "big.csv", [(f"+4474001{i:05d}", "Hi", "x") for i in range(20_000)])
    loaded.files.open_file(big)
    assert loaded.document.loading
    # the first progress is when the first rows are due: cancel right after the window's own
    loaded.document.load_progress.connect(lambda *_: loaded.cancel_running())
    qtbot.waitUntil(lambda: not loaded.document.loading)
    with qtbot.waitSignal(
        next_turn().timeout, timeout=1000
    ):  # the turn that would show the first rows
        pass
    assert loaded.batch is batch and loaded.model.rowCount() == 4


def test_the_panel_says_it_is_checking_until_the_scan_is_done(window, open_file, csv_file, qtbot):
    summary = window.error_panel.summary
    at_load: list[str] = []
    window.loaded.connect(lambda: at_load.append(summary.text()))
    open_file(window, csv_file)
    assert at_load == ["Checking 4 rows…"]  # not "0 errors", which would read as a clean file
    qtbot.waitUntil(lambda: summary.text().startswith("1 error,"))


def test_a_load_cancelled_after_it_stopped_a_scan_scans_again(window, csv_file, tmp_path, qtbot):
    big = write_csv(tmp_path / "big.csv", [(f"+4474001{i:05d}", "Hi", "x") for i in range(20_000)])

    def open_big() -> None:  # while the scan of the first file has not run yet
        window.loaded.disconnect(open_big)
        window.files.open_file(big)
        window.cancel_running()

    window.loaded.connect(open_big)
    with qtbot.waitSignal(window.loaded):
        window.files.open_file(csv_file)
    assert window.document.path == csv_file
    qtbot.waitUntil(lambda: window.error_panel.summary.text().startswith("1 error,"))


def test_loading_shows_the_first_rows_before_the_end(window, tmp_path, qtbot):
    big = write_csv(tmp_path / "big.csv", [(f"+4474001{i:05d}", "Hi", "x") for i in range(20_000)])
    counts: list[int] = []
    window.model.rowsInserted.connect(lambda *_: counts.append(window.model.rowCount()))
    window.model.modelReset.connect(lambda: counts.append(window.model.rowCount()))
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.files.open_file(big)
    assert 0 < counts[0] < 20_000  # the first rows are shown before the rest is read
    assert counts[-1] == window.model.rowCount() == 20_000


def test_editing_through_the_view_updates_row_totals_and_title(loaded, qtbot):
    view = loaded.editor.view
    index = loaded.model.index(1, loaded.model.column_of(Field.PHONE))
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.setText("+447400123457")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: loaded.batch.phone(1) == "+447400123457")
    assert view_cell(loaded, 1, Field.COUNTRY) == "GB"
    assert loaded.totals.errors_label.text().strip() == "·  0 rows with errors"
    assert loaded.isWindowModified()
    loaded.undo_action.trigger()
    assert loaded.batch.phone(1) == "not a number"
    assert loaded.totals.errors_label.text().strip() == "·  1 row with errors"
    assert not loaded.isWindowModified()
    loaded.redo_action.trigger()
    assert loaded.batch.phone(1) == "+447400123457"


def test_find_goes_to_the_next_match_and_wraps(loaded, qtbot):
    loaded.editor.view.setCurrentIndex(loaded.model.index(3, 0))
    loaded.editor.find_action.trigger()
    assert loaded.editor.find_bar.isVisible()
    loaded.editor.find_bar.field.setText("hello")
    rows = []
    for _ in range(4):
        with qtbot.waitSignal(loaded.editor.find_bar.found):
            QTest.keyClick(loaded.editor.find_bar.field, Qt.Key.Key_Return)
        rows.append(loaded.editor.view.currentIndex().row())
    assert rows == [0, 1, 3, 0]
    loaded.editor.find_bar.field.setText("nowhere")
    loaded.editor.find_bar.find_next()
    qtbot.waitUntil(lambda: loaded.editor.find_bar.status.text() == "No match")


def test_gsm_fix_for_all_rows_shows_the_saving_then_applies_and_undoes(loaded, qtbot):
    before = loaded.batch.totals
    loaded.editor.fix_all_action.trigger()
    qtbot.waitUntil(lambda: loaded.dialogs.last is not None and loaded.dialogs.last.isVisible())
    text = loaded.dialogs.last.text()
    assert "1 row" in text and "UCS-2" in text
    assert "saves 0" in text  # one short text: still one segment, but GSM-7 now
    answer(loaded, QMessageBox.StandardButton.Apply)
    assert loaded.batch.message(2) == '"Welcome back" - we\'ve missed you...'
    assert view_cell(loaded, 2, Field.ENCODING) == "GSM-7"
    loaded.undo_action.trigger()
    assert loaded.batch.message(2) == ROWS[2][1]
    assert loaded.batch.totals == before


def test_gsm_fix_for_a_row_says_what_it_saves(window, open_file, tmp_path):
    long_text = "Dear customer, your order is ready – " + "x" * 60  # 97 chars: 2 UCS-2 parts
    open_file(window, write_csv(tmp_path / "one.csv", [("+447400123456", long_text, "A")]))
    assert view_cell(window, 0, Field.SEGMENTS) == "2"
    action = window.editor.gsm_fix_action([0])
    price = window.batch.settings.prices.format(window.batch.result(0).cost // 2)
    assert action.text() == f"Use GSM characters in this row: saves 1 segment ({price})"
    action.trigger()
    assert view_cell(window, 0, Field.SEGMENTS) == "1"
    nothing = window.editor.gsm_fix_action([0])
    assert not nothing.isEnabled() and "nothing to replace" in nothing.text()


def test_add_duplicate_and_delete_rows(loaded, qtbot):
    loaded.editor.view.setCurrentIndex(loaded.model.index(0, 0))
    loaded.editor.add_action.trigger()
    assert loaded.model.rowCount() == 5 and loaded.batch.phone(1) == ""
    loaded.editor.view.setCurrentIndex(loaded.model.index(3, 0))
    loaded.editor.duplicate_action.trigger()
    assert loaded.batch.message(4) == loaded.batch.message(3) == ROWS[2][1]
    assert loaded.batch.line(4) == 0
    loaded.editor.view.selectRow(0)
    loaded.editor.delete_action.trigger()
    assert loaded.model.rowCount() == 5 and loaded.batch.phone(0) == ""
    for _ in range(3):
        loaded.undo_action.trigger()
    assert [loaded.batch.phone(r) for r in range(4)] == [r[0] for r in ROWS]
    # The problems list followed every move: what a fresh scan of the rows finds.
    qtbot.waitUntil(lambda: not loaded.working)
    fresh = run_to_end(scan_steps(loaded.batch))
    assert loaded.error_panel.model.listed() == list(zip(fresh.rows, fresh.entries, strict=True))


def test_filter_shows_only_rows_with_errors(loaded, qtbot):
    loaded.editor.filter_box.setCurrentIndex(loaded.editor.filter_box.findData(RowFilter.ERRORS))
    qtbot.waitUntil(lambda: loaded.model.rowCount() == 1)
    assert view_cell(loaded, 0, Field.PHONE) == "not a number"


def test_sorting_by_a_header_click_and_back_to_file_order(loaded, qtbot):
    header = loaded.editor.view.horizontalHeader()
    column = loaded.model.column_of(Field.EXTRA, 0)
    position = QPoint(header.sectionViewportPosition(column) + 5, 5)
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.waitUntil(lambda: loaded.model.sort_column == column)
    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == column
    names = [view_cell(loaded, r, Field.EXTRA, 0) for r in range(4)]
    assert names == sorted(names) != [r[2] for r in ROWS]
    loaded.editor.file_order_action.trigger()
    qtbot.waitUntil(lambda: loaded.model.sort_column == -1)
    assert [view_cell(loaded, r, Field.EXTRA, 0) for r in range(4)] == [r[2] for r in ROWS]


def test_sorting_keeps_the_current_cell_on_its_row(loaded, qtbot):
    model, view = loaded.model, loaded.editor.view
    phone = model.column_of(Field.PHONE)
    view.setCurrentIndex(model.index(0, phone))
    chosen = model.batch_row(0)
    loaded.editor.view.horizontalHeader().setSortIndicator(
        model.column_of(Field.EXTRA, 0), Qt.SortOrder.DescendingOrder
    )
    qtbot.waitUntil(lambda: model.sort_column >= 0)
    current = view.currentIndex()
    assert current.column() == phone
    assert model.batch_row(current.row()) == chosen and current.row() != 0
    loaded.editor.file_order_action.trigger()
    qtbot.waitUntil(lambda: model.sort_column == -1)
    assert view.currentIndex().row() == chosen


def test_error_panel_click_and_enter_select_the_row(loaded, qtbot):
    panel = loaded.error_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    entry = panel.model.entry(0)
    assert panel.model.batch_row(0) == 1
    assert (entry.line, entry.column, entry.source) == (3, "phone", Source.LOCAL)
    rect = panel.view.visualRect(panel.model.index(0, 5))
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    current = loaded.editor.view.currentIndex()
    assert (current.row(), current.column()) == (1, loaded.model.column_of(Field.PHONE))
    loaded.editor.view.setCurrentIndex(loaded.model.index(3, 0))
    panel.view.setCurrentIndex(panel.model.index(0, 0))
    QTest.keyClick(panel.view, Qt.Key.Key_Return)
    assert loaded.editor.view.currentIndex().row() == 1


def test_error_panel_follows_fixes_live(loaded, qtbot):
    panel = loaded.error_panel.model
    qtbot.waitUntil(lambda: panel.rowCount() == 1)
    loaded.model.setData(loaded.model.index(1, 0), "+447400123457")
    qtbot.waitUntil(lambda: panel.rowCount() == 0)
    loaded.model.setData(loaded.model.index(3, loaded.model.column_of(Field.MESSAGE)), "")
    qtbot.waitUntil(lambda: panel.rowCount() == 1)
    assert panel.entry(0).code == "message.empty"


def test_navigating_to_a_hidden_row_shows_every_row(loaded, qtbot):
    loaded.editor.filter_box.setCurrentIndex(loaded.editor.filter_box.findData(RowFilter.UCS2))
    qtbot.waitUntil(lambda: loaded.model.rowCount() == 1)
    loaded.editor.show_row(1, "phone")
    assert loaded.model.rowCount() == 4
    assert loaded.editor.filter_box.currentData() == RowFilter.ALL
    assert loaded.editor.view.currentIndex().row() == 1


def test_every_row_again_under_a_sort_keeps_the_sort(loaded, qtbot):
    model = loaded.model
    names = model.column_of(Field.EXTRA, 0)
    loaded.editor.view.horizontalHeader().setSortIndicator(names, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.sort_column == names and not loaded.working)
    loaded.editor.filter_box.setCurrentIndex(loaded.editor.filter_box.findData(RowFilter.UCS2))
    qtbot.waitUntil(lambda: model.rowCount() == 1 and not loaded.working)
    loaded.editor.show_row(1, "phone")  # hidden by the filter: every row comes back, still sorted
    qtbot.waitUntil(lambda: model.rowCount() == 4 and not loaded.working)
    shown = [view_cell(loaded, r, Field.EXTRA, 0) for r in range(4)]
    assert shown == sorted((r[2] for r in ROWS), reverse=True)
    current = loaded.editor.view.currentIndex()
    assert model.batch_row(current.row()) == 1
    assert current.column() == model.column_of(Field.PHONE)


def test_save_keeps_the_files_format_and_save_as_can_change_it(window, open_file, tmp_path):
    path = tmp_path / "eu.csv"
    shutil.copy(resource_path("samples", "eu-reminders-semicolon.csv"), path)
    layout = sniff(path)
    open_file(window, path)
    window.model.setData(window.model.index(0, 0), "+33612345670")
    assert window.files.save()
    assert not window.isWindowModified()
    again = sniff(path)
    assert (again.encoding, again.delimiter) == (layout.encoding, layout.delimiter)
    assert "+33612345670" in path.read_text(encoding=layout.encoding)
    other = tmp_path / "eu-utf8.csv"
    assert window.document.save_to(other, ("utf-8", ",", "\n"))
    assert (sniff(other).encoding, sniff(other).delimiter) in {("utf-8", ","), ("utf-8-sig", ",")}
    assert window.windowTitle() == "eu-utf8.csv[*] — Campaign Desk"


def test_close_asks_about_unsaved_changes(loaded, qtbot):
    loaded.model.setData(loaded.model.index(0, 0), "+447400123450")
    loaded.close()
    assert loaded.isVisible()
    answer(loaded, QMessageBox.StandardButton.Cancel)
    assert loaded.isVisible()
    with qtbot.waitSignal(loaded.closed):
        loaded.close()
        answer(loaded, QMessageBox.StandardButton.Discard)
    assert not loaded.isVisible()
    assert loaded.context.journals.recover() == []


def test_recent_files_reopen(loaded, csv_file, qtbot):
    loaded.recent_menu.aboutToShow.emit()
    actions = loaded.recent_menu.actions()
    assert actions[0].text() == "&1 spring.csv"
    with qtbot.waitSignal(loaded.loaded, timeout=20_000):
        actions[0].trigger()
    assert loaded.document.path == csv_file.resolve()


def test_filters_answered_from_the_panel_match_a_full_scan(window, open_file, tmp_path, qtbot):
    path = tmp_path / "needs-fixing.csv"
    shutil.copy(resource_path("samples", "needs-fixing.csv"), path)
    open_file(window, path)
    qtbot.waitUntil(lambda: not window.working)
    for row_filter in (RowFilter.ERRORS, RowFilter.WARNINGS, RowFilter.ISSUES):
        steps = window.model.filter_steps(row_filter)
        with pytest.raises(StopIteration) as scanned:
            while True:
                next(steps)
        window.editor.filter_box.setCurrentIndex(window.editor.filter_box.findData(row_filter))
        qtbot.waitUntil(lambda: not window.working)
        shown = [window.model.batch_row(v) for v in range(window.model.rowCount())]
        assert shown == scanned.value.value.rows and shown


def test_editing_a_number_shared_by_many_rows_updates_the_panel(window, open_file, tmp_path, qtbot):
    shared = [("+447400123456", f"Hi {i}", "x") for i in range(INSTANT_PANEL_ROWS + 2)]
    open_file(window, write_csv(tmp_path / "shared.csv", shared))
    qtbot.waitUntil(lambda: not window.working)
    panel = window.error_panel.model
    assert panel.counts() == (0, len(shared))  # every row: a duplicate warning
    window.model.setData(window.model.index(0, 0), "+447400999999")
    qtbot.waitUntil(lambda: not window.working)
    assert panel.counts() == (0, len(shared) - 1)
    assert all(row != 0 for row, _ in panel.listed())


def test_a_file_open_event_opens_the_csv_as_a_macos_double_click_does(window, csv_file, qtbot):
    window.files.accept_file_open_events(QApplication.instance())
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        QApplication.sendEvent(QApplication.instance(), QFileOpenEvent(str(csv_file)))
    assert window.document.path == csv_file and window.model.rowCount() == 4
    QApplication.instance().removeEventFilter(window.files)
