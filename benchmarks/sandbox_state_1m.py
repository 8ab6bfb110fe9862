"""The sandbox's state file with a 1,000,000-recipient campaign in it: how long a save holds
the sandbox's event loop, how long it takes in all, the file's size, and how long a restarted
sandbox takes to load it.

The campaign is sent through the real adapter to the in-process sandbox (BulkSMS: 34
submissions of at most 30,000; RocketCOMS: one uploaded file of a million lines). Printed per
provider: the background save (what a state-changing request triggers; its longest stall is
what a request waits at most), the save on a clean stop (the loop has ended: nothing waits),
and the load.

Run: ``.venv/bin/python benchmarks/sandbox_state_1m.py [--rows N] [--provider bulksms]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from campaigns_10k import Probe  # noqa: E402

from app.providers.base import CampaignSpec, Recipient  # noqa: E402
from app.providers.registry import make_provider, sandbox_account  # noqa: E402
from app.providers.transport import Transport, make_client  # noqa: E402
from app.sandbox.core import SandboxEnv  # noqa: E402
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport  # noqa: E402
from app.sandbox.state import SandboxState  # noqa: E402

TEXTS = ("Spring sale: 20% off everything until Sunday!", "Votre code: 4411, merci.")
MOUNTS = {"bulksms": "/bulksms", "rocketcoms": "/rocketcoms"}


def campaign(rows: int) -> CampaignSpec:
    def recipients() -> Iterator[Recipient]:
        for i in range(rows):
            yield Recipient(i, i + 2, f"+4479{i:08d}", TEXTS[i % 2])

    return CampaignSpec("Benchmark", recipients, rows, "bench-1")


async def main(rows: int, provider_name: str, folder: Path) -> None:
    env = SandboxEnv()
    env.settings["bulksms.credits"] = rows
    inner = SandboxTransport(env, [MOUNTS[provider_name]])
    transport = Transport(make_client(inner))
    provider = make_provider(sandbox_account(provider_name, IN_PROCESS_URL), transport)
    started = time.perf_counter()
    sent = await provider.send(campaign(rows))
    print(f"{provider_name}: {rows:,} recipients sent in {time.perf_counter() - started:.1f} s")
    await transport.aclose()

    path = folder / "sandbox-state.pickle"
    state = SandboxState(env, path)
    state.changed(provider_name)
    probe = Probe()
    _, took, stall = await probe.measure(state.save)
    probe.report("background save", took, stall, f"{path.stat().st_size / 1e6:.1f} MB")

    state.changed(provider_name)
    started = time.perf_counter()
    state.save_now()
    print(f"  {'save on a clean stop':<46} {(time.perf_counter() - started) * 1000:9.1f} ms")

    again = SandboxEnv()
    SandboxTransport(again, [MOUNTS[provider_name]])  # builds the simulators, as the CLI does
    started = time.perf_counter()
    assert SandboxState(again, path).load()
    print(f"  {'load on start':<46} {(time.perf_counter() - started) * 1000:9.1f} ms")
    kept = len(again.parts[provider_name].batches)
    print(f"  restored: {kept} batch(es) of campaign {sent.id[:40]}...")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--provider", choices=sorted(MOUNTS), action="append")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox_state_") as folder:
        for name in options.provider or ["bulksms", "rocketcoms"]:
            asyncio.run(main(options.rows, name, Path(folder)))
