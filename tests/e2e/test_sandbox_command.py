"""``campaign-desk sandbox`` serves every simulator on a real loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sandbox_process() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/_sandbox/clock", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"sandbox did not start: {process.stderr.read()}") from None
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_clock_advances_and_faults_are_settable(sandbox_process):
    before = httpx.get(f"{sandbox_process}/_sandbox/clock").json()["now"]
    moved = httpx.post(f"{sandbox_process}/_sandbox/clock", json={"advance_seconds": 3600})
    assert moved.status_code == 200
    assert moved.json()["now"][:13] > before[:13]  # an hour later, to the hour
    bad = httpx.post(f"{sandbox_process}/_sandbox/clock", json={"advance": 1})
    assert bad.status_code == 400
    faults = httpx.post(f"{sandbox_process}/_sandbox/faults", json={"server_errors": 1})
    assert faults.json()["server_errors"] == 1
    unknown = httpx.post(f"{sandbox_process}/_sandbox/faults", json={"meteor": 1})
    assert unknown.status_code == 400
    assert "meteor" in unknown.json()["error"]


@pytest.mark.parametrize(
    "path", ["/rocketcoms/v1/batches", "/routee/campaigns/x", "/cordial/v2/batchmessages"]
)
def test_every_provider_refuses_wrong_credentials(sandbox_process, path):
    answer = httpx.get(f"{sandbox_process}{path}", auth=("intruder", "wrong"))
    assert answer.status_code in (401, 403)
