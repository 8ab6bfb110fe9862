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

from app.domain.outcomes import OutcomeStatus, RecipientOutcome
from app.store.campaigns import PAGE_ROWS, StoredRecipient
from app.store.database import Database, from_text, to_text

#: Distinct phones joined per statement by :meth:`OutcomeTable.join_rows_steps`.
JOIN_SPAN = 20_000


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    seq: int
    row: int | None
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
        """Give each outcome the recipient row it reports on, a span of phones per step
        (yielding the phones done so far), so that a million outcomes never hold the event
        loop for long.

        The rule is :func:`app.domain.outcomes.join_rows`'s: the n-th outcome for a number
        gets the n-th submitted row with that number; one without a row keeps NULL. Here it
        is a SQL join over window-numbered rows, phone range by phone range (a number's rows
        never straddle two ranges), so no mapping of a million numbers sits in memory.
        """
        c = self.db.connection
        low = ""
        done = 0
        while True:
            high_row = c.execute(
                "SELECT phone FROM outcomes INDEXED BY outcomes_by_phone"
                " WHERE campaign_id = ? AND phone > ? ORDER BY phone LIMIT 1 OFFSET ?",
                (campaign_id, low, JOIN_SPAN - 1),
            ).fetchone()
            high = high_row[0] if high_row else None
            span = "phone > ?" + ("" if high is None else " AND phone <= ?")
            args = (low,) if high is None else (low, high)
            with self.db.transaction() as t:
                t.execute(
                    "UPDATE outcomes SET row = m.row FROM ("
                    " SELECT o.seq, r.row FROM"
                    "  (SELECT seq, phone, ROW_NUMBER() OVER (PARTITION BY phone ORDER BY seq)"
                    f"   AS n FROM outcomes WHERE campaign_id = ? AND {span}) o"
                    "  JOIN (SELECT row, phone, ROW_NUMBER() OVER (PARTITION BY phone"
                    f"   ORDER BY row) AS n FROM recipients WHERE campaign_id = ? AND {span}) r"
                    "  ON o.phone = r.phone AND o.n = r.n) AS m"
                    " WHERE outcomes.campaign_id = ? AND outcomes.seq = m.seq",
                    (campaign_id, *args, campaign_id, *args, campaign_id),
                )
            done += JOIN_SPAN
            yield done
            if high is None:
                return
            low = high

    def count(self, campaign_id: int, statuses: Collection[OutcomeStatus] = ()) -> int:
        where, args = _filter(campaign_id, statuses)
        return int(
            self.db.connection.execute(f"SELECT COUNT(*) FROM outcomes {where}", args).fetchone()[0]
        )

    def counts(self, campaign_id: int) -> dict[OutcomeStatus, int]:
        counts = dict.fromkeys(OutcomeStatus, 0)
        rows = self.db.connection.execute(
            "SELECT status, COUNT(*) FROM outcomes WHERE campaign_id = ? GROUP BY status",
            (campaign_id,),
        )
        for status, count in rows:
            counts[OutcomeStatus(status)] = count
        return counts

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
        """``limit`` outcomes from position ``offset`` of the (filtered) list, in seq order."""
        where, args = _filter(campaign_id, statuses)
        rows = self.db.connection.execute(
            f"SELECT * FROM outcomes {where} ORDER BY seq LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return [_outcome(r) for r in rows]


def outcome_rows(
    connection: sqlite3.Connection, campaign_id: int, statuses: Collection[OutcomeStatus] = ()
) -> Iterator[StoredOutcome]:
    """Every outcome of a campaign in seq order, streamed from ``connection`` (a worker
    thread's own, see :meth:`Database.reader`)."""
    where, args = _filter(campaign_id, statuses)
    cursor = connection.execute(f"SELECT * FROM outcomes {where} ORDER BY seq", args)
    while rows := cursor.fetchmany(5000):
        yield from map(_outcome, rows)


def _filter(
    campaign_id: int, statuses: Collection[OutcomeStatus]
) -> tuple[str, tuple[object, ...]]:
    if not statuses:
        return "WHERE campaign_id = ?", (campaign_id,)
    marks = ", ".join("?" * len(statuses))
    return f"WHERE campaign_id = ? AND status IN ({marks})", (
        campaign_id,
        *(s.value for s in statuses),
    )


def _outcome(row: sqlite3.Row) -> StoredOutcome:
    return StoredOutcome(
        seq=row["seq"],
        row=row["row"],
        phone=row["phone"],
        status=OutcomeStatus(row["status"]),
        provider_status=row["provider_status"],
        detail=row["detail"],
        at=from_text(row["at"]),
    )
