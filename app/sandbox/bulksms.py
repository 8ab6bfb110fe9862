"""A simulator of the BulkSMS EAPI (seed 002, PROVIDERS.md section 3).

Mounted at ``/bulksms``, it serves ``/submission/send_batch/1/1.0`` (POST, an ISO-8859-1 form)
and ``/status_reports/get_report/2/2.0`` (GET or POST), answering in EAPI's pipe-separated
text. A batch starts at once (code 0) or at its ``send_time`` (code 1), then delivers at a send
rate on the sandbox clock; ``get_report`` computes each message's code from the clock on every
request. Credentials are ``username=sandbox``, ``password=sandbox``.

Reachable codes: 0 and 1; 23 (bad credentials); 24 (no header, no valid line, too many lines,
unknown batch, bad ``send_time``); 25 when ``bulksms.credits`` runs out; 27 past
``bulksms.daily_quota``; 22, 26, 28 and 40 when queued in ``bulksms.next_status_codes``.

There is no cancel call, as in EAPI: a scheduled batch cannot be cancelled. Not simulated: the
"one concurrent connection" rule (requests are served in parallel), push delivery reports,
groups, ``send_sms``. Where the public material is silent the sandbox makes a conservative
guess, kept as a key of ``env.settings`` (see ``DEFAULTS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.sandbox.core import SandboxEnv, delivered_by, http_error_handlers, network_outcome

DEFAULTS: dict[str, Any] = {
    # Messages per minute once a batch is sending (gap: BulkSMS publishes no rate).
    "bulksms.send_rate_per_minute": 600,
    # Credits left on the account; one per message (gap: the real price depends on route and
    # parts). A submission that needs more than are left gets 25 and takes none.
    "bulksms.credits": 10_000_000,
    # Messages per day (in the account's zone) before 27; None is no quota (gap: the size is
    # per account, shown in the JSON API's /profile).
    "bulksms.daily_quota": None,
    # Codes the next submissions answer, one each, in order (e.g. [40, 40] or [26]): how
    # 22, 26, 28 and 40 are reached. Such failures are not recorded for stop_dup_id.
    "bulksms.next_status_codes": [],
    # How long a stop_dup_id replays its answer: "recently (within the past few hours)" (gap:
    # the shortest reading of "a few hours").
    "bulksms.stop_dup_seconds": 2 * 3600,
    # Messages per submission (PROVIDERS.md: 30,000; one page says 50,000: the lower one).
    "bulksms.max_batch_messages": 30_000,
    # The time zone the account is configured for: send_time is read in it, report times are
    # written in it.
    "bulksms.timezone": "UTC",
    # Characters a 7-bit message keeps (gap: send_batch documents no concatenation, and its
    # lenient parser truncates long values: conservatively one 160-character SMS).
    "bulksms.max_message_chars": 160,
}

SEND_PATH = "/submission/send_batch/1/1.0"
REPORT_PATH = "/status_reports/get_report/2/2.0"
CHARSET = "iso-8859-1"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_DUP_ID = 2_147_483_647
MAX_HEX_OCTETS = 140  # 8bit/16bit messages: "to a maximum of 140 octets"

DESCRIPTIONS = {
    0: "IN_PROGRESS",
    1: "SCHEDULED",
    22: "Internal fatal error",
    23: "Authentication failure",
    24: "Data validation failed",
    25: "You do not have sufficient credits",
    26: "Upstream credits not available",
    27: "You have exceeded your daily quota",
    28: "Upstream quota exceeded",
    40: "Temporarily unavailable",
}

# Report codes a sent message ends with: delivered, or why the network failed it.
DELIVERED = 11
FAILED_CODES = {"Unknown number": 31, "Undelivered on handset": 51}
IN_PROGRESS = 0

_MSISDN = re.compile(r"\d{7,15}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")
# One CSV value: quoted with backslash escapes, or bare up to the next comma.
_VALUE = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,"]*))\s*(,|$)')
_ESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


class EapiText(PlainTextResponse):
    """EAPI answers in ISO-8859-1, like the parameters it takes."""

    charset = CHARSET


def setting(env: SandboxEnv, key: str) -> Any:
    return env.settings.get(key, DEFAULTS[key])


def answer(code: int, batch_id: int | None = None, detail: str = "") -> EapiText:
    """EAPI's ``status_code|status_description|batch_id`` reply, always HTTP 200."""
    description = DESCRIPTIONS[code] + (f": {detail}" if detail else "")
    tail = f"|{batch_id}" if batch_id is not None else "|"
    return EapiText(f"{code}|{description}{tail}")


