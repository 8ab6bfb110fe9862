"""Provider accounts: add, edit, remove and test them; the built-in sandbox accounts.

Accounts live in the store without their secrets; each credential is one entry of the OS
keyring (``store.secrets``), or kept in memory for this run when there is no keyring, which
:attr:`AccountService.secrets_notice` says in a sentence for the window. The five sandbox
accounts exist from the first start, need no secret (the sandbox accepts ``sandbox``) and
cannot be removed.

Every refusal is an :class:`AccountError` whose ``str()`` is a sentence naming the field.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psygnal import Signal

from app.domain.accounts import Account, Secret, sandbox_account_id
from app.providers.errors import ProviderError
from app.providers.registry import PROVIDERS, ProviderEntry, adapter_class, sandbox_account
from app.services.connections import ProviderPool
from app.store.accounts import AccountRecord, AccountTable
from app.store.campaigns import CampaignTable
from app.store.database import Database
from app.store.secrets import SecretStore

#: Labels of the credential fields the registry names; masked ones are typed as passwords.
CREDENTIAL_LABELS: Mapping[str, str] = {
    "api_key": "API key",
    "api_secret": "API secret",
    "application_id": "Application ID",
    "application_secret": "Application secret",
    "username": "User name",
    "password": "Password",
    "rest_api_key": "REST API key",
    "project_key": "Project key",
}
UNMASKED = frozenset({"username", "application_id", "project_key"})

#: What each account option means, as the adapters read it.
OPTION_HELP: Mapping[str, tuple[str, str]] = {
    "campaign_id": (
        "TCR campaign ID",
        "The ID (a UUID) of the campaign registered with The Campaign Registry that every "
        "batch belongs to.",
    ),
    "timezone": (
        "Account time zone",
        "The time zone set for the BulkSMS account, in which it reads scheduled times "
        "(for example Europe/London; default UTC).",
    ),
    "audience_key": ("Default audience key", "The saved Cordial audience campaigns go to."),
    "channel": ("Channel key", "The key of the Cordial SMS channel (default sms)."),
    "transport_id": (
        "Transport ID",
        "The Cordial SMS transport to send through, if not the default.",
    ),
}

#: Documented API base URLs, offered when an account is added (the others vary per account).
DEFAULT_BASE_URLS: Mapping[str, str] = {
    "routee": "https://connect.routee.net",
    "bulksms": "https://api.bulksms.com/v1",  # as its API reference gives it
    "cordial": "https://api.cordial.io/v2",
    "batch": "https://api.batch.com/2.8",
}

MAX_NAME = 80


class AccountError(ValueError):
    """An account cannot be saved or removed; ``str()`` says which field and why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class FormField:
    key: str
    label: str
    masked: bool = False  # typed like a password, never shown back
    required: bool = True
    help: str = ""


@dataclass(frozen=True, slots=True)
class AccountForm:
    """What an account of one provider needs, for the dialog to lay out."""

    provider: str
    display_name: str
    default_base_url: str
    credentials: tuple[FormField, ...]
    options: tuple[FormField, ...]
    requirements: str


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    ok: bool
    message: str


