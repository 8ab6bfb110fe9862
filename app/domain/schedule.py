"""When a batch may go out: start, optional end date, daily window, time zone, and the options
a provider may offer (each recipient's local time, quiet hours, a send rate).

:func:`validate` says, field by field, what is wrong with a schedule for one provider's
:class:`Capabilities`; :func:`preview` says when the first and the last message would go out
and how many go out per hour or day. Both work on *sending spans*: the stretches of time, in
UTC, in which the provider may send (:func:`sending_spans`), so a million recipients cost a few
sums per day of the run, not a step per message.

Times are aware datetimes. A start built from a wall-clock time in a zone
(``datetime.combine(day, clock, ZoneInfo(name))``, as the picker does) keeps that zone, so a
time the clocks skip (02:30 on a spring-forward night) or pass twice (fall-back) is flagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from app.domain.batch import IssueSeverity
from app.domain.campaign import Capabilities
from app.domain.problems import FieldProblem
from app.domain.spans import (
    MICROS_PER_MINUTE,
    Span,
    intersect,
    merge,
    micros,
    micros_for,
    window_spans,
)
from app.domain.zones import (
    clock_change_at,
    clock_changes,
    clock_words,
    day_words,
    offset_words,
    when_words,
    zone_problem,
)

#: Routee's quiet hours, destination local time [seed 001]: 23:00-08:00 and 14:00-17:00, so
#: messages that respect them go out in these two daily windows.
QUIET_HOURS = ((time(23), time(8)), (time(14), time(17)))
QUIET_FREE_WINDOWS = ((time(8), time(14)), (time(17), time(23)))
#: A run is followed this far at most; a slower one is reported as too long.
MAX_RUN = timedelta(days=5 * 366)
#: Runs up to this long are charted per hour, longer ones per day.
HOURLY_UP_TO = timedelta(hours=72)
#: Zones span UTC-12 to UTC+14: a wall-clock time happens somewhere this much before UTC does.
EARLIEST_OFFSET = timedelta(hours=14)


class ScheduleField(StrEnum):
    START = "start"
    END_DATE = "end_date"
    WINDOW = "window"
    TIMEZONE = "timezone"
    LOCAL_TIME = "local_time"
    QUIET_HOURS = "quiet_hours"
    SEND_RATE = "send_rate"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ScheduleField.START: "Start",
    ScheduleField.END_DATE: "End date",
    ScheduleField.WINDOW: "Daily window",
    ScheduleField.TIMEZONE: "Time zone",
    ScheduleField.LOCAL_TIME: "Recipients' local time",
    ScheduleField.QUIET_HOURS: "Quiet hours",
    ScheduleField.SEND_RATE: "Send rate",
}


@dataclass(frozen=True, slots=True)
class Schedule:
    """A sending schedule. ``start`` None means "now".

    ``window_start``/``window_end`` are wall-clock times in ``timezone`` and may cross
    midnight (22:00-02:00); ``end_date`` is the last day (in ``timezone``) on which messages
    may go out. ``recipient_local_time`` applies the start's wall-clock time in each
    recipient's own zone; ``respect_quiet_hours`` keeps to Routee's quiet hours;
    ``send_rate`` is messages per minute.
    """

    start: datetime | None = None
    end_date: date | None = None
    window_start: time | None = None
    window_end: time | None = None
    timezone: str = "UTC"
    respect_quiet_hours: bool = False
    recipient_local_time: bool = False
    send_rate: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_window(self) -> bool:
        return self.window_start is not None and self.window_end is not None

    @property
    def window(self) -> tuple[time, time] | None:
        if self.window_start is None or self.window_end is None:
            return None
        return self.window_start, self.window_end


def describe(schedule: Schedule) -> str:
    """The schedule in words, with its time zone (for a summary before sending)."""
    zone = schedule.timezone
    parts = [
        f"at {when_words(schedule.start, schedule.zone)} ({zone})" if schedule.start else "now"
    ]
    if schedule.recipient_local_time and schedule.start:
        parts[0] = f"at {when_words(schedule.start, schedule.zone)} in each recipient's local time"
    if schedule.window is not None:
        first, last = schedule.window
        overnight = " (overnight)" if first > last else ""
        parts.append(f"only between {clock_words(first)} and {clock_words(last)}{overnight} {zone}")
    if schedule.end_date is not None:
        parts.append(f"until the end of {day_words(schedule.end_date)}")
    if schedule.respect_quiet_hours:
        parts.append("outside the recipients' quiet hours (23:00-08:00 and 14:00-17:00)")
    if schedule.send_rate is not None:
        parts.append(f"at most {schedule.send_rate:,} messages a minute")
    return "Send " + ", ".join(parts) + "."


# -- what a provider can take --------------------------------------------------------------------
def unsupported_reason(where: ScheduleField, caps: Capabilities | None) -> str | None:
    """Why this provider cannot take ``where`` (a sentence for a tooltip), or None."""
    if caps is None:
        return None
    who = caps.display_name
    reasons = {
        ScheduleField.END_DATE: (
            caps.supports_end_date,
            f"{who} takes no end date: it sends until every message is out.",
        ),
        ScheduleField.WINDOW: (
            caps.supports_daily_window,
            f"{who} has no daily sending window: it sends from the start until done.",
        ),
        ScheduleField.LOCAL_TIME: (
            caps.supports_recipient_local_time,
            f"{who} cannot send at each recipient's local time: the start is one moment "
            "for everyone.",
        ),
        ScheduleField.QUIET_HOURS: (
            caps.supports_quiet_hours,
            f"{who} has no quiet-hours option.",
        ),
        ScheduleField.SEND_RATE: (
            caps.supports_send_rate,
            f"{who} does not take a send rate: it sends as fast as it can.",
        ),
    }
    supported, reason = reasons.get(where, (True, ""))
    return None if supported else reason


def send_rate_range(caps: Capabilities | None) -> tuple[int, int]:
    limits = caps.limits if caps is not None else {}
    return (
        int(limits.get("send_rate_min_per_minute", 1)),
        int(limits.get("send_rate_max_per_minute", 10_000_000)),
    )


# -- validation ----------------------------------------------------------------------------------
def _problem(
    where: ScheduleField, text: str, severity: IssueSeverity = IssueSeverity.ERROR
) -> FieldProblem:
    return FieldProblem(where.value, f"{where.label}: {text}", severity)


def validate(
    schedule: Schedule,
    caps: Capabilities | None,
    now: datetime,
    *,
    recipients: int | None = None,
) -> list[FieldProblem]:
    """The problems of ``schedule`` for this provider (None: no provider chosen yet), as
    sentences naming the field; errors make it unusable, warnings do not. ``recipients``
    lets the checks that depend on how long the run lasts see its estimated end."""
    problem = zone_problem(schedule.timezone)
    if problem is not None:
        return [_problem(ScheduleField.TIMEZONE, problem)]
    problems: list[FieldProblem] = []
    for where, given in (
        (ScheduleField.END_DATE, schedule.end_date is not None),
        (ScheduleField.WINDOW, schedule.window_start is not None or schedule.window_end),
        (ScheduleField.LOCAL_TIME, schedule.recipient_local_time),
        (ScheduleField.QUIET_HOURS, schedule.respect_quiet_hours),
        (ScheduleField.SEND_RATE, schedule.send_rate is not None),
    ):
        reason = unsupported_reason(where, caps)
        if given and reason:
            problems.append(_problem(where, f"{reason} Turn it off to send with this provider."))
    problems += _start_problems(schedule, caps, now)
    problems += _window_problems(schedule)
    problems += _rate_problems(schedule, caps)
    if any(p.is_error for p in problems):
        return problems
    problems += _end_problems(schedule, caps, now)
    if caps is not None and caps.window_zone and not any(p.is_error for p in problems):
        problems += _fixed_zone_problems(schedule, caps, now, recipients)
    return problems


def _start_problems(
    schedule: Schedule, caps: Capabilities | None, now: datetime
) -> list[FieldProblem]:
    where = ScheduleField.START
    start = schedule.start
    if start is None:
        if schedule.recipient_local_time:
            return [
                _problem(
                    ScheduleField.LOCAL_TIME,
                    "pick a start date and time: each recipient gets the message at that time "
                    "of their own day.",
                )
            ]
        return []
    if start.tzinfo is None:
        return [_problem(where, "the start time has no time zone.")]
    zone = schedule.zone
    problems = []
    change = clock_change_at(start)
    if change is not None and change.is_gap:
        problems.append(
            _problem(
                where,
                f"{clock_words(start.time())} on {day_words(start.date())} does not exist in "
                f"{start.tzinfo}: the clocks jump from {clock_words(change.before.time())} to "
                f"{clock_words(change.after.time())} that night. Pick a time outside that hour.",
            )
        )
        return problems
    if change is not None:
        first_offset = offset_words(start.replace(fold=0))
        problems.append(
            _problem(
                where,
                f"{clock_words(start.time())} on {day_words(start.date())} happens twice in "
                f"{start.tzinfo}: the clocks go back from {clock_words(change.before.time())} to "
                f"{clock_words(change.after.time())} that night. The first one ({first_offset}) "
                "is used; pick a time outside that hour to be sure.",
                IssueSeverity.WARNING,
            )
        )
    if start < now:
        problems.append(
            _problem(
                where,
                f"{when_words(start, zone)} ({schedule.timezone}) is in the past; it is now "
                f"{when_words(now, zone)}.",
            )
        )
    elif schedule.recipient_local_time:
        wall = start.astimezone(zone).replace(tzinfo=None)
        earliest = (wall - EARLIEST_OFFSET).replace(tzinfo=UTC)
        if earliest < now:
            problems.append(
                _problem(
                    ScheduleField.LOCAL_TIME,
                    f"{clock_words(wall.time())} on {day_words(wall.date())} has already passed "
                    "in time zones ahead of yours (up to UTC+14); recipients there would get "
                    "it late or at once.",
                    IssueSeverity.WARNING,
                )
            )
    if caps is not None and caps.window_zone and not problems:
        asked = first_sending_moment(schedule, None, now)
        begins = first_sending_moment(schedule, caps, now)
        if asked is not None and begins is not None and begins > asked + timedelta(minutes=1):
            problems.append(
                _problem(
                    where,
                    f"{caps.display_name} schedules by the day in {caps.window_zone}: sending "
                    f"starts at {when_words(begins, zone)}, not at {when_words(asked, zone)} "
                    f"({schedule.timezone}).",
                    IssueSeverity.WARNING,
                )
            )
    return problems


def _hours(first: time, last: time) -> str:
    return f"{clock_words(first)}-{clock_words(last)}"


def _window_problems(schedule: Schedule) -> list[FieldProblem]:
    where = ScheduleField.WINDOW
    first, last = schedule.window_start, schedule.window_end
    if (first is None) != (last is None):
        return [_problem(where, "give both the time sending starts and the time it stops.")]
    if first is not None and first == last:
        return [
            _problem(
                where,
                f"{_hours(first, first)} is empty: the start and end are the same time. For "
                "round the clock, turn the window off.",
            )
        ]
    return []


def _rate_problems(schedule: Schedule, caps: Capabilities | None) -> list[FieldProblem]:
    rate = schedule.send_rate
    if rate is None or unsupported_reason(ScheduleField.SEND_RATE, caps):
        return []
    low, high = send_rate_range(caps)
    if low <= rate <= high:
        return []
    who = caps.display_name if caps is not None else "The provider"
    return [
        _problem(
            ScheduleField.SEND_RATE,
            f"{who} takes {low:,} to {high:,} messages a minute; {rate:,} is too "
            f"{'low' if rate < low else 'high'}.",
        )
    ]


def _end_problems(
    schedule: Schedule, caps: Capabilities | None, now: datetime
) -> list[FieldProblem]:
    if schedule.end_date is None:
        return []
    where = ScheduleField.END_DATE
    zone = schedule.zone
    start = max(schedule.start or now, now)
    start_day = start.astimezone(zone).date()
    if schedule.end_date < start_day:
        return [
            _problem(
                where,
                f"{day_words(schedule.end_date)} is before the start day {day_words(start_day)}.",
            )
        ]
    if next(iter(sending_spans(schedule, caps, now)), None) is None:
        return [
            _problem(
                where,
                f"no sending time is left between the start and the end of "
                f"{day_words(schedule.end_date)}: move the end date or the window.",
            )
        ]
    return []


# -- providers that read the window in a fixed zone (RocketCOMS: UTC) ----------------------------
@dataclass(frozen=True, slots=True)
class FixedZonePlan:
    """A schedule as a provider that takes days and a daily window in one fixed zone reads it:
    its first and last day and the window, in that zone, at the offset of the start day."""

    zone: ZoneInfo
    start_day: date
    end_day: date | None
    window: tuple[time, time] | None
    not_before: datetime  # the provider never sends before the schedule's start (or now)


def fixed_zone_plan(schedule: Schedule, zone_name: str, now: datetime) -> FixedZonePlan:
    """The start day, end day and window a fixed-zone provider is given for ``schedule``.

    The window is converted at the offset of the start's day. Sending on a day begins when its
    window opens (or at midnight, without a window or when the previous day's window runs past
    midnight), so a start later than that moves to the next day: never earlier than asked. The
    end day is the last one whose sending ends before the chosen end date does.
    """
    fixed = ZoneInfo(zone_name)
    zone = schedule.zone
    start = schedule.start if schedule.start is not None and schedule.start > now else None
    reference = (start or now).astimezone(zone).date()
    window = None
    if schedule.window is not None:
        first, last = schedule.window
        window = (_in_zone(reference, first, zone, fixed), _in_zone(reference, last, zone, fixed))
    if start is None:
        start_day = now.astimezone(fixed).date()
    else:
        moment = start.astimezone(fixed)
        opens = window[0] if window is not None and window[0] < window[1] else time()
        start_day = moment.date() if moment.time() <= opens else moment.date() + timedelta(days=1)
    end_day = None
    if schedule.end_date is not None:
        stop = datetime.combine(schedule.end_date + timedelta(days=1), time(), zone)
        end_day = stop.astimezone(fixed).date()
        while _last_moment(end_day, window, fixed) > stop:
            end_day -= timedelta(days=1)
    return FixedZonePlan(fixed, start_day, end_day, window, (start or now).astimezone(UTC))


def _in_zone(day: date, wall: time, zone: ZoneInfo, fixed: ZoneInfo) -> time:
    return datetime.combine(day, wall, zone).astimezone(fixed).time()


def _last_moment(day: date, window: tuple[time, time] | None, zone: ZoneInfo) -> datetime:
    """When sending on ``day`` of a fixed-zone provider ends: its window's close, or midnight
    (no window, or an overnight window whose evening part runs to midnight)."""
    if window is not None and window[0] < window[1]:
        return datetime.combine(day, window[1], zone)
    return datetime.combine(day + timedelta(days=1), time(), zone)


def _fixed_zone_problems(
    schedule: Schedule, caps: Capabilities, now: datetime, recipients: int | None
) -> list[FieldProblem]:
    """A window a fixed-zone provider cannot follow across a clock change is refused."""
    if schedule.window is None or caps.window_zone is None:
        return []
    zone = schedule.zone
    plan = fixed_zone_plan(schedule, caps.window_zone, now)
    first_span = next(iter(sending_spans(schedule, caps, now)), None)
    if first_span is None:
        return []
    last: datetime | None = None
    if schedule.end_date is not None:
        last = datetime.combine(schedule.end_date + timedelta(days=1), time(), zone)
    if recipients is not None:
        estimate = preview(schedule, caps, recipients, now).last
        if estimate is not None:
            last = estimate if last is None else min(last, estimate)
    if last is None:
        return []
    changes = clock_changes(zone, first_span[0], last)
    if not changes:
        return []
    assert plan.window is not None
    change = changes[0]
    local_first, local_last = schedule.window
    day = change.astimezone(zone).date() + timedelta(days=1)
    shifted = [datetime.combine(day, w, plan.zone).astimezone(zone).time() for w in plan.window]
    return [
        _problem(
            ScheduleField.WINDOW,
            f"{caps.display_name} takes the window in {caps.window_zone} "
            f"({_hours(*plan.window)}), so it cannot follow the clock change in "
            f"{schedule.timezone} on {day_words(change.astimezone(zone).date())}: from then on "
            f"it would send {_hours(*shifted)} instead of {_hours(local_first, local_last)}. "
            "End the run before that day, or "
            "start it after.",
        )
    ]


# -- sending spans -------------------------------------------------------------------------------
def first_sending_moment(
    schedule: Schedule, caps: Capabilities | None, now: datetime
) -> datetime | None:
    span = next(iter(sending_spans(schedule, caps, now)), None)
    return span[0] if span else None


def sending_spans(schedule: Schedule, caps: Capabilities | None, now: datetime) -> Iterator[Span]:
    """The stretches (UTC, in order) in which the provider may send, from the start (or now)
    to the end of the end date, for at most :data:`MAX_RUN`. Quiet hours are applied in the
    schedule's zone: the recipients' own zones are unknown here."""
    begin = max(schedule.start or now, now).astimezone(UTC)
    horizon = begin + MAX_RUN
    if caps is not None and caps.window_zone:
        plan = fixed_zone_plan(schedule, caps.window_zone, now)
        day_begins = datetime.combine(plan.start_day, time(), plan.zone)
        begin = max(day_begins.astimezone(UTC), plan.not_before)
        horizon = begin + MAX_RUN
        stop = horizon
        if plan.end_day is not None:
            stop = datetime.combine(plan.end_day + timedelta(days=1), time(), plan.zone)
        spans = window_spans(begin, stop, plan.window, plan.zone)
    else:
        stop = horizon
        if schedule.end_date is not None:
            stop = datetime.combine(schedule.end_date + timedelta(days=1), time(), schedule.zone)
        spans = window_spans(begin, stop, schedule.window, schedule.zone)
    if schedule.respect_quiet_hours:
        quiet_free = merge(
            window_spans(begin, horizon, w, schedule.zone) for w in QUIET_FREE_WINDOWS
        )
        spans = intersect(spans, quiet_free)
    return spans


# -- preview -------------------------------------------------------------------------------------
class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class Preview:
    """When a run would go out. ``counts`` are (bucket start in the schedule's zone, messages)
    per hour or per day; ``unsent`` is what the end date (or :data:`MAX_RUN`) leaves out."""

    recipients: int
    zone: str
    rate: int | None  # messages per minute assumed
    rate_is_estimate: bool
    first: datetime | None = None
    last: datetime | None = None
    unsent: int = 0
    bucket: Bucket = Bucket.HOUR
    counts: tuple[tuple[datetime, int], ...] = ()
    notes: tuple[str, ...] = ()
    end_date: date | None = None

    @property
    def sent(self) -> int:
        return self.recipients - self.unsent

    def summary(self) -> str:
        """One line: first and last message, the rate, what is left out."""
        if self.recipients == 0:
            return "No recipients to send to."
        if self.first is None:
            return "No message would go out: the window never opens before the end date."
        zone = ZoneInfo(self.zone)
        text = f"First message {when_words(self.first, zone)}"
        if self.last is not None and self.sent > 1:
            text += f", last {when_words(self.last, zone)}"
        elif self.rate is None:
            text += "; the provider does not say how fast it sends"
        text += f" ({self.zone})"
        if self.rate is not None:
            about = "about " if self.rate_is_estimate else ""
            text += f", at {about}{self.rate:,} a minute"
        if self.unsent and self.end_date is not None:
            text += (
                f". {self.unsent:,} of {self.recipients:,} would not go out before the end of "
                f"{day_words(self.end_date)}"
            )
        elif self.unsent:
            text += f". {self.unsent:,} of {self.recipients:,} would take more than five years"
        return text + "."


def preview(
    schedule: Schedule, caps: Capabilities | None, recipients: int, now: datetime
) -> Preview:
    """When the first and last of ``recipients`` messages would go out, and how many per hour
    (runs up to 72 hours) or per day, by sums over the sending spans.

    Message k (1-based) goes out once k/rate minutes of sending time have passed, as the
    sandbox counts it. The rate is the schedule's own where the provider takes one, else the
    provider's estimate; without either only the first message is known.
    """
    zone = schedule.zone
    supported = unsupported_reason(ScheduleField.SEND_RATE, caps) is None
    own_rate = schedule.send_rate if supported else None
    rate = own_rate or (caps.estimated_send_rate if caps is not None else None)
    base = Preview(
        recipients=max(0, recipients),
        zone=schedule.timezone,
        rate=rate,
        rate_is_estimate=own_rate is None,
        notes=_notes(schedule),
        end_date=schedule.end_date,
    )
    spans = sending_spans(schedule, caps, now)
    if recipients <= 0:
        return base
    if rate is None:
        span = next(spans, None)
        if span is None:
            return replace(base, unsent=recipients)
        return replace(base, first=span[0].astimezone(zone))
    need = micros_for(recipients, rate)
    used: list[Span] = []
    have = 0
    for low, high in spans:
        length = micros(high - low)
        if have + length >= need:
            used.append((low, low + timedelta(microseconds=need - have)))
            have = need
            break
        used.append((low, high))
        have += length
    sent = min(recipients, have * rate // MICROS_PER_MINUTE)
    if sent == 0:
        return replace(base, unsent=recipients)
    first = _moment_after(used, micros_for(1, rate))
    last = _moment_after(used, micros_for(sent, rate))
    bucket = Bucket.HOUR if last - used[0][0] <= HOURLY_UP_TO else Bucket.DAY
    return replace(
        base,
        first=first.astimezone(zone),
        last=last.astimezone(zone),
        unsent=recipients - sent,
        bucket=bucket,
        counts=_bucket_counts(used, rate, bucket, zone, sent),
    )


def _moment_after(used: list[Span], elapsed: int) -> datetime:
    """When ``elapsed`` microseconds of sending time have passed over ``used``."""
    for low, high in used:
        length = micros(high - low)
        if elapsed <= length:
            return low + timedelta(microseconds=elapsed)
        elapsed -= length
    return used[-1][1]


def _notes(schedule: Schedule) -> tuple[str, ...]:
    notes = []
    if schedule.recipient_local_time:
        notes.append(
            f"Shown for recipients in {schedule.timezone}; each recipient elsewhere gets it at "
            "the same time of their own day."
        )
    if schedule.respect_quiet_hours:
        notes.append(
            "Quiet hours are applied in this time zone; the provider applies them in each "
            "recipient's."
        )
    return tuple(notes)


def _bucket_counts(
    used: list[Span], rate: int, bucket: Bucket, zone: ZoneInfo, total: int
) -> tuple[tuple[datetime, int], ...]:
    """Messages per bucket: the count sent by each bucket boundary, from the sending time
    before it, differenced. Buckets are local hours or local days of ``zone``."""
    start, end = used[0][0], used[-1][1]
    boundaries = [_bucket_floor(start, bucket, zone)]
    while boundaries[-1] <= end:
        boundaries.append(_next_bucket(boundaries[-1], bucket, zone))
    counts = []
    index, before, previous = 0, 0, 0
    for low, high in pairwise(boundaries):
        # sending time up to ``high``: every span ending before it, and part of the next
        while index < len(used) and used[index][1] <= high:
            before += micros(used[index][1] - used[index][0])
            index += 1
        partial = 0
        if index < len(used) and used[index][0] < high:
            partial = micros(high - used[index][0])
        sent = min(total, (before + partial) * rate // MICROS_PER_MINUTE)
        counts.append((low.astimezone(zone), sent - previous))
        previous = sent
    return tuple(counts)


def _bucket_floor(moment: datetime, bucket: Bucket, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    if bucket is Bucket.HOUR:
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    return datetime.combine(local.date(), time(), zone).astimezone(UTC)


def _next_bucket(boundary: datetime, bucket: Bucket, zone: ZoneInfo) -> datetime:
    if bucket is Bucket.HOUR:
        return _bucket_floor(boundary + timedelta(hours=1), bucket, zone)
    day = boundary.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(), zone).astimezone(UTC)
