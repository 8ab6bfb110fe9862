"""Batch's (batch.com) Campaigns API, version 2.8 (seed 004, PROVIDERS.md section 5).

A Batch campaign targets the profiles of a Batch project (``targeting``: regions, languages, a
query), not a list of numbers, and has one message: the rows of the operator's file cannot be
uploaded. The adapter sends the batch's single text to the targeting in
``spec.options["targeting"]`` (``campaign_settings.Targeting.wire``).

The schedule's start goes in ``when.start_time`` (in UTC, or with ``recipient_local_time`` as
the wall-clock time Batch applies in each profile's zone) and its send rate in ``send_rate``;
Batch has no daily window, end date or quiet hours, and a schedule asking for one is refused.

The campaign ``state`` does the steering: DRAFT is a draft, RUNNING sends (at
``when.start_time``), STOPPED pauses and RUNNING again resumes. A running or completed one-off
campaign cannot be updated; this adapter reads the state change to STOPPED as the one update
still allowed, since it is the API's only way to pause. Batch has no validate-only call, no
cancel and no per-recipient report.

Idempotency: a create's answer may be lost, so each campaign is named after
``spec.idempotency_key`` and looked up by that name (``orchestrations/list``) before another
is made.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn

import httpx

from app.domain.campaign import Action, CampaignStatus, Capabilities, RemoteCampaign
from app.domain.campaign_settings import (
    AudienceKind,
    AudienceRule,
    CallbackRule,
    NameRule,
    SenderRule,
    SettingsRules,
)
from app.providers.audience import single_text
from app.providers.base import CampaignSpec, Provider, one_per_key
from app.providers.errors import (
    AuthError,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    TransientError,
    ValidationError,
)
from app.providers.issues import ProviderIssue
from app.providers.transport import could_not, error_for, json_answer

PROVIDER = "batch"
S = CampaignStatus

#: Orchestration statuses. Only "running" is documented; "completed" is implied by the update
#: rule. "draft", "scheduled" (running before its start time), "stopped" are the sandbox's.
STATUSES: dict[str, CampaignStatus] = {
    "draft": S.DRAFT,
    "scheduled": S.SCHEDULED,
    "running": S.SENDING,
    "stopped": S.PAUSED,
    "completed": S.COMPLETED,
}

#: Error names -> classes. API_MISUSE is what a running or completed one-off campaign's update
#: gets, hence InvalidState.
ERRORS: dict[str, type[ProviderError]] = {
    "AUTHENTICATION_INVALID": AuthError,
    "API_MISUSE": InvalidState,
    "ROUTE_NOT_FOUND": NotFound,
    "MISSING_PARAMETER": ValidationError,
    "MALFORMED_PARAMETER": ValidationError,
    "MALFORMED_JSON_BODY": ValidationError,
    "SERVER_ERROR": TransientError,
    "MAINTENANCE_ERROR": TransientError,
    "TOO_MANY_REQUESTS": RateLimited,
}
#: Numeric codes -> names, for an error body that carries only the code. SERVER_ERROR is 1 in
#: the seed and 0 on the delete and stats pages.
CODES: dict[int, str] = {
    10: "AUTHENTICATION_INVALID",
    12: "API_MISUSE",
    20: "ROUTE_NOT_FOUND",
    30: "MISSING_PARAMETER",
    31: "MALFORMED_PARAMETER",
    32: "MALFORMED_JSON_BODY",
    0: "SERVER_ERROR",
    1: "SERVER_ERROR",
    2: "MAINTENANCE_ERROR",
    60: "TOO_MANY_REQUESTS",
}
STATUS_NAMES: dict[int, str] = {
    401: "AUTHENTICATION_INVALID",
    403: "API_MISUSE",
    404: "ROUTE_NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    503: "MAINTENANCE_ERROR",
}

#: "please wait for at least 5 seconds before trying again" [seed]
RETRY_AFTER_FLOOR = 5.0
PAGE_LIMIT = 100


class BatchProvider(Provider):
    capabilities: ClassVar[Capabilities] = Capabilities(
        provider=PROVIDER,
        display_name="Batch",
        actions={
            # A stopped (paused) campaign is not running, so it can be updated.
            Action.UPDATE: frozenset({S.DRAFT, S.INVALID, S.READY, S.PAUSED}),
            Action.SEND: frozenset({S.DRAFT, S.READY}),
            Action.PAUSE: frozenset({S.SCHEDULED, S.SENDING}),
            Action.RESUME: frozenset({S.PAUSED}),
            Action.DELETE: frozenset({S.DRAFT, S.INVALID, S.READY, S.SCHEDULED}),
        },
        per_row_messages=False,
        audience_based=True,
        supports_send_rate=True,
        supports_recipient_local_time=True,
        # the sandbox's speed without a send_rate: Batch then sends "as fast as possible"
        estimated_send_rate=10_000,
        limits={"send_rate_min_per_minute": 1_000, "send_rate_max_per_minute": 1_000_000},
        settings=SettingsRules(
            sender=SenderRule(
                note="Batch sends from the SMS sender set up for the project; the campaign "
                "takes none."
            ),
            name=NameRule(note="The app adds the campaign's key in brackets, to find it again."),
            audience=AudienceRule(
                AudienceKind.TARGETING,
                requirement="The Batch project must hold the recipients as profiles with a "
                "phone number who opted in to SMS; regions and languages narrow them down.",
            ),
            callbacks=CallbackRule(note="Batch's campaign API has no callbacks."),
        ),
        requirements=(
            "Batch sends to the profiles of a Batch project, not to the rows of this file. In "
            "Batch: the project (its project key and REST API key in the account) must hold "
            "the recipients as profiles with a phone number who opted in to SMS, and SMS must "
            "be set up for the project. The campaign's targeting option (regions, languages, "
            "query; empty targets every opted-in profile) says who receives it, and the whole "
            "batch must have one text."
        ),
    )

    # -- wire helpers ---------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        creds = self.account.credentials
        return {
            "Authorization": f"Bearer {creds.get('rest_api_key', '')}",
            "X-Batch-Project": str(creds.get("project_key", "")),
        }

    async def _call(
        self, method: str, path: str, doing: str, *, idempotent: bool = True, **kwargs: Any
    ) -> Any:
        """One request; the decoded JSON answer (None when empty) or the mapped error."""
        response = await self.transport.request(
            method,
            self.url(path),
            provider=self.capabilities.display_name,
            idempotent=idempotent,
            retry_after_floor=RETRY_AFTER_FLOOR,
            headers=self._headers(),
            **kwargs,
        )
        if response.status_code >= 300:
            raise_error(response, doing, idempotent=idempotent)
        return json_answer(response, provider=PROVIDER, display_name="Batch", doing=doing)

    # -- the operations ---------------------------------------------------------------------------
    @one_per_key
    async def create(self, spec: CampaignSpec) -> RemoteCampaign:
        return await self._create(spec, campaign_body(spec, "DRAFT"))

    @one_per_key
    async def update(self, campaign_id: str, spec: CampaignSpec) -> RemoteCampaign:
        """Overwrite the campaign's contents, keeping its state (a draft stays a draft, a
        stopped campaign stays stopped)."""
        current = await self.get(campaign_id, with_stats=False)
        state = "STOPPED" if current.provider_status == "stopped" else "DRAFT"
        await self._update(campaign_id, campaign_body(spec, state), "update the campaign")
        return await self.get(campaign_id)

    @one_per_key
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        """Start the campaign (RUNNING): now, or at the schedule's start. Without
        ``campaign_id`` the campaign named after the spec's idempotency key is reused when it
        exists, so a repeated send never sends twice."""
        body = campaign_body(spec, "RUNNING")
        if campaign_id is None:
            existing = await self._find(spec)
            if existing is None:
                return await self._create(spec, body)
            if existing.provider_status != "draft":
                return existing
            campaign_id = existing.id
        return await self._transition(campaign_id, body, "start the campaign", "draft")

    async def pause(self, campaign_id: str) -> RemoteCampaign:
        return await self._transition(
            campaign_id, {"state": "STOPPED"}, "stop the campaign", "running", "scheduled"
        )

    async def resume(self, campaign_id: str) -> RemoteCampaign:
        return await self._transition(
            campaign_id, {"state": "RUNNING"}, "restart the campaign", "stopped"
        )

    async def delete(self, campaign_id: str) -> None:
        await self.delete_once(
            lambda: self._call(
                "POST",
                "/campaigns/delete",
                "delete the campaign",
                json={"id": campaign_id},
                idempotent=False,
            ),
            lambda: self.get(campaign_id, with_stats=False),
        )

    async def get(self, campaign_id: str, *, with_stats: bool = True) -> RemoteCampaign:
        data = await self._call(
            "GET", "/orchestrations/view", "read the campaign", params={"id": campaign_id}
        )
        campaign = remote_campaign(data)
        if not with_stats or campaign.created_at is None:
            return campaign
        return await self._with_stats(campaign)

    async def list(self) -> list[RemoteCampaign]:
        """Every SMS orchestration of the project, through the cursor pages."""
        found: list[RemoteCampaign] = []
        params: dict[str, str] = {"limit": str(PAGE_LIMIT)}
        while True:
            data = await self._call(
                "GET", "/orchestrations/list", "list the campaigns", params=params
            )
            items = data.get("orchestrations") if isinstance(data, dict) else None
            for item in items or []:
                channels = item.get("channels") if isinstance(item, dict) else None
                if channels is None or "sms" in channels:
                    found.append(remote_campaign(item))
            if not isinstance(data, dict) or not data.get("has_more") or not data.get("next_from"):
                return found
            params = {"limit": str(PAGE_LIMIT), "from": str(data["next_from"])}

    async def find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        return await self._find(spec)

    async def check_access(self) -> None:
        await self._call("GET", "/orchestrations/list", "list the campaigns", params={"limit": "1"})

    # -- helpers -------------------------------------------------------------------------------
    async def _create(self, spec: CampaignSpec, body: dict[str, Any]) -> RemoteCampaign:
        async def attempt() -> RemoteCampaign:
            data = await self._call(
                "POST", "/campaigns/create", "create the campaign", json=body, idempotent=False
            )
            campaign_id = data.get("id") if isinstance(data, dict) else None
            if not campaign_id:
                raise TransientError(
                    "Batch created the campaign but did not say its id.", provider=PROVIDER
                )
            return await self.get(str(campaign_id))

        return await self.transport.create_once(attempt, lambda: self._find(spec))

    async def _update(
        self, campaign_id: str, campaign: dict[str, Any], doing: str, *, idempotent: bool = True
    ) -> None:
        await self._call(
            "POST",
            "/campaigns/update",
            doing,
            json={"id": campaign_id, "campaign": campaign},
            idempotent=idempotent,
        )

    async def _transition(
        self, campaign_id: str, campaign: dict[str, Any], doing: str, *before: str
    ) -> RemoteCampaign:
        """A state change at most once (see :meth:`Provider.change_once`)."""

        async def attempt() -> RemoteCampaign:
            await self._update(campaign_id, campaign, doing, idempotent=False)
            return await self.get(campaign_id)

        return await self.change_once(campaign_id, attempt, *before)

    async def _find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        name = campaign_name(spec)
        found = next((c for c in await self.list() if c.name == name), None)
        return await self.get(found.id) if found else None

    async def _with_stats(self, campaign: RemoteCampaign) -> RemoteCampaign:
        """Add the counts of ``orchestrations/stats`` from the creation day to today."""
        assert campaign.created_at is not None
        first = campaign.created_at.date()
        # a day past today: near midnight the provider's day may have begun before ours (and
        # the sandbox's clock runs ahead in tests); a day with nothing sent adds nothing
        last = max(first, datetime.now(UTC).date() + timedelta(days=1))
        params = {"id": campaign.id, "from": first.isoformat(), "to": last.isoformat()}
        try:
            data = await self._call("GET", "/orchestrations/stats", "read the stats", params=params)
        except ValidationError:
            # Stats reach 6 months back only: an older campaign keeps its status, without counts.
            return campaign
        days = data.get("details") if isinstance(data, dict) else None
        totals = {"sent": 0, "delivered": 0, "failed": 0}
        for day in days if isinstance(days, list) else []:
            for key in totals:
                totals[key] += _int(day.get(key)) if isinstance(day, dict) else 0
        return replace(campaign, **totals, raw={**campaign.raw, "stats": data})


def campaign_name(spec: CampaignSpec) -> str:
    """The campaign's name at Batch: the campaign's name plus its idempotency key."""
    return f"{spec.name} [{spec.idempotency_key}]"


def campaign_body(spec: CampaignSpec, state: str) -> dict[str, Any]:
    """The ``campaign`` object of ``spec``; refuses what Batch cannot carry out."""
    targeting = spec.options.get("targeting")
    if not isinstance(targeting, dict):
        raise ValidationError(
            "Batch sends to the profiles its targeting selects: set the campaign's targeting "
            "option (regions, languages, query; an empty one targets every SMS-opted-in "
            "profile of the project).",
            provider=PROVIDER,
            issues=[ProviderIssue(code="TARGETING_MISSING", message="No Batch targeting set.")],
        )
    text = single_text(spec, PROVIDER, "Batch")
    body: dict[str, Any] = {
        "name": campaign_name(spec),
        "state": state,
        # The SMS message shape is an assumption: the seed only shows an email message.
        "messages": [{"channel_type": "sms", "message": {"body": text}}],
        "when": when(spec),
        "targeting": targeting,
    }
    rate = spec.schedule.send_rate if spec.schedule else None
    if rate is not None:
        body["send_rate"] = rate
    return body


def when(spec: CampaignSpec) -> dict[str, Any]:
    """``when``: the start in UTC, or with the schedule's ``recipient_local_time`` the
    wall-clock start in the schedule's zone, which Batch applies in each profile's own zone."""
    schedule = spec.schedule
    if schedule is not None:
        refused = [
            what
            for what, given in (
                ("a daily sending window", schedule.window_start or schedule.window_end),
                ("an end date", schedule.end_date is not None),
                ("quiet hours", schedule.respect_quiet_hours),
            )
            if given
        ]
        if refused:
            raise ValidationError(
                f"Batch campaigns have no {' or '.join(refused)}; remove "
                f"{'it' if len(refused) == 1 else 'them'} to send with Batch.",
                provider=PROVIDER,
            )
    local = bool(schedule and schedule.recipient_local_time)
    if schedule is None or schedule.start is None:
        return {"local_time": local}
    if local:
        start = schedule.start.astimezone(schedule.zone).replace(tzinfo=None)
        return {"local_time": True, "start_time": start.isoformat(timespec="seconds")}
    utc = schedule.start.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"local_time": False, "start_time": utc}


def remote_campaign(data: Any) -> RemoteCampaign:
    if not isinstance(data, dict) or "id" not in data:
        raise TransientError("Batch answered without the campaign.", provider=PROVIDER)
    provider_status = str(data.get("status") or "").lower()
    start = _time(data.get("start_time"))
    status = STATUSES.get(provider_status, S.SENDING)
    # The real API may say "running" before the start time; by this machine's clock it waits.
    if status is S.SENDING and start is not None and start > datetime.now(UTC):
        status = S.SCHEDULED
    return RemoteCampaign(
        provider=PROVIDER,
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        status=status,
        provider_status=provider_status,
        scheduled_at=start,
        created_at=_time(data.get("created_date")),
        raw=data,
    )


def raise_error(response: httpx.Response, doing: str, *, idempotent: bool) -> NoReturn:
    """Map an error answer to the class of its error name (or numeric code, or HTTP status)."""
    status = response.status_code
    name, number, message = _error_fields(response)
    name = name or CODES.get(number if number is not None else -1) or STATUS_NAMES.get(status)
    if name is None and status >= 500:
        name = "SERVER_ERROR"
    cls = ERRORS.get(name or "", ValidationError if status < 500 else TransientError)
    if status == 429:
        cls = RateLimited
    code = f" (error {number})" if number is not None else ""
    sentence = could_not("Batch", doing, message + code)
    if cls is AuthError:
        sentence = f"Batch refused the REST API key or project key of this account: {message}."
    raise error_for(
        cls,
        sentence,
        response,
        provider=PROVIDER,
        code=name,
        provider_message=message,
        idempotent=idempotent,
        retry_after_floor=RETRY_AFTER_FLOOR,
    )


def _error_fields(response: httpx.Response) -> tuple[str | None, int | None, str]:
    """Name, numeric code and message, whichever of the plausible shapes the body has:
    ``{"error": {"code", "name", "message"}}``, a flat ``{"code", "name"|"error", "message"}``
    or no JSON at all."""
    try:
        data = response.json()
    except ValueError:
        data = None
    fallback = response.reason_phrase or f"HTTP {response.status_code}"
    if not isinstance(data, dict):
        return None, None, fallback
    inner = data.get("error")
    err = inner if isinstance(inner, dict) else data
    name = err.get("name") or (inner if isinstance(inner, str) else None)
    number = err.get("code") if isinstance(err.get("code"), int) else None
    if name is None and isinstance(err.get("code"), str) and not err["code"].isdigit():
        name = err["code"]
    message = err.get("message") or data.get("message") or fallback
    return (str(name) if name else None), number, str(message)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
