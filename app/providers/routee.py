"""Routee adapter: OAuth client-credentials, one Routee campaign per text and per 30,000 numbers.

Routee sends one text to many numbers, so a local campaign becomes several Routee campaigns
("parts"): recipients are grouped by message text in order of first appearance and cut every
30,000 numbers. The local campaign id is the parts' tracking ids joined by ``,`` in part order
(:data:`ID_SEPARATOR`); :meth:`RouteeProvider.get` adds up their counts and derives one status.

Each part is named ``"<name> <tag>-<n>"``: ``name`` is ``spec.name`` reduced to Routee's rules
(latin letters, digits, spaces, ``-``), ``tag`` six hex digits of a hash of the idempotency key
and ``n`` the part number, at most 30 characters in all. Names are unique per Routee account, so
a create whose answer was lost is found again by its name (``GET /campaigns?campaignName=``,
see the sandbox) and a repeated create answers 409009003, which also means "it exists".
Sending a spec again after a failure midway therefore completes the missing parts only.

Routee has no drafts, no pause and no resume. Update (PUT) and cancel (DELETE) only work while a
campaign is Scheduled; a PUT without ``scheduledDate`` sends at once, so :meth:`update` always
re-sends the schedule (the spec's start, or the part's current ``scheduledDate``).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from app.domain.accounts import Secret
from app.domain.campaign import Action, CampaignStatus, Capabilities, RemoteCampaign
from app.domain.campaign_settings import (
    CallbackRule,
    Feature,
    NameRule,
    SenderRule,
    SettingsRules,
    fit_name,
)
from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.domain.wording import counted
from app.providers import redaction
from app.providers.base import CampaignSpec, Provider, ValidationReport, one_per_key
from app.providers.errors import (
    AuthError,
    Conflict,
    InsufficientFunds,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    TransientError,
    ValidationError,
)
from app.providers.issues import ProviderIssue
from app.providers.transport import error_for

S = CampaignStatus
ID_SEPARATOR = ","
MAX_TO = 30_000  # numbers per Routee campaign
NAME_LENGTH = 30
PAGE_SIZE = 1000
#: [doc] campaignName: 2-30 latin letters, digits, spaces and '-'. The adapter's part tag
#: (" 1a2b3c-1") takes 9 of the 30 for campaigns of up to 9 parts.
NAME_RULE = NameRule(
    max_chars=NAME_LENGTH,
    alphabet=r"A-Za-z0-9 \-",
    alphabet_words="latin letters, digits, spaces and '-'",
    tag_chars=9,
    note="The app adds a tag and part number, to find each Routee campaign again.",
)
#: Callback strategies: on every change of progress, or once at the final state. The names
#: are Routee's reference values; PROVIDERS.md only describes the two behaviours.
CALLBACK_STRATEGIES = ("OnChange", "OnCompletion")
#: The spec's callback options -> Routee's body keys.
CALLBACK_KEYS = (("message_callback", "callback"), ("campaign_callback", "campaignCallback"))

#: Routee campaign ``state`` -> normalised status. Scheduled, Queued, Running and Sent are
#: documented; Failed and Cancelled are not verified (the SMS page's table could not be read)
#: and are mapped in case they appear. An unknown state counts as still sending.
STATUS_MAP: Mapping[str, CampaignStatus] = {
    "Scheduled": S.SCHEDULED,
    "Queued": S.SENDING,
    "Running": S.SENDING,
    "Sent": S.COMPLETED,
    "Failed": S.FAILED,
    "Cancelled": S.CANCELLED,
}

#: Routee message status -> outcome (Unsent: not sent for lack of balance).
MESSAGE_STATUS: Mapping[str, OutcomeStatus] = {
    "Queued": OutcomeStatus.PENDING,
    "Sent": OutcomeStatus.SENT,
    "Delivered": OutcomeStatus.DELIVERED,
    "Undelivered": OutcomeStatus.FAILED,
    "Failed": OutcomeStatus.FAILED,
    "Unsent": OutcomeStatus.FAILED,
}

#: Routee's documented error codes -> (error class, sentence for the operator).
ERRORS: Mapping[str, tuple[type[ProviderError], str]] = {
    "404009001": (NotFound, "Routee has no campaign with this tracking id."),
    "400009002": (
        InvalidState,
        "Routee only changes or deletes a campaign while it is Scheduled; this one has started.",
    ),
    "400001009": (InsufficientFunds, "The Routee balance is too low to send this campaign."),
    "400005000": (ValidationError, "Routee refused the recipients or the sender."),
    "409009003": (Conflict, "The Routee account already has a campaign with this name."),
    "400009004": (ValidationError, "The campaign has no recipients."),
    "404002001": (NotFound, "A contact id of the campaign does not exist at Routee."),
}

#: When a body carries no known code: HTTP status -> error class.
BY_STATUS: Mapping[int, type[ProviderError]] = {
    400: ValidationError,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
}

_PART_NAME = re.compile(r"(?P<base>.*) (?P<tag>[0-9a-f]{6})-(?P<number>[0-9]+)")


@dataclass(frozen=True, slots=True)
class Part:
    """One Routee campaign of a local campaign: one text, at most 30,000 numbers."""

    number: int  # 1-based, in the order parts are cut
    body: str
    indexes: list[int]  # positions in spec.recipients()
    to: list[str]


def split_parts(spec: CampaignSpec) -> Iterator[Part]:
    """Group the recipients by text and cut every 30,000 numbers, streaming the rows.

    A text's part is handed out as soon as it is full, so one text with a million rows never
    holds more than 30,000 numbers; the last, partial parts follow in order of first appearance.
    """
    buffers: dict[str, tuple[list[int], list[str]]] = {}
    number = 0
    for index, recipient in enumerate(spec.recipients()):
        indexes, to = buffers.setdefault(recipient.message, ([], []))
        indexes.append(index)
        to.append(recipient.phone)
        if len(to) == MAX_TO:
            number += 1
            del buffers[recipient.message]
            yield Part(number, recipient.message, indexes, to)
    for body, (indexes, to) in buffers.items():
        number += 1
        yield Part(number, body, indexes, to)


def name_tag(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:6]


def part_name(name: str, idempotency_key: str, number: int) -> str:
    """A Routee campaign name for one part: Routee's alphabet, unique, <= 30 characters."""
    suffix = f" {name_tag(idempotency_key)}-{number}"
    base = fit_name(name, NAME_RULE, room=NAME_LENGTH - len(suffix)) or "Campaign"
    return base + suffix


