"""Per-recipient outcomes of each campaign: what the provider reported for every message.

Outcomes are kept in the order the provider reported them (``seq``); ``row`` is the
campaign's recipient row each one reports on, joined after they are all in (see
:meth:`OutcomeTable.join_rows_steps`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from app.domain.outcomes import OutcomeStatus, RecipientOutcome, join_rows
from app.store.campaigns import PAGE_ROWS, StoredRecipient
from app.store.database import Database, from_text, to_text

#: Outcomes joined per step of :meth:`OutcomeTable.join_rows_steps`: about 10 ms (a thousand
#: held the loop up to 56 ms in benchmarks/campaigns_10k.py).
JOIN_SPAN = 500


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    seq: int
    row: int | None
    line: int | None  # the row's line in its file (0: added in the editor); None: no row
    phone: str
    status: OutcomeStatus
    provider_status: str
    detail: str
    at: datetime | None


class OutcomeTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def clear(self, campaign_id: int) -> None:
        with self.db.transaction() as c:
            c.execute("DELETE FROM outcomes WHERE campaign_id = ?", (campaign_id,))

    def add(self, campaign_id: int, first_seq: int, outcomes: Iterable[RecipientOutcome]) -> int:
        """Append ``outcomes`` numbered from ``first_seq``; returns the next number."""
        rows = [
            (
                campaign_id,
                seq,
                o.row,
                o.phone,
                o.status.value,
                o.provider_status,
                o.detail,
                to_text(o.at),
            )
            for seq, o in enumerate(outcomes, first_seq)
        ]
        with self.db.transaction() as c:
            c.executemany("INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return first_seq + len(rows)

    def join_rows_steps(self, campaign_id: int) -> Iterator[int]:
        """Give each outcome the recipient row it reports on, by the rule of
        :func:`app.domain.outcomes.join_rows` (the n-th outcome for a number gets the n-th
        submitted row with that number), one range of phone numbers per step: a number's
        rows never straddle two ranges, so no mapping of a million numbers is ever held,
        and each step (yielding the outcomes done so far) holds the event loop briefly."""
        c = self.db.connection
        low = ""
        done = 0
        while True:
            bound = c.execute(
                "SELECT phone FROM outcomes WHERE campaign_id = ? AND phone > ?"
                " ORDER BY phone LIMIT 1 OFFSET ?",
                (campaign_id, low, JOIN_SPAN - 1),
            ).fetchone()
            high = bound[0] if bound else None
            span = "phone > ?" + ("" if high is None else " AND phone <= ?")
            args = (campaign_id, low) if high is None else (campaign_id, low, high)
            rows_by_phone: dict[str, list[int]] = {}
            for phone, row in c.execute(
                f"SELECT phone, row FROM recipients WHERE campaign_id = ? AND {span}"
                " ORDER BY phone, row",
                args,
            ):
                rows_by_phone.setdefault(phone, []).append(row)
            # by phone, then seq: what join_rows needs (each number's outcomes in order),
            # and the order of the phone index, where "by seq" would scan the whole campaign
            outcomes = c.execute(
                f"SELECT * FROM outcomes WHERE campaign_id = ? AND {span} ORDER BY phone, seq",
                args,
            ).fetchall()
            seqs = [o["seq"] for o in outcomes]
            joined = join_rows(map(_reported, outcomes), rows_by_phone)
            with self.db.transaction() as t:
                t.executemany(
                    "UPDATE outcomes SET row = ? WHERE campaign_id = ? AND seq = ?",
                    ((o.row, campaign_id, seq) for o, seq in zip(joined, seqs, strict=True)),
                )
            done += len(seqs)
            yield done
            if high is None:
                return
            low = high

    def failed_recipients(self, campaign_id: int) -> Iterator[StoredRecipient]:
        """The recipients whose outcome failed, in row order, a keyset page at a time."""
        after = -1
        while True:
            rows = self.db.connection.execute(
                "SELECT r.row, r.line, r.phone, t.text, r.fields FROM outcomes o"
                " JOIN recipients r ON r.campaign_id = o.campaign_id AND r.row = o.row"
                " JOIN texts t ON t.id = r.text_id"
                " WHERE o.campaign_id = ? AND o.status = 'failed' AND o.row > ?"
                " ORDER BY o.row LIMIT ?",
                (campaign_id, after, PAGE_ROWS),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield (r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else {})
            after = rows[-1][0]

    def page(
        self,
        campaign_id: int,
        offset: int,
        limit: int,
        statuses: Collection[OutcomeStatus] = (),
    ) -> list[StoredOutcome]:
        """``limit`` outcomes from position ``offset`` of the (filtered) list, in seq order.
        Unfiltered, positions are seq numbers (a direct look-up); filtered, the status index
        is walked from its start."""
        if not statuses:
            rows = self.db.connection.execute(
                f"{_WITH_LINES} WHERE o.campaign_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
                (campaign_id, offset, limit),
            )
            return [_outcome(r) for r in rows]
        where, args = _filter(campaign_id, statuses)
        # the offset is skipped in the status index alone; only the page's rows are read
        seqs = [
            r[0]
            for r in self.db.connection.execute(
                f"SELECT seq FROM outcomes o {where} ORDER BY seq LIMIT ? OFFSET ?",
                (*args, limit, offset),
            )
        ]
        marks = ", ".join("?" * len(seqs))
        rows = self.db.connection.execute(
            f"{_WITH_LINES} WHERE o.campaign_id = ? AND seq IN ({marks}) ORDER BY seq",
            (campaign_id, *seqs),
        )
        return [_outcome(r) for r in rows]


def outcome_rows(
    connection: sqlite3.Connection, campaign_id: int, statuses: Collection[OutcomeStatus] = ()
) -> Iterator[StoredOutcome]:
    """Every outcome of a campaign in seq order, streamed from ``connection`` (a worker
    thread's own, see :meth:`Database.reader`)."""
    where, args = _filter(campaign_id, statuses)
    cursor = connection.execute(f"{_WITH_LINES} {where} ORDER BY seq", args)
    while rows := cursor.fetchmany(5000):
        yield from map(_outcome, rows)


def _filter(
    campaign_id: int, statuses: Collection[OutcomeStatus]
) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause over outcomes ``o``."""
    if not statuses:
        return "WHERE o.campaign_id = ?", (campaign_id,)
    if len(statuses) == 1:  # "=" walks the status index in seq order; "IN" would sort
        (only,) = statuses
        return "WHERE o.campaign_id = ? AND o.status = ?", (campaign_id, only.value)
    marks = ", ".join("?" * len(statuses))
    return f"WHERE o.campaign_id = ? AND o.status IN ({marks})", (
        campaign_id,
        *(s.value for s in statuses),
    )


#: Outcomes ``o`` with the file line of the row each is about (a primary-key look-up each).
_WITH_LINES = (
    "SELECT o.*, r.line AS line FROM outcomes o"
    " LEFT JOIN recipients r ON r.campaign_id = o.campaign_id AND r.row = o.row"
)


def _reported(row: sqlite3.Row) -> RecipientOutcome:
    return RecipientOutcome(row["phone"], OutcomeStatus(row["status"]), row["provider_status"])


def _outcome(row: sqlite3.Row) -> StoredOutcome:
    return StoredOutcome(
        seq=row["seq"],
        row=row["row"],
        line=row["line"],
        phone=row["phone"],
        status=OutcomeStatus(row["status"]),
        provider_status=row["provider_status"],
        detail=row["detail"],
        at=from_text(row["at"]),
    )
