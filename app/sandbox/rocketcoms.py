"""RocketCOMS simulator: campaign batches uploaded as a ``phone,message`` CSV.

Speaks the wire format of https://developer.rocketcoms.com/ (seed 000 and PROVIDERS.md §1):
``POST /v1/batches`` and ``PATCH /v1/batches/{id}`` take a multipart CSV with the batch settings
as query parameters; ``GET /v1/batches[/{id}[/errors|/report]]``, ``DELETE /v1/batches/{id}``
and ``GET /v1/insights/campaigns/{id}``. Successful answers use the envelope
``{"status": "0000"|"0010", "message", "result"}`` (a single batch is a bare object, as in the
docs' sample); errors use ``{"status", "traceId", "message", "timestamp"}``.

The status model, where the docs contradict themselves (their enum is COMPLETED, UPLOADING,
ERROR, PENDING, IN_PROCESS; their rules name CREATED; their samples say DELIVERED):

* ``action=VALIDATE`` checks the file and leaves the batch **CREATED**, the only status in which
  it may be updated (PATCH) or deleted;
* ``action=SCHEDULE`` checks the file and schedules the lines without errors: **PENDING** until
  its first message goes out (start date and daily window), **IN_PROCESS** while sending,
  **COMPLETED** when every line is handled or its end date has passed (unsent lines then
  fail), **ERROR** when not one line of the file could be sent;
* the file is checked while the request is answered, so UPLOADING is never shown, and
  DELIVERED (samples only) is never produced.

Dates and times are in UTC, the sandbox account's time zone. Error codes (the ``status`` of an
error body) are the docs' HTTP meanings spelt as Spring does (``BAD_REQUEST``...), plus
``INVALID_BATCH_STATUS`` (400) for an operation the batch's status forbids: the docs give no
code list, so these are the sandbox's guess.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import uuid
from array import array
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.domain.phones import PhoneChecker
from app.sandbox.core import SandboxEnv, delivered_by, http_error_handlers, network_outcome

PROVIDER = "rocketcoms"

#: Guesses where the public documentation is silent; override them in ``env.settings``.
DEFAULT_SETTINGS: dict[str, Any] = {
    # Send rate: not documented; the sandbox default shared by the simulators.
    "rocketcoms.send_rate_per_minute": 600,
    # Longest message accepted, in characters after ``\n`` is decoded. The docs only say long
    # messages are split into segments; six GSM-7 segments (6 x 153) is a conservative cap.
    "rocketcoms.max_message_length": 918,
    # Page sizes: the docs give no default or maximum; their samples show pages of 10.
    "rocketcoms.default_page_size": 10,
    "rocketcoms.max_page_size": 1000,
    # Campaign ids (UUID strings) that are not registered with The Campaign Registry: uploads
    # for them get 403, the docs' "authenticated but not permitted". Any other UUID is accepted.
    "rocketcoms.unregistered_campaigns": (),
}

#: Numbers written without a country code are read as US numbers, as in the docs' samples.
DEFAULT_REGION = "US"
#: Rows validated per call of the bulk phone checker while a file is read.
_CHUNK = 10_000

BATCH_STATUSES = ("CREATED", "UPLOADING", "PENDING", "IN_PROCESS", "COMPLETED", "ERROR")


class ApiError(Exception):
    """An error answer in RocketCOMS's format."""

    def __init__(self, http_status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message)


_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error_body(code: str, message: str, now: datetime) -> dict[str, str]:
    return {
        "status": code,
        "traceId": str(uuid.uuid4()),
        "message": message,
        "timestamp": _iso(now),
    }


def fault_response(status: int, retry_after: float | None) -> Response:
    """An injected 429 or 5xx, in RocketCOMS's error format."""
    code = _CODES.get(status, "INTERNAL_SERVER_ERROR")
    text = "Too many requests" if status == 429 else "Internal server error"
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    body = error_body(code, text, datetime.now(UTC))
    return JSONResponse(body, status_code=status, headers=headers)


def refusal(status: int, message: str) -> Response:
    """A request refused before any handler (no such route, a body too large, a form that
    cannot be parsed), in RocketCOMS's error format."""
    body = error_body(_CODES.get(status, "BAD_REQUEST"), message, datetime.now(UTC))
    return JSONResponse(body, status_code=status)


# -- the uploaded file ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str
    message_status: str  # the Batch Message status of the rejected line


