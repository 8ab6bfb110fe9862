"""Icons: the desktop theme's when it has one (so the app looks native), else the SVGs shipped
in ``resources/icons`` (scalable, so sharp at any DPI; drawn in a mid blue that reads on light
and dark themes)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from app.resources import resource_path


@cache
def app_icon(name: str) -> QIcon:
    bundled = resource_path("icons", f"{name}.svg")
    fallback = QIcon(str(bundled)) if bundled.is_file() else QIcon()
    return QIcon.fromTheme(name, fallback)
