"""Sending spans: a daily window's stretches in UTC, merged and intersected, and exact counts
of sending time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.spans import Span, intersect, merge, micros, micros_for, window_spans

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday in winter: Paris is UTC+01:00


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_no_window_is_one_span_and_an_empty_stretch_none():
    assert list(window_spans(at(0), at(30), None, PARIS)) == [(at(0), at(30))]
    assert list(window_spans(at(5), at(5), (time(9), time(17)), PARIS)) == []
    assert list(window_spans(at(6), at(5), None, PARIS)) == []


def test_a_daily_window_is_read_on_the_zones_wall_clock_and_clipped_to_the_stretch():
    spans = list(window_spans(at(10), at(48), (time(9), time(17)), PARIS))
    # 09:00-17:00 in Paris is 08:00-16:00 UTC; the first day's opens at 10:00 UTC here
    assert spans == [(at(10), at(16)), (at(32), at(40))]


def test_a_window_across_midnight_starts_with_the_night_before():
    spans = list(window_spans(at(0), at(24), (time(22), time(6)), PARIS))
    # the night of the 4th to the 5th closes at 05:00 UTC; the next opens at 21:00 UTC
    assert spans == [(at(0), at(5)), (at(21), at(24))]


def test_a_window_opening_in_a_skipped_hour_opens_at_the_offset_before_the_jump():
    day = datetime(2026, 3, 29, tzinfo=UTC)  # Paris skips 02:00-03:00
    spans = list(window_spans(day, day + timedelta(days=1), (time(2, 30), time(4)), PARIS))
    # 02:30 read at +01:00 is 01:30 UTC (03:30 CEST); 04:00 CEST is 02:00 UTC
    assert spans == [(day + timedelta(hours=1, minutes=30), day + timedelta(hours=2))]


def test_summer_time_moves_the_window_in_utc():
    begin = datetime(2026, 3, 28, tzinfo=UTC)
    spans = list(window_spans(begin, begin + timedelta(days=2), (time(9), time(10)), PARIS))
    assert [(a.hour, b.hour) for a, b in spans] == [(8, 9), (7, 8)]  # +01:00, then +02:00


def test_streams_merge_in_order():
    evens = iter([(at(0), at(1)), (at(4), at(5))])
    odds = iter([(at(2), at(3)), (at(6), at(7))])
    assert list(merge([evens, odds])) == [
        (at(0), at(1)),
        (at(2), at(3)),
        (at(4), at(5)),
        (at(6), at(7)),
    ]


def test_intersections_keep_only_the_overlaps_and_never_a_touch():
    a = iter([(at(0), at(10)), (at(20), at(30))])
    b = iter([(at(5), at(25)), (at(30), at(40))])
    assert list(intersect(a, b)) == [(at(5), at(10)), (at(20), at(25))]


def disjoint_spans(points: list[int]) -> list[Span]:
    """Sorted disjoint spans from hour marks: each pair of distinct marks is one span."""
    marks = sorted(set(points))
    return [(at(lo), at(hi)) for lo, hi in zip(marks[::2], marks[1::2], strict=False)]


def hours_in(spans: list[Span]) -> set[int]:
    return {
        hour
        for lo, hi in spans
        for hour in range(int((lo - T0) / timedelta(hours=1)), int((hi - T0) / timedelta(hours=1)))
    }


@settings(max_examples=200, deadline=None)
@given(
    a=st.lists(st.integers(min_value=0, max_value=60), max_size=12),
    b=st.lists(st.integers(min_value=0, max_value=60), max_size=12),
)
def test_an_intersection_holds_exactly_the_hours_both_hold(a, b):
    left, right = disjoint_spans(a), disjoint_spans(b)
    both = list(intersect(iter(left), iter(right)))
    assert hours_in(both) == hours_in(left) & hours_in(right)
    assert all(lo < hi for lo, hi in both)
    assert all(x[1] <= y[0] for x, y in pairwise(both))


def test_micros_are_exact_whole_microseconds():
    assert micros(timedelta(days=1, seconds=1, microseconds=5)) == 86_401_000_005
    assert micros(timedelta(microseconds=-1)) == -1


def test_sending_time_rounds_up_to_the_next_microsecond():
    assert micros_for(0, 60) == 0
    assert micros_for(1, 60) == 1_000_000  # a second each at 60 a minute
    assert micros_for(7, 3) == 140_000_000
    assert micros_for(1, 7) == 8_571_429  # 60 s / 7, rounded up
