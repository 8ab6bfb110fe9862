"""Menu and toolbar actions, built the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar, QWidget

from app.ui.widgets.icons import app_icon


def make_action(
    parent: QWidget,
    text: str,
    slot: Callable[[], object],
    *,
    icon: str = "",
    shortcut: QKeySequence.StandardKey | str | None = None,
    tip: str = "",
) -> QAction:
    """A menu and toolbar action: its icon, shortcut(s) and tip in one call."""
    action = QAction(app_icon(icon), text, parent)
    if isinstance(shortcut, QKeySequence.StandardKey):
        action.setShortcuts(shortcut)
    elif shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda: slot())
    return action


def redo_keys(platform: list[QKeySequence] | None = None) -> list[QKeySequence]:
    """The platform's Redo keys (``platform``: the running one's), and Ctrl+Y everywhere:
    what operators coming from a spreadsheet press. An X11 desktop has only Ctrl+Shift+Z."""
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo) if platform is None else platform
    ctrl_y = QKeySequence("Ctrl+Y")
    return keys if ctrl_y in keys else [*keys, ctrl_y]


def toolbar(bar: QToolBar, name: str) -> QToolBar:
    """``bar`` as every toolbar of the window: named (its place is saved), text beside the
    icons, fixed in place."""
    bar.setObjectName(name)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.setMovable(False)
    return bar
