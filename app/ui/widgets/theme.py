"""Light and dark: follow the system's colour scheme, or keep the one the operator chose.

View > Theme offers System, Light and Dark; the choice is kept in the settings. Qt 6.8 can
ask the platform for a scheme (``QStyleHints.setColorScheme``): Windows, macOS and desktops
with a settings portal then switch their own palette. Where the platform does not (X11 without
a portal, the test platforms), the application sets a light or dark palette of its own, so the
choice always holds. The tints, marks, the sandbox banner and the bundled icons are chosen to
read on both (see ``app.ui.editor.model``, ``app.ui.accounts.account_bar``, ``resources/icons``).
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QMenu, QWidget

from app.services.context import AppContext

Role, Group = QPalette.ColorRole, QPalette.ColorGroup


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


_LABELS = {Theme.SYSTEM: "&System", Theme.LIGHT: "&Light", Theme.DARK: "&Dark"}
_TIPS = {
    Theme.SYSTEM: "Light or dark as the system is set",
    Theme.LIGHT: "Always light",
    Theme.DARK: "Always dark",
}

# (active and inactive, disabled) colours of each role.
_LIGHT = {
    Role.Window: ("#efefef", "#efefef"),
    Role.WindowText: ("#000000", "#8c8c8c"),
    Role.Base: ("#ffffff", "#efefef"),
    Role.AlternateBase: ("#f5f5f5", "#f5f5f5"),
    Role.ToolTipBase: ("#ffffdc", "#ffffdc"),
    Role.ToolTipText: ("#000000", "#000000"),
    Role.PlaceholderText: ("#767676", "#8c8c8c"),
    Role.Text: ("#000000", "#8c8c8c"),
    Role.Button: ("#efefef", "#efefef"),
    Role.ButtonText: ("#000000", "#8c8c8c"),
    Role.BrightText: ("#ffffff", "#ffffff"),
    Role.Light: ("#ffffff", "#ffffff"),
    Role.Midlight: ("#cacaca", "#cacaca"),
    Role.Mid: ("#b8b8b8", "#b8b8b8"),
    Role.Dark: ("#9f9f9f", "#9f9f9f"),
    Role.Shadow: ("#767676", "#767676"),
    Role.Highlight: ("#2f6fc4", "#919191"),
    Role.HighlightedText: ("#ffffff", "#ffffff"),
    Role.Link: ("#1a5fb4", "#8c8c8c"),
    Role.LinkVisited: ("#7b3db8", "#8c8c8c"),
}
_DARK = {
    Role.Window: ("#2b2b2b", "#2b2b2b"),
    Role.WindowText: ("#e8e8e8", "#7f7f7f"),
    Role.Base: ("#1e1e1e", "#2b2b2b"),
    Role.AlternateBase: ("#262626", "#262626"),
    Role.ToolTipBase: ("#3a3a3a", "#3a3a3a"),
    Role.ToolTipText: ("#e8e8e8", "#e8e8e8"),
    Role.PlaceholderText: ("#9a9a9a", "#7f7f7f"),
    Role.Text: ("#e8e8e8", "#7f7f7f"),
    Role.Button: ("#353535", "#2b2b2b"),
    Role.ButtonText: ("#e8e8e8", "#7f7f7f"),
    Role.BrightText: ("#ffffff", "#ffffff"),
    Role.Light: ("#4a4a4a", "#4a4a4a"),
    Role.Midlight: ("#3d3d3d", "#3d3d3d"),
    Role.Mid: ("#262626", "#262626"),
    Role.Dark: ("#1a1a1a", "#1a1a1a"),
    Role.Shadow: ("#000000", "#000000"),
    Role.Highlight: ("#3a70c4", "#4a4a4a"),
    Role.HighlightedText: ("#ffffff", "#d0d0d0"),
    Role.Link: ("#6ea8ff", "#7f7f7f"),
    Role.LinkVisited: ("#b48eff", "#7f7f7f"),
}


def palette(dark: bool) -> QPalette:
    """The application's own light or dark palette."""
    made = QPalette()
    for role, (normal, disabled) in (_DARK if dark else _LIGHT).items():
        for group in (Group.Active, Group.Inactive):
            made.setColor(group, role, QColor(normal))
        made.setColor(Group.Disabled, role, QColor(disabled))
    return made


def is_dark(shown: QPalette | None = None) -> bool:
    """Whether ``shown`` (the application's palette) is a dark one."""
    shown = shown if shown is not None else QGuiApplication.palette()
    return shown.color(Role.Window).lightness() < 128


#: The theme the application's palette follows now. The palette belongs to the application,
#: not to a window, so what follows the platform's changes is this, not a window's own choice.
_applied: list[Theme] = [Theme.SYSTEM]


def apply_theme(theme: Theme, system: Qt.ColorScheme | None = None) -> None:
    """Make the application light or dark as ``theme`` says; for System, as ``system`` (the
    platform's scheme; asked when None) says, or the platform's own palette when it does not
    know."""
    _applied[0] = theme
    application = QGuiApplication.instance()
    assert isinstance(application, QGuiApplication)
    hints = application.styleHints()
    if theme is Theme.SYSTEM:
        hints.unsetColorScheme()
        scheme = hints.colorScheme() if system is None else system
        application.setPalette(QPalette())  # the platform's own
        if scheme is Qt.ColorScheme.Unknown or is_dark() == (scheme is Qt.ColorScheme.Dark):
            return
        dark = scheme is Qt.ColorScheme.Dark  # the platform says so, but its palette does not
    else:
        dark = theme is Theme.DARK
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
        application.setPalette(QPalette())
        if is_dark() == dark:  # the platform switched its own palette
            return
    application.setPalette(palette(dark))


class ThemeMenu(QMenu):
    """View > Theme: System, Light or Dark, kept in the settings."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("&Theme", parent)
        self._context = context
        self.actions_by_theme: dict[Theme, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        for theme in Theme:
            action = self.addAction(_LABELS[theme])
            action.setCheckable(True)
            action.setStatusTip(_TIPS[theme])
            action.triggered.connect(lambda _=False, chosen=theme: self.choose(chosen))
            group.addAction(action)
            self.actions_by_theme[theme] = action
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._system_changed)
        self.actions_by_theme[self.theme].setChecked(True)
        apply_theme(self.theme)

    @property
    def theme(self) -> Theme:
        try:
            return Theme(self._context.settings.theme)
        except ValueError:  # a hand-edited settings file
            return Theme.SYSTEM

    def choose(self, theme: Theme) -> None:
        self._context.settings.theme = theme.value
        self._context.save_settings()
        self.actions_by_theme[theme].setChecked(True)
        apply_theme(theme)

    def _system_changed(self, scheme: Qt.ColorScheme) -> None:
        if _applied[0] is Theme.SYSTEM:
            apply_theme(Theme.SYSTEM, scheme)
