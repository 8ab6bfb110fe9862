"""Time the schedule's validate and preview for a million recipients; prints milliseconds.

Run from the repository root: ``.venv/bin/python -m benchmarks.schedule_preview``. The picker
runs both on every keystroke, so each must stay far below a frame or two (16-32 ms).
"""

from __future__ import annotations

import timeit
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from app.domain.schedule import Schedule, preview, validate
from app.providers.batchcom import BatchProvider
from app.providers.rocketcoms import RocketComsProvider
from app.providers.routee import RouteeProvider

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
CASES = {
    "RocketCOMS, 20:00-02:00 window, 1M (5 days)": (
        RocketComsProvider.capabilities,
        Schedule(start=START, window_start=time(20), window_end=time(2), timezone="Europe/Paris"),
    ),
    "RocketCOMS, 09:00-10:00 window, 1M (28 days)": (
        RocketComsProvider.capabilities,
        Schedule(start=START, window_start=time(9), window_end=time(10), timezone="Europe/Paris"),
    ),
    "Routee, quiet hours, 1M (3 days)": (
        RouteeProvider.capabilities,
        Schedule(start=START, timezone="Europe/Paris", respect_quiet_hours=True),
    ),
    "Batch, 1,000 a minute, 1M (17 hours)": (
        BatchProvider.capabilities,
        Schedule(start=START, timezone="Europe/Paris", send_rate=1000),
    ),
    "no provider, 1 a minute, 09:00-10:00, end in 5 years (1,827 days)": (
        None,
        Schedule(
            start=START,
            end_date=date(2031, 11, 23),
            window_start=time(9),
            window_end=time(10),
            timezone="Europe/Paris",
            send_rate=1,
        ),
    ),
}


def main() -> None:
    for name, (caps, schedule) in CASES.items():
        runs = 20
        check = timeit.timeit(
            lambda c=caps, s=schedule: validate(s, c, NOW, recipients=1_000_000), number=runs
        )
        plan = timeit.timeit(lambda c=caps, s=schedule: preview(s, c, 1_000_000, NOW), number=runs)
        result = preview(schedule, caps, 1_000_000, NOW)
        print(
            f"{name}: validate {check / runs * 1000:.2f} ms, preview {plan / runs * 1000:.2f} ms, "
            f"{len(result.counts)} {result.bucket.value} buckets, last {result.last}"
        )


if __name__ == "__main__":
    main()
