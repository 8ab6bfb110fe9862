"""The one async interface every provider adapter implements, and its error hierarchy.

Adapters only translate: wire formats, paths, auth headers, statuses and error bodies are
mapped onto the types below, so the UI and the CLI never see a provider's dialect. Every error
keeps the provider's own code and message next to a sentence an operator can act on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from app.domain.batch import IssueSeverity
from app.domain.campaign import Action, CampaignStatus, Capabilities, check_action
from app.domain.schedule import Schedule

if TYPE_CHECKING:
    from app.providers.transport import Transport


class Secret(str):
    """A string that never shows itself in a repr, a log record or an f-string debug view."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True, slots=True)
class Account:
    """Where and as whom to talk to one provider. Credentials come from the OS keyring."""

    provider: str
    name: str
    base_url: str
    credentials: Mapping[str, Secret] = field(default_factory=dict, repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    sandbox: bool = False


@dataclass(frozen=True, slots=True)
class Recipient:
    """One row of a batch as it goes to a provider."""

    row: int  # index of the row in the editor
    line: int  # 1-based line of the row in the operator's file
    phone: str  # E.164
    message: str
    fields: Mapping[str, str] = field(default_factory=dict)  # extra columns (per-row overrides)


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """Everything a provider needs to create, update or send a campaign.

    ``recipients`` is a factory, not a list: a million rows are streamed to the wire, and a
    retry iterates them again. ``idempotency_key`` is stable for one submission of one local
    campaign; adapters derive their de-duplication token from it (BulkSMS ``stop_dup_id``,
    RocketCOMS ``externalId``, a campaign name...), so a retried create never sends twice.
    """

    name: str
    recipients: Callable[[], Iterable[Recipient]]
    count: int
    idempotency_key: str
    schedule: Schedule | None = None
    sender: str | None = None
    short_links: bool = False
    description: str = ""
    send_rate: int | None = None  # messages per minute, where the provider takes one
    options: Mapping[str, Any] = field(default_factory=dict)  # provider-specific settings


#: A provider's issue has the same two severities as a local row issue.
Severity = IssueSeverity


@dataclass(frozen=True, slots=True)
class ProviderIssue:
    """One problem a provider's validate-only run found.

    ``index`` is the position of the recipient in ``spec.recipients()`` (None for a problem
    with the whole file); :func:`map_issues_to_rows` fills ``row`` and ``line`` from it.
    """

    code: str
    message: str
    index: int | None = None
    severity: Severity = Severity.ERROR
    column: str | None = None
    row: int | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ValidationReport:
    provider: str
    issues: tuple[ProviderIssue, ...]
    checked: int
    campaign_id: str | None = None  # a draft the check left at the provider, if any

    @property
    def ok(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)


@dataclass(frozen=True, slots=True)
class RemoteCampaign:
    """A campaign as a provider reports it, with the status normalised."""

    provider: str
    id: str
    name: str
    status: CampaignStatus
    provider_status: str
    total: int | None = None
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    scheduled_at: datetime | None = None
    created_at: datetime | None = None
    external_id: str | None = None
    send_rate: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


class OutcomeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    phone: str
    status: OutcomeStatus
    provider_status: str
    detail: str = ""
    at: datetime | None = None


class ProviderError(Exception):
    """A provider refused or failed a call. ``str()`` is a sentence for the operator.

    ``code`` and ``provider_message`` are the provider's own; neither ever holds a credential.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        code: str | None = None,
        http_status: int | None = None,
        provider_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.code = code
        self.http_status = http_status
        self.provider_message = provider_message


class AuthError(ProviderError):
    """The credentials were refused."""


class ValidationError(ProviderError):
    """The request or its data was refused as invalid; never retried."""

    def __init__(self, message: str, *, issues: Iterable[ProviderIssue] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.issues = tuple(issues)


class NotFound(ProviderError):
    """The campaign (or another record) does not exist at the provider."""


class Conflict(ProviderError):
    """The request clashes with an existing record (a duplicate name, say)."""


class InvalidState(ProviderError):
    """The campaign's status does not allow this operation."""


class InsufficientFunds(ProviderError):
    """Not enough credit or balance to send."""


class RateLimited(ProviderError):
    """Too many requests; ``retry_after`` seconds is the provider's wait, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TransientError(ProviderError):
    """A failure worth retrying later (network, 5xx, maintenance).

    ``ambiguous`` is True when the request may have been processed before the failure (its
    answer was lost): a create must then look for what it made before trying again.
    """

    def __init__(self, message: str, *, ambiguous: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.ambiguous = ambiguous


class Unsupported(ProviderError):
    """The provider's API has no such operation."""


class Provider(ABC):
    """The async interface of one provider. One instance talks to one account."""

    capabilities: ClassVar[Capabilities]

    def __init__(self, account: Account, transport: Transport) -> None:
        self.account = account
        self.transport = transport

    @property
    def name(self) -> str:
        return self.capabilities.provider

    def ensure(self, action: Action, status: CampaignStatus) -> None:
        """Raise :class:`InvalidState` before a call the provider would refuse anyway."""
        check = check_action(action, status, self.capabilities)
        if not check:
            raise InvalidState(check.reason, provider=self.name)

    def unsupported(self, what: str) -> Unsupported:
        return Unsupported(
            f"{self.capabilities.display_name} has no {what} operation.", provider=self.name
        )

    def url(self, path: str) -> str:
        """``path`` under the account's base URL, whether or not that ends with a slash."""
        return self.account.base_url.rstrip("/") + path

    async def change_once(
        self, campaign_id: str, attempt: Callable[[], Awaitable[RemoteCampaign]], *before: str
    ) -> RemoteCampaign:
        """A status change made at most once: when ``attempt``'s answer is lost, the campaign
        is read back, and a provider status no longer among ``before`` means it went through."""

        async def done_already() -> RemoteCampaign | None:
            current = await self.get(campaign_id)
            return None if current.provider_status in before else current

        return await self.transport.create_once(attempt, done_already)

    async def delete_once(
        self, delete: Callable[[], Awaitable[object]], read: Callable[[], Awaitable[object]]
    ) -> None:
        """A delete made at most once: when its answer is lost, ``read`` fetches the record
        again, and a :class:`NotFound` means the delete went through."""

        async def attempt() -> bool:
            await delete()
            return True

        async def gone() -> bool | None:
            try:
                await read()
            except NotFound:
                return True
            return None

        await self.transport.create_once(attempt, gone)

    # -- the operations ---------------------------------------------------------------------
    async def create(self, spec: CampaignSpec) -> RemoteCampaign:
        """Create the campaign at the provider in its draft state, without sending."""
        raise self.unsupported("draft")

    async def update(self, campaign_id: str, spec: CampaignSpec) -> RemoteCampaign:
        raise self.unsupported("update")

    async def validate(self, spec: CampaignSpec) -> ValidationReport:
        """Run the provider's validate-only check; nothing is sent."""
        raise self.unsupported("validate-only")

    @abstractmethod
    async def send(self, spec: CampaignSpec, campaign_id: str | None = None) -> RemoteCampaign:
        """Send now, or schedule when ``spec.schedule`` starts later.

        With ``campaign_id`` the existing draft is sent; without, it is created and sent in one
        go. Either way a retry with the same ``spec.idempotency_key`` never sends twice.
        """

    async def pause(self, campaign_id: str) -> RemoteCampaign:
        raise self.unsupported("pause")

    async def resume(self, campaign_id: str) -> RemoteCampaign:
        raise self.unsupported("resume")

    async def cancel(self, campaign_id: str) -> RemoteCampaign:
        raise self.unsupported("cancel")

    async def unschedule(self, campaign_id: str) -> RemoteCampaign:
        raise self.unsupported("unschedule")

    async def delete(self, campaign_id: str) -> None:
        raise self.unsupported("delete")

    @abstractmethod
    async def get(self, campaign_id: str) -> RemoteCampaign: ...

    @abstractmethod
    async def list(self) -> list[RemoteCampaign]: ...

    async def outcomes(self, campaign_id: str) -> AsyncIterator[RecipientOutcome]:
        """Per-recipient outcomes, paged through as the provider allows."""
        raise self.unsupported("per-recipient report")
        yield  # pragma: no cover - makes this an async generator


def map_issues_to_rows(
    issues: Iterable[ProviderIssue], recipients: Sequence[Recipient]
) -> list[ProviderIssue]:
    """Give each issue the editor row and file line of the recipient it names by index
    (looked up, not walked to: a million recipients are not built again for a few issues).
    Issues in index order, then those without a recipient."""
    placed: list[ProviderIssue] = []
    unplaced: list[ProviderIssue] = []
    for issue in issues:
        if issue.index is not None and 0 <= issue.index < len(recipients):
            placed.append(_with_row(issue, recipients[issue.index]))
        else:
            unplaced.append(issue)
    placed.sort(key=lambda i: i.index or 0)
    return placed + unplaced


def _with_row(issue: ProviderIssue, recipient: Recipient) -> ProviderIssue:
    return replace(issue, row=recipient.row, line=recipient.line)
