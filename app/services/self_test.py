"""``campaign-desk --self-test``: the window's own services driven through every provider's
built-in sandbox, with one JSON report of what happened.

The composition root (``app.main``) starts the real application on private folders, then
hands :class:`SelfTest` the window's services. The self-test opens the bundled sample in the
window (its :class:`Document`), and for each of the five sandbox accounts:

1. **validate**: the window's provider check (:class:`Validation`), one account after the
   other (the window runs one check at a time);
2. **submit**: the sample scheduled a little in the future (the same start for all), inside a
   daily window where the provider takes one (RocketCOMS), at the lowest send rate where it
   takes one (Batch), through ``services.submit``. Cordial and Batch send one text to an
   audience: they get the rows that share the sample's most common text;
3. **cancel**: a second campaign, scheduled a day later, cancelled, where the provider can;

then moves the sandbox's clock past the start, and per provider:

4. **pause** and **resume** the first campaign where the provider can (as
   :meth:`CampaignService.check` says);

then moves the clock on an hour, and per provider:

5. **final status**: asks the follower to refresh now and waits until the campaign list
   shows the campaign Completed.

Steps of the providers run side by side, phase after phase (the sandbox's clock is shared). A
provider whose step failed takes no further step; a step the provider does not offer is
reported as passed, with "Skipped:" and the reason. Nothing reaches a real provider: the
accounts are the built-in sandbox ones of a private store.

To see the self-test fail on purpose, ``app.main`` reads faults for the sandbox from the
environment variable ``CAMPAIGN_DESK_SELF_TEST_FAULTS`` (JSON, as ``POST /_sandbox/faults``
takes it), e.g. ``{"rate_limit": 1000, "retry_after": 3600, "only": "/bulksms"}``: every
BulkSMS request is then refused, and the report says so.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Protocol

from app.domain.accounts import Account, sandbox_account_id
from app.domain.campaign import Action, CampaignStatus, Capabilities, check_action
from app.domain.campaign_settings import default_settings, validate_settings
from app.domain.schedule import (
    Schedule,
    ScheduleField,
    describe,
    send_rate_range,
    unsupported_reason,
)
from app.domain.schedule import validate as schedule_problems
from app.domain.wording import counted
from app.domain.zones import when_words
from app.providers.errors import ProviderError
from app.providers.issues import ProviderIssue, Severity
from app.providers.registry import PROVIDERS
from app.services.campaign_list import CampaignRow
from app.services.campaigns import ActionResult
from app.services.checking import Validation
from app.services.desk import Desk
from app.services.document import Document
from app.services.jobs import Runner, Steps
from app.services.sandbox_control import SandboxControl, SandboxError
from app.services.submit import SubmitPlan, build_spec, plan_steps, submit

log = logging.getLogger("campaign_desk.self_test")

S = CampaignStatus
#: The sample's numbers are written for the UK (07400 123457): read them so on any machine.
SAMPLE_REGION = "GB"
#: How far ahead of "now" (the later of the real and the sandbox's) the campaigns start.
LEAD = timedelta(minutes=2)
#: The daily window, where the provider takes one: from the start, this long.
WINDOW = timedelta(hours=2)
#: The second campaign (the one cancelled) starts this much after the first.
SECOND_LATER = timedelta(days=1)
#: The first move of the sandbox's clock: this far past the start, so campaigns are sending.
INTO_RUN = timedelta(seconds=1)
#: The second move: far enough for every sample campaign (Cordial's 1,000 contacts at 600 a
#: minute, Batch's 1,000 profiles at 1,000) to finish.
TO_THE_END = timedelta(hours=1)
#: The longest any one step may take.
STEP_TIMEOUT = 30.0

SANDBOX = "sandbox"
APP = "app"


@dataclass(frozen=True, slots=True)
class Step:
    provider: str  # a provider key, or "app" / "sandbox" for the shared steps
    step: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def to_json(self) -> str:
        steps = [asdict(s) for s in self.steps]
        # ASCII: any console's encoding can print it (Windows' may not be UTF-8)
        return json.dumps({"ok": self.ok, "steps": steps})


class StepFailed(Exception):
    """A step did not do what it should; the message says what, in a sentence."""


class Window(Protocol):
    """What the self-test uses of the main window: its own services."""

    document: Document
    validation: Validation
    runner: Runner


@dataclass
class _Run:
    """One provider's way through the self-test."""

    account: Account
    caps: Capabilities
    campaign: int | None = None
    plan: SubmitPlan | None = None

    @property
    def provider(self) -> str:
        return self.account.provider


