"""What every provider simulator shares: the clock, fault injection, delivery progress.

Simulated campaigns do not run in the background: each request computes how far a campaign
has got from the sandbox clock (``delivered_by``), so tests move time with
:meth:`SandboxClock.advance` and see deterministic results.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, MutableMapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.phones import PhoneChecker


class SandboxClock:
    """Wall-clock time plus an offset that tests (and ``POST /_sandbox/clock``) can advance.

    ``frozen`` clocks only move when advanced, which makes tests exact.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._frozen = frozen
        self._base = start or datetime.now(UTC)
        self._offset = timedelta()
        self._real_start = datetime.now(UTC)

    def now(self) -> datetime:
        moved = timedelta() if self._frozen else datetime.now(UTC) - self._real_start
        return self._base + moved + self._offset

    def advance(self, seconds: float) -> datetime:
        self._offset += timedelta(seconds=seconds)
        return self.now()


@dataclass
class Faults:
    """Faults to inject, counted down per request. ``only`` limits them to one path prefix.

    ``drop_before``: the connection breaks before the request is processed;
    ``drop_after``: the request is processed, then its answer is lost.
    """

    latency: float = 0.0
    rate_limit: int = 0
    retry_after: float = 1.0
    server_errors: int = 0
    drop_before: int = 0
    drop_after: int = 0
    only: str | None = None

    def applies_to(self, path: str) -> bool:
        return self.only is None or path.startswith(self.only)

    def take(self, name: str) -> bool:
        left: int = getattr(self, name)
        if left <= 0:
            return False
        setattr(self, name, left - 1)
        return True

    def update(self, values: MutableMapping[str, Any]) -> None:
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"Unknown fault setting {key!r}.")
            setattr(self, key, value)


@dataclass
class SandboxEnv:
    """What the provider apps of one sandbox share. ``settings`` holds the guesses each
    provider simulator makes where public documentation is silent (see each module)."""

    clock: SandboxClock = field(default_factory=SandboxClock)
    faults: Faults = field(default_factory=Faults)
    settings: dict[str, Any] = field(default_factory=dict)
    #: percentage of valid numbers that a simulated network fails (deterministic per number)
    failure_percent: int = 2


class ConnectionDropped(Exception):
    """Raised by the fault middleware to break a connection; see ``app.sandbox.inprocess``."""

    def __init__(self, processed: bool) -> None:
        super().__init__("connection dropped by sandbox fault injection")
        self.processed = processed


FaultRenderer = Callable[[int, float | None], Response]


def default_fault_response(status: int, retry_after: float | None) -> Response:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    text = "Too many requests" if status == 429 else "Internal server error"
    return JSONResponse({"error": text}, status_code=status, headers=headers)


class FaultMiddleware:
    """Injects latency, 429 bursts, 5xx and dropped connections as ``env.faults`` says."""

    def __init__(
        self, app: ASGIApp, env: SandboxEnv, renderers: dict[str, FaultRenderer] | None = None
    ) -> None:
        self.app = app
        self.env = env
        self.renderers = renderers or {}

    def _renderer(self, path: str) -> FaultRenderer:
        for prefix, render in self.renderers.items():
            if path.startswith(prefix):
                return render
        return default_fault_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.env.faults
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_sandbox") or not faults.applies_to(path):
            await self.app(scope, receive, send)
            return
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if faults.take("drop_before"):
            await _break(send)
            raise ConnectionDropped(processed=False)
        for name, status in (("rate_limit", 429), ("server_errors", 500)):
            if faults.take(name):
                retry_after = faults.retry_after if status == 429 else None
                await self._renderer(path)(status, retry_after)(scope, receive, send)
                return
        if faults.take("drop_after"):
            await self.app(scope, receive, _swallow)
            await _break(send)
            raise ConnectionDropped(processed=True)
        await self.app(scope, receive, send)


async def _swallow(message: Message) -> None:
    """An ASGI ``send`` that loses the answer."""


async def _break(send: Send) -> None:
    """Start an answer that never completes, so a real server closes the connection mid-way."""
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
    )
    await send({"type": "http.response.body", "body": b"", "more_body": True})


# -- delivery simulation ------------------------------------------------------------------
_phones = PhoneChecker("US")


def network_outcome(e164: str, failure_percent: int = 2) -> str | None:
    """Why a real network would fail this number, or None when it is delivered.

    Invalid numbers fail as unknown; a stable ``failure_percent`` of valid ones (chosen by a
    hash of the number, so every run agrees) fail on the handset.
    """
    if not _phones.check(e164).valid:
        return "Unknown number"
    if zlib.crc32(e164.encode()) % 100 < failure_percent:
        return "Undelivered on handset"
    return None


def sendable_seconds(
    start: datetime,
    now: datetime,
    *,
    zone: ZoneInfo,
    window: tuple[time, time] | None = None,
    end_date: date | None = None,
) -> float:
    """Seconds between ``start`` and ``now`` that fall inside the daily sending window.

    The window is wall-clock time in ``zone`` and may cross midnight (22:00-02:00); sending
    stops at the end of ``end_date`` (in ``zone``).
    """
    if now <= start:
        return 0.0
    if end_date is not None:
        stop = datetime.combine(end_date + timedelta(days=1), time(), zone)
        now = min(now, stop)
        if now <= start:
            return 0.0
    if window is None:
        return (now - start).total_seconds()
    total = 0.0
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = now.astimezone(zone).date()
    while day <= last:
        for begin, end in _window_spans(day, window, zone):
            lo, hi = max(begin, start), min(end, now)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


def _window_spans(
    day: date, window: tuple[time, time], zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    first, last = window
    begin = datetime.combine(day, first, zone)
    if first < last:
        return [(begin, datetime.combine(day, last, zone))]
    return [(begin, datetime.combine(day + timedelta(days=1), last, zone))]


def delivered_by(
    total: int,
    rate_per_minute: int,
    start: datetime,
    now: datetime,
    *,
    zone: ZoneInfo,
    window: tuple[time, time] | None = None,
    end_date: date | None = None,
    already: int = 0,
) -> int:
    """How many of ``total`` messages have gone out by ``now`` at ``rate_per_minute``."""
    seconds = sendable_seconds(start, now, zone=zone, window=window, end_date=end_date)
    return min(total, already + int(seconds * rate_per_minute / 60))


def faults_as_json(faults: Faults) -> dict[str, Any]:
    return asdict(faults)
