"""Keeping the problems list true to the rows, and the provider's validate-only run.

Qt-free. :class:`Problems` decides when the list is rescanned or patched (edits are patched in
a moment; rows inserted or removed move the entries along, no rescan), which job does it, and
when the provider's findings no longer fit the rows; the panel's model only holds and shows
entries (:class:`ProblemsList`). :class:`Validation` runs the provider's check and hands its
findings to :class:`Problems`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from psygnal import Signal

from app.domain.accounts import Account
from app.domain.batch import Batch
from app.domain.wording import counted
from app.providers.base import CampaignSpec, Provider
from app.providers.errors import ProviderError
from app.providers.issues import ProviderIssue
from app.services.findings import ProviderFindings
from app.services.jobs import Job, Runner, Steps
from app.services.problems import AskedRows, EntryRun, RowsUpdate, provider_run, scan_steps
from app.services.validation import Recipients, campaign_spec, recipients_steps, validate

#: Edited rows whose entries are renewed at once; more go through a chunked job.
INSTANT_ROWS = 64
#: Edits are patched in this long after the last one, a rescan of every row starts this long
#: after it was asked for: typing stays smooth, and a paste of many rows costs one pass.
PATCH_DELAY_MS = 100
RESCAN_DELAY_MS = 300
#: Row moves in one turn of the event loop past which the local entries are rescanned rather
#: than moved along: a delete of scattered rows moves them once per run of rows, and moving
#: 180,000 entries takes about 6 ms (500 runs: 3 s of frozen window), where a rescan goes a
#: slice at a time. The provider's entries, few, are always moved.
MOVES_PER_TURN = 8


class ProblemsList(Protocol):
    """What holds and shows the entries: the panel's model."""

    def set_local(self, found: EntryRun) -> None: ...
    def set_provider(self, found: EntryRun) -> None: ...
    def rows_moved(self, at: int, delta: int) -> None: ...
    def drop_local(self) -> None: ...
    def clear(self) -> None: ...
    def update_rows(self, batch: Batch, rows: Iterable[int]) -> None: ...
    def rows_steps(self, batch: Batch, rows: Iterable[int]) -> Steps: ...
    def apply_rows(self, update: RowsUpdate) -> None: ...
    def local_rows_steps(self, severity: str | None) -> Steps: ...


