"""The editor's table view, and the delegate that marks the characters forcing UCS-2."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.domain.sms import ForcingChar
from app.services.columns import Field
from app.ui.editor.model import FORCING_ROLE, BatchModel
from app.ui.widgets.tables import scroll_to_top_on_reset

#: Amber behind a forcing character, with black text on it: readable on light and dark themes.
MARK_BACKGROUND = QColor(255, 193, 7)
MARK_TEXT = QColor(0, 0, 0)

EMPTY_HINT = "Drop a CSV file of recipients here, or open one with File › Open (Ctrl+O)."

_WIDTHS = {
    Field.PHONE: 150,
    Field.MESSAGE: 380,
    Field.EXTRA: 110,
    Field.COUNTRY: 70,
    Field.ENCODING: 75,
    Field.SEGMENTS: 75,
    Field.LAST_SEGMENT: 80,
    Field.COST: 100,
}


# Looked up once, here: PySide6 builds each Qt enum class on its first use, which was 6 ms of
# the first paint of a file's rows.
_ITEM = QStyle.ControlElement.CE_ItemViewItem
_ITEM_TEXT = QStyle.SubElement.SE_ItemViewItemText
_FOCUS_MARGIN = QStyle.PixelMetric.PM_FocusFrameHMargin
_SELECTED = QStyle.StateFlag.State_Selected
_HIGHLIGHTED_TEXT, _TEXT = QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Text
_LEFT_MIDDLE = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
ELLIPSIS = "…"
# The first QPainter.fillRect call builds the enums of its gradient overloads (4 ms); build them
# here rather than in that paint.
for _gradient_enum in ("Type", "Spread", "CoordinateMode", "InterpolationMode", "Preset"):
    getattr(QGradient, _gradient_enum)


class MessageDelegate(QStyledItemDelegate):
    """Paints a message with each character that forces UCS-2 on an amber mark."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        forcing: tuple[ForcingChar, ...] | None = index.data(FORCING_ROLE)
        if not forcing:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:
            super().paint(painter, option, index)
            return
        style.drawControl(_ITEM, opt, painter, widget)
        rect = style.subElementRect(_ITEM_TEXT, opt, widget)
        margin = style.pixelMetric(_FOCUS_MARGIN, None, widget) + 1
        role = _HIGHLIGHTED_TEXT if opt.state & _SELECTED else _TEXT
        painter.save()
        painter.setClipRect(rect)
        _draw_marked(painter, rect.adjusted(margin, 0, -margin, 0), text, forcing, opt, role)
        painter.restore()


def _draw_marked(
    painter: QPainter,
    rect: QRect,
    text: str,
    forcing: tuple[ForcingChar, ...],
    opt: QStyleOptionViewItem,
    role: QPalette.ColorRole,
) -> None:
    metrics = opt.fontMetrics
    normal = opt.palette.color(role)
    x = rect.left()
    for run, marked in visible_runs(text, forcing, metrics, rect.width()):
        width = metrics.horizontalAdvance(run)
        box = QRect(x, rect.top(), width, rect.height())
        if marked:
            painter.fillRect(box.adjusted(0, 2, 0, -2), MARK_BACKGROUND)
        painter.setPen(MARK_TEXT if marked else normal)
        painter.drawText(box, _LEFT_MIDDLE, run)
        x += width


def visible_runs(
    text: str, forcing: tuple[ForcingChar, ...], metrics: QFontMetrics, width: int
) -> list[tuple[str, bool]]:
    """The pieces of ``text`` to draw in ``width`` pixels, each marked (it forces UCS-2) or
    not: all of it, or as much as fits followed by "…", as every other cell is cut. The "…"
    is marked when a character that forces UCS-2 is in the part cut off: the cell says
    UCS-2, and so shows why."""
    shown = metrics.elidedText(text, _ELIDE_RIGHT, width)
    if shown == text:
        return [(text[start:end], marked) for start, end, marked in _runs(text, forcing)]
    kept = shown.removesuffix(ELLIPSIS)  # what Qt keeps of the text: a prefix
    runs = [(kept[start:end], marked) for start, end, marked in _runs(kept, forcing)]
    hidden = any(mark.index + len(mark.char) > len(kept) for mark in forcing)
    return [*runs, (ELLIPSIS, hidden)]


