"""Message boxes that never block: window-modal, opened with ``open()``, answered by callback.

``exec()`` would start a nested event loop, which stalls the qasync tasks (and hangs tests);
``open()`` returns at once. The last box stays in :attr:`Dialogs.last`, so that tests (and the
window, when it closes) can see and answer it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


class Dialogs:
    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self.last: QMessageBox | None = None

    def inform(
        self,
        title: str,
        text: str,
        *,
        icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
        details: str = "",
    ) -> QMessageBox:
        box = self._box(title, text, icon, Button.Ok)
        if details:
            box.setInformativeText(details)
        box.open()
        return box

    def ask(
        self,
        title: str,
        text: str,
        answers: Mapping[Button, Callable[[], None] | None],
        *,
        default: Button,
        labels: Mapping[Button, str] | None = None,
        icon: QMessageBox.Icon = QMessageBox.Icon.Question,
        details: str = "",
    ) -> QMessageBox:
        """Ask, then call the callback of the button pressed (None: nothing to do).

        Closing the box with Esc counts as the Cancel/No/Discard-like button Qt picks as escape.
        """
        buttons = Button.NoButton
        for button in answers:
            buttons |= button
        box = self._box(title, text, icon, buttons)
        box.setDefaultButton(default)
        if details:
            box.setInformativeText(details)
        for button, label in (labels or {}).items():
            box.button(button).setText(label)

        def answered(pressed: object) -> None:
            callback = answers.get(box.standardButton(pressed))  # type: ignore[arg-type]
            if callback is not None:
                callback()

        box.buttonClicked.connect(answered)
        box.open()
        return box

    def _box(self, title: str, text: str, icon: QMessageBox.Icon, buttons: Button) -> QMessageBox:
        box = QMessageBox(icon, title, text, buttons, self._parent)
        self.last = box
        return box
