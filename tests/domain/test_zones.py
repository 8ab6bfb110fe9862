"""Time zones: names checked with a suggestion, clock changes found to the minute, words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.zones import (
    clock_change_at,
    clock_changes,
    clock_words,
    day_words,
    known_zones,
    offset_words,
    when_words,
    zone_problem,
)

LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # its clocks move by half an hour


def test_the_known_zones_are_sorted_iana_names():
    zones = known_zones()
    assert list(zones) == sorted(zones)
    assert {"Europe/Paris", "America/St_Johns", "Asia/Kolkata"} <= set(zones)


def test_a_known_zone_and_utc_have_no_problem():
    assert zone_problem("Europe/Paris") is None
    assert zone_problem("UTC") is None


def test_a_misspelt_zone_is_named_with_the_closest_one():
    assert zone_problem("Europe/Pariss") == (
        "'Europe/Pariss' is not a time zone this computer knows. Did you mean Europe/Paris?"
    )


def test_a_zone_like_nothing_known_asks_for_one_from_the_list():
    assert zone_problem("Nowhere/Atall") == (
        "'Nowhere/Atall' is not a time zone this computer knows. Pick one from the list."
    )


def test_a_skipped_wall_time_is_a_gap_at_the_spring_forward_moment():
    change = clock_change_at(datetime(2026, 3, 29, 1, 30, tzinfo=LONDON))
    assert change is not None and change.is_gap
    assert change.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert (change.before, change.after) == (datetime(2026, 3, 29, 1), datetime(2026, 3, 29, 2))


def test_a_repeated_wall_time_is_the_clocks_going_back():
    change = clock_change_at(datetime(2026, 10, 25, 1, 30, tzinfo=LONDON))
    assert change is not None and not change.is_gap
    assert change.at == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert (change.before, change.after) == (datetime(2026, 10, 25, 2), datetime(2026, 10, 25, 1))


def test_a_time_that_happens_once_or_in_a_fixed_offset_has_no_change():
    assert clock_change_at(datetime(2026, 3, 29, 12, 0, tzinfo=LONDON)) is None
    fixed = timezone(timedelta(hours=2))
    assert clock_change_at(datetime(2026, 3, 29, 1, 30, tzinfo=fixed)) is None


def test_the_clock_changes_of_a_year_are_found_to_the_minute():
    year = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    assert clock_changes(LONDON, *year) == [
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    ]
    # 02:00 LHDT (+11:00) back to 01:30, and 02:00 LHST (+10:30) on to 02:30
    assert clock_changes(LORD_HOWE, *year) == [
        datetime(2026, 4, 4, 15, 0, tzinfo=UTC),
        datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    ]
    assert clock_changes(ZoneInfo("Asia/Tokyo"), *year) == []


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe"]),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_a_change_is_found_exactly_for_the_wall_times_it_skips_or_repeats(zone, day, minute):
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    moment = wall.replace(tzinfo=tz)
    change = clock_change_at(moment)
    twice_or_never = moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset()
    assert (change is not None) == twice_or_never
    if change is not None:
        assert min(change.before, change.after) <= wall < max(change.before, change.after)
        just_before = (change.at - timedelta(microseconds=1)).astimezone(tz)
        assert just_before.utcoffset() != change.at.astimezone(tz).utcoffset()


def test_moments_days_and_times_in_words():
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert when_words(moment) == "Mon 23 Nov 2026 09:00"
    assert when_words(moment, ZoneInfo("Europe/Paris")) == "Mon 23 Nov 2026 10:00"
    assert day_words(date(2026, 3, 1)) == "Sun 1 Mar 2026"
    assert clock_words(time(7, 5)) == "07:05"


def test_offsets_in_words_keep_their_sign_and_minutes():
    summer, winter = datetime(2026, 7, 1, 12), datetime(2026, 1, 1, 12)
    assert offset_words(summer.replace(tzinfo=ZoneInfo("Europe/Paris"))) == "UTC+02:00"
    assert offset_words(summer.replace(tzinfo=ZoneInfo("America/St_Johns"))) == "UTC-02:30"
    assert offset_words(winter.replace(tzinfo=ZoneInfo("America/St_Johns"))) == "UTC-03:30"
    assert offset_words(winter.replace(tzinfo=ZoneInfo("Asia/Kolkata"))) == "UTC+05:30"
    assert offset_words(winter.replace(tzinfo=UTC)) == "UTC+00:00"
