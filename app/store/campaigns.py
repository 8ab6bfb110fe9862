"""Campaigns in the store, and the recipients each local campaign was made of.

A campaign row holds what the list shows (status, progress, schedule, cost...) and what is
needed to submit it again after a restart (name, schedule, sender, options, the idempotency
key); its recipients are kept with their texts interned per campaign, since campaigns often
repeat one text over many rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from typing import Any

from app.domain.campaign import CampaignStatus
from app.domain.schedule import Schedule
from app.store.database import Database, from_text, to_text, utc_now

_FINAL = tuple(s.value for s in CampaignStatus if s.is_final)

#: Recipients read per query when a campaign is streamed to a provider.
PAGE_ROWS = 5000

#: (row, line, phone, message, extra fields) of one stored recipient
StoredRecipient = tuple[int, int, str, str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    """One campaign of the list. ``id`` is local; ``provider_id`` is the provider's own (None
    while it exists only here). ``origin`` is ``"local"`` for campaigns made in this app and
    ``"provider"`` for those found at a provider (their recipients are not here)."""

    account_id: str
    name: str
    idempotency_key: str
    status: CampaignStatus = CampaignStatus.DRAFT
    provider_status: str = ""
    provider_id: str | None = None
    external_id: str | None = None
    origin: str = "local"
    schedule: Schedule | None = None
    scheduled_at: datetime | None = None
    recipients: int = 0
    segments: int = 0
    cost_micros: int | None = None
    currency: str = ""
    sender: str | None = None
    short_links: bool = False
    description: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    total: int | None = None
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    notice: str = ""
    missing: bool = False  # the provider no longer has it
    created: datetime | None = None
    updated: datetime | None = None
    synced: datetime | None = None
    final_since: datetime | None = None
    outcomes_synced: datetime | None = None
    #: outcome status -> recipients, as counted when the outcomes were read
    outcome_counts: Mapping[str, int] = field(default_factory=dict)
    id: int = 0


_COLUMNS = tuple(f.name for f in fields(CampaignRecord) if f.name != "id")


class CampaignTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[CampaignRecord]:
        return [_record(r) for r in self.db.connection.execute("SELECT * FROM campaigns")]

    def page(self, after_id: int = 0, limit: int = 1000) -> list[CampaignRecord]:
        """Up to ``limit`` campaigns after ``after_id``, in id order (a keyset page)."""
        rows = self.db.connection.execute(
            "SELECT * FROM campaigns WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [_record(r) for r in rows]

    def get(self, campaign_id: int) -> CampaignRecord | None:
        row = self.db.connection.execute(
            "SELECT * FROM campaigns WHERE id = ?", (campaign_id,)
        ).fetchone()
        return _record(row) if row else None

    def of_account(self, account_id: str) -> list[CampaignRecord]:
        rows = self.db.connection.execute(
            "SELECT * FROM campaigns WHERE account_id = ?", (account_id,)
        )
        return [_record(r) for r in rows]

    def followed(self, account_id: str, ended_after: datetime) -> list[CampaignRecord]:
        """The account's campaigns at its provider still worth asking about: those still
        going, and final ones that ended after ``ended_after`` or whose outcomes were never
        read. One indexed query, however many old campaigns the account has."""
        rows = self.db.connection.execute(
            "SELECT * FROM campaigns WHERE account_id = ? AND provider_id IS NOT NULL"
            " AND missing = 0 AND (status NOT IN (?, ?, ?) OR outcomes_synced IS NULL"
            " OR final_since >= ?)",
            (account_id, *_FINAL, to_text(ended_after)),
        )
        return [_record(r) for r in rows]

    def with_status(self, account_id: str, status: CampaignStatus) -> list[CampaignRecord]:
        rows = self.db.connection.execute(
            "SELECT * FROM campaigns WHERE account_id = ? AND status = ?",
            (account_id, status.value),
        )
        return [_record(r) for r in rows]

    def ids_by_provider_id(self, account_id: str) -> dict[str, int]:
        rows = self.db.connection.execute(
            "SELECT provider_id, id FROM campaigns"
            " WHERE account_id = ? AND provider_id IS NOT NULL",
            (account_id,),
        )
        return {provider_id: campaign_id for provider_id, campaign_id in rows}

    def going(self, account_id: str) -> bool:
        """Whether the account has a campaign that is not final."""
        row = self.db.connection.execute(
            "SELECT 1 FROM campaigns WHERE account_id = ? AND status NOT IN (?, ?, ?) LIMIT 1",
            (account_id, *_FINAL),
        ).fetchone()
        return row is not None

    def account_ids(self) -> set[str]:
        """The accounts that have campaigns."""
        return {
            r[0] for r in self.db.connection.execute("SELECT DISTINCT account_id FROM campaigns")
        }

    def insert(self, record: CampaignRecord) -> CampaignRecord:
        now = utc_now()
        record = replace(record, created=record.created or now, updated=now)
        marks = ", ".join("?" * len(_COLUMNS))
        with self.db.transaction() as c:
            cursor = c.execute(
                f"INSERT INTO campaigns ({', '.join(_COLUMNS)}) VALUES ({marks})", _values(record)
            )
        assert cursor.lastrowid is not None
        return replace(record, id=cursor.lastrowid)

    def save(self, record: CampaignRecord) -> CampaignRecord:
        """Write every field of ``record`` (its ``updated`` time set to now)."""
        record = replace(record, updated=utc_now())
        sets = ", ".join(f"{name} = ?" for name in _COLUMNS)
        with self.db.transaction() as c:
            c.execute(f"UPDATE campaigns SET {sets} WHERE id = ?", (*_values(record), record.id))
        return record

    def delete(self, campaign_id: int) -> None:
        """Remove the campaign with its recipients, outcomes and journal entries."""
        with self.db.transaction() as c:
            c.execute("DELETE FROM intents WHERE campaign_id = ?", (campaign_id,))
            c.execute("DELETE FROM campaigns WHERE id = ?", (campaign_id,))

    # -- recipients ------------------------------------------------------------------------
    def recipients_writer(self, campaign_id: int) -> RecipientWriter:
        return RecipientWriter(self.db, campaign_id)

    def clear_recipients(self, campaign_id: int) -> None:
        with self.db.transaction() as c:
            c.execute("DELETE FROM recipients WHERE campaign_id = ?", (campaign_id,))
            c.execute("DELETE FROM texts WHERE campaign_id = ?", (campaign_id,))

    def recipients_page(
        self, campaign_id: int, after_row: int = -1, limit: int = PAGE_ROWS
    ) -> list[StoredRecipient]:
        """Up to ``limit`` recipients after ``after_row``, in row order (a keyset page: each
        page is a query of its own, so no statement stays open while the caller awaits)."""
        rows = self.db.connection.execute(
            "SELECT r.row, r.line, r.phone, t.text, r.fields FROM recipients r"
            " JOIN texts t ON t.id = r.text_id"
            " WHERE r.campaign_id = ? AND r.row > ? ORDER BY r.row LIMIT ?",
            (campaign_id, after_row, limit),
        )
        return [(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else {}) for r in rows]

    def iter_recipients(self, campaign_id: int) -> Iterator[StoredRecipient]:
        """Every recipient in row order, a page at a time."""
        after = -1
        while page := self.recipients_page(campaign_id, after):
            yield from page
            after = page[-1][0]

    def recipient_count(self, campaign_id: int) -> int:
        row = self.db.connection.execute(
            "SELECT COUNT(*) FROM recipients WHERE campaign_id = ?", (campaign_id,)
        ).fetchone()
        return int(row[0])


class RecipientWriter:
    """Appends a campaign's recipients chunk by chunk, interning their texts."""

    def __init__(self, db: Database, campaign_id: int) -> None:
        self.db = db
        self.campaign_id = campaign_id
        self._texts: dict[str, int] = {}
        self.written = 0

    def write(self, chunk: Iterable[StoredRecipient]) -> None:
        rows = []
        with self.db.transaction() as c:
            for row, line, phone, message, extra in chunk:
                text_id = self._texts.get(message)
                if text_id is None:
                    cursor = c.execute(
                        "INSERT INTO texts (campaign_id, text) VALUES (?, ?)",
                        (self.campaign_id, message),
                    )
                    assert cursor.lastrowid is not None
                    text_id = self._texts[message] = cursor.lastrowid
                extra_json = json.dumps(dict(extra), sort_keys=True) if extra else None
                rows.append((self.campaign_id, row, line, phone, text_id, extra_json))
            c.executemany(
                "INSERT INTO recipients (campaign_id, row, line, phone, text_id, fields)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        self.written += len(rows)


# -- (de)serialising ------------------------------------------------------------------------
def schedule_to_json(schedule: Schedule | None) -> str | None:
    if schedule is None:
        return None
    return json.dumps(
        {
            "start": to_text(schedule.start),
            "end_date": schedule.end_date.isoformat() if schedule.end_date else None,
            "window_start": schedule.window_start.isoformat() if schedule.window_start else None,
            "window_end": schedule.window_end.isoformat() if schedule.window_end else None,
            "timezone": schedule.timezone,
            "respect_quiet_hours": schedule.respect_quiet_hours,
            "recipient_local_time": schedule.recipient_local_time,
            "send_rate": schedule.send_rate,
        }
    )


def schedule_from_json(text: str | None) -> Schedule | None:
    if not text:
        return None
    data = json.loads(text)
    return Schedule(
        start=from_text(data["start"]),
        end_date=date.fromisoformat(data["end_date"]) if data["end_date"] else None,
        window_start=time.fromisoformat(data["window_start"]) if data["window_start"] else None,
        window_end=time.fromisoformat(data["window_end"]) if data["window_end"] else None,
        timezone=data["timezone"],
        respect_quiet_hours=bool(data["respect_quiet_hours"]),
        recipient_local_time=bool(data.get("recipient_local_time", False)),
        send_rate=data.get("send_rate"),
    )


def _values(record: CampaignRecord) -> tuple[Any, ...]:
    values: list[Any] = []
    for name in _COLUMNS:
        value = getattr(record, name)
        if name == "schedule":
            value = schedule_to_json(value)
        elif name in _JSON:
            value = json.dumps(dict(value), sort_keys=True)
        elif isinstance(value, datetime):
            value = to_text(value)
        elif isinstance(value, CampaignStatus):
            value = value.value
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return tuple(values)


_TIMES = frozenset(
    {"scheduled_at", "created", "updated", "synced", "final_since", "outcomes_synced"}
)
_FLAGS = frozenset({"short_links", "missing"})
_JSON = frozenset({"options", "outcome_counts"})


def _record(row: sqlite3.Row) -> CampaignRecord:
    values: dict[str, Any] = {"id": row["id"]}
    for name in _COLUMNS:
        value = row[name]
        if name == "schedule":
            value = schedule_from_json(value)
        elif name in _JSON:
            value = json.loads(value)
        elif name == "status":
            value = CampaignStatus(value)
        elif name in _TIMES:
            value = from_text(value)
        elif name in _FLAGS:
            value = bool(value)
        values[name] = value
    return CampaignRecord(**values)
