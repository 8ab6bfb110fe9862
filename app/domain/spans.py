"""Sending spans: the stretches of time (UTC) in which messages may go out, and how much
sending time they hold, in whole microseconds so that counts are exact."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta, tzinfo

Span = tuple[datetime, datetime]
MICROS_PER_MINUTE = 60_000_000


def window_spans(
    begin: datetime, stop: datetime, window: tuple[time, time] | None, zone: tzinfo
) -> Iterator[Span]:
    """The daily window's spans in ``zone`` (wall clock; DST-aware) between ``begin`` and
    ``stop``, in UTC. A wall time the clocks skip reads at the offset before the jump (02:30
    on a spring-forward night is 03:30), as PEP 495 says."""
    begin, stop = begin.astimezone(UTC), stop.astimezone(UTC)
    if begin >= stop:
        return
    if window is None:
        yield begin, stop
        return
    first, last = window
    day = begin.astimezone(zone).date() - timedelta(days=1)
    while True:
        opens = datetime.combine(day, first, zone).astimezone(UTC)
        if opens >= stop:
            return
        closes_day = day + timedelta(days=1) if first > last else day
        closes = datetime.combine(closes_day, last, zone).astimezone(UTC)
        low, high = max(opens, begin), min(closes, stop)
        if high > low:
            yield low, high
        day += timedelta(days=1)


def merge(streams: Iterable[Iterator[Span]]) -> Iterator[Span]:
    """Several sorted span streams that never overlap each other, as one sorted stream."""
    yield from heapq.merge(*streams)


def intersect(a: Iterator[Span], b: Iterator[Span]) -> Iterator[Span]:
    """Where two sorted streams of disjoint spans overlap."""
    x, y = next(a, None), next(b, None)
    while x is not None and y is not None:
        low, high = max(x[0], y[0]), min(x[1], y[1])
        if high > low:
            yield low, high
        if x[1] <= y[1]:
            x = next(a, None)
        else:
            y = next(b, None)


def micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def micros_for(messages: int, rate: int) -> int:
    """Sending time (microseconds) until ``messages`` have gone out at ``rate`` a minute."""
    return -(-messages * MICROS_PER_MINUTE // rate)
