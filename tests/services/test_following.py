"""Following campaigns: polling with backoff, Retry-After and Batch's floor, a few requests
a second, final campaigns less often, Overdue flagged, "refresh now", "last updated"."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from app.domain.campaign import Action, CampaignStatus, RemoteCampaign
from app.providers.registry import PROVIDERS
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.services.rig import account_of, spec_for
from tests.services.scenarios import prepare

S = CampaignStatus


async def test_a_cycle_brings_every_campaign_up_to_date_and_says_when(desk):
    campaigns = [await prepare(desk, p, "sending", key=f"k-{p}") for p in ("cordial", "batch")]
    desk.clock.advance(3600)
    for provider in ("cordial", "batch"):
        wait = await desk.follower.cycle(account_of(provider))
        assert wait == desk.follower.idle_interval  # all final now: slower
        state = desk.follower.state(account_of(provider))
        assert state.error == "" and state.last_updated == desk.clock.now()
    assert [desk.campaigns.list.get(c).status for c in campaigns] == [S.COMPLETED] * 2
    assert desk.follower.last_updated is not None
    synced = desk.campaigns.list.get(campaigns[0]).synced
    assert desk.clock.now() - timedelta(seconds=10) < synced <= desk.clock.now()


async def test_a_campaign_still_going_is_polled_at_the_short_interval(desk):
    await prepare(desk, "routee", "scheduled")
    assert await desk.follower.cycle(account_of("routee")) == desk.follower.interval


@pytest.mark.parametrize(("retry_after", "expected"), [(20, 20.0), (100, 100.0)])
async def test_a_429_waits_at_least_what_the_provider_asks(desk, env, retry_after, expected):
    await prepare(desk, "cordial", "sending")
    env.faults.update({"rate_limit": 50, "retry_after": retry_after, "only": "/cordial"})
    wait = await desk.follower.cycle(account_of("cordial"))
    assert wait == expected
    state = desk.follower.state(account_of("cordial"))
    assert "limiting requests" in state.error.lower() or "rate limit" in state.error.lower()
    assert state.failures == 1 and state.next_at == desk.clock.now() + timedelta(seconds=wait)


async def test_batch_is_left_alone_at_least_five_seconds_after_a_429(desk, env):
    await prepare(desk, "batch", "sending")
    desk.follower.interval = 1.0  # so that the backoff alone would be shorter
    env.faults.update({"rate_limit": 50, "retry_after": 1, "only": "/batch"})
    assert await desk.follower.cycle(account_of("batch")) == 5.0
    assert all(wait >= 5.0 for wait in desk.clock.sleeps if wait > 1)  # the transport's too


async def test_failures_back_off_exponentially_and_a_success_resets(desk, env):
    await prepare(desk, "cordial", "sending")
    env.faults.update({"server_errors": 10_000, "only": "/cordial"})
    waits = [await desk.follower.cycle(account_of("cordial")) for _ in range(4)]
    assert waits == [15.0, 30.0, 60.0, 120.0]
    assert "Next try in 120 s" in desk.follower.state(account_of("cordial")).error
    env.faults.update({"server_errors": 0})
    assert await desk.follower.cycle(account_of("cordial")) == desk.follower.interval
    assert desk.follower.state(account_of("cordial")).failures == 0


async def test_refused_credentials_stop_following_until_asked(desk):
    account = desk.accounts.add(
        "batch",
        "Mine",
        IN_PROCESS_URL + PROVIDERS["batch"].sandbox_path,
        {"rest_api_key": "wrong", "project_key": "wrong"},
    )
    assert await desk.follower.cycle(account.id) is None
    state = desk.follower.state(account.id)
    assert state.next_at is None and "refused the REST API key" in state.error


async def test_requests_to_one_account_are_spaced_a_few_a_second(desk):
    for n in range(4):
        await prepare(desk, "cordial", "sending", key=f"k{n}")
    starts: list[float] = []

    async def record(request):
        starts.append(desk.clock.monotonic())

    desk.pool.client.event_hooks["request"].append(record)
    await desk.follower.cycle(account_of("cordial"), list_now=True)
    assert len(starts) >= 5
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.25 - 1e-9  # at most 4 a second


async def test_final_campaigns_are_asked_about_less_often_then_left_alone(desk):
    campaign = await prepare(desk, "cordial", "sending")
    desk.clock.advance(3600)
    await desk.follower.cycle(account_of("cordial"))
    assert desk.campaigns.record(campaign).status is S.COMPLETED

    def due():
        return [
            r.id
            for r in desk.campaigns.due(
                account_of("cordial"),
                final_every=desk.follower.final_every,
                final_for=desk.follower.final_for,
            )
        ]

    assert due() == []  # just asked
    desk.clock.advance(desk.follower.final_every.total_seconds())
    assert due() == [campaign]
    desk.clock.advance(desk.follower.final_for.total_seconds())
    assert due() == []  # ended long ago: no more polling


async def test_a_scheduled_campaign_long_past_its_start_is_overdue_and_not_fired(desk):
    start = desk.clock.now() + timedelta(hours=1)
    campaign = await desk.campaigns.create_draft(
        account_of("bulksms"), spec_for("bulksms", start=start)
    )
    assert (await desk.campaigns.send(campaign)).ok
    assert desk.campaigns.list.get(campaign).status is S.SCHEDULED
    # The provider stalls (its clock stays behind): nothing goes out after the start.
    desk.clock.advance(3600 + 20 * 60, sandbox_too=False)
    await desk.follower.cycle(account_of("bulksms"))
    row = desk.campaigns.list.get(campaign)
    assert row.overdue and row.status_label == "Overdue" and row.sent == 0


async def test_a_draft_whose_start_has_passed_cannot_be_sent_until_rescheduled(desk):
    start = desk.clock.now() + timedelta(minutes=5)
    campaign = await desk.campaigns.create_draft(
        account_of("bulksms"), spec_for("bulksms", start=start)
    )
    desk.clock.advance(600)
    check = desk.campaigns.check(campaign, Action.SEND)
    assert not check and "has passed" in check.reason and "Europe/London" in check.reason
    result = await desk.campaigns.send(campaign)
    assert not result.ok and await desk.at_sandbox("bulksms") == 0
    await desk.campaigns.update(campaign, spec_for("bulksms"))  # no start: at once
    assert (await desk.campaigns.send(campaign)).ok


async def test_campaigns_made_elsewhere_are_found_by_listing(desk):
    provider = desk.pool.provider(desk.accounts.get(account_of("cordial")))
    await provider.create(spec_for("cordial", name="Made in Cordial", key="elsewhere"))
    await desk.follower.cycle(account_of("cordial"))
    (row,) = [r for r in desk.campaigns.list if r.account_id == account_of("cordial")]
    assert row.imported and row.name.startswith("Made in Cordial") and row.status is S.DRAFT
    assert not desk.campaigns.check(row.id, Action.SEND)  # its rows are not here
    assert desk.campaigns.check(row.id, Action.DELETE)


async def test_a_listing_without_counts_leaves_a_going_campaign_to_its_refresh(desk):
    """A list that says Completed but gives no counts would show "Completed, 0 of 7 sent"
    until the refresh of the same cycle: the status and the counts come together."""
    campaign = await prepare(desk, "rocketcoms", "sending")
    record = desk.campaigns.record(campaign)
    listed = RemoteCampaign("rocketcoms", record.provider_id, record.name, S.COMPLETED, "COMPLETED")
    desk.campaigns.merge_listed(account_of("rocketcoms"), [listed])
    assert desk.campaigns.list.get(campaign).status is not S.COMPLETED
    desk.clock.advance(3600)
    await desk.follower.cycle(account_of("rocketcoms"))
    row = desk.campaigns.list.get(campaign)
    assert row.status is S.COMPLETED and row.sent == row.total > 0


class WakeOnlyClock:
    """Sleeps until cancelled: the loop goes on only when woken."""

    def __init__(self, clock):
        self.inner = clock

    def now(self):
        return self.inner.now()

    def monotonic(self):
        return self.inner.monotonic()

    async def sleep(self, seconds: float) -> None:
        if seconds >= 1:
            await asyncio.Event().wait()


async def test_refresh_now_starts_a_cycle_at_once(desk):
    await prepare(desk, "cordial", "sending")
    desk.follower.clock = WakeOnlyClock(desk.clock)
    cycles: list[str] = []
    done = asyncio.Event()

    def seen(account_id: str) -> None:
        if account_id == account_of("cordial"):
            cycles.append(account_id)
            if len(cycles) == 2:
                done.set()

    desk.follower.state_changed.connect(seen)
    desk.follower.start()
    while not cycles:
        await asyncio.sleep(0.01)
    desk.follower.refresh_now(account_of("cordial"))
    await asyncio.wait_for(done.wait(), 10)
    await desk.follower.stop()
    assert len(cycles) == 2


async def test_a_send_wakes_an_account_that_was_left_to_idle(desk):
    """Nothing was going, so the account waited the idle interval: the campaign just sent
    shows its progress without waiting five minutes (or a click on Refresh Now)."""
    campaign = await prepare(desk, "routee", "draft")
    desk.follower.clock = WakeOnlyClock(desk.clock)
    cycles: list[str] = []
    desk.follower.state_changed.connect(cycles.append)
    desk.follower.start()
    while account_of("routee") not in cycles:
        await asyncio.sleep(0.01)
    before = cycles.count(account_of("routee"))
    assert (await desk.campaigns.send(campaign)).ok

    async def next_cycle() -> None:
        while cycles.count(account_of("routee")) == before:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(next_cycle(), 10)
    await desk.follower.stop()
    assert desk.follower.state(account_of("routee")).last_updated is not None
