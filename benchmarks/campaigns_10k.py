"""The campaign store and services at scale: 10,000 campaigns and 1,000,000 outcomes.

Prints, with the longest event-loop stall of each step (a probe ticks every millisecond):
the queries the campaign list needs (load, sort, filter, find, an update, the action gates, an
outcomes page), a full refresh cycle of the five sandbox accounts against the app's own child
sandbox (real HTTP, requests paced at 4 a second per account), joining and exporting the
outcomes to CSV, and the memory used. Its store is made afresh under benchmarks/data/.

    .venv/bin/python benchmarks/campaigns_10k.py [--campaigns 10000] [--outcomes 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import shutil
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.domain.accounts import sandbox_account_id
from app.domain.campaign import Action, CampaignStatus
from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.providers.base import CampaignSpec, Recipient
from app.providers.registry import PROVIDERS
from app.providers.transport import make_client
from app.sandbox.child import ChildSandbox, ChildSandboxTransport, sandbox_command
from app.sandbox.inprocess import IN_PROCESS_URL
from app.services.accounts import AccountService
from app.services.campaign_list import CampaignFilter, SortKey
from app.services.campaigns import CampaignService
from app.services.clock import SystemClock
from app.services.connections import ProviderPool
from app.services.export import export_outcomes
from app.services.following import Follower
from app.services.jobs import next_turn
from app.store.campaigns import CampaignRecord, CampaignTable
from app.store.database import Database
from app.store.outcomes import OutcomeTable
from app.store.secrets import SecretStore

DATA = Path(__file__).parent / "data" / "campaigns_10k"
AT_SANDBOX_PER_PROVIDER = 10


class Probe:
    """The longest gap between ticks of a coroutine that wants to run every millisecond, and
    the longest pass of the garbage collector meanwhile (which stops every thread)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_gc = 0.0
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
        else:
            self.longest_gc = max(self.longest_gc, now - self._gc_started)

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    async def measure(self, work: Callable[[], Awaitable[Any]]) -> tuple[Any, float, float]:
        """Run ``work``; its result, seconds taken and longest stall (ms)."""
        self.longest = self.longest_gc = 0.0
        self._task = asyncio.ensure_future(self._tick())
        await asyncio.sleep(0.005)
        started = time.perf_counter()
        result = await work()
        took = time.perf_counter() - started
        await asyncio.sleep(0.005)
        self._task.cancel()
        return result, took, self.longest * 1000

    def report(self, what: str, took: float, stall_ms: float, extra: str = "") -> None:
        """One line: the step's time, its longest stall and, when long, its longest GC pass."""
        gc_ms = self.longest_gc * 1000
        gc_note = f"(gc {gc_ms:.0f} ms)" if gc_ms >= 10 else ""
        print(
            f"  {what:<46} {took * 1000:9.1f} ms   longest stall {stall_ms:6.1f} ms"
            f" {gc_note:>11}  {extra}"
        )


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill_store(db: Database, campaigns: int, outcomes: int) -> int:
    """``campaigns`` campaigns over the five sandbox accounts, the first with ``outcomes``
    recipients and outcomes; its id."""
    rng = random.Random(7)
    table = CampaignTable(db)
    statuses = list(CampaignStatus)
    now = datetime.now(UTC)
    with db.transaction():
        first = None
        for n in range(campaigns):
            provider = list(PROVIDERS)[n % len(PROVIDERS)]
            status = CampaignStatus.COMPLETED if n == 0 else rng.choice(statuses)
            record = table.insert(
                CampaignRecord(
                    account_id=sandbox_account_id(provider),
                    name=f"Campaign {n:05d} {rng.choice(['spring', 'summer', 'autumn'])}",
                    idempotency_key=f"bench-{n}",
                    status=status,
                    recipients=outcomes if n == 0 else rng.randrange(10, 50_000),
                    total=outcomes if n == 0 else None,
                    sent=outcomes if n == 0 else 0,
                    cost_micros=rng.randrange(1, 10**9),
                    currency="EUR",
                    created=now - timedelta(minutes=n),
                )
            )
            first = first or record.id
    assert first is not None
    writer = table.recipients_writer(first)
    step = 50_000
    for start in range(0, outcomes, step):
        stop = min(outcomes, start + step)
        writer.write(
            (i, i + 2, f"+4474{i % (outcomes - 1000):08d}", f"Text {i % 3}", {})
            for i in range(start, stop)
        )
    kinds = [OutcomeStatus.DELIVERED] * 95 + [OutcomeStatus.FAILED] * 3 + [OutcomeStatus.SENT] * 2
    counts = Counter(kinds[i % 100].value for i in range(outcomes))
    record = table.get(first)
    assert record is not None
    table.save(replace(record, outcome_counts=dict(counts)))  # as fetch_outcomes counts them
    store = OutcomeTable(db)
    seq = 0
    for start in range(0, outcomes, step):
        stop = min(outcomes, start + step)
        seq = store.add(
            first,
            seq,
            (
                RecipientOutcome(f"+4474{i % (outcomes - 1000):08d}", k, k.value.upper(), at=now)
                for i, k in ((i, kinds[i % 100]) for i in range(start, stop))
            ),
        )
    return first


