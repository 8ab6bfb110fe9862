"""Schedule rules: validation per provider, daylight saving, sending spans and the preview."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.batch import IssueSeverity
from app.domain.campaign import Capabilities
from app.domain.schedule import (
    Bucket,
    Schedule,
    ScheduleField,
    describe,
    preview,
    sending_spans,
    unsupported_reason,
    validate,
)
from app.providers.batchcom import BatchProvider
from app.providers.bulksms import BulkSmsProvider
from app.providers.cordial import CordialProvider
from app.providers.rocketcoms import RocketComsProvider
from app.providers.routee import RouteeProvider

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
ROCKETCOMS = RocketComsProvider.capabilities
ROUTEE = RouteeProvider.capabilities
BATCH = BatchProvider.capabilities
CORDIAL = CordialProvider.capabilities
BULKSMS = BulkSmsProvider.capabilities
#: A provider that takes everything, its window following the schedule's zone.
ANY = Capabilities(
    provider="any",
    display_name="Any",
    actions={},
    supports_daily_window=True,
    supports_end_date=True,
    supports_quiet_hours=True,
    supports_send_rate=True,
    supports_recipient_local_time=True,
)
ZONES = ["Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "UTC"]


def messages(problems) -> list[str]:
    return [p.message for p in problems]


def errors_of(problems) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in problems:
        if p.is_error:
            found.setdefault(p.field, []).append(p.message)
    return found


# -- the basics ---------------------------------------------------------------------------------
def test_now_with_no_window_is_valid_everywhere():
    for caps in (None, ROCKETCOMS, ROUTEE, BATCH, CORDIAL, BULKSMS):
        assert validate(Schedule(), caps, NOW) == []


def test_a_past_start_names_the_field_and_both_times():
    (problem,) = validate(Schedule(start=NOW - timedelta(minutes=1)), None, NOW)
    assert problem.field == "start" and problem.is_error
    assert problem.message == (
        "Start: Sun 22 Nov 2026 11:59 (UTC) is in the past; it is now Sun 22 Nov 2026 12:00."
    )


def test_a_naive_start_is_refused():
    problems = validate(Schedule(start=datetime(2027, 1, 1, 9, 0)), None, NOW)
    assert messages(problems) == ["Start: the start time has no time zone."]


def test_the_end_date_is_read_in_the_schedule_zone():
    start = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Tokyo
    tokyo = Schedule(start=start, end_date=date(2026, 11, 23), timezone="Asia/Tokyo")
    assert errors_of(validate(tokyo, ANY, NOW)) == {
        "end_date": ["End date: Mon 23 Nov 2026 is before the start day Tue 24 Nov 2026."]
    }
    assert validate(replace(tokyo, timezone="UTC"), ANY, NOW) == []


def test_an_end_date_with_no_window_left_before_it_is_refused():
    today = Schedule(end_date=NOW.date(), window_start=time(9), window_end=time(10))
    assert "no sending time is left" in errors_of(validate(today, ANY, NOW))["end_date"][0]


def test_a_window_needs_both_ends_and_must_not_be_empty():
    half = Schedule(window_start=time(9))
    assert messages(validate(half, ANY, NOW)) == [
        "Daily window: give both the time sending starts and the time it stops."
    ]
    empty = Schedule(window_start=time(9), window_end=time(9))
    assert messages(validate(empty, ANY, NOW)) == [
        "Daily window: 09:00-09:00 is empty: the start and end are the same time. For round "
        "the clock, turn the window off."
    ]


def test_a_window_may_cross_midnight():
    schedule = Schedule(window_start=time(20), window_end=time(2), timezone="Europe/Paris")
    assert validate(schedule, ANY, NOW) == []
    assert "20:00 and 02:00 (overnight) Europe/Paris" in describe(schedule)


def test_an_unknown_zone_is_named_with_a_suggestion():
    assert messages(validate(Schedule(timezone="Europe/Pariss"), None, NOW)) == [
        "Time zone: 'Europe/Pariss' is not a time zone this computer knows. Did you mean "
        "Europe/Paris?"
    ]
    (problem,) = validate(Schedule(timezone="Mars/Olympus"), None, NOW)
    assert problem.field == "timezone" and "Pick one from the list" in problem.message


# -- what each provider takes -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caps", "schedule", "where"),
    [
        (ROUTEE, Schedule(window_start=time(9), window_end=time(17)), "window"),
        (ROUTEE, Schedule(send_rate=1000), "send_rate"),
        (CORDIAL, Schedule(end_date=date(2026, 12, 1)), "end_date"),
        (CORDIAL, Schedule(respect_quiet_hours=True), "quiet_hours"),
        (BATCH, Schedule(window_start=time(9), window_end=time(17)), "window"),
        (BULKSMS, Schedule(start=NOW + timedelta(1), recipient_local_time=True), "local_time"),
        (ROCKETCOMS, Schedule(send_rate=1000), "send_rate"),
    ],
)
def test_options_a_provider_lacks_are_refused_with_its_reason(caps, schedule, where):
    found = errors_of(validate(schedule, caps, NOW))
    reason = unsupported_reason(ScheduleField(where), caps)
    assert reason is not None and reason.startswith(caps.display_name)
    assert found[where] == [f"{ScheduleField(where).label}: {reason} Turn it off to send with "
                            "this provider."]  # fmt: skip


def test_the_options_each_provider_has_are_offered():
    assert unsupported_reason(ScheduleField.WINDOW, ROCKETCOMS) is None
    assert unsupported_reason(ScheduleField.QUIET_HOURS, ROUTEE) is None
    assert unsupported_reason(ScheduleField.LOCAL_TIME, CORDIAL) is None
    assert unsupported_reason(ScheduleField.LOCAL_TIME, BATCH) is None
    assert unsupported_reason(ScheduleField.SEND_RATE, BATCH) is None
    assert unsupported_reason(ScheduleField.END_DATE, BULKSMS) is not None


def test_batch_takes_its_send_rate_range_only():
    assert validate(Schedule(send_rate=1000), BATCH, NOW) == []
    assert messages(validate(Schedule(send_rate=999), BATCH, NOW)) == [
        "Send rate: Batch takes 1,000 to 1,000,000 messages a minute; 999 is too low."
    ]
    assert "too high" in messages(validate(Schedule(send_rate=2_000_000), BATCH, NOW))[0]


def test_local_time_needs_a_start_and_warns_where_it_has_passed():
    assert errors_of(validate(Schedule(recipient_local_time=True), BATCH, NOW)) == {
        "local_time": [
            "Recipients' local time: pick a start date and time: each recipient gets the "
            "message at that time of their own day."
        ]
    }
    # 01:00 tomorrow was 11:00 UTC today in Kiribati (UTC+14): past at 12:00 UTC
    soon = Schedule(
        start=datetime(2026, 11, 23, 1, tzinfo=PARIS),
        timezone="Europe/Paris",
        recipient_local_time=True,
    )
    (warning,) = validate(soon, CORDIAL, NOW)
    assert warning.field == "local_time" and warning.severity is IssueSeverity.WARNING
    later = replace(soon, start=datetime(2026, 11, 25, 9, tzinfo=PARIS))
    assert validate(later, CORDIAL, NOW) == []


# -- daylight saving ----------------------------------------------------------------------------
def test_a_start_in_the_spring_forward_gap_is_refused():
    gap = Schedule(start=datetime(2027, 3, 28, 2, 30, tzinfo=PARIS), timezone="Europe/Paris")
    assert messages(validate(gap, None, NOW)) == [
        "Start: 02:30 on Sun 28 Mar 2027 does not exist in Europe/Paris: the clocks jump from "
        "02:00 to 03:00 that night. Pick a time outside that hour."
    ]


def test_an_ambiguous_fall_back_start_is_flagged_and_the_first_is_used():
    twice = Schedule(start=datetime(2027, 10, 31, 2, 30, tzinfo=PARIS), timezone="Europe/Paris")
    (warning,) = validate(twice, None, NOW)
    assert warning.severity is IssueSeverity.WARNING
    assert warning.message == (
        "Start: 02:30 on Sun 31 Oct 2027 happens twice in Europe/Paris: the clocks go back from "
        "03:00 to 02:00 that night. The first one (UTC+02:00) is used; pick a time outside that "
        "hour to be sure."
    )
    assert twice.start is not None and twice.start.astimezone(UTC).hour == 0  # 02:30 CEST


def test_a_start_given_in_utc_is_one_moment_and_never_ambiguous():
    moment = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST in Paris
    assert validate(Schedule(start=moment, timezone="Europe/Paris"), None, NOW) == []


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2027, 1, 1), max_value=date(2028, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_a_wall_time_is_flagged_exactly_when_it_is_skipped_or_repeated(zone, day, minute):
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(minute // 60, minute % 60), tz)
    problems = validate(Schedule(start=start, timezone=zone), None, NOW)
    skipped = start.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != start.replace(
        tzinfo=None
    )
    repeated = not skipped and start.replace(fold=1).utcoffset() != start.utcoffset()
    assert any("does not exist" in m for m in messages(problems)) == skipped
    assert any("happens twice" in m for m in messages(problems)) == repeated


# -- fixed-zone providers (RocketCOMS: UTC) -----------------------------------------------------
def test_rocketcoms_refuses_a_window_across_a_clock_change():
    run = Schedule(
        start=datetime(2027, 3, 22, 8, tzinfo=PARIS),
        end_date=date(2027, 4, 2),
        window_start=time(9),
        window_end=time(17),
        timezone="Europe/Paris",
    )
    assert errors_of(validate(run, ROCKETCOMS, NOW)) == {
        "window": [
            "Daily window: RocketCOMS takes the window in UTC (08:00-16:00), so it cannot "
            "follow the clock change in Europe/Paris on Sun 28 Mar 2027: from then on it would "
            "send 10:00-18:00 instead of 09:00-17:00. End the run before that day, or start it "
            "after."
        ]
    }
    # the same window is fine for a provider that follows the zone, and for a run that ends
    # before the change
    assert validate(run, ANY, NOW) == []
    assert validate(replace(run, end_date=date(2027, 3, 26)), ROCKETCOMS, NOW) == []
    # without an end date the estimated end decides: 1,000 messages end on the first day
    open_ended = replace(run, end_date=None)
    assert validate(open_ended, ROCKETCOMS, NOW, recipients=1_000) == []
    assert "window" in errors_of(validate(open_ended, ROCKETCOMS, NOW, recipients=5_000_000))


def test_rocketcoms_starts_by_the_day_and_says_so():
    afternoon = Schedule(
        start=datetime(2026, 11, 23, 14, 30, tzinfo=PARIS),
        window_start=time(9),
        window_end=time(17),
        timezone="Europe/Paris",
    )
    (warning,) = validate(afternoon, ROCKETCOMS, NOW)
    assert warning.severity is IssueSeverity.WARNING
    assert warning.message == (
        "Start: RocketCOMS schedules by the day in UTC: sending starts at Tue 24 Nov 2026 "
        "09:00, not at Mon 23 Nov 2026 14:30 (Europe/Paris)."
    )
    morning = replace(afternoon, start=datetime(2026, 11, 23, 8, tzinfo=PARIS))
    assert validate(morning, ROCKETCOMS, NOW) == []


# -- sending spans ------------------------------------------------------------------------------
def in_window(local: time, first: time, last: time) -> bool:
    return first <= local < last if first < last else local >= first or local < last


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2027, 1, 1), max_value=date(2027, 12, 31)),
    first=st.integers(min_value=0, max_value=95),
    length=st.integers(min_value=1, max_value=95),
)
def test_spans_stay_inside_the_window_even_across_midnight(zone, day, first, length):
    opens = time(first // 4, first % 4 * 15)
    closes = time((first + length) % 96 // 4, (first + length) % 96 % 4 * 15)
    tz = ZoneInfo(zone)
    schedule = Schedule(
        start=datetime.combine(day, time(12), tz),
        end_date=day + timedelta(days=3),
        window_start=opens,
        window_end=closes,
        timezone=zone,
    )
    spans = list(sending_spans(schedule, ANY, NOW))
    assert spans, "a non-empty window opens within three days"
    for low, high in spans:
        assert low < high
        for moment in (low, low + (high - low) / 2, high - timedelta(microseconds=1)):
            local = moment.astimezone(tz).time()
            # a wall time in a spring-forward gap opens at the offset before the jump
            assert in_window(local, opens, closes) or _near_a_clock_change(moment, tz)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))


def _near_a_clock_change(moment: datetime, zone: ZoneInfo) -> bool:
    return any(
        (moment + timedelta(hours=h)).astimezone(zone).utcoffset()
        != moment.astimezone(zone).utcoffset()
        for h in (-3, 3)
    )


def test_a_window_across_midnight_sends_both_sides_of_it():
    schedule = Schedule(
        start=datetime(2026, 11, 23, 21, tzinfo=PARIS),
        window_start=time(20),
        window_end=time(2),
        timezone="Europe/Paris",
    )
    first, second = list(_take(sending_spans(schedule, ANY, NOW), 2))
    assert first == (datetime(2026, 11, 23, 20, tzinfo=UTC), datetime(2026, 11, 24, 1, tzinfo=UTC))
    assert second[0] == datetime(2026, 11, 24, 19, tzinfo=UTC)


def _take(spans, count):
    for _ in range(count):
        yield next(spans)


def test_quiet_hours_leave_the_two_daytime_windows():
    schedule = Schedule(
        start=datetime(2026, 11, 23, 7, tzinfo=PARIS), timezone="Europe/Paris",
        respect_quiet_hours=True,
    )  # fmt: skip
    spans = list(_take(sending_spans(schedule, ROUTEE, NOW), 3))
    local = [(a.astimezone(PARIS).time(), b.astimezone(PARIS).time()) for a, b in spans]
    assert local == [(time(8), time(14)), (time(17), time(23)), (time(8), time(14))]


# -- preview ------------------------------------------------------------------------------------
def test_the_preview_of_a_window_across_midnight():
    schedule = Schedule(
        start=datetime(2026, 11, 23, 9, tzinfo=PARIS),
        window_start=time(20),
        window_end=time(2),
        timezone="Europe/Paris",
        send_rate=1000,
    )
    run = preview(schedule, ANY, 600_000, NOW)
    # 600 minutes of sending: 20:00-02:00 (360 min), then 20:00-24:00 (240 min) the next day
    assert run.first == datetime(2026, 11, 23, 20, 0, 0, 60_000, tzinfo=PARIS)
    assert run.last == datetime(2026, 11, 25, 0, 0, tzinfo=PARIS)
    assert run.bucket is Bucket.HOUR
    assert sum(count for _, count in run.counts) == 600_000
    busy = [(start.hour, count) for start, count in run.counts if count]
    assert busy[:7] == [(20, 60_000), (21, 60_000), (22, 60_000), (23, 60_000), (0, 60_000),
                        (1, 60_000), (20, 60_000)]  # fmt: skip
    assert run.summary() == (
        "First message Mon 23 Nov 2026 20:00, last Wed 25 Nov 2026 00:00 (Europe/Paris), at "
        "1,000 a minute."
    )


def test_the_preview_counts_per_day_on_long_runs_and_says_what_the_end_date_cuts():
    schedule = Schedule(
        start=datetime(2026, 11, 23, 9, tzinfo=PARIS),
        end_date=date(2026, 11, 30),
        window_start=time(9),
        window_end=time(10),
        timezone="Europe/Paris",
    )
    run = preview(schedule, ROCKETCOMS, 1_000_000, NOW)
    assert run.bucket is Bucket.DAY
    assert [count for _, count in run.counts if count] == [36_000] * 8
    assert run.unsent == 1_000_000 - 8 * 36_000
    assert run.summary().endswith(
        "at about 600 a minute. 712,000 of 1,000,000 would not go out before the end of "
        "Mon 30 Nov 2026."
    )


def test_the_preview_on_a_spring_forward_day_counts_real_hours():
    # 01:00-04:00 on the night Paris jumps from 02:00 to 03:00 lasts two hours
    schedule = Schedule(
        start=datetime(2027, 3, 28, 0, 30, tzinfo=PARIS),
        end_date=date(2027, 3, 28),
        window_start=time(1),
        window_end=time(4),
        timezone="Europe/Paris",
        send_rate=1000,
    )
    run = preview(schedule, ANY, 1_000_000, NOW)
    assert run.sent == 120_000
    assert [(s.hour, c) for s, c in run.counts if c] == [(1, 60_000), (3, 60_000)]


def test_the_preview_without_a_rate_knows_only_the_first_message():
    run = preview(Schedule(start=NOW + timedelta(hours=1)), None, 10, NOW)
    assert run.first == NOW + timedelta(hours=1) and run.last is None
    assert "does not say how fast" in run.summary()


@settings(max_examples=100, deadline=None)
@given(
    recipients=st.integers(min_value=1, max_value=2_000_000),
    rate=st.integers(min_value=1_000, max_value=1_000_000),
    window=st.one_of(st.none(), st.tuples(st.integers(0, 23), st.integers(1, 23))),
    zone=st.sampled_from(ZONES),
)
def test_every_message_is_in_one_bucket_and_first_comes_before_last(recipients, rate, window, zone):
    first_hour, length = window if window else (0, 0)
    schedule = Schedule(
        start=NOW + timedelta(minutes=7),
        window_start=time(first_hour) if window else None,
        window_end=time((first_hour + length) % 24) if window else None,
        timezone=zone,
        send_rate=rate,
    )
    if schedule.window_start == schedule.window_end and window:
        return
    run = preview(schedule, ANY, recipients, NOW)
    assert run.sent + run.unsent == recipients
    assert sum(count for _, count in run.counts) == run.sent
    assert run.first is not None and run.last is not None and run.first <= run.last
    starts = [start for start, _ in run.counts]
    assert starts == sorted(starts) and all(count >= 0 for _, count in run.counts)


def test_describe_says_every_part_with_its_zone():
    schedule = Schedule(
        start=datetime(2026, 11, 23, 9, tzinfo=PARIS),
        end_date=date(2026, 11, 30),
        window_start=time(9),
        window_end=time(17),
        timezone="Europe/Paris",
        respect_quiet_hours=True,
        send_rate=2000,
    )
    assert describe(schedule) == (
        "Send at Mon 23 Nov 2026 09:00 (Europe/Paris), only between 09:00 and 17:00 "
        "Europe/Paris, until the end of Mon 30 Nov 2026, outside the recipients' quiet hours "
        "(23:00-08:00 and 14:00-17:00), at most 2,000 messages a minute."
    )
    assert describe(Schedule()) == "Send now."
