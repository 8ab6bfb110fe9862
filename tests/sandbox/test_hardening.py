"""The sandbox holds up like a server: bodies are limited, malformed input gets the provider's
own 4xx, and the controls take only settings they can live with."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

import httpx
import pytest

from app.sandbox.core import DEFAULT_BODY_LIMITS, SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport

BASIC = "Basic " + base64.b64encode(b"sandbox:sandbox").decode()
CORDIAL = "Basic " + base64.b64encode(b"sandbox:").decode()
DEEP = b"[" * 100_000 + b"]" * 100_000


@asynccontextmanager
async def sandbox(env: SandboxEnv | None = None) -> AsyncIterator[httpx.AsyncClient]:
    env = env or SandboxEnv(clock=SandboxClock(frozen=True))
    async with httpx.AsyncClient(
        transport=SandboxTransport(env), base_url=IN_PROCESS_URL
    ) as client:
        yield client


#: A request each part of the sandbox reads a body for: (method, path, headers).
BODY_TAKERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "/rocketcoms": (
        "POST",
        "/rocketcoms/v1/batches?campaignId=5a4d0b0c-0000-4000-8000-000000000000&externalId=x"
        "&startDate=2999-01-01",
        {"Authorization": BASIC, "Content-Type": "multipart/form-data; boundary=b"},
    ),
    "/routee": (
        "POST",
        "/routee/oauth/token",
        {"Authorization": BASIC, "Content-Type": "application/x-www-form-urlencoded"},
    ),
    "/bulksms": ("POST", "/bulksms/submission/send_batch/1/1.0", {}),
    "/cordial": ("POST", "/cordial/v2/batchmessages", {"Authorization": CORDIAL}),
    "/batch": (
        "POST",
        "/batch/2.8/campaigns/create",
        {"Authorization": "Bearer sandbox", "X-Batch-Project": "sandbox"},
    ),
    "/_sandbox": ("POST", "/_sandbox/faults", {}),
}


def provider_error(prefix: str, response: httpx.Response) -> str:
    """The sentence of an error answer, read in the provider's own format."""
    if prefix == "/bulksms":
        return response.text
    body = response.json()
    if prefix == "/rocketcoms":
        assert set(body) == {"status", "traceId", "message", "timestamp"}
        return str(body["message"])
    if prefix == "/routee":
        assert body["code"].startswith(str(response.status_code))
        return str(body["developerMessage"])
    if prefix == "/cordial":
        assert body["error"] is True and body["errorKey"]
        return str(body["message"])
    if prefix == "/batch":
        assert set(body["error"]) == {"code", "name", "message"}
        return str(body["error"]["message"])
    return str(body["error"])


@pytest.mark.parametrize("prefix", BODY_TAKERS)
async def test_a_body_over_the_limit_gets_413_without_being_read(prefix):
    env = SandboxEnv(clock=SandboxClock(frozen=True))
    env.body_limits = {key: 10_000 for key in env.body_limits}
    method, path, headers = BODY_TAKERS[prefix]
    sent = 0

    async def endless() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        nonlocal sent
        if prefix == "/rocketcoms":  # a file part that never ends
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\n\r\n'
        for _ in range(10_000):
            sent += 1
            yield b"x" * 1000

    async with sandbox(env) as client:
        streamed = await client.request(method, path, headers=headers, content=endless())
        declared = await client.request(
            method, path, headers={**headers, "Content-Length": str(2**30)}, content=b"x"
        )
    assert streamed.status_code == declared.status_code == 413
    assert sent <= 12  # it stopped reading just past the limit, not at 10 MB
    assert "larger than the 10,000 bytes" in provider_error(prefix, streamed)
    assert "larger than the 10,000 bytes" in provider_error(prefix, declared)


def test_every_part_of_the_sandbox_has_a_body_limit():
    env = SandboxEnv()
    assert set(env.body_limits) == set(BODY_TAKERS) == set(DEFAULT_BODY_LIMITS)
    assert env.body_limit("/_sandbox/faults") == 64 * 1024
    assert env.body_limit("/rocketcoms/v1/batches") == 256 * 2**20
    assert env.body_limit("/nowhere") == 64 * 1024  # the smallest