def fault_response(status: int, retry_after: float | None) -> Response:
    """An injected 429/5xx: EAPI only promises that any non-200 status is transient."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    text = "Too many requests" if status == 429 else "Service temporarily unavailable"
    return PlainTextResponse(text, status_code=status, headers=headers)


def refusal(status: int, message: str) -> Response:
    """A request refused before any handler (no such route, a body too large): a plain HTTP
    error, as a web server in front of EAPI answers (EAPI itself answers 200 with a code)."""
    return PlainTextResponse(message, status_code=status)


def split_line(line: str) -> list[str] | None:
    """The values of one ``batch_data`` line, or None when it is malformed.

    Hand-written because ``csv`` cannot turn the documented ``\\n`` escape into a line break.
    """
    values: list[str] = []
    pos = 0
    while True:
        match = _VALUE.match(line, pos)
        if match is None:
            return None
        quoted, bare, separator = match.groups()
        if quoted is not None:
            values.append(_ESCAPE.sub(lambda m: _UNESCAPED.get(m[1], m[1]), quoted))
        else:
            values.append(bare.strip())
        if not separator:
            return values
        pos = match.end()


@dataclass
class Batch:
    """One accepted submission. Recipients are kept as plain strings; codes are computed."""

    id: int
    start: datetime
    created: datetime
    msisdns: list[str]
    bodies: list[str]
    senders: list[str]
    source_ids: list[str]
    msg_class: str = "2"  # the batch's default: 0 flash, 2 normal [seed]
    _finals: list[int] = field(default_factory=list)

    def final_code(self, index: int, failure_percent: int) -> int:
        """The code message ``index`` ends with once sent (computed once, on demand)."""
        while len(self._finals) <= index:
            e164 = "+" + self.msisdns[len(self._finals)]
            reason = network_outcome(e164, failure_percent)
            self._finals.append(DELIVERED if reason is None else FAILED_CODES.get(reason, 50))
        return self._finals[index]


@dataclass
class Parsed:
    """The valid lines of a submission (invalid ones are skipped, as EAPI does)."""

    msisdns: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)
    skipped: int = 0


class BulkSmsSandbox:
    def __init__(self, env: SandboxEnv) -> None:
        self.env = env
        self.batches: dict[int, Batch] = {}
        self.dup_answers: dict[int, tuple[str, datetime]] = {}
        self.sent_per_day: dict[date, int] = {}
        self._last_id = 30429  # a plain number, so that the state file can hold it

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(setting(self.env, "bulksms.timezone"))

    # -- send_batch ---------------------------------------------------------------------------
    async def send_batch(self, request: Request) -> Response:
        params = await read_params(request)
        if not authorised(params):
            return answer(23)
        now = self.env.clock.now()
        dup_id = stop_dup_id(params.get("stop_dup_id", ""))
        replay = self.dup_answers.get(dup_id) if dup_id else None
        if replay and now - replay[1] < timedelta(
            seconds=setting(self.env, "bulksms.stop_dup_seconds")
        ):
            return EapiText(replay[0])
        queued: list[int] = setting(self.env, "bulksms.next_status_codes")
        if queued:
            self.env.settings["bulksms.next_status_codes"] = queued[1:]
            return answer(queued[0])
        result = self._accept(params, now)
        # Failures are not recorded. A test run is (gap: conservative, so that an adapter
        # must keep its real stop_dup_id out of test runs).
        if dup_id and result.body.startswith((b"0|", b"1|")):
            self.dup_answers[dup_id] = (result.body.decode(CHARSET), now)
        return result

    def _accept(self, params: Mapping[str, str], now: datetime) -> Response:
        """Everything after authentication and de-duplication: parse, check, charge, store."""
        start = self._send_time(params, now)
        if start is None:
            return answer(24, detail="send_time is not a valid date")
        lines = params.get("batch_data", "").replace("\r", "").split("\n")
        parsed = self._parse(lines, params)
        if parsed is None:
            return answer(24, detail="batch_data needs a msisdn,message header")
        count = len(parsed.msisdns)
        if count == 0:
            return answer(24, detail="no valid message in batch_data")
        if count > setting(self.env, "bulksms.max_batch_messages"):
            return answer(24, detail="too many messages in one submission")
        msg_class = params.get("msg_class", "2") or "2"
        if msg_class not in ("0", "2"):
            return answer(24, detail="msg_class must be 0 (flash) or 2 (normal)")
        if params.get("test_always_fail") == "1":
            return answer(22, detail="test_always_fail")
        if params.get("test_always_succeed") == "1":
            return answer(0, detail=f"test: {count} valid, {parsed.skipped} skipped")
        day = now.astimezone(self.zone).date()
        quota = setting(self.env, "bulksms.daily_quota")
        if quota is not None and self.sent_per_day.get(day, 0) + count > quota:
            return answer(27)
        credits = setting(self.env, "bulksms.credits")
        if credits < count:
            return answer(25)
        self.env.settings["bulksms.credits"] = credits - count  # deducted at once, even scheduled
        self.sent_per_day[day] = self.sent_per_day.get(day, 0) + count
        self._last_id += 1
        batch = Batch(
            self._last_id,
            max(start, now),  # a time in the past is sent at once
            now,
            parsed.msisdns,
            parsed.bodies,
            parsed.senders,
            parsed.source_ids,
            msg_class,
        )
        self.batches[batch.id] = batch
        return answer(1 if start > now else 0, batch.id)

    def _send_time(self, params: Mapping[str, str], now: datetime) -> datetime | None:
        """When the batch starts: now, or the (past or future) time asked for."""
        if text := params.get("send_time", "").strip():
            try:
                return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=self.zone)
            except ValueError:
                return None
        if text := params.get("send_time_unixtime", "").strip():
            if not _is_number(text, 12):  # beyond 12 digits: past the year 9999
                return None
            try:
                return datetime.fromtimestamp(int(text), self.zone)
            except (OverflowError, OSError, ValueError):
                return None
        return now

    def _parse(self, lines: list[str], params: Mapping[str, str]) -> Parsed | None:
        """The valid lines; None without a ``msisdn,message`` header."""
        header = split_line(lines[0].lower()) if lines else None
        if not header or "msisdn" not in header or "message" not in header:
            return None
        defaults = {name: params.get(name, "") for name in ("sender", "dca", "source_id")}
        max_chars = setting(self.env, "bulksms.max_message_chars")
        parsed = Parsed()
        texts: dict[str, str] = {}  # one string object per distinct text
        for line in lines[1:]:
            if not line.strip():
                continue
            values = split_line(line)
            if values is None or len(values) < len(header):
                parsed.skipped += 1
                continue
            row = {**defaults, **{k: v for k, v in zip(header, values, strict=False) if v}}
            message = valid_message(row.get("message", ""), row["dca"], max_chars)
            if message is None or not _MSISDN.fullmatch(row.get("msisdn", "")):
                parsed.skipped += 1
                continue
            parsed.msisdns.append(row["msisdn"])
            parsed.bodies.append(texts.setdefault(message, message))
            parsed.senders.append(truncate_sender(row["sender"]))
            parsed.source_ids.append(row["source_id"][:20])
        return parsed

    # -- get_report ---------------------------------------------------------------------------
    async def get_report(self, request: Request) -> Response:
        params = await read_params(request)
        if not authorised(params):
            return answer(23)
        batch_id = params.get("batch_id", "")
        batch = self.batches.get(int(batch_id)) if _is_number(batch_id, 18) else None
        if batch is None:
            return answer(24, detail="unknown batch_id")
        optional = [f.strip() for f in params.get("optional_fields", "").split(",") if f.strip()]
        only = params.get("msisdn", "").strip()
        lines = "".join(f"{line}\n" for line in self._report_lines(batch, optional, only))
        return EapiText(f"0|Returns to follow\n\n{lines}")

    def _report_lines(self, batch: Batch, optional: list[str], only: str) -> Iterator[str]:
        """One line per message; none while a scheduled batch waits ("you will not be able to
        request the status of a scheduled message until after it has actually been sent")."""
        now = self.env.clock.now()
        if batch.start > now:
            return
        rate = setting(self.env, "bulksms.send_rate_per_minute")
        total = len(batch.msisdns)
        sent = delivered_by(total, rate, batch.start, now, zone=self.zone)
        for index, msisdn in enumerate(batch.msisdns):
            if only and msisdn != only:
                continue
            done = index < sent
            code = batch.final_code(index, self.env.failure_percent) if done else IN_PROGRESS
            extra = [self._optional(batch, index, name, done, rate) for name in optional]
            yield "|".join([msisdn, str(code), *extra])

    def _optional(self, batch: Batch, index: int, name: str, done: bool, rate: int) -> str:
        """One of get_report's ``optional_fields`` for message ``index`` ("" when unknown)."""
        match name:
            case "completed_time" if done:
                at = batch.start + timedelta(seconds=(index + 1) * 60 / rate)
                return at.astimezone(self.zone).strftime(TIME_FORMAT)
            case "created_time":
                return batch.created.astimezone(self.zone).strftime(TIME_FORMAT)
            case "body":  # one line per message: a line break is written as the CSV escape
                escaped = batch.bodies[index].replace("\\", "\\\\")
                return escaped.replace("\r", "\\r").replace("\n", "\\n")
            case "credits":
                return "1"
            case "origin_address":
                return batch.senders[index]
            case "source_id":
                return batch.source_ids[index]
        return ""


def valid_message(text: str, dca: str, max_chars: int) -> str | None:
    """The message as kept (long values truncated), or None when the line must be skipped."""
    if dca in ("8bit", "16bit"):
        if not _HEX.fullmatch(text):
            return None
        return text[: MAX_HEX_OCTETS * 2]
    return text[:max_chars]


def truncate_sender(sender: str) -> str:
    """Alphanumeric sender ids keep 11 characters; numeric ones are numbers (16 digits)."""
    return sender[:16] if sender.isdigit() else sender[:11]


def stop_dup_id(text: str) -> int | None:
    """A valid ``stop_dup_id``, or None: an invalid one is ignored, like any invalid value."""
    text = text.strip()
    if _is_number(text, 10) and 1 <= int(text) <= MAX_DUP_ID:
        return int(text)
    return None


def _is_number(text: str, digits: int) -> bool:
    """Whether ``text`` is at most ``digits`` ASCII digits (``str.isdigit`` also takes "²"
    and other digits ``int`` refuses)."""
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()


def authorised(params: Mapping[str, str]) -> bool:
    return params.get("username") == "sandbox" and params.get("password") == "sandbox"


async def read_params(request: Request) -> dict[str, str]:
    """Query and form parameters together, decoded as ISO-8859-1 (EAPI's charset).

    Starlette's form parser decodes percent-escapes as UTF-8, so the body is parsed here.
    """
    params = dict(parse_qsl(request.url.query, keep_blank_values=True, encoding=CHARSET))
    if request.method == "POST":
        body = (await request.body()).decode("ascii", "replace")
        params.update(parse_qsl(body, keep_blank_values=True, encoding=CHARSET))
    return params


def create_app(env: SandboxEnv) -> Starlette:
    sandbox = BulkSmsSandbox(env)
    app = Starlette(
        routes=[
            Route(SEND_PATH, sandbox.send_batch, methods=["POST"]),
            Route(REPORT_PATH, sandbox.get_report, methods=["GET", "POST"]),
        ],
        exception_handlers=http_error_handlers(refusal),
    )
    app.state.bulksms = sandbox
    env.parts["bulksms"] = sandbox
    return app
