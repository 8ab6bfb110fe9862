"""The sandbox's shared clock, delivery progress and fault injection."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sandbox.core import (
    Faults,
    SandboxClock,
    SandboxEnv,
    delivered_by,
    network_outcome,
    sendable_seconds,
)
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport

UTC_ZONE = ZoneInfo("UTC")
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_frozen_clock_moves_only_when_advanced():
    clock = SandboxClock(START, frozen=True)
    assert clock.now() == START
    assert clock.advance(90) == START + timedelta(seconds=90)
    assert clock.now() == START + timedelta(seconds=90)


def test_without_window_every_second_counts():
    assert sendable_seconds(START, START + timedelta(hours=2), zone=UTC_ZONE) == 7200


def test_window_counts_only_its_hours():
    # 06:00 to next day 12:00 with a 09:00-10:00 window: two hours of sending.
    now = START + timedelta(hours=30)
    window = (time(9), time(10))
    assert sendable_seconds(START, now, zone=UTC_ZONE, window=window) == 7200


def test_window_crossing_midnight():
    start = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    window = (time(22), time(2))
    assert sendable_seconds(start, now, zone=UTC_ZONE, window=window) == 4 * 3600


def test_window_is_wall_clock_in_its_zone():
    paris = ZoneInfo("Europe/Paris")  # UTC+1 in November
    window = (time(9), time(10))
    now = START + timedelta(hours=4)  # 10:00 UTC = 11:00 Paris: the window is over
    assert sendable_seconds(START, now, zone=paris, window=window) == 3600
    utc_now = START + timedelta(hours=3, minutes=30)  # 09:30 UTC: half of the UTC window
    assert sendable_seconds(START, utc_now, zone=UTC_ZONE, window=window) == 1800


def test_end_date_stops_sending():
    now = START + timedelta(days=3)
    seconds = sendable_seconds(START, now, zone=UTC_ZONE, end_date=date(2026, 11, 23))
    assert seconds == 18 * 3600


def test_delivered_by_rate_and_cap():
    now = START + timedelta(minutes=10)
    assert delivered_by(10_000, 600, START, now, zone=UTC_ZONE) == 6000
    assert delivered_by(1000, 600, START, now, zone=UTC_ZONE) == 1000
    assert delivered_by(1000, 600, START, START - timedelta(1), zone=UTC_ZONE) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=5 * 24 * 3600),
    st.integers(min_value=0, max_value=5 * 24 * 3600),
    st.times(),
    st.times(),
)
def test_window_seconds_grow_with_time_and_never_exceed_elapsed(a, b, first, last):
    earlier, later = sorted((a, b))
    window = (first, last) if first != last else None
    kwargs = {"zone": UTC_ZONE, "window": window}
    s1 = sendable_seconds(START, START + timedelta(seconds=earlier), **kwargs)
    s2 = sendable_seconds(START, START + timedelta(seconds=later), **kwargs)
    assert 0 <= s1 <= s2 <= later


def test_network_fails_invalid_numbers_and_a_stable_few():
    assert network_outcome("+1555") == "Unknown number"
    valid = [f"+4479111{n:05d}" for n in range(400)]
    failed = [n for n in valid if network_outcome(n, 2)]
    assert 0 < len(failed) < 30
    assert failed == [n for n in valid if network_outcome(n, 2)]  # deterministic
    assert not any(network_outcome(n, 0) for n in valid)


def test_faults_count_down_and_reject_unknown_settings():
    faults = Faults(rate_limit=2)
    assert faults.take("rate_limit") and faults.take("rate_limit")
    assert not faults.take("rate_limit")
    with pytest.raises(ValueError, match="Unknown fault setting 'boom'"):
        faults.update({"boom": 1})


async def test_injected_faults_reach_the_client_as_http_errors():
    env = SandboxEnv(clock=SandboxClock(START, frozen=True))
    transport = SandboxTransport(env, providers=[])
    async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_URL) as client:
        env.faults.update({"rate_limit": 1, "retry_after": 7, "only": "/nowhere"})
        limited = await client.get("/nowhere")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "7"
        assert (await client.get("/nowhere")).status_code == 404
        env.faults.update({"drop_before": 1})
        with pytest.raises(httpx.ConnectError):
            await client.get("/nowhere")
        env.faults.update({"drop_after": 1})
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/nowhere")
        # control endpoints are never faulted
        env.faults.update({"server_errors": 5, "only": None})
        assert (await client.get("/_sandbox/clock")).status_code == 200
