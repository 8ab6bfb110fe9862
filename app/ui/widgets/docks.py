"""The window's layout: its central column, and docks at the bottom that can be moved,
closed and shown again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget


def bottom_dock(window: QMainWindow, title: str, name: str, widget: QWidget) -> QDockWidget:
    """``widget`` in a dock at the bottom of ``window``; a second one becomes a tab beside the
    first. ``name`` keeps its place between runs."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    existing = [d for d in window.findChildren(QDockWidget) if d is not dock]
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    if existing:
        window.tabifyDockWidget(existing[0], dock)
    return dock


def column(*widgets: QWidget) -> QWidget:
    """``widgets`` stacked edge to edge, the last one taking the height left."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget in widgets[:-1]:
        layout.addWidget(widget)
    layout.addWidget(widgets[-1], 1)
    return holder
