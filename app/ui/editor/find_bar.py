"""Find (Ctrl+F): a bar above the editor that finds text in the phone, message and extra
columns, from the current row on, wrapping around. The scan is a chunked job, so finding in a
million rows never freezes the window."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from app.domain.wording import on_line
from app.services.jobs import Steps, row_slices
from app.ui.editor.model import BatchModel
from app.ui.widgets.jobs import ChunkedJob


def find_steps(model: BatchModel, needle: str, start: int, backwards: bool = False) -> Steps:
    """The first view row after ``start`` (before it, ``backwards``) whose phone, message or
    extras hold ``needle`` (case-insensitive), wrapping around; -1 when none does. A
    ``start`` of -1 (no current row) is before the first row, and after the last one."""
    batch = model.batch
    needle = needle.casefold()
    total = model.rowCount()
    if backwards and start < 0:
        start = total  # else the last row would be looked at last, not first
    step = -1 if backwards else 1
    for part in row_slices(total):
        for offset in range(part.start + 1, part.stop + 1):
            view = (start + step * offset) % total
            row = model.batch_row(view)
            if (
                needle in batch.phone(row).casefold()
                or needle in batch.message(row).casefold()
                or any(needle in extra.casefold() for extra in batch.extras(row))
            ):
                return view
        yield part.stop, total
    return -1


class FindBar(QWidget):
    """``found(view_row)`` when a match is found."""

    found = Signal(int)

    def __init__(self, model: BatchModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._job: ChunkedJob | None = None
        self.current_row = -1  # where the next search starts from
        self.field = QLineEdit()
        self.field.setPlaceholderText("Find in phone, message and extra columns")
        self.field.setClearButtonEnabled(True)
        self.status = QLabel()
        previous = QToolButton(text="Previous", toolTip="Find previous (Shift+F3)")
        following = QToolButton(text="Next", toolTip="Find next (F3)")
        close = QToolButton(text="✕", toolTip="Close (Esc)", autoRaise=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Find:"))
        layout.addWidget(self.field, 1)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.field.returnPressed.connect(self.find_next)
        following.clicked.connect(self.find_next)
        previous.clicked.connect(self.find_previous)
        close.clicked.connect(self.hide)

    def open(self) -> None:
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        if event.matches(QKeySequence.StandardKey.FindPrevious):
            self.find_previous()
            return
        super().keyPressEvent(event)

    def find_next(self) -> None:
        self._find(backwards=False)

    def find_previous(self) -> None:
        self._find(backwards=True)

    def _find(self, backwards: bool) -> None:
        text = self.field.text()
        if not text or self._model.rowCount() == 0:
            return
        if self._job is not None:
            self._job.cancel()
        self.status.setText("Searching…")
        self._job = ChunkedJob(
            find_steps(self._model, text, self.current_row, backwards), parent=self
        )
        self._job.finished.connect(self._done)
        self._job.start()

    def _done(self, view_row: int) -> None:
        self._job = None
        if view_row < 0:
            self.status.setText("No match")
            return
        line = self._model.batch.line(self._model.batch_row(view_row))
        self.status.setText(f"Found {on_line(line)}")
        self.current_row = view_row
        self.found.emit(view_row)
