"""The shared transport against real HTTP: a small Starlette app over httpx's ASGI transport,
the sandbox's fault injection in-process, and a real closed port on loopback."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.providers.errors import Conflict, NotFound, ProviderError, RateLimited, TransientError
from app.providers.transport import (
    RetryPolicy,
    Transport,
    could_not,
    error_class,
    error_for,
    json_answer,
    make_client,
    redact_url,
    retry_after_seconds,
)
from app.sandbox.core import SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from tests.providers.rig import Waits, answer

BASE = "http://app.test"
USER = "u53r-n4me-xq"
PASSWORD = "p4ss-w0rd-zk"
REPORT = f"{IN_PROCESS_URL}/bulksms/status_reports/get_report/2/2.0"
SANDBOX_PARAMS = {"username": "sandbox", "password": "sandbox", "batch_id": "1"}


class Server:
    """A tiny app whose answers a test scripts: a list of (status, body, headers) per path."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[tuple[int, str, dict[str, str]]]] = {}
        self.hits: dict[str, int] = {}
        self.bodies: list[bytes] = []
        self.items: dict[str, int] = {}
        self.app = Starlette(
            routes=[
                Route("/script/{name}", self.scripted, methods=["GET", "POST"]),
                Route("/items", self.items_route, methods=["GET", "POST"]),
            ]
        )

    async def scripted(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        self.bodies.append(await request.body())
        script = self.scripts.get(name, [])
        status, text, headers = script.pop(0) if script else (200, "done", {})
        return PlainTextResponse(text, status_code=status, headers=headers)

    async def items_route(self, request: Request) -> Response:
        name = request.query_params["name"]
        if request.method == "POST":
            self.items[name] = len(self.items) + 1
            return JSONResponse({"id": self.items[name]}, status_code=201)
        if name in self.items:
            return JSONResponse({"id": self.items[name]})
        return JSONResponse({"error": "not found"}, status_code=404)


class LoseAnswers(httpx.AsyncBaseTransport):
    """Serves an app in-process but loses the next ``drops`` answers after the app processed
    the request, as a connection cut after the server accepted a create."""

    def __init__(self, app: Starlette, drops: int) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.drops = drops

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if self.drops > 0:
            self.drops -= 1
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return response


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
async def scripted(server: Server) -> AsyncIterator[tuple[Transport, Waits]]:
    waits = Waits()
    transport = Transport(
        make_client(httpx.ASGITransport(app=server.app)), sleep=waits, rng=lambda: 0.0
    )
    yield transport, waits
    await transport.aclose()


@pytest.fixture
async def sandboxed() -> AsyncIterator[tuple[Transport, Waits, SandboxEnv]]:
    env = SandboxEnv()
    waits = Waits()
    transport = Transport(make_client(SandboxTransport(env, ["/bulksms"])), sleep=waits)
    yield transport, waits, env
    await transport.aclose()


# -- not sent: always retried -----------------------------------------------------------------
async def test_connection_refused_before_processing_is_retried(sandboxed):
    transport, waits, env = sandboxed
    env.faults.drop_before = 2
    response = await transport.request("GET", REPORT, provider="bulksms", params=SANDBOX_PARAMS)
    assert response.status_code == 200
    assert len(waits) == 2
    assert env.faults.drop_before == 0


async def test_connect_error_even_for_a_create_is_retried_then_reported(sandboxed):
    transport, waits, env = sandboxed
    env.faults.drop_before = 10
    with pytest.raises(TransientError) as caught:
        await transport.request("POST", REPORT, provider="bulksms", idempotent=False)
    assert not caught.value.ambiguous
    assert len(waits) == transport.policy.attempts - 1
    assert "could not be reached" in str(caught.value)


@pytest.mark.loopback
async def test_a_closed_port_on_loopback_is_retried_and_hides_the_url():
    with socket.socket() as probe:  # a port the OS just handed out and nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits = Waits()
    transport = Transport(make_client(), sleep=waits, policy=RetryPolicy(attempts=3))
    try:
        with pytest.raises(TransientError) as caught:
            await transport.request(
                "GET",
                f"http://127.0.0.1:{port}/x",
                provider="bulksms",
                params={"password": PASSWORD},
            )
    finally:
        await transport.aclose()
    assert len(waits) == 2
    assert PASSWORD not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# -- 429 and Retry-After ----------------------------------------------------------------------
async def test_429_waits_the_servers_retry_after(sandboxed):
    transport, waits, env = sandboxed
    env.faults.rate_limit = 2
    env.faults.retry_after = 7
    response = await transport.request("GET", REPORT, provider="bulksms", params=SANDBOX_PARAMS)
    assert response.status_code == 200
    assert waits == [7.0, 7.0]


async def test_429_waits_at_least_the_providers_floor(scripted, server):
    transport, waits = scripted
    server.scripts["busy"] = [(429, "slow down", {"Retry-After": "1"})]
    response = await transport.request(
        "GET", f"{BASE}/script/busy", provider="batch", retry_after_floor=5.0
    )
    assert response.status_code == 200
    assert waits == [5.0]


async def test_429_retry_after_as_an_http_date(scripted, server):
    transport, waits = scripted
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=50), usegmt=True)
    server.scripts["busy"] = [(429, "slow down", {"Retry-After": when})]
    await transport.request("GET", f"{BASE}/script/busy", provider="x")
    assert len(waits) == 1
    assert 30 < waits[0] <= 50


