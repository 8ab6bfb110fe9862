"""Cordial's Batch Messages API (seed 003, PROVIDERS.md section 4).

A Cordial batch message goes to a saved *audience* (``audience-key``) of contacts that already
exist at Cordial, with one text for all of them: the rows of the operator's file cannot be
uploaded. So the adapter sends the batch's single text to the audience named in
``spec.options["audience_key"]`` (or the account's ``audience_key`` option) and refuses a batch
whose rows carry different texts.

Idempotency: every POST makes a new message, so each message is named and tagged after
``spec.idempotency_key``; a create whose answer was lost, and a repeated ``send``, look the
message up by that tag and name before making another.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar, NoReturn
from urllib.parse import quote

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
from app.providers.base import CampaignSpec, Provider, ValidationReport, one_per_key
from app.providers.errors import (
    AuthError,
    Conflict,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    TransientError,
    ValidationError,
)
from app.providers.issues import ProviderIssue, Severity
from app.providers.transport import could_not, error_class, error_for, json_answer

PROVIDER = "cordial"
S = CampaignStatus

#: Cordial's statuses (seed: draft, scheduled, pending, processing, sent; the list filter adds
#: paused, cancelled and sending). ``pending`` is queued to go out now, so it counts as sending.
STATUSES: dict[str, CampaignStatus] = {
    "draft": S.DRAFT,
    "scheduled": S.SCHEDULED,
    "pending": S.SENDING,
    "processing": S.SENDING,
    "sending": S.SENDING,
    "paused": S.PAUSED,
    "sent": S.COMPLETED,
    "cancelled": S.CANCELLED,
    "canceled": S.CANCELLED,
}

#: errorKey -> error class. Keys not listed fall back on the HTTP status.
ERRORS: dict[str, type[ProviderError]] = {
    "RECORD_NOT_FOUND": NotFound,
    "BATCH_MESSAGES_CANNOT_EDIT_SENT_MESSAGE": InvalidState,
    "BATCH_MESSAGES_STATUS_ERROR": InvalidState,
    "BATCH_MESSAGES_CANNOT_UNSCHEDULE_PROCESSING_MESSAGE": InvalidState,
    "BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_SCHEDULED": InvalidState,
    "BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_PENDING": InvalidState,
    "BATCH_MESSAGES_REMOVE_REQUEST_NOT_ALLOWED": InvalidState,
    "BATCH_MESSAGES_SMS_TRANSACTIONAL_MESSAGES_NOT_ALLOWED": ValidationError,
    "BATCH_MESSAGES_SCHEDULE_ERROR": ValidationError,
    "BATCH_MESSAGES_AUDIENCE_NOT_FOUND": ValidationError,
    "BATCH_MESSAGES_AUDIENCE_FILTER_CONFLICT": ValidationError,
    "BATCH_MESSAGES_INCORRECT_AUDIENCE_RULE": ValidationError,
    "BATCH_MESSAGES_MISSING_AUDIENCE_INCLUDE_RULE": ValidationError,
    "BATCH_MESSAGES_CUSTOM_KEY_ERROR": ValidationError,
    "BATCH_MESSAGES_TEST_ERROR": ValidationError,
    "CHANNELS_KEY_NOT_FOUND": ValidationError,
    "CHANNEL_NOT_FOUND": ValidationError,
    "MESSAGE_TRANSPORT_NOT_CONFIGURED": ValidationError,
    "MESSAGE_TRANSPORT_NOT_SELECTED": ValidationError,
    "MESSAGE_TRANSPORT_INVALID_ACCOUNT_TRANSPORT": ValidationError,
    "INTERNAL_ERROR": TransientError,
}

#: What the operator can do about the errors that name something missing at Cordial.
HINTS: dict[str, str] = {
    "BATCH_MESSAGES_AUDIENCE_NOT_FOUND": "Create the audience in Cordial, or pick one that "
    "exists, and try again.",
    "CHANNELS_KEY_NOT_FOUND": "Configure the sms channel in the Cordial account, or set the "
    "account's channel option to its key.",
    "CHANNEL_NOT_FOUND": "Configure the sms channel in the Cordial account.",
    "MESSAGE_TRANSPORT_NOT_CONFIGURED": "Configure an SMS transport in Cordial first.",
    "MESSAGE_TRANSPORT_NOT_SELECTED": "Select an SMS transport in Cordial first.",
    "BATCH_MESSAGES_SMS_TRANSACTIONAL_MESSAGES_NOT_ALLOWED": "SMS must be classified as "
    "promotional.",
    "BATCH_MESSAGES_SCHEDULE_ERROR": "Pick a start time in the future.",
}

STATUS_CLASSES: dict[int, type[ProviderError]] = {
    400: ValidationError,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
}

#: The content key of an SMS body. The seed's example is an email (``text/html``);
#: ``text/plain`` for the sms channel is what the sandbox assumes.
SMS_CONTENT_KEY = "text/plain"
#: scheduleType: send at the scheduled time of each contact's own time zone [seed 003]
CONTACT_TIME_ZONE = "contactTZ"
TAG = "campaign-desk"
KEY_TAG_PREFIX = "cd-"
PAGE_SIZE = 100


class CordialProvider(Provider):
    capabilities: ClassVar[Capabilities] = Capabilities(
        provider=PROVIDER,
        display_name="Cordial",
        actions={
            Action.UPDATE: frozenset({S.DRAFT, S.INVALID, S.READY}),
            Action.VALIDATE: frozenset({S.DRAFT, S.INVALID, S.READY}),
            Action.SEND: frozenset({S.DRAFT, S.READY}),
            # Pause while pending or processing (both SENDING); resume only when paused.
            Action.PAUSE: frozenset({S.SENDING}),
            Action.RESUME: frozenset({S.PAUSED}),
            Action.CANCEL: frozenset({S.SCHEDULED, S.SENDING, S.PAUSED}),
            Action.UNSCHEDULE: frozenset({S.SCHEDULED}),
            Action.DELETE: frozenset({S.DRAFT, S.INVALID, S.READY}),
        },
        per_row_messages=False,
        audience_based=True,
        supports_recipient_local_time=True,
        estimated_send_rate=600,  # Cordial publishes no rate: the sandbox's figure
        settings=SettingsRules(
            sender=SenderRule(
                note="Cordial sends from the SMS transport set up in Cordial (the account's "
                "transport_id option picks another); a message takes no sender id."
            ),
            name=NameRule(note="The app adds the campaign's key in brackets, to find it again."),
            audience=AudienceRule(
                AudienceKind.SAVED_AUDIENCE,
                requirement="It must exist in Cordial, its contacts subscribed to the sms channel.",
            ),
            callbacks=CallbackRule(note="Cordial's batch messages have no callbacks."),
        ),
        requirements=(
            "Cordial sends to a saved audience, not to the rows of this file. In Cordial: "
            "the recipients must exist as contacts subscribed to the sms channel, gathered in "
            "a saved audience whose key you give as the campaign's (or account's) "
            "audience_key; the sms channel and its SMS transport must be configured; messages "
            "go out as promotional (Cordial refuses transactional SMS). The whole batch must "
            "have one text."
        ),
    )

    # -- wire helpers ------------------------------------------------------------------------
    @staticmethod
    def _path(campaign_id: str, action: str = "") -> str:
        return f"/batchmessages/{quote(campaign_id, safe=':')}" + (f"/{action}" if action else "")

    async def _call(
        self,
        method: str,
        path: str,
        doing: str,
        *,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> Any:
        """One request; the decoded JSON answer (None when empty) or the mapped error."""
        key = self.account.credentials.get("api_key", "")
        response = await self.transport.request(
            method,
            self.url(path),
            provider=self.capabilities.display_name,
            idempotent=idempotent,
            auth=httpx.BasicAuth(str(key), ""),
            **kwargs,
        )
        if response.status_code >= 300:
            raise_error(response, doing, idempotent=idempotent)
        return json_answer(response, provider=PROVIDER, display_name="Cordial", doing=doing)

    # -- the operations ------------------------------------------------------------------------
    @one_per_key
    async def create(self, spec: CampaignSpec) -> RemoteCampaign:
        return await self._create(spec, self._body(spec))

    @one_per_key
    async def update(self, campaign_id: str, spec: CampaignSpec) -> RemoteCampaign:
        return await self._update(campaign_id, self._body(spec))

    @one_per_key
    async def validate(self, spec: CampaignSpec) -> ValidationReport:
        """Cordial has no dry run. This checks the batch has one text, then creates (or reuses)
        the draft and lets Cordial check it: the audience exists, the channel is configured,
        the classification is allowed and the schedule is in the future. It cannot tell
        whether the file's numbers are in the audience: Cordial never sees them. The draft is
        left at Cordial (``campaign_id``), and ``send`` with the same spec sends it."""
        try:
            body = self._body(spec)
            campaign = await self._draft(spec, body)
        except ValidationError as exc:
            issues = exc.issues or (ProviderIssue(code=exc.code or "INVALID", message=str(exc)),)
            return ValidationReport(PROVIDER, tuple(issues), checked=spec.count)
        note = ProviderIssue(
            code="AUDIENCE_BASED",
            message=f"Cordial sends to the audience {body['audience-key']!r}, not to the "
            "numbers of this file.",
            severity=Severity.WARNING,
        )
        return ValidationReport(PROVIDER, (note,), checked=spec.count, campaign_id=campaign.id)

    @one_per_key
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        """Send or schedule. Without ``campaign_id`` the message named after the spec's
        idempotency key is reused when it exists (updated while a draft, returned as it is once
        sent), so a repeated send never sends twice."""
        if campaign_id is None:
            campaign = await self._draft(spec, self._body(spec))
            if campaign.provider_status != "draft":
                return campaign
            campaign_id = campaign.id
        return await self._transition(campaign_id, "send", "send the batch message", "draft")

    async def send_test(self, campaign_id: str, identifiers: list[str], key: str = "cID") -> None:
        """``PUT .../sendtest`` to the given contacts (``key`` names the contact identifier:
        ``cID``, ``email`` or a custom key such as the sms channel's)."""
        await self._call(
            "PUT",
            self._path(campaign_id, "sendtest"),
            "send a test message",
            json={key: identifiers},
            idempotent=False,
        )

    async def pause(self, campaign_id: str) -> RemoteCampaign:
        return await self._transition(
            campaign_id, "pause", "pause the batch message", "pending", "processing"
        )

    async def resume(self, campaign_id: str) -> RemoteCampaign:
        return await self._transition(campaign_id, "resume", "resume the batch message", "paused")

    async def cancel(self, campaign_id: str) -> RemoteCampaign:
        return await self._transition(
            campaign_id,
            "cancel",
            "cancel the batch message",
            "scheduled",
            "pending",
            "processing",
            "paused",
        )

    async def unschedule(self, campaign_id: str) -> RemoteCampaign:
        return await self._transition(
            campaign_id, "unschedule", "unschedule the batch message", "scheduled"
        )

    async def delete(self, campaign_id: str) -> None:
        await self.delete_once(
            lambda: self._call(
                "DELETE", self._path(campaign_id), "delete the batch message", idempotent=False
            ),
            lambda: self.get(campaign_id),
        )

    async def get(self, campaign_id: str) -> RemoteCampaign:
        data = await self._call("GET", self._path(campaign_id), "read the batch message")
        return self._campaign(data)

    async def list(self) -> list[RemoteCampaign]:
        return await self._list({"sort_by": "ct", "sort_dir": "desc"})

    async def find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        return await self._find(spec)

    async def check_access(self) -> None:
        await self._call(
            "GET", "/batchmessages", "list batch messages", params={"page": "1", "per_page": "1"}
        )

    # -- helpers ---------------------------------------------------------------------------------
    async def _create(self, spec: CampaignSpec, body: dict[str, Any]) -> RemoteCampaign:
        async def attempt() -> RemoteCampaign:
            data = await self._call(
                "POST", "/batchmessages", "create the batch message", json=body, idempotent=False
            )
            return await self._remote(data)

        return await self.transport.create_once(attempt, lambda: self._find(spec))

    async def _update(self, campaign_id: str, body: dict[str, Any]) -> RemoteCampaign:
        data = await self._call(
            "PUT", self._path(campaign_id), "update the batch message", json=body
        )
        return await self._remote(data, campaign_id)

    async def _draft(self, spec: CampaignSpec, body: dict[str, Any]) -> RemoteCampaign:
        """The message of this spec's idempotency key: updated while still a draft, as it is
        once sent, or created when there is none yet."""
        existing = await self._find(spec)
        if existing is None:
            return await self._create(spec, body)
        if existing.provider_status == "draft":
            return await self._update(existing.id, body)
        return existing

    async def _list(self, params: dict[str, str]) -> list[RemoteCampaign]:
        """Every page of ``GET /batchmessages`` (a JSON array per page)."""
        found: list[RemoteCampaign] = []
        page = 1
        while True:
            query = {**params, "page": str(page), "per_page": str(PAGE_SIZE)}
            data = await self._call("GET", "/batchmessages", "list batch messages", params=query)
            items = data if isinstance(data, list) else []
            found.extend(self._campaign(item) for item in items)
            if len(items) < PAGE_SIZE:
                return found
            page += 1

    async def _find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        """The message made earlier for this spec's idempotency key, if any."""
        tagged = await self._list({"tags": key_tag(spec.idempotency_key)})
        name = message_name(spec)
        return next((c for c in tagged if c.name == name), None)

    async def _transition(
        self, campaign_id: str, action: str, doing: str, *before: str
    ) -> RemoteCampaign:
        """``PUT .../{action}`` at most once (see :meth:`Provider.change_once`)."""

        async def attempt() -> RemoteCampaign:
            data = await self._call("PUT", self._path(campaign_id, action), doing, idempotent=False)
            return await self._remote(data, campaign_id)

        return await self.change_once(campaign_id, attempt, *before)

    async def _remote(self, data: Any, campaign_id: str | None = None) -> RemoteCampaign:
        """The campaign from an answer that carries it, else read back by id."""
        if isinstance(data, dict) and "status" in data and "id" in data:
            return self._campaign(data)
        found = data.get("id") if isinstance(data, dict) else None
        return await self.get(str(found or campaign_id))

    def _audience(self, spec: CampaignSpec) -> str:
        key = spec.options.get("audience_key") or self.account.options.get("audience_key")
        if not key:
            raise ValidationError(
                "Cordial needs the key of a saved audience to send to: set the campaign's "
                "audience_key option (or the account's) to an audience that exists in Cordial.",
                provider=PROVIDER,
                issues=[
                    ProviderIssue(
                        code="AUDIENCE_KEY_MISSING",
                        message="No Cordial audience key is set for this campaign.",
                    )
                ],
            )
        return str(key)

    def _body(self, spec: CampaignSpec) -> dict[str, Any]:
        """The POST/PUT body of ``spec``; refuses what Cordial cannot carry out."""
        refuse_unsupported_schedule(spec)
        body: dict[str, Any] = {
            "channel": spec.options.get("channel") or self.account.options.get("channel", "sms"),
            # Cordial refuses transactional SMS (BATCH_MESSAGES_SMS_TRANSACTIONAL_...).
            "classification": "promotional",
            "name": message_name(spec),
            "tags": [TAG, key_tag(spec.idempotency_key)],
            "audience-key": self._audience(spec),
            "message": {"content": {SMS_CONTENT_KEY: single_text(spec, PROVIDER, "Cordial")}},
        }
        schedule = spec.schedule
        if schedule is not None and schedule.start is not None:
            # The wall-clock time of the schedule's zone, with its offset: with contactTZ,
            # Cordial applies that time of day in each contact's own zone.
            body["schedule"] = schedule.start.astimezone(schedule.zone).isoformat()
            if schedule.recipient_local_time:
                body["scheduleType"] = CONTACT_TIME_ZONE
        transport_id = spec.options.get("transport_id") or self.account.options.get("transport_id")
        if transport_id:
            body["transportID"] = transport_id
        return body

    def _campaign(self, data: Any) -> RemoteCampaign:
        if not isinstance(data, dict) or "id" not in data:
            raise TransientError("Cordial answered without the batch message.", provider=PROVIDER)
        provider_status = str(data.get("status") or "")
        stats = data.get("stats") if isinstance(data.get("stats"), dict) else {}
        total = _int(stats.get("total"))
        sent = _int(stats.get("sent")) or 0
        tags = data.get("tags") if isinstance(data.get("tags"), list) else []
        external = next(
            (t[len(KEY_TAG_PREFIX) :] for t in tags if str(t).startswith(KEY_TAG_PREFIX)), None
        )
        return RemoteCampaign(
            provider=PROVIDER,
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            # A status this adapter does not know is shown as sending: the provider is still
            # the judge of what it allows, and refuses the rest with an errorKey.
            status=STATUSES.get(provider_status, S.SENDING),
            provider_status=provider_status,
            total=total,
            sent=sent,
            delivered=_int(stats.get("delivered")) or 0,
            failed=_int(stats.get("failed")) or 0,
            pending=max(0, total - sent) if total is not None else 0,
            scheduled_at=_time(data.get("schedule")),
            created_at=_time(data.get("ct")),
            external_id=external,
            raw=data,
        )


def message_name(spec: CampaignSpec) -> str:
    """The message's name at Cordial: the campaign's name plus its idempotency key."""
    return f"{spec.name} [{spec.idempotency_key}]"


def key_tag(idempotency_key: str) -> str:
    return KEY_TAG_PREFIX + idempotency_key


def refuse_unsupported_schedule(spec: CampaignSpec) -> None:
    """Cordial takes a start time only: never drop a window, a rate or quiet hours unsaid."""
    schedule = spec.schedule
    if schedule is None:
        return
    missing = [
        what
        for what, given in (
            ("a daily sending window", schedule.window_start or schedule.window_end),
            ("an end date", schedule.end_date is not None),
            ("quiet hours", schedule.respect_quiet_hours),
            ("a send rate", schedule.send_rate is not None),
        )
        if given
    ]
    if schedule.recipient_local_time and schedule.start is None:
        missing.append("each contact's local time without a start time")
    if missing:
        raise ValidationError(
            f"Cordial's batch messages cannot take {' or '.join(missing)}; remove "
            f"{'it' if len(missing) == 1 else 'them'} to send with Cordial.",
            provider=PROVIDER,
        )


def raise_error(response: httpx.Response, doing: str, *, idempotent: bool) -> NoReturn:
    """Map an error answer to the error class of its errorKey (or of its HTTP status)."""
    status = response.status_code
    key, message = _error_fields(response)
    cls = RateLimited if status == 429 else error_class(key, status, ERRORS, STATUS_CLASSES)
    sentence = could_not("Cordial", doing, message)
    if cls is AuthError and status == 401:
        sentence = f"Cordial refused the API key of this account ({message}): check the key."
    elif cls is AuthError:
        sentence = (
            f"Cordial does not let this API key {doing} ({message}): give the key that "
            "permission in Cordial, and allow it from this computer's IP address."
        )
    if key in HINTS:
        sentence += " " + HINTS[key]
    raise error_for(
        cls,
        sentence,
        response,
        provider=PROVIDER,
        code=key,
        provider_message=message,
        idempotent=idempotent,
    )


def _error_fields(response: httpx.Response) -> tuple[str | None, str]:
    """errorKey and message, tolerating the v1 shape (``messages``) and non-JSON bodies."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return None, response.reason_phrase or f"HTTP {response.status_code}"
    key = data.get("errorKey")
    message = data.get("message") or data.get("messages") or response.reason_phrase
    if not isinstance(message, str):
        message = json.dumps(message, ensure_ascii=False)
    return (str(key) if key else None), message


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