class AccountService:
    """The accounts of this installation; signals carry the account id."""

    added = Signal(str)
    changed = Signal(str)
    removed = Signal(str)

    def __init__(
        self,
        db: Database,
        secrets: SecretStore,
        providers: ProviderPool,
        *,
        sandbox_url: str,
    ) -> None:
        self._table = AccountTable(db)
        self._campaigns = CampaignTable(db)
        self._secrets = secrets
        self._providers = providers
        self._sandbox_url = sandbox_url
        self._known: dict[str, Account] = {}
        self._ensure_sandbox_accounts()

    # -- reading -------------------------------------------------------------------------------
    @property
    def secrets_persistent(self) -> bool:
        return self._secrets.persistent

    @property
    def secrets_notice(self) -> str:
        """A sentence for the window when secrets cannot be kept beyond this run ("" if they
        can)."""
        return self._secrets.notice

    def accounts(self) -> list[Account]:
        """Every account, the sandbox ones first, with their credentials as far as known."""
        return [a for r in self._table.all() if (a := self.get(r.id)) is not None]

    def records(self) -> list[AccountRecord]:
        """Every account as stored (no secrets looked up): names and providers, cheaply."""
        return self._table.all()

    def get(self, account_id: str) -> Account | None:
        """The account with its credentials (looked up in the keyring once per change)."""
        account = self._known.get(account_id)
        if account is None:
            record = self._table.get(account_id)
            if record is None:
                return None
            account = self._known[account_id] = self._account(record)
        return account

    def missing_credentials(self, account: Account) -> list[str]:
        """Labels of the credentials ``account`` lacks (after a restart without keyring)."""
        fields = PROVIDERS[account.provider].credential_fields
        return [CREDENTIAL_LABELS.get(f, f) for f in fields if not account.credentials.get(f)]

    @staticmethod
    def form(provider: str) -> AccountForm:
        entry = _entry(provider)
        caps = adapter_class(provider).capabilities
        return AccountForm(
            provider=provider,
            display_name=entry.display_name,
            default_base_url=DEFAULT_BASE_URLS.get(provider, ""),
            credentials=tuple(
                FormField(f, CREDENTIAL_LABELS.get(f, f), masked=f not in UNMASKED)
                for f in entry.credential_fields
            ),
            options=tuple(
                FormField(o, OPTION_HELP[o][0], required=False, help=OPTION_HELP[o][1])
                for o in entry.option_fields
            ),
            requirements=caps.requirements,
        )

    # -- changing ------------------------------------------------------------------------------
    def draft(
        self,
        provider: str,
        name: str,
        base_url: str,
        credentials: Mapping[str, str],
        options: Mapping[str, str] | None = None,
        *,
        account_id: str | None = None,
    ) -> Account:
        """The account these form values make, checked but not saved (for "test connection"
        before "save"). Raises :class:`AccountError`."""
        entry = _entry(provider)
        name = self._checked_name(name, account_id)
        base_url = _checked_url(base_url)
        creds: dict[str, Secret] = {}
        for field in entry.credential_fields:
            value = credentials.get(field, "")
            label = CREDENTIAL_LABELS.get(field, field)
            if not value:
                raise AccountError(f"The {label} is missing.", field=field)
            if not (value.isascii() and value.isprintable()):
                # credentials travel in HTTP headers, which carry ASCII only
                raise AccountError(
                    f"The {label} holds a character that is not plain ASCII (letters, digits, "
                    "punctuation): check that it was copied whole and nothing else with it.",
                    field=field,
                )
            creds[field] = Secret(value)
        return Account(
            id=account_id or f"{provider}-{uuid.uuid4().hex[:12]}",
            provider=provider,
            name=name,
            base_url=base_url,
            credentials=creds,
            options=_checked_options(provider, options or {}),
        )

    def add(
        self,
        provider: str,
        name: str,
        base_url: str,
        credentials: Mapping[str, str],
        options: Mapping[str, str] | None = None,
    ) -> Account:
        account = self.draft(provider, name, base_url, credentials, options)
        self._save(account)
        self.added.emit(account.id)
        return account

    def edit(
        self,
        account_id: str,
        *,
        name: str | None = None,
        base_url: str | None = None,
        credentials: Mapping[str, str] | None = None,
        options: Mapping[str, str] | None = None,
    ) -> Account:
        """Change what is given; a credential left empty keeps the one stored. A sandbox
        account only takes a new name and options."""
        current = self.get(account_id)
        if current is None:
            raise AccountError("This account no longer exists.")
        if current.sandbox and (base_url is not None or credentials):
            raise AccountError(
                "A built-in sandbox account always talks to the sandbox; add an account of "
                "your own to use another address or credentials.",
                field="base_url" if base_url is not None else "credentials",
            )
        kept = {k: str(v) for k, v in current.credentials.items()}
        kept.update({k: v for k, v in (credentials or {}).items() if v})
        if current.sandbox:
            account = replace(
                current,
                name=self._checked_name(name, account_id) if name is not None else current.name,
                options=_checked_options(current.provider, options)
                if options is not None
                else current.options,
            )
        else:
            account = self.draft(
                current.provider,
                current.name if name is None else name,
                current.base_url if base_url is None else base_url,
                kept,
                current.options if options is None else options,
                account_id=account_id,
            )
        self._save(account)
        self._providers.forget(account_id)
        self.changed.emit(account_id)
        return account

    def remove(self, account_id: str) -> None:
        """Remove the account, its secrets and its finished campaigns. Refused for a sandbox
        account, and while it still has campaigns that are not finished."""
        account = self.get(account_id)
        if account is None:
            return
        if account.sandbox:
            raise AccountError(
                f"The {account.name} account is built in and cannot be removed; it sends "
                "nothing real."
            )
        open_ = [c for c in self._campaigns.of_account(account_id) if not c.status.is_final]
        if open_:
            raise AccountError(
                f"{account.name} still has {len(open_)} campaign(s) that are not finished; "
                "delete or cancel them first, or wait until they finish."
            )
        self._table.delete(account_id)
        self._known.pop(account_id, None)
        for field in PROVIDERS[account.provider].credential_fields:
            self._secrets.delete(account_id, field)
        self._providers.forget(account_id)
        self.removed.emit(account_id)

    async def test_connection(self, account: Account) -> ConnectionCheck:
        """One authenticated call to the provider; the outcome as a sentence."""
        display = _entry(account.provider).display_name
        try:
            await self._providers.provider(account).check_access()
        except ProviderError as exc:
            return ConnectionCheck(False, str(exc))
        return ConnectionCheck(True, f"{display} accepted the credentials of {account.name}.")

    # -- inside --------------------------------------------------------------------------------
    def _checked_name(self, name: str, account_id: str | None) -> str:
        name = name.strip()
        if not name:
            raise AccountError("Give the account a name.", field="name")
        if len(name) > MAX_NAME:
            raise AccountError(f"The name is longer than {MAX_NAME} characters.", field="name")
        if any(a.name == name and a.id != account_id for a in self._table.all()):
            raise AccountError(f"Another account is already named {name!r}.", field="name")
        return name

    def _save(self, account: Account) -> None:
        self._known.pop(account.id, None)
        self._table.save(
            AccountRecord(
                id=account.id,
                provider=account.provider,
                name=account.name,
                base_url=account.base_url,
                options=dict(account.options),
                sandbox=account.sandbox,
            )
        )
        if not account.sandbox:
            for field, value in account.credentials.items():
                self._secrets.set(account.id, field, value)

    def _account(self, record: AccountRecord) -> Account:
        if record.sandbox:
            built_in = sandbox_account(record.provider, self._sandbox_url)
            return replace(built_in, name=record.name, options=record.options or built_in.options)
        fields = PROVIDERS[record.provider].credential_fields
        credentials = {
            f: secret for f in fields if (secret := self._secrets.get(record.id, f)) is not None
        }
        return Account(
            id=record.id,
            provider=record.provider,
            name=record.name,
            base_url=record.base_url,
            credentials=credentials,
            options=record.options,
        )

    def _ensure_sandbox_accounts(self) -> None:
        for provider in PROVIDERS:
            if self._table.get(sandbox_account_id(provider)) is None:
                self._save(sandbox_account(provider, self._sandbox_url))