def join_id(tracking_ids: list[str]) -> str:
    return ID_SEPARATOR.join(tracking_ids)


def split_id(campaign_id: str) -> list[str]:
    ids = [part for part in campaign_id.split(ID_SEPARATOR) if part]
    if not ids:
        raise NotFound("This is not a Routee campaign id.", provider="routee")
    return ids


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def overall_status(statuses: list[CampaignStatus]) -> CampaignStatus:
    """One status for several parts: the same when they agree; when all are final, failed
    over cancelled over completed; otherwise the campaign as a whole is still sending."""
    distinct = set(statuses)
    if len(distinct) == 1:
        return statuses[0]
    if all(s.is_final for s in distinct):
        for status in (S.FAILED, S.CANCELLED):
            if status in distinct:
                return status
        return S.COMPLETED
    return S.SENDING


class RouteeProvider(Provider):
    capabilities: ClassVar[Capabilities] = Capabilities(
        provider="routee",
        display_name="Routee",
        actions={
            Action.VALIDATE: frozenset({S.DRAFT, S.INVALID, S.READY}),
            Action.SEND: frozenset({S.DRAFT, S.READY}),
            Action.UPDATE: frozenset({S.SCHEDULED}),
            Action.CANCEL: frozenset({S.SCHEDULED}),
            Action.DELETE: frozenset({S.SCHEDULED}),
        },
        max_recipients_per_request=MAX_TO,
        per_row_messages=False,
        supports_quiet_hours=True,
        estimated_send_rate=600,  # Routee publishes no throughput: the sandbox's figure
        settings=SettingsRules(
            sender=SenderRule(
                offered=True,
                required=True,
                numeric_digits=16,
                alphanumeric_chars=11,
                note="A number is sent without its '+'.",
            ),
            name=NAME_RULE,
            short_links=Feature(
                note="Routee's urlShortener option is listed without its format in the "
                "material this app follows, so it is not offered."
            ),
            flash=Feature(True, "A flash SMS shows at once on the screen and is not stored."),
            callbacks=CallbackRule(
                per_message=True,
                per_campaign=True,
                strategies=CALLBACK_STRATEGIES,
                note="Routee calls the address on every change or once at the end.",
            ),
        ),
        requirements=(
            "A Routee application (application id and secret) with enough balance. Each "
            "distinct text is sent as its own Routee campaign of at most 30,000 numbers."
        ),
        limits={
            "numbers_per_campaign": MAX_TO,
            "campaign_name_length": NAME_LENGTH,
            "numeric_sender_digits": 16,
            "alphanumeric_sender_length": 11,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: Secret | None = None
        self._renew_at = 0.0
        self._token_lock = asyncio.Lock()

    # -- auth -------------------------------------------------------------------------------
    async def _bearer(self) -> Secret:
        async with self._token_lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                await self._fetch_token()
            assert self._token is not None
            return self._token

    async def _fetch_token(self) -> None:
        """Client-credentials grant; the token lives in memory only and is renewed a little
        before it expires (a tenth of its lifetime, at most a minute, early)."""
        creds = self.account.credentials
        response = await self.transport.request(
            "POST",
            self.url("/oauth/token"),
            provider=self.capabilities.display_name,
            auth=httpx.BasicAuth(
                creds.get("application_id", ""), creds.get("application_secret", "")
            ),
            data={"grant_type": "client_credentials"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(
                "Routee refused the application id or secret.",
                provider=self.name,
                code=_json(response).get("error"),
                http_status=response.status_code,
                provider_message=_json(response).get("error_description"),
            )
        if response.status_code >= 300:
            raise self._error(response, idempotent=True)
        data = _json(response)
        lifetime = float(data.get("expires_in", 3600))
        self._token = Secret(data["access_token"])
        redaction.register(f"{self.account.id} access token", [self._token])
        self._renew_at = time.monotonic() + lifetime - min(60.0, lifetime / 10)

    def _forget(self, token: str) -> None:
        if self._token == token:
            self._token = None

    # -- HTTP -------------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = True,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """One API call with a bearer token; a 401/403 renews the token and tries once more."""
        for renewed in (False, True):
            token = await self._bearer()
            response = await self.transport.request(
                method,
                self.url(path),
                provider=self.capabilities.display_name,
                idempotent=idempotent,
                headers={"Authorization": f"Bearer {token}"},
                json=body,
                params=params,
            )
            if response.status_code not in (401, 403) or renewed:
                break
            self._forget(token)
        if response.status_code >= 300:
            raise self._error(response, idempotent=idempotent)
        return response.json() if response.content else {}

    def _error(self, response: httpx.Response, *, idempotent: bool) -> ProviderError:
        data = _json(response)
        code = data.get("code")
        detail = data.get("developerMessage")
        status = response.status_code
        kw: dict[str, Any] = {
            "provider": self.name,
            "code": code,
            "provider_message": detail,
            "idempotent": idempotent,
        }
        if code in ERRORS:
            cls, sentence = ERRORS[code]
            if cls is ValidationError and detail:
                sentence = f"{sentence} Routee says: {detail}"
            return error_for(cls, sentence, response, **kw)
        if status == 429:
            sentence = "Routee is limiting requests; try again shortly."
            return error_for(RateLimited, sentence, response, **kw)
        if status >= 500:
            sentence = f"Routee failed to answer (HTTP {status}); try again later."
            return error_for(TransientError, sentence, response, **kw)
        if status in (401, 403):
            sentence = f"Routee refused the access token of this application: {detail or status}."
            return error_for(AuthError, sentence, response, **kw)
        sentence = f"Routee refused the request (HTTP {status}): {detail or 'no reason given'}."
        return error_for(BY_STATUS.get(status, ProviderError), sentence, response, **kw)

    # -- building requests ------------------------------------------------------------------
    def _body(
        self, spec: CampaignSpec, part: Part, *, scheduled: datetime | None, named: bool = True
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"body": part.body, "to": part.to}
        sender = self.sender(spec)
        if sender is not None:
            # Routee takes a numeric sender without its '+'.
            body["from"] = sender.removeprefix("+")
        if named:
            body["campaignName"] = part_name(spec.name, spec.idempotency_key, part.number)
        if scheduled is not None:
            body["scheduledDate"] = iso(scheduled)
        schedule = spec.schedule
        body["respectQuietHours"] = bool(schedule and schedule.respect_quiet_hours)
        body["flash"] = bool(spec.options.get("flash", False))
        for option, key in (
            ("message_callback", "callback"),
            ("campaign_callback", "campaignCallback"),
        ):
            if spec.options.get(option):
                body[key] = dict(spec.options[option])
        return body

    async def _find_by_name(self, name: str) -> dict[str, Any] | None:
        page = await self._call("GET", "/campaigns", params={"campaignName": name, "size": 1})
        content = page.get("content") or []
        return content[0] if content else None

    async def _create_part(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST one part at most once: a lost answer or a 409009003 finds it by its name."""
        name = body["campaignName"]

        async def attempt() -> dict[str, Any]:
            try:
                created: dict[str, Any] = await self._call(
                    "POST", "/sms/campaign", idempotent=False, body=body
                )
            except Conflict as exc:
                existing = await self._find_by_name(name) if exc.code == "409009003" else None
                if existing is None:
                    raise
                return existing
            return created

        return await self.transport.create_once(attempt, lambda: self._find_by_name(name))

    # -- operations -------------------------------------------------------------------------
    @one_per_key
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        """Create every part (scheduled when the spec starts later). With ``campaign_id`` the
        scheduled parts are sent now: an explicit PUT without ``scheduledDate``."""
        if campaign_id is not None:
            return await self._rewrite(campaign_id, spec, scheduled=None)
        scheduled = spec.schedule.start if spec.schedule else None
        created: list[dict[str, Any]] = []
        for part in split_parts(spec):
            try:
                created.append(await self._create_part(self._body(spec, part, scheduled=scheduled)))
            except ProviderError as exc:
                raise _partly_done(exc, created) from None
        if not created:
            raise ValidationError(
                "The campaign has no recipients.", provider=self.name, code="400009004"
            )
        return self._aggregate(created)

    @one_per_key
    async def update(self, campaign_id: str, spec: CampaignSpec) -> RemoteCampaign:
        """Replace a scheduled campaign's content; its schedule is always sent again."""
        scheduled = spec.schedule.start if spec.schedule else None
        if scheduled is None:
            current = await self._details(split_id(campaign_id)[0])
            scheduled = parse_time(current.get("scheduledDate"))
            if scheduled is None or current.get("state") != "Scheduled":
                raise InvalidState(ERRORS["400009002"][1], provider=self.name, code="400009002")
        return await self._rewrite(campaign_id, spec, scheduled=scheduled)

    async def _rewrite(
        self, campaign_id: str, spec: CampaignSpec, *, scheduled: datetime | None
    ) -> RemoteCampaign:
        """PUT the new parts over the old ones, create extra parts, delete parts left over."""
        ids = split_id(campaign_id)
        results: list[dict[str, Any]] = []
        for part in split_parts(spec):
            body = self._body(spec, part, scheduled=scheduled)
            if part.number <= len(ids):
                results.append(await self._call("PUT", f"/sms/{ids[part.number - 1]}", body=body))
            else:
                results.append(await self._create_part(body))
        for tracking_id in ids[len(results) :]:
            await self._delete_part(tracking_id)
        if not results:
            raise ValidationError(
                "The campaign has no recipients.", provider=self.name, code="400009004"
            )
        return self._aggregate(results)

    @one_per_key
    async def validate(self, spec: CampaignSpec) -> ValidationReport:
        """The dry run ``POST /sms/analyze/campaign`` per part; numbers it cannot place in a
        country (``recipientCountries`` null, a sandbox guess) become issues at their rows."""
        issues: list[ProviderIssue] = []
        checked = 0
        for part in split_parts(spec):
            checked += len(part.to)
            try:
                analysis = await self._call(
                    "POST",
                    "/sms/analyze/campaign",
                    body=self._body(spec, part, scheduled=None, named=False),
                )
            except (ValidationError, NotFound) as exc:
                issues.append(ProviderIssue(code=exc.code or "", message=str(exc)))
                continue
            countries = analysis.get("recipientCountries") or {}
            for index, number in zip(part.indexes, part.to, strict=True):
                if number in countries and not countries[number]:
                    issues.append(
                        ProviderIssue(
                            code="invalid_number",
                            message=f"Routee cannot place {number} in any country.",
                            index=index,
                            column="phone",
                        )
                    )
        return ValidationReport(provider=self.name, issues=tuple(issues), checked=checked)

    async def cancel(self, campaign_id: str) -> RemoteCampaign:
        """Delete every scheduled part; parts already gone are skipped."""
        ids = split_id(campaign_id)
        deleted = [part for tid in ids if (part := await self._delete_part(tid)) is not None]
        return RemoteCampaign(
            provider=self.name,
            id=campaign_id,
            name=_base_name(deleted[0].get("campaignName")) if deleted else "",
            status=S.CANCELLED,
            provider_status="Deleted",
            total=sum(_total(p) for p in deleted),
            raw={"parts": [_without_numbers(p) for p in deleted]},
        )

    async def delete(self, campaign_id: str) -> None:
        await self.cancel(campaign_id)

    async def _delete_part(self, tracking_id: str) -> dict[str, Any] | None:
        try:
            deleted: dict[str, Any] = await self._call("DELETE", f"/sms/{tracking_id}")
        except NotFound:
            return None
        return deleted

    async def _details(self, tracking_id: str) -> dict[str, Any]:
        details: dict[str, Any] = await self._call("GET", f"/campaigns/{tracking_id}")
        return details

    async def get(self, campaign_id: str) -> RemoteCampaign:
        """Add up the parts; a part that no longer exists (deleted) is left out."""
        parts: list[dict[str, Any]] = []
        for tracking_id in split_id(campaign_id):
            try:
                parts.append(await self._details(tracking_id))
            except NotFound:
                continue
        if not parts:
            raise NotFound(ERRORS["404009001"][1], provider=self.name, code="404009001")
        return self._aggregate(parts, campaign_id)

    async def list(self) -> list[RemoteCampaign]:
        """Every campaign of the account; parts named by this adapter are joined again."""
        groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        page = 0
        while True:
            data = await self._call("GET", "/campaigns", params={"page": page, "size": PAGE_SIZE})
            for item in data.get("content") or []:
                match = _PART_NAME.fullmatch(item.get("campaignName") or "")
                key = match["tag"] if match else item["trackingId"]
                groups.setdefault(key, []).append((int(match["number"]) if match else 1, item))
            if data.get("last", True):
                break
            page += 1
        return [
            self._aggregate([item for _, item in sorted(parts, key=lambda p: p[0])])
            for parts in groups.values()
        ]

    async def find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        """The parts already made for ``spec``, looked up by their unique names."""
        found = []
        for part in split_parts(spec):
            existing = await self._find_by_name(
                part_name(spec.name, spec.idempotency_key, part.number)
            )
            if existing is not None:
                found.append(existing)
        return self._aggregate(found) if found else None

    async def check_access(self) -> None:
        await self._call("GET", "/campaigns", params={"page": 0, "size": 1})

    async def outcomes(self, campaign_id: str) -> AsyncIterator[RecipientOutcome]:
        for tracking_id in split_id(campaign_id):
            page = 0
            while True:
                data = await self._call(
                    "GET",
                    f"/sms/tracking/campaign/{tracking_id}",
                    params={"page": page, "size": PAGE_SIZE},
                )
                for message in data.get("content") or []:
                    yield _outcome(message)
                if data.get("last", True):
                    break
                page += 1

    def _aggregate(
        self, parts: list[dict[str, Any]], campaign_id: str | None = None
    ) -> RemoteCampaign:
        states = [str(p.get("state", "")) for p in parts]
        counts: dict[str, int] = {}
        for part in parts:
            for key, value in (part.get("statuses") or {}).items():
                counts[key] = counts.get(key, 0) + int(value or 0)
        scheduled = [t for p in parts if (t := parse_time(p.get("scheduledDate")))]
        created = [t for p in parts if (t := parse_time(p.get("createdAt")))]
        match = _PART_NAME.fullmatch(parts[0].get("campaignName") or "")
        return RemoteCampaign(
            provider=self.name,
            id=campaign_id or join_id([p["trackingId"] for p in parts]),
            name=_base_name(parts[0].get("campaignName")),
            status=overall_status([STATUS_MAP.get(s, S.SENDING) for s in states]),
            provider_status=", ".join(dict.fromkeys(states)),
            total=sum(_total(p) for p in parts),
            # "sent": handed to the network, whatever the handset later reported
            sent=sum(counts.get(k, 0) for k in ("Sent", "Delivered", "Undelivered")),
            delivered=counts.get("Delivered", 0),
            failed=sum(counts.get(k, 0) for k in ("Failed", "Undelivered", "Unsent")),
            pending=counts.get("Queued", 0),
            scheduled_at=min(scheduled) if scheduled else None,
            created_at=min(created) if created else None,
            external_id=match["tag"] if match else None,
            raw={"parts": [_without_numbers(p) for p in parts]},
        )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _total(part: Mapping[str, Any]) -> int:
    total = part.get("totalMessages")
    return int(total) if total is not None else len(part.get("to") or [])


def _without_numbers(part: Mapping[str, Any]) -> dict[str, Any]:
    """A part as kept in ``raw``: without its (up to 30,000) numbers."""
    return {k: v for k, v in part.items() if k != "to"}


def _base_name(name: Any) -> str:
    if not isinstance(name, str):
        return ""
    match = _PART_NAME.fullmatch(name)
    return match["base"] if match else name


def _outcome(message: Mapping[str, Any]) -> RecipientOutcome:
    status = message.get("status") or {}
    name = str(status.get("status") or status.get("name") or "")
    reason = status.get("reason") or {}
    return RecipientOutcome(
        phone=str(message.get("to", "")),
        status=MESSAGE_STATUS.get(name, OutcomeStatus.PENDING),
        provider_status=name,
        detail=str(reason.get("detailedStatus") or ""),
        at=parse_time(status.get("date")),
    )


def _partly_done(exc: ProviderError, created: list[dict[str, Any]]) -> ProviderError:
    """Say which parts were already accepted when a later one fails."""
    if created:
        ids = join_id([p["trackingId"] for p in created])
        exc.args = (
            f"{exc} {counted(len(created), 'part')} {'was' if len(created) == 1 else 'were'} "
            f"already accepted by Routee ({ids}); sending "
            "the same campaign again completes the rest without sending twice.",
        )
    return exc
