"""Export a campaign's per-recipient outcomes to CSV, streamed: a million rows never sit in
memory, and the window's event loop is never held.

The rows are read by a worker thread on its own SQLite connection (WAL lets it read while the
window writes) and written through ``domain.csvfile.write_rows``: atomically, with cells that a
spreadsheet would run as a formula escaped.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from app.domain.csvfile import CsvLayout, write_rows
from app.domain.outcomes import OutcomeStatus
from app.store.database import Database, to_text
from app.store.outcomes import outcome_rows

COLUMNS = ("row", "line", "phone", "status", "provider_status", "detail", "time")
LAYOUT = CsvLayout(
    encoding="utf-8",
    delimiter=",",
    has_header=True,
    columns=COLUMNS,
    phone_column=2,
    message_column=5,
    newline="\r\n",
)
#: Rows between two progress reports.
PROGRESS_EVERY = 10_000
#: Rows after which the worker lets go of the interpreter for a moment, so that the window's
#: thread never waits long for it (without, the export held the loop up to 66 ms).
YIELD_EVERY = 500


class ExportCancelled(Exception):
    """The export was cancelled; the target file was left as it was."""


class Cancel:
    """Asks a running export to stop (from the window's thread)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def __call__(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()


async def export_outcomes(
    db: Database,
    campaign_id: int,
    path: Path,
    *,
    statuses: Collection[OutcomeStatus] = (),
    progress: Callable[[int], None] | None = None,
    cancel: Cancel | None = None,
) -> int:
    """Write the campaign's outcomes (only ``statuses``, when given) to ``path``; the number of
    rows written. ``progress`` is called on the event loop's thread with the rows done so far;
    ``cancel()`` stops the export and raises :class:`ExportCancelled`."""
    loop = asyncio.get_running_loop()
    written = 0

    def rows() -> Iterator[tuple[str, ...]]:
        nonlocal written
        connection = db.reader()
        try:
            for outcome in outcome_rows(connection, campaign_id, statuses):
                if cancel is not None and cancel.requested:
                    raise ExportCancelled("The export was cancelled; no file was written.")
                written += 1
                if written % YIELD_EVERY == 0:
                    time.sleep(0)  # releases the GIL: the window's thread goes first
                if progress is not None and written % PROGRESS_EVERY == 0:
                    loop.call_soon_threadsafe(progress, written)
                yield (
                    "" if outcome.row is None else str(outcome.row + 1),
                    "" if outcome.line is None else str(outcome.line),
                    outcome.phone,
                    outcome.status.value,
                    outcome.provider_status,
                    outcome.detail,
                    to_text(outcome.at) or "",
                )
        finally:
            connection.close()

    await asyncio.to_thread(write_rows, path, LAYOUT, rows())
    if progress is not None:
        progress(written)
    return written