@dataclass(slots=True)
class BatchFile:
    """A checked CSV, stored compactly: one phone string per line, texts interned."""

    phones: list[str] = field(default_factory=list)  # E.164 when valid, else as written
    text_of: array[int] = field(default_factory=lambda: array("I"))
    texts: list[str] = field(default_factory=list)
    lines: array[int] = field(default_factory=lambda: array("I"))
    rejected: dict[int, LineError] = field(default_factory=dict)  # row position -> error
    rejected_positions: list[int] = field(default_factory=list)  # sorted

    @property
    def rows(self) -> int:
        return len(self.phones)

    @property
    def accepted(self) -> int:
        return self.rows - len(self.rejected)

    def rank(self, position: int) -> int:
        """Where an accepted row comes in the sending order."""
        return position - bisect_left(self.rejected_positions, position)

    def __getstate__(self) -> tuple[Any, ...]:
        """For the sandbox's state file: the phones as one string when none holds a line
        break (pickling a million small strings held the sandbox's requests for 300 ms)."""
        joined: str | list[str] = "\n".join(self.phones)
        if joined.count("\n") != max(len(self.phones) - 1, 0) or not self.phones:
            joined = self.phones
        return joined, self.text_of, self.texts, self.lines, self.rejected, self.rejected_positions

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        phones, self.text_of, self.texts, self.lines, self.rejected, self.rejected_positions = state
        self.phones = phones.split("\n") if isinstance(phones, str) else phones


class FileReader:
    """Reads an uploaded CSV record by record and checks each line."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length
        self.checker = PhoneChecker(DEFAULT_REGION)
        self.file = BatchFile()
        self._text_ids: dict[str, int] = {}

    def read(self, stream: io.TextIOBase) -> BatchFile:
        pending: list[tuple[int, list[str]]] = []
        for line, record in _records(stream):
            pending.append((line, record))
            if len(pending) >= _CHUNK:
                self._check(pending)
                pending = []
        self._check(pending)
        if not self.file.rows:
            raise _bad_request("The file has no lines.")
        return self.file

    def _check(self, records: list[tuple[int, list[str]]]) -> None:
        phones = [record[0].strip() if record else "" for _, record in records]
        verdicts = self.checker.check_many(phones)
        for (line, record), raw, verdict in zip(records, phones, verdicts, strict=True):
            error = self._line_error(line, record, raw, verdict.valid)
            if error is None:
                self._add(line, verdict.e164 or raw, _decode(record[1]))
            else:
                self.file.rejected[self.file.rows] = error
                self.file.rejected_positions.append(self.file.rows)
                self._add(line, raw, _decode(record[1]) if len(record) > 1 else "")

    def _line_error(self, line: int, record: list[str], raw: str, valid: bool) -> LineError | None:
        if len(record) != 2:
            reason = f"Expected 2 fields (phone,message), found {len(record)}."
            return LineError(line, reason, "INVALID-INPUT")
        if not valid:
            return LineError(line, f"Invalid phone number {raw!r}.", "INVALID-INPUT")
        text = _decode(record[1])
        if not text.strip():
            return LineError(line, "The message is empty.", "INVALID-INPUT")
        if len(text) > self.max_length:
            reason = f"The message has {len(text)} characters; the limit is {self.max_length}."
            return LineError(line, reason, "LENGTH-ERROR")
        return None

    def _add(self, line: int, phone: str, text: str) -> None:
        text_id = self._text_ids.setdefault(text, len(self.file.texts))
        if text_id == len(self.file.texts):
            self.file.texts.append(text)
        self.file.phones.append(phone)
        self.file.text_of.append(text_id)
        self.file.lines.append(line)


def _records(stream: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    """Every non-blank CSV record with the file line it starts on."""
    reader = csv.reader(stream)
    previous_end = 0
    for record in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if len(record) > 1 or (record and record[0].strip()):
            yield start, record


def _decode(text: str) -> str:
    """The message as sent: RocketCOMS's ``\\n`` escape is a line feed."""
    return text.replace("\\n", "\n")