@pytest.mark.parametrize("status", [429, 503])
async def test_a_wait_longer_than_the_policy_allows_is_handed_back(scripted, server, status):
    """An hour's Retry-After is the operator's to see, not a frozen call."""
    transport, waits = scripted
    server.scripts["busy"] = [(status, "come back later", {"Retry-After": "3600"})]
    response = await transport.request("GET", f"{BASE}/script/busy", provider="x")
    assert response.status_code == status
    assert response.headers["Retry-After"] == "3600"
    assert server.hits["busy"] == 1
    assert waits == []


async def test_429_is_also_retried_for_a_create(scripted, server):
    transport, waits = scripted
    server.scripts["create"] = [(429, "slow down", {"Retry-After": "2"})]
    response = await transport.request(
        "POST", f"{BASE}/script/create", provider="x", idempotent=False
    )
    assert response.status_code == 200
    assert server.hits["create"] == 2
    assert waits == [2.0]


async def test_429_on_every_attempt_returns_the_lastanswer(scripted, server):
    transport, waits = scripted
    server.scripts["busy"] = [(429, "slow down", {"Retry-After": "3"})] * 10
    response = await transport.request("GET", f"{BASE}/script/busy", provider="x")
    assert response.status_code == 429
    assert server.hits["busy"] == transport.policy.attempts
    assert waits == [3.0] * (transport.policy.attempts - 1)


# -- 5xx --------------------------------------------------------------------------------------
async def test_5xx_is_retried_when_idempotent(sandboxed):
    transport, waits, env = sandboxed
    env.faults.server_errors = 2
    response = await transport.request("GET", REPORT, provider="bulksms", params=SANDBOX_PARAMS)
    assert response.status_code == 200
    assert len(waits) == 2


async def test_5xx_is_returned_at_once_when_not_idempotent(scripted, server):
    transport, waits = scripted
    server.scripts["create"] = [(503, "maintenance", {})]
    response = await transport.request(
        "POST", f"{BASE}/script/create", provider="x", idempotent=False
    )
    assert response.status_code == 503
    assert server.hits["create"] == 1
    assert waits == []


async def test_other_4xx_is_never_retried(scripted, server):
    transport, waits = scripted
    server.scripts["bad"] = [(400, "bad request", {})]
    response = await transport.request("GET", f"{BASE}/script/bad", provider="x")
    assert response.status_code == 400
    assert server.hits["bad"] == 1
    assert waits == []


async def test_a_streamed_body_is_sent_whole_again_on_retry(scripted, server):
    transport, _ = scripted
    server.scripts["upload"] = [(502, "bad gateway", {})]

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"a=1", b"&b=2", b"&c=3"):
            yield part

    response = await transport.request("POST", f"{BASE}/script/upload", provider="x", body=chunks)
    assert response.status_code == 200
    assert server.bodies == [b"a=1&b=2&c=3", b"a=1&b=2&c=3"]


# -- lost answers and create_once ------------------------------------------------------------
async def test_a_lost_answer_is_retried_when_idempotent(sandboxed):
    transport, waits, env = sandboxed
    env.faults.drop_after = 1
    response = await transport.request("GET", REPORT, provider="bulksms", params=SANDBOX_PARAMS)
    assert response.status_code == 200
    assert len(waits) == 1


async def test_a_lost_answer_of_a_create_is_ambiguous(sandboxed):
    transport, waits, env = sandboxed
    env.faults.drop_after = 1
    with pytest.raises(TransientError) as caught:
        await transport.request("POST", REPORT, provider="bulksms", idempotent=False)
    assert caught.value.ambiguous
    assert waits == []


async def test_create_once_finds_what_a_lost_create_made(server):
    waits = Waits()
    transport = Transport(make_client(LoseAnswers(server.app, drops=1)), sleep=waits)
    url = f"{BASE}/items"

    async def create() -> int:
        response = await transport.request(
            "POST", url, provider="x", idempotent=False, params={"name": "spring"}
        )
        return int(response.json()["id"])

    async def find() -> int | None:
        response = await transport.request("GET", url, provider="x", params={"name": "spring"})
        return int(response.json()["id"]) if response.status_code == 200 else None

    try:
        made = await transport.create_once(create, find)
    finally:
        await transport.aclose()
    assert made == 1
    assert server.items == {"spring": 1}  # created once, found, not created again
    assert waits == []


