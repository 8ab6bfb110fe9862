"""What "Validate with provider" sends: the rows with a usable number, as a campaign spec.

Plain Python (no Qt). The rows are collected by a chunked job first (a million rows never
freeze the window), then the spec streams them to the adapter on demand.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from app.domain.batch import Batch
from app.providers.base import (
    CampaignSpec,
    Provider,
    ProviderIssue,
    Recipient,
    map_issues_to_rows,
)
from app.ui.chunked import Steps

_STRIDE = 256


@dataclass(frozen=True, slots=True)
class Recipients:
    rows: list[tuple[int, str]]  # (batch row, E.164) of each row sent
    skipped: int  # rows without a usable number (their local error says why)


def recipients_steps(batch: Batch) -> Steps:
    """The rows to send, as a chunked job returning :class:`Recipients`."""
    rows: list[tuple[int, str]] = []
    total = len(batch)
    e164_of = batch.e164
    for start in range(0, total, _STRIDE):
        end = min(start + _STRIDE, total)
        for row in range(start, end):
            e164 = e164_of(row)
            if e164 is not None:
                rows.append((row, e164))
        yield end, total
    return Recipients(rows, total - len(rows))


def campaign_spec(batch: Batch, recipients: Recipients, name: str) -> CampaignSpec:
    columns = batch.extra_columns

    def stream() -> Iterator[Recipient]:
        for row, e164 in recipients.rows:
            fields = dict(zip(columns, batch.extras(row), strict=False))
            yield Recipient(row, batch.line(row), e164, batch.message(row), fields)

    return CampaignSpec(
        name=name,
        recipients=stream,
        count=len(recipients.rows),
        idempotency_key=uuid.uuid4().hex,
        short_links=batch.settings.short_link_length is not None,
    )


async def validate(provider: Provider, spec: CampaignSpec) -> tuple[list[ProviderIssue], int]:
    """The provider's issues with editor rows and file lines filled in, and rows checked."""
    report = await provider.validate(spec)
    return map_issues_to_rows(report.issues, spec.recipients()), report.checked
