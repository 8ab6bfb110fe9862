"""When a batch may go out: start, optional end date, daily window, time zone, quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class Schedule:
    """A sending schedule. ``start`` None means "now".

    ``start`` is an aware datetime; ``window_start``/``window_end`` are wall-clock times in
    ``timezone`` and may cross midnight (22:00-02:00). ``respect_quiet_hours`` asks providers
    that support it (Routee) not to deliver during the recipients' local quiet hours.
    """

    start: datetime | None = None
    end_date: date | None = None
    window_start: time | None = None
    window_end: time | None = None
    timezone: str = "UTC"
    respect_quiet_hours: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_window(self) -> bool:
        return self.window_start is not None and self.window_end is not None

    def local_start(self) -> datetime | None:
        return self.start.astimezone(self.zone) if self.start else None


def validate_schedule(schedule: Schedule, now: datetime) -> list[str]:
    """Return the problems of ``schedule`` as sentences; empty when it can be used."""
    problems: list[str] = []
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [f"Unknown time zone {schedule.timezone!r}."]
    if schedule.start is not None:
        if schedule.start.tzinfo is None:
            problems.append("The start time has no time zone.")
        elif schedule.start < now:
            problems.append("The start time is in the past.")
    if schedule.end_date is not None:
        start_day = (schedule.start or now).astimezone(zone).date()
        if schedule.end_date < start_day:
            problems.append("The end date is before the start date.")
    if (schedule.window_start is None) != (schedule.window_end is None):
        problems.append("A daily window needs both a start and an end time.")
    elif schedule.has_window and schedule.window_start == schedule.window_end:
        problems.append("The daily window is empty: its start and end are the same time.")
    return problems