class Problems:
    """Local issues of every row, kept current as rows are edited, added and removed, and the
    provider's findings (:attr:`findings`) for as long as the rows they name are unchanged."""

    #: a full scan of ``rows`` rows started
    scanning = Signal(int)

    def __init__(self, runner: Runner, entries: ProblemsList) -> None:
        self.runner = runner
        self.entries = entries
        self.findings = ProviderFindings()
        self.batch: Batch | None = None
        self._changed: set[int] = set()
        self._patching: set[int] = set()  # rows the running patch job renews
        self._scan: Job | None = None
        self._patch: Job | None = None
        self._patch_timer: Job | None = None
        self._rescan_timer: Job | None = None
        self._asked: list[AskedRows] = []  # rows sent to a provider, whose answer is awaited
        self._moves = 0  # rows_moved calls in this turn of the event loop

    @property
    def current(self) -> bool:
        """Whether the entries match the batch (no scan or patch pending)."""
        return not (
            _running(self._scan)
            or _running(self._patch)
            or _running(self._patch_timer)
            or _running(self._rescan_timer)
            or self._changed
        )

    @property
    def working(self) -> bool:
        return not self.current

    def reset(self, batch: Batch) -> None:
        """A new document: forget every entry, then scan it."""
        self.stop()
        self.batch = batch
        self.entries.clear()
        self.findings.clear()
        self.rescan()

    def stop(self) -> None:
        for job in (self._scan, self._patch, self._patch_timer):
            if job is not None:
                job.cancel()
        if self._rescan_timer is not None:
            self._rescan_timer.cancel()
        self._changed.clear()
        self._patching = set()

    def clear(self) -> None:
        """Stop, and list nothing: the rows are about to be replaced (``rescan`` lists
        those of :attr:`batch` again)."""
        self.stop()
        self.entries.clear()
        self.findings.clear()

    def rows_changed(self, rows: set[int]) -> None:
        self.findings.drop_rows(rows)  # the panel drops its copies when it patches the rows
        for asked in self._asked:
            asked.edited.update(map(asked.batch.row_id, rows))
        self._changed |= rows
        if not _running(self._rescan_timer) and not _running(self._scan):
            self._restart_patch_timer()

    def rows_moved(self, at: int, delta: int) -> None:
        """Rows were inserted before row ``at`` (``delta`` > 0 of them) or removed from it
        (-``delta``): the entries and findings of the other rows move along with them, those
        of removed rows go. The rows whose issues changed come through :meth:`rows_changed`."""
        self.findings.moved(at, delta)
        self._moves += 1
        if self._moves == 1:
            self.runner.later(0, self._turn_over)
        elif self._moves == MOVES_PER_TURN + 1:  # many at once: list the rows again instead
            self.entries.drop_local()
            self.rescan_soon()
        self.entries.rows_moved(at, delta)  # past the drop, only the provider's entries move
        self._changed = _moved(self._changed, at, delta)
        if self._patch is not None and self._patch.running:
            self._patch.cancel()  # its entries are for the rows where they were: redo them
            self._changed |= _moved(self._patching, at, delta)
            self._patching = set()
            self._restart_patch_timer()
        if _running(self._scan):  # the same, for every row
            self.rescan_soon()

    def _turn_over(self) -> None:
        self._moves = 0

    def recheck(self) -> None:
        """Every row may have new issues (the default region changed): list them again; the
        provider's findings were about the rows as they were read before."""
        self.findings.clear()
        self.entries.set_provider(EntryRun())
        self.rescan_soon()

    def rescan_soon(self) -> None:
        """Rescan in a moment, once however often this is asked meanwhile."""
        assert self.batch is not None
        self._changed.clear()
        self._patching = set()
        for job in (self._scan, self._patch, self._patch_timer, self._rescan_timer):
            if job is not None:
                job.cancel()
        self._rescan_timer = self.runner.later(RESCAN_DELAY_MS, self.rescan)

    def rescan(self) -> None:
        """Fill the list with every local issue; the provider's entries are kept."""
        batch = self.batch
        assert batch is not None

        def done(found: EntryRun) -> None:
            self.entries.set_local(found)
            if self._changed:  # edited while the scan ran
                self._patch_now()

        if self._scan is not None:
            self._scan.cancel()
        self.scanning.emit(len(batch))
        self._scan = self.runner.start(scan_steps(batch), done)

    def ask(self, batch: Batch) -> AskedRows:
        """The rows of ``batch`` as they are sent to a provider now; the edits made until its
        answer is in (:meth:`set_provider`, or :meth:`forget`) are noted on them."""
        asked = AskedRows(batch, batch.row_ids())
        self._asked.append(asked)
        return asked

    def forget(self, asked: AskedRows) -> None:
        """No more edits to note on ``asked``: its answer is in, or none will come."""
        if asked in self._asked:
            self._asked.remove(asked)

    def set_provider(self, issues: Sequence[ProviderIssue], source: str, asked: AskedRows) -> bool:
        """A validate-only run's ``issues`` about the ``asked`` rows, found by ``source`` (the
        account's name); False if another document has replaced those rows meanwhile."""
        self.forget(asked)
        if asked.batch is not self.batch:
            return False
        found = provider_run(asked.batch, issues, asked)
        self.findings.set(asked.batch, found, source)
        self.entries.set_provider(found.copy())
        return True

    def rows_with_issues(self, severity: str | None) -> Steps | None:
        """A job listing the rows with issues of ``severity`` (None: any), from the entries;
        None while they are not current."""
        return self.entries.local_rows_steps(severity) if self.current else None

    def _restart_patch_timer(self) -> None:
        if self._patch_timer is not None:
            self._patch_timer.cancel()
        self._patch_timer = self.runner.later(PATCH_DELAY_MS, self._patch_now)

    def _patch_now(self) -> None:
        """Replace the entries of the edited rows."""
        batch = self.batch
        assert batch is not None
        rows, self._changed = self._changed, set()
        if len(rows) <= INSTANT_ROWS and not _running(self._patch):
            self.entries.update_rows(batch, rows)
            return
        rows |= self._patching  # a job still running for earlier edits is replaced
        self._patching = rows

        def done(update: RowsUpdate) -> None:
            self._patching = set()
            self.entries.apply_rows(update)

        if self._patch is not None:
            self._patch.cancel()
        self._patch = self.runner.start(self.entries.rows_steps(batch, rows), done)


