"""Per-recipient outcomes: stored once a campaign ends, exported to CSV streamed, the failed
rows offered as a new batch; resume never re-sends to those already sent; a restart shows the
same list."""

from __future__ import annotations

import asyncio
import csv

import pytest

from app.domain.campaign import Action, CampaignStatus
from app.domain.outcomes import OutcomeStatus
from app.providers.base import Recipient
from app.services.export import Cancel, ExportCancelled, export_outcomes
from tests.services.rig import account_of, rows, spec_for
from tests.services.scenarios import prepare

S = CampaignStatus


def mixed_rows() -> list[Recipient]:
    good = rows(count=4)
    bad = Recipient(row=4, line=6, phone="+999123456789", message="Spring sale: 20% off")
    again = Recipient(row=5, line=7, phone=good[0].phone, message="Second text")  # a repeat
    return [*good, bad, again]


async def sent_and_done(desk, provider: str) -> int:
    campaign = await desk.campaigns.create_draft(
        account_of(provider), spec_for(provider, recipients=mixed_rows())
    )
    assert (await desk.campaigns.send(campaign)).ok
    desk.clock.advance(3600)
    await desk.follower.cycle(account_of(provider))
    assert desk.campaigns.record(campaign).status is S.COMPLETED
    return campaign


@pytest.mark.parametrize("provider", ["rocketcoms", "routee"])
async def test_a_finished_campaign_keeps_every_recipients_outcome_at_its_row(desk, provider):
    campaign = await sent_and_done(desk, provider)
    counts = desk.campaigns.outcome_counts(campaign)
    assert sum(counts.values()) == 6 and counts[OutcomeStatus.FAILED] >= 1
    assert desk.campaigns.outcome_count(campaign) == 6
    failed_only = frozenset({OutcomeStatus.FAILED})
    assert desk.campaigns.outcome_count(campaign, failed_only) == counts[OutcomeStatus.FAILED]
    outcomes = desk.campaigns.outcome_page(campaign, 0, 10)
    assert sorted(o.row for o in outcomes) == [0, 1, 2, 3, 4, 5]
    (failed,) = desk.campaigns.outcome_page(campaign, 0, 10, frozenset({OutcomeStatus.FAILED}))
    assert failed.row == 4 and failed.provider_status


async def test_the_failed_rows_come_back_as_a_new_batch(desk):
    campaign = await sent_and_done(desk, "rocketcoms")
    assert desk.campaigns.check_resend_failed(campaign)
    batch = desk.campaigns.resend_failed(campaign)
    assert batch.count == 1 and batch.name == "Spring (failed)"
    assert [(r.phone, r.message) for r in batch.recipients()] == [
        ("+999123456789", "Spring sale: 20% off")
    ]
    copy = desk.campaigns.duplicate(campaign)
    assert [r.message for r in copy.recipients()] == [r.message for r in mixed_rows()]


async def test_audience_providers_offer_no_failed_rows(desk):
    campaign = await prepare(desk, "cordial", "sending")
    check = desk.campaigns.check_resend_failed(campaign)
    assert not check and "no outcome per recipient" in check.reason


async def test_outcomes_export_to_csv_streamed_and_filtered(desk, tmp_path):
    campaign = await sent_and_done(desk, "rocketcoms")
    target = tmp_path / "out.csv"
    seen: list[int] = []
    written = await export_outcomes(desk.db, campaign, target, progress=seen.append)
    assert written == 6 and seen[-1] == 6
    with target.open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["row", "line", "phone", "status", "provider_status", "detail", "time"]
    assert sorted(int(r[0]) for r in table[1:]) == [1, 2, 3, 4, 5, 6]  # 1-based rows
    assert sorted(int(r[1]) for r in table[1:]) == [2, 3, 4, 5, 6, 7]  # their file lines
    only_failed = await export_outcomes(
        desk.db, campaign, target, statuses=frozenset({OutcomeStatus.FAILED})
    )
    assert only_failed == 1


async def test_a_cancelled_export_leaves_no_file(desk, tmp_path):
    campaign = await sent_and_done(desk, "rocketcoms")
    cancel = Cancel()
    cancel()
    with pytest.raises(ExportCancelled):
        await export_outcomes(desk.db, campaign, tmp_path / "out.csv", cancel=cancel)
    assert list(tmp_path.glob("out.csv*")) == []


@pytest.mark.parametrize("provider", ["cordial", "batch"])
async def test_resume_never_sends_again_to_those_already_sent(desk, env, provider):
    campaign = await prepare(desk, provider, "sending")
    desk.clock.advance(62 if provider == "cordial" else 0.12)  # Cordial queues a minute first
    await desk.campaigns.refresh(campaign)
    assert (await desk.campaigns.pause(campaign)).ok
    paused = desk.campaigns.record(campaign)
    total = paused.total or env.settings["batch.profiles"]  # Batch reports no total
    assert paused.status is S.PAUSED and 0 < paused.sent < total
    desk.clock.advance(3600)  # nothing goes out while paused
    await desk.campaigns.refresh(campaign)
    assert desk.campaigns.record(campaign).sent == paused.sent
    assert (await desk.campaigns.resume(campaign)).ok
    assert desk.campaigns.record(campaign).sent == paused.sent  # carries on, not from 0
    desk.clock.advance(3600)
    await desk.campaigns.refresh(campaign)
    done = desk.campaigns.record(campaign)
    assert done.status is S.COMPLETED and done.sent == total  # each contact once


async def test_a_restart_shows_the_same_list(desks):
    first = desks()
    await first.campaigns.start()
    made = [await prepare(first, p, "draft", key=f"k-{p}") for p in ("routee", "bulksms")]
    assert (await first.campaigns.send(made[1])).ok
    shown = [(r.id, r.name, r.status, r.account_name, r.total) for r in first.campaigns.list]

    second = desks()
    await second.campaigns.start()
    assert [
        (r.id, r.name, r.status, r.account_name, r.total) for r in second.campaigns.list
    ] == shown
    assert second.campaigns.check(made[0], Action.SEND)
    assert not second.campaigns.check(made[1], Action.SEND)


async def test_outcomes_read_twice_at_once_are_stored_once(desk):
    """The follower and Refresh Now (or the outcomes dialog) may ask at the same moment."""
    campaign = await sent_and_done(desk, "routee")
    first, second = await asyncio.gather(
        desk.campaigns.fetch_outcomes(campaign), desk.campaigns.fetch_outcomes(campaign)
    )
    assert first == second == 6
    assert desk.campaigns.outcome_count(campaign) == 6
    assert sorted(o.row for o in desk.campaigns.outcome_page(campaign, 0, 10)) == list(range(6))
