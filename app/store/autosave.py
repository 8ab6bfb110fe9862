"""Crash recovery: the edits a journal records, and their replay on a freshly loaded batch.

A snapshot of every row would cost seconds at a million rows, every few seconds; the journal
costs only what changed: one JSON line per edit, in the order they were made. Edits are recorded
as they reach the document, so an undo is journalled as the edit it makes: the journal needs
nothing from the undo stack. Where journals live, and how they are locked, found after a crash
and deleted, is :mod:`app.store.journal`.

:class:`Autosave` (one journal for the whole app, in ``session.json`` and ``journal.jsonl``) is
the version before; :mod:`app.store.journal` carries a journal it left over on the first start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.domain.batch import Batch, RowData
from app.domain.csvfile import CsvLayout
from app.store.atomic import write_text_atomic
from app.store.settings import data_dir

Op = list[Any]


class RestoreError(ValueError):
    """The journal cannot be applied; ``str()`` says why in one sentence."""


@dataclass(frozen=True, slots=True)
class SessionHeader:
    base: str | None  # the file the edits apply to; None for a document started empty
    size: int | None
    mtime_ns: int | None
    layout: CsvLayout | None
    extra_columns: tuple[str, ...] = ()

    @classmethod
    def for_file(
        cls, path: Path | None, layout: CsvLayout | None, extra_columns: Sequence[str] = ()
    ) -> SessionHeader:
        if path is None:
            return cls(None, None, None, layout, tuple(extra_columns))
        stat = path.stat()
        return cls(str(path), stat.st_size, stat.st_mtime_ns, layout, tuple(extra_columns))

    def check_base(self) -> Path | None:
        """The base file, after checking it is still the one the edits were made on."""
        if self.base is None:
            return None
        path = Path(self.base)
        try:
            stat = path.stat()
        except OSError:
            raise RestoreError(f"The file {path.name} the edits were made on is gone.") from None
        if (stat.st_size, stat.st_mtime_ns) != (self.size, self.mtime_ns):
            raise RestoreError(
                f"The file {path.name} was changed since, so the edits no longer fit it."
            )
        return path


@dataclass(frozen=True, slots=True)
class Session:
    header: SessionHeader
    ops: list[Op]


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


class Autosave:
    """The recovery files of the one open document, in the app's data folder."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or data_dir() / "autosave"
        self.header_path = folder / "session.json"
        self.journal_path = folder / "journal.jsonl"

    def begin(self, header: SessionHeader) -> None:
        """Start a new journal (on open, on save): the edits so far are in ``header.base``."""
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        self.journal_path.write_bytes(b"")
        data = asdict(header)
        data["layout"] = layout_to_json(header.layout)
        write_text_atomic(self.header_path, json.dumps(data, ensure_ascii=False))

    def append(self, ops: Sequence[Op]) -> None:
        """Add edits to the journal and make sure they reached the disk."""
        if not ops:
            return
        lines = "".join(json.dumps(op, ensure_ascii=False) + "\n" for op in ops)
        with self.journal_path.open("a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def discard(self) -> None:
        """Forget the session (the document was saved and closed, or its changes dropped)."""
        self.header_path.unlink(missing_ok=True)
        self.journal_path.unlink(missing_ok=True)

    def pending(self) -> Session | None:
        """The session a crash left behind, if it holds any edit; None otherwise.

        A last line cut short by the crash is ignored: the edits before it are whole.
        """
        try:
            header = _header_from(json.loads(self.header_path.read_text(encoding="utf-8")))
            text = self.journal_path.read_text(encoding="utf-8")
        except (OSError, ValueError, TypeError, KeyError):
            return None
        ops: list[Op] = []
        for line in text.splitlines():
            try:
                ops.append(json.loads(line))
            except ValueError:
                break
        return Session(header, ops) if ops else None


def _header_from(data: dict[str, Any]) -> SessionHeader:
    return SessionHeader(
        base=data["base"],
        size=data["size"],
        mtime_ns=data["mtime_ns"],
        layout=layout_from_json(data["layout"]),
        extra_columns=tuple(data["extra_columns"]),
    )


def layout_to_json(layout: CsvLayout | None) -> dict[str, Any] | None:
    return None if layout is None else asdict(layout)


def layout_from_json(data: dict[str, Any] | None) -> CsvLayout | None:
    return None if data is None else CsvLayout(**{**data, "columns": tuple(data["columns"])})
