"""BulkSMS EAPI adapter: ``send_batch`` submissions and ``get_report`` outcomes.

The wire format (seed 002 and PROVIDERS.md section 3):

* ``POST {base}/submission/send_batch/1/1.0``, a form in ISO-8859-1 with ``username``,
  ``password`` and ``batch_data`` (CSV ``msisdn,message`` plus per-row override columns), answered
  ``status_code|status_description|batch_id``. Only the code may be relied on.
* ``stop_dup_id`` (1..2147483647) makes a resubmission within a few hours replay the first
  successful answer, so submissions are idempotent and the transport retries them freely.
* A submission holds at most 30,000 messages; a larger campaign goes out as several
  submissions, each with its own ``stop_dup_id``. Its campaign id is the comma-joined batch ids.
* ``send_time`` is wall-clock time in the time zone configured for the BulkSMS account; the
  adapter takes it from ``account.options["timezone"]`` (default UTC, as in the sandbox).
* ``GET {base}/status_reports/get_report/2/2.0?batch_id=...`` gives one
  ``msisdn|status_code[|optional fields]`` line per message.

What EAPI cannot do, the capabilities leave out: there are no drafts, no update, no pause or
resume, and a scheduled batch cannot be cancelled ("once submitted, such a message cannot be
cancelled"). There is no call that lists batches either.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import ClassVar
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from app.domain.campaign import Action, CampaignStatus, Capabilities, RemoteCampaign
from app.domain.campaign_settings import Feature, NameRule, SenderRule, SettingsRules
from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.domain.wording import counted
from app.providers.base import CampaignSpec, Provider, Recipient, ValidationReport, one_per_key
from app.providers.errors import (
    AuthError,
    InsufficientFunds,
    NotFound,
    ProviderError,
    RateLimited,
    TransientError,
    Unsupported,
    ValidationError,
)
from app.providers.issues import ProviderIssue

PROVIDER = "bulksms"
DISPLAY = "BulkSMS"  # how the transport's sentences name it
SEND_PATH = "/submission/send_batch/1/1.0"
REPORT_PATH = "/status_reports/get_report/2/2.0"
#: PROVIDERS.md: "max 30,000 messages" (one page version says 50,000: the lower one is safe).
MAX_PER_SUBMISSION = 30_000
#: The optional CSV columns of send_batch, taken from ``Recipient.fields`` when present.
OVERRIDE_COLUMNS = ("sender", "msg_class", "dca", "routing_group", "source_id", "repliable")
#: Batch-wide defaults of the same settings a spec may carry in ``spec.options``.
BATCH_OPTIONS = ("msg_class", "routing_group", "source_id", "repliable", "want_report")
#: "For 8bit or 16bit, a message containing only hexadecimal octets, to a maximum of 140 octets".
MAX_16BIT_UNITS = 70
#: The seed: retry 40; "you could also do so if you receive 26 or 28, which might have been
#: resolved after several resend attempts" -- a few attempts in all, not the full policy.
UPSTREAM_ATTEMPTS = 3
CHARSET = "iso-8859-1"
#: The scheduling_description sent with a scheduled batch is the name's first 100 characters
#: (EAPI gives no limit; the JSON API's schedule-description takes 256).
DESCRIPTION_CHARS = 100
#: msg_class of a flash SMS (2 is a normal one) [seed 002]
FLASH_CLASS = "0"
FORM_TYPE = f"application/x-www-form-urlencoded; charset={CHARSET}"
#: Lines per streamed body piece; a submission is a whole number of pieces.
PIECE_ROWS = 1000
assert MAX_PER_SUBMISSION % PIECE_ROWS == 0
_NEEDS_ESCAPE = re.compile(r'[\\"\r\n]')
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")

S = CampaignStatus

#: Submission codes that mean success, and the campaign status they stand for.
SUBMISSION_STATUS: dict[str, CampaignStatus] = {"0": S.SENDING, "1": S.SCHEDULED}

#: Failure codes of send_batch and get_report: the error class and a sentence for the operator.
#: 27 is a daily volume quota: it clears with time, not with money or better data, so it is a
#: RateLimited -- without ``retry_after``, as BulkSMS does not say when its day rolls over.
ERRORS: dict[str, tuple[type[ProviderError], str]] = {
    "22": (TransientError, "BulkSMS had an internal error; try again later."),
    "23": (AuthError, "BulkSMS refused the username or password of this account."),
    "24": (ValidationError, "BulkSMS refused the data of the request as invalid."),
    "25": (InsufficientFunds, "The BulkSMS account does not have enough credits for this batch."),
    "26": (TransientError, "BulkSMS's upstream has no credits available now; try again later."),
    "27": (RateLimited, "The BulkSMS account has used up its daily quota; try again tomorrow."),
    "28": (TransientError, "BulkSMS's upstream quota is exceeded; try again later."),
    "40": (TransientError, "BulkSMS is temporarily unavailable; try again later."),
}

#: Per-message codes of get_report (PROVIDERS.md), normalised.
REPORT_CODES: dict[str, tuple[OutcomeStatus, str]] = {
    "0": (OutcomeStatus.PENDING, "In progress"),
    "10": (OutcomeStatus.SENT, "Delivered upstream"),
    "11": (OutcomeStatus.DELIVERED, "Delivered to mobile"),
    "12": (OutcomeStatus.SENT, "Delivered upstream unacknowledged"),
    "22": (OutcomeStatus.FAILED, "Internal fatal error"),
    "23": (OutcomeStatus.FAILED, "Authentication failure"),
    "24": (OutcomeStatus.FAILED, "Data validation failed"),
    "25": (OutcomeStatus.FAILED, "Insufficient credits"),
    "26": (OutcomeStatus.FAILED, "Upstream credits not available"),
    "27": (OutcomeStatus.FAILED, "Daily quota exceeded"),
    "28": (OutcomeStatus.FAILED, "Upstream quota exceeded"),
    "29": (OutcomeStatus.FAILED, "Message sending cancelled"),
    "30": (OutcomeStatus.FAILED, "Test complete (nothing was sent)"),
    "31": (OutcomeStatus.FAILED, "Unroutable"),
    "32": (OutcomeStatus.FAILED, "Blocked"),
    "33": (OutcomeStatus.FAILED, "Failed: censored"),
    "40": (OutcomeStatus.PENDING, "Temporarily unavailable"),
    "50": (OutcomeStatus.FAILED, "Delivery failed"),
    "51": (OutcomeStatus.FAILED, "Delivery to phone failed"),
    "52": (OutcomeStatus.FAILED, "Delivery to network failed"),
    "53": (OutcomeStatus.FAILED, "Message expired"),
    "60": (OutcomeStatus.PENDING, "Transient upstream failure"),
    "61": (OutcomeStatus.SENT, "Upstream status update"),
    "62": (OutcomeStatus.SENT, "Upstream cancel failed"),
    "70": (OutcomeStatus.SENT, "Unknown upstream status"),
}
UNKNOWN_CODE = (OutcomeStatus.SENT, "Unknown status")


def stop_dup_id(idempotency_key: str, chunk: int) -> int:
    """The stable de-duplication id of one submission of a campaign, in 1..2147483647."""
    digest = hashlib.sha256(f"{idempotency_key}#{chunk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 2_147_483_647 + 1


def csv_field(value: str) -> str:
    """One quoted CSV value; quote, backslash and line breaks escaped with a backslash.

    A CR is kept as ``\\r`` (a CR LF as ``\\r\\n``), so that the message BulkSMS sends is the
    one counted: two GSM characters, not one. EAPI documents the backslash escape for line
    feeds and quotes (PROVIDERS.md); that it reads ``\\r`` the same way is a gap (the sandbox
    does).
    """
    if _NEEDS_ESCAPE.search(value) is None:
        return f'"{value}"'
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "\\r").replace("\n", "\\n") + '"'


def is_latin1(text: str) -> bool:
    try:
        text.encode(CHARSET)
    except UnicodeEncodeError:
        return False
    return True


def wire_message(recipient: Recipient) -> tuple[str, str | None]:
    """The message as it goes in the CSV, and the ``dca`` it needs (None: the default).

    EAPI parameters are ISO-8859-1; a text with a character outside it goes as ``16bit``: its
    UTF-16 (UCS-2) code units in hex. A row that names its own 8bit/16bit ``dca`` already holds
    hex and goes as it is.
    """
    if recipient.fields.get("dca") in ("8bit", "16bit") or is_latin1(recipient.message):
        return recipient.message, None
    return recipient.message.encode("utf-16-be", "surrogatepass").hex().upper(), "16bit"


def row_issues(
    index: int, recipient: Recipient, message: str, dca: str | None
) -> Iterator[ProviderIssue]:
    """What makes a row impossible to put on the EAPI wire (``message, dca`` as wired)."""
    if recipient.fields.get("dca") in ("8bit", "16bit") and not _HEX.fullmatch(message):
        yield ProviderIssue(
            "bulksms.not_hex",
            "With an 8bit or 16bit dca the message must be hexadecimal octets (e.g. 0048).",
            index=index,
            column="message",
        )
    elif dca == "16bit" and len(message) // 4 > MAX_16BIT_UNITS:
        yield ProviderIssue(
            "bulksms.unicode_too_long",
            f"This message needs Unicode (16-bit), where BulkSMS takes at most "
            f"{MAX_16BIT_UNITS} characters; it has {len(message) // 4}.",
            index=index,
            column="message",
        )
    for column, value in recipient.fields.items():
        if column in OVERRIDE_COLUMNS and not is_latin1(value):
            yield ProviderIssue(
                "bulksms.not_latin1",
                f"The {column} value has a character outside ISO-8859-1, which BulkSMS cannot "
                "take there.",
                index=index,
                column=column,
            )


@dataclass(frozen=True, slots=True)
class Survey:
    """One pass over the recipients before anything is sent."""

    columns: tuple[str, ...]  # the override columns the CSV needs, in send_batch order
    issues: tuple[ProviderIssue, ...]
    rows: int


async def survey(recipients: Iterable[Recipient]) -> Survey:
    """Read every row once; hands the event loop back every 1,000 rows (the UI's loop)."""
    used: set[str] = set()
    issues: list[ProviderIssue] = []
    rows = 0
    for index, recipient in enumerate(recipients):
        rows = index + 1
        if rows % PIECE_ROWS == 0:
            await asyncio.sleep(0)
        message, dca = wire_message(recipient)
        if dca:
            used.add("dca")
        used.update(c for c, v in recipient.fields.items() if v and c in OVERRIDE_COLUMNS)
        issues.extend(row_issues(index, recipient, message, dca))
    return Survey(tuple(c for c in OVERRIDE_COLUMNS if c in used), tuple(issues), rows)


def csv_line(recipient: Recipient, columns: Sequence[str]) -> str:
    message, dca = wire_message(recipient)
    values = [recipient.phone.removeprefix("+"), message]
    for column in columns:
        given = recipient.fields.get(column, "")
        values.append(dca if column == "dca" and dca else given)
    return ",".join(map(csv_field, values)) + "\n"


def form_value(text: str) -> bytes:
    """``text`` as an ``application/x-www-form-urlencoded`` value in ISO-8859-1.

    Called once per 1,000-line piece, not per line: quote_plus's cost is mostly per call.
    """
    return quote_plus(text, safe="", encoding=CHARSET).encode("ascii")


@dataclass(frozen=True, slots=True)
class Reply:
    """A parsed ``status_code|status_description|batch_id`` answer."""

    code: str
    description: str
    batch_id: str = ""
    body: list[str] = field(default_factory=list)  # the lines after the status line

    @classmethod
    def parse(cls, response: httpx.Response) -> Reply:
        text = response.content.decode(CHARSET)
        first, _, rest = text.partition("\n")
        code, _, tail = first.strip().partition("|")
        description, _, batch_id = tail.partition("|")
        return cls(code.strip(), description, batch_id.strip(), rest.splitlines())


def upstream_retry(response: httpx.Response) -> bool | int:
    """The transport's transient check for a 200 answer of send_batch."""
    code = response.content.split(b"|", 1)[0].strip()
    if code == b"40":
        return True
    if code in (b"26", b"28"):
        return UPSTREAM_ATTEMPTS
    return False


class BulkSmsProvider(Provider):
    capabilities: ClassVar[Capabilities] = Capabilities(
        provider=PROVIDER,
        display_name=DISPLAY,
        actions={
            # test_always_succeed: basic validation only (credentials and batch data format)
            Action.VALIDATE: frozenset({S.DRAFT, S.INVALID, S.READY}),
            # no drafts at BulkSMS: "send" creates and sends (or schedules) in one submission
            Action.SEND: frozenset({S.DRAFT, S.READY}),
        },
        max_recipients_per_request=MAX_PER_SUBMISSION,
        per_row_messages=True,
        estimated_send_rate=600,  # BulkSMS publishes no rate: the sandbox's figure
        settings=SettingsRules(
            sender=SenderRule(
                offered=True,
                numeric_digits=16,
                alphanumeric_chars=11,
                note="Without one, BulkSMS uses the account's default sender id. An "
                "alphanumeric sender is a route-specific feature, available once credits were "
                "bought.",
            ),
            name=NameRule(
                max_chars=DESCRIPTION_CHARS,
                charset=CHARSET,
                note="Sent as the scheduling description of a scheduled batch.",
            ),
            flash=Feature(True, "msg_class 0: the message shows at once and is not stored."),
        ),
        requirements=(
            "A BulkSMS EAPI username and password. Alphanumeric sender ids, repliable numbers "
            "and Unicode (16-bit) messages are route-specific features BulkSMS must enable on "
            "the account. Scheduled times are sent in the account's BulkSMS time zone: set the "
            "same zone in this account's 'timezone' option (default UTC). A scheduled batch "
            "cannot be cancelled."
        ),
        limits={
            "messages_per_submission": MAX_PER_SUBMISSION,
            "unicode_message_chars": MAX_16BIT_UNITS,
            "alphanumeric_sender_chars": 11,
            "source_id_chars": 20,
        },
    )

    # -- operations ---------------------------------------------------------------------------
    @one_per_key
    async def validate(self, spec: CampaignSpec) -> ValidationReport:
        """A ``test_always_succeed`` run of every submission the campaign would make.

        It can tell: whether the credentials work, whether a rule of the adapter's own makes a
        row impossible to send (those issues name the row), and whether BulkSMS refuses a
        submission as a whole (code 24, reported without a row). It cannot tell which lines
        BulkSMS's lenient parser would skip or truncate, nor whether the account has the credits
        or the route-specific features: EAPI answers a status code and nothing more. Per-row
        checks (number validity, length, encoding cost) are the local checks' job.
        """
        checked = await self._survey(spec)
        if checked.issues:
            return ValidationReport(PROVIDER, checked.issues, checked.rows)
        issues: list[ProviderIssue] = []
        async for chunk, pieces in self._chunks(spec, checked.columns):
            reply = await self._submit(spec, pieces, chunk, checked.columns, test=True)
            if reply.code == "24":
                issues.append(ProviderIssue("24", f"BulkSMS: {reply.description}".strip()))
            elif reply.code not in SUBMISSION_STATUS:
                raise self._error(reply)
        return ValidationReport(PROVIDER, tuple(issues), checked.rows)

    @one_per_key
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        """Submit the campaign, split into submissions of at most 30,000 messages.

        Sending the same spec again (same idempotency key, within BulkSMS's few-hour
        ``stop_dup_id`` memory) replays the submissions already accepted and sends only the
        rest, so a send that failed part-way may simply be repeated.
        """
        if campaign_id is not None:
            raise Unsupported(
                "BulkSMS has no drafts: a campaign is created and sent in one submission.",
                provider=PROVIDER,
            )
        checked = await self._survey(spec)
        if checked.issues:
            raise ValidationError(
                f"{counted(len(checked.issues), 'row')} cannot be sent through BulkSMS.",
                provider=PROVIDER,
                issues=checked.issues,
            )
        accepted: list[Reply] = []
        async for chunk, pieces in self._chunks(spec, checked.columns):
            reply = await self._submit(spec, pieces, chunk, checked.columns, test=False)
            if reply.code not in SUBMISSION_STATUS:
                raise self._error(reply, accepted=accepted)
            if not reply.batch_id:
                raise TransientError(
                    "BulkSMS accepted a submission but gave no batch id to follow it by.",
                    provider=PROVIDER,
                    code=reply.code,
                    provider_message=reply.description,
                )
            accepted.append(reply)
        status = S.SCHEDULED if all(r.code == "1" for r in accepted) else S.SENDING
        return RemoteCampaign(
            provider=PROVIDER,
            id=",".join(r.batch_id for r in accepted),
            name=spec.name,
            status=status,
            provider_status=accepted[0].description,
            total=checked.rows,
            pending=checked.rows,
            scheduled_at=spec.schedule.start if status is S.SCHEDULED and spec.schedule else None,
            external_id=str(stop_dup_id(spec.idempotency_key, 0)),
            raw={"batches": [r.batch_id for r in accepted], "codes": [r.code for r in accepted]},
        )

    async def get(self, campaign_id: str) -> RemoteCampaign:
        """Progress from the per-message report; EAPI has no other view of a batch.

        A scheduled batch reports nothing until it is sent, so an empty report reads as
        SCHEDULED.
        """
        counts = dict.fromkeys(OutcomeStatus, 0)
        for batch_id in self._batch_ids(campaign_id):
            for line in await self._report(batch_id, ()):
                counts[self._outcome_code(line)[0]] += 1
        total = sum(counts.values())
        if total == 0:
            status = S.SCHEDULED
        elif counts[OutcomeStatus.PENDING]:
            status = S.SENDING
        else:
            status = S.COMPLETED
        return RemoteCampaign(
            provider=PROVIDER,
            id=campaign_id,
            name=f"BulkSMS batch {campaign_id}",
            status=status,
            provider_status="no report yet" if total == 0 else status.value,
            total=total,
            sent=counts[OutcomeStatus.SENT] + counts[OutcomeStatus.DELIVERED],
            delivered=counts[OutcomeStatus.DELIVERED],
            failed=counts[OutcomeStatus.FAILED],
            pending=counts[OutcomeStatus.PENDING],
        )

    async def check_access(self) -> None:
        """A report on batch 1: BulkSMS checks the credentials (23) before the batch (24)."""
        with contextlib.suppress(NotFound):
            await self._report("1", ())

    async def list(self) -> list[RemoteCampaign]:
        raise Unsupported(
            "BulkSMS EAPI cannot list batches; campaigns are followed by their batch ids.",
            provider=PROVIDER,
        )

    async def outcomes(self, campaign_id: str) -> AsyncIterator[RecipientOutcome]:
        zone = self._zone()
        for batch_id in self._batch_ids(campaign_id):
            for line in await self._report(batch_id, ("completed_time",)):
                parts = line.split("|")
                status, detail = self._outcome_code(line)
                completed = parts[2].strip() if len(parts) > 2 else ""
                yield RecipientOutcome(
                    phone="+" + parts[0].strip(),
                    status=status,
                    provider_status=parts[1].strip() if len(parts) > 1 else "",
                    detail=detail,
                    at=_parse_time(completed, zone),
                )

    # -- wire ---------------------------------------------------------------------------------
    def _credentials(self) -> list[tuple[str, str]]:
        creds = [(k, self.account.credentials.get(k, "")) for k in ("username", "password")]
        if not all(is_latin1(v) for _, v in creds):
            raise AuthError(
                "The BulkSMS username or password has a character outside ISO-8859-1.",
                provider=PROVIDER,
            )
        return creds

    def _zone(self) -> ZoneInfo:
        name = self.account.options.get("timezone", "UTC")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                f"The account's time zone {name!r} is not a known time zone.", provider=PROVIDER
            ) from None

    async def _survey(self, spec: CampaignSpec) -> Survey:
        schedule = spec.schedule
        if schedule is not None:
            refused = [
                what
                for what, given in (
                    ("a daily sending window", schedule.has_window),
                    ("an end date", schedule.end_date is not None),
                    ("quiet hours", schedule.respect_quiet_hours),
                )
                if given
            ]
            if refused:
                raise Unsupported(
                    f"BulkSMS cannot hold a batch to {' or '.join(refused)}; it only takes a "
                    "start time.",
                    provider=PROVIDER,
                )
        checked = await survey(spec.recipients())
        if checked.rows == 0:
            raise ValidationError("The campaign has no recipients.", provider=PROVIDER)
        return checked

    async def _chunks(
        self, spec: CampaignSpec, columns: Sequence[str]
    ) -> AsyncIterator[tuple[int, list[bytes]]]:
        """Each submission's number and form-encoded CSV (at most 30,000 lines) in 1,000-line
        pieces.

        Only one submission is held (a few MB at most), so a retry can replay it without
        reading the recipients again, and a million rows never sit in memory at once. The
        event loop gets a turn after every piece.
        """
        lines = (csv_line(r, columns) for r in spec.recipients())
        number, chunk = 0, []
        while piece := form_value("".join(islice(lines, PIECE_ROWS))):
            chunk.append(piece)
            await asyncio.sleep(0)
            if len(chunk) * PIECE_ROWS == MAX_PER_SUBMISSION:
                yield number, chunk
                number, chunk = number + 1, []
        if chunk:
            yield number, chunk

    def _form_head(
        self, spec: CampaignSpec, chunk: int, columns: Sequence[str], *, test: bool
    ) -> bytes:
        params = self._credentials()
        if test:  # never with stop_dup_id: the real send would then replay the test's answer
            params.append(("test_always_succeed", "1"))
        else:
            params.append(("stop_dup_id", str(stop_dup_id(spec.idempotency_key, chunk))))
        sender = self.sender(spec)
        if sender:
            params.append(("sender", sender))
        options = dict(spec.options)
        if options.pop("flash", False):
            options.setdefault("msg_class", FLASH_CLASS)
        params.extend((k, str(options[k])) for k in BATCH_OPTIONS if k in options)
        start = spec.schedule.start if spec.schedule else None
        if start is not None:
            local = start.astimezone(self._zone())
            params.append(("send_time", local.strftime("%Y-%m-%d %H:%M:%S")))
            params.append(("scheduling_description", spec.name[:DESCRIPTION_CHARS]))
        header = ",".join(("msisdn", "message", *columns)) + "\n"
        try:
            encoded = urlencode(params, encoding=CHARSET)
        except UnicodeEncodeError:
            raise ValidationError(
                "The sender or a batch option has a character outside ISO-8859-1.",
                provider=PROVIDER,
            ) from None
        return f"{encoded}&batch_data=".encode("ascii") + form_value(header)

    async def _submit(
        self,
        spec: CampaignSpec,
        pieces: list[bytes],
        chunk: int,
        columns: Sequence[str],
        *,
        test: bool,
    ) -> Reply:
        head = self._form_head(spec, chunk, columns, test=test)

        async def body() -> AsyncIterator[bytes]:
            yield head
            for piece in pieces:
                yield piece

        response = await self.transport.request(
            "POST",
            self.url(SEND_PATH),
            provider=DISPLAY,
            idempotent=True,  # stop_dup_id de-duplicates a submission; a test run sends nothing
            transient=upstream_retry,
            body=body,
            headers={"Content-Type": FORM_TYPE},
        )
        return self._reply(response)

    async def _report(self, batch_id: str, optional: Sequence[str]) -> list[str]:
        params = [*self._credentials(), ("batch_id", batch_id)]
        if optional:
            params.append(("optional_fields", ",".join(optional)))
        response = await self.transport.request(
            "GET", self.url(REPORT_PATH), provider=DISPLAY, params=params
        )
        reply = self._reply(response)
        if reply.code == "24":  # the request holds nothing but a well-formed batch id
            raise NotFound(
                f"BulkSMS knows no batch {batch_id}.",
                provider=PROVIDER,
                code=reply.code,
                provider_message=reply.description,
            )
        if reply.code != "0":
            raise self._error(reply)
        return [line for line in reply.body if line.strip()]

    def _reply(self, response: httpx.Response) -> Reply:
        if response.status_code != 200:
            raise TransientError(
                f"BulkSMS answered HTTP {response.status_code}; try again later.",
                provider=PROVIDER,
                http_status=response.status_code,
                ambiguous=response.status_code >= 500,
            )
        return Reply.parse(response)

    def _error(self, reply: Reply, accepted: Sequence[Reply] = ()) -> ProviderError:
        cls, sentence = ERRORS.get(
            reply.code, (TransientError, f"BulkSMS answered an unknown status {reply.code!r}.")
        )
        if accepted:
            ids = ", ".join(r.batch_id for r in accepted)
            sentence += (
                f" {len(accepted)} earlier submission(s) were accepted (batch {ids}); sending "
                "the campaign again sends only the rest."
            )
        return cls(sentence, provider=PROVIDER, code=reply.code, provider_message=reply.description)

    @staticmethod
    def _batch_ids(campaign_id: str) -> list[str]:
        ids = [part.strip() for part in campaign_id.split(",")]
        if not all(i.isdigit() and int(i) > 0 for i in ids):
            raise NotFound(
                f"{campaign_id!r} is not a BulkSMS batch id (a positive number).",
                provider=PROVIDER,
            )
        return ids

    @staticmethod
    def _outcome_code(line: str) -> tuple[OutcomeStatus, str]:
        parts = line.split("|")
        code = parts[1].strip() if len(parts) > 1 else ""
        return REPORT_CODES.get(code, UNKNOWN_CODE)


def _parse_time(text: str, zone: ZoneInfo) -> datetime | None:
    """A report time (``yyyy-mm-dd hh:mm:ss`` in the account's zone, as send_time is)."""
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
    except ValueError:
        return None