def _runs(text: str, forcing: tuple[ForcingChar, ...]) -> list[tuple[int, int, bool]]:
    """(start, end, marked) runs covering ``text``."""
    runs: list[tuple[int, int, bool]] = []
    position = 0
    for mark in forcing:
        start, end = mark.index, min(mark.index + len(mark.char), len(text))
        if start >= len(text):
            break
        if start > position:
            runs.append((position, start, False))
        runs.append((start, end, True))
        position = end
    if position < len(text):
        runs.append((position, len(text), False))
    return runs


class RowNumbers(QHeaderView):
    """The row-number header, as wide as seven digits (more past 9,999,999) need; hidden
    while there are no rows.

    Qt sizes a header from the labels of its first and last hundred rows: in a proportional
    font "1111" is narrower than "8888", so while a file loaded the header changed width with
    nearly every batch of rows, shifting every column and repainting the whole table.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        # A click on a row's number selects the row (Shift and Ctrl extend the selection), as
        # on the table's own header: a header made by hand is not clickable until told.
        self.setSectionsClickable(True)
        self.setHighlightSections(True)
        self.setToolTip("The row's line in the file (new: a row added here)")

    def sizeHint(self) -> QSize:
        if self.count() == 0:  # no rows: no strip of grey beside the empty table
            return QSize(0, self.defaultSectionSize())
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.text = "8" * max(7, len(str(self.count())))
        size = self.style().sizeFromContents(
            QStyle.ContentsType.CT_HeaderSection, option, QSize(), self
        )
        return QSize(size.width(), self.defaultSectionSize())


class BatchView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = RowNumbers(self)
        self.setVerticalHeader(rows)
        # Fixed row heights: the view never measures a million rows.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        columns = self.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(True)
        columns.setSortIndicatorShown(True)
        columns.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        columns.setHighlightSections(False)
        self._delegate = MessageDelegate(self)
        self._fitted: tuple[object, ...] = ()
        self._appended_only = False

    def rows_appended(self) -> None:
        """Rows were just appended below the file order (a load in progress): the delayed
        layout that follows updates the scroll range, but repaints only if they show."""
        self._appended_only = True

    def doItemsLayout(self) -> None:
        # Qt repaints the whole table after any change of the row count. While a file loads,
        # that was a 20-30 ms paint every second of rows that had not moved.
        appended_only, self._appended_only = self._appended_only, False
        last_shown = self.rowAt(self.viewport().height() - 1)
        if not appended_only or last_shown < 0:  # -1: the rows do not fill the view yet
            super().doItemsLayout()
            return
        self.updateGeometries()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)

    def setModel(self, model: BatchModel) -> None:  # type: ignore[override]
        super().setModel(model)
        scroll_to_top_on_reset(self)
        model.modelReset.connect(self.fit_columns)
        model.modelReset.connect(self._layout_in_full)
        self.fit_columns()

    def _layout_in_full(self) -> None:
        self._appended_only = False

    def fit_columns(self) -> None:
        """Starting widths, set when the columns change (sorting and filtering keep the
        operator's widths). Never ResizeToContents: it would measure every row."""
        model = self.model()
        if not isinstance(model, BatchModel) or tuple(model.columns) == self._fitted:
            return
        self._fitted = tuple(model.columns)
        for column, spec in enumerate(model.columns):
            if spec.field is Field.MESSAGE:
                self.setItemDelegateForColumn(column, self._delegate)
            if spec.field in _WIDTHS:
                self.setColumnWidth(column, _WIDTHS[spec.field])
