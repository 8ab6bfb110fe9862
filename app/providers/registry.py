"""Which adapter serves which provider, and the sandbox account of each.

Adapters are imported on first use so that starting the app does not load all five.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from app.domain.accounts import Account, Secret, sandbox_account_id
from app.providers.base import Provider

if TYPE_CHECKING:
    from app.providers.transport import Transport


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    key: str
    display_name: str
    adapter: str  # "module:Class"
    sandbox_path: str  # where the sandbox serves it, below the sandbox's root URL
    credential_fields: tuple[str, ...]
    #: account options the built-in sandbox account needs to work out of the box
    sandbox_options: tuple[tuple[str, str], ...] = ()
    #: the ``account.options`` the adapter reads (an account form offers them)
    option_fields: tuple[str, ...] = ()


#: The default sender of the built-in sandbox accounts whose provider takes one.
SANDBOX_SENDER = "CampDesk"

PROVIDERS: dict[str, ProviderEntry] = {
    e.key: e
    for e in (
        ProviderEntry(
            "rocketcoms",
            "RocketCOMS",
            "app.providers.rocketcoms:RocketComsProvider",
            "/rocketcoms",
            ("api_key", "api_secret"),
            option_fields=("campaign_id",),
        ),
        ProviderEntry(
            "routee",
            "Routee",
            "app.providers.routee:RouteeProvider",
            "/routee",
            ("application_id", "application_secret"),
            # Routee needs a sender: an alphanumeric one (at most 11 letters and digits)
            (("sender", SANDBOX_SENDER),),
        ),
        ProviderEntry(
            "bulksms",
            "BulkSMS",
            "app.providers.bulksms:BulkSmsProvider",
            "/bulksms",
            ("username", "password"),
            option_fields=("timezone",),
        ),
        ProviderEntry(
            "cordial",
            "Cordial",
            "app.providers.cordial:CordialProvider",
            "/cordial/v2",
            ("api_key",),
            # the audience the Cordial sandbox knows by default (app/sandbox/cordial.py)
            (("audience_key", "all-sms"),),
            option_fields=("audience_key", "channel", "transport_id"),
        ),
        ProviderEntry(
            "batch",
            "Batch",
            "app.providers.batchcom:BatchProvider",
            "/batch/2.8",
            ("rest_api_key", "project_key"),
        ),
    )
}

#: The sandbox accepts ``sandbox`` for every credential, in each provider's own scheme.
SANDBOX_SECRET = "sandbox"


def adapter_class(provider: str) -> type[Provider]:
    module_name, _, class_name = PROVIDERS[provider].adapter.partition(":")
    cls: type[Provider] = getattr(import_module(module_name), class_name)
    return cls


def make_provider(account: Account, transport: Transport) -> Provider:
    return adapter_class(account.provider)(account, transport)


def sandbox_account(provider: str, sandbox_url: str) -> Account:
    """The built-in account of ``provider`` on a sandbox served at ``sandbox_url``."""
    entry = PROVIDERS[provider]
    return Account(
        id=sandbox_account_id(provider),
        provider=provider,
        name=f"{entry.display_name} sandbox",
        base_url=sandbox_url.rstrip("/") + entry.sandbox_path,
        credentials={f: Secret(SANDBOX_SECRET) for f in entry.credential_fields},
        options=dict(entry.sandbox_options),
        sandbox=True,
    )
