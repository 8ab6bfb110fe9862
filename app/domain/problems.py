"""A problem with one field of a form the operator fills in (a schedule, campaign settings)."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.batch import IssueSeverity


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A sentence about one field; an error makes the form unusable, a warning does not."""

    field: str
    message: str
    severity: IssueSeverity = IssueSeverity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is IssueSeverity.ERROR
