"""The errors every adapter raises, with the provider's own code and message kept on them.

A module of its own, so that the transport (which raises them too) and the adapters' base
class both import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.providers.issues import ProviderIssue
from app.providers.redaction import redact


class ProviderError(Exception):
    """A provider refused or failed a call. ``str()`` is a sentence for the operator.

    ``code`` and ``provider_message`` are the provider's own. None of the three ever holds a
    credential: they pass through :func:`~app.providers.redaction.redact`, also when the
    provider's text echoed one.
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
        super().__init__(redact(message))
        self.provider = provider
        self.code = None if code is None else redact(code)
        self.http_status = http_status
        self.provider_message = None if provider_message is None else redact(provider_message)


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
