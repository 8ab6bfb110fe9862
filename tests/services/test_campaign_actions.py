"""Every action of every provider end to end on its sandbox, with and without faults.

Faults (429 bursts, 5xx, connections dropped before and after the server processed the
request) are injected right before the action; whatever becomes of it, once the faults stop
and the account's next refresh cycle has run, the list agrees with the provider, no intent is
left open, and no campaign was made twice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.campaign import Action, CampaignStatus
from app.services.campaigns import SETTLE, UNSENT
from tests.services.rig import account_of
from tests.services.scenarios import CASES, act, case_id, prepare, sandbox_path

S = CampaignStatus

FAULTS = {
    "429-burst": {"rate_limit": 10, "retry_after": 1},
    "5xx": {"server_errors": 10},
    "dropped-before": {"drop_before": 10},
    "dropped-after": {"drop_after": 10},
}


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_each_action_on_each_provider(desk, case):
    provider, action, point, expected = case
    campaign = await prepare(desk, provider, point)
    made = await desk.at_sandbox(provider)
    had_remote = desk.campaigns.record(campaign).provider_id is not None
    result = await act(desk, provider, campaign, action)
    assert result.ok, result.message
    row = desk.campaigns.list.get(campaign)
    if expected is None:
        assert row is None and desk.campaigns.record(campaign) is None
        assert await desk.at_sandbox(provider) == 0
        return
    assert row is not None and row.status is expected, row
    assert row.busy is None and not row.unconfirmed and row.notice == ""
    drafts_there = provider in ("rocketcoms", "cordial") and action is Action.VALIDATE
    created = not had_remote and (drafts_there or action is Action.SEND)
    removed = provider == "routee" and action is Action.CANCEL  # Routee cancels by deleting
    assert await desk.at_sandbox(provider) == made + created - removed
    await desk.campaigns.refresh(campaign)
    assert desk.campaigns.list.get(campaign).status is expected  # the provider agrees


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_faults_during_each_action_leave_the_list_consistent(desk, env, case, fault):
    provider, action, point, expected = case
    campaign = await prepare(desk, provider, point)
    before = desk.campaigns.record(campaign)
    env.faults.update({**FAULTS[fault], "only": sandbox_path(provider)})
    result = await act(desk, provider, campaign, action)
    env.faults.update({k: 0 for k in FAULTS[fault] if k != "retry_after"})
    desk.clock.advance((SETTLE + timedelta(minutes=1)).total_seconds())
    await desk.follower.cycle(account_of(provider))
    await desk.follower.cycle(account_of(provider))

    count = await desk.at_sandbox(provider)
    record = desk.campaigns.record(campaign)
    row = desk.campaigns.list.get(campaign)
    if record is None:  # deleted: here and there
        assert expected is None
        assert row is None and count == 0
        return
    assert not row.unconfirmed and row.busy is None
    assert not desk.campaigns.has_open_intents(account_of(provider))
    if action is Action.SEND:
        assert count == 1  # sent once, never twice
        assert record.provider_id is not None and record.status not in UNSENT
    else:
        assert count <= 1
    if record.provider_id is not None and not record.missing:
        provider_view = desk.pool.provider(desk.accounts.get(account_of(provider)))
        remote = await provider_view.get(record.provider_id)
        if remote.status is S.DRAFT:
            assert record.status in UNSENT
        else:
            assert record.status is remote.status
    if result.ok:
        assert expected is None or record.status is expected or record.status.is_final
    else:
        assert record.notice  # the operator is told what happened
    assert before is not None
