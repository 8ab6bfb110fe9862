"""Who the app talks to: a provider account and the secrets that sign in to it.

Plain data, so that the store persists accounts (without their secrets) and the services hand
them to adapters, neither knowing the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class Secret(str):
    """A string that never shows itself in a repr, a log record or an f-string debug view."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True, slots=True)
class Account:
    """Where and as whom to talk to one provider. Credentials come from the OS keyring.

    ``id`` is stable for the account's life (renaming it keeps its campaigns); the built-in
    sandbox accounts have ids of their own (see :func:`sandbox_account_id`).
    """

    id: str
    provider: str
    name: str
    base_url: str
    credentials: Mapping[str, Secret] = field(default_factory=dict, repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    sandbox: bool = False


def sandbox_account_id(provider: str) -> str:
    """The id of ``provider``'s built-in sandbox account, the same on every machine."""
    return f"sandbox-{provider}"
