"""What a submission would send, worked out without a window."""

from __future__ import annotations

import asyncio

import pytest

from app.domain.batch import Batch, RowData
from app.main import build_context, provider_capabilities
from app.services.campaigns import STORE_SLICE
from app.services.jobs import run_to_end
from app.services.submit import plan_steps, summary
from tests.services.rig import account_of, rows, spec_for

ROWS = [
    ("+447400123456", "Spring sale"),
    ("not a number", "Spring sale"),
    ("+353850123456", "Spring sale"),
    ("+447400123457", "Hi Isla"),
]


def plan_of(rows):
    context = build_context()
    batch = Batch(context.batch_settings(context.settings))
    batch.insert_rows(0, [RowData(phone, message, ()) for phone, message in rows])
    return batch, run_to_end(plan_steps(batch))


def test_rows_with_errors_are_excluded_with_their_line_and_reason():
    batch, plan = plan_of(ROWS)
    assert [batch.line(r) for r in plan.recipients.rows] == [
        batch.line(0),
        batch.line(2),
        batch.line(3),
    ]
    assert plan.excluded_count == 1
    assert plan.excluded[0].row == 1 and "not a phone number" in plan.excluded[0].reason
    assert set(plan.by_country) == {"GB", "IE"}
    assert plan.by_country["GB"].rows == 2 and plan.segments == 3
    assert plan.cost == sum(batch.cost(r) for r in plan.recipients.rows)


def test_routee_takes_one_campaign_per_text_and_per_30000_numbers():
    _, plan = plan_of(ROWS)
    routee, rocketcoms = provider_capabilities("routee"), provider_capabilities("rocketcoms")
    assert routee is not None and rocketcoms is not None
    assert plan.requests(routee) == 2  # two texts
    assert plan.requests(rocketcoms) == 1
    plan.texts["Spring sale"] = 30_001
    assert plan.requests(routee) == 3


def test_audience_providers_refuse_different_texts_and_the_summary_says_why():
    _, plan = plan_of(ROWS)
    cordial = provider_capabilities("cordial")
    assert cordial is not None
    assert "one text to its whole audience" in plan.problems(cordial)[0]
    lines = summary(plan, cordial, "0.17 EUR")
    assert lines[0].startswith("3 recipients will be sent")
    assert "1 row will not be sent" in lines[1]


async def test_a_submission_cancelled_while_its_rows_are_stored_leaves_no_draft(desk):
    many = rows(count=3 * STORE_SLICE)
    spec = spec_for("bulksms", recipients=many)
    seen: list[tuple[int, int]] = []
    task: asyncio.Task[int] | None = None

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        assert task is not None
        task.cancel()  # the operator pressed Cancel after the first rows went in

    task = asyncio.ensure_future(
        desk.campaigns.create_draft(account_of("bulksms"), spec, progress=progress)
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen and seen[0] == (STORE_SLICE, len(many))
    assert len(desk.campaigns.list) == 0  # nothing was asked of the provider: nothing kept
    assert await desk.at_sandbox("bulksms") == 0


async def test_a_second_send_of_one_file_is_offered_a_name_of_its_own(desk):
    account = account_of("routee")
    assert desk.campaigns.unused_name(account, "spring-sale") == "spring-sale"
    await desk.campaigns.create_draft(account, spec_for("routee", name="spring-sale", key="a"))
    assert desk.campaigns.unused_name(account, "spring-sale") == "spring-sale (2)"
    await desk.campaigns.create_draft(account, spec_for("routee", name="spring-sale (2)", key="b"))
    assert desk.campaigns.unused_name(account, "spring-sale") == "spring-sale (3)"
    assert desk.campaigns.unused_name(account_of("bulksms"), "spring-sale") == "spring-sale"
