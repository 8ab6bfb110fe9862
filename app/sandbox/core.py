"""What every provider simulator shares: the clock, fault injection, delivery progress.

Simulated campaigns do not run in the background: each request computes how far a campaign
has got from the sandbox clock (``delivered_by``), so tests move time with
:meth:`SandboxClock.advance` and see deterministic results.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
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

    @property
    def ahead(self) -> timedelta:
        """How far this clock runs ahead of the real one (what a restarted sandbox keeps)."""
        return self.now() - datetime.now(UTC)


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
        """Set the given settings, all or none: raises ValueError with a sentence naming the
        first one that is unknown or out of range (see :data:`FAULT_LIMITS`)."""
        checked = {key: fault_setting(key, value) for key, value in values.items()}
        for key, value in checked.items():
            setattr(self, key, value)


#: What each fault setting accepts: (whole number?, lowest, highest). A latency beyond a minute
#: would hold every request (and a server's shutdown) for as long.
FAULT_LIMITS: dict[str, tuple[bool, float, float]] = {
    "latency": (False, 0.0, 60.0),
    "rate_limit": (True, 0, 1_000_000),
    "retry_after": (False, 0.0, 3600.0),
    "server_errors": (True, 0, 1_000_000),
    "drop_before": (True, 0, 1_000_000),
    "drop_after": (True, 0, 1_000_000),
}


def fault_setting(key: str, value: object) -> Any:
    """``value`` as fault setting ``key``, or ValueError with a sentence saying what it takes."""
    if key == "only":
        if value is None or (isinstance(value, str) and value.startswith("/") and len(value) < 256):
            return value
        raise ValueError(f"only must be a path starting with / (or null), not {_shown(value)}.")
    if key not in FAULT_LIMITS:
        known = ", ".join([*FAULT_LIMITS, "only"])
        raise ValueError(f"Unknown fault setting {key!r}: the settings are {known}.")
    whole, low, high = FAULT_LIMITS[key]
    if whole:
        if type(value) is int and low <= value <= high:
            return value
        what = f"a whole number from {low:,} to {high:,}"
    else:
        if type(value) in (int, float) and math.isfinite(value) and low <= value <= high:
            return float(value)  # type: ignore[arg-type]
        what = f"a number of seconds from {low:g} to {high:g}"
    raise ValueError(f"{key} must be {what}, not {_shown(value)}.")


def _shown(value: object) -> str:
    """A short rendering of what a request sent, for a sentence."""
    text = json.dumps(value, allow_nan=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


#: The largest request body (bytes) each part of the sandbox reads; a longer one gets 413 in
#: the provider's error format, before the sandbox holds it. None of the five documents a
#: limit (gap): each is well above what its adapter sends. RocketCOMS takes a million-row file
#: (spooled to disk); a BulkSMS submission holds at most 30,000 messages; Routee 30,000
#: numbers; Cordial and Batch one text.
DEFAULT_BODY_LIMITS: dict[str, int] = {
    "/rocketcoms": 256 * 2**20,
    "/bulksms": 32 * 2**20,
    "/routee": 16 * 2**20,
    "/cordial": 2**20,
    "/batch": 2**20,
    "/_sandbox": 64 * 2**10,
}


@dataclass
class SandboxEnv:
    """What the provider apps of one sandbox share. ``settings`` holds the guesses each
    provider simulator makes where public documentation is silent (see each module);
    ``body_limits`` the largest body each mount point reads (see DEFAULT_BODY_LIMITS; a path
    under none of them gets the smallest)."""

    clock: SandboxClock = field(default_factory=SandboxClock)
    faults: Faults = field(default_factory=Faults)
    settings: dict[str, Any] = field(default_factory=dict)
    #: percentage of valid numbers that a simulated network fails (deterministic per number)
    failure_percent: int = 2
    body_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_BODY_LIMITS))
    #: each provider simulator's own state (its campaigns...) by its module's name, kept in
    #: the state file by :mod:`app.sandbox.state`
    parts: dict[str, Any] = field(default_factory=dict)

    def body_limit(self, path: str) -> int:
        for prefix, limit in self.body_limits.items():
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return min(self.body_limits.values())


class ConnectionDropped(Exception):
    """Raised by the fault middleware to break a connection; see ``app.sandbox.inprocess``."""

    def __init__(self, processed: bool) -> None:
        super().__init__("connection dropped by sandbox fault injection")
        self.processed = processed


FaultRenderer = Callable[[int, float | None], Response]
#: A provider's error answer for a request it refuses outright: (HTTP status, sentence).
Refusal = Callable[[int, str], Response]


def control_refusal(status: int, message: str) -> Response:
    """The sandbox's own controls answer ``{"error": sentence}``."""
    return JSONResponse({"error": message}, status_code=status)


def http_error_handlers(refusal: Refusal) -> dict[Any, Callable[..., Awaitable[Response]]]:
    """Starlette's own refusals (no such route, wrong method, a form it cannot parse) in a
    provider's error format instead of plain text."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        sentence = exc.detail if exc.detail.endswith(".") else exc.detail + "."
        return refusal(exc.status_code, sentence)

    return {HTTPException: handle}


class BadJson(ValueError):
    """A request body that is not a JSON document a provider would take; ``str()`` says why."""


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_json(raw: bytes) -> Any:
    """The JSON value of a request body, as a strict server reads it: UTF-8, no NaN or
    Infinity, numbers that are finite, strings that are text (no lone surrogate, which no
    answer could carry back), no deeper than the parser's own limit. Raises :class:`BadJson`.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("The request body is not UTF-8 text.") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise BadJson("The request body nests arrays or objects too deeply.") from None
    except BadJson:
        raise
    except ValueError:
        raise BadJson("The request body is not valid JSON.") from None
    if _SURROGATE_ESCAPE.search(text) and not _all_text(value):
        raise BadJson("The request body holds a lone surrogate (\\ud800...), which is not text.")
    return value


def _no_constant(name: str) -> Any:
    raise BadJson(f"The request body holds {name}, which JSON does not allow.")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BadJson(f"The request body holds the number {text[:20]}, too large for JSON.")
    return number


def _all_text(value: Any) -> bool:
    """Whether every string in ``value`` (keys too) encodes as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


class _TooLarge(Exception):
    """Raised from ``receive`` once a body passes its limit (see BodyLimit)."""


class BodyLimit:
    """Answers 413 (in the provider's format) to a body larger than ``env.body_limit`` allows,
    before reading it when its length is declared, else as soon as it passes the limit."""

    def __init__(self, app: ASGIApp, env: SandboxEnv, refusals: dict[str, Refusal]) -> None:
        self.app = app
        self.env = env
        self.refusals = refusals

    def _refusal(self, path: str) -> Refusal:
        for prefix, refusal in self.refusals.items():
            if path == prefix or path.startswith(prefix + "/"):
                return refusal
        return control_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.env.body_limit(path)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdecimal() and len(declared) < 20 and int(declared) > limit:
            await self._refuse(scope, receive, send, path, limit)
            return
        received = 0
        passed = False

        async def counted() -> Message:
            nonlocal received, passed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    passed = True
                    raise _TooLarge
            return message

        async def unless_passed(message: Message) -> None:
            if not passed:  # else it is the app's answer to _TooLarge: replaced below
                await send(message)

        try:
            await self.app(scope, counted, unless_passed)
        except _TooLarge:
            await self._refuse(scope, receive, send, path, limit)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, path: str, limit: int
    ) -> None:
        sentence = f"The request body is larger than the {limit:,} bytes this sandbox reads."
        await self._refusal(path)(413, sentence)(scope, receive, send)


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
