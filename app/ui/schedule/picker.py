"""The picker: send now or at a date and time, an optional end date, a daily window, the time
zone (shown next to every time), each recipient's local time, quiet hours and a send rate.

It holds no rule of its own: every change builds a :class:`Schedule` and asks the domain what
is wrong with it for the provider's :class:`Capabilities` (the sentences appear under their
field) and when it would go out (the preview line and chart). What the provider lacks is
disabled with the reason as tooltip; an option already on stays enabled, so that the operator
can turn it off after switching to a provider that lacks it, and its error says why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QSize, QTime, QTimer, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.batch import IssueSeverity
from app.domain.campaign import Capabilities
from app.domain.problems import FieldProblem
from app.domain.schedule import (
    Preview,
    Schedule,
    ScheduleField,
    fixed_zone_plan,
    preview,
    send_rate_range,
    unsupported_reason,
    validate,
)
from app.domain.zones import offset_words, zone_problem
from app.ui.schedule.chart import RateChart
from app.ui.schedule.zone_box import TimeZoneBox

F = ScheduleField
#: How often "now" moves on by itself: a start that was in the future may become past.
RECHECK_MS = 30_000
DEFAULT_RATE = 1_000

_HELP = {
    F.END_DATE: "Stop at the end of this day, even if messages are left",
    F.WINDOW: "Send only between these times each day; the end may be after midnight",
    F.LOCAL_TIME: "Deliver at the start time of each recipient's own time zone",
    F.QUIET_HOURS: "Hold messages during the recipients' quiet hours (23:00-08:00, 14:00-17:00)",
    F.SEND_RATE: "The most messages a minute the provider may send",
}


class WrappedLabel(QLabel):
    """A wrapped sentence whose height follows the width it really has: a plain wrapped
    QLabel asks for the height of a narrower guess and leaves a gap under short text."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 1 else super().sizeHint().width()
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.updateGeometry()


def _row(*widgets: QWidget, stretch: bool = True) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    if stretch:
        layout.addStretch(1)
    return box