# -- a batch on the sandbox clock -------------------------------------------------------------
@dataclass(slots=True)
class Batch:
    id: str
    campaign_id: str
    external_id: str
    description: str
    start_date: date
    end_date: date | None
    window: tuple[time, time] | None
    shortlink: bool
    file: BatchFile
    created_at: datetime
    updated_at: datetime
    rate: int
    scheduled_at: datetime | None = None  # when action=SCHEDULE was accepted
    # network failures among the first ``scanned`` rows in sending order, counted lazily
    scanned: int = 0
    scan_position: int = 0
    network_failed: int = 0

    @property
    def starts(self) -> datetime:
        assert self.scheduled_at is not None
        return max(datetime.combine(self.start_date, time(), UTC), self.scheduled_at)

    @property
    def stops(self) -> datetime | None:
        if self.end_date is None:
            return None
        return datetime.combine(self.end_date + timedelta(days=1), time(), UTC)

    def handled(self, now: datetime) -> int:
        """Accepted rows sent by ``now``."""
        if self.scheduled_at is None:
            return 0
        return delivered_by(
            self.file.accepted,
            self.rate,
            self.starts,
            now,
            zone=UTC,
            window=self.window,
            end_date=self.end_date,
        )

    def expired(self, now: datetime) -> bool:
        stops = self.stops
        return stops is not None and now >= stops and self.handled(now) < self.file.accepted

    def status(self, now: datetime) -> str:
        if self.scheduled_at is None:
            return "CREATED"
        if self.file.accepted == 0:
            return "ERROR"
        handled = self.handled(now)
        if handled >= self.file.accepted or self.expired(now):
            return "COMPLETED"
        return "IN_PROCESS" if handled else "PENDING"

    def sent_at(self, count: int) -> datetime:
        """When the ``count``-th message of the sending order went out."""
        needed = count * 60 / self.rate
        if self.window is None:
            return self.starts + timedelta(seconds=needed)
        day = self.starts.date() - timedelta(days=1)
        left = needed
        while True:
            begin, end = _span(day, self.window)
            low = max(begin, self.starts)
            if end > low:
                length = (end - low).total_seconds()
                if length >= left:
                    return low + timedelta(seconds=left)
                left -= length
            day += timedelta(days=1)

    def finished_at(self, now: datetime) -> datetime | None:
        if self.status(now) != "COMPLETED":
            return None
        if self.expired(now):
            return self.stops
        return self.sent_at(self.file.accepted)

    def count_network_failures(self, upto: int, failure_percent: int) -> int:
        """Network failures among the first ``upto`` rows sent, scanning each row once."""
        file = self.file
        while self.scanned < upto:
            position = self.scan_position
            self.scan_position += 1
            if position in file.rejected:
                continue
            if network_outcome(file.phones[position], failure_percent):
                self.network_failed += 1
            self.scanned += 1
        return self.network_failed


def _span(day: date, window: tuple[time, time]) -> tuple[datetime, datetime]:
    """The window opening on ``day`` (UTC); it may end on the next day."""
    first, last = window
    end_day = day if first < last else day + timedelta(days=1)
    return datetime.combine(day, first, UTC), datetime.combine(end_day, last, UTC)


# -- request parsing --------------------------------------------------------------------------
def _parse_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad_request(f"{name} must be a date written YYYY-MM-DD, not {value!r}.") from None


def _parse_time(value: str, name: str) -> time:
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise _bad_request(f"{name} must be a time written hh:mm, not {value!r}.") from None
    if len(value) < 5:
        raise _bad_request(f"{name} must be a time written hh:mm, not {value!r}.")
    return parsed