@pytest.mark.parametrize(
    ("prefix", "body"),
    [
        ("/routee", DEEP),
        ("/cordial", DEEP),
        ("/batch", DEEP),
        ("/_sandbox", DEEP),
        ("/cordial", b'{"channel": "sms", "classification": "promotional", "message": "Hi"}'),
        ("/cordial", b'{"channel": "sms", "classification": "promotional", "message": [1]}'),
        ("/cordial", b'{"channel": "sms", "classification": "promotional", "name": "\\ud800"}'),
        ("/cordial", b'{"channel": "sms", "classification": "promotional", "tags": 5}'),
        ("/cordial", b'{"name": 1e400}'),
        ("/batch", b'{"name": "n", "state": "DRAFT", "when": {}, "messages": [{"message": 1}]}'),
        (
            "/batch",
            b'{"name": "n", "state": "DRAFT", "when": {"local_time": false},'
            b' "messages": [{"channel_type": "sms", "message": "Hi"}]}',
        ),
        ("/batch", b'{"name": NaN}'),
    ],
)
async def test_malformed_json_gets_the_providers_own_4xx(prefix, body):
    method, path, headers = BODY_TAKERS[prefix]
    if prefix == "/routee":  # behind a token
        path = "/routee/sms/campaign"
    async with sandbox() as client:
        if prefix == "/routee":
            token = await client.post(
                "/routee/oauth/token",
                headers={"Authorization": BASIC},
                data={"grant_type": "client_credentials"},
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = await client.request(method, path, headers=headers, content=body)
    assert 400 <= response.status_code < 500
    assert provider_error(prefix, response).endswith(".")


@pytest.mark.parametrize(
    "body",
    [
        {"advance_seconds": "NaN"},
        {"advance_seconds": "soon"},
        {"advance_seconds": 1e308},
        {"advance_seconds": -5},
        {"advance_seconds": True},
        [1],
    ],
)
async def test_the_clock_refuses_what_it_cannot_advance_by_with_a_sentence(body):
    async with sandbox() as client:
        before = (await client.get("/_sandbox/clock")).json()["now"]
        refused = await client.post("/_sandbox/clock", json=body)
        nan = await client.post("/_sandbox/clock", content=b'{"advance_seconds": NaN}')
        after = (await client.get("/_sandbox/clock")).json()["now"]
    assert refused.status_code == nan.status_code == 400
    assert refused.json()["error"].endswith(".")
    assert "NaN" in nan.json()["error"]
    assert after[:16] == before[:16]  # not moved (to the minute: the clock is frozen)


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"latency": 1e308}, "latency must be a number of seconds from 0 to 60, not 1e+308."),
        ({"latency": -1}, "latency must be a number of seconds from 0 to 60, not -1."),
        ({"latency": "1"}, "latency must be a number of seconds from 0 to 60, not '1'."),
        ({"rate_limit": 1.5}, "rate_limit must be a whole number from 0 to 1,000,000, not 1.5."),
        ({"rate_limit": True}, "rate_limit must be a whole number"),
        ({"server_errors": 10**12}, "server_errors must be a whole number from 0 to 1,000,000"),
        ({"retry_after": 1e9}, "retry_after must be a number of seconds from 0 to 3600"),
        ({"only": 5}, "only must be a path starting with / (or null), not 5."),
        ({"meteor": 1}, "Unknown fault setting 'meteor': the settings are latency, rate_limit"),
        ([], "Send the settings to change as an object"),
    ],
)
async def test_fault_settings_are_checked_and_refused_with_a_sentence(settings, words):
    async with sandbox() as client:
        refused = await client.post("/_sandbox/faults", json=settings)
        if isinstance(settings, dict):  # with a good setting: all or none goes in
            mixed = await client.post("/_sandbox/faults", json={"server_errors": 3, **settings})
            assert mixed.status_code == 400
        now = (await client.get("/_sandbox/faults")).json()
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(words)
    assert (now["server_errors"], now["latency"]) == (0, 0)


async def test_accepted_fault_settings_come_back_as_set():
    async with sandbox() as client:
        accepted = await client.post(
            "/_sandbox/faults", json={"latency": 0.5, "rate_limit": 2, "only": "/bulksms"}
        )
    assert accepted.status_code == 200
    body = accepted.json()
    assert (body["latency"], body["rate_limit"], body["only"]) == (0.5, 2, "/bulksms")


@pytest.mark.parametrize(
    ("prefix", "path"),
    [
        ("/rocketcoms", "/rocketcoms/v2/nothing"),
        ("/routee", "/routee/nothing"),
        ("/cordial", "/cordial/v2/nothing"),
        ("/batch", "/batch/2.8/nothing"),
        ("/_sandbox", "/_sandbox/nothing"),
    ],
)
async def test_an_unknown_route_gets_the_providers_own_404(prefix, path):
    _, _, headers = BODY_TAKERS[prefix]
    async with sandbox() as client:
        response = await client.get(path, headers=headers)
    assert response.status_code == 404
    assert provider_error(prefix, response)


async def test_a_multipart_body_that_cannot_be_parsed_gets_rocketcoms_own_400():
    async with sandbox() as client:
        response = await client.post(
            "/rocketcoms/v1/batches",
            params={
                "campaignId": "5a4d0b0c-0000-4000-8000-000000000000",
                "externalId": "x",
                "startDate": "2999-01-01",
            },
            headers={"Authorization": BASIC, "Content-Type": "multipart/form-data; boundary=b"},
            content=b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
        )
    assert response.status_code == 400
    assert provider_error("/rocketcoms", response)


@pytest.mark.parametrize(
    "params",
    [
        {"batch_id": "²"},
        {"batch_id": "9" * 5000},
    ],
)
async def test_bulksms_reads_odd_numbers_as_invalid_not_as_a_crash(params):
    async with sandbox() as client:
        report = await client.get(
            "/bulksms/status_reports/get_report/2/2.0",
            params={"username": "sandbox", "password": "sandbox", **params},
        )
        send = await client.post(
            "/bulksms/submission/send_batch/1/1.0",
            data={
                "username": "sandbox",
                "password": "sandbox",
                "stop_dup_id": params["batch_id"],
                "send_time_unixtime": "9" * 15,
                "batch_data": 'msisdn,message\n"447400123456","Hi"\n',
            },
        )
    assert report.text.startswith("24|")
    assert send.text.startswith("24|")  # the send time cannot be read


def test_the_fault_settings_never_hold_what_json_cannot_write():
    env = SandboxEnv()
    with pytest.raises(ValueError, match="retry_after must be a number"):
        env.faults.update({"retry_after": float("inf")})
    assert json.loads(json.dumps(asdict(env.faults), allow_nan=False))["retry_after"] == 1.0
