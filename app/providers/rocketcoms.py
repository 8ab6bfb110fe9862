"""RocketCOMS adapter: a campaign is a *batch*, a ``phone,message`` CSV uploaded as multipart.

Wire format (https://developer.rocketcoms.com/, seed 000, PROVIDERS.md §1):

* ``POST /v1/batches`` and ``PATCH /v1/batches/{id}`` upload the CSV, with ``campaignId``
  (create only), ``externalId``, ``description``, ``startDate``/``endDate``,
  ``startTime``/``endTime`` (the daily window), ``shortlink`` and ``action`` (VALIDATE leaves
  the batch CREATED for review; SCHEDULE queues it) as query parameters;
* ``GET /v1/batches`` (paged, filtered), ``GET /v1/batches/{id}``, ``.../errors``,
  ``.../report`` and ``GET /v1/insights/campaigns/{id}``; ``DELETE`` while CREATED;
* Basic ``api_key:api_secret`` auth, or Bearer when the account holds an ``access_token``.

``campaignId`` is the campaign registered with The Campaign Registry (TCR); it comes from
``account.options["campaign_id"]``. The sandbox accepts any UUID, and the built-in sandbox
account (which has no options) uses :data:`SANDBOX_CAMPAIGN_ID`.

RocketCOMS schedules by *day* and *daily window*, both in the account's time zone, which this
adapter takes to be UTC: a start time later than the moment the first day's window opens moves
the start to the next day (never earlier than asked), and the end date is the last UTC day that
ends before the chosen end date does. The API has no pause, resume or cancel: deleting a CREATED
batch is the only way to stop one, so the capabilities offer nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import secrets
from bisect import bisect_right
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time
from functools import lru_cache
from itertools import islice
from typing import Any, ClassVar

import httpx

from app.domain.campaign import Action, CampaignStatus, Capabilities, RemoteCampaign
from app.domain.campaign_settings import CallbackRule, Feature, NameRule, SenderRule, SettingsRules
from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.domain.schedule import Schedule, fixed_zone_plan
from app.providers.base import CampaignSpec, Provider, Recipient, ValidationReport, one_per_key
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
from app.providers.issues import ProviderIssue
from app.providers.transport import error_class, error_for

DISPLAY = "RocketCOMS"
#: The zone of the account's days and daily window: not documented, taken to be UTC.
ACCOUNT_ZONE = "UTC"
#: The TCR campaign the built-in sandbox account uses; the sandbox accepts any UUID.
SANDBOX_CAMPAIGN_ID = "5a4d0b0c-0000-4000-8000-000000000000"
PAGE_SIZE = 100
REPORT_PAGE_SIZE = 1000
#: Bytes of CSV gathered before a chunk of the upload is handed to the connection; rows are
#: written to it ROWS_PER_WRITE at a time (csv's writerows loop is faster than one call a row).
CHUNK_BYTES = 64 * 1024
ROWS_PER_WRITE = 256

S = CampaignStatus

#: RocketCOMS batch status -> normalised status. The docs' enum (UPLOADING, PENDING,
#: IN_PROCESS, COMPLETED, ERROR) plus CREATED (their update/delete rule) and DELIVERED (their
#: samples).
STATUSES: Mapping[str, CampaignStatus] = {
    "CREATED": S.DRAFT,
    "UPLOADING": S.VALIDATING,
    "PENDING": S.SCHEDULED,
    "IN_PROCESS": S.SENDING,
    "COMPLETED": S.COMPLETED,
    "DELIVERED": S.COMPLETED,
    "ERROR": S.FAILED,
}

#: Batch Message status -> per-recipient outcome.
OUTCOMES: Mapping[str, OutcomeStatus] = {
    "PENDING": OutcomeStatus.PENDING,
    "IN-PROCESS": OutcomeStatus.SENT,
    "DELIVERED": OutcomeStatus.DELIVERED,
    "FAILED": OutcomeStatus.FAILED,
    "INVALID-INPUT": OutcomeStatus.FAILED,
    "LENGTH-ERROR": OutcomeStatus.FAILED,
}

#: The ``status`` code of an error body -> error class; HTTP status decides when it is absent.
ERRORS: Mapping[str, type[ProviderError]] = {
    "BAD_REQUEST": ValidationError,
    "UNAUTHORIZED": AuthError,
    "FORBIDDEN": AuthError,
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
    "INVALID_BATCH_STATUS": InvalidState,
    "TOO_MANY_REQUESTS": RateLimited,
    "INTERNAL_SERVER_ERROR": TransientError,
    "SERVICE_UNAVAILABLE": TransientError,
}
HTTP_ERRORS: Mapping[int, type[ProviderError]] = {
    400: ValidationError,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}

_SENTENCES: Mapping[type[ProviderError], str] = {
    AuthError: "RocketCOMS refused the API key or API secret of this account",
    ValidationError: "RocketCOMS rejected the request",
    NotFound: "RocketCOMS has no such batch",
    Conflict: "RocketCOMS reported a conflict",
    InvalidState: "RocketCOMS does not allow this in the batch's current status",
    RateLimited: "RocketCOMS is limiting requests; try again in a moment",
    TransientError: "RocketCOMS had a temporary failure; try again later",
    ProviderError: "RocketCOMS refused the request",
}

#: A CREATED batch is a draft at RocketCOMS; locally it may also have been checked (INVALID or
#: READY) before it is sent, like every other provider's draft.
_DRAFT = frozenset({S.DRAFT, S.INVALID, S.READY})


class RocketComsProvider(Provider):
    capabilities: ClassVar[Capabilities] = Capabilities(
        provider="rocketcoms",
        display_name=DISPLAY,
        actions={
            Action.UPDATE: _DRAFT,
            Action.VALIDATE: _DRAFT,
            Action.SEND: _DRAFT,
            Action.DELETE: _DRAFT,
        },
        per_row_messages=True,
        supports_daily_window=True,
        supports_end_date=True,
        supports_short_links=True,
        window_zone=ACCOUNT_ZONE,
        estimated_send_rate=600,  # RocketCOMS publishes no rate: the sandbox's figure
        settings=SettingsRules(
            sender=SenderRule(
                note="RocketCOMS sends from the number of the TCR-registered campaign; a "
                "batch takes no sender id."
            ),
            name=NameRule(note="Sent as the batch's description."),
            short_links=Feature(
                True,
                "RocketCOMS shortens every URL and counts the message after shortening; the "
                "length a short link counts is a setting.",
            ),
            callbacks=CallbackRule(note="RocketCOMS has no callbacks; the app reads the batch."),
        ),
        requirements=(
            "A campaign registered with The Campaign Registry (TCR): put its campaign ID in the "
            "account's options as campaign_id. RocketCOMS schedules by start day and daily "
            "window in UTC, and cannot pause, resume or cancel a batch once it is scheduled."
        ),
    )

    # -- the operations -----------------------------------------------------------------------
    @one_per_key
    async def create(self, spec: CampaignSpec) -> RemoteCampaign:
        """Upload the batch with action=VALIDATE: it stays CREATED, editable and deletable."""
        return await self._submit(spec, "VALIDATE")

    @one_per_key
    async def update(self, campaign_id: str, spec: CampaignSpec) -> RemoteCampaign:
        return await self._replace(campaign_id, spec, "VALIDATE")

    @one_per_key
    async def validate(self, spec: CampaignSpec) -> ValidationReport:
        """Upload with action=VALIDATE and read every line error; the CREATED batch it leaves
        is the report's ``campaign_id``, ready for :meth:`send`."""
        batch = await self._submit(spec, "VALIDATE")
        issues = [issue async for issue in self._line_issues(batch.id, spec)]
        return ValidationReport(self.name, tuple(issues), spec.count, campaign_id=batch.id)

    @one_per_key
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        if campaign_id is None:
            return await self._submit(spec, "SCHEDULE")
        return await self._replace(campaign_id, spec, "SCHEDULE")

    async def delete(self, campaign_id: str) -> None:
        await self._call("DELETE", f"/v1/batches/{campaign_id}")

    async def get(self, campaign_id: str) -> RemoteCampaign:
        batch = _unwrap(await self._call("GET", f"/v1/batches/{campaign_id}"))
        counts = _unwrap(await self._call("GET", f"/v1/insights/campaigns/{campaign_id}"))
        return self._campaign(batch, counts)

    async def list(self) -> list[RemoteCampaign]:
        return [self._campaign(row) async for row in self._batches()]

    async def find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        return await self._find(external_id_for(spec))

    async def check_access(self) -> None:
        await self._call("GET", "/v1/batches", params={"page": "0", "pageSize": "1"})

    async def outcomes(self, campaign_id: str) -> AsyncIterator[RecipientOutcome]:
        path = f"/v1/batches/{campaign_id}/report"
        async for row in self._pages(path, {}, REPORT_PAGE_SIZE):
            yield _outcome(row)

    # -- submissions --------------------------------------------------------------------------
    async def _submit(self, spec: CampaignSpec, action: str) -> RemoteCampaign:
        """Upload ``spec`` once per idempotency key.

        A batch already carrying this key's externalId is reused: a CREATED one is replaced by
        PATCH, a submitted one is returned as it is (a retried send never sends twice).
        """
        external_id = external_id_for(spec)
        existing = await self._find(external_id)
        if existing is not None:
            if existing.provider_status == "CREATED":
                return await self._replace(existing.id, spec, action)
            if action == "SCHEDULE":
                return existing
            raise InvalidState(
                f"This campaign was already submitted to RocketCOMS as batch {existing.id} "
                f"({existing.provider_status}); it can no longer be changed.",
                provider=self.name,
                code=existing.provider_status,
            )
        return await self.transport.create_once(
            lambda: self._post(spec, action, external_id), lambda: self._find(external_id)
        )

    async def _post(self, spec: CampaignSpec, action: str, external_id: str) -> RemoteCampaign:
        params = {
            "campaignId": self._campaign_id(),
            "externalId": external_id,
            **self._batch_params(spec, action),
        }
        response = await self._upload("POST", "/v1/batches", spec, params, idempotent=False)
        return self._campaign(_unwrap(response))

    async def _replace(self, campaign_id: str, spec: CampaignSpec, action: str) -> RemoteCampaign:
        """PATCH a CREATED batch with ``spec``'s file.

        Validating again is idempotent. Scheduling is not (a repeat finds the batch no longer
        CREATED), so a scheduling PATCH whose answer is lost checks the batch before retrying.
        """
        if action == "VALIDATE":
            return await self._patch(campaign_id, spec, action, idempotent=True)
        return await self.change_once(
            campaign_id,
            lambda: self._patch(campaign_id, spec, action, idempotent=False),
            "CREATED",
        )

    async def _patch(
        self, campaign_id: str, spec: CampaignSpec, action: str, *, idempotent: bool
    ) -> RemoteCampaign:
        params = {"externalId": external_id_for(spec), **self._batch_params(spec, action)}
        path = f"/v1/batches/{campaign_id}"
        response = await self._upload("PATCH", path, spec, params, idempotent=idempotent)
        return self._campaign(_unwrap(response))

    async def _find(self, external_id: str) -> RemoteCampaign | None:
        """The newest batch of this account's campaign that carries ``external_id``."""
        async for row in self._batches():
            if row.get("externalId") == external_id:
                return self._campaign(row)
        return None

    def _batch_params(self, spec: CampaignSpec, action: str) -> dict[str, str]:
        params = schedule_params(spec.schedule, datetime.now(UTC))
        params.update(
            description=spec.description or spec.name,
            shortlink="true" if spec.short_links else "false",
            action=action,
        )
        return params

    def _known_campaign_id(self) -> str | None:
        configured = self.account.options.get("campaign_id")
        return configured or (SANDBOX_CAMPAIGN_ID if self.account.sandbox else None)

    def _campaign_id(self) -> str:
        """The TCR campaign every new batch belongs to (required on create)."""
        campaign_id = self._known_campaign_id()
        if campaign_id:
            return campaign_id
        raise ValidationError(
            "RocketCOMS needs the ID of a campaign registered with The Campaign Registry: "
            "set campaign_id in this account's options.",
            provider=self.name,
        )

    async def _upload(
        self,
        method: str,
        path: str,
        spec: CampaignSpec,
        params: dict[str, str],
        *,
        idempotent: bool,
    ) -> httpx.Response:
        boundary = secrets.token_hex(16)
        return await self._call(
            method,
            path,
            params=params,
            idempotent=idempotent,
            body=lambda: multipart_csv(spec.recipients(), boundary),
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    async def _line_issues(self, batch_id: str, spec: CampaignSpec) -> AsyncIterator[ProviderIssue]:
        path = f"/v1/batches/{batch_id}/errors"
        lines: FileLines | None = None  # only worked out once an error needs it
        async for error in self._pages(path, {"verbose": "true"}, PAGE_SIZE):
            if lines is None:
                lines = await FileLines.of(spec)
            index = lines.row_at(int(error.get("line") or 0))
            yield ProviderIssue(
                code="FILE_ERROR", message=str(error.get("detailMessage") or ""), index=index
            )

    # -- HTTP ---------------------------------------------------------------------------------
    async def _batches(self) -> AsyncIterator[dict[str, Any]]:
        """This account's batches, newest first; only its TCR campaign's when one is set."""
        params = {"sortBy": "createdAt", "sortDir": "desc"}
        campaign_id = self._known_campaign_id()
        if campaign_id:
            params["campaignId"] = campaign_id
        async for row in self._pages("/v1/batches", params, PAGE_SIZE):
            yield row

    async def _pages(
        self, path: str, params: Mapping[str, str], size: int
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a paginated envelope, page after page."""
        page = 0
        while True:
            query = {**params, "page": str(page), "pageSize": str(size)}
            result = _unwrap(await self._call("GET", path, params=query))
            content = result.get("content") or []
            for item in content:
                yield item
            page += 1
            if not content or page * size >= int(result.get("total") or 0):
                return

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        idempotent: bool = True,
        body: Callable[[], AsyncIterator[bytes]] | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": self._authorization(), "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        response = await self.transport.request(
            method,
            self.url(path),
            provider=DISPLAY,
            idempotent=idempotent,
            body=body,
            params=params,
            headers=headers,
        )
        if response.status_code >= 400:
            raise self._error(response, idempotent=idempotent)
        return response

    def _authorization(self) -> str:
        credentials = self.account.credentials
        token = credentials.get("access_token")
        if token:
            return f"Bearer {token}"
        pair = f"{credentials.get('api_key', '')}:{credentials.get('api_secret', '')}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    def _error(self, response: httpx.Response, *, idempotent: bool) -> ProviderError:
        """The error for a refused call; a 5xx to a create may have been processed first."""
        status = response.status_code
        code, text = _error_fields(response)
        cls = error_class(code, status, ERRORS, HTTP_ERRORS)
        sentence = _SENTENCES[cls] + (f": {text}" if text else ".")
        if cls is AuthError and status == 403:
            sentence = "RocketCOMS accepted the API key but does not permit this request" + (
                f": {text}" if text else "."
            )
        return error_for(
            cls,
            sentence,
            response,
            provider=self.name,
            code=code or str(status),
            provider_message=text,
            idempotent=idempotent,
        )

    # -- mapping ------------------------------------------------------------------------------
    def _campaign(
        self, batch: Mapping[str, Any], counts: Mapping[str, Any] | None = None
    ) -> RemoteCampaign:
        provider_status = str(batch.get("status") or "")
        status = STATUSES.get(provider_status)
        if status is None:
            raise ProviderError(
                f"RocketCOMS reported a batch status this app does not know: {provider_status!r}.",
                provider=self.name,
                code=provider_status,
            )
        counts = counts or {}
        return RemoteCampaign(
            provider=self.name,
            id=str(batch["id"]),
            name=str(batch.get("description") or batch.get("externalId") or batch["id"]),
            status=status,
            provider_status=provider_status,
            total=counts.get("submitted"),
            sent=int(counts.get("sent") or 0),
            delivered=int(counts.get("delivered") or 0),
            failed=int(counts.get("failed") or 0) + int(counts.get("rejected") or 0),
            pending=int(counts.get("inProgress") or 0),
            scheduled_at=_starts(batch),
            created_at=_timestamp(batch.get("createdAt")),
            external_id=batch.get("externalId"),
            raw=dict(batch),
        )


# -- wire helpers ---------------------------------------------------------------------------
#: Rows of the uploaded file looked at per turn of the loop when its lines are worked out
#: (about 10 ms).
LINES_PER_TURN = 4_000


class FileLines:
    """Which row of the uploaded file starts on a line: a row takes one line, plus one per CR
    in its message (a CR is a line break of the file, inside the quoted field)."""

    def __init__(self, count: int) -> None:
        self.count = count
        # After each row that holds a CR: the line and index of the row that follows it, and
        # the lines the row took beyond its first.
        self._starts: list[int] = []
        self._rows: list[int] = []
        self._extra: list[int] = []

    @classmethod
    async def of(cls, spec: CampaignSpec) -> FileLines:
        """The lines of ``spec``'s file, handing the event loop back every few thousand rows:
        a million in one go held it 2.4 s (benchmarks/ui_1m.py's validation)."""
        made = cls(spec.count)
        line = 1  # where the current row starts
        for index, recipient in enumerate(spec.recipients()):
            breaks = recipient.message.count("\r")
            line += 1 + breaks
            if breaks:
                made._starts.append(line)
                made._rows.append(index + 1)
                made._extra.append(breaks)
            if index % LINES_PER_TURN == LINES_PER_TURN - 1:
                await asyncio.sleep(0)
        return made

    def row_at(self, line: int) -> int | None:
        """The index of the row that starts on ``line`` (1-based); None for a line that no row
        starts on."""
        at = bisect_right(self._starts, line) - 1
        base_line, base_row = (self._starts[at], self._rows[at]) if at >= 0 else (1, 0)
        after = at + 1
        if after < len(self._starts) and line >= self._starts[after] - self._extra[after]:
            return None  # a line inside a row that holds a CR
        index = base_row + (line - base_line)
        return index if line >= 1 and index < self.count else None


def external_id_for(spec: CampaignSpec) -> str:
    """The batch's externalId: a short, stable digest of the spec's idempotency key."""
    digest = hashlib.sha256(spec.idempotency_key.encode()).hexdigest()[:32]
    return f"cd-{digest}"


def schedule_params(schedule: Schedule | None, now: datetime) -> dict[str, str]:
    """startDate, endDate, startTime and endTime in UTC for ``schedule`` (None: send now), as
    the domain's fixed-zone plan reads it (``app.domain.schedule.fixed_zone_plan``)."""
    plan = fixed_zone_plan(schedule or Schedule(), ACCOUNT_ZONE, now)
    params = {"startDate": plan.start_day.isoformat()}
    if plan.window is not None:
        params.update(startTime=f"{plan.window[0]:%H:%M}", endTime=f"{plan.window[1]:%H:%M}")
    if plan.end_day is not None:
        params["endDate"] = plan.end_day.isoformat()
    return params


async def multipart_csv(recipients: Iterable[Recipient], boundary: str) -> AsyncIterator[bytes]:
    """A multipart/form-data body with one ``file`` part holding the batch CSV, in chunks.

    The framing is written here because httpx's ``files=`` wants a whole file object, and a
    million rows must stream from the recipients without ever being held in memory at once.
    """
    yield (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="batch.csv"\r\n'
        "Content-Type: text/csv; charset=utf-8\r\n\r\n"
    ).encode()
    buffer = io.StringIO()
    # CR LF line ends: csv quotes a field that holds a character of the line end, and a CR in
    # a message must be quoted.
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = iter(recipients)
    while batch := [(r.phone, escape_message(r.message)) for r in islice(rows, ROWS_PER_WRITE)]:
        writer.writerows(batch)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode() + f"\r\n--{boundary}--\r\n".encode()


@lru_cache(maxsize=4096)  # campaigns repeat a few texts over many rows
def escape_message(text: str) -> str:
    """RocketCOMS's ``\\n`` escape for every line feed. A CR stays a CR (a CR LF is two GSM
    characters, and is counted so): the only escape RocketCOMS documents is the one for a line
    feed, so the CR goes as it is, in a quoted field, and takes a line of the file
    (:class:`FileLines` counts it)."""
    return text.replace("\n", "\\n")


def _unwrap(response: httpx.Response) -> dict[str, Any]:
    """The ``result`` of an envelope, or the bare object some calls answer with."""
    try:
        data = response.json()
    except ValueError:
        raise TransientError(
            f"RocketCOMS answered {response.status_code} with a body that is not JSON.",
            provider="rocketcoms",
            http_status=response.status_code,
        ) from None
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        return data["result"]
    return data if isinstance(data, dict) else {}


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None]:
    """The ``status`` code and ``message`` of an error body, if it has that shape."""
    try:
        data = response.json()
    except ValueError:
        return None, response.text.strip()[:200] or None
    if not isinstance(data, dict):
        return None, None
    code = data.get("status")
    message = data.get("message")
    return (str(code) if code else None), (str(message) if message else None)


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _starts(batch: Mapping[str, Any]) -> datetime | None:
    """When the batch may start: its start date at its window's opening, in UTC."""
    try:
        day = date.fromisoformat(str(batch.get("startDate")))
        opens = time.fromisoformat(str(batch["startTime"])) if batch.get("startTime") else time()
    except ValueError:
        return None
    return datetime.combine(day, opens, UTC)


def _outcome(row: Mapping[str, Any]) -> RecipientOutcome:
    provider_status = str(row.get("status") or "")
    number = row.get("destinationNumber")
    phone = "" if number is None else str(number)
    if phone and row.get("destinationFormat") == 1:
        phone = "+" + phone
    moment = _timestamp(row.get("confirmedAt")) or _timestamp(row.get("sentAt"))
    return RecipientOutcome(
        phone=phone,
        status=OUTCOMES.get(provider_status, OutcomeStatus.PENDING),
        provider_status=provider_status,
        detail=provider_status if provider_status in ("INVALID-INPUT", "LENGTH-ERROR") else "",
        at=moment,
    )
