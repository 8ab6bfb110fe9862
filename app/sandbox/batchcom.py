"""A simulator of Batch's (batch.com) Campaigns and Orchestrations APIs (seed 004,
PROVIDERS.md section 5).

Mounted at ``/batch``, it serves ``/2.8/campaigns/{create,update,delete}`` and
``/2.8/orchestrations/{list,view,stats}``. A campaign's ``state`` is DRAFT, RUNNING or STOPPED
(STOPPED is Batch's pause, RUNNING again its resume); a running one-off campaign starts at its
``when.start_time``, delivers at its ``send_rate`` to the SMS-opted-in profiles its
``targeting`` selects, and completes. Everything is computed from the sandbox clock on each
request. Authentication is checked before anything else, routing included.

Where the public material is silent the sandbox makes a conservative guess, kept as a key of
``env.settings`` (see ``DEFAULTS``) or commented where it is used.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.sandbox.audience import Audience, synthetic_phone
from app.sandbox.core import BadJson, SandboxEnv, delivered_by, http_error_handlers, parse_json

DEFAULTS: dict[str, Any] = {
    # SMS-opted-in profiles of the sandbox project. Profile i has region REGIONS[i % 4] and
    # language LANGUAGES[i % 4]; targeting by regions/languages selects among them.
    "batch.profiles": 1000,
    # Speed when a campaign gives no send_rate (gap: Batch then sends "as fast as possible").
    "batch.default_send_rate_per_minute": 10_000,
    # Answer every call with MAINTENANCE_ERROR (503/2), to try an outage.
    "batch.maintenance": False,
}
REGIONS = ("FR", "GB", "US", "DE")
LANGUAGES = ("fr", "en", "en", "de")
UTC_ZONE = ZoneInfo("UTC")
SEND_RATE_RANGE = (1_000, 1_000_000)  # messages per minute [doc]
STATS_MAX_DAYS_BACK = 183  # "up to 6 months back" [doc]

#: name -> (HTTP status, Batch error code) as documented.
ERRORS: dict[str, tuple[int, int]] = {
    "AUTHENTICATION_INVALID": (401, 10),
    "API_MISUSE": (403, 12),
    "ROUTE_NOT_FOUND": (404, 20),
    "MISSING_PARAMETER": (400, 30),
    "MALFORMED_PARAMETER": (400, 31),
    "MALFORMED_JSON_BODY": (400, 32),
    "SERVER_ERROR": (500, 1),
    "MAINTENANCE_ERROR": (503, 2),
    "TOO_MANY_REQUESTS": (429, 60),
}


def error(name: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Batch's error names and codes are documented, its JSON body is not: this shape is the
    sandbox's assumption (the adapter reads it tolerantly)."""
    status, code = ERRORS[name]
    body = {"error": {"code": code, "name": name, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def refusal(status: int, message: str) -> Response:
    """A request refused before any handler, in Batch's format: no such route is
    ROUTE_NOT_FOUND, anything else (a body too large...) MALFORMED_PARAMETER, with the HTTP
    status of the refusal (413 for a body too large)."""
    name = "ROUTE_NOT_FOUND" if status in (404, 405) else "MALFORMED_PARAMETER"
    body = {"error": {"code": ERRORS[name][1], "name": name, "message": message}}
    return JSONResponse(body, status_code=404 if status == 405 else status)


def fault_response(status: int, retry_after: float | None) -> Response:
    """An injected 429 or 5xx in Batch's format."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    if status == 429:
        return error("TOO_MANY_REQUESTS", "Too many requests: wait at least 5 seconds.", headers)
    if status == 503:
        return error("MAINTENANCE_ERROR", "The API is under maintenance.", headers)
    return error("SERVER_ERROR", "Internal server error.", headers)


class Rejected(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


# -- targeting ---------------------------------------------------------------------------------
def targeted_audience(targeting: dict[str, Any], profiles: int, failure_percent: int) -> Audience:
    """The profiles ``targeting`` selects by region and language, without listing them.

    ``targeting.query`` is accepted but not evaluated: the sandbox has no profile attributes.
    """
    regions = targeting.get("regions")
    languages = targeting.get("languages")
    kept = [
        r
        for r in range(len(REGIONS))
        if (not regions or REGIONS[r] in regions) and (not languages or LANGUAGES[r] in languages)
    ]
    period = len(REGIONS)
    size = sum(max(0, math.ceil((profiles - r) / period)) for r in kept)
    return Audience(size, TargetedPhones(tuple(kept), period), failure_percent)


@dataclass(frozen=True)
class TargetedPhones:
    """Profile ``k`` of a targeted audience: every ``period`` profiles, those at ``kept``
    (a class, not a closure, so that the sandbox's state file can hold it)."""

    kept: tuple[int, ...]
    period: int

    def __call__(self, k: int) -> str:
        kept = self.kept
        return synthetic_phone((k // len(kept)) * self.period + kept[k % len(kept)])


# -- campaigns ----------------------------------------------------------------------------------
@dataclass
class Run:
    """One stretch of sending: from ``begin`` (until ``end``), ``already`` sent before it."""

    begin: datetime
    already: int
    end: datetime | None = None


@dataclass
class Campaign:
    id: str
    body: dict[str, Any]
    created: datetime
    updated: datetime
    audience: Audience
    runs: list[Run] = field(default_factory=list)

    @property
    def state(self) -> str:
        return str(self.body["state"])

    @property
    def start_time(self) -> datetime | None:
        return parse_time((self.body.get("when") or {}).get("start_time"))

    def rate(self, default: int) -> int:
        return int(self.body.get("send_rate") or default)


def parse_time(value: object) -> datetime | None:
    """``start_time`` in ISO 8601. A time without offset (``local_time``) is read as UTC:
    the sandbox's profiles all live in UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejected("MALFORMED_PARAMETER", "when.start_time must be an ISO 8601 date-time.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Rejected(
            "MALFORMED_PARAMETER", "when.start_time must be an ISO 8601 date-time."
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class BatchSandbox:
    def __init__(self, env: SandboxEnv) -> None:
        self.env = env
        for key, value in DEFAULTS.items():
            env.settings.setdefault(key, value)
        self.campaigns: dict[str, Campaign] = {}
        self._last_id = 0  # a plain number, so that the state file can hold it

    def setting(self, key: str) -> Any:
        return self.env.settings.get(key, DEFAULTS[key])

    def now(self) -> datetime:
        return self.env.clock.now()

    # -- delivery on the clock ---------------------------------------------------------------
    def sent_at(self, campaign: Campaign, when: datetime) -> int:
        """How many messages had gone out by ``when``, over every run so far."""
        rate = campaign.rate(int(self.setting("batch.default_send_rate_per_minute")))
        sent = 0
        for run in campaign.runs:
            if when <= run.begin:
                break
            stop = min(when, run.end) if run.end else when
            sent = delivered_by(
                campaign.audience.size, rate, run.begin, stop, zone=UTC_ZONE, already=run.already
            )
        return sent

    def status(self, campaign: Campaign) -> str:
        """The orchestration status. Only "running" is documented; "draft", "scheduled"
        (running, before its start time), "stopped" and "completed" are this sandbox's."""
        now = self.now()
        if campaign.state == "DRAFT":
            return "draft"
        if campaign.state == "STOPPED":
            return "stopped"
        if campaign.runs and now < campaign.runs[-1].begin:
            return "scheduled"
        if self.sent_at(campaign, now) >= campaign.audience.size:
            return "completed"
        return "running"

    def start_running(self, campaign: Campaign) -> None:
        """DRAFT or STOPPED -> RUNNING: a new run from the start time or now."""
        now = self.now()
        start = campaign.start_time
        begin = max(now, start) if start is not None else now
        campaign.runs.append(Run(begin=begin, already=self.sent_at(campaign, now)))

    def stop(self, campaign: Campaign) -> None:
        """End the current run; a run that had not begun yet is dropped."""
        if not campaign.runs or campaign.runs[-1].end is not None:
            return
        if campaign.runs[-1].begin >= self.now():
            campaign.runs.pop()
        else:
            campaign.runs[-1].end = self.now()

    def view(self, campaign: Campaign) -> dict[str, Any]:
        start = campaign.start_time or (campaign.runs[0].begin if campaign.runs else None)
        return {
            "id": campaign.id,
            "type": "campaign",
            "name": campaign.body["name"],
            "status": self.status(campaign),
            "source": "api",
            "labels": campaign.body.get("labels", []),
            "channels": ["sms"],
            "created_date": campaign.created.isoformat(),
            "updated_date": campaign.updated.isoformat(),
            "start_time": start.isoformat() if start else None,
        }

    # -- validation ------------------------------------------------------------------------------
    def check_campaign(self, body: dict[str, Any], *, starting: bool) -> Audience:
        """The schema rules of a campaign; returns the audience its targeting selects."""
        for name in ("name", "state", "messages", "when"):
            if body.get(name) in (None, "", []):
                raise Rejected("MISSING_PARAMETER", f"campaign.{name} is required.")
        if not isinstance(body["name"], str):
            raise Rejected("MALFORMED_PARAMETER", "campaign.name must be a string.")
        if body["state"] not in ("DRAFT", "RUNNING", "STOPPED"):
            raise Rejected(
                "MALFORMED_PARAMETER", "campaign.state must be DRAFT, RUNNING or STOPPED."
            )
        check_messages(body["messages"])
        when = body["when"]
        if not isinstance(when, dict) or not isinstance(when.get("local_time", False), bool):
            raise Rejected("MALFORMED_PARAMETER", "campaign.when is malformed.")
        start = parse_time(when.get("start_time"))
        # Conservative: a start time that has passed is refused rather than fired late.
        if starting and start is not None and start <= self.now():
            raise Rejected("MALFORMED_PARAMETER", "when.start_time is in the past.")
        rate = body.get("send_rate")
        low, high = SEND_RATE_RANGE
        if rate is not None and (type(rate) is not int or not low <= rate <= high):
            raise Rejected(
                "MALFORMED_PARAMETER", f"send_rate must be an integer from {low} to {high}."
            )
        targeting = body.get("targeting") or {}
        if not isinstance(targeting, dict) or not all(
            isinstance(targeting.get(k, []), list) for k in ("regions", "languages")
        ):
            raise Rejected("MALFORMED_PARAMETER", "campaign.targeting is malformed.")
        if not isinstance(targeting.get("query", {}), dict):
            raise Rejected("MALFORMED_PARAMETER", "targeting.query must be an object.")
        return targeted_audience(
            targeting, int(self.setting("batch.profiles")), self.env.failure_percent
        )

    def find(self, campaign_id: object) -> Campaign:
        if not campaign_id:
            raise Rejected("MISSING_PARAMETER", "id is required.")
        campaign = self.campaigns.get(str(campaign_id))
        if campaign is None:
            # Gap: the name of a "not found" error; the documented 404 is ROUTE_NOT_FOUND.
            raise Rejected("ROUTE_NOT_FOUND", f"Campaign {campaign_id} not found.")
        return campaign

    def new_id(self) -> str:
        self._last_id += 1
        return f"orchestration_{self._last_id:032x}"


def check_messages(messages: object) -> None:
    """An SMS message is ``{"channel_type": "sms", "message": {"body": TEXT}}`` (the sandbox's
    assumption: the seed only shows an email message). The sandbox simulates SMS only."""
    if not isinstance(messages, list):
        raise Rejected("MALFORMED_PARAMETER", "campaign.messages must be a list.")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("channel_type") != "sms":
            raise Rejected(
                "MALFORMED_PARAMETER", f"messages[{index}].channel_type must be sms here."
            )
        inner = message.get("message")
        if inner is not None and not isinstance(inner, dict):
            raise Rejected("MALFORMED_PARAMETER", f"messages[{index}].message must be an object.")
        text = (inner or {}).get("body")
        if not isinstance(text, str) or not text:
            raise Rejected("MISSING_PARAMETER", f"messages[{index}].message.body is required.")


Handler = Callable[[BatchSandbox, Request], Awaitable[Any]]


def endpoint(handler: Handler, sandbox: BatchSandbox) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            result = await handler(sandbox, request)
        except Rejected as exc:
            return error(exc.name, exc.message)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result)

    return run


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = parse_json(await request.body())
    except BadJson as exc:
        raise Rejected("MALFORMED_JSON_BODY", str(exc)) from None
    if not isinstance(body, dict):
        raise Rejected("MALFORMED_JSON_BODY", "The body must be a JSON object.")
    return body


# -- handlers -------------------------------------------------------------------------------------
async def create(sandbox: BatchSandbox, request: Request) -> dict[str, Any]:
    """The create answer carries the new id (the seed: "received in the create response")."""
    body = await json_body(request)
    audience = sandbox.check_campaign(body, starting=body.get("state") == "RUNNING")
    now = sandbox.now()
    campaign = Campaign(sandbox.new_id(), body, now, now, audience)
    if campaign.state == "RUNNING":
        sandbox.start_running(campaign)
    sandbox.campaigns[campaign.id] = campaign
    return {"id": campaign.id}


async def update(sandbox: BatchSandbox, request: Request) -> dict[str, Any]:
    """``{id, campaign}``. A running or completed one-off campaign cannot be updated; the one
    exception is ``{"state": "STOPPED"}`` on a running one, which is how Batch pauses (the doc
    calls STOPPED campaigns paused and resumable). The given fields replace the stored ones."""
    body = await json_body(request)
    campaign = sandbox.find(body.get("id"))
    changes = body.get("campaign")
    if not isinstance(changes, dict) or not changes:
        raise Rejected("MISSING_PARAMETER", "campaign is required.")
    status = sandbox.status(campaign)
    if status in ("running", "scheduled") and changes == {"state": "STOPPED"}:
        sandbox.stop(campaign)
        campaign.body["state"] = "STOPPED"
    elif status in ("running", "scheduled", "completed"):
        raise Rejected(
            "API_MISUSE", f"A {status} one-off campaign cannot be updated, only stopped."
        )
    else:
        merged = {**campaign.body, **changes}
        starting = merged["state"] == "RUNNING" and not campaign.runs
        campaign.audience = sandbox.check_campaign(merged, starting=starting)
        was = campaign.state
        campaign.body = merged
        if merged["state"] == "RUNNING" and was != "RUNNING":
            sandbox.start_running(campaign)
    campaign.updated = sandbox.now()
    return {}


async def delete(sandbox: BatchSandbox, request: Request) -> None:
    """Deleting is not restricted by state in the documentation, so any state is accepted."""
    body = await json_body(request)
    campaign = sandbox.find(body.get("id"))
    del sandbox.campaigns[campaign.id]


async def list_orchestrations(sandbox: BatchSandbox, request: Request) -> dict[str, Any]:
    """Cursor paging: ``from`` is the ``next_from`` of the previous page."""
    q = request.query_params
    try:
        limit = int(q.get("limit", "10"))
        start = int(q["from"].removeprefix("c")) if q.get("from") else 0
    except ValueError as exc:
        raise Rejected("MALFORMED_PARAMETER", "limit and from must come from this API.") from exc
    if not 1 <= limit <= 100:
        raise Rejected("MALFORMED_PARAMETER", "limit must be from 1 to 100.")
    campaigns = list(sandbox.campaigns.values())
    page = campaigns[start : start + limit]
    has_more = start + limit < len(campaigns)
    answer: dict[str, Any] = {
        "orchestrations": [sandbox.view(c) for c in page],
        "count": len(page),
        "has_more": has_more,
    }
    if has_more:
        answer["next_from"] = f"c{start + limit}"
    return answer


async def view(sandbox: BatchSandbox, request: Request) -> dict[str, Any]:
    return sandbox.view(sandbox.find(request.query_params.get("id")))


async def stats(sandbox: BatchSandbox, request: Request) -> dict[str, Any]:
    """Per-day SMS counts between ``from`` and ``to`` (yyyy-MM-dd). The answer's shape is a
    gap; ``{"id", "details": [{"date", "sent", "delivered", "failed"}]}`` is the sandbox's."""
    q = request.query_params
    campaign = sandbox.find(q.get("id"))
    today = sandbox.now().date()
    first = parse_day(q.get("from"), "from")
    last = parse_day(q.get("to"), "to")
    if last < first:
        raise Rejected("MALFORMED_PARAMETER", "to must not be before from.")
    if first < today - timedelta(days=STATS_MAX_DAYS_BACK):
        raise Rejected("MALFORMED_PARAMETER", "from must be at most 6 months back.")
    details = []
    day = first
    while day <= min(last, today):
        begin = datetime.combine(day, datetime.min.time(), UTC)
        end = min(begin + timedelta(days=1), sandbox.now())
        sent_before, sent = sandbox.sent_at(campaign, begin), sandbox.sent_at(campaign, end)
        failed = campaign.audience.failed_before(sent) - campaign.audience.failed_before(
            sent_before
        )
        if sent > sent_before:
            sent_today = sent - sent_before
            details.append(
                {
                    "date": day.isoformat(),
                    "sent": sent_today,
                    "delivered": sent_today - failed,
                    "failed": failed,
                }
            )
        day += timedelta(days=1)
    return {"id": campaign.id, "details": details}


def parse_day(value: str | None, name: str) -> date:
    if not value:
        raise Rejected("MISSING_PARAMETER", f"{name} is required (yyyy-MM-dd).")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Rejected("MALFORMED_PARAMETER", f"{name} must be yyyy-MM-dd.") from exc


class Gate:
    """Checks the REST API key and project key before anything else, then maintenance."""

    def __init__(self, app: ASGIApp, sandbox: BatchSandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            if (
                headers.get("authorization") != "Bearer sandbox"
                or headers.get("x-batch-project") != "sandbox"
            ):
                response = error("AUTHENTICATION_INVALID", "Invalid REST API key or project.")
                await response(scope, receive, send)
                return
            if self.sandbox.setting("batch.maintenance"):
                await fault_response(503, None)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def route_not_found(request: Request, exc: Exception) -> Response:
    return error("ROUTE_NOT_FOUND", f"No route for {request.method} {request.url.path}.")


def create_app(env: SandboxEnv) -> Gate:
    sandbox = BatchSandbox(env)
    table: list[tuple[str, str, Handler]] = [
        ("/2.8/campaigns/create", "POST", create),
        ("/2.8/campaigns/update", "POST", update),
        ("/2.8/campaigns/delete", "POST", delete),
        ("/2.8/orchestrations/list", "GET", list_orchestrations),
        ("/2.8/orchestrations/view", "GET", view),
        ("/2.8/orchestrations/stats", "GET", stats),
    ]
    routes = [Route(path, endpoint(h, sandbox), methods=[m]) for path, m, h in table]
    handlers = {404: route_not_found, 405: route_not_found, **http_error_handlers(refusal)}
    app = Starlette(routes=routes, exception_handlers=handlers)
    env.parts["batchcom"] = sandbox
    return Gate(app, sandbox)
