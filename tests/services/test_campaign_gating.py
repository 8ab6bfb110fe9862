"""Which actions the list offers: check_action for the status and provider, plus what only the
app knows (an action in flight, a campaign that exists only here, one made elsewhere)."""

from __future__ import annotations

import asyncio

import pytest

from app.domain.campaign import Action, CampaignStatus, check_action
from app.providers.registry import adapter_class
from app.store.campaigns import CampaignRecord, CampaignTable
from tests.services.rig import PROVIDERS, account_of, spec_for
from tests.services.scenarios import prepare


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_every_action_for_every_status_follows_check_action(desks, provider):
    first = desks()
    table = CampaignTable(first.db)
    ids = {
        status: table.insert(
            CampaignRecord(
                account_of(provider), f"C {status}", f"k-{status}", status=status, provider_id="x"
            )
        ).id
        for status in CampaignStatus
    }
    desk = desks()
    await desk.campaigns.start()
    caps = adapter_class(provider).capabilities
    for status, campaign in ids.items():
        for action, verdict in desk.campaigns.actions(campaign).items():
            assert verdict == check_action(action, status, caps), (status, action)


async def test_a_draft_that_exists_only_here_can_be_updated_and_deleted_anywhere(desk):
    campaign = await desk.campaigns.create_draft(account_of("routee"), spec_for("routee"))
    assert desk.campaigns.check(campaign, Action.UPDATE)  # Routee itself updates Scheduled only
    assert desk.campaigns.check(campaign, Action.DELETE)
    assert not desk.campaigns.check(campaign, Action.PAUSE)
    assert (await desk.campaigns.delete(campaign)).ok
    assert desk.campaigns.list.get(campaign) is None and await desk.at_sandbox("routee") == 0


async def test_an_action_in_flight_shows_and_a_second_click_is_refused(desk, env):
    campaign = await prepare(desk, "cordial", "sending")
    finished: list[tuple[int, str, bool, str]] = []
    desk.campaigns.action_finished.connect(lambda *args: finished.append(args))
    env.faults.update({"latency": 0.05, "only": "/cordial"})
    first = asyncio.ensure_future(desk.campaigns.pause(campaign))
    while desk.campaigns.list.get(campaign).busy is None:
        await asyncio.sleep(0)
    assert desk.campaigns.list.get(campaign).busy is Action.PAUSE
    for action in (Action.PAUSE, Action.CANCEL):
        check = desk.campaigns.check(campaign, action)
        assert not check and check.reason == "Already pausing this campaign; wait for Cordial."
    second = await desk.campaigns.pause(campaign)
    assert not second.ok and "Already pausing" in second.message
    assert (await first).ok
    row = desk.campaigns.list.get(campaign)
    assert row.busy is None and row.status is CampaignStatus.PAUSED
    assert [(f[1], f[2]) for f in finished] == [("pause", False), ("pause", True)]
