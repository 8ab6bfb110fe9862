"""What happened to each recipient of a sent campaign, and how to join it back to the rows."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class OutcomeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    """One recipient's fate as the provider reports it. ``row`` is the recipient's row in the
    batch that was submitted, once joined back (providers report by phone number only)."""

    phone: str
    status: OutcomeStatus
    provider_status: str
    detail: str = ""
    at: datetime | None = None
    row: int | None = None


def join_rows(
    outcomes: Iterable[RecipientOutcome], rows_by_phone: Mapping[str, Iterable[int]]
) -> Iterator[RecipientOutcome]:
    """Give each outcome the row it reports on: the n-th outcome for a number gets the n-th
    submitted row with that number, since a number may repeat in a batch (one row each).
    An outcome for a number that was not submitted keeps ``row`` None."""
    waiting: defaultdict[str, deque[int]] = defaultdict(deque)
    for phone, rows in rows_by_phone.items():
        waiting[phone].extend(rows)
    for outcome in outcomes:
        queue = waiting.get(outcome.phone)
        yield replace(outcome, row=queue.popleft()) if queue else outcome