async def test_create_once_creates_again_when_nothing_was_made(server):
    transport = Transport(make_client(httpx.ASGITransport(app=server.app)), sleep=Waits())
    tries = 0

    async def create() -> str:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise TransientError("lost", provider="x", ambiguous=True)
        return "made"

    async def find() -> str | None:
        return None

    try:
        assert await transport.create_once(create, find) == "made"
    finally:
        await transport.aclose()
    assert tries == 2


async def test_create_once_gives_up_after_the_policys_attempts(server):
    transport = Transport(
        make_client(httpx.ASGITransport(app=server.app)),
        sleep=Waits(),
        policy=RetryPolicy(attempts=2),
    )
    looked = 0

    async def create() -> str:
        raise TransientError("lost", provider="x", ambiguous=True)

    async def find() -> str | None:
        nonlocal looked
        looked += 1
        return None

    try:
        with pytest.raises(TransientError):
            await transport.create_once(create, find)
    finally:
        await transport.aclose()
    assert looked == 1


# -- the transient check ----------------------------------------------------------------------
def eapi_code(response: httpx.Response) -> bool | int:
    code = response.text.split("|", 1)[0]
    return {"40": True, "26": 3}.get(code, False)


async def test_transient_true_retries_up_to_the_policy(scripted, server):
    transport, waits = scripted
    server.scripts["send"] = [(200, "40|Temporarily unavailable|", {})] * 2 + [
        (200, "0|IN_PROGRESS|77", {})
    ]
    response = await transport.request(
        "POST", f"{BASE}/script/send", provider="bulksms", transient=eapi_code
    )
    assert response.text == "0|IN_PROGRESS|77"
    assert len(waits) == 2


async def test_transient_count_limits_the_attempts(server):
    waits = Waits()
    transport = Transport(
        make_client(httpx.ASGITransport(app=server.app)),
        sleep=waits,
        policy=RetryPolicy(attempts=6),
    )
    server.scripts["send"] = [(200, "26|Upstream credits not available|", {})] * 10
    try:
        response = await transport.request(
            "POST", f"{BASE}/script/send", provider="bulksms", transient=eapi_code
        )
    finally:
        await transport.aclose()
    assert response.text.startswith("26|")
    assert server.hits["send"] == 3
    assert len(waits) == 2


async def test_a_non_transient_answer_is_returned_at_once(scripted, server):
    transport, waits = scripted
    server.scripts["send"] = [(200, "24|Data validation failed|", {})]
    response = await transport.request(
        "POST", f"{BASE}/script/send", provider="bulksms", transient=eapi_code
    )
    assert response.text.startswith("24|")
    assert waits == []


# -- logs -------------------------------------------------------------------------------------
async def test_logs_never_show_query_credentials_or_userinfo(scripted, server, caplog):
    transport, _ = scripted
    caplog.set_level(logging.DEBUG)
    server.scripts["report"] = [(500, "oops", {})]
    url = f"http://{USER}:{PASSWORD}@app.test/script/report"
    params = {"username": USER, "password": PASSWORD, "batch_id": "9"}
    await transport.request("GET", url, provider="bulksms", params=params)
    assert "/script/report" in caplog.text
    assert "batch_id=9" in caplog.text
    assert USER not in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.loopback
async def test_logs_over_loopback_never_show_credentials(loopback_sandbox, caplog):
    sb = loopback_sandbox(providers=["/bulksms"])
    caplog.set_level(logging.DEBUG)
    transport = Transport(make_client(), sleep=Waits())
    try:
        response = await transport.request(
            "GET",
            f"{sb.url}/bulksms/status_reports/get_report/2/2.0",
            provider="bulksms",
            params={"username": USER, "password": PASSWORD, "batch_id": "1"},
        )
    finally:
        await transport.aclose()
    assert response.text.startswith("23|")
    assert "get_report" in caplog.text
    assert USER not in caplog.text
    assert PASSWORD not in caplog.text


def test_redact_url_masks_secrets_and_keeps_the_rest():
    url = httpx.URL(f"https://{USER}:{PASSWORD}@h.test/p?Password={PASSWORD}&token=t0k&id=3")
    safe = redact_url(url)
    assert PASSWORD not in safe and USER not in safe and "t0k" not in safe
    assert safe.startswith("https://h.test/p?") and "id=3" in safe