def _entry(provider: str) -> ProviderEntry:
    entry = PROVIDERS.get(provider)
    if entry is None:
        known = ", ".join(PROVIDERS)
        raise AccountError(f"Unknown provider {provider!r}; one of {known}.", field="provider")
    return entry


def _checked_url(text: str) -> str:
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountError(
            "The base URL must be a web address starting with https:// (or http://).",
            field="base_url",
        )
    if parts.username or parts.password:
        raise AccountError(
            "Put the credentials in their own fields, not in the base URL.", field="base_url"
        )
    return url


def _checked_options(provider: str, options: Mapping[str, str]) -> dict[str, str]:
    allowed = _entry(provider).option_fields
    kept: dict[str, str] = {}
    for key, raw in options.items():
        value = raw.strip()
        if key not in allowed:
            raise AccountError(f"{provider} accounts have no option {key!r}.", field=key)
        if not value:
            continue
        if key == "campaign_id":
            try:
                value = str(uuid.UUID(value))
            except ValueError:
                raise AccountError(
                    f"The TCR campaign ID must be a UUID (like 5a4d0b0c-...); {value!r} is not.",
                    field=key,
                ) from None
        if key == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise AccountError(
                    f"{value!r} is not a known time zone (for example Europe/London).", field=key
                ) from None
        kept[key] = value
    return kept
