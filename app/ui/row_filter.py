"""Which rows the editor shows: all of them, or only those with a given problem."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from app.domain.batch import IssueSeverity, RowResult


class RowFilter(StrEnum):
    ALL = "All rows"
    ERRORS = "Rows with errors"
    WARNINGS = "Rows with warnings"
    ISSUES = "Rows with any issue"
    UCS2 = "Rows sent as UCS-2"

    def accepts(self) -> Callable[[RowResult], bool]:
        return _TESTS[self]


def _has(severity: IssueSeverity) -> Callable[[RowResult], bool]:
    return lambda result: any(i.severity is severity for i in result.issues)


_TESTS: dict[RowFilter, Callable[[RowResult], bool]] = {
    RowFilter.ALL: lambda result: True,
    RowFilter.ERRORS: _has(IssueSeverity.ERROR),
    RowFilter.WARNINGS: _has(IssueSeverity.WARNING),
    RowFilter.ISSUES: lambda result: bool(result.issues),
    RowFilter.UCS2: lambda result: result.analysis.encoding == "UCS-2",
}
