"""Following campaigns: each account's campaigns refreshed by polling, with backoff.

One loop per account (:meth:`Follower.run`) does a refresh cycle (:meth:`Follower.cycle`),
then waits: :attr:`Follower.interval` while it has campaigns still going,
:attr:`Follower.idle_interval` when all are final. A cycle first settles the account's open
intents, lists the account's campaigns now and then (to find those made elsewhere), then asks
about each campaign still going, and about final ones only a while and less often. Requests
are spaced by the account's paced transport (``services.connections``), a few a second.

A refused cycle backs off: after a 429 at least the provider's ``Retry-After`` (Batch's 5 s
floor is in it), after other failures exponentially up to :attr:`Follower.max_backoff`;
refused credentials stop the loop until the account changes or "refresh now" is asked for.
The clock is injected: tests call :meth:`Follower.cycle` and read the wait it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from psygnal import Signal

from app.providers.errors import AuthError, ProviderError, RateLimited, Unsupported
from app.services.accounts import AccountService
from app.services.campaigns import CampaignService
from app.services.clock import Clock
from app.services.connections import ProviderPool


@dataclass(frozen=True, slots=True)
class FollowState:
    """How following one account goes, for the window's "last updated" line."""

    last_updated: datetime | None = None  # the end of the last cycle that worked
    next_at: datetime | None = None  # when the next cycle starts (None: stopped)
    error: str = ""  # why the last cycle failed ("" when it worked)
    failures: int = 0  # cycles failed in a row


class Follower:
    state_changed = Signal(str)  # account id

    def __init__(
        self,
        campaigns: CampaignService,
        accounts: AccountService,
        providers: ProviderPool,
        clock: Clock,
        *,
        interval: float = 15.0,
        idle_interval: float = 300.0,
        final_every: float = 600.0,
        final_for: float = 3600.0,
        list_every: float = 600.0,
        max_backoff: float = 600.0,
    ) -> None:
        self.campaigns = campaigns
        self.accounts = accounts
        self.providers = providers
        self.clock = clock
        self.interval = interval
        self.idle_interval = idle_interval
        self.final_every = timedelta(seconds=final_every)
        self.final_for = timedelta(seconds=final_for)
        self.list_every = timedelta(seconds=list_every)
        self.max_backoff = max_backoff
        self._states: dict[str, FollowState] = {}
        self._listed: dict[str, datetime] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._running = False
        accounts.added.connect(self._account_added)
        accounts.changed.connect(self.refresh_now)
        accounts.removed.connect(self._account_removed)
        campaigns.action_finished.connect(self._acted)

    def state(self, account_id: str) -> FollowState:
        return self._states.get(account_id, FollowState())

    @property
    def last_updated(self) -> datetime | None:
        """The oldest "last updated" of the accounts that have campaigns: the list is at least
        this fresh."""
        times = [self.state(a).last_updated for a in self.campaigns.account_ids()]
        if not times or None in times:
            return None
        return min(t for t in times if t is not None)

    # -- one cycle -------------------------------------------------------------------------------
    async def cycle(self, account_id: str, *, list_now: bool = False) -> float | None:
        """Refresh one account's campaigns once; the seconds to wait before the next cycle
        (None: wait until asked, the credentials were refused)."""
        account = self.accounts.get(account_id)
        if account is None:
            return None
        provider = self.providers.provider(account)
        state = self.state(account_id)
        now = self.clock.now()
        try:
            await self.campaigns.reconcile(account_id)
            listed = self._listed.get(account_id)
            if list_now or listed is None or now - listed >= self.list_every:
                with contextlib.suppress(Unsupported):
                    self.campaigns.merge_listed(account_id, await provider.list())
                self._listed[account_id] = now
            due = self.campaigns.due(
                account_id, final_every=self.final_every, final_for=self.final_for
            )
            for record in due:
                await self.campaigns.refresh(record.id)
            self.campaigns.recheck_overdue(account_id)
        except AuthError as exc:
            self._set(
                account_id,
                replace(state, next_at=None, error=str(exc), failures=state.failures + 1),
            )
            return None
        except RateLimited as exc:
            failures = state.failures + 1
            wait = max(exc.retry_after or 0.0, self._backoff(failures))
            return self._failed(account_id, state, f"{exc} Next try in {wait:.0f} s.", wait)
        except ProviderError as exc:
            failures = state.failures + 1
            wait = self._backoff(failures)
            return self._failed(account_id, state, f"{exc} Next try in {wait:.0f} s.", wait)
        going = self.campaigns.going(account_id)
        wait = (
            self.interval
            if going or self.campaigns.has_open_intents(account_id)
            else self.idle_interval
        )
        done = self.clock.now()
        self._set(account_id, FollowState(done, done + timedelta(seconds=wait)))
        return wait

    def _failed(self, account_id: str, state: FollowState, error: str, wait: float) -> float:
        next_at = self.clock.now() + timedelta(seconds=wait)
        self._set(
            account_id, replace(state, next_at=next_at, error=error, failures=state.failures + 1)
        )
        return wait

    def _backoff(self, failures: int) -> float:
        return min(self.max_backoff, self.interval * 2 ** (failures - 1))

    def _set(self, account_id: str, state: FollowState) -> None:
        self._states[account_id] = state
        self.state_changed.emit(account_id)

    # -- the loops -------------------------------------------------------------------------------
    def refresh_now(self, account_id: str | None = None) -> None:
        """Start a cycle at once (of one account, or of all), listing the campaigns too."""
        for key, event in self._wake.items():
            if account_id is None or key == account_id:
                self._listed.pop(key, None)
                event.set()

    def _acted(self, campaign_id: int, _action: str, _ok: bool, _message: str) -> None:
        """A campaign was just sent, paused, resumed...: its account may be waiting the idle
        interval (nothing was going), so look at it now, and closely while it goes."""
        record = self.campaigns.record(campaign_id)
        wake = self._wake.get(record.account_id) if record is not None else None
        if wake is not None:
            wake.set()

    def start(self) -> None:
        """Follow every account, each in a task of its own, until :meth:`stop`."""
        self._running = True
        for record in self.accounts.records():
            self._account_added(record.id)

    async def stop(self) -> None:
        self._running = False
        loops, self._loops = self._loops, {}
        for task in loops.values():
            task.cancel()
        for task in loops.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _follow(self, account_id: str) -> None:
        wake = self._wake[account_id]
        while True:
            wake.clear()
            wait = await self.cycle(account_id)
            sleeper = asyncio.ensure_future(self.clock.sleep(wait if wait is not None else 1e9))
            waker = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    def _account_added(self, account_id: str) -> None:
        if not self._running or account_id in self._loops:
            return
        self._wake[account_id] = asyncio.Event()
        self._loops[account_id] = asyncio.ensure_future(self._follow(account_id))

    def _account_removed(self, account_id: str) -> None:
        task = self._loops.pop(account_id, None)
        self._wake.pop(account_id, None)
        if task is not None:
            task.cancel()
