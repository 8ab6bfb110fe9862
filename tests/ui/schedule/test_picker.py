"""The schedule picker driven as an operator does: clicks, typing into the fields, picking a
zone; what it shows under each field, the preview, and the Schedule it emits."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDateEdit, QTimeEdit

from app.domain.schedule import Bucket, Schedule, ScheduleField, unsupported_reason
from app.providers.batchcom import BatchProvider
from app.providers.rocketcoms import RocketComsProvider
from app.providers.routee import RouteeProvider
from app.ui.schedule.picker import SchedulePicker
from app.ui.schedule.zone_box import system_zone

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
F = ScheduleField
ROCKETCOMS = RocketComsProvider.capabilities
ROUTEE = RouteeProvider.capabilities
BATCH = BatchProvider.capabilities


class Emitted(list):
    def __call__(self, schedule: Schedule | None) -> None:
        self.append(schedule)


@pytest.fixture
def picker(qtbot) -> SchedulePicker:
    widget = SchedulePicker(now=lambda: NOW, zone="Europe/Paris")
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def emitted(picker) -> Emitted:
    seen = Emitted()
    picker.scheduleChanged.connect(seen)
    return seen


def type_date(qtbot, edit: QDateEdit, digits: str) -> None:
    """Click into the year and type ``yyyymmdd``, as sections advance by themselves."""
    edit.setFocus()
    edit.setSelectedSection(QDateEdit.Section.YearSection)
    qtbot.keyClicks(edit, digits)


def type_time(qtbot, edit: QTimeEdit, digits: str) -> None:
    """Click into the hours and type ``hhmm``."""
    edit.setFocus()
    edit.setSelectedSection(QTimeEdit.Section.HourSection)
    qtbot.keyClicks(edit, digits)


def start_at(qtbot, picker: SchedulePicker, day: str, clock: str) -> None:
    qtbot.mouseClick(picker.at_button, Qt.MouseButton.LeftButton)
    type_date(qtbot, picker.start_date, day)
    type_time(qtbot, picker.start_time, clock)


def test_it_starts_as_now_in_the_given_zone_and_shows_the_zone_by_every_time(qtbot, emitted):
    widget = SchedulePicker(now=lambda: NOW)
    qtbot.addWidget(widget)
    assert widget.zone_box.zone() == system_zone()
    assert widget.schedule() == Schedule(timezone=system_zone())
    paris = SchedulePicker(now=lambda: NOW, zone="Europe/Paris")
    qtbot.addWidget(paris)
    assert paris.start_zone.text() == "Europe/Paris (UTC+01:00)"
    assert paris.window_zone.text() == "Europe/Paris"
    assert paris.end_zone.text().startswith("Europe/Paris")


def test_a_past_start_is_shown_under_when_and_nothing_is_emitted(qtbot, picker, emitted):
    start_at(qtbot, picker, "20261122", "1100")  # 11:00 Paris is 10:00 UTC: two hours ago
    assert picker.problem_text(F.START) == (
        "Start: Sun 22 Nov 2026 11:00 (Europe/Paris) is in the past; it is now Sun 22 Nov 2026 "
        "13:00."
    )
    assert emitted[-1] is None and picker.schedule() is None
    type_time(qtbot, picker.start_time, "1400")
    assert picker.problem_text(F.START) == ""
    assert emitted[-1] == Schedule(
        start=datetime(2026, 11, 22, 14, 0, tzinfo=PARIS), timezone="Europe/Paris"
    )


def test_an_empty_window_is_refused_until_its_end_differs(qtbot, picker, emitted):
    picker.set_capabilities(ROCKETCOMS)
    qtbot.mouseClick(picker.window_check, Qt.MouseButton.LeftButton)
    type_time(qtbot, picker.window_start, "0900")
    type_time(qtbot, picker.window_end, "0900")
    assert "09:00-09:00 is empty" in picker.problem_text(F.WINDOW)
    assert emitted[-1] is None
    assert "Fix the schedule" in picker.preview_label.text()
    type_time(qtbot, picker.window_end, "1700")
    assert picker.problem_text(F.WINDOW) == ""
    assert emitted[-1] is not None and emitted[-1].window == (time(9), time(17))


def test_a_window_across_midnight_previews_both_sides_of_it(qtbot, picker, emitted):
    picker.set_capabilities(ROCKETCOMS)
    picker.set_recipients(1_000_000)
    start_at(qtbot, picker, "20261123", "0800")
    qtbot.mouseClick(picker.window_check, Qt.MouseButton.LeftButton)
    type_time(qtbot, picker.window_start, "2000")
    type_time(qtbot, picker.window_end, "0200")
    schedule = emitted[-1]
    assert schedule is not None and schedule.window == (time(20), time(2))
    assert picker.window_zone.text() == "Europe/Paris (sent as 19:00-01:00 UTC)"
    # RocketCOMS takes a start day in UTC: the 23rd's 00:00-01:00 UTC (01:00-02:00 Paris)
    # would be before the start, so it begins on the 24th; a warning, not an error
    assert picker.problem_text(F.START) == (
        "Start: RocketCOMS schedules by the day in UTC: sending starts at Tue 24 Nov 2026 "
        "01:00, not at Mon 23 Nov 2026 20:00 (Europe/Paris)."
    )
    assert picker.preview_label.text() == (
        "First message Tue 24 Nov 2026 01:00, last Sat 28 Nov 2026 22:46 (Europe/Paris), at "
        "about 600 a minute."
    )
    counts = picker.chart.counts()
    shown = picker.current_preview()
    assert shown is not None and shown.counts == counts and shown.sent == 1_000_000
    assert picker.chart.isVisible() and picker.chart.bucket() is Bucket.DAY
    assert sum(count for _, count in counts) == 1_000_000


def test_a_start_the_clocks_skip_is_flagged_on_the_spring_forward_day(qtbot, picker, emitted):
    start_at(qtbot, picker, "20270328", "0230")
    assert picker.problem_text(F.START) == (
        "Start: 02:30 on Sun 28 Mar 2027 does not exist in Europe/Paris: the clocks jump from "
        "02:00 to 03:00 that night. Pick a time outside that hour."
    )
    assert emitted[-1] is None
    type_time(qtbot, picker.start_time, "0330")
    assert picker.problem_text(F.START) == ""
    assert picker.start_zone.text() == "Europe/Paris (UTC+02:00)"
    assert emitted[-1] is not None and emitted[-1].start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


# Typing opens the completer's popup, which the offscreen platform cannot raise or give the
# keyboard to; on a desktop neither warning appears.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
def test_an_unknown_zone_is_named_and_a_zone_is_found_by_part_of_its_name(qtbot, picker, emitted):
    line = picker.zone_box.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "Mars/Olympus")
    assert picker.problem_text(F.TIMEZONE).startswith(
        "Time zone: 'Mars/Olympus' is not a time zone this computer knows."
    )
    assert emitted[-1] is None
    assert picker.start_zone.text() == "Mars/Olympus"
    completer = picker.zone_box.completer()
    completer.setCompletionPrefix("tokyo")
    assert completer.currentCompletion() == "Asia/Tokyo"
    line.selectAll()
    qtbot.keyClicks(line, "Asia/Tokyo")
    assert picker.problem_text(F.TIMEZONE) == ""
    assert emitted[-1] == Schedule(timezone="Asia/Tokyo")
    assert picker.start_zone.text() == "Asia/Tokyo (UTC+09:00)"


def test_what_the_provider_lacks_is_disabled_with_its_reason(qtbot, picker):
    picker.set_capabilities(ROUTEE)
    assert not picker.window_check.isEnabled()
    assert picker.window_check.toolTip() == unsupported_reason(F.WINDOW, ROUTEE)
    assert not picker.rate_check.isEnabled() and not picker.local_time_check.isEnabled()
    assert picker.quiet_check.isEnabled()
    picker.set_capabilities(BATCH)
    assert picker.rate_check.isEnabled() and picker.local_time_check.isEnabled()
    assert not picker.quiet_check.isEnabled()
    assert picker.quiet_check.toolTip() == "Batch has no quiet-hours option."


def test_an_option_on_stays_enabled_after_a_provider_switch_and_says_why(qtbot, picker, emitted):
    picker.set_capabilities(ROCKETCOMS)
    qtbot.mouseClick(picker.window_check, Qt.MouseButton.LeftButton)
    assert emitted[-1] is not None
    picker.set_capabilities(ROUTEE)
    assert picker.window_check.isEnabled() and picker.window_check.isChecked()
    assert "Routee has no daily sending window" in picker.problem_text(F.WINDOW)
    assert emitted[-1] is None
    qtbot.mouseClick(picker.window_check, Qt.MouseButton.LeftButton)
    assert not picker.window_check.isEnabled()
    assert emitted[-1] == Schedule(timezone="Europe/Paris")


def test_batch_send_rate_and_local_time_as_typed(qtbot, picker, emitted):
    picker.set_capabilities(BATCH)
    picker.set_recipients(100_000)
    start_at(qtbot, picker, "20261125", "0900")
    qtbot.mouseClick(picker.rate_check, Qt.MouseButton.LeftButton)
    picker.rate_box.selectAll()
    qtbot.keyClicks(picker.rate_box, "500")
    assert picker.problem_text(F.SEND_RATE) == (
        "Send rate: Batch takes 1,000 to 1,000,000 messages a minute; 500 is too low."
    )
    picker.rate_box.selectAll()
    qtbot.keyClicks(picker.rate_box, "5000")
    qtbot.mouseClick(picker.local_time_check, Qt.MouseButton.LeftButton)
    schedule = emitted[-1]
    assert schedule is not None
    assert (schedule.send_rate, schedule.recipient_local_time) == (5000, True)
    assert picker.preview_label.text().startswith(
        "First message Wed 25 Nov 2026 09:00, last Wed 25 Nov 2026 09:20 (Europe/Paris), at "
        "5,000 a minute. Shown for recipients in Europe/Paris"
    )
    assert picker.chart.bucket() is Bucket.HOUR


def test_a_schedule_shown_again_comes_back_the_same(qtbot, picker):
    picker.set_capabilities(ROCKETCOMS)
    schedule = Schedule(
        start=datetime(2026, 12, 1, 8, 0, tzinfo=PARIS),
        end_date=datetime(2026, 12, 5).date(),
        window_start=time(20),
        window_end=time(2),
        timezone="Europe/Paris",
    )
    picker.set_schedule(schedule)
    assert picker.schedule() == schedule
    assert picker.end_date.isEnabled() and picker.window_start.isEnabled()
