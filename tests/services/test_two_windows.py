"""Two app processes on one store (two windows) sending the same campaign at once: the
store's one-open-intent rule lets one of them act; the sandbox gets one campaign."""

from __future__ import annotations

import asyncio

import pytest

from tests.services.rig import PROVIDERS, account_of, spec_for


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_two_windows_sending_one_campaign_send_it_once(desks, env, provider):
    first = desks()
    await first.campaigns.start()
    campaign = await first.campaigns.create_draft(account_of(provider), spec_for(provider))
    second = desks()  # another process on the same file: its own connection and services
    await second.campaigns.start()
    env.faults.update({"latency": 0.2})  # both requests are in flight at once
    results = await asyncio.gather(first.campaigns.send(campaign), second.campaigns.send(campaign))
    env.faults.update({"latency": 0.0})
    assert sorted(r.ok for r in results) == [False, True]
    refused = next(r for r in results if not r.ok)
    assert "Another Campaign Desk window" in refused.message
    assert await first.at_sandbox(provider) == 1
