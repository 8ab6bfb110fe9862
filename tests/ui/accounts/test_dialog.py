"""Provider > Accounts… as an operator uses it: add an account of a provider, test it, see a
wrong credential refused in words, and the built-in sandbox accounts kept safe."""

from __future__ import annotations

import keyring
import pytest

from app.main import build_context
from app.ui.accounts.dialog import AccountsDialog
from tests.ui.conftest import until


@pytest.fixture
def dialog(qtbot):
    context = build_context()
    made = AccountsDialog(context.desk.accounts)
    qtbot.addWidget(made)
    made.show()
    return made


def test_the_sandbox_accounts_are_listed_and_cannot_be_removed(dialog):
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert names[:5] == [
        "RocketCOMS sandbox",
        "Routee sandbox",
        "BulkSMS sandbox",
        "Cordial sandbox",
        "Batch sandbox",
    ]
    dialog.list.setCurrentRow(0)
    assert not dialog.remove_button.isEnabled()
    assert "cannot be removed" in dialog.remove_button.toolTip()
    assert not dialog.fields["base_url"].isEnabled()


def test_a_new_account_keeps_its_secret_in_the_keyring_only(dialog, tmp_path):
    dialog.start_new("bulksms")
    dialog.fields["name"].setText("Shop BulkSMS")
    dialog.fields["username"].setText("shop")
    dialog.fields["password"].setText("s3cret-pass")
    dialog.save()
    assert dialog.result.text() == "Saved Shop BulkSMS."
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert "Shop BulkSMS" in names
    account = next(a for a in dialog.service.accounts() if a.name == "Shop BulkSMS")
    assert keyring.get_password("campaign-desk", f"{account.id}:password") == "s3cret-pass"
    stored = b"".join(p.read_bytes() for p in _data_files())
    assert b"s3cret-pass" not in stored  # not in the store, the settings or anywhere beside
    assert dialog.fields["password"].text() == ""  # never shown back
    assert "s3cret-pass" not in dialog.windowTitle()


def test_a_missing_field_is_named(dialog):
    dialog.start_new("routee")
    dialog.fields["application_id"].setText("app")
    dialog.save()
    assert "missing" in dialog.result.text()


async def test_a_wrong_credential_is_a_sentence_and_a_right_one_connects(dialog):
    dialog.start_new("rocketcoms")
    dialog.fields["base_url"].setText("http://sandbox.invalid/rocketcoms")
    dialog.fields["api_key"].setText("wrong")
    dialog.fields["api_secret"].setText("wrong")
    dialog.test_connection()
    await until(lambda: dialog.test_button.isEnabled())
    assert "refused" in dialog.result.text() and "wrong" not in dialog.result.text()
    dialog.fields["api_key"].setText("sandbox")
    dialog.fields["api_secret"].setText("sandbox")
    dialog.test_connection()
    await until(lambda: dialog.test_button.isEnabled())
    assert "accepted" in dialog.result.text()


def _data_files():
    import os
    from pathlib import Path

    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        root = Path(os.environ[var])
        yield from (p for p in root.rglob("*") if p.is_file())
