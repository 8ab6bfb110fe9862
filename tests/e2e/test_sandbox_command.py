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


def test_an_address_other_than_loopback_gets_a_warning_first():
    # 192.0.2.1 is a documentation address no machine has: the bind fails after the warning.
    done = subprocess.run(
        [sys.executable, "-m", "app", "sandbox", "--host", "192.0.2.1", "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.startswith(
        "campaign-desk sandbox: warning: serving on 192.0.2.1, not on loopback. The sandbox "
        "has no real security"
    )


def test_a_latency_no_server_could_wait_out_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "app", "sandbox", "--latency", "1e308"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "latency must be a number of seconds from 0 to 60, not 1e+308" in done.stderr


def test_sigterm_stops_the_sandbox_while_a_slow_answer_is_pending():
    """Also: --max-body-mb limits the body every simulator reads."""
    port = _free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "app", "sandbox", "--port", str(port)),
            *("--latency", "60", "--max-body-mb", "1"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:  # the controls are never delayed
            try:
                httpx.get(f"{url}/_sandbox/clock", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        # a request that waits 60 s for its answer; once the server has answered a later one,
        # it has taken this one up
        httpx.post(f"{url}/_sandbox/faults", json={"only": "/cordial"})  # 60 s there only
        pending = socket.create_connection(("127.0.0.1", port))
        pending.sendall(b"GET /cordial/x HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        httpx.get(f"{url}/_sandbox/clock", timeout=10)
        send_batch = f"{url}/bulksms/submission/send_batch/1/1.0"  # 32 MB by default
        too_big = httpx.post(send_batch, content=b"x" * 2**21, timeout=10)
        assert (too_big.status_code, too_big.text) == (
            413,
            "The request body is larger than the 1,048,576 bytes this sandbox reads.",
        )
        started = time.monotonic()
        process.terminate()
        process.wait(timeout=30)
        assert time.monotonic() - started < 15  # the grace period, not the 60 s answer
        pending.close()
    finally:
        process.kill()
        process.wait(timeout=10)
