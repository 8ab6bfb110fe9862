"""The intent journal: what the app was about to ask a provider, written before it asks.

Every create or state change at a provider is journaled first (with the campaign's idempotency
key and its status before), and closed once the provider's answer is recorded. An entry still
open at the next start means the answer was never recorded (a crash, a lost connection): the
services then ask the provider what happened instead of trying again blindly.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.campaign import Action, CampaignStatus
from app.store.database import Database, from_text, to_text, utc_now


class IntentState(StrEnum):
    OPEN = "open"  # asked (or about to ask); the answer is not recorded yet
    DONE = "done"  # the provider did it
    FAILED = "failed"  # the provider did not do it
    UNRESOLVED = "unresolved"  # nobody can tell any more: the operator must look


@dataclass(frozen=True, slots=True)
class Intent:
    id: int
    campaign_id: int
    action: Action
    idempotency_key: str
    state: IntentState
    previous_status: CampaignStatus
    provider_id: str | None
    created: datetime
    closed: datetime | None = None
    note: str = ""


class IntentConflict(Exception):
    """Another intent on the campaign is still open: another window (another process on the
    same store) is acting on it right now, or a crash left it to be reconciled."""


class IntentJournal:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open(
        self,
        campaign_id: int,
        action: Action,
        idempotency_key: str,
        previous_status: CampaignStatus,
        provider_id: str | None,
        *,
        now: datetime | None = None,
    ) -> Intent:
        """Journal an intent and commit it to disk, before the provider is asked. Raises
        :class:`IntentConflict` while another intent on the campaign is open: the store's
        unique index decides, so two processes on one store cannot both act."""
        created = now or utc_now()
        try:
            with self.db.durable_transaction() as c:
                cursor = c.execute(
                    "INSERT INTO intents (campaign_id, action, idempotency_key, previous_status,"
                    " provider_id, created) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        campaign_id,
                        action.value,
                        idempotency_key,
                        previous_status.value,
                        provider_id,
                        to_text(created),
                    ),
                )
        except sqlite3.IntegrityError as error:
            raise IntentConflict(str(error)) from error
        assert cursor.lastrowid is not None
        return Intent(
            cursor.lastrowid,
            campaign_id,
            action,
            idempotency_key,
            IntentState.OPEN,
            previous_status,
            provider_id,
            created,
        )

    def close(self, intent_id: int, state: IntentState, note: str = "") -> None:
        with self.db.transaction() as c:
            c.execute(
                "UPDATE intents SET state = ?, closed = ?, note = ? WHERE id = ?",
                (state.value, to_text(utc_now()), note, intent_id),
            )

    def open_intents(self) -> list[Intent]:
        rows = self.db.connection.execute("SELECT * FROM intents WHERE state = 'open' ORDER BY id")
        return [_intent(r) for r in rows]

    def last(self, campaign_id: int, action: Action | None = None) -> Intent | None:
        """The campaign's latest intent (of ``action``, when given)."""
        sql = "SELECT * FROM intents WHERE campaign_id = ?"
        args: tuple[object, ...] = (campaign_id,)
        if action is not None:
            sql += " AND action = ?"
            args = (campaign_id, action.value)
        row = self.db.connection.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return _intent(row) if row else None


def _intent(row: sqlite3.Row) -> Intent:
    created = from_text(row["created"])
    assert created is not None
    return Intent(
        id=row["id"],
        campaign_id=row["campaign_id"],
        action=Action(row["action"]),
        idempotency_key=row["idempotency_key"],
        state=IntentState(row["state"]),
        previous_status=CampaignStatus(row["previous_status"]),
        provider_id=row["provider_id"],
        created=created,
        closed=from_text(row["closed"]),
        note=row["note"],
    )
