"""Upload a 1,000,000-row RocketCOMS batch to the loopback sandbox and print the figures.

The sandbox runs in a child process (uvicorn on 127.0.0.1), so the client's peak memory is the
adapter's own: its CSV is generated row by row inside a streamed multipart body. Printed:

* the time to build the whole multipart body with no network (client CPU only);
* the time of ``create`` (action=VALIDATE): the upload plus the sandbox reading and checking
  every line, until its answer arrives;
* the client's peak RSS growth over the upload (ru_maxrss) and, with ``--tracemalloc``, the
  peak of Python allocations traced over a second upload (tracing makes it about 4x slower);
* the server's peak RSS (VmHWM), for scale.

Run: ``.venv/bin/python benchmarks/upload_1m.py [--rows N] [--tracemalloc]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.providers.base import CampaignSpec, Recipient  # noqa: E402
from app.providers.registry import sandbox_account  # noqa: E402
from app.providers.rocketcoms import RocketComsProvider, multipart_csv  # noqa: E402
from app.providers.transport import Transport, make_client  # noqa: E402

AREA_CODES = (201, 202, 212, 213, 305, 312, 415, 617, 646, 718)
TEXTS = tuple(f"Spring sale, variant {n}: 20% off today.\nReply STOP to opt out" for n in range(10))


def recipients(count: int) -> Iterator[Recipient]:
    """``count`` distinct valid US numbers, generated on the fly (never a list)."""
    for i in range(count):
        area = AREA_CODES[i % 10]
        exchange = 200 + (i // 10) % 700
        line = (i // 7000) % 10_000
        yield Recipient(i, i + 1, f"+1{area}{exchange}{line:04d}", TEXTS[i % 10])


def serve(port: int) -> None:
    """The child process: the RocketCOMS sandbox on 127.0.0.1:port."""
    import uvicorn

    from app.sandbox.core import SandboxEnv
    from app.sandbox.server import build_sandbox

    app = build_sandbox(SandboxEnv(), ["/rocketcoms"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit("the sandbox process exited")
        try:
            httpx.get(f"{url}/_sandbox/clock", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the sandbox did not start")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def server_peak_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def body_only(rows: int) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    async for chunk in multipart_csv(recipients(rows), "benchmark"):
        size += len(chunk)
    return time.perf_counter() - started, size


async def upload(url: str, rows: int, key: str) -> tuple[float, str, int]:
    transport = Transport(make_client())
    provider = RocketComsProvider(sandbox_account("rocketcoms", url), transport)
    spec = CampaignSpec("Benchmark", lambda: recipients(rows), rows, key)
    try:
        started = time.perf_counter()
        batch = await provider.create(spec)
        elapsed = time.perf_counter() - started
        return elapsed, batch.id, batch.total or (await provider.get(batch.id)).total or 0
    finally:
        await transport.aclose()


async def main(rows: int, traced: bool) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], cwd=ROOT, env={**os.environ}
    )
    try:
        wait_until_up(url, child)
        build_seconds, size = await body_only(rows)
        print(f"rows: {rows:,}   multipart body: {size / 2**20:.1f} MiB")
        print(f"build body, no network:  {build_seconds:6.2f} s")

        before = peak_rss_mib()
        seconds, batch_id, total = await upload(url, rows, "benchmark-rss")
        grown = peak_rss_mib() - before
        print(f"upload + server check:   {seconds:6.2f} s  ({rows / seconds:,.0f} rows/s)")
        print(f"batch {batch_id}: {total:,} rows at the sandbox")
        print(f"client peak RSS: {peak_rss_mib():.1f} MiB (grew {grown:.1f} MiB during upload)")

        if not traced:
            return
        tracemalloc.start()
        traced_seconds, _, _ = await upload(url, rows, "benchmark-traced")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"client tracemalloc peak during upload: {peak / 2**20:.1f} MiB "
            f"(upload took {traced_seconds:.2f} s under tracing)"
        )
    finally:
        server = server_peak_mib(child.pid)
        if server is not None:
            print(f"server peak RSS (holds every batch uploaded): {server:.1f} MiB")
        child.terminate()
        child.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="upload again under tracemalloc (slow)"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        asyncio.run(main(args.rows, args.tracemalloc))
