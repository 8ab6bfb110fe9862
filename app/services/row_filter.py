"""Which rows the editor shows: all of them, or only those with a given problem."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from app.domain.batch import Batch


class RowFilter(StrEnum):
    ALL = "All rows"
    ERRORS = "Rows with errors"
    WARNINGS = "Rows with warnings"
    ISSUES = "Rows with any issue"
    UCS2 = "Rows sent as UCS-2"

    def accepts(self, batch: Batch) -> Callable[[int], bool]:
        """A test of a batch row; reads the batch's per-row facts, never spells issues out."""
        if self is RowFilter.ALL:
            return lambda row: True
        if self is RowFilter.ERRORS:
            return lambda row: batch.issue_flags(row)[0]
        if self is RowFilter.WARNINGS:
            return lambda row: batch.issue_flags(row)[1]
        if self is RowFilter.ISSUES:
            return lambda row: any(batch.issue_flags(row))
        return lambda row: batch.analysis(row).encoding == "UCS-2"