def spec(provider: str, n: int) -> CampaignSpec:
    rows = [Recipient(i, i + 2, f"+4474{i:08d}", "Bench text") for i in range(20)]
    options: dict[str, Any] = {"targeting": {}} if provider == "batch" else {}
    return CampaignSpec(
        name=f"Bench {n}",
        recipients=lambda: iter(rows),
        count=len(rows),
        idempotency_key=f"sandbox-{provider}-{n}-{time.time_ns()}",
        sender="Bench" if provider == "routee" else None,
        options=options,
        schedule=None,
    )


async def main(campaigns: int, outcomes: int) -> None:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    path = DATA / "campaigns.sqlite3"
    probe = Probe()
    print(f"Store: {campaigns:,} campaigns, {outcomes:,} outcomes in {path}")
    print(f"  RSS at start {rss_mb():.0f} MB")

    db = Database(path)
    sandbox = ChildSandbox(sandbox_command())
    sandbox.start()
    clock = SystemClock()
    pool = ProviderPool(make_client(ChildSandboxTransport(sandbox)), clock, per_second=1000)
    accounts = AccountService(db, SecretStore(), pool, sandbox_url=IN_PROCESS_URL)
    started = time.perf_counter()
    big = fill_store(db, campaigns, outcomes)
    print(f"  filled in {time.perf_counter() - started:.1f} s (not timed below)")

    service = CampaignService(db, accounts, pool, clock)
    print("The list's queries")
    _, took, stall = await probe.measure(service.start)
    probe.report(f"load {len(service.list):,} rows (start)", took, stall, f"RSS {rss_mb():.0f} MB")
    for key in (SortKey.NAME, SortKey.STATUS, SortKey.COST):

        async def sort(key: SortKey = key) -> None:
            service.list.set_sort(key, descending=True)

        _, took, stall = await probe.measure(sort)
        probe.report(f"sort by {key.value}", took, stall)

    async def by_provider() -> None:
        service.list.set_filter(CampaignFilter(providers=frozenset({"cordial"})))

    _, took, stall = await probe.measure(by_provider)
    probe.report(f"filter by provider ({len(service.list):,} shown)", took, stall)

    async def by_text() -> None:
        service.list.set_filter(CampaignFilter(text="autumn"))

    _, took, stall = await probe.measure(by_text)
    probe.report(f"filter by text ({len(service.list):,} shown)", took, stall)
    service.list.set_filter(CampaignFilter())

    async def find() -> int | None:
        return service.list.find("Campaign 09999")

    _, took, stall = await probe.measure(find)
    probe.report("find a name", took, stall)

    async def one_update() -> None:
        row = service.list.get(big + campaigns // 2)
        assert row is not None
        service.list.upsert([replace(row, name="Renamed", sent=row.sent + 1)])

    _, took, stall = await probe.measure(one_update)
    probe.report("a row changed and moved (sorted by cost)", took, stall)

    async def gates() -> dict[Action, Any]:
        return service.actions(big + 1)

    _, took, stall = await probe.measure(gates)
    probe.report("the eight action gates of one row", took, stall)

    async def counts() -> Any:
        return service.outcome_counts(big)

    _, took, stall = await probe.measure(counts)
    probe.report("outcome counts by status (1 campaign)", took, stall)

    async def page() -> Any:
        return service.outcome_page(big, 29_000, 100, frozenset({OutcomeStatus.FAILED}))

    _, took, stall = await probe.measure(page)
    probe.report("a page of failed outcomes near the end", took, stall)

    print("Outcomes")

    async def join() -> None:
        for _ in OutcomeTable(db).join_rows_steps(big):
            await next_turn()  # as CampaignService.fetch_outcomes does

    _, took, stall = await probe.measure(join)
    probe.report(f"join {outcomes:,} outcomes to their rows", took, stall)
    target = DATA / "outcomes.csv"

    async def export() -> int:
        return await export_outcomes(db, big, target)

    written, took, stall = await probe.measure(export)
    size = target.stat().st_size / 1e6
    probe.report(
        f"export {written:,} outcomes to CSV", took, stall, f"{size:.0f} MB, RSS {rss_mb():.0f} MB"
    )

    print(f"Refresh against the child sandbox ({AT_SANDBOX_PER_PROVIDER} campaigns per account)")
    for provider in PROVIDERS:
        for n in range(AT_SANDBOX_PER_PROVIDER):
            made = await service.create_draft(sandbox_account_id(provider), spec(provider, n))
            result = await service.send(made)
            assert result.ok, result.message
    paced = ProviderPool(make_client(ChildSandboxTransport(sandbox)), clock)  # 4 a second
    following = CampaignService(db, accounts, paced, clock)
    await following.start()
    follower = Follower(following, accounts, paced, clock)
    requests = 0

    async def count(request: Any) -> None:
        nonlocal requests
        requests += 1

    paced.client.event_hooks["request"].append(count)

    async def cycle() -> None:
        await asyncio.gather(*(follower.cycle(sandbox_account_id(p)) for p in PROVIDERS))

    _, took, stall = await probe.measure(cycle)
    probe.report("one cycle of the five accounts, in parallel", took, stall, f"{requests} requests")
    states = [follower.state(sandbox_account_id(p)).error for p in PROVIDERS]
    assert not any(states), states
    print(f"  RSS at the end {rss_mb():.0f} MB")
    await paced.aclose()
    await pool.aclose()
    db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    options = parser.parse_args()
    asyncio.run(main(options.campaigns, options.outcomes))
