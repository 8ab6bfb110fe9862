"""The campaigns of every account: drafts, the actions on them, and what providers report.

:class:`CampaignService` keeps :attr:`~CampaignService.list` (a :class:`CampaignList`) in step
with the store and the providers. Each action is gated by :meth:`~CampaignService.check`
(``domain.campaign.check_action`` for the status and provider, plus what only the app knows:
an action already in flight, an outcome still being checked, a start that has passed...).

Never a second send. Before any create or state change at a provider an intent is journaled
(``store.intents``) with the campaign's idempotency key; it is closed once the answer is
stored. When the answer is lost (the app died, the connection broke), the intent stays open
and :meth:`~CampaignService.reconcile` asks the provider what happened: the send is found by
its idempotency key (``Provider.find``), a state change by reading the campaign back. Only a
send the provider has no trace of is made again, with the same key, once it had time to
arrive, and only where that cannot duplicate it: every adapter's send is idempotent per key
(BulkSMS ``stop_dup_id`` replays, Routee names are unique, the others look before they
create). A BulkSMS send older than BulkSMS's memory of ``stop_dup_id`` is left for the
operator. Nothing scheduled is ever fired late: a send whose start has passed is refused.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from psygnal import Signal

from app.domain.accounts import Account
from app.domain.campaign import (
    Action,
    ActionCheck,
    CampaignStatus,
    Capabilities,
    RemoteCampaign,
    check_action,
)
from app.domain.outcomes import OutcomeStatus
from app.providers.base import CampaignSpec, Provider, Recipient, ValidationReport
from app.providers.errors import NotFound, ProviderError, TransientError, Unsupported
from app.providers.registry import PROVIDERS, adapter_class
from app.services.accounts import AccountService
from app.services.campaign_list import CampaignList, CampaignRow
from app.services.clock import Clock
from app.services.connections import ProviderPool
from app.services.export import Cancel, export_outcomes
from app.services.jobs import next_turn
from app.store.campaigns import CampaignRecord, CampaignTable, StoredRecipient
from app.store.database import Database
from app.store.intents import Intent, IntentConflict, IntentJournal, IntentState
from app.store.outcomes import OutcomeTable, StoredOutcome

S = CampaignStatus
#: Statuses of a campaign that has not been sent (a provider's draft, checked or not).
UNSENT = frozenset({S.DRAFT, S.INVALID, S.READY})
#: Actions a campaign that exists only here can take without asking any provider.
LOCAL_ACTIONS = frozenset({Action.UPDATE, Action.DELETE})

#: How long an unanswered request may still be on its way to the provider: a lost send is
#: only made again after this (the transport's longest timeout is 120 s).
SETTLE = timedelta(minutes=3)
#: A scheduled campaign this long past its start with nothing sent is flagged Overdue.
OVERDUE_AFTER = timedelta(minutes=15)
#: How long BulkSMS replays a ``stop_dup_id`` ("a few hours"): the shortest safe reading.
STOP_DUP_MEMORY = timedelta(hours=1)

#: Campaigns read from the store per turn of the event loop when the list is loaded.
LOAD_PAGE = 250
#: Recipients stored per turn of the loop while a draft is kept: a page (5,000) held the loop
#: 30-110 ms in benchmarks/send_1m.py; a thousand take a few milliseconds.
STORE_SLICE = 1_000
#: Outcomes written per transaction while a report is read.
OUTCOME_CHUNK = 5000

_VERB = {
    Action.UPDATE: "updating",
    Action.VALIDATE: "validating",
    Action.SEND: "sending",
    Action.PAUSE: "pausing",
    Action.RESUME: "resuming",
    Action.CANCEL: "cancelling",
    Action.UNSCHEDULE: "unscheduling",
    Action.DELETE: "deleting",
}


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What came of an action; ``message`` is a sentence for the status bar."""

    ok: bool
    message: str
    report: ValidationReport | None = None  # validate's issues, with rows and lines filled


@dataclass(frozen=True, slots=True)
class NewBatch:
    """Rows for a new batch in the editor (a duplicate, or the failed recipients)."""

    name: str
    count: int
    recipients: Callable[[], Iterator[Recipient]]


class _Unknowable:
    """``Provider.find`` is not offered: the provider cannot be asked without a send."""


UNKNOWABLE = _Unknowable()


