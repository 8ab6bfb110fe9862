"""Sends of one campaign at once (a button clicked twice, two windows on one transport, a
retry racing a slow answer) create it once, on every provider's sandbox."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.domain.campaign import RemoteCampaign
from app.providers.base import CampaignSpec, Provider
from app.providers.batchcom import BatchProvider
from app.providers.bulksms import BulkSmsProvider
from app.providers.cordial import CordialProvider
from app.providers.registry import sandbox_account
from app.providers.rocketcoms import RocketComsProvider
from app.providers.routee import RouteeProvider
from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from tests.providers.rig import ProviderRig, Rigs, one_text_spec
from tests.sandbox.rig import mounted


@dataclass(frozen=True)
class Case:
    adapter: type[Provider]
    mount: str
    create: str  # "METHOD path" of the request that makes a campaign
    options: dict[str, Any]
    sender: str | None = None


CASES = {
    "rocketcoms": Case(RocketComsProvider, "/rocketcoms", "POST /rocketcoms/v1/batches", {}),
    "routee": Case(RouteeProvider, "/routee", "POST /routee/sms/campaign", {}, "Shop"),
    "bulksms": Case(BulkSmsProvider, "/bulksms", "POST /bulksms/submission/send_batch/1/1.0", {}),
    "cordial": Case(CordialProvider, "/cordial", "POST /cordial/v2/batchmessages", {}),
    "batch": Case(BatchProvider, "/batch", "POST /batch/2.8/campaigns/create", {"targeting": {}}),
}


class Counted(httpx.AsyncBaseTransport):
    """The in-process sandbox, noting each request that reaches it."""

    def __init__(self, inner: SandboxTransport) -> None:
        self.inner = inner
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


async def stored_campaigns(provider: Provider, app: Any) -> int:
    """How many campaigns the sandbox holds, asked through its own API (BulkSMS has no list
    call: its simulator's records)."""
    if isinstance(provider, BulkSmsProvider):
        return len(app.state.bulksms.batches)
    return len(await provider.list())


def spec_for(case: Case) -> CampaignSpec:
    return one_text_spec(key="clicked-twice", options=case.options, sender=case.sender)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("windows", [1, 2])  # one adapter, or two sharing the transport
async def test_three_sends_at_once_create_one_campaign(rigs: Rigs, name: str, windows: int):
    case = CASES[name]
    env = SandboxEnv(clock=SandboxClock(frozen=True), failure_percent=0)
    env.faults.latency = 0.02  # every answer is slow: the sends overlap for real
    inner = SandboxTransport(env, providers=[case.mount])
    counted = Counted(inner)
    account = sandbox_account(name, IN_PROCESS_URL)

    class Rig(ProviderRig[Any]):
        adapter = case.adapter
        mount = case.mount

    first = rigs.on(Rig, env, account, counted)
    adapters = [first.provider] * (3 - windows + 1) + [
        type(first.provider)(account, first.transport) for _ in range(windows - 1)
    ]
    spec = spec_for(case)
    done: list[RemoteCampaign] = await asyncio.gather(*(a.send(spec) for a in adapters))
    assert len({campaign.id for campaign in done}) == 1
    creates = counted.seen.count(case.create)
    if name in ("bulksms", "routee"):
        # The provider answers a repeat with the first one's campaign (stop_dup_id, a
        # campaign name Routee keeps unique), so a repeat may be sent; one is made.
        assert creates >= 1
    else:  # the adapter looks for the campaign, then creates: in turn, one create
        assert creates == 1, counted.seen
    assert await stored_campaigns(first.provider, mounted(inner, case.mount)) == 1
