"""The schedule's rate chart on its own: a bar per busy hour or day, as tall as its count,
the words under it, what hovering a bar says, and what an empty preview shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QToolTip

from app.domain.schedule import Bucket
from app.ui.schedule.chart import RateChart, bucket_words

PARIS = ZoneInfo("Europe/Paris")
HOURS = [datetime(2026, 11, 23, h, tzinfo=PARIS) for h in range(4)]


@pytest.fixture
def chart(qtbot) -> RateChart:
    made = RateChart()
    qtbot.addWidget(made)
    made.resize(300, 110)
    made.show()
    return made


def bar_heights(chart: RateChart) -> list[int]:
    """How many pixels of the bar colour each bucket's middle column has."""
    bar = chart.palette().color(QPalette.ColorRole.Highlight)
    image = chart.grab().toImage()
    plot_width = image.width() - 8  # the plot leaves 4 pixels each side
    count = len(chart.counts())
    heights = []
    for index in range(count):
        x = int(4 + (index + 0.5) * plot_width / count)
        heights.append(sum(QColor(image.pixel(x, y)) == bar for y in range(image.height())))
    return heights


def test_bucket_words_name_the_hour_or_the_day():
    assert bucket_words(HOURS[1], Bucket.HOUR) == "Mon 23 Nov 01:00"
    assert bucket_words(HOURS[1], Bucket.DAY) == "Mon 23 Nov"


def test_a_bar_per_busy_bucket_as_tall_as_its_count(chart):
    chart.set_counts(list(zip(HOURS, [0, 10, 0, 5], strict=True)), Bucket.HOUR)
    assert chart.counts()[1] == (HOURS[1], 10) and chart.bucket() is Bucket.HOUR
    assert chart.toolTip() == ""
    empty, peak, _, half = bar_heights(chart)
    assert empty == 0 and peak > 0
    assert abs(half - peak / 2) <= 1  # 5 is half the busiest hour's 10


# The offscreen platform cannot raise the tooltip's window: a note about the test platform.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_hovering_a_bar_says_its_time_and_count(chart):
    days = [datetime(2026, 11, 23 + d, tzinfo=PARIS) for d in range(2)]
    chart.set_counts([(days[0], 1200), (days[1], 300)], Bucket.DAY)
    point = QPoint(chart.width() * 3 // 4, chart.height() // 2)  # over the second day
    event = QHelpEvent(QEvent.Type.ToolTip, point, chart.mapToGlobal(point))
    assert QApplication.sendEvent(chart, event)
    assert QToolTip.text() == "Tue 24 Nov: 300 messages"
    QToolTip.hideText()


def test_no_counts_show_no_bar_and_say_why(chart):
    chart.set_counts([(HOURS[0], 4)], Bucket.HOUR)
    chart.set_counts([], Bucket.HOUR)
    assert chart.counts() == ()
    assert chart.toolTip() == "No preview: the schedule is not complete"
    bar = chart.palette().color(QPalette.ColorRole.Highlight)
    image = chart.grab().toImage()
    assert not any(
        QColor(image.pixel(x, y)) == bar
        for x in range(image.width())
        for y in range(image.height())
    )


def test_the_axis_names_the_first_and_last_bar_and_one_bar_once(chart):
    chart.set_counts(list(zip(HOURS, [0, 10, 0, 5], strict=True)), Bucket.HOUR)
    assert chart.axis_labels() == (
        bucket_words(HOURS[0], Bucket.HOUR),
        bucket_words(HOURS[-1], Bucket.HOUR),
    )
    chart.set_counts([(HOURS[0], 6)], Bucket.HOUR)  # a send that fits in one hour
    assert chart.axis_labels() == (bucket_words(HOURS[0], Bucket.HOUR), "")
