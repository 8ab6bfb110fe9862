"""A simulator of Cordial's Batch Messages API (seed 003, PROVIDERS.md section 4).

Mounted at ``/cordial``, it serves ``/v2/batchmessages...``. A batch message is created as a
``draft``; ``PUT .../send`` makes it ``scheduled`` (with a schedule) or ``pending`` (without);
it becomes ``processing`` when sending starts and ``sent`` when its audience is done, all
computed from the sandbox clock on each request. Cordial addresses a saved audience, not a
list of numbers: the sandbox knows the audiences in ``env.settings["cordial.audiences"]``.

Where the public material is silent the sandbox makes a conservative guess, kept as a key of
``env.settings`` (see ``DEFAULTS``) and commented where it is used.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.sandbox.audience import Audience
from app.sandbox.core import BadJson, SandboxEnv, delivered_by, http_error_handlers, parse_json

DEFAULTS: dict[str, Any] = {
    # Saved audiences: key -> number of contacts (synthetic UK mobiles) or a list of E.164
    # numbers. Any other audience-key gets BATCH_MESSAGES_AUDIENCE_NOT_FOUND.
    "cordial.audiences": {"all-sms": 1000},
    # Channel keys configured on the sandbox account (CHANNELS_KEY_NOT_FOUND otherwise).
    "cordial.channels": ["email", "sms", "push"],
    # Delivery speed once a message is processing (gap: Cordial publishes no rate).
    "cordial.send_rate_per_minute": 600,
    # How long an unscheduled send waits in the queue as "pending" before "processing"
    # (gap: not documented; a minute lets an operator still pause or cancel it).
    "cordial.queue_seconds": 60,
    # Requests per minute per method + endpoint before 429 (gap: Cordial documents the
    # headers, not the numbers).
    "cordial.rate_limit_per_minute": 1000,
    # Statuses in which DELETE is accepted (gap: the seed only says drafts can be deleted;
    # conservative: nothing else is).
    "cordial.deletable_statuses": ["draft"],
}

ROUTE_PREFIX = "/v2/batchmessages"
UTC_ZONE = ZoneInfo("UTC")

#: HTTP status per errorKey. The seed lists keys and messages but no statuses: the sandbox
#: answers 404 for a missing record, 409 when the message's status forbids the call and 422
#: for a request it cannot accept (the v1 recorded bodies use 422 and 404).
STATUS_OF_KEY: dict[str, int] = {
    "RECORD_NOT_FOUND": 404,
    "BATCH_MESSAGES_CANNOT_EDIT_SENT_MESSAGE": 409,
    "BATCH_MESSAGES_STATUS_ERROR": 409,
    "BATCH_MESSAGES_CANNOT_UNSCHEDULE_PROCESSING_MESSAGE": 409,
    "BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_SCHEDULED": 409,
    "BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_PENDING": 409,
    "BATCH_MESSAGES_REMOVE_REQUEST_NOT_ALLOWED": 409,
    "UNAUTHORIZED": 401,
    "EXCEEDED_RATE_LIMIT": 429,
    "INTERNAL_ERROR": 500,
}

#: The SMS content key. The seed's example is an email with ``text/html``; ``text/plain``
#: for sms is this sandbox's assumption.
SMS_CONTENT_KEY = "text/plain"


def error(key: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Cordial's error object. The seed says "an error object with an errorKey and message";
    the ``{"error": true, ...}`` envelope is from the v1 recorded bodies (an assumption)."""
    body = {"error": True, "errorKey": key, "message": message}
    return JSONResponse(body, status_code=STATUS_OF_KEY.get(key, 422), headers=headers)


#: errorKey of a request refused before any handler, by HTTP status (sandbox guesses: the seed
#: lists no key for them).
REFUSAL_KEYS: dict[int, str] = {
    404: "RECORD_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
}


def refusal(status: int, message: str) -> Response:
    """A request refused before any handler (no such route, a body too large), in Cordial's
    error format."""
    body = {
        "error": True,
        "errorKey": REFUSAL_KEYS.get(status, "VALIDATION_ERROR"),
        "message": message,
    }
    return JSONResponse(body, status_code=status)