# -- policy arithmetic ------------------------------------------------------------------------
def test_retry_after_forms():
    def with_header(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after_seconds(with_header("12")) == 12.0
    assert retry_after_seconds(with_header("-3")) == 0.0
    assert retry_after_seconds(with_header("soon")) is None
    assert retry_after_seconds(httpx.Response(429)) is None


@settings(max_examples=200, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=40),
    jitter=st.floats(min_value=0.0, max_value=1.0),
    base=st.floats(min_value=0.01, max_value=5.0),
)
def test_backoff_is_jittered_within_the_ceiling(attempt, jitter, base):
    policy = RetryPolicy(base_delay=base, max_delay=30.0)
    ceiling = min(30.0, base * 2 ** (attempt - 1))
    wait = policy.backoff(attempt, lambda: jitter)
    assert ceiling / 2 <= wait <= ceiling


# -- error_for: what every adapter's error mapping shares --------------------------------------
def test_error_for_gives_rate_limits_their_wait_and_the_providers_floor():
    kw = {"provider": "x", "code": "60", "provider_message": "slow", "idempotent": True}
    limited = error_for(RateLimited, "Slow down.", answer(429, **{"Retry-After": "2"}), **kw)
    assert isinstance(limited, RateLimited) and limited.retry_after == 2.0
    floored = error_for(RateLimited, "Slow.", answer(429), retry_after_floor=5.0, **kw)
    assert floored.retry_after == 5.0
    assert error_for(RateLimited, "Slow.", answer(429), **kw).retry_after is None
    assert (limited.code, limited.http_status, limited.provider_message) == ("60", 429, "slow")


@pytest.mark.parametrize(("idempotent", "ambiguous"), [(True, False), (False, True)])
def test_error_for_marks_a_failed_create_as_maybe_processed(idempotent, ambiguous):
    error = error_for(
        TransientError, "Down.", answer(503), provider="x", code=None,
        provider_message=None, idempotent=idempotent,
    )  # fmt: skip
    assert isinstance(error, TransientError) and error.ambiguous is ambiguous


def test_error_for_builds_other_classes_as_they_are():
    error = error_for(
        NotFound, "No such campaign.", answer(404), provider="x", code="404009001",
        provider_message="gone", idempotent=False,
    )  # fmt: skip
    assert type(error) is NotFound and str(error) == "No such campaign."
    assert error.http_status == 404


def test_error_class_takes_the_providers_code_then_the_http_status():
    by_code = {"GONE": NotFound, "SLOW": RateLimited}
    by_status = {404: NotFound, 409: Conflict}
    assert error_class("SLOW", 404, by_code, by_status) is RateLimited
    assert error_class("NEW", 409, by_code, by_status) is Conflict
    assert error_class(None, 404, by_code, by_status) is NotFound
    assert error_class(None, 502, by_code, by_status) is TransientError
    assert error_class("NEW", 418, by_code, by_status) is ProviderError


def test_could_not_ends_the_sentence_once():
    assert could_not("Batch", "read it", "gone") == "Batch could not read it: gone."
    assert could_not("Batch", "read it", "gone.") == "Batch could not read it: gone."


def test_json_answer_decodes_json_and_refuses_anything_else():
    kw = {"provider": "x", "display_name": "X", "doing": "read it"}
    assert json_answer(answer(200, {"id": 1}), **kw) == {"id": 1}
    assert json_answer(answer(204), **kw) is None
    with pytest.raises(TransientError, match="X answered read it with something") as caught:
        json_answer(answer(200, "<html>proxy</html>"), **kw)
    assert caught.value.http_status == 200 and caught.value.provider == "x"


_FIRST_REQUEST = """
import asyncio, http.server, sys, threading

from app.providers.transport import make_client

server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
client = make_client()
before = set(sys.modules)


async def first_request():
    await client.get(f"http://127.0.0.1:{server.server_port}/")
    await client.aclose()


asyncio.run(first_request())
print(sorted(set(sys.modules) - before))
"""


def test_the_first_request_imports_nothing_more():
    """Imports on the first request would freeze the window (anyio's backend: 50 ms)."""
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_REQUEST], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_one_holder_per_key_at_a_time_and_other_keys_do_not_wait():
    transport = Transport(make_client())
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def hold(key: str, name: str) -> None:
        async with transport.exclusive(key):
            order.append(f"{name} in")
            if name == "first":
                first_in.set()
                await release.wait()
            order.append(f"{name} out")

    first = asyncio.create_task(hold("a", "first"))
    await first_in.wait()
    second = asyncio.create_task(hold("a", "second"))
    await hold("b", "other")  # another key goes through while "a" is held
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first in", "other in", "other out", "first out", "second in", "second out"]
    async with transport.exclusive("a"):  # and the key can be held again afterwards
        order.append("again")
    assert order[-1] == "again"
    await transport.aclose()
