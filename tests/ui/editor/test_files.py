"""The file side of the editor on its own (a widget, the real document service, real files in
tmp_path): open, drop and the macOS open event, the question about unsaved changes and what
each answer does, save, recent files, and the offer to restore edits a crash left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFileOpenEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QWidget

from app.services.context import AppContext
from app.services.document import Document
from app.store import autosave
from app.ui.editor.files import DocumentFiles
from app.ui.widgets.dialogs import Dialogs
from app.ui.widgets.jobs import QtRunner
from tests.ui.conftest import write_csv

Button = QMessageBox.StandardButton
ROWS = [("+447400123456", "Hello Amelia", "Amelia"), ("+447400123457", "Hello Oliver", "Oliver")]


@pytest.fixture
def make_files(qtbot, context: AppContext) -> Iterator:
    """Build a window-like widget with its document and its files; all closed after."""
    made: list[DocumentFiles] = []

    def make() -> DocumentFiles:
        window = QWidget()
        qtbot.addWidget(window)
        window.show()
        files = DocumentFiles(window, Document(context, QtRunner()), Dialogs(window))
        files.accept_drops()
        made.append(files)
        return files

    yield make
    for files in made:
        files.document.close()


@pytest.fixture
def files(make_files) -> DocumentFiles:
    return make_files()


@pytest.fixture
def spring(tmp_path) -> Path:
    return write_csv(tmp_path / "spring.csv", ROWS)


def wait_opened(qtbot, files: DocumentFiles, path: Path) -> None:
    qtbot.waitUntil(
        lambda: not files.document.loading and files.document.path == path, timeout=10_000
    )


def messages(files: DocumentFiles) -> list[str]:
    batch = files.document.batch
    return [batch.message(r) for r in range(len(batch))]


def edit(files: DocumentFiles, message: str) -> None:
    """An edit as the model makes it: the batch changes, the undo history leaves its clean
    state."""
    files.document.batch.set_message(0, message)
    files.document.record(autosave.set_message_op(0, message))
    files.document.set_clean(False)


def drag(files: DocumentFiles, urls: list[QUrl]) -> tuple[QDragEnterEvent, QDropEvent]:
    mime = QMimeData()
    mime.setUrls(urls)
    copy, left, none = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    enter = QDragEnterEvent(QPoint(10, 10), copy, mime, left, none)
    drop = QDropEvent(QPointF(10, 10), copy, mime, left, none)
    enter.mime = drop.mime = mime  # keep the data alive while the events are used
    return enter, drop


def test_open_reads_the_file_and_remembers_it(qtbot, files, spring):
    files.open_file(spring)
    wait_opened(qtbot, files, spring)
    assert messages(files) == ["Hello Amelia", "Hello Oliver"]
    assert not files.document.modified
    assert files.document.context.settings.recent_files[0] == str(spring.resolve())


def test_a_dropped_csv_opens_and_other_drops_are_refused(qtbot, files, spring, tmp_path):
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"png")
    for urls in (
        [QUrl.fromLocalFile(str(picture))],
        [QUrl.fromLocalFile(str(spring))] * 2,
        [QUrl("https://example.com/list.csv")],
    ):
        enter, drop = drag(files, urls)
        QApplication.sendEvent(files.window, enter)
        assert not enter.isAccepted()
        QApplication.sendEvent(files.window, drop)
        assert not drop.isAccepted() and not files.document.loading
    enter, drop = drag(files, [QUrl.fromLocalFile(str(spring))])
    QApplication.sendEvent(files.window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(files.window, drop)
    assert drop.isAccepted()
    wait_opened(qtbot, files, spring)
    assert len(files.document.batch) == 2


def test_nothing_can_be_dropped_while_a_file_loads(qtbot, files, spring, tmp_path):
    big = write_csv(tmp_path / "big.csv", [(f"+4474001{i:05d}", "Hi", "") for i in range(4000)])
    files.open_file(big)
    assert files.document.loading
    enter, drop = drag(files, [QUrl.fromLocalFile(str(spring))])
    QApplication.sendEvent(files.window, enter)
    QApplication.sendEvent(files.window, drop)
    assert not enter.isAccepted() and not drop.isAccepted()
    wait_opened(qtbot, files, big)
    assert len(files.document.batch) == 4000


def test_a_file_open_event_opens_a_csv_and_leaves_other_files_alone(qtbot, files, spring):
    app = QApplication.instance()
    files.accept_file_open_events(app)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(spring.with_suffix(".pdf"))))
        assert not files.document.loading
        QApplication.sendEvent(app, QFileOpenEvent(str(spring)))
        wait_opened(qtbot, files, spring)
    finally:
        app.removeEventFilter(files)


def test_unsaved_changes_are_asked_about_and_cancel_keeps_them(qtbot, files, spring, tmp_path):
    files.open_file(spring)
    wait_opened(qtbot, files, spring)
    edit(files, "Hi Amelia")
    other = write_csv(tmp_path / "other.csv", ROWS[:1])
    files.open_file(other)
    box = files.dialogs.last
    assert box is not None and box.isVisible()
    assert box.text() == "Save the changes to spring.csv?"
    box.button(Button.Cancel).click()
    assert files.document.path == spring and messages(files)[0] == "Hi Amelia"
    files.open_file(other)
    files.dialogs.last.button(Button.Discard).click()
    wait_opened(qtbot, files, other)
    assert "Hi Amelia" not in spring.read_text(encoding="utf-8")  # dropped, not saved


def test_save_first_writes_the_file_then_goes_on(qtbot, files, spring, tmp_path):
    files.open_file(spring)
    wait_opened(qtbot, files, spring)
    edit(files, "Hi Amelia")
    files.new_document()
    files.dialogs.last.button(Button.Save).click()
    assert "Hi Amelia" in spring.read_text(encoding="utf-8")
    assert files.document.path is None and len(files.document.batch) == 0  # the new batch


def test_save_writes_to_the_files_own_path(qtbot, files, spring):
    files.open_file(spring)
    wait_opened(qtbot, files, spring)
    edit(files, "Hi Amelia")
    assert files.save()
    assert not files.document.modified
    assert spring.read_text(encoding="utf-8").splitlines()[1] == "+447400123456,Hi Amelia,Amelia"


def test_the_recent_files_menu_lists_and_reopens_them(qtbot, files, spring):
    menu = QMenu()
    files.fill_recent_menu(menu)
    (empty,) = menu.actions()
    assert empty.text() == "No recent files" and not empty.isEnabled()
    files.open_file(spring)
    wait_opened(qtbot, files, spring)
    files.new_document()
    files.fill_recent_menu(menu)
    (first,) = menu.actions()
    assert first.text() == "&1 spring.csv" and first.toolTip() == str(spring.resolve())
    first.trigger()
    wait_opened(qtbot, files, spring.resolve())


def test_edits_a_crash_left_are_offered_and_restored_or_kept_for_later(qtbot, make_files, spring):
    crashed = make_files()
    crashed.open_file(spring)
    wait_opened(qtbot, crashed, spring)
    edit(crashed, "Hi Amelia")
    crashed.document.flush_journal()
    crashed.document.journal.close()  # let go of, as a killed process does
    later = make_files()
    later.start(None)
    box = later.dialogs.last
    assert box.windowTitle() == "Restore unsaved changes?"
    assert box.text() == ("Campaign Desk closed without saving 1 change to spring.csv. Restore it?")
    assert box.button(Button.Cancel).text() == "Later"
    box.button(Button.Cancel).click()
    assert len(later.document.batch) == 0
    again = make_files()
    again.start(None)  # offered again at the next start
    again.dialogs.last.button(Button.Yes).click()
    qtbot.waitUntil(lambda: again.document.restored, timeout=10_000)
    assert messages(again) == ["Hi Amelia", "Hello Oliver"]
    assert again.document.path == spring and again.document.modified