class SelfTest:
    def __init__(
        self,
        window: Window,
        desk: Desk,
        sandbox: SandboxControl,
        *,
        faults: Mapping[str, Any] | None = None,
        providers: Iterable[str] = tuple(PROVIDERS),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.window = window
        self.desk = desk
        self.sandbox = sandbox
        self.faults = dict(faults or {})
        self.providers = list(providers)
        self.now = now
        self.report = Report()

    # -- the whole run -----------------------------------------------------------------------
    async def run(self, sample: Path) -> Report:
        """Every step, in order; a failure the steps did not expect ends the run as one."""
        try:
            await self._steps(sample)
        except (StepFailed, ProviderError, SandboxError) as exc:
            self.report.steps.append(Step(APP, "self-test", False, str(exc), 0.0))
        return self.report

    async def _steps(self, sample: Path) -> None:
        if self.faults and not await self._shared(SANDBOX, "faults", self._set_faults):
            return
        if not await self._shared(APP, "open", lambda: self._open(sample)):
            return
        runs = [self._run_of(p) for p in self.providers]
        live = [r for r in runs if await self._one(r, "validate", self._validate)]
        start = first_start(max(self.now(), await self.sandbox.now()))
        live = await self._each(live, "submit", lambda r: self._submit(r, start))
        live = await self._each(live, "cancel", lambda r: self._cancel_second(r, start))
        if not live or not await self._shared(
            SANDBOX, "advance clock", lambda: self._advance_to(start + INTO_RUN)
        ):
            return
        live = await self._each(live, "pause", lambda r: self._change(r, Action.PAUSE))
        live = await self._each(live, "resume", lambda r: self._change(r, Action.RESUME))
        if not live or not await self._shared(
            SANDBOX, "advance clock", lambda: self._advance_by(TO_THE_END)
        ):
            return
        await self._each(live, "final status", self._final)

    def _run_of(self, provider: str) -> _Run:
        account = self.desk.accounts.get(sandbox_account_id(provider))
        if account is None:
            raise StepFailed(f"The store has no sandbox account of {provider}.")
        return _Run(account, self.desk.campaigns.capabilities(provider))

    # -- step frames -------------------------------------------------------------------------
    async def _shared(self, who: str, name: str, work: Callable[[], Awaitable[str]]) -> bool:
        step = await _timed(who, name, work)
        self.report.steps.append(step)
        return step.ok

    async def _one(self, run: _Run, name: str, work: Callable[[_Run], Awaitable[str]]) -> bool:
        return await self._shared(run.provider, name, lambda: work(run))

    async def _each(
        self, runs: list[_Run], name: str, work: Callable[[_Run], Awaitable[str]]
    ) -> list[_Run]:
        """``work`` for every provider side by side; those whose step passed."""
        steps = await asyncio.gather(*(_timed(r.provider, name, lambda r=r: work(r)) for r in runs))
        self.report.steps += steps
        return [r for r, step in zip(runs, steps, strict=True) if step.ok]

    # -- the steps ---------------------------------------------------------------------------
    async def _set_faults(self) -> str:
        now = await self.sandbox.set_faults(self.faults)
        return f"Faults set on the sandbox: {json.dumps(now, sort_keys=True)}."

    async def _open(self, sample: Path) -> str:
        document = self.window.document
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def settle(ok: bool, text: str) -> None:
            if not answer.done():
                answer.set_result(text) if ok else answer.set_exception(StepFailed(text))

        def opened(_batch: object, message: str) -> None:
            settle(True, message)

        def refused(title: str, text: str) -> None:
            settle(False, f"{title}: {text}")

        def ended(message: str) -> None:
            settle(False, message or "The load stopped.")

        with _connected(
            (document.opened, opened), (document.refused, refused), (document.load_ended, ended)
        ):
            document.open(sample)
            message = await answer
        batch = document.batch
        errors = sum(1 for row in range(len(batch)) if batch.issue_flags(row)[0])
        return f"{message.rstrip('.')}, {counted(errors, 'row')} with errors."

    async def _validate(self, run: _Run) -> str:
        if Action.VALIDATE not in run.caps.actions:
            return f"Skipped: {check_action(Action.VALIDATE, S.DRAFT, run.caps).reason}"
        validation = self.window.validation
        document = self.window.document
        finished: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        refusals: list[str] = []
        issues: list[ProviderIssue] = []

        def done(message: str | None) -> None:
            if not finished.done():
                finished.set_result(message)

        def refused(title: str, text: str) -> None:
            refusals.append(f"{title}: {text}")

        def found(found_issues: list[ProviderIssue], _checked: int) -> None:
            issues.extend(found_issues)

        with _connected(
            (validation.finished, done), (validation.refused, refused), (validation.found, found)
        ):
            validation.start(document.batch, run.account, document.stem)
            message = await finished
        # the refusal follows the end of the run in the same turn: it is in by now
        if refusals or message is None:
            raise StepFailed(" ".join(refusals) or "The validation ended without an answer.")
        errors = [i for i in issues if i.severity is Severity.ERROR]
        # an audience provider flags the rows whose text is not the one it would send: the
        # submit leaves those rows out
        text = await self._audience_text(run)
        batch = document.batch
        left_out = [i for i in errors if i.row is not None and batch.message(i.row) != text]
        if text is None or len(left_out) != len(errors):
            left_out = []
        if len(errors) > len(left_out):
            listed = "; ".join(f"line {i.line}: {i.message}" for i in errors[:5])
            raise StepFailed(f"{message} {listed}")
        if left_out:
            lines = ", ".join(str(i.line) for i in left_out)
            message += (
                f" As expected: {run.caps.display_name} sends one text to an audience, and "
                f"flags {counted(len(left_out), 'line')} with another text ({lines}); the "
                "submit leaves those rows out."
            )
        return message

    async def _submit(self, run: _Run, start: datetime) -> str:
        plan, note = await self._plan(run)
        campaign, result, schedule = await self._send(run, plan, start, self._stem)
        if not result.ok:
            raise StepFailed(result.message)
        row = self._row(campaign)
        if row.status is not S.SCHEDULED:
            shown = row.status_label
            raise StepFailed(f"{result.message} The list shows it {shown}, not Scheduled.")
        run.campaign, run.plan = campaign, plan
        window = unsupported_reason(ScheduleField.WINDOW, run.caps)
        told = [result.message, describe(schedule), note, window or ""]
        return " ".join(t for t in told if t)

    async def _cancel_second(self, run: _Run, start: datetime) -> str:
        if not check_action(Action.CANCEL, S.SCHEDULED, run.caps):
            return f"Skipped: {check_action(Action.CANCEL, S.SCHEDULED, run.caps).reason}"
        assert run.plan is not None
        later = start + SECOND_LATER
        campaign, result, _ = await self._send(run, run.plan, later, f"{self._stem} (to cancel)")
        if not result.ok:
            raise StepFailed(f"The second campaign was not scheduled: {result.message}")
        check = self.desk.campaigns.check(campaign, Action.CANCEL)
        if not check:
            raise StepFailed(check.reason)
        result = await self.desk.campaigns.cancel(campaign)
        if not result.ok:
            raise StepFailed(result.message)
        row = self._row(campaign)
        if row.status is not S.CANCELLED:
            raise StepFailed(f"{result.message} The list shows it {row.status_label}.")
        return (
            f"A second campaign, scheduled for {when_words(later, UTC)} UTC, was cancelled; "
            f"the list shows it {row.status_label}."
        )

    async def _change(self, run: _Run, action: Action) -> str:
        """Pause or resume the first campaign, where the provider can."""
        assert run.campaign is not None
        if action not in run.caps.actions:
            return f"Skipped: {check_action(action, S.SENDING, run.caps).reason}"
        campaigns = self.desk.campaigns
        await campaigns.refresh(run.campaign)  # what the provider says now
        check = campaigns.check(run.campaign, action)
        if not check:
            raise StepFailed(check.reason)
        before = self._row(run.campaign).status_label
        result = await campaigns.run(run.campaign, action)
        if not result.ok:
            raise StepFailed(result.message)
        row = self._row(run.campaign)
        wanted = {S.PAUSED} if action is Action.PAUSE else {S.SCHEDULED, S.SENDING, S.COMPLETED}
        if row.status not in wanted:
            raise StepFailed(f"{result.message} The list shows it {row.status_label}.")
        now = f"{row.status_label}{_counts(row)}"
        return f"{result.message} The list showed it {before}, now {now}."

    async def _final(self, run: _Run) -> str:
        assert run.campaign is not None
        self.desk.follower.refresh_now(run.account.id)
        row = await self._until(run, lambda r: r.status.is_final)
        if row.status is not S.COMPLETED:
            raise StepFailed(f"The campaign ended {row.status_label}: {row.notice}".strip())
        return f"The list shows it {row.status_label}{_counts(row)}."

    # -- the sandbox's clock -----------------------------------------------------------------
    async def _advance_to(self, moment: datetime) -> str:
        now = await self.sandbox.now()
        return await self._advance_by(max(moment - now, timedelta()))

    async def _advance_by(self, step: timedelta) -> str:
        moved = await self.sandbox.advance_clock(step.total_seconds())
        return f"The sandbox's clock moved on {_duration(step)}, to {when_words(moved, UTC)} UTC."

    # -- helpers -----------------------------------------------------------------------------
    @property
    def _stem(self) -> str:
        return f"{self.window.document.stem} self-test"

    async def _audience_text(self, run: _Run) -> str | None:
        """The one text an audience provider is sent: the most common of the sendable rows
        (None: the provider sends each row its own text, or every row has the same)."""
        if not run.caps.audience_based:
            return None
        plan: SubmitPlan = await self._job(plan_steps(self.window.document.batch))
        return plan.texts.most_common(1)[0][0] if len(plan.texts) > 1 else None

    async def _plan(self, run: _Run) -> tuple[SubmitPlan, str]:
        """The plan of the window's batch for this provider, and a note of what was left out."""
        batch = self.window.document.batch
        plan: SubmitPlan = await self._job(plan_steps(batch))
        text = await self._audience_text(run)
        if text is None:
            return plan, _excluded(plan)
        rows = plan.texts[text]
        single: SubmitPlan = await self._job(plan_steps(batch, only_text=text))
        others = len(plan.recipients) - rows
        note = (
            f"{run.caps.display_name} sends one text to an audience: it got the "
            f"{counted(rows, 'row')} sharing the sample's most common text ({_short(text)}); "
            f"{counted(others, 'row')} with other texts left out."
        )
        return single, f"{note} {_excluded(plan)}".strip()

    async def _send(
        self, run: _Run, plan: SubmitPlan, start: datetime, name: str
    ) -> tuple[int, ActionResult, Schedule]:
        caps = run.caps
        problems = plan.problems(caps)
        settings = default_settings(caps, name, run.account.options)
        problems += [p.message for p in validate_settings(settings, caps) if p.is_error]
        schedule = _schedule(caps, start)
        found = schedule_problems(schedule, caps, self.now(), recipients=len(plan.recipients))
        problems += [p.message for p in found if p.is_error]
        if problems:
            raise StepFailed(" ".join(problems))
        spec = build_spec(plan, settings, caps, schedule)
        currency = self.window.document.batch.totals.currency
        campaign, result = await submit(self.desk.campaigns, run.account.id, spec, plan, currency)
        return campaign, result, schedule

    async def _job(self, steps: Steps) -> Any:
        """Run a chunked job on the window's runner; its result."""
        result: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def done(value: Any) -> None:
            if not result.done():
                result.set_result(value)

        def crashed() -> None:
            if not result.done():
                result.set_exception(StepFailed("The job stopped by an internal error."))

        job = self.window.runner.start(steps, done, crashed=crashed)
        try:
            return await result
        finally:
            job.cancel()

    def _row(self, campaign: int) -> CampaignRow:
        row = self.desk.campaigns.list.get(campaign)
        if row is None:
            raise StepFailed(f"Campaign {campaign} is not in the campaign list.")
        return row

    async def _until(self, run: _Run, accept: Callable[[CampaignRow], bool]) -> CampaignRow:
        """The campaign's row once the list shows one that ``accept`` takes."""
        assert run.campaign is not None
        rows = self.desk.campaigns.list
        moved = asyncio.Event()

        def poke(*_: object) -> None:
            moved.set()

        signals = (rows.changed, rows.inserted, rows.reset)
        for signal in signals:
            signal.connect(poke)
        try:
            async with asyncio.timeout(STEP_TIMEOUT - 1):
                while not accept(row := self._row(run.campaign)):
                    moved.clear()
                    await moved.wait()
                return row
        except TimeoutError:
            state = self.desk.follower.state(run.account.id)
            why = f" The follower says: {state.error}" if state.error else ""
            shown = self._row(run.campaign).status_label
            raise StepFailed(f"The list still shows it {shown}.{why}") from None
        finally:
            for signal in signals:
                signal.disconnect(poke)


async def _timed(who: str, name: str, work: Callable[[], Awaitable[str]]) -> Step:
    """Run one step: passed with ``work``'s sentence, or failed with the reason."""
    began = time.monotonic()
    try:
        detail, ok = await asyncio.wait_for(work(), STEP_TIMEOUT), True
    except (StepFailed, ProviderError, SandboxError) as exc:
        detail, ok = str(exc), False
    except TimeoutError:
        detail, ok = f"No end within {STEP_TIMEOUT:.0f} s.", False
    except Exception as exc:  # a bug: the report says so, the log has the traceback
        log.exception("self-test step %s of %s", name, who)
        detail, ok = f"Unexpected {type(exc).__name__}: {exc}", False
    return Step(who, name, ok, detail, round(time.monotonic() - began, 3))


def first_start(now: datetime) -> datetime:
    """A start ``LEAD`` after ``now``, on the minute, whose window ends the same day (UTC):
    RocketCOMS starts a window that runs past midnight on the next day."""
    start = (now + LEAD + timedelta(minutes=1)).astimezone(UTC).replace(second=0, microsecond=0)
    if (start + WINDOW).date() != start.date():
        start = datetime.combine(start.date() + timedelta(days=1), clock_time(0, 5), UTC)
    return start


def _schedule(caps: Capabilities, start: datetime) -> Schedule:
    """At ``start`` (UTC), in a daily window from then where the provider takes one, at its
    lowest send rate where it takes one."""
    window = (start.time(), (start + WINDOW).time()) if caps.supports_daily_window else None
    rate = send_rate_range(caps)[0] if caps.supports_send_rate else None
    return Schedule(
        start=start,
        timezone="UTC",
        window_start=window[0] if window else None,
        window_end=window[1] if window else None,
        send_rate=rate,
    )


def _excluded(plan: SubmitPlan) -> str:
    if not plan.excluded_count:
        return ""
    lines = ", ".join(str(e.line) for e in plan.excluded)
    return f"{counted(plan.excluded_count, 'row')} with errors not sent (lines {lines})."


def _counts(row: CampaignRow) -> str:
    if row.total is None:
        return f" ({row.provider_name} gives the list no counts)"
    return (
        f": {row.sent:,} of {row.total:,} sent, {row.delivered:,} delivered, {row.failed:,} failed"
    )


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return f"“{flat[:limit]}…”" if len(flat) > limit else f"“{flat}”"


def _duration(step: timedelta) -> str:
    seconds = round(step.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "min"), (seconds, "s")]
    return " ".join(f"{n} {unit}" for n, unit in parts if n) or "0 s"


@contextmanager
def _connected(*hooks: tuple[Any, Callable[..., None]]) -> Iterator[None]:
    """Each ``(signal, slot)`` connected for the block, disconnected after it whatever happens."""
    for signal, slot in hooks:
        signal.connect(slot)
    try:
        yield
    finally:
        for signal, slot in hooks:
            signal.disconnect(slot)
