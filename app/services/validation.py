"""What "Validate with provider" sends: the rows with a usable number, as a campaign spec.

Plain Python (no Qt). The rows are collected by a chunked job first (a million rows never
freeze the window), then the spec streams them to the adapter on demand.
"""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Iterator, Sequence
from typing import overload

from app.domain.batch import Batch
from app.providers.base import CampaignSpec, Provider, Recipient, map_issues_to_rows
from app.providers.issues import ProviderIssue
from app.services.jobs import Steps, row_slices


class Recipients(Sequence[Recipient]):
    """The rows sent, as a sequence of :class:`Recipient` built on demand.

    Kept as an array of row numbers and a list of the batch's own E.164 strings: a tuple per
    row was a million objects to track, and to free in one go (a 100 ms freeze) when the
    validation ended.
    """

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.rows = array("q")  # batch row of each recipient
        self.e164: list[str] = []
        self.skipped = 0  # rows without a usable number (their local error says why)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Recipient: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Recipient]: ...
    def __getitem__(self, index: int | slice) -> Recipient | Sequence[Recipient]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._recipient(self.rows[index], self.e164[index])

    def __iter__(self) -> Iterator[Recipient]:
        return map(self._recipient, self.rows, self.e164)

    def _recipient(self, row: int, e164: str) -> Recipient:
        batch = self.batch
        fields = dict(zip(batch.extra_columns, batch.extras(row), strict=False))
        return Recipient(row, batch.line(row), e164, batch.message(row), fields)


def recipients_steps(batch: Batch) -> Steps:
    """The rows to send, as a chunked job returning :class:`Recipients`."""
    found = Recipients(batch)
    total = len(batch)
    e164_of = batch.e164
    for part in row_slices(total):
        for row in part:
            e164 = e164_of(row)
            if e164 is not None:
                found.rows.append(row)
                found.e164.append(e164)
        yield part.stop, total
    found.skipped = total - len(found.rows)
    return found


def campaign_spec(batch: Batch, recipients: Recipients, name: str) -> CampaignSpec:
    return CampaignSpec(
        name=name,
        recipients=lambda: iter(recipients),
        count=len(recipients),
        idempotency_key=uuid.uuid4().hex,
        short_links=batch.settings.short_link_length is not None,
    )


async def validate(
    provider: Provider, spec: CampaignSpec, recipients: Recipients
) -> tuple[list[ProviderIssue], int]:
    """The provider's issues with editor rows and file lines filled in, and rows checked."""
    report = await provider.validate(spec)
    return map_issues_to_rows(report.issues, recipients), report.checked
