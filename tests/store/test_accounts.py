"""The accounts table: an account saved again keeps when it was made, the sandbox ones come
first, and removing an account takes only its own campaigns."""

from __future__ import annotations

from dataclasses import replace

from app.store.accounts import AccountRecord, AccountTable
from app.store.campaigns import CampaignRecord, CampaignTable


def test_an_account_saved_again_is_updated_but_keeps_its_creation_time(db):
    table = AccountTable(db)
    first = table.save(AccountRecord("a", "bulksms", "Main", "https://x.test", {"sender": "S"}))
    assert first.created is not None and first.created == first.updated
    assert first.options == {"sender": "S"} and not first.sandbox
    again = table.save(replace(first, name="Renamed", options={}, created=None))
    assert again.created == first.created and again.updated >= first.updated
    assert (again.name, again.options) == ("Renamed", {})
    assert table.get("a") == again and table.get("missing") is None


def test_the_sandbox_accounts_come_first_then_the_others_as_they_were_made(db):
    table = AccountTable(db)
    for account_id, sandbox in (("real-1", False), ("sandbox-x", True), ("real-2", False)):
        table.save(AccountRecord(account_id, "routee", account_id, "https://x.test", {}, sandbox))
    assert [a.id for a in table.all()] == ["sandbox-x", "real-1", "real-2"]


def test_removing_an_account_keeps_the_other_accounts_campaigns(db):
    accounts, campaigns = AccountTable(db), CampaignTable(db)
    for account_id in ("a", "b"):
        accounts.save(AccountRecord(account_id, "routee", account_id, "https://x.test"))
        campaigns.insert(CampaignRecord(account_id, "Spring", f"key-{account_id}"))
    accounts.delete("a")
    assert [a.id for a in accounts.all()] == ["b"]
    assert [c.account_id for c in campaigns.all()] == ["b"]
