"""Time zones as the operator picks them: IANA names, clock changes, dates and times in words."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1)
def known_zones() -> tuple[str, ...]:
    """The IANA zone names this machine knows, sorted (the picker's list)."""
    return tuple(sorted(available_timezones()))


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable IANA time zone, or None."""
    if name in known_zones() or name == "UTC":
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return None
    close = difflib.get_close_matches(name, known_zones(), n=1, cutoff=0.8)
    hint = f" Did you mean {close[0]}?" if close else " Pick one from the list."
    return f"{name!r} is not a time zone this computer knows.{hint}"


# -- daylight saving -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClockChange:
    """Clocks jumping (a gap: ``before`` < ``after``) or going back (``before`` > ``after``)
    at one moment, as wall-clock times in their zone."""

    at: datetime  # the change, in UTC
    before: datetime  # the wall clock just before it
    after: datetime  # the wall clock just after it

    @property
    def is_gap(self) -> bool:
        return self.after > self.before


def clock_change_at(moment: datetime) -> ClockChange | None:
    """The clock change that makes ``moment``'s wall-clock time skipped or repeated in its
    own zone, or None when the time happens exactly once (or ``moment`` is a fixed offset)."""
    zone = moment.tzinfo
    if not isinstance(zone, ZoneInfo):
        return None
    early, late = moment.replace(fold=0), moment.replace(fold=1)
    if early.utcoffset() == late.utcoffset():
        return None
    low, high = sorted((early.astimezone(UTC), late.astimezone(UTC)))
    at = _change_between(zone, low, high)
    old = (at - timedelta(microseconds=1)).astimezone(zone).replace(tzinfo=None)
    new = at.astimezone(zone).replace(tzinfo=None)
    return ClockChange(at=at, before=old + timedelta(microseconds=1), after=new)


def clock_changes(zone: tzinfo, first: datetime, last: datetime) -> list[datetime]:
    """The UTC moments between ``first`` and ``last`` at which ``zone``'s offset changes,
    found a day at a time (no zone changes twice in a day)."""
    found = []
    moment, last = first.astimezone(UTC), last.astimezone(UTC)
    while moment < last:
        step = min(moment + timedelta(days=1), last)
        if step.astimezone(zone).utcoffset() != moment.astimezone(zone).utcoffset():
            found.append(_change_between(zone, moment, step))
        moment = step
    return found


def _change_between(zone: tzinfo, low: datetime, high: datetime) -> datetime:
    """The moment (UTC) in (``low``, ``high``] at which ``zone``'s offset changes, once;
    zones change on whole minutes."""
    offset = low.astimezone(zone).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    at = low.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return at if at <= high else high


# -- words ---------------------------------------------------------------------------------------
def when_words(moment: datetime, zone: tzinfo | None = None) -> str:
    """``Mon 23 Nov 2026 09:00`` in ``zone`` (default: the moment's own)."""
    local = moment.astimezone(zone) if zone is not None else moment
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def clock_words(value: time) -> str:
    return f"{value:%H:%M}"


def offset_words(moment: datetime) -> str:
    """``UTC+02:00``: the moment's offset."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
