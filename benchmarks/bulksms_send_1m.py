"""Send a 1,000,000-row BulkSMS campaign and print the figures.

Printed:

* the adapter's own work with no network: the survey pass and the form encoding of every
  submission (34 submissions of at most 30,000 messages);
* the peak of Python allocations (tracemalloc) over that encoding: one submission's lines,
  never the whole campaign;
* the wall time of ``send`` against the in-process sandbox (which parses every line too).

Run: ``.venv/bin/python benchmarks/bulksms_send_1m.py [--rows N]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.providers.base import CampaignSpec, Recipient  # noqa: E402
from app.providers.bulksms import BulkSmsProvider, survey  # noqa: E402
from app.providers.registry import sandbox_account  # noqa: E402
from app.providers.transport import Transport, make_client  # noqa: E402
from app.sandbox.core import SandboxEnv  # noqa: E402
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport  # noqa: E402

TEXTS = ("Spring sale: 20% off everything until Sunday!", "Votre code: 4411, merci.")


def campaign(rows: int) -> CampaignSpec:
    def recipients() -> Iterator[Recipient]:
        for i in range(rows):
            yield Recipient(i, i + 2, f"+4479{i:08d}", TEXTS[i % 2])

    return CampaignSpec("Benchmark", recipients, rows, "bench-1")


async def encode_all(provider: BulkSmsProvider, spec: CampaignSpec) -> tuple[int, int]:
    checked = await survey(spec.recipients())
    submissions = total = 0
    async for _, chunk in provider._chunks(spec, checked.columns):
        submissions += 1
        total += sum(map(len, chunk))
    return submissions, total


async def main(rows: int) -> None:
    env = SandboxEnv()
    env.settings["bulksms.credits"] = rows
    transport = Transport(make_client(SandboxTransport(env, ["/bulksms"])))
    provider = BulkSmsProvider(sandbox_account("bulksms", IN_PROCESS_URL), transport)
    spec = campaign(rows)

    started = time.perf_counter()
    submissions, size = await encode_all(provider, spec)
    print(f"rows: {rows:,}  submissions: {submissions}  form bytes: {size / 1e6:.1f} MB")
    print(f"adapter encoding, no network: {time.perf_counter() - started:.2f} s")

    tracemalloc.start()
    await encode_all(provider, spec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced Python allocations while encoding: {peak / 1e6:.1f} MB")

    started = time.perf_counter()
    sent = await provider.send(spec)
    print(
        f"send to the in-process sandbox: {time.perf_counter() - started:.2f} s "
        f"({len(sent.id.split(','))} batches)"
    )
    await transport.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