def fault_response(status: int, retry_after: float | None) -> Response:
    """An injected 429 or 5xx in Cordial's format (429 itself is an assumption: the rate-limit
    article names the headers, not the status code)."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    if status == 429:
        return error("EXCEEDED_RATE_LIMIT", "Rate limit exceeded", headers)
    return JSONResponse(
        {"error": True, "errorKey": "INTERNAL_ERROR", "message": "Internal error"},
        status_code=status,
        headers=headers,
    )


class Rejected(Exception):
    """A request the sandbox refuses with one of Cordial's errorKeys."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


# -- audiences and outcomes ------------------------------------------------------------------
# -- batch messages ----------------------------------------------------------------------------
@dataclass
class BatchMessage:
    id: str
    body: dict[str, Any]
    created: datetime
    status: str = "draft"
    audience: Audience | None = None
    queued_at: datetime | None = None  # when it became pending
    started_at: datetime | None = None  # when processing (re)started
    sent_before: int = 0  # messages out before the last pause
    paused_from: str | None = None
    sent_count: int = 0
    finished_at: datetime | None = None
    history: list[str] = field(default_factory=list)

    @property
    def schedule(self) -> datetime | None:
        return parse_time(self.body.get("schedule"))


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as Cordial takes it (``2018-01-09T22:47:12+0000``); naive means UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Rejected("BATCH_MESSAGES_SCHEDULE_ERROR", "sendSchedule is required") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class CordialSandbox:
    def __init__(self, env: SandboxEnv) -> None:
        self.env = env
        for key, value in DEFAULTS.items():
            env.settings.setdefault(key, value)
        self.messages: dict[str, BatchMessage] = {}
        self._last_id = 0  # a plain number, so that the state file can hold it
        self._audiences: dict[str, Audience] = {}
        self._hits: dict[tuple[str, str], int] = {}
        self._minute = -1

    def setting(self, key: str) -> Any:
        return self.env.settings.get(key, DEFAULTS[key])

    def now(self) -> datetime:
        return self.env.clock.now()

    # -- progress on the clock ------------------------------------------------------------
    def advance(self, msg: BatchMessage) -> None:
        """Bring ``msg`` up to the sandbox clock: start, deliver, finish."""
        now = self.now()
        if msg.status == "scheduled" and msg.schedule is not None and now >= msg.schedule:
            self._start(msg, msg.schedule)
        if msg.status == "pending" and msg.queued_at is not None:
            begins = msg.queued_at.timestamp() + float(self.setting("cordial.queue_seconds"))
            if now.timestamp() >= begins:
                self._start(msg, datetime.fromtimestamp(begins, UTC))
        if msg.status == "processing" and msg.started_at is not None and msg.audience:
            msg.sent_count = delivered_by(
                msg.audience.size,
                int(self.setting("cordial.send_rate_per_minute")),
                msg.started_at,
                now,
                zone=UTC_ZONE,
                already=msg.sent_before,
            )
            if msg.sent_count >= msg.audience.size:
                msg.status = "sent"
                msg.finished_at = now

    def _start(self, msg: BatchMessage, at: datetime) -> None:
        msg.status = "processing"
        msg.started_at = at
        msg.history.append("processing")

    def view(self, msg: BatchMessage) -> dict[str, Any]:
        self.advance(msg)
        audience = msg.audience
        total = audience.size if audience else 0
        failed = audience.failed_before(msg.sent_count) if audience else 0
        return {
            **msg.body,
            "id": msg.id,
            "status": msg.status,
            "ct": msg.created.isoformat(),
            "sendTime": msg.started_at.isoformat() if msg.started_at else None,
            # Progress counts: the field names are a gap; the sandbox's own choice.
            "stats": {
                "total": total,
                "sent": msg.sent_count,
                "delivered": msg.sent_count - failed,
                "failed": failed,
            },
        }

    # -- validation of a body -------------------------------------------------------------
    def audience(self, key: str) -> Audience:
        known = self.setting("cordial.audiences")
        if key not in known:
            raise Rejected(
                "BATCH_MESSAGES_AUDIENCE_NOT_FOUND", f"Audience with name: '{key}' does not exist."
            )
        if key not in self._audiences:
            self._audiences[key] = Audience.of(known[key], self.env.failure_percent)
        return self._audiences[key]

    def check_body(self, body: dict[str, Any]) -> Audience:
        """Apply the rules of a POST/PUT body; return the audience it addresses."""
        for required in ("channel", "classification"):
            if not body.get(required):
                raise Rejected("VALIDATION_ERROR", f"The {required} field is required.")
        channel = body["channel"]
        if channel not in self.setting("cordial.channels"):
            raise Rejected("CHANNELS_KEY_NOT_FOUND", "Incorrect channel for current account")
        classification = body["classification"]
        if classification not in ("promotional", "transactional"):
            raise Rejected("VALIDATION_ERROR", "The classification field is invalid.")
        if channel == "sms" and classification == "transactional":
            raise Rejected(
                "BATCH_MESSAGES_SMS_TRANSACTIONAL_MESSAGES_NOT_ALLOWED",
                "Transactional messages are not allowed for messages of type sms.",
            )
        if body.get("audience") and body.get("audience-key"):
            raise Rejected(
                "BATCH_MESSAGES_AUDIENCE_FILTER_CONFLICT",
                "Please use only one from existing filters 'audience' OR 'audience-key'",
            )
        message = body.get("message")
        if message is not None and not isinstance(message, dict):
            raise Rejected("VALIDATION_ERROR", "The message field must be an object.")
        content = (message or {}).get("content")
        if content is not None and not isinstance(content, dict):
            raise Rejected("VALIDATION_ERROR", "The message.content field must be an object.")
        if channel == "sms":
            text = (content or {}).get(SMS_CONTENT_KEY)
            if not isinstance(text, str) or not text:
                raise Rejected("VALIDATION_ERROR", f"The content {SMS_CONTENT_KEY} is required.")
        tags = body.get("tags")
        if tags is not None and not (
            isinstance(tags, list) and all(isinstance(t, str) for t in tags)
        ):
            raise Rejected("VALIDATION_ERROR", "The tags field must be an array of strings.")
        schedule = parse_time(body.get("schedule"))
        # [seed] scheduleType contactTZ sends at the scheduled time of each contact's zone.
        # Sandbox guess: its contacts all live at the schedule's offset, so the time is one
        # moment; any other value is refused as the field's only documented one is contactTZ.
        if body.get("scheduleType") not in (None, "", "contactTZ"):
            raise Rejected("VALIDATION_ERROR", "The scheduleType field must be contactTZ.")
        if body.get("scheduleType") and schedule is None:
            raise Rejected("BATCH_MESSAGES_SCHEDULE_ERROR", "sendSchedule is required")
        if schedule is not None and schedule <= self.now():
            raise Rejected("BATCH_MESSAGES_SCHEDULE_ERROR", "Time is in the past.")
        key = body.get("audience-key")
        if not isinstance(key, str) or not key:
            # Gap: what Cordial does without an audience (all contacts?). The sandbox refuses.
            raise Rejected("VALIDATION_ERROR", "The audience-key field is required.")
        return self.audience(key)

    # -- rate limiting ------------------------------------------------------------------------
    def rate_headers(self, method: str, route: str) -> tuple[dict[str, str], bool]:
        """X-Rate-Limit-* headers for this call and whether it is over the limit."""
        limit = int(self.setting("cordial.rate_limit_per_minute"))
        now = self.now().timestamp()
        minute = int(now // 60)
        if self._minute != minute:  # a new window: only the current minute is counted
            self._minute, self._hits = minute, {}
        key = (method, route)
        self._hits[key] = self._hits.get(key, 0) + 1
        used = self._hits[key]
        reset = max(1, math.ceil((minute + 1) * 60 - now))
        headers = {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(0, limit - used)),
            "X-Rate-Limit-Reset": str(reset),
        }
        if used > limit:
            headers["Retry-After"] = str(reset)
        return headers, used > limit

    def new_id(self) -> str:
        """An id shaped like the seed's ``252:58ffed51f0c36063476c1752:ot``."""
        self._last_id += 1
        return f"252:{self._last_id:024x}:ot"


