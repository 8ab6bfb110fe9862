"""The file side of the editor: the open and save dialogs, recent files, the question about
unsaved changes, and the offer to restore edits a crash left behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from app.domain.wording import counted
from app.services.document import SAVE_FORMATS, Document
from app.ui.widgets.dialogs import Button, Dialogs

OPENABLE_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})


class DocumentFiles:
    """Asks the operator what the document service needs to know: which file, whether to
    save first, whether to restore."""

    def __init__(self, window: QWidget, document: Document, dialogs: Dialogs) -> None:
        self.window = window
        self.document = document
        self.dialogs = dialogs
        self.close_confirmed = False

    def new_document(self) -> None:
        self.after_confirming(self.document.new)

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

    def after_confirming(self, then: Callable[[], None]) -> None:
        """Run ``then`` now, or after the operator saved or dropped the unsaved changes."""
        if self.document.loading:
            return
        if not self.document.modified:
            then()
            return
        name = self.document.path.name if self.document.path else "the new batch"

        def save_then() -> None:
            if self.save():
                then()

        self.dialogs.ask(
            "Unsaved changes",
            f"Save the changes to {name}?",
            {Button.Save: save_then, Button.Discard: then, Button.Cancel: None},
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

    def offer_restore(self) -> None:
        """Offer the edits a crash left behind, if any."""
        session = self.document.pending_recovery()
        if session is None:
            return
        base = session.header.base
        name = Path(base).name if base else "a new batch"
        count = len(session.ops)
        self.dialogs.ask(
            "Restore unsaved changes?",
            f"Campaign Desk closed without saving {counted(count, 'change')} to {name}. "
            f"Restore {'it' if count == 1 else 'them'}?",
            {
                Button.Yes: lambda: self.document.restore(session),
                Button.Discard: self.document.discard_recovery,
            },
            default=Button.Yes,
            labels={Button.Yes: "Restore"},
        )


def dropped_file(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> Path | None:
    """The one local CSV file being dragged, or None."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in OPENABLE_SUFFIXES else None
