"""A problem a provider's validate-only run found, in the provider-neutral shape."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.batch import IssueSeverity
from app.providers.redaction import redact

#: A provider's issue has the same two severities as a local row issue.
Severity = IssueSeverity


@dataclass(frozen=True, slots=True)
class ProviderIssue:
    """One problem a provider's validate-only run found.

    ``index`` is the position of the recipient in ``spec.recipients()`` (None for a problem
    with the whole file); :func:`map_issues_to_rows` fills ``row`` and ``line`` from it.
    ``code`` and ``message`` may be the provider's text: they never hold a credential (see
    :mod:`app.providers.redaction`).
    """

    code: str
    message: str
    index: int | None = None
    severity: Severity = Severity.ERROR
    column: str | None = None
    row: int | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", redact(self.code))
        object.__setattr__(self, "message", redact(self.message))
