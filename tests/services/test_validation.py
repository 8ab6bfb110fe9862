"""What "Validate with provider" sends: the rows with a usable number, streamed on demand,
and the provider's issues brought back to their editor rows and file lines."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.domain.batch import Batch, BatchSettings, RowData
from app.domain.pricing import PriceTable
from app.providers.base import Provider, Recipient
from app.providers.registry import make_provider, sandbox_account
from app.providers.transport import Transport, make_client
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from app.services.jobs import ROWS_PER_STEP, run_to_end
from app.services.validation import Recipients, campaign_spec, recipients_steps, validate

PRICES = PriceTable("EUR", {"GB": 40_000}, 90_000)
SETTINGS = BatchSettings("GB", PRICES)


def a_batch(settings: BatchSettings = SETTINGS) -> Batch:
    batch = Batch(settings, None, ("name",))
    batch.insert_rows(
        0,
        [
            RowData("+447400123456", "Hello Ann", ("Ann",), line=2),
            RowData("not a number", "Hello Bob", ("Bob",), line=3),
            RowData("07400 123457", "   ", ("Cid",), line=5),  # national form; a blank text
            RowData("", "Hello nobody", (), line=6),
        ],
    )
    return batch


def test_only_rows_with_a_usable_number_are_sent_with_their_fields():
    recipients: Recipients = run_to_end(recipients_steps(a_batch()))
    assert len(recipients) == 2 and recipients.skipped == 2
    assert list(recipients) == [
        Recipient(0, 2, "+447400123456", "Hello Ann", {"name": "Ann"}),
        Recipient(2, 5, "+447400123457", "   ", {"name": "Cid"}),
    ]
    assert recipients[1] == recipients[-1] == list(recipients)[1]
    assert recipients[0:2] == list(recipients) and recipients[5:] == []


def test_the_rows_are_collected_a_slice_at_a_time():
    batch = Batch(SETTINGS)
    total = 2 * ROWS_PER_STEP + 88
    rows = [RowData(f"+4474001{n:05d}", "hi", line=n + 2) for n in range(total)]
    batch.insert_rows(0, rows)
    steps = recipients_steps(batch)
    progress = [next(steps) for _ in range(3)]
    assert progress == [(ROWS_PER_STEP, total), (2 * ROWS_PER_STEP, total), (total, total)]
    assert len(run_to_end(steps)) == total


def test_a_spec_streams_the_recipients_afresh_under_a_new_key_each_time():
    batch = a_batch()
    recipients = run_to_end(recipients_steps(batch))
    spec = campaign_spec(batch, recipients, "Check")
    assert spec.name == "Check" and spec.count == 2 and not spec.short_links
    assert list(spec.recipients()) == list(spec.recipients()) == list(recipients)
    assert campaign_spec(batch, recipients, "Check").idempotency_key != spec.idempotency_key
    linked = a_batch(BatchSettings("GB", PRICES, short_link_length=23))
    assert campaign_spec(linked, run_to_end(recipients_steps(linked)), "L").short_links


@pytest.fixture
async def rocketcoms() -> AsyncIterator[Provider]:
    client = make_client(SandboxTransport(providers=["/rocketcoms"]))
    provider = make_provider(sandbox_account("rocketcoms", IN_PROCESS_URL), Transport(client))
    yield provider
    await client.aclose()


async def test_the_providers_issues_come_back_on_their_editor_rows(rocketcoms):
    batch = a_batch()
    recipients = run_to_end(recipients_steps(batch))
    issues, checked = await validate(rocketcoms, campaign_spec(batch, recipients, "V"), recipients)
    assert checked == 2
    assert [(i.row, i.line, i.message) for i in issues] == [(2, 5, "The message is empty.")]
