"""One adapter per account on one HTTP client, each account's requests spaced out, and an
account's adapter kept until the account changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.providers.registry import sandbox_account
from app.providers.transport import make_client
from app.services.connections import PacedTransport, ProviderPool

BASE = "http://paced.test"


class StillClock:
    """A clock that moves only when told: its sleeps are recorded and return at once, so that
    requests made together all see the same moment, as they would on a real clock."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return datetime(2026, 5, 4, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


class Server:
    """An ASGI app that notes the path of every request it is sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.app = Starlette(routes=[Route("/{rest:path}", self.answer)])

    async def answer(self, request: Request) -> JSONResponse:
        self.seen.append(request.url.path)
        return JSONResponse({})


@pytest.fixture
def clock() -> StillClock:
    return StillClock()


@pytest.fixture
async def server(clock: StillClock) -> AsyncIterator[tuple[Server, httpx.AsyncClient]]:
    made = Server()
    client = make_client(httpx.ASGITransport(app=made.app))
    yield made, client
    await client.aclose()


async def test_requests_made_at_once_start_one_gap_apart(clock, server):
    served, client = server
    paced = PacedTransport(client, clock, per_second=2.0)
    calls = [paced.request("GET", f"{BASE}/{n}", provider="test") for n in range(4)]
    answers = await asyncio.gather(*calls)
    assert [a.status_code for a in answers] == [200] * 4
    assert clock.sleeps == [0.5, 1.0, 1.5]  # each waits for the slot after the one before
    assert sorted(served.seen) == ["/0", "/1", "/2", "/3"]


async def test_a_request_waits_for_its_slot_but_not_after_a_quiet_spell(clock, server):
    served, client = server
    paced = PacedTransport(client, clock, per_second=4.0)
    await paced.request("GET", f"{BASE}/a", provider="test")
    await paced.request("GET", f"{BASE}/b", provider="test")
    assert clock.sleeps == [0.25]
    clock.mono += 10
    await paced.request("GET", f"{BASE}/c", provider="test")
    assert clock.sleeps == [0.25] and served.seen == ["/a", "/b", "/c"]


async def test_an_account_keeps_its_adapter_until_it_changes(clock, server):
    _, client = server
    pool = ProviderPool(client, clock)
    account = sandbox_account("bulksms", BASE)
    first = pool.provider(account)
    assert pool.provider(account) is first
    assert pool.provider(replace(account)) is first  # an equal account is the same one
    renamed = pool.provider(replace(account, name="Renamed"))
    assert renamed is not first and renamed.account.name == "Renamed"
    assert pool.provider(replace(account, name="Renamed")) is renamed
    pool.forget(account.id)
    assert pool.provider(replace(account, name="Renamed")) is not renamed
    pool.forget("never-made")  # nothing to forget: no error


async def test_each_account_is_paced_on_its_own_over_the_one_client(clock, server):
    served, client = server
    pool = ProviderPool(client, clock, per_second=1.0)
    one = pool.provider(sandbox_account("bulksms", BASE))
    two = pool.provider(sandbox_account("routee", BASE))
    assert one.transport is not two.transport
    assert one.transport.client is two.transport.client is client
    await asyncio.gather(
        one.transport.request("GET", f"{BASE}/1", provider="bulksms"),
        two.transport.request("GET", f"{BASE}/2", provider="routee"),
    )
    assert clock.sleeps == [] and sorted(served.seen) == ["/1", "/2"]  # neither waited
    await pool.aclose()
    assert client.is_closed