class Validation:
    """The provider's validate-only run over the rows with a usable number."""

    #: a run started with this account's name
    started = Signal(str)
    #: a run ended; the message (or None) is for the status bar
    finished = Signal(object)
    #: the run failed or its answer came too late: ``(title, text)`` for a dialog
    refused = Signal(str, str)
    #: the provider's findings of a run that ended, before they go to the problems list:
    #: ``(issues, rows checked)``
    found = Signal(object, int)

    def __init__(
        self,
        runner: Runner,
        problems: Problems,
        make_provider: Callable[[Account], Provider],
    ) -> None:
        self.runner = runner
        self.problems = problems
        self.make_provider = make_provider
        self._collect: Job | None = None
        self._task: asyncio.Future[None] | None = None

    @property
    def running(self) -> bool:
        return self._collect is not None or self._task is not None

    def start(self, batch: Batch, account: Account, name: str) -> None:
        """Validate every row of ``batch`` with ``account``; ``name`` names the check."""
        if self.running:
            return
        self.started.emit(account.name)
        self._collect = self.runner.start(
            recipients_steps(batch),
            lambda recipients: self._send(batch, account, name, recipients),
            crashed=lambda: self._done("Validation stopped by an internal error."),
        )

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
        elif self._collect is not None:
            self._collect.cancel()
            self._done("Validation cancelled.")

    def _send(self, batch: Batch, account: Account, name: str, recipients: Recipients) -> None:
        self._collect = None
        if not recipients.rows:
            self._done("No row has a usable phone number: nothing to validate.")
            return
        spec = campaign_spec(batch, recipients, f"{name} (check)")
        provider = self.make_provider(account)
        asked = self.problems.ask(batch)  # rows may move or change while the provider checks
        self._task = asyncio.ensure_future(
            self._validate(provider, spec, account, asked, recipients)
        )

    async def _validate(
        self,
        provider: Provider,
        spec: CampaignSpec,
        account: Account,
        asked: AskedRows,
        recipients: Recipients,
    ) -> None:
        try:
            issues, checked = await validate(provider, spec, recipients)
        except asyncio.CancelledError:
            self._done("Validation cancelled.")
            raise
        except ProviderError as error:
            self._done(None)
            self.refused.emit(f"{account.name}: validation failed", str(error))
            return
        finally:
            self.problems.forget(asked)
        self.found.emit(issues, checked)
        if not self.problems.set_provider(issues, account.name, asked):
            self._done(None)
            self.refused.emit(
                "Validate with provider",
                "Another document was opened while the provider checked the rows, so its "
                "answer is not shown. Validate this document again.",
            )
            return
        found = counted(len(issues), "problem") if issues else "no problems"
        skipped = recipients.skipped
        verb = "was" if skipped == 1 else "were"
        note = f"; {counted(skipped, 'row')} without a usable number {verb} not sent"
        note = note if skipped else ""
        self._done(f"{account.name}: {found} in {counted(checked, 'row')}{note}.")

    def _done(self, message: str | None) -> None:
        self._collect = None
        self._task = None
        self.finished.emit(message)


def _running(job: Job | None) -> bool:
    return job is not None and job.running


def _moved(rows: set[int], at: int, delta: int) -> set[int]:
    """``rows`` where they are after rows were inserted or removed at ``at`` (removed ones
    left out)."""
    gone = range(at, at - delta) if delta < 0 else range(0)
    return {row if row < at else row + delta for row in rows if row not in gone}
