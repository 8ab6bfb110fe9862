"""The document use case: a batch and the file it came from, opened, loaded, saved, journalled.

Qt-free. A load is a chunked job on the injected :class:`~app.services.jobs.Runner`; the
window renders what the signals say (the rows to show, the progress, the title) and asks the
operator before it calls anything that would drop unsaved changes.

The document holds its recovery :class:`~app.store.journal.Journal` from the moment it is
opened (or begun empty) until it closes. It drops a journal only when the edits in it are
saved or the operator dropped them: the window asks before opening another file, starting
a new batch or closing with unsaved changes, so every call that replaces the journal comes
after that question.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from psygnal import Signal

from app.domain.batch import Batch, BatchLoader, RowData, save_batch
from app.domain.csvfile import CsvFileError, CsvLayout
from app.domain.wording import counted
from app.providers.base import Recipient
from app.services.context import AppContext
from app.services.jobs import Job, Runner, Steps
from app.store.autosave import Op, RestoreError, replay
from app.store.journal import BaseState as BaseState
from app.store.journal import FileStamp, Journal, RecoverableJournal

log = logging.getLogger(__name__)

#: Bytes of the file read per loading step: about a hundred rows, ten milliseconds of work.
LOAD_BLOCK_BYTES = 16 * 1024
#: Loading time per event-loop turn: short, since showing new rows also repaints the table.
LOAD_BUDGET_MS = 6.0
#: How often the rows loaded so far are shown: each showing repaints the table (tens of ms).
LOAD_SHOW_INTERVAL_S = 1.0
#: Rows of a duplicated campaign put into a new batch per step (a few milliseconds).
ROWS_PER_STEP = 2_000
#: How often the edits since the last flush reach the recovery journal.
AUTOSAVE_INTERVAL_MS = 2000

# Save-as formats: (encoding, delimiter, newline); None keeps the file's own format.
SAVE_FORMATS: dict[str, tuple[str, str, str] | None] = {
    "CSV in the file's own format (*.csv)": None,
    "CSV, UTF-8, comma (*.csv)": ("utf-8", ",", "\n"),
    "CSV for Excel: UTF-8 with BOM, semicolon (*.csv)": ("utf-8-sig", ";", "\r\n"),
    "Tab-separated, UTF-8 (*.tsv *.txt)": ("utf-8", "\t", "\n"),
}


@dataclass(frozen=True, slots=True)
class _Restoring:
    """A load that restores a journal: its edits are replayed once the file is in."""

    journal: Journal
    ops: list[Op]
    untitled: bool  # the edits go to a new untitled batch, not back to the file
    done: Callable[[], None]


class Document:
    """The open batch, its file, and whether it has changes that are not saved."""

    #: show this batch (a new document, or the first rows of a load)
    shown = Signal(object)
    #: the loading batch has more rows to show
    appended = Signal()
    #: a load started (the file's name), moved on (done, total), or ended
    load_started = Signal(str)
    load_progress = Signal(int, int)
    #: a file is in: ``(batch, message)``; the undo history and the problems start afresh
    opened = Signal(object, str)
    #: the batch was replaced by a new or recovered one: the undo history starts afresh
    replaced = Signal(object)
    #: a load did not finish and the previous document is back; ``message`` says why
    load_ended = Signal(str)
    #: something could not be done: ``(title, text)`` for a dialog
    refused = Signal(str, str)
    #: a passing word for the status bar
    said = Signal(str)
    #: the title's parts (path, modified) or the busy state changed
    changed = Signal()

    def __init__(self, context: AppContext, runner: Runner) -> None:
        self.context = context
        self.runner = runner
        self.batch = Batch(context.batch_settings(context.settings))
        self.path: Path | None = None
        self.restored = False  # recovered edits not saved yet
        self.clean = True  # the undo history is at its saved state
        self._pending_ops: list[Op] = []
        # None until the first edit of the document the window starts with, or when the
        # journal could not be begun (then the next flush tries again)
        self.journal: Journal | None = None
        self._stamp: FileStamp | None = None  # the file as it was read, for that late begin
        self._load: Job | None = None
        self.loading_name = ""  # the file being loaded
        self._previous: tuple[Batch, Path | None] | None = None  # kept while a file loads
        self._shown_at = 0.0  # when the loader's rows were last shown (0: not yet)
        self._autosave = runner.later(AUTOSAVE_INTERVAL_MS, self._autosave_tick)

    # -- state ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    @property
    def stem(self) -> str:
        """The batch's name for a campaign made of it."""
        return self.path.stem if self.path is not None else "Untitled batch"

    @property
    def modified(self) -> bool:
        return self.restored or not self.clean

    @property
    def loading(self) -> bool:
        return self._load is not None

    def set_clean(self, clean: bool) -> None:
        self.clean = clean
        self.changed.emit()

    def set_region(self, region: str) -> bool:
        """Read every number again in ``region`` (kept for next time); False when it already
        was the region.

        Synchronous: reading numbers again costs about as much as checking them on load
        (seconds at a million rows), and a region is chosen once per file, not per keystroke.
        """
        if region == self.batch.settings.default_region:
            return False
        self.context.settings.default_region = region
        self.context.save_settings()
        self.batch.set_settings(self.context.batch_settings(self.context.settings))
        return True

    def new_batch(self) -> Batch:
        return Batch(self.context.batch_settings(self.context.settings))

    # -- new, open, load --------------------------------------------------------------------
    def new(self) -> None:
        self._replace(self.new_batch(), None)
        self._begin_journal(None)

    def open_rows(self, name: str, rows: Iterable[Recipient]) -> None:
        """A new untitled batch of ``rows`` (a campaign duplicated, its failed recipients),
        built a slice at a time; its extra columns are the first row's fields."""
        first = next(iter(rows := iter(rows)), None)
        columns = tuple(first.fields) if first is not None else ()
        batch = Batch(self.context.batch_settings(self.context.settings), None, columns)
        chained = rows if first is None else itertools.chain([first], rows)
        self._previous = (self.batch, self.path)
        self.loading_name = name
        self.load_started.emit(name)
        self._load = self.runner.start(
            _rows_steps(batch, chained),
            lambda made: self._rows_in(name, made),
            cancelled=lambda: self._load_stopped("Cancelled"),
            crashed=lambda: self._load_stopped("Stopped by an internal error"),
            budget_ms=LOAD_BUDGET_MS,
        )
        self.changed.emit()

    def _rows_in(self, name: str, batch: Batch) -> None:
        self._load = None
        self._previous = None
        self.batch, self.path, self.restored = batch, None, False
        self.opened.emit(batch, f"{name}: {counted(len(batch), 'row')} in a new batch")
        self._begin_journal(None)
        self.changed.emit()

    def open(self, path: Path) -> None:
        """Load ``path`` a slice at a time; a file that cannot be used changes nothing."""
        # Taken before the load: a change made to the file while it loads is noticed.
        self._start_load(path, FileStamp.of(path), None)

    def _start_load(
        self, path: Path, stamp: FileStamp | None, restoring: _Restoring | None
    ) -> None:
        try:
            loader = BatchLoader(
                path,
                self.context.batch_settings(self.context.settings),
                block_bytes=LOAD_BLOCK_BYTES,
            )
        except (CsvFileError, OSError) as error:
            self._cannot_open(path, error)
            self._restore_failed(restoring)
            return
        self._previous = (self.batch, self.path)
        self._shown_at = 0.0
        self.loading_name = path.name
        self.load_started.emit(path.name)
        self._load = self.runner.start(
            _load_steps(loader),
            lambda batch: self._loaded(path, batch, stamp, restoring),
            progress=lambda done, total: self._loading(loader, done, total),
            failed=lambda error: self._load_failed(path, error, restoring),
            cancelled=lambda: self._load_stopped("Loading cancelled", restoring),
            crashed=lambda: self._load_stopped("Loading stopped by an internal error", restoring),
            expected=(CsvFileError, OSError),
            budget_ms=LOAD_BUDGET_MS,
        )
        self.changed.emit()

    def cancel_load(self) -> None:
        if self._load is not None:
            self._load.cancel()

    def _loading(self, loader: BatchLoader, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._shown_at:  # the first rows are in: show them in a turn of their own
            self._shown_at = now
            job = self._load
            self.runner.later(0, lambda: self._show_first_rows(job, loader.batch))
            self.load_progress.emit(done, total)
        elif now - self._shown_at >= LOAD_SHOW_INTERVAL_S:
            self._shown_at = now
            if self.batch is loader.batch:
                self.appended.emit()
            self.load_progress.emit(done, total)

    def _show_first_rows(self, job: Job | None, batch: Batch) -> None:
        """Show the first rows of a load between two of its slices rather than at the end of
        one: that slice and the first paint of the rows (20-30 ms) would add up."""
        if self._load is job:  # neither finished, failed nor cancelled meanwhile
            self.batch = batch
            self.shown.emit(batch)

    def _loaded(
        self, path: Path, batch: Batch, stamp: FileStamp | None, restoring: _Restoring | None
    ) -> None:
        if restoring is not None and not self._replayed(batch, restoring):
            self._put_back_previous("")
            restoring.done()
            return
        self._load = None
        self._previous = None
        self.batch = batch
        self.path = None if restoring is not None and restoring.untitled else path
        self.restored = False
        self.opened.emit(batch, f"Opened {path.name}: {counted(len(batch), 'row')}")
        if restoring is None:
            self._begin_journal(stamp)
            self.context.settings.add_recent(path)
            self.context.save_settings()
        else:
            self._take_over(restoring.journal, len(restoring.ops))
        self.changed.emit()
        if restoring is not None:
            restoring.done()

    def _load_failed(self, path: Path, error: Exception, restoring: _Restoring | None) -> None:
        self._put_back_previous("")
        self._cannot_open(path, error)
        self._restore_failed(restoring)

    def _load_stopped(self, why: str, restoring: _Restoring | None) -> None:
        self._put_back_previous(f"{why}; nothing was changed.")
        self._restore_failed(restoring)

    def _put_back_previous(self, message: str) -> None:
        self._load = None
        if self._previous is not None:
            self.batch, self.path = self._previous
            self._previous = None
        self.load_ended.emit(message)
        self.changed.emit()

    def _cannot_open(self, path: Path, error: Exception) -> None:
        if isinstance(error, OSError):
            reason = f"It cannot be read: {error.strerror or error}."
        else:
            reason = str(error)
        self.refused.emit(f"Cannot open {path.name}", f"{path.name} cannot be used.\n\n{reason}")

    def _replace(self, batch: Batch, path: Path | None) -> None:
        self.batch = batch
        self.path = path
        self.restored = False
        self.replaced.emit(batch)
        self.changed.emit()

    # -- saving -----------------------------------------------------------------------------
    def save_to(self, path: Path, dialect: tuple[str, str, str] | None = None) -> bool:
        """Write the batch to ``path`` atomically, in its own format or in ``dialect``
        (encoding, delimiter, newline); the journal then starts afresh on the saved file."""
        batch = self.batch
        kept = batch.layout
        if dialect is not None:
            batch.layout = _with_dialect(kept, batch.extra_columns, dialect)
        self.flush_journal()  # a kill during the save finds every edit in the journal
        journal = self.journal
        written = False
        try:
            if journal is None:
                save_batch(batch, path)
            else:
                with journal.saving(path, batch.layout, batch.extra_columns):
                    save_batch(batch, path)
                    written = True
        except (CsvFileError, OSError) as error:
            if not written:
                batch.layout = kept
                reason = str(error) if isinstance(error, CsvFileError) else error.strerror
                self.refused.emit("Cannot save", f"{path.name} was not saved.\n\n{reason}")
                return False
            # The file is saved but the journal could not start afresh on it: its edits
            # must not be applied to the saved file after a crash, so begin a new one.
            self.path = path
            self._begin_journal(None)
        self.path = path
        self.restored = False
        self.clean = True
        self._pending_ops.clear()
        self._stamp = FileStamp.of(path)
        self.context.settings.add_recent(path)
        self.context.save_settings()
        self.said.emit(f"Saved {path.name}")
        self.changed.emit()
        return True

    # -- crash recovery ---------------------------------------------------------------------
    def record(self, op: Op) -> None:
        """Keep an edit for the next flush of the recovery journal."""
        self._pending_ops.append(op)

    def _begin_journal(self, stamp: FileStamp | None) -> None:
        """Begin the journal of the document now open (``stamp``: its file as it was read),
        then drop the one before, whose edits were saved or dropped."""
        old, self.journal = self.journal, None
        self._stamp = stamp
        self._pending_ops.clear()
        self._start_journal()
        if old is not None:
            _drop(old)

    def _start_journal(self) -> bool:
        batch = self.batch
        try:
            self.journal = self.context.journals.begin(
                self.path, batch.layout, batch.extra_columns, stamp=self._stamp
            )
        except OSError as error:
            self.said.emit(
                f"Autosave is off: the recovery journal cannot be written ({_why(error)})"
            )
            return False
        return True

    def _autosave_tick(self) -> None:
        self.flush_journal()
        self._autosave = self.runner.later(AUTOSAVE_INTERVAL_MS, self._autosave_tick)

    def flush_journal(self) -> None:
        """Write the edits made since the last flush to the recovery journal; when the disk
        refuses, they are kept for the next flush."""
        if not self._pending_ops:
            return
        if self.journal is None and not self._start_journal():
            return
        assert self.journal is not None
        try:
            self.journal.append(self._pending_ops)
        except OSError as error:
            self.said.emit(f"Autosave failed: {_why(error)}; your edits are kept in memory")
            return
        self._pending_ops.clear()

    def recover(self) -> list[RecoverableJournal]:
        """The journals that windows now gone left with unsaved edits, oldest first (claimed
        by this window until each is restored, discarded or released)."""
        try:
            return self.context.journals.recover()
        except OSError as error:
            self.said.emit(
                f"Unsaved edits of an earlier session cannot be looked for: {_why(error)}"
            )
            return []

    def restore(
        self,
        recovered: RecoverableJournal,
        *,
        untitled: bool = False,
        done: Callable[[], None] = lambda: None,
    ) -> None:
        """Take ``recovered`` over: load its file (or start its new batch), replay its edits
        and carry on journalling after them. ``untitled``: the edits go to a new untitled
        batch (made from the file as it is now) rather than back to the file. ``done`` is
        called when the restore succeeded or failed; on failure the journal is kept for the
        next start and the operator is told why."""
        try:
            journal = recovered.restore()
        except (RestoreError, OSError) as error:
            self.refused.emit("Cannot restore", _why(error))
            done()
            return
        restoring = _Restoring(journal, recovered.ops, untitled, done)
        if recovered.base is not None:
            self._start_load(recovered.base, None, restoring)
            return
        batch = Batch(
            self.context.batch_settings(self.context.settings),
            recovered.layout,
            recovered.extra_columns,
        )
        if self._replayed(batch, restoring):
            self.batch, self.path = batch, None
            self._take_over(journal, len(recovered.ops))
            self.changed.emit()
        done()

    def _replayed(self, batch: Batch, restoring: _Restoring) -> bool:
        """Replay the journal on ``batch``; False (the journal kept, the operator told) when
        its edits do not fit."""
        try:
            replay(batch, restoring.ops)
        except (RestoreError, IndexError, ValueError, TypeError) as error:
            restoring.journal.close()
            if isinstance(error, RestoreError):
                reason = str(error)
            else:  # the file was changed since, and no longer has the rows they edit
                reason = (
                    "The unsaved changes could not be applied: they edit rows that the file "
                    "no longer has."
                )
            self.refused.emit("Cannot restore", f"{reason}\n\n{_KEPT}")
            return False
        return True

    def _restore_failed(self, restoring: _Restoring | None) -> None:
        if restoring is not None:
            restoring.journal.close()
            self.said.emit(_KEPT)
            restoring.done()

    def _take_over(self, journal: Journal, edits: int) -> None:
        """Make the restored ``journal`` this document's, and drop the one before."""
        old, self.journal = self.journal, journal
        self._pending_ops.clear()
        if old is not None:
            _drop(old)
        self.restored = True
        self.replaced.emit(self.batch)
        self.said.emit(f"Restored {counted(edits, 'unsaved change')}")

    def close(self) -> None:
        """The window closes with nothing left to save (saved, dropped by the operator, or
        never changed): stop loading and autosaving, and delete the journal."""
        self.cancel_load()
        self._autosave.cancel()
        if self.journal is not None:
            _drop(self.journal)
            self.journal = None


_KEPT = "The unsaved changes are kept: they are offered again at the next start."


def _drop(journal: Journal) -> None:
    """Delete a journal whose edits were saved or dropped; one that cannot be deleted is
    only left for the next start to offer (or remove, when it holds nothing)."""
    try:
        journal.discard()
    except OSError as error:
        log.warning("The recovery journal %s cannot be deleted: %s", journal.path, error)
        journal.close()


def _why(error: Exception) -> str:
    if isinstance(error, OSError):
        return str(error.strerror or error)
    return str(error)


def _rows_steps(batch: Batch, rows: Iterator[Recipient]) -> Steps:
    while chunk := list(itertools.islice(rows, ROWS_PER_STEP)):
        batch.append_rows(
            RowData(r.phone, r.message, tuple(r.fields.get(c, "") for c in batch.extra_columns))
            for r in chunk
        )
        yield len(batch), 0
    return batch


def _load_steps(loader: BatchLoader) -> Steps:
    while loader.load_next():
        yield loader.bytes_read, loader.bytes_total
    return loader.batch


def _with_dialect(
    layout: CsvLayout | None, extra_columns: tuple[str, ...], dialect: tuple[str, str, str]
) -> CsvLayout:
    encoding, delimiter, newline = dialect
    if layout is None:
        layout = CsvLayout(
            encoding, delimiter, True, ("phone", "message", *extra_columns), 0, 1, newline
        )
    return replace(layout, encoding=encoding, delimiter=delimiter, newline=newline)
