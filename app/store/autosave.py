"""Crash recovery: the edits a journal records, and their replay on a freshly loaded batch.

A snapshot of every row would cost seconds at a million rows, every few seconds; the journal
costs only what changed: one JSON line per edit, in the order they were made. Edits are recorded
as they reach the document, so an undo is journalled as the edit it makes: the journal needs
nothing from the undo stack. Where journals live, and how they are locked, found after a crash
and deleted, is :mod:`app.store.journal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from app.domain.batch import Batch, RowData
from app.domain.csvfile import CsvLayout

Op = list[Any]


class RestoreError(ValueError):
    """The journal cannot be applied; ``str()`` says why in one sentence."""


def set_phone_op(row: int, value: str) -> Op:
    return ["phone", row, value]


def set_message_op(row: int, value: str) -> Op:
    return ["message", row, value]


def set_extra_op(row: int, column: int, value: str) -> Op:
    return ["extra", row, column, value]


def insert_op(row: int, rows: Sequence[RowData]) -> Op:
    return ["insert", row, [[r.phone, r.message, list(r.extras), r.line, r.problem] for r in rows]]


def remove_op(row: int, count: int) -> Op:
    return ["remove", row, count]


def replay(batch: Batch, ops: Iterable[Op]) -> None:
    """Apply journalled edits to ``batch`` (freshly loaded from the header's base file)."""
    for op in ops:
        kind, row, *args = op
        if kind == "phone":
            batch.set_phone(row, args[0])
        elif kind == "message":
            batch.set_message(row, args[0])
        elif kind == "extra":
            batch.set_extra(row, args[0], args[1])
        elif kind == "insert":
            rows = [RowData(p, m, tuple(x), line, problem) for p, m, x, line, problem in args[0]]
            batch.insert_rows(row, rows)
        elif kind == "remove":
            batch.remove_rows(row, args[0])
        else:
            raise RestoreError(f"The recovery journal holds an unknown edit {kind!r}.")


def layout_to_json(layout: CsvLayout | None) -> dict[str, Any] | None:
    return None if layout is None else asdict(layout)


def layout_from_json(data: dict[str, Any] | None) -> CsvLayout | None:
    return None if data is None else CsvLayout(**{**data, "columns": tuple(data["columns"])})
