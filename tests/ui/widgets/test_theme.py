"""Light and dark: the theme follows the system or the operator's choice, and what the window
shows stays readable in both, checked on screenshots of the window (``QWidget.grab``)."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QToolButton, QWidget

from app.services.columns import Field
from app.store.settings import SettingsStore
from app.ui.accounts.account_bar import BANNER_COLOURS
from app.ui.widgets.theme import Theme, apply_theme, is_dark
from tests.ui.conftest import write_csv

ROWS = [
    ("+447400123456", "Hello Amelia", "Amelia"),  # clean
    ("not a number", "Hello Oliver", "Oliver"),  # an error
    ("+447400123458", "“Welcome back”", "Isla"),  # UCS-2
    ("+441212345678", "Hello Harry", "Harry"),  # a landline: a warning
]
TEXT_CONTRAST = 4.5  # WCAG AA for text
ICON_CONTRAST = 3.0  # WCAG AA for graphics


@pytest.fixture(autouse=True)
def system_theme_after():
    """The palette belongs to the application, which outlives each test's window."""
    yield
    apply_theme(Theme.SYSTEM)


@pytest.fixture
def loaded(window, open_file, tmp_path, qtbot):
    window.resize(1366, 768)
    open_file(window, write_csv(tmp_path / "spring.csv", ROWS))
    qtbot.waitUntil(lambda: not window.working and window.error_panel.model.rowCount() == 2)
    window.error_dock.show()  # in front of the docks it may share a tab with
    window.error_dock.raise_()
    qtbot.waitUntil(window.error_panel.view.isVisible)
    return window


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(c) for c in colour.getRgbF()[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def distance(one: QColor, other: QColor) -> int:
    return sum(abs(a - b) for a, b in zip(one.getRgb()[:3], other.getRgb()[:3], strict=True))


class Shot:
    """A screenshot of the window, read by region."""

    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.image: QImage = window.grab().toImage()
        assert self.image.devicePixelRatio() == 1

    def region(self, widget: QWidget, rect: QRect | None = None) -> QRect:
        rect = rect if rect is not None else widget.rect()
        return QRect(widget.mapTo(self.window, rect.topLeft()), rect.size())

    def colours(self, region: QRect) -> Counter[int]:
        return Counter(
            self.image.pixel(x, y)
            for x in range(region.left(), region.right() + 1)
            for y in range(region.top(), region.bottom() + 1)
        )

    def background(self, region: QRect) -> QColor:
        return QColor(self.colours(region).most_common(1)[0][0])

    def strongest(self, region: QRect) -> tuple[QColor, QColor]:
        """(background, the colour that stands out most on it: text or an icon's lines)."""
        background = self.background(region)
        colours = (QColor(c) for c in self.colours(region))
        return background, max(colours, key=lambda c: contrast(c, background))


def cell(shot: Shot, window, row: int, field: Field) -> QRect:
    view = window.editor.view
    rect = view.visualRect(window.model.index(row, window.model.column_of(field)))
    return shot.region(view.viewport(), rect.adjusted(1, 1, -1, -1))


def choose(window, theme: Theme, qtbot=None) -> None:
    window.theme_menu.actions_by_theme[theme].trigger()
    if qtbot is not None:  # Qt hands the application's palette to each widget a moment later
        qtbot.waitUntil(lambda: is_dark(window.palette()) == is_dark())
        qtbot.waitUntil(lambda: is_dark(window.banner.palette()) == is_dark())


@pytest.mark.parametrize("theme", [Theme.LIGHT, Theme.DARK])
def test_the_window_is_light_or_dark_as_chosen_and_stays_readable(loaded, theme, qtbot):
    dark = theme is Theme.DARK
    choose(loaded, theme, qtbot)
    assert is_dark() == dark
    shot = Shot(loaded)

    status = shot.background(shot.region(loaded.statusBar()))
    assert (status.lightness() < 128) == dark
    table = shot.background(cell(shot, loaded, 0, Field.COUNTRY))
    assert (table.lightness() < 128) == dark

    banner, banner_text = shot.strongest(shot.region(loaded.banner))
    assert banner.name() == BANNER_COLOURS[dark][0]
    assert contrast(banner, banner_text) >= TEXT_CONTRAST

    for row, field in ((1, Field.ISSUES), (1, Field.PHONE), (3, Field.ISSUES), (2, Field.ENCODING)):
        tinted, text = shot.strongest(cell(shot, loaded, row, field))
        plain = shot.background(cell(shot, loaded, row, Field.COUNTRY))  # same row, no tint
        assert distance(tinted, plain) >= 40, (row, field)
        assert contrast(tinted, text) >= TEXT_CONTRAST, (row, field)
    error = shot.background(cell(shot, loaded, 1, Field.ISSUES))
    warning = shot.background(cell(shot, loaded, 3, Field.ISSUES))
    assert distance(error, warning) >= 40  # an error does not read as a warning

    buttons = [b for b in loaded.findChildren(QToolButton) if b.defaultAction()]
    open_button = next(b for b in buttons if b.defaultAction() is loaded.open_action)
    icon = QRect(QPoint(4, 4), open_button.iconSize())
    behind, lines = shot.strongest(shot.region(open_button, icon))
    assert contrast(behind, lines) >= ICON_CONTRAST

    panel = loaded.error_panel.view
    for row in range(2):  # the error's and the warning's icons in the problems list
        rect = panel.visualRect(panel.model().index(row, 0))
        icon = QRect(rect.left() + 2, rect.top() + 1, rect.height() - 2, rect.height() - 2)
        behind, lines = shot.strongest(shot.region(panel.viewport(), icon))
        assert contrast(behind, lines) >= ICON_CONTRAST


def test_the_choice_is_kept_and_the_next_start_uses_it(make_window, context):
    window = make_window()
    assert window.theme_menu.actions_by_theme[Theme.SYSTEM].isChecked()
    choose(window, Theme.DARK)
    assert SettingsStore().load().theme == "dark"
    apply_theme(Theme.SYSTEM)  # as a new process would start
    assert not is_dark()
    context.settings = SettingsStore().load()
    again = make_window(context)
    assert is_dark()
    assert again.theme_menu.actions_by_theme[Theme.DARK].isChecked()


def test_system_follows_the_platforms_colour_scheme(window):
    hints = QGuiApplication.styleHints()
    assert window.theme_menu.theme is Theme.SYSTEM
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the desktop switched to dark
    assert is_dark()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not is_dark()
    choose(window, Theme.LIGHT)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # a choice of the operator holds
    assert not is_dark()
