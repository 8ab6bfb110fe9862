"""Schedule validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app.domain.schedule import Schedule, validate_schedule

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_now_with_no_window_is_valid():
    assert validate_schedule(Schedule(), NOW) == []


def test_past_start_is_refused():
    problems = validate_schedule(Schedule(start=NOW - timedelta(minutes=1)), NOW)
    assert problems == ["The start time is in the past."]


def test_naive_start_is_refused():
    problems = validate_schedule(Schedule(start=datetime(2027, 1, 1, 9, 0)), NOW)
    assert problems == ["The start time has no time zone."]


def test_end_date_before_start_day_in_the_schedule_zone():
    start = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Tokyo
    schedule = Schedule(start=start, end_date=date(2026, 11, 23), timezone="Asia/Tokyo")
    assert validate_schedule(schedule, NOW) == ["The end date is before the start date."]
    same_day_utc = Schedule(start=start, end_date=date(2026, 11, 23), timezone="UTC")
    assert validate_schedule(same_day_utc, NOW) == []


def test_window_needs_both_ends_and_must_not_be_empty():
    half = Schedule(window_start=time(9))
    assert validate_schedule(half, NOW) == ["A daily window needs both a start and an end time."]
    empty = Schedule(window_start=time(9), window_end=time(9))
    assert "empty" in validate_schedule(empty, NOW)[0]


def test_window_may_cross_midnight():
    schedule = Schedule(window_start=time(22), window_end=time(2), timezone="Europe/Paris")
    assert schedule.has_window
    assert validate_schedule(schedule, NOW) == []


def test_unknown_time_zone_is_named():
    assert validate_schedule(Schedule(timezone="Mars/Olympus"), NOW) == [
        "Unknown time zone 'Mars/Olympus'."
    ]
