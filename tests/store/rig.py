"""What the store tests share: an account for their campaigns to belong to."""

from __future__ import annotations

from app.store.accounts import AccountRecord, AccountTable
from app.store.database import Database


def an_account(db: Database, account_id: str = "rocketcoms-1") -> AccountRecord:
    return AccountTable(db).save(
        AccountRecord(account_id, "rocketcoms", "Main", "https://x.test", {"campaign_id": "c"})
    )
