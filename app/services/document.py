"""The document use case: a batch and the file it came from, opened, loaded, saved, journalled.

Qt-free. A load is a chunked job on the injected :class:`~app.services.jobs.Runner`; the
window renders what the signals say (the rows to show, the progress, the title) and asks the
operator before it calls anything that would drop unsaved changes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from psygnal import Signal

from app.domain.batch import Batch, BatchLoader, save_batch
from app.domain.csvfile import CsvFileError, CsvLayout
from app.services.context import AppContext
from app.services.jobs import Job, Runner, Steps
from app.store.autosave import Op, RestoreError, Session, SessionHeader, replay

#: Bytes of the file read per loading step: about a hundred rows, ten milliseconds of work.
LOAD_BLOCK_BYTES = 16 * 1024
#: Loading time per event-loop turn: short, since showing new rows also repaints the table.
LOAD_BUDGET_MS = 6.0
#: How often the rows loaded so far are shown: each showing repaints the table (tens of ms).
LOAD_SHOW_INTERVAL_S = 1.0
#: How often the edits since the last flush reach the recovery journal.
AUTOSAVE_INTERVAL_MS = 2000

# Save-as formats: (encoding, delimiter, newline); None keeps the file's own format.
SAVE_FORMATS: dict[str, tuple[str, str, str] | None] = {
    "CSV in the file's own format (*.csv)": None,
    "CSV, UTF-8, comma (*.csv)": ("utf-8", ",", "\n"),
    "CSV for Excel: UTF-8 with BOM, semicolon (*.csv)": ("utf-8-sig", ";", "\r\n"),
    "Tab-separated, UTF-8 (*.tsv *.txt)": ("utf-8", "\t", "\n"),
}


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
        self._journal_started = False
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
        self._begin_journal()

    def open(self, path: Path, restore: Session | None = None) -> None:
        """Load ``path`` a slice at a time; a file that cannot be used changes nothing."""
        try:
            loader = BatchLoader(
                path,
                self.context.batch_settings(self.context.settings),
                block_bytes=LOAD_BLOCK_BYTES,
            )
        except (CsvFileError, OSError) as error:
            self._cannot_open(path, error)
            return
        self._previous = (self.batch, self.path)
        self._shown_at = 0.0
        self.loading_name = path.name
        self.load_started.emit(path.name)
        self._load = self.runner.start(
            _load_steps(loader),
            lambda batch: self._loaded(path, batch, restore),
            progress=lambda done, total: self._loading(loader, done, total),
            failed=lambda error: self._load_failed(path, error),
            cancelled=lambda: self._load_stopped("Loading cancelled"),
            crashed=lambda: self._load_stopped("Loading stopped by an internal error"),
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

    def _loaded(self, path: Path, batch: Batch, restore: Session | None) -> None:
        self._load = None
        self._previous = None
        self.batch = batch
        self.path = path
        self.restored = False
        self.opened.emit(batch, f"Opened {path.name}: {len(batch):,} rows")
        if restore is not None:
            self._apply_recovered(restore)
        else:
            self._begin_journal()
        self.context.settings.add_recent(path)
        self.context.save_settings()
        self.changed.emit()

    def _load_failed(self, path: Path, error: Exception) -> None:
        self._put_back_previous("")
        self._cannot_open(path, error)

    def _load_stopped(self, why: str) -> None:
        self._put_back_previous(f"{why}; nothing was changed.")

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
        (encoding, delimiter, newline)."""
        batch = self.batch
        kept = batch.layout
        if dialect is not None:
            batch.layout = _with_dialect(kept, batch.extra_columns, dialect)
        try:
            save_batch(batch, path)
        except (CsvFileError, OSError) as error:
            batch.layout = kept
            reason = str(error) if isinstance(error, CsvFileError) else error.strerror
            self.refused.emit("Cannot save", f"{path.name} was not saved.\n\n{reason}")
            return False
        self.path = path
        self.restored = False
        self.clean = True
        self._begin_journal()
        self.context.settings.add_recent(path)
        self.context.save_settings()
        self.said.emit(f"Saved {path.name}")
        self.changed.emit()
        return True

    # -- crash recovery ---------------------------------------------------------------------
    def record(self, op: Op) -> None:
        """Keep an edit for the next flush of the recovery journal."""
        self._pending_ops.append(op)

    def _begin_journal(self) -> None:
        batch = self.batch
        header = SessionHeader.for_file(self.path, batch.layout, batch.extra_columns)
        self._pending_ops.clear()
        self.context.autosave.begin(header)
        self._journal_started = True

    def _autosave_tick(self) -> None:
        self.flush_journal()
        self._autosave = self.runner.later(AUTOSAVE_INTERVAL_MS, self._autosave_tick)

    def flush_journal(self) -> None:
        """Write the edits made since the last flush to the recovery journal."""
        if not self._pending_ops:
            return
        if not self._journal_started:
            ops = list(self._pending_ops)
            header = SessionHeader.for_file(None, None, self.batch.extra_columns)
            self.context.autosave.begin(header)
            self._journal_started = True
            self._pending_ops[:] = ops
        try:
            self.context.autosave.append(self._pending_ops)
        except OSError as error:
            self.said.emit(f"Autosave failed: {error.strerror}")
            return
        self._pending_ops.clear()

    def pending_recovery(self) -> Session | None:
        return self.context.autosave.pending()

    def discard_recovery(self) -> None:
        self.context.autosave.discard()

    def restore(self, session: Session) -> None:
        try:
            base = session.header.check_base()
        except RestoreError as error:
            self.refused.emit("Cannot restore", str(error))
            return
        if base is not None:
            self.open(base, restore=session)
            return
        batch = Batch(
            self.context.batch_settings(self.context.settings),
            session.header.layout,
            session.header.extra_columns,
        )
        self._replace(batch, None)
        self._apply_recovered(session)

    def _apply_recovered(self, session: Session) -> None:
        """Replay the journal on the freshly loaded batch; the journal itself carries on."""
        try:
            replay(self.batch, session.ops)
        except (RestoreError, IndexError, ValueError, TypeError) as error:
            self.refused.emit(
                "Cannot restore", f"The unsaved changes could not be applied: {error}"
            )
            self._begin_journal()
            return
        self._journal_started = True
        self.restored = True
        self.replaced.emit(self.batch)
        self.said.emit(f"Restored {len(session.ops):,} unsaved changes")
        self.changed.emit()

    def close(self) -> None:
        """The window closes with nothing left to save: stop loading and autosaving, and drop
        the journal."""
        self.cancel_load()
        self._autosave.cancel()
        self.context.autosave.discard()


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
