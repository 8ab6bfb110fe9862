"""The file side of the editor: the open and save dialogs, recent files, the question about
unsaved changes, and the offer to restore edits a crash left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFileOpenEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from app.domain.wording import counted
from app.services.campaigns import NewBatch
from app.services.document import SAVE_FORMATS, BaseState, Document, RecoverableJournal
from app.ui.widgets.dialogs import Button, Dialogs

OPENABLE_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})


class DocumentFiles(QObject):
    """Asks the operator what the document service needs to know: which file, whether to
    save first, whether to restore; and takes the CSV files dropped on the window."""

    def __init__(self, window: QWidget, document: Document, dialogs: Dialogs) -> None:
        super().__init__(window)
        self.window = window
        self.document = document
        self.dialogs = dialogs
        self.close_confirmed = False

    def accept_drops(self) -> None:
        self.window.setAcceptDrops(True)
        self.window.installEventFilter(self)

    def accept_file_open_events(self, app: QObject) -> None:
        """macOS hands a double-clicked CSV to the running app as a FileOpen event, not as an
        argument: open it like a dropped file."""
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FileOpen:
            assert isinstance(event, QFileOpenEvent)
            path = Path(event.file())
            if path.suffix.lower() in OPENABLE_SUFFIXES:
                self.open_file(path)
                return True
            return False
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if not self.document.loading and dropped_file(event) is not None:
                event.acceptProposedAction()
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            path = dropped_file(event)
            if path is None or self.document.loading:
                event.ignore()
            else:
                event.acceptProposedAction()
                self.open_file(path)
            return True
        return super().eventFilter(watched, event)

    def new_document(self) -> None:
        self.after_confirming(self.document.new)

    def open_rows(self, rows: NewBatch) -> None:
        """A campaign's rows (duplicated, or its failed recipients) as a new batch, after
        asking about unsaved changes."""
        self.after_confirming(lambda: self.document.open_rows(rows.name, rows.recipients()))

    def open_dialog(self) -> None:
        path = self.document.path
        name, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open recipients",
            str(path.parent) if path else "",
            "CSV files (*.csv *.txt *.tsv);;All files (*)",
        )
        if name:
            self.open_file(Path(name))

    def open_file(self, path: Path) -> None:
        """Open ``path``, after asking about unsaved changes; a bad file changes nothing."""
        self.after_confirming(lambda: self.document.open(path))

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as_dialog()
        return self.document.save_to(self.document.path)

    def save_as_dialog(self) -> bool:
        path = self.document.path
        name, chosen = QFileDialog.getSaveFileName(
            self.window,
            "Save as",
            str(path) if path else "recipients.csv",
            ";;".join(SAVE_FORMATS),
            next(iter(SAVE_FORMATS)),
        )
        if not name:
            return False
        return self.document.save_to(Path(name), SAVE_FORMATS.get(chosen))

    def after_confirming(
        self, then: Callable[[], None], otherwise: Callable[[], None] | None = None
    ) -> None:
        """Run ``then`` now, or after the operator saved or dropped the unsaved changes
        (``otherwise`` when the operator cancelled, or the save did not go through)."""
        if self.document.loading:
            return
        if not self.document.modified:
            then()
            return
        name = self.document.path.name if self.document.path else "the new batch"

        def save_then() -> None:
            if self.save():
                then()
            elif otherwise is not None:
                otherwise()

        self.dialogs.ask(
            "Unsaved changes",
            f"Save the changes to {name}?",
            {Button.Save: save_then, Button.Discard: then, Button.Cancel: otherwise},
            default=Button.Save,
            details="If you don't save, your changes are lost.",
        )

    def close_now(self) -> None:
        self.close_confirmed = True
        self.window.close()

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        recent = self.document.context.settings.recent_files
        if not recent:
            menu.addAction("No recent files").setEnabled(False)
            return
        for number, name in enumerate(recent, start=1):
            path = Path(name)
            action = menu.addAction(f"&{number} {path.name}")
            action.setToolTip(name)
            action.setStatusTip(name)
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))

    # -- crash recovery ---------------------------------------------------------------------
    def start(self, path: Path | None) -> None:
        """What the app does first: offer, one after the other, the edits that windows now
        gone left unsaved, then open ``path`` (the file the app was started with), if any."""
        pending = iter(self.document.recover())
        self._offer_next(pending, lambda: self.open_file(path) if path is not None else None)

    def _offer_next(self, pending: Iterator[RecoverableJournal], then: Callable[[], None]) -> None:
        found = next(pending, None)
        if found is None:
            then()
            return
        self._offer(found, lambda: self._offer_next(pending, then))

    def _offer(self, found: RecoverableJournal, then: Callable[[], None]) -> None:
        """Ask what to do with the edits of ``found``, do it, then ``then``. Later (also Esc,
        or closing the box) leaves them for the next start."""
        settled = False

        def answer(action: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                nonlocal settled
                settled = True
                action()

            return run

        def restore(untitled: bool = False) -> Callable[[], None]:
            return lambda: self.after_confirming(
                lambda: self.document.restore(found, untitled=untitled, done=then),
                otherwise=later,
            )

        def discard() -> None:
            found.discard()
            then()

        def later() -> None:
            found.release()
            then()

        name = found.base.name if found.base is not None else "a new batch"
        lost = f"Campaign Desk closed without saving {counted(found.edits, 'change')} to {name}."
        where = f"The file: {found.base}\n" if found.base is not None else ""
        title = "Restore unsaved changes?"
        labels = {Button.Yes: "Restore", Button.Cancel: "Later"}
        answers = {Button.Yes: restore(), Button.Discard: discard, Button.Cancel: later}
        default = Button.Yes
        text = f"{lost} Restore {'it' if found.edits == 1 else 'them'}?"
        details = f"{where}Later keeps them, to be offered at the next start."
        if found.base_state is BaseState.GONE:
            title = "Unsaved changes to a file that is gone"
            text = (
                f"{lost} That file is gone, and they are never applied to another one. "
                "Keep them for later, or discard them?"
            )
            del answers[Button.Yes], labels[Button.Yes]
            default = Button.Cancel
            details = f"{where}Put the file back, then start Campaign Desk again to restore."
        elif found.base_state is BaseState.CHANGED:
            text = (
                f"{lost} The file was changed on disk since. Restore them onto the file as it "
                "is now, or into a new untitled batch made from it?"
            )
            answers = {Button.Yes: restore(), Button.Open: restore(untitled=True), **answers}
            labels = {**labels, Button.Yes: "Restore onto File", Button.Open: "Restore as New"}
            default = Button.Open
            details = (
                f"{where}Onto the file, saving replaces it; as new, it stays as it is now "
                "unless you save over it."
            )
        box = self.dialogs.ask(
            title,
            text,
            {button: answer(action) for button, action in answers.items()},
            default=default,
            labels=labels,
            details=details,
        )
        # Closed from its title bar, a box answers nothing: take that as Later, once the
        # click that may have closed it (it comes after or before, by Qt version) is in.
        box.finished.connect(lambda _: QTimer.singleShot(0, box, lambda: settled or later()))


def dropped_file(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> Path | None:
    """The one local CSV file being dragged, or None."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in OPENABLE_SUFFIXES else None
