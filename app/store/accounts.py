"""Provider accounts in the store, without their secrets (those live in ``store.secrets``)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from app.store.database import Database, from_text, to_text, utc_now


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: str
    provider: str
    name: str
    base_url: str
    options: dict[str, str] = field(default_factory=dict)
    sandbox: bool = False
    created: datetime | None = None
    updated: datetime | None = None


class AccountTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[AccountRecord]:
        rows = self.db.connection.execute("SELECT * FROM accounts ORDER BY sandbox DESC, created")
        return [_record(r) for r in rows]

    def get(self, account_id: str) -> AccountRecord | None:
        row = self.db.connection.execute(
            "SELECT * FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        return _record(row) if row else None

    def save(self, record: AccountRecord) -> AccountRecord:
        """Insert or replace ``record``; its created time is kept on a replace."""
        now = utc_now()
        existing = self.get(record.id)
        created = existing.created if existing and existing.created else now
        with self.db.transaction() as c:
            c.execute(
                "INSERT INTO accounts (id, provider, name, base_url, options, sandbox, created,"
                " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " provider = excluded.provider, name = excluded.name,"
                " base_url = excluded.base_url, options = excluded.options,"
                " sandbox = excluded.sandbox, updated = excluded.updated",
                (
                    record.id,
                    record.provider,
                    record.name,
                    record.base_url,
                    json.dumps(dict(record.options), sort_keys=True),
                    int(record.sandbox),
                    to_text(created),
                    to_text(now),
                ),
            )
        saved = self.get(record.id)
        assert saved is not None
        return saved

    def delete(self, account_id: str) -> None:
        """Remove the account and every campaign of it (with their recipients, outcomes and
        intents)."""
        with self.db.transaction() as c:
            c.execute(
                "DELETE FROM intents WHERE campaign_id IN"
                " (SELECT id FROM campaigns WHERE account_id = ?)",
                (account_id,),
            )
            c.execute("DELETE FROM campaigns WHERE account_id = ?", (account_id,))
            c.execute("DELETE FROM accounts WHERE id = ?", (account_id,))


def _record(row: sqlite3.Row) -> AccountRecord:
    return AccountRecord(
        id=row["id"],
        provider=row["provider"],
        name=row["name"],
        base_url=row["base_url"],
        options=json.loads(row["options"]),
        sandbox=bool(row["sandbox"]),
        created=from_text(row["created"]),
        updated=from_text(row["updated"]),
    )