class SchedulePicker(QWidget):
    """Emits :attr:`scheduleChanged` with the :class:`Schedule` whenever it changes, or None
    while the choice has an error. ``now`` gives the current time (tests pass a fixed one)."""

    scheduleChanged = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        zone: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now or (lambda: datetime.now(UTC))
        self._caps: Capabilities | None = None
        self._recipients = 0
        self._problems: list[FieldProblem] = []
        self._preview: Preview | None = None
        self._schedule: Schedule | None = None
        self._emitted: object = object()  # nothing emitted yet
        self._build(zone)
        self._recheck = QTimer(self)
        self._recheck.setInterval(RECHECK_MS)
        self._recheck.timeout.connect(self.refresh)
        self._recheck.start()
        self.refresh()

    # -- building ---------------------------------------------------------------------------------
    def _build(self, zone: str | None) -> None:
        self.zone_box = TimeZoneBox(zone)
        start_local = self._default_start(self.zone_box.zone())

        self.now_button = QRadioButton("Now")
        self.at_button = QRadioButton("At")
        group = QButtonGroup(self)
        for button in (self.now_button, self.at_button):
            group.addButton(button)
        self.now_button.setChecked(True)
        self.start_date = self._date_edit(start_local.date())
        self.start_time = self._time_edit(start_local.time())
        self.start_zone = QLabel()

        self.end_check = QCheckBox("Stop at the end of")
        self.end_date = self._date_edit(start_local.date() + timedelta(days=7))
        self.end_zone = QLabel()

        self.window_check = QCheckBox("Only between")
        self.window_start = self._time_edit(time(9))
        self.window_end = self._time_edit(time(20))
        self.window_zone = QLabel()

        self.local_time_check = QCheckBox("In each recipient's local time")
        self.quiet_check = QCheckBox("Respect quiet hours (23:00-08:00 and 14:00-17:00 local)")
        self.rate_check = QCheckBox("At most")
        self.rate_box = QSpinBox()
        self.rate_box.setRange(1, 10_000_000)
        self.rate_box.setGroupSeparatorShown(True)
        self.rate_box.setValue(DEFAULT_RATE)
        self.rate_box.setSuffix(" a minute")

        self.preview_label = WrappedLabel()
        self.chart = RateChart()

        self.problem_labels: dict[ScheduleField, QLabel] = {}
        form = self._form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        when = _row(
            self.now_button, self.at_button, self.start_date, self.start_time, self.start_zone
        )
        self._add(form, "When:", when, F.START)
        self._add(form, "End date:", _row(self.end_check, self.end_date, self.end_zone), F.END_DATE)
        window = _row(
            self.window_check, self.window_start, QLabel("and"), self.window_end, self.window_zone
        )
        self._add(form, "Daily window:", window, F.WINDOW)
        self._add(form, "Time zone:", _row(self.zone_box), F.TIMEZONE)
        self._add(form, "", _row(self.local_time_check), F.LOCAL_TIME)
        self._add(form, "", _row(self.quiet_check), F.QUIET_HOURS)
        self._add(form, "Send rate:", _row(self.rate_check, self.rate_box), F.SEND_RATE)
        form.addRow("Preview:", self.preview_label)
        form.addRow("", self.chart)
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addStretch(1)

        for button in (
            self.now_button,
            self.at_button,
            self.end_check,
            self.window_check,
            self.local_time_check,
            self.quiet_check,
            self.rate_check,
        ):
            button.toggled.connect(self.refresh)
        for edit in (self.start_date, self.end_date):
            edit.dateChanged.connect(self.refresh)
        for edit in (self.start_time, self.window_start, self.window_end):
            edit.timeChanged.connect(self.refresh)
        self.rate_box.valueChanged.connect(self.refresh)
        self.zone_box.zoneEdited.connect(self.refresh)

    def _add(self, form: QFormLayout, label: str, field: QWidget, where: ScheduleField) -> None:
        """A row for the field, and a row under it for its problems, hidden while none.
        (A wrapped label in a row of its own gets the height its width needs; inside a
        container it would be measured at another width and leave gaps.)"""
        problem = WrappedLabel()
        problem.setAccessibleName(f"{where.label} problem")
        self.problem_labels[where] = problem
        form.addRow(label, field)
        form.addRow("", problem)
        form.setRowVisible(problem, False)

    @staticmethod
    def _date_edit(day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    @staticmethod
    def _time_edit(clock: time) -> QTimeEdit:
        edit = QTimeEdit(QTime(clock.hour, clock.minute))
        edit.setDisplayFormat("HH:mm")
        return edit

    def _default_start(self, zone: str) -> datetime:
        """The next quarter hour an hour from now, in ``zone`` (UTC while it is unknown)."""
        local = (self._now() + timedelta(hours=1)).astimezone(self._zone_or_utc(zone))
        rounded = local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
        return rounded + timedelta(minutes=15)

    @staticmethod
    def _zone_or_utc(zone: str) -> ZoneInfo:
        return ZoneInfo(zone) if zone_problem(zone) is None else ZoneInfo("UTC")

    # -- what the lead's flow calls -------------------------------------------------------------
    def set_capabilities(self, caps: Capabilities | None) -> None:
        """The selected account's provider (None: none chosen yet)."""
        self._caps = caps
        if caps is not None and caps.supports_send_rate:
            low, high = send_rate_range(caps)
            self.rate_box.setValue(min(max(self.rate_box.value(), low), high))
        self.refresh()

    def set_recipients(self, count: int) -> None:
        """How many messages the preview spreads over the schedule."""
        self._recipients = max(0, count)
        self.refresh()

    def schedule(self) -> Schedule | None:
        """The schedule as chosen, or None while it has an error."""
        return self._schedule

    def problems(self) -> list[FieldProblem]:
        return list(self._problems)

    def current_preview(self) -> Preview | None:
        return self._preview

    def problem_text(self, where: ScheduleField) -> str:
        """What is shown under ``where`` (empty when nothing is wrong there)."""
        label = self.problem_labels[where]
        return label.text() if label.isVisibleTo(self) else ""

    def set_schedule(self, schedule: Schedule) -> None:
        """Show ``schedule`` (a campaign being updated) in the fields."""
        self.zone_box.set_zone(schedule.timezone)
        zone = self._zone_or_utc(schedule.timezone)
        if schedule.start is not None:
            local = schedule.start.astimezone(zone)
            self.at_button.setChecked(True)
            self.start_date.setDate(QDate(local.year, local.month, local.day))
            self.start_time.setTime(QTime(local.hour, local.minute))
        else:
            self.now_button.setChecked(True)
        self.end_check.setChecked(schedule.end_date is not None)
        if schedule.end_date is not None:
            day = schedule.end_date
            self.end_date.setDate(QDate(day.year, day.month, day.day))
        self.window_check.setChecked(schedule.window is not None)
        if schedule.window is not None:
            first, last = schedule.window
            self.window_start.setTime(QTime(first.hour, first.minute))
            self.window_end.setTime(QTime(last.hour, last.minute))
        self.local_time_check.setChecked(schedule.recipient_local_time)
        self.quiet_check.setChecked(schedule.respect_quiet_hours)
        self.rate_check.setChecked(schedule.send_rate is not None)
        if schedule.send_rate is not None:
            self.rate_box.setValue(schedule.send_rate)
        self.refresh()

    # -- the round trip through the domain --------------------------------------------------------
    def _follow_start(self) -> None:
        """While the end date is off, keep it a week after the start, ready to turn on."""
        if self.end_check.isChecked():
            return
        start = self.start_date.date() if self.at_button.isChecked() else self._today()
        self.end_date.blockSignals(True)
        self.end_date.setDate(start.addDays(7))
        self.end_date.blockSignals(False)

    def _today(self) -> QDate:
        local = self._now().astimezone(self._zone_or_utc(self.zone_box.zone()))
        return QDate(local.year, local.month, local.day)

    def _read(self) -> Schedule:
        zone_name = self.zone_box.zone()
        zone = self._zone_or_utc(zone_name)
        start = None
        if self.at_button.isChecked():
            start = datetime.combine(
                self.start_date.date().toPython(), self.start_time.time().toPython(), zone
            )
        window = self.window_check.isChecked()
        return Schedule(
            start=start,
            end_date=self.end_date.date().toPython() if self.end_check.isChecked() else None,
            window_start=self.window_start.time().toPython() if window else None,
            window_end=self.window_end.time().toPython() if window else None,
            timezone=zone_name,
            respect_quiet_hours=self.quiet_check.isChecked(),
            recipient_local_time=self.local_time_check.isChecked(),
            send_rate=self.rate_box.value() if self.rate_check.isChecked() else None,
        )

    def refresh(self) -> None:
        """Read the fields, check them, show the problems and the preview, emit the result."""
        now = self._now()
        self._follow_start()
        chosen = self._read()
        self._enable()
        self._problems = validate(chosen, self._caps, now, recipients=self._recipients or None)
        valid = not any(p.is_error for p in self._problems)
        self._schedule = chosen if valid else None
        self._show_zone(chosen)
        self._show_problems()
        self._preview = preview(chosen, self._caps, self._recipients, now) if valid else None
        self._show_preview()
        if self._schedule != self._emitted:
            self._emitted = self._schedule
            self.scheduleChanged.emit(self._schedule)

    def _enable(self) -> None:
        caps = self._caps
        checks: dict[ScheduleField, QAbstractButton] = {
            F.END_DATE: self.end_check,
            F.WINDOW: self.window_check,
            F.LOCAL_TIME: self.local_time_check,
            F.QUIET_HOURS: self.quiet_check,
            F.SEND_RATE: self.rate_check,
        }
        for where, check in checks.items():
            reason = unsupported_reason(where, caps)
            check.setEnabled(reason is None or check.isChecked())
            check.setToolTip(reason or _HELP[where])
        at = self.at_button.isChecked()
        self.start_date.setEnabled(at)
        self.start_time.setEnabled(at)
        self.end_date.setEnabled(self.end_check.isChecked())
        self.window_start.setEnabled(self.window_check.isChecked())
        self.window_end.setEnabled(self.window_check.isChecked())
        self.rate_box.setEnabled(self.rate_check.isChecked())

    def _show_zone(self, chosen: Schedule) -> None:
        """The zone next to every time, with the offset of the day it applies to (the window
        spans many days: its name only)."""
        name = chosen.timezone or "no time zone"
        known = zone_problem(chosen.timezone) is None
        for label, day in (
            (self.start_zone, self.start_date.date().toPython()),
            (self.end_zone, self.end_date.date().toPython()),
        ):
            offset = ""
            if known:
                moment = chosen.start if label is self.start_zone and chosen.start else None
                moment = moment or datetime.combine(day, time(12), ZoneInfo(chosen.timezone))
                offset = f" ({offset_words(moment)})"
            label.setText(name + offset)
        window_text = name
        caps = self._caps
        if known and caps is not None and caps.window_zone and chosen.window is not None:
            plan = fixed_zone_plan(chosen, caps.window_zone, self._now())
            if plan.window is not None and caps.window_zone != chosen.timezone:
                first, last = plan.window
                window_text += f" (sent as {first:%H:%M}-{last:%H:%M} {caps.window_zone})"
        self.window_zone.setText(window_text)

    def _show_problems(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        colours = {
            IssueSeverity.ERROR: "#ff8a80" if dark else "#b00020",
            IssueSeverity.WARNING: "#ffd54f" if dark else "#8a5a00",
        }
        by_field: dict[ScheduleField, list[FieldProblem]] = {}
        for problem in self._problems:
            by_field.setdefault(ScheduleField(problem.field), []).append(problem)
        for where, label in self.problem_labels.items():
            found = by_field.get(where, [])
            self._form.setRowVisible(label, bool(found))
            label.setText("\n".join(p.message for p in found))
            if found:
                worst = IssueSeverity.ERROR if any(p.is_error for p in found) else found[0].severity
                label.setStyleSheet(f"color: {colours[worst]}")

    def _show_preview(self) -> None:
        shown = self._preview
        if shown is None:
            self.preview_label.setText("Fix the schedule to see when the messages would go out.")
            self.chart.set_counts((), self.chart.bucket())
        else:
            self.preview_label.setText(" ".join((shown.summary(), *shown.notes)))
            self.chart.set_counts(shown.counts, shown.bucket)
        self.chart.setVisible(bool(shown and shown.counts))