def _parse_bool(value: str, name: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise _bad_request(f"{name} must be true or false, not {value!r}.")
    return value.lower() == "true"


def _parse_int(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad_request(f"{name} must be a whole number, not {value!r}.") from None
    if not low <= number <= high:
        raise _bad_request(f"{name} must be between {low} and {high}, not {number}.")
    return number


def _parse_uuid(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _bad_request(f"{name} must be a UUID, not {value!r}.") from None


def _parse_action(params: dict[str, str]) -> str:
    action = params.get("action") or "SCHEDULE"
    if action not in ("VALIDATE", "SCHEDULE"):
        raise _bad_request(f"action must be VALIDATE or SCHEDULE, not {action!r}.")
    return action


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _envelope(
    result: Any, *, code: str = "0000", message: str = "OK", status: int = 200
) -> Response:
    return JSONResponse({"status": code, "message": message, "result": result}, status_code=status)


# -- the app ----------------------------------------------------------------------------------
Handler = Callable[[Request], Awaitable[Response]]


class RocketComsSandbox:
    def __init__(self, env: SandboxEnv) -> None:
        self.env = env
        self.batches: dict[str, Batch] = {}

    def setting(self, key: str) -> Any:
        return self.env.settings.get(key, DEFAULT_SETTINGS[key])

    def now(self) -> datetime:
        return self.env.clock.now()

    def endpoint(self, handler: Handler) -> Handler:
        """Check the credentials, then answer errors in RocketCOMS's format."""

        async def wrapped(request: Request) -> Response:
            try:
                _authenticate(request.headers.get("authorization", ""))
                return await handler(request)
            except ApiError as exc:
                body = error_body(exc.code, exc.message, self.now())
                return JSONResponse(body, status_code=exc.http_status)

        return wrapped

    def batch(self, request: Request) -> Batch:
        batch_id = request.path_params["batch_id"]
        found = self.batches.get(batch_id)
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"Batch {batch_id} was not found.")
        return found

    # -- uploads ------------------------------------------------------------------------------
    async def create(self, request: Request) -> Response:
        params = dict(request.query_params)
        for name in ("campaignId", "externalId", "startDate"):
            if not params.get(name):
                raise _bad_request(f"The query parameter {name} is required.")
        campaign_id = _parse_uuid(params["campaignId"], "campaignId")
        if campaign_id in {str(c) for c in self.setting("rocketcoms.unregistered_campaigns")}:
            raise ApiError(
                403,
                "FORBIDDEN",
                f"Campaign {campaign_id} is not registered with The Campaign Registry.",
            )
        action = _parse_action(params)
        settings = self.batch_settings(params, None)
        file = await self.read_file(request)
        now = self.now()
        batch = Batch(
            id=str(uuid.uuid4()),
            campaign_id=campaign_id,
            file=file,
            created_at=now,
            updated_at=now,
            rate=int(self.setting("rocketcoms.send_rate_per_minute")),
            scheduled_at=now if action == "SCHEDULE" else None,
            **settings,
        )
        self.batches[batch.id] = batch
        result = self.batch_json(batch)
        return _envelope(
            result, code="0010", message="Batch created. CSV file is in progress", status=201
        )

    async def update(self, request: Request) -> Response:
        batch = self.batch(request)
        self.require_created(batch, "updated")
        params = dict(request.query_params)
        action = _parse_action(params)
        settings = self.batch_settings(params, batch)
        if action == "SCHEDULE" and settings["start_date"] < self.now().date():
            raise _bad_request(f"startDate {settings['start_date']} is in the past.")
        file = await self.read_file(request)
        for name, value in settings.items():
            setattr(batch, name, value)
        batch.file = file
        batch.updated_at = self.now()
        if action == "SCHEDULE":
            batch.scheduled_at = batch.updated_at
        result = self.batch_json(batch)
        return _envelope(result, code="0010", message="Batch updated. CSV file is in progress")

    def batch_settings(self, params: dict[str, str], current: Batch | None) -> dict[str, Any]:
        """The batch fields the query sets, falling back to ``current``'s on a PATCH."""

        def get(name: str) -> str | None:
            value = params.get(name)
            return value if value not in (None, "") else None

        start = get("startDate")
        end = get("endDate")
        start_date = _parse_date(start, "startDate") if start else current and current.start_date
        assert start_date is not None
        end_date = _parse_date(end, "endDate") if end else current and current.end_date
        if start and start_date < self.now().date():
            raise _bad_request(f"startDate {start_date} is in the past.")
        if end_date is not None and end_date < start_date:
            raise _bad_request("endDate is before startDate.")
        first, last = get("startTime"), get("endTime")
        if (first is None) != (last is None):
            raise _bad_request("startTime and endTime must be given together.")
        window = current.window if current else None
        if first and last:
            window = (_parse_time(first, "startTime"), _parse_time(last, "endTime"))
            if window[0] == window[1]:
                raise _bad_request("startTime and endTime must differ.")
        shortlink = get("shortlink")
        return {
            "external_id": get("externalId") or (current.external_id if current else ""),
            "description": params.get("description", current.description if current else ""),
            "start_date": start_date,
            "end_date": end_date,
            "window": window,
            "shortlink": _parse_bool(shortlink, "shortlink")
            if shortlink
            else bool(current and current.shortlink),
        }

    async def read_file(self, request: Request) -> BatchFile:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise _bad_request("The request body must be multipart/form-data with a file part.")
        # Starlette streams the body through python-multipart and spools the file to disk
        # beyond 1 MB, so a million-line upload never sits in memory whole.
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise _bad_request("The multipart body has no file part named 'file'.")
            reader = FileReader(int(self.setting("rocketcoms.max_message_length")))
            return await run_in_threadpool(_read_upload, reader, upload)

    # -- reads --------------------------------------------------------------------------------
    async def get(self, request: Request) -> Response:
        return JSONResponse(self.batch_json(self.batch(request)))

    async def list(self, request: Request) -> Response:
        params = dict(request.query_params)
        status = params.get("status")
        if status and status not in BATCH_STATUSES:
            allowed = ", ".join(BATCH_STATUSES)
            raise _bad_request(f"status must be one of {allowed}, not {status!r}.")
        now = self.now()
        rows = [self.batch_json(b, now) for b in self.batches.values()]
        rows = [row for row in rows if _matches(row, params)]
        sort_by = params.get("sortBy") or "createdAt"
        direction = params.get("sortDir") or "asc"
        if direction not in ("asc", "desc"):
            raise _bad_request(f"sortDir must be asc or desc, not {direction!r}.")
        rows.sort(key=lambda row: str(row.get(sort_by) or ""), reverse=direction == "desc")
        return _envelope(self.page(rows, params))

    def page(self, rows: list[Any], params: dict[str, str]) -> dict[str, Any]:
        page, size = self.paging(params)
        content = rows[page * size : (page + 1) * size]
        return {"content": content, "page": page, "total": len(rows), "pageSize": size}

    def paging(self, params: dict[str, str]) -> tuple[int, int]:
        biggest = int(self.setting("rocketcoms.max_page_size"))
        page = _parse_int(params, "page", 0, 0, 10**9)
        size = _parse_int(
            params, "pageSize", int(self.setting("rocketcoms.default_page_size")), 1, biggest
        )
        return page, size

    async def errors(self, request: Request) -> Response:
        batch = self.batch(request)
        params = dict(request.query_params)
        verbose = _parse_bool(params.get("verbose") or "false", "verbose")
        rejected = [batch.file.rejected[p] for p in batch.file.rejected_positions]
        page, size = self.paging(params)
        result: dict[str, Any] = {"fileErrors": len(rejected)}
        if verbose:
            chosen = rejected[page * size : (page + 1) * size]
            result["content"] = [{"line": e.line, "detailMessage": e.message} for e in chosen]
        result.update({"page": page, "total": len(rejected), "pageSize": size})
        return _envelope(result)

    async def report(self, request: Request) -> Response:
        batch = self.batch(request)
        page, size = self.paging(dict(request.query_params))
        now = self.now()
        stop = min((page + 1) * size, batch.file.rows)
        content = [self.message_json(batch, p, now) for p in range(page * size, stop)]
        result = {"content": content, "page": page, "total": batch.file.rows, "pageSize": size}
        return _envelope(result)

    async def insights(self, request: Request) -> Response:
        batch = self.batch(request)
        now = self.now()
        file = batch.file
        sent = batch.handled(now)
        network_failed = batch.count_network_failures(sent, self.env.failure_percent)
        expired = file.accepted - sent if batch.expired(now) else 0
        waiting = 0 if batch.scheduled_at is None else file.accepted - sent - expired
        result = {
            "submitted": file.rows,
            "processed": len(file.rejected) + sent + expired,
            "rejected": len(file.rejected),
            "sent": sent,
            "delivered": sent - network_failed,
            "failed": network_failed + expired,
            "inProgress": waiting,
        }
        return _envelope(result)

    async def delete(self, request: Request) -> Response:
        batch = self.batch(request)
        self.require_created(batch, "deleted")
        del self.batches[batch.id]
        return PlainTextResponse("Batch was successfully deleted")

    def require_created(self, batch: Batch, what: str) -> None:
        status = batch.status(self.now())
        if status != "CREATED":
            raise ApiError(
                400,
                "INVALID_BATCH_STATUS",
                f"Only a batch with status CREATED can be {what}; this one is {status}.",
            )

    # -- JSON ---------------------------------------------------------------------------------
    def batch_json(self, batch: Batch, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.now()
        window = batch.window
        return {
            "id": batch.id,
            "campaignId": batch.campaign_id,
            "description": batch.description,
            "externalId": batch.external_id,
            "startDate": batch.start_date.isoformat(),
            "endDate": batch.end_date.isoformat() if batch.end_date else None,
            "startTime": window[0].isoformat() if window else None,
            "endTime": window[1].isoformat() if window else None,
            "shortlink": batch.shortlink,
            "status": batch.status(now),
            "createdAt": _iso(batch.created_at),
            "updatedAt": _iso(batch.updated_at),
            "finishedAt": _iso(batch.finished_at(now)),
        }

    def message_json(self, batch: Batch, position: int, now: datetime) -> dict[str, Any]:
        file = batch.file
        phone = file.phones[position]
        digits = "".join(c for c in phone if c.isdigit())
        status, sent_at = self.message_status(batch, position, now)
        return {
            "id": str(uuid.uuid5(uuid.UUID(batch.id), str(position))),
            "batchId": batch.id,
            "campaignId": batch.campaign_id,
            "destinationNumber": int(digits) if digits else None,
            "messageText": file.texts[file.text_of[position]],
            "destinationFormat": 1 if phone.startswith("+") else 0,
            "additionalData": "",
            "status": status,
            "createdAt": _iso(batch.updated_at),
            "retrievedAt": _iso(sent_at),
            "sentAt": _iso(sent_at),
            "confirmedAt": _iso(sent_at),
        }

    def message_status(
        self, batch: Batch, position: int, now: datetime
    ) -> tuple[str, datetime | None]:
        file = batch.file
        error = file.rejected.get(position)
        if error is not None:
            return error.message_status, None
        rank = file.rank(position)
        if rank < batch.handled(now):
            failure = network_outcome(file.phones[position], self.env.failure_percent)
            return ("FAILED" if failure else "DELIVERED"), batch.sent_at(rank + 1)
        if batch.expired(now):
            return "FAILED", None
        return "PENDING", None


def _read_upload(reader: FileReader, upload: UploadFile) -> BatchFile:
    upload.file.seek(0)
    stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
    try:
        return reader.read(stream)
    except UnicodeDecodeError:
        raise _bad_request("The file is not valid UTF-8 text.") from None
    except csv.Error as exc:
        raise _bad_request(f"The file is not a readable CSV: {exc}.") from None
    finally:
        stream.detach()


def _matches(row: dict[str, Any], params: dict[str, str]) -> bool:
    """The list filters: exact matches, and date ranges on startDate and endDate."""
    for name in ("campaignId", "status"):
        if params.get(name) and row[name] != params[name]:
            return False
    for field_name in ("startDate", "endDate"):
        value = row[field_name]
        low, high = params.get(f"{field_name}From"), params.get(f"{field_name}To")
        if low and (value is None or value < _parse_date(low, f"{field_name}From").isoformat()):
            return False
        if high and (value is None or value > _parse_date(high, f"{field_name}To").isoformat()):
            return False
    return True


def _authenticate(header: str) -> None:
    """Basic ``api-key:api-secret`` or a Bearer token; the sandbox's are all "sandbox"."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip() == "sandbox":
        return
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if decoded == "sandbox:sandbox":
            return
    raise ApiError(401, "UNAUTHORIZED", "The access token is missing or invalid.")


def create_app(env: SandboxEnv) -> Starlette:
    sandbox = RocketComsSandbox(env)
    env.parts["rocketcoms"] = sandbox
    guard = sandbox.endpoint
    return Starlette(
        exception_handlers=http_error_handlers(refusal),
        routes=[
            Route("/v1/batches", guard(sandbox.create), methods=["POST"]),
            Route("/v1/batches", guard(sandbox.list), methods=["GET"]),
            Route("/v1/batches/{batch_id}", guard(sandbox.get), methods=["GET"]),
            Route("/v1/batches/{batch_id}", guard(sandbox.update), methods=["PATCH"]),
            Route("/v1/batches/{batch_id}", guard(sandbox.delete), methods=["DELETE"]),
            Route("/v1/batches/{batch_id}/errors", guard(sandbox.errors), methods=["GET"]),
            Route("/v1/batches/{batch_id}/report", guard(sandbox.report), methods=["GET"]),
            Route("/v1/insights/campaigns/{batch_id}", guard(sandbox.insights), methods=["GET"]),
        ],
    )