Handler = Callable[[CordialSandbox, Request], Awaitable[Any]]


def endpoint(route: str, handler: Handler, sandbox: CordialSandbox) -> Callable[..., Any]:
    """Wrap a handler with auth, rate limiting and errorKey rendering."""

    async def run(request: Request) -> Response:
        if not authorised(request.headers.get("authorization", "")):
            # Gap: Cordial's auth failure body; the sandbox answers in its error format.
            return error("UNAUTHORIZED", "Invalid API key")
        headers, limited = sandbox.rate_headers(request.method, route)
        if limited:
            return error("EXCEEDED_RATE_LIMIT", "Rate limit exceeded", headers)
        try:
            result = await handler(sandbox, request)
        except Rejected as exc:
            return error(exc.key, exc.message, headers)
        if result is None:
            return Response(status_code=204, headers=headers)
        return JSONResponse(result, headers=headers)

    return run


def authorised(header: str) -> bool:
    """Basic auth with the API key as user name and an empty password."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == "sandbox" and password == ""


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = parse_json(await request.body() or b"{}")
    except BadJson as exc:
        raise Rejected("VALIDATION_ERROR", str(exc)) from None
    if not isinstance(body, dict):
        raise Rejected("VALIDATION_ERROR", "The request body must be a JSON object.")
    return body


def find(sandbox: CordialSandbox, request: Request) -> BatchMessage:
    msg = sandbox.messages.get(request.path_params["id"])
    if msg is None:
        raise Rejected("RECORD_NOT_FOUND", "Batch Message does not exist")
    sandbox.advance(msg)
    return msg


# -- handlers ----------------------------------------------------------------------------------
async def create(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    body = await json_body(request)
    body.pop("status", None)
    audience = sandbox.check_body(body)
    msg = BatchMessage(sandbox.new_id(), body, sandbox.now(), audience=audience)
    sandbox.messages[msg.id] = msg
    return sandbox.view(msg)


async def list_messages(sandbox: CordialSandbox, request: Request) -> list[dict[str, Any]]:
    """The list is a bare JSON array (assumption: Cordial's v2 list calls answer arrays)."""
    q = request.query_params
    try:
        page = max(1, int(q.get("page", "1")))
        per_page = max(1, min(1000, int(q.get("per_page", "25"))))
    except ValueError as exc:
        raise Rejected("VALIDATION_ERROR", "page and per_page must be integers.") from exc
    views = [sandbox.view(m) for m in sandbox.messages.values()]
    if "status" in q:
        views = [v for v in views if v["status"] == q["status"]]
    if "tags" in q:
        views = [v for v in views if q["tags"] in (v.get("tags") or [])]
    views = [v for v in views if _in_ranges(v, q)]
    sort_by = q.get("sort_by", "ct")
    views.sort(key=lambda v: str(v.get(sort_by) or ""), reverse=q.get("sort_dir") == "desc")
    return views[(page - 1) * per_page : page * per_page]


def _in_ranges(view: dict[str, Any], query: Any) -> bool:
    """The ``sendTime[gt]``/``ct[lte]``... filters."""
    tests = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    for name in ("sendTime", "ct"):
        for op, test in tests.items():
            bound = query.get(f"{name}[{op}]")
            if bound is None:
                continue
            value = parse_time(view.get(name))
            limit = parse_time(bound)
            if value is None or limit is None or not test(value, limit):
                return False
    return True


async def get_one(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    return sandbox.view(find(sandbox, request))


async def update(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    msg = find(sandbox, request)
    if msg.status != "draft":
        raise Rejected("BATCH_MESSAGES_CANNOT_EDIT_SENT_MESSAGE", "Can't be changed")
    body = {**msg.body, **(await json_body(request))}
    body.pop("status", None)
    msg.audience = sandbox.check_body(body)
    msg.body = body
    return sandbox.view(msg)


async def delete(sandbox: CordialSandbox, request: Request) -> None:
    msg = find(sandbox, request)
    if msg.status not in sandbox.setting("cordial.deletable_statuses"):
        raise Rejected(
            "BATCH_MESSAGES_REMOVE_REQUEST_NOT_ALLOWED", "It's not allowed to remove this message."
        )
    del sandbox.messages[msg.id]


async def send(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    msg = find(sandbox, request)
    schedule = msg.schedule
    if msg.status != "draft":
        key = "SCHEDULED" if schedule else "PENDING"
        raise Rejected(
            f"BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_{key}",
            f"Batch messages cannot update status to {key.lower()}.",
        )
    if schedule is not None and schedule <= sandbox.now():
        raise Rejected("BATCH_MESSAGES_SCHEDULE_ERROR", "Time is in the past.")
    msg.audience = sandbox.check_body(msg.body)
    msg.sent_before = msg.sent_count = 0
    if schedule is not None:
        msg.status = "scheduled"
    else:
        msg.status = "pending"
        msg.queued_at = sandbox.now()
    msg.history.append(msg.status)
    return sandbox.view(msg)


async def send_test(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    """Test sends go to the listed contacts at once; nothing about the message changes."""
    find(sandbox, request)
    body = await json_body(request)
    lists = [v for v in body.values() if isinstance(v, list) and v]
    if len(lists) != 1 or not all(isinstance(x, str) and x for x in lists[0]):
        raise Rejected("BATCH_MESSAGES_TEST_ERROR", "Not enough parameters")
    return {"success": True, "sent": len(lists[0])}


async def pause(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    msg = find(sandbox, request)
    if msg.status not in ("pending", "processing"):
        raise Rejected("BATCH_MESSAGES_STATUS_ERROR", f"A {msg.status} message cannot be paused")
    msg.paused_from, msg.status = msg.status, "paused"
    msg.sent_before = msg.sent_count
    msg.history.append("paused")
    return sandbox.view(msg)


async def resume(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    """Resume carries on from the next contact, never re-sending to those already sent."""
    msg = find(sandbox, request)
    if msg.status == "cancelled":
        raise Rejected("BATCH_MESSAGES_STATUS_ERROR", "Message canceled and can't be resumed")
    if msg.status != "paused":
        raise Rejected("BATCH_MESSAGES_STATUS_ERROR", f"A {msg.status} message cannot be resumed")
    if msg.paused_from == "pending":
        msg.status, msg.queued_at = "pending", sandbox.now()
    else:
        msg.status, msg.started_at = "processing", sandbox.now()
    msg.history.append(msg.status)
    return sandbox.view(msg)


async def cancel(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    msg = find(sandbox, request)
    if msg.status == "cancelled":
        raise Rejected("BATCH_MESSAGES_STATUS_ERROR", "Message already canceled")
    if msg.status not in ("scheduled", "pending", "processing", "paused"):
        raise Rejected("BATCH_MESSAGES_STATUS_ERROR", f"A {msg.status} message cannot be canceled")
    msg.status = "cancelled"
    msg.history.append("cancelled")
    return sandbox.view(msg)


async def unschedule(sandbox: CordialSandbox, request: Request) -> dict[str, Any]:
    msg = find(sandbox, request)
    if msg.status == "processing":
        raise Rejected(
            "BATCH_MESSAGES_CANNOT_UNSCHEDULE_PROCESSING_MESSAGE", "Unable to unschedule message"
        )
    if msg.status != "scheduled":
        raise Rejected(
            "BATCH_MESSAGES_STATUS_ERROR", f"A {msg.status} message cannot be unscheduled"
        )
    msg.status = "draft"
    msg.history.append("draft")
    return sandbox.view(msg)


def create_app(env: SandboxEnv) -> Starlette:
    sandbox = CordialSandbox(env)
    one = ROUTE_PREFIX + "/{id}"
    table: list[tuple[str, str, Handler]] = [
        (ROUTE_PREFIX, "POST", create),
        (ROUTE_PREFIX, "GET", list_messages),
        (one, "GET", get_one),
        (one, "PUT", update),
        (one, "DELETE", delete),
        (one + "/send", "PUT", send),
        (one + "/sendtest", "PUT", send_test),
        (one + "/pause", "PUT", pause),
        (one + "/resume", "PUT", resume),
        (one + "/cancel", "PUT", cancel),
        (one + "/unschedule", "PUT", unschedule),
    ]
    routes = [
        Route(path, endpoint(path, handler, sandbox), methods=[method])
        for path, method, handler in table
    ]
    app = Starlette(routes=routes, exception_handlers=http_error_handlers(refusal))
    app.state.cordial = sandbox
    env.parts["cordial"] = sandbox
    return app
