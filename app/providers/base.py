"""The one async interface every provider adapter implements (its errors: ``errors.py``).

Adapters only translate: wire formats, paths, auth headers, statuses and error bodies are
mapped onto the types below, so the UI and the CLI never see a provider's dialect. Every error
keeps the provider's own code and message next to a sentence an operator can act on.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from app.domain.accounts import Account
from app.domain.campaign import (
    Action,
    CampaignStatus,
    Capabilities,
    RemoteCampaign,
    check_action,
)
from app.domain.outcomes import RecipientOutcome
from app.domain.schedule import Schedule
from app.providers import redaction
from app.providers.errors import InvalidState, NotFound, Unsupported
from app.providers.issues import ProviderIssue, Severity

if TYPE_CHECKING:
    from app.providers.transport import Transport


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

    ``sender``, ``short_links`` and ``options`` come from the campaign's settings
    (``app.domain.campaign_settings.spec_values``); the option keys adapters read are
    ``flash``, ``audience_key``, ``targeting``, ``message_callback`` and
    ``campaign_callback``, plus provider-specific ones each adapter documents. The send
    rate, like every other "when", is the schedule's.
    """

    name: str
    recipients: Callable[[], Iterable[Recipient]]
    count: int
    idempotency_key: str
    schedule: Schedule | None = None
    sender: str | None = None
    short_links: bool = False
    description: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)  # provider-specific settings


@dataclass(frozen=True, slots=True)
class ValidationReport:
    provider: str
    issues: tuple[ProviderIssue, ...]
    checked: int
    campaign_id: str | None = None  # a draft the check left at the provider, if any

    @property
    def ok(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)


class Provider(ABC):
    """The async interface of one provider. One instance talks to one account."""

    capabilities: ClassVar[Capabilities]

    def __init__(self, account: Account, transport: Transport) -> None:
        self.account = account
        self.transport = transport
        if not account.sandbox:  # the built-in sandbox's "sandbox" is no secret, and common
            redaction.register(account.id, account.credentials.values())

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

    def sender(self, spec: CampaignSpec) -> str | None:
        """The spec's sender, else the account's default one (its ``sender`` option)."""
        return spec.sender or self.account.options.get("sender") or None

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

    async def find(self, spec: CampaignSpec) -> RemoteCampaign | None:
        """The campaign an earlier create or send of ``spec`` made (same idempotency key), or
        None when the provider has none: how a send whose answer was lost is checked without
        sending again. Raises :class:`Unsupported` where the provider cannot be asked."""
        raise self.unsupported("look-up by idempotency key")

    async def check_access(self) -> None:
        """One cheap authenticated call ("test connection"); raises :class:`AuthError` when
        the credentials are refused."""
        await self.list()

    @abstractmethod
    async def get(self, campaign_id: str) -> RemoteCampaign: ...

    @abstractmethod
    async def list(self) -> list[RemoteCampaign]: ...

    async def outcomes(self, campaign_id: str) -> AsyncIterator[RecipientOutcome]:
        """Per-recipient outcomes, paged through as the provider allows."""
        raise self.unsupported("per-recipient report")
        yield  # pragma: no cover - makes this an async generator


Operation = TypeVar("Operation", bound=Callable[..., Awaitable[Any]])


def one_per_key(operation: Operation) -> Operation:
    """Make an adapter operation that takes a :class:`CampaignSpec` (and may create at the
    provider) run one call at a time per account and idempotency key.

    Each adapter looks for what an earlier call of the key made, then creates: two calls at
    once would both find nothing and both create (RocketCOMS, Cordial and Batch made the
    campaign twice, and sent it twice). In turn, the second finds the first one's campaign.
    Only for the public operations: they never call one another, and the lock is not
    re-entrant.
    """

    @functools.wraps(operation)
    async def in_turn(self: Provider, *args: Any, **kwargs: Any) -> Any:
        spec = next(a for a in (*args, *kwargs.values()) if isinstance(a, CampaignSpec))
        key = f"{self.name}\x00{self.account.id}\x00{spec.idempotency_key}"
        async with self.transport.exclusive(key):
            return await operation(self, *args, **kwargs)

    return cast(Operation, in_turn)


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
