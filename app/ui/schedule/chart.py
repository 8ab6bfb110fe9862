"""Messages per hour or per day, painted: QtCharts is not in PySide6-Essentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.domain.schedule import Bucket

Counts = Sequence[tuple[datetime, int]]


def bucket_words(start: datetime, bucket: Bucket) -> str:
    if bucket is Bucket.HOUR:
        return f"{start:%a} {start.day} {start:%b %H:%M}"
    return f"{start:%a} {start.day} {start:%b}"


class RateChart(QWidget):
    """Bars of messages per bucket; hovering a bar says its time and count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: tuple[tuple[datetime, int], ...] = ()
        self._bucket = Bucket.HOUR
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(96)
        self.setAccessibleName("Messages per hour or day")

    def sizeHint(self) -> QSize:
        return QSize(420, 112)

    def set_counts(self, counts: Counts, bucket: Bucket) -> None:
        self._counts = tuple(counts)
        self._bucket = bucket
        self.setToolTip("" if self._counts else "No preview: the schedule is not complete")
        self.update()

    def counts(self) -> tuple[tuple[datetime, int], ...]:
        return self._counts

    def bucket(self) -> Bucket:
        return self._bucket

    # -- painting -------------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        height = self.fontMetrics().height()
        return QRectF(4, height + 4, self.width() - 8, self.height() - 2 * height - 10)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = self.palette()
        plot = self._plot()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        text = palette.color(QPalette.ColorRole.WindowText)
        if not self._counts:
            painter.setPen(text)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No preview yet")
            return
        peak = max(count for _, count in self._counts) or 1
        width = plot.width() / len(self._counts)
        bar = palette.color(QPalette.ColorRole.Highlight)
        for index, (_, count) in enumerate(self._counts):
            if not count:
                continue
            tall = plot.height() * count / peak
            left = plot.left() + index * width
            gap = 1.0 if width > 4 else 0.0
            painter.fillRect(QRectF(left, plot.bottom() - tall, max(1.0, width - gap), tall), bar)
        painter.setPen(text)
        unit = "an hour" if self._bucket is Bucket.HOUR else "a day"
        painter.drawText(QPointF(plot.left(), plot.top() - 4), f"{peak:,} {unit} at most")
        below = plot.bottom() + self.fontMetrics().ascent() + 3
        first, last = self.axis_labels()
        painter.drawText(QPointF(plot.left(), below), first)
        if last:
            right = plot.right() - self.fontMetrics().horizontalAdvance(last)
            painter.drawText(QPointF(right, below), last)

    def axis_labels(self) -> tuple[str, str]:
        """What is written under the first bar and under the last ("" for one bar only: the
        same words twice read as a range that starts and ends at once)."""
        if not self._counts:
            return "", ""
        first = bucket_words(self._counts[0][0], self._bucket)
        if len(self._counts) == 1:
            return first, ""
        return first, bucket_words(self._counts[-1][0], self._bucket)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._counts:
            assert isinstance(event, QHelpEvent)
            plot = self._plot()
            index = int((event.pos().x() - plot.left()) * len(self._counts) / plot.width())
            if 0 <= index < len(self._counts):
                start, count = self._counts[index]
                QToolTip.showText(
                    event.globalPos(),
                    f"{bucket_words(start, self._bucket)}: {count:,} messages",
                    self,
                )
                return True
        return super().event(event)
