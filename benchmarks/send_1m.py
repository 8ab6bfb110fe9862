"""A million-row submission as the send dialog makes it: the plan (a chunked job in the window,
run to the end here), the draft stored a chunk at a time, then the send to the BulkSMS
simulator in its child process; the longest event-loop stall of each step.

Usage: ``python benchmarks/send_1m.py [--rows N]``. Target: stalls under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
_PRIVATE = tempfile.mkdtemp(prefix="send_1m_")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = os.path.join(_PRIVATE, _var.lower())

from campaigns_10k import Probe, rss_mb  # noqa: E402

from app.domain.accounts import sandbox_account_id  # noqa: E402
from app.domain.batch import Batch, RowData  # noqa: E402
from app.domain.campaign_settings import default_settings  # noqa: E402
from app.main import build_context, provider_capabilities  # noqa: E402
from app.services.jobs import Steps, next_turn  # noqa: E402
from app.services.submit import build_spec, plan_steps  # noqa: E402
from app.ui.widgets.jobs import DEFAULT_BUDGET_MS  # noqa: E402


async def run_steps(steps: Steps) -> object:
    """A chunked job as the window's runner drives it: steps for its budget, then the turn."""
    while True:
        deadline = time.perf_counter() + DEFAULT_BUDGET_MS / 1000
        try:
            while time.perf_counter() < deadline:
                next(steps)
        except StopIteration as stop:
            return stop.value
        await next_turn()


async def main(rows: int) -> None:
    context = build_context(start_sandbox=True)
    desk = context.desk
    await desk.start()
    caps = provider_capabilities("bulksms")
    account = desk.accounts.get(sandbox_account_id("bulksms"))
    assert caps is not None and account is not None
    batch = Batch(context.batch_settings(context.settings))
    numbers = [f"+4474{n:08d}" for n in range(rows)]
    batch.append_rows(RowData(phone, "Spring sale: 20% off", ()) for phone in numbers)
    print(f"{rows:,} rows, RSS {rss_mb():.0f} MB")
    probe = Probe()

    plan, took, stall = await probe.measure(lambda: run_steps(plan_steps(batch)))
    probe.report("plan (who is sent, cost by country)", took, stall)
    spec = build_spec(plan, default_settings(caps, "Spring", account.options), caps, None)
    campaign, took, stall = await probe.measure(
        lambda: desk.campaigns.create_draft(account.id, spec, segments=plan.segments)
    )
    probe.report("draft stored", took, stall)
    started = time.perf_counter()
    result, took, stall = await probe.measure(lambda: desk.campaigns.send(campaign))
    probe.report(f"send to the BulkSMS sandbox: {result.message}", took, stall)
    print(f"in all {time.perf_counter() - started:.1f} s, RSS {rss_mb():.0f} MB")
    await desk.aclose()
    await context.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
