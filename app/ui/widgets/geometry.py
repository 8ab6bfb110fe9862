"""Where the window was and how its docks and toolbars were laid out, kept between runs."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow


def restore_geometry(window: QMainWindow) -> None:
    settings = QSettings()
    for key, restore in (
        ("window/geometry", window.restoreGeometry),
        ("window/state", window.restoreState),
    ):
        value = settings.value(key, QByteArray(), type=QByteArray)
        if isinstance(value, QByteArray) and not value.isEmpty():
            restore(value)


def save_geometry(window: QMainWindow) -> None:
    settings = QSettings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