class CampaignService:
    #: campaign id, action, ok, sentence: after every action, for the status bar
    action_finished = Signal(int, str, bool, str)

    def __init__(
        self,
        db: Database,
        accounts: AccountService,
        providers: ProviderPool,
        clock: Clock,
    ) -> None:
        self._db = db
        self._campaigns = CampaignTable(db)
        self._journal = IntentJournal(db)
        self._outcomes = OutcomeTable(db)
        self._accounts = accounts
        self._providers = providers
        self._clock = clock
        self._busy: dict[int, Action] = {}
        self._reading: dict[int, asyncio.Lock] = {}  # one outcome read per campaign at a time
        self._names: dict[str, tuple[str, str]] | None = None  # account id -> name, provider
        self._open: dict[int, Intent] = {}  # campaign id -> its open intent
        self.list = CampaignList()
        accounts.added.connect(self._account_changed)
        accounts.changed.connect(self._account_changed)
        accounts.removed.connect(self._account_removed)

    # -- start ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Show the stored list, then ask the providers about every intent left open."""
        self._open = {i.campaign_id: i for i in self._journal.open_intents()}
        rows: list[CampaignRow] = []
        while page := self._campaigns.page(rows[-1].id if rows else 0, LOAD_PAGE):
            rows.extend(self._row(r) for r in page)
            await next_turn()  # 10,000 campaigns never hold the window's loop
        self.list.replace_all(rows)
        for account in self._accounts.accounts():
            try:
                await self.reconcile(account.id)
            except ProviderError:
                continue  # unreachable now: the follower asks again

    # -- reading -------------------------------------------------------------------------------
    def record(self, campaign_id: int) -> CampaignRecord | None:
        return self._campaigns.get(campaign_id)

    def unused_name(self, account_id: str, name: str) -> str:
        """``name``, or ``name (2)``, ``name (3)``... when a campaign of the account has it
        already: the same file sent twice is told apart in the list."""
        taken = {row.name for row in self.list if row.account_id == account_id}
        number = 1
        candidate = name
        while candidate in taken:
            number += 1
            candidate = f"{name} ({number})"
        return candidate

    def going(self, account_id: str) -> bool:
        """Whether the account has a campaign that is not final."""
        return self._campaigns.going(account_id)

    def account_ids(self) -> set[str]:
        """The accounts that have campaigns."""
        return self._campaigns.account_ids()

    def has_open_intents(self, account_id: str) -> bool:
        return any(self._account_of(i.campaign_id) == account_id for i in self._open.values())

    def capabilities(self, provider: str) -> Capabilities:
        return adapter_class(provider).capabilities

    def outcome_counts(self, campaign_id: int) -> dict[OutcomeStatus, int]:
        """Recipients per outcome, as counted when the outcomes were last read."""
        record = self._require(campaign_id)
        return {s: int(record.outcome_counts.get(s.value, 0)) for s in OutcomeStatus}

    def outcome_count(
        self, campaign_id: int, statuses: frozenset[OutcomeStatus] = frozenset()
    ) -> int:
        """How many outcomes a (filtered) outcomes table has: its row count."""
        counts = self.outcome_counts(campaign_id)
        return sum(n for s, n in counts.items() if not statuses or s in statuses)

    def outcome_page(
        self,
        campaign_id: int,
        offset: int,
        limit: int,
        statuses: frozenset[OutcomeStatus] = frozenset(),
    ) -> list[StoredOutcome]:
        """Rows ``offset`` to ``offset + limit`` of a campaign's outcomes (for a lazily
        filled table)."""
        return self._outcomes.page(campaign_id, offset, limit, statuses)

    async def export_outcomes(
        self,
        campaign_id: int,
        path: Path,
        *,
        statuses: frozenset[OutcomeStatus] = frozenset(),
        progress: Callable[[int], None] | None = None,
        cancel: Cancel | None = None,
    ) -> int:
        """Stream the campaign's outcomes to a CSV file (see :mod:`app.services.export`)."""
        return await export_outcomes(
            self._db, campaign_id, path, statuses=statuses, progress=progress, cancel=cancel
        )

    # -- drafts --------------------------------------------------------------------------------
    async def create_draft(
        self,
        account_id: str,
        spec: CampaignSpec,
        *,
        segments: int = 0,
        cost_micros: int | None = None,
        currency: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Keep ``spec`` as a local draft of ``account_id`` (nothing is sent); its id.

        The recipients are stored a chunk at a time, handing the event loop back between
        chunks (``progress(stored, total)`` after each); cancelled meanwhile, the draft is
        removed again, as nothing was asked of the provider yet. ``spec.idempotency_key``
        becomes the campaign's key for good."""
        if self._accounts.get(account_id) is None:
            raise ValueError(f"There is no account {account_id!r}.")
        record = self._campaigns.insert(
            CampaignRecord(
                account_id=account_id,
                name=spec.name,
                idempotency_key=spec.idempotency_key,
                schedule=spec.schedule,
                segments=segments,
                cost_micros=cost_micros,
                currency=currency,
                sender=spec.sender,
                short_links=spec.short_links,
                description=spec.description,
                options=dict(spec.options),
            )
        )
        try:
            count = await self._store_recipients(record.id, spec, progress)
        except asyncio.CancelledError:
            self._forget(record.id)
            raise
        record = self._campaigns.save(replace(record, recipients=count))
        self.list.upsert([self._row(record)])
        return record.id

    # -- gating --------------------------------------------------------------------------------
    def check(self, campaign_id: int, action: Action) -> ActionCheck:
        """Whether ``action`` can be done now, and the reason (a tooltip) when not."""
        record = self._campaigns.get(campaign_id)
        if record is None:
            return ActionCheck(False, "This campaign no longer exists.")
        provider = self._account_names().get(record.account_id, ("", ""))[1]
        if not provider:
            return ActionCheck(False, "The account of this campaign no longer exists.")
        caps = self.capabilities(provider)
        busy = self._busy.get(campaign_id)
        if busy is not None:
            return ActionCheck(
                False, f"Already {_VERB[busy]} this campaign; wait for {caps.display_name}."
            )
        if campaign_id in self._open:
            return ActionCheck(
                False,
                f"Campaign Desk is still checking with {caps.display_name} what became of the "
                f"last {self._open[campaign_id].action.value}.",
            )
        if record.missing:
            if action is Action.DELETE:
                return ActionCheck(True)
            return ActionCheck(
                False, f"{caps.display_name} no longer has this campaign; it can only be removed."
            )
        if record.origin != "local" and action in (Action.UPDATE, Action.VALIDATE, Action.SEND):
            return ActionCheck(
                False,
                "This campaign was made outside Campaign Desk; its recipients are not here.",
            )
        if record.provider_id is None and record.status in UNSENT and action in LOCAL_ACTIONS:
            return ActionCheck(True)  # it exists only here
        if action is Action.SEND:
            refused = self._send_refusal(record)
            if refused:
                return ActionCheck(False, refused)
        return check_action(action, record.status, caps)

    def actions(self, campaign_id: int) -> dict[Action, ActionCheck]:
        """Every action with its verdict, for a toolbar and a context menu."""
        return {a: self.check(campaign_id, a) for a in Action}

    def check_duplicate(self, campaign_id: int) -> ActionCheck:
        record = self._campaigns.get(campaign_id)
        if record is None:
            return ActionCheck(False, "This campaign no longer exists.")
        if record.origin != "local":
            return ActionCheck(
                False, "This campaign was made outside Campaign Desk; its rows are not here."
            )
        return ActionCheck(True)

    def check_resend_failed(self, campaign_id: int) -> ActionCheck:
        record = self._campaigns.get(campaign_id)
        if record is None:
            return ActionCheck(False, "This campaign no longer exists.")
        provider = self._account_names().get(record.account_id, ("", ""))[1]
        caps = self.capabilities(provider) if provider else None
        if caps is not None and caps.audience_based:
            return ActionCheck(
                False,
                f"{caps.display_name} sends to an audience and reports no outcome per "
                "recipient, so there are no failed rows to send again.",
            )
        if record.origin != "local":
            return ActionCheck(
                False, "This campaign was made outside Campaign Desk; its rows are not here."
            )
        if not record.outcome_counts.get(OutcomeStatus.FAILED.value):
            return ActionCheck(False, "No recipient of this campaign is known to have failed.")
        return ActionCheck(True)

    # -- rows for a new batch ------------------------------------------------------------------
    def duplicate(self, campaign_id: int) -> NewBatch:
        """The campaign's rows, for a new batch in the editor (check_duplicate first)."""
        record = self._require(campaign_id)
        return NewBatch(
            name=f"{record.name} (copy)",
            count=record.recipients,
            recipients=lambda: _recipients(self._campaigns.iter_recipients(campaign_id)),
        )

    def resend_failed(self, campaign_id: int) -> NewBatch:
        """The rows whose recipients failed, for a new batch (check_resend_failed first)."""
        record = self._require(campaign_id)
        return NewBatch(
            name=f"{record.name} (failed)",
            count=int(record.outcome_counts.get(OutcomeStatus.FAILED.value, 0)),
            recipients=lambda: _recipients(self._outcomes.failed_recipients(campaign_id)),
        )

    # -- the actions ---------------------------------------------------------------------------
    async def update(
        self,
        campaign_id: int,
        spec: CampaignSpec,
        *,
        segments: int = 0,
        cost_micros: int | None = None,
        currency: str = "",
    ) -> ActionResult:
        """Replace the campaign's content with ``spec`` (its name, rows, schedule...), at the
        provider too once it is there; the campaign keeps its idempotency key."""
        record = self._campaigns.get(campaign_id)
        if record is not None:
            spec = replace(spec, idempotency_key=record.idempotency_key)

        async def call(provider: Provider, current: CampaignRecord) -> CampaignRecord:
            remote = None
            if current.provider_id is not None:
                remote = await provider.update(current.provider_id, spec)
            content = replace(
                current,
                name=spec.name,
                schedule=spec.schedule,
                sender=spec.sender,
                short_links=spec.short_links,
                description=spec.description,
                options=dict(spec.options),
                segments=segments,
                cost_micros=cost_micros,
                currency=currency,
                status=S.DRAFT if current.status in UNSENT else current.status,
            )
            self._campaigns.clear_recipients(current.id)
            count = await self._store_recipients(current.id, spec)
            content = replace(content, recipients=count)
            return self._merged(content, remote) if remote else content

        return await self._act(campaign_id, Action.UPDATE, call, "Updated")

    async def validate(self, campaign_id: int) -> ActionResult:
        """The provider's validate-only check; Ready or Invalid, with the issues in the
        result's report (rows and file lines filled in)."""
        report: ValidationReport | None = None

        async def call(provider: Provider, current: CampaignRecord) -> CampaignRecord:
            nonlocal report
            checked = await provider.validate(self._spec(current))
            report = self._placed(current.id, checked)
            return replace(
                current,
                status=S.READY if checked.ok else S.INVALID,
                provider_id=checked.campaign_id or current.provider_id,
                synced=self._clock.now(),
            )

        result = await self._act(campaign_id, Action.VALIDATE, call, "Validated")
        if result.ok and report is not None:
            errors = sum(1 for i in report.issues if i.severity.value == "error")
            message = "No problem found." if report.ok else f"{errors} problem(s) found."
            return ActionResult(True, message, report)
        return result

    async def send(self, campaign_id: int) -> ActionResult:
        async def call(provider: Provider, current: CampaignRecord) -> CampaignRecord:
            remote = await provider.send(self._spec(current), current.provider_id)
            return self._merged(current, remote)

        return await self._act(campaign_id, Action.SEND, call, "Sent")

    async def pause(self, campaign_id: int) -> ActionResult:
        return await self._change(campaign_id, Action.PAUSE, "Paused")

    async def resume(self, campaign_id: int) -> ActionResult:
        return await self._change(campaign_id, Action.RESUME, "Resumed")

    async def cancel(self, campaign_id: int) -> ActionResult:
        return await self._change(campaign_id, Action.CANCEL, "Cancelled")

    async def unschedule(self, campaign_id: int) -> ActionResult:
        return await self._change(campaign_id, Action.UNSCHEDULE, "Unscheduled")

    async def delete(self, campaign_id: int) -> ActionResult:
        record = self._campaigns.get(campaign_id)
        if record is not None and (record.provider_id is None or record.missing):
            check = self.check(campaign_id, Action.DELETE)
            if not check:
                return self._finished(campaign_id, Action.DELETE, ActionResult(False, check.reason))
            self._forget(campaign_id)
            return self._finished(campaign_id, Action.DELETE, ActionResult(True, "Deleted."))

        async def call(provider: Provider, current: CampaignRecord) -> None:
            assert current.provider_id is not None
            await provider.delete(current.provider_id)

        return await self._act(campaign_id, Action.DELETE, call, "Deleted")

    async def run(self, campaign_id: int, action: Action) -> ActionResult:
        """Any action but update (which takes the new content), by its name."""
        runs: Mapping[Action, Callable[[int], Awaitable[ActionResult]]] = {
            Action.VALIDATE: self.validate,
            Action.SEND: self.send,
            Action.PAUSE: self.pause,
            Action.RESUME: self.resume,
            Action.CANCEL: self.cancel,
            Action.UNSCHEDULE: self.unschedule,
            Action.DELETE: self.delete,
        }
        return await runs[action](campaign_id)

    # -- following (the follower calls these) ----------------------------------------------------
    async def refresh(self, campaign_id: int) -> None:
        """Ask the provider about one campaign now; its outcomes too once it is final."""
        record = self._require(campaign_id)
        account = self._account(record)
        if record.provider_id is None or campaign_id in self._busy:
            return
        provider = self._providers.provider(account)
        try:
            remote = await provider.get(record.provider_id)
        except NotFound:
            self._store(replace(record, missing=True, synced=self._clock.now()))
            return
        record = self._store(self._merged(record, remote))
        if record.status.is_final and record.outcomes_synced is None:
            await self.fetch_outcomes(campaign_id)

    def merge_listed(self, account_id: str, remotes: list[RemoteCampaign]) -> None:
        """Take in what a provider listed: known campaigns updated, unknown ones added (as
        made outside the app). Skipped while an action or an intent of the account is open,
        so that a campaign being created never shows twice."""
        if self.has_open_intents(account_id) or any(
            self._account_of(cid) == account_id for cid in self._busy
        ):
            return
        known = self._campaigns.ids_by_provider_id(account_id)
        changed = []
        for remote in remotes:
            campaign_id = known.get(remote.id)
            record = self._campaigns.get(campaign_id) if campaign_id is not None else None
            if record is None:
                record = self._campaigns.insert(
                    CampaignRecord(
                        account_id=account_id,
                        name=remote.name or remote.id,
                        idempotency_key=f"{account_id}/{remote.id}",
                        origin="provider",
                    )
                )
            elif remote.total is None and not record.status.is_final:
                # The list gives no counts: "Completed, 0 of 7 sent" would show until this
                # cycle's refresh of the campaign (every one still going is refreshed)
                # brings its status and counts together.
                continue
            elif remote.total is None and record.total is not None:
                remote = replace(
                    remote,
                    total=record.total,
                    sent=record.sent,
                    delivered=record.delivered,
                    failed=record.failed,
                    pending=record.pending,
                )  # the list gives no counts
            merged = self._merged(record, remote)
            self._campaigns.save(merged)
            changed.append(self._row(merged))
        self.list.upsert(changed)

    def due(
        self, account_id: str, *, final_every: timedelta, final_for: timedelta
    ) -> list[CampaignRecord]:
        """The campaigns of an account to ask about in this refresh cycle: every one still
        going, and final ones only for ``final_for`` after they ended, every ``final_every``
        (their counts still move as delivery reports come in)."""
        now = self._clock.now()
        due = []
        for record in self._campaigns.followed(account_id, now - final_for):
            if record.id in self._busy:
                continue
            if not record.status.is_final:
                due.append(record)
                continue
            ended = record.final_since or now
            if record.outcomes_synced is None or (
                now - ended < final_for
                and (record.synced is None or now - record.synced >= final_every)
            ):
                due.append(record)
        return due

    def recheck_overdue(self, account_id: str) -> None:
        """Let rows whose start has just passed show Overdue without a provider's answer."""
        rows = [self._row(r) for r in self._campaigns.with_status(account_id, S.SCHEDULED)]
        changed = [r for r in rows if (old := self.list.get(r.id)) and old.overdue != r.overdue]
        self.list.upsert(changed)

    async def fetch_outcomes(self, campaign_id: int) -> int:
        """Read every recipient's outcome from the provider into the store (replacing those
        stored), then join them to the rows. Returns how many; 0 where the provider reports
        none per recipient.

        Reads of one campaign take turns (the follower and Refresh Now may ask at once: two
        reads would interleave their rows); one that waited for another's takes its result.
        """
        synced = self._require(campaign_id).outcomes_synced
        async with self._reading.setdefault(campaign_id, asyncio.Lock()):
            record = self._require(campaign_id)
            if record.outcomes_synced != synced:  # read meanwhile, by the one it waited for
                return sum(record.outcome_counts.values())
            return await self._fetch_outcomes(record)

    async def _fetch_outcomes(self, record: CampaignRecord) -> int:
        campaign_id = record.id
        account = self._account(record)
        if record.provider_id is None:
            return 0
        counts: Counter[str] = Counter()
        if not self.capabilities(account.provider).audience_based:
            counts = await self._read_outcomes(record.id, record.provider_id, account)
        self._store(
            replace(
                self._require(campaign_id),
                outcomes_synced=self._clock.now(),
                outcome_counts=dict(counts),
            )
        )
        return sum(counts.values())

    async def _read_outcomes(
        self, campaign_id: int, provider_id: str, account: Account
    ) -> Counter[str]:
        """Replace the stored outcomes with the provider's, joined to the rows; their counts."""
        provider = self._providers.provider(account)
        self._outcomes.clear(campaign_id)
        counts: Counter[str] = Counter()
        seq = 0
        chunk = []
        try:
            async for outcome in provider.outcomes(provider_id):
                chunk.append(outcome)
                counts[outcome.status.value] += 1
                if len(chunk) >= OUTCOME_CHUNK:
                    seq = self._outcomes.add(campaign_id, seq, chunk)
                    chunk = []
                    await next_turn()
        except Unsupported:
            return Counter()
        self._outcomes.add(campaign_id, seq, chunk)
        for _ in self._outcomes.join_rows_steps(campaign_id):
            await next_turn()
        return counts

    # -- the journal ---------------------------------------------------------------------------
    async def reconcile(self, account_id: str) -> None:
        """Settle every open intent of the account by asking its provider (see the module
        docstring). A provider that cannot be reached raises: the intents stay open."""
        for intent in [
            i for i in self._open.values() if self._account_of(i.campaign_id) == account_id
        ]:
            if intent.campaign_id in self._busy:
                continue
            await self._reconcile(intent)

    async def _reconcile(self, intent: Intent) -> None:
        record = self._campaigns.get(intent.campaign_id)
        if record is None:
            self._close(intent, IntentState.FAILED, "The campaign is gone.")
            return
        account = self._account(record)
        provider = self._providers.provider(account)
        display = self.capabilities(account.provider).display_name
        age = self._clock.now() - intent.created
        if intent.action is Action.SEND:
            await self._reconcile_send(intent, record, provider, display, age)
        elif intent.action is Action.VALIDATE:
            found = await self._ask_sent(provider, record, intent, created_only=True)
            kept = replace(record, status=intent.previous_status)
            if isinstance(found, RemoteCampaign):
                kept = replace(kept, provider_id=found.id)
            note = f"The validation was interrupted before {display} answered; validate again."
            self._store(replace(kept, notice=note))
            self._close(intent, IntentState.FAILED, note)
        else:
            await self._reconcile_change(intent, record, provider, display)

    async def _reconcile_send(
        self,
        intent: Intent,
        record: CampaignRecord,
        provider: Provider,
        display: str,
        age: timedelta,
    ) -> None:
        found = await self._ask_sent(provider, record, intent)
        if isinstance(found, RemoteCampaign):
            note = f"The send was interrupted, but {display} had received it: sent once."
            self._store(replace(self._merged(record, found), notice=note))
            self._close(intent, IntentState.DONE, note)
            return
        if age < SETTLE:
            return  # the request may still be on its way: ask again later
        spec = self._spec(record)
        start = spec.schedule.start if spec.schedule else None
        late = start is not None and start < self._clock.now()
        if found is UNKNOWABLE and (age > STOP_DUP_MEMORY or late):
            note = (
                f"Campaign Desk stopped before {display} answered this send, and can no longer "
                f"tell whether {display} received it. Check the {display} account before "
                "sending it again."
            )
            self._store(replace(record, status=intent.previous_status, notice=note))
            self._close(intent, IntentState.UNRESOLVED, note)
            return
        if late:
            note = (
                f"{display} never received this send, and its start has passed since: "
                "set a new start time and send it again."
            )
            self._store(replace(record, status=intent.previous_status, notice=note))
            self._close(intent, IntentState.FAILED, note)
            return
        # Nothing at the provider: complete the send, with the same key (idempotent there).
        try:
            remote = await provider.send(spec, intent.provider_id)
        except ProviderError as exc:
            if isinstance(exc, TransientError):
                raise  # still unreachable: the intent stays open
            self._store(replace(record, status=intent.previous_status, notice=str(exc)))
            self._close(intent, IntentState.FAILED, str(exc))
            return
        note = f"The send was interrupted before {display} received it; it was sent once now."
        self._store(replace(self._merged(record, remote), notice=note))
        self._close(intent, IntentState.DONE, note)

    async def _reconcile_change(
        self, intent: Intent, record: CampaignRecord, provider: Provider, display: str
    ) -> None:
        if record.provider_id is None:
            self._close(intent, IntentState.FAILED, "It never reached the provider.")
            return
        try:
            remote = await provider.get(record.provider_id)
        except NotFound:
            if intent.action is Action.DELETE:
                self._forget(record.id)
                self._close(intent, IntentState.DONE, "Deleted.")
                return
            status = S.CANCELLED if intent.action is Action.CANCEL else record.status
            self._store(replace(record, status=status, missing=True))
            self._close(intent, IntentState.DONE, f"{display} no longer has it.")
            return
        merged = self._merged(record, remote)
        note = (
            f"The {intent.action.value} was interrupted before {display} answered; "
            f"{display} now reports the campaign as {merged.status.label}."
        )
        self._store(replace(merged, notice=note))
        self._close(intent, IntentState.DONE, note)

    async def _ask_sent(
        self,
        provider: Provider,
        record: CampaignRecord,
        intent: Intent,
        *,
        created_only: bool = False,
    ) -> RemoteCampaign | _Unknowable | None:
        """What the provider has of this intent's campaign: a campaign that went past its
        draft (``created_only``: that exists at all), None when it has none, or UNKNOWABLE."""
        if intent.provider_id is not None:
            try:
                remote = await provider.get(intent.provider_id)
            except NotFound:
                return None
            return remote if created_only or remote.status not in UNSENT else None
        try:
            return await provider.find(self._spec(record))
        except Unsupported:
            return UNKNOWABLE

    # -- inside: the action frame ----------------------------------------------------------------
    async def _change(self, campaign_id: int, action: Action, done: str) -> ActionResult:
        async def call(provider: Provider, current: CampaignRecord) -> CampaignRecord:
            assert current.provider_id is not None
            operation: Callable[[str], Awaitable[RemoteCampaign]] = getattr(provider, action.value)
            return self._merged(current, await operation(current.provider_id))

        return await self._act(campaign_id, action, call, done)

    async def _act(
        self,
        campaign_id: int,
        action: Action,
        call: Callable[[Provider, CampaignRecord], Awaitable[CampaignRecord | None]],
        done: str,
    ) -> ActionResult:
        """Gate, journal, call, store: the frame of every action that reaches a provider."""
        check = self.check(campaign_id, action)
        if not check:
            return self._finished(campaign_id, action, ActionResult(False, check.reason))
        record = self._require(campaign_id)
        account = self._account(record)
        provider = self._providers.provider(account)
        display = self.capabilities(account.provider).display_name
        local_only = record.provider_id is None and action in LOCAL_ACTIONS
        intent = None
        if not local_only:
            try:
                intent = self._journal.open(
                    record.id,
                    action,
                    record.idempotency_key,
                    record.status,
                    record.provider_id,
                    now=self._clock.now(),
                )
            except IntentConflict:
                refused = (
                    f"Another Campaign Desk window is {_VERB[action]} this campaign, or is still "
                    f"checking with {display} what became of its last action; nothing was sent."
                )
                return self._finished(campaign_id, action, ActionResult(False, refused))
            self._open[record.id] = intent
        self._busy[campaign_id] = action
        self._show(campaign_id)
        try:
            updated = await call(provider, record)
        except ProviderError as exc:
            result = await self._after_failure(intent, record, provider, display, exc)
        else:
            if action is Action.DELETE:
                self._forget(campaign_id)
            else:
                assert updated is not None
                self._store(replace(updated, notice=""))
            if intent is not None:
                self._close(intent, IntentState.DONE)
            result = ActionResult(True, f"{done} {record.name}.")
        finally:
            self._busy.pop(campaign_id, None)
            self._show(campaign_id)
        return self._finished(campaign_id, action, result)

    async def _after_failure(
        self,
        intent: Intent | None,
        record: CampaignRecord,
        provider: Provider,
        display: str,
        exc: ProviderError,
    ) -> ActionResult:
        """A refused or unanswered action: ask what the provider has before deciding."""
        if intent is None:
            self._store(replace(self._require(record.id), notice=str(exc)))
            return ActionResult(False, str(exc))
        uncertain = isinstance(exc, TransientError) and exc.ambiguous
        try:
            if intent.action is Action.SEND:
                found = await self._ask_sent(provider, record, intent)
                if isinstance(found, RemoteCampaign):
                    note = f"{display} did not answer, but it had received the send: sent once."
                    self._store(replace(self._merged(record, found), notice=note))
                    self._close(intent, IntentState.DONE, note)
                    return ActionResult(True, note)
                # BulkSMS cannot be asked: a failure that may be passing is settled later
                uncertain = uncertain or (found is UNKNOWABLE and isinstance(exc, TransientError))
            elif intent.action is Action.DELETE and record.provider_id is not None:
                try:
                    remote = await provider.get(record.provider_id)
                except NotFound:
                    self._forget(record.id)
                    self._close(intent, IntentState.DONE, "Deleted.")
                    return ActionResult(True, f"Deleted {record.name}.")
                self._store(replace(self._merged(record, remote), notice=str(exc)))
                uncertain = False
            elif record.provider_id is not None and intent.action is not Action.VALIDATE:
                remote = await provider.get(record.provider_id)
                self._store(replace(self._merged(record, remote), notice=str(exc)))
                uncertain = False
        except ProviderError:
            uncertain = True  # the provider cannot be asked now
        if uncertain:
            note = (
                f"{exc} Campaign Desk checks with {display} what became of it before anything "
                "else is done with this campaign."
            )
            self._store(replace(self._require(record.id), notice=note))
            return ActionResult(False, note)
        current = self._require(record.id)
        if intent.action in (Action.SEND, Action.VALIDATE):
            current = replace(current, status=intent.previous_status)
        self._store(replace(current, notice=str(exc)))
        self._close(intent, IntentState.FAILED, str(exc))
        return ActionResult(False, str(exc))

    def _finished(self, campaign_id: int, action: Action, result: ActionResult) -> ActionResult:
        self.action_finished.emit(campaign_id, action.value, result.ok, result.message)
        return result

    def _close(self, intent: Intent, state: IntentState, note: str = "") -> None:
        self._journal.close(intent.id, state, note)
        if self._open.get(intent.campaign_id) == intent:
            del self._open[intent.campaign_id]
        self._show(intent.campaign_id)

    # -- inside: records and rows ----------------------------------------------------------------
    def _send_refusal(self, record: CampaignRecord) -> str:
        last = self._journal.last(record.id, Action.SEND)
        if last is not None and last.state is IntentState.UNRESOLVED:
            return last.note
        schedule = record.schedule
        if schedule and schedule.start and schedule.start <= self._clock.now():
            local = schedule.start.astimezone(schedule.zone)
            return (
                f"Its start, {local:%d %b %Y %H:%M} {schedule.timezone}, has passed: set a new "
                "start time (or none, to send at once) with Update first."
            )
        return ""

    def _merged(self, record: CampaignRecord, remote: RemoteCampaign) -> CampaignRecord:
        """``record`` with what the provider reports. A provider's draft that was checked
        here stays Ready or Invalid; a local campaign keeps its own name."""
        now = self._clock.now()
        status = remote.status
        if status is S.DRAFT and record.status in (S.READY, S.INVALID):
            status = record.status
        return replace(
            record,
            status=status,
            provider_status=remote.provider_status,
            provider_id=remote.id,
            external_id=remote.external_id or record.external_id,
            name=record.name if record.origin == "local" else (remote.name or record.name),
            scheduled_at=remote.scheduled_at or record.scheduled_at,
            total=remote.total if remote.total is not None else record.total,
            sent=remote.sent,
            delivered=remote.delivered,
            failed=remote.failed,
            pending=remote.pending,
            missing=False,
            synced=now,
            final_since=(record.final_since or now) if status.is_final else None,
        )

    def _store(self, record: CampaignRecord) -> CampaignRecord:
        saved = self._campaigns.save(record)
        self.list.upsert([self._row(saved)])
        return saved

    def _show(self, campaign_id: int) -> None:
        record = self._campaigns.get(campaign_id)
        if record is not None:
            self.list.upsert([self._row(record)])

    def _forget(self, campaign_id: int) -> None:
        self._campaigns.delete(campaign_id)
        self._open.pop(campaign_id, None)
        self.list.remove([campaign_id])

    def _row(self, record: CampaignRecord) -> CampaignRow:
        account_name, provider = self._account_names().get(
            record.account_id, ("(removed account)", "")
        )
        entry = PROVIDERS.get(provider)
        schedule = record.schedule
        # the operator's own start for what was made here ("now" is None, whatever day a
        # provider files a send-now under); the provider's for what was made elsewhere
        own = record.origin == "local"
        start = (schedule.start if schedule else None) if own else record.scheduled_at
        now = self._clock.now()
        overdue = (
            record.status is S.SCHEDULED
            and start is not None
            and now - start > OVERDUE_AFTER
            and record.sent == 0
        )
        return CampaignRow(
            id=record.id,
            account_id=record.account_id,
            account_name=account_name,
            provider=provider,
            provider_name=entry.display_name if entry else provider,
            name=record.name,
            status=record.status,
            provider_status=record.provider_status,
            total=record.total,
            sent=record.sent,
            delivered=record.delivered,
            failed=record.failed,
            pending=record.pending,
            start=start,
            timezone=schedule.timezone if schedule else "UTC",
            recipients=record.recipients,
            segments=record.segments,
            cost_micros=record.cost_micros,
            currency=record.currency,
            created=record.created,
            updated=record.updated,
            synced=record.synced,
            overdue=overdue,
            busy=self._busy.get(record.id),
            unconfirmed=record.id in self._open and record.id not in self._busy,
            missing=record.missing,
            imported=record.origin != "local",
            notice=record.notice,
        )

    def _spec(self, record: CampaignRecord) -> CampaignSpec:
        campaign_id = record.id
        return CampaignSpec(
            name=record.name,
            recipients=lambda: _recipients(self._campaigns.iter_recipients(campaign_id)),
            count=record.recipients,
            idempotency_key=record.idempotency_key,
            schedule=record.schedule,
            sender=record.sender,
            short_links=record.short_links,
            description=record.description,
            options=record.options,
        )

    def _placed(self, campaign_id: int, report: ValidationReport) -> ValidationReport:
        """The report with each issue's row and line, looked up by its recipient index."""
        placed = []
        for issue in report.issues:
            if issue.index is not None:
                page = self._campaigns.recipients_page(campaign_id, -1, issue.index + 1)
                if len(page) > issue.index:
                    row, line = page[issue.index][0], page[issue.index][1]
                    issue = replace(issue, row=row, line=line)
            placed.append(issue)
        return replace(report, issues=tuple(placed))

    async def _store_recipients(
        self,
        campaign_id: int,
        spec: CampaignSpec,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        writer = self._campaigns.recipients_writer(campaign_id)
        chunk: list[StoredRecipient] = []
        for r in spec.recipients():
            chunk.append((r.row, r.line, r.phone, r.message, r.fields))
            if len(chunk) >= STORE_SLICE:
                writer.write(chunk)
                chunk = []
                if progress is not None:
                    progress(writer.written, spec.count)
                await next_turn()
        writer.write(chunk)
        return writer.written

    def _require(self, campaign_id: int) -> CampaignRecord:
        record = self._campaigns.get(campaign_id)
        if record is None:
            raise KeyError(f"There is no campaign {campaign_id}.")
        return record

    def _account(self, record: CampaignRecord) -> Account:
        account = self._accounts.get(record.account_id)
        if account is None:
            raise KeyError(f"The account {record.account_id!r} no longer exists.")
        return account

    def _account_of(self, campaign_id: int) -> str | None:
        row = self.list.get(campaign_id)
        if row is not None:
            return row.account_id
        record = self._campaigns.get(campaign_id)
        return record.account_id if record else None

    def _account_names(self) -> dict[str, tuple[str, str]]:
        """Account id -> (name, provider), without looking up any secret."""
        if self._names is None:
            self._names = {a.id: (a.name, a.provider) for a in self._accounts.records()}
        return self._names

    def _account_changed(self, account_id: str) -> None:
        self._names = None
        self.list.upsert([self._row(r) for r in self._campaigns.of_account(account_id)])

    def _account_removed(self, account_id: str) -> None:
        self._names = None
        self.list.remove([r.id for r in self.list.all_rows() if r.account_id == account_id])


def _recipients(stored: Iterator[StoredRecipient]) -> Iterator[Recipient]:
    for row, line, phone, message, fields in stored:
        yield Recipient(row, line, phone, message, fields)
