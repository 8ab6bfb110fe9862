"""Accounts: the five sandbox accounts, add/edit/remove with secrets in the keyring, and
"test connection" sentences."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from app.domain.accounts import sandbox_account_id
from app.providers.registry import PROVIDERS
from app.sandbox.inprocess import IN_PROCESS_URL
from app.services.accounts import AccountError, AccountService
from app.store.secrets import SERVICE
from tests.services.rig import PROVIDERS as KEYS
from tests.services.rig import account_of, spec_for


def creds(provider: str, value: str = "sandbox") -> dict[str, str]:
    return {f: value for f in PROVIDERS[provider].credential_fields}


def test_the_five_sandbox_accounts_exist_from_the_first_start(desk):
    accounts = desk.accounts.accounts()
    assert [a.id for a in accounts] == [sandbox_account_id(p) for p in PROVIDERS]
    assert all(a.sandbox and a.credentials for a in accounts)
    assert desk.accounts.get(account_of("cordial")).options == {"audience_key": "all-sms"}


@pytest.mark.parametrize("provider", KEYS)
def test_a_sandbox_account_cannot_be_removed(desk, provider):
    with pytest.raises(AccountError, match="built in and cannot be removed"):
        desk.accounts.remove(account_of(provider))
    assert desk.accounts.get(account_of(provider)) is not None


def test_a_sandbox_account_takes_a_new_name_but_not_other_credentials(desk):
    renamed = desk.accounts.edit(account_of("bulksms"), name="Test BulkSMS")
    assert renamed.name == "Test BulkSMS" and renamed.sandbox
    with pytest.raises(AccountError, match="always talks to the sandbox") as caught:
        desk.accounts.edit(account_of("bulksms"), credentials={"password": "x"})
    assert caught.value.field == "credentials"


def test_an_account_keeps_its_secrets_in_the_keyring_only(desk, memory_keyring):
    added = desk.accounts.add(
        "bulksms",
        "Main BulkSMS",
        "https://bulksms.example/eapi",
        {"username": "me", "password": "s3cret-pw"},
        {"timezone": "Europe/London"},
    )
    assert memory_keyring.store[(SERVICE, f"{added.id}:password")] == "s3cret-pw"
    assert b"s3cret-pw" not in desk.path.read_bytes()
    assert all(b"s3cret-pw" not in p.read_bytes() for p in desk.path.parent.glob("*-wal"))
    again = desk.accounts.get(added.id)
    assert again == added and "s3cret-pw" not in repr(again)
    edited = desk.accounts.edit(added.id, credentials={"password": ""}, name="Renamed")
    assert edited.credentials["password"] == "s3cret-pw"  # left empty: kept
    desk.accounts.remove(added.id)
    assert (SERVICE, f"{added.id}:password") not in memory_keyring.store
    assert desk.accounts.get(added.id) is None


@pytest.mark.parametrize(
    ("fields", "field", "sentence"),
    [
        ({"name": " "}, "name", "Give the account a name."),
        ({"name": "RocketCOMS sandbox"}, "name", "already named"),
        ({"base_url": "ftp://x"}, "base_url", "must be a web address"),
        ({"base_url": "https://me:pw@x.test"}, "base_url", "not in the base URL"),
        ({"credentials": {"api_key": "k"}}, "api_secret", "The API secret is missing."),
        ({"options": {"campaign_id": "nope"}}, "campaign_id", "must be a UUID"),
        ({"options": {"sender": "x"}}, "sender", "no option 'sender'"),
    ],
)
def test_what_cannot_be_saved_says_which_field_and_why(desk, fields, field, sentence):
    values = {
        "name": "Mine",
        "base_url": "https://api.example",
        "credentials": {"api_key": "k", "api_secret": "s"},
        "options": {},
        **fields,
    }
    with pytest.raises(AccountError, match=sentence) as caught:
        desk.accounts.add("rocketcoms", **values)
    assert caught.value.field == field


def test_the_form_lists_the_registry_fields_with_labels(desk):
    form = AccountService.form("cordial")
    assert [f.key for f in form.credentials] == ["api_key"] and form.credentials[0].masked
    assert [f.key for f in form.options] == ["audience_key", "channel", "transport_id"]
    assert form.default_base_url == "https://api.cordial.io/v2"
    assert "audience" in form.requirements
    bulksms = AccountService.form("bulksms")
    assert [(f.label, f.masked) for f in bulksms.credentials] == [
        ("User name", False),
        ("Password", True),
    ]


@pytest.mark.parametrize("provider", KEYS)
async def test_test_connection_passes_on_the_sandbox(desk, provider):
    check = await desk.accounts.test_connection(desk.accounts.get(account_of(provider)))
    assert check.ok and "accepted the credentials" in check.message


@pytest.mark.parametrize(
    ("provider", "sentence"),
    [
        ("rocketcoms", "RocketCOMS refused the API key or API secret of this account"),
        ("routee", "Routee refused the application id or secret."),
        ("bulksms", "BulkSMS refused the username or password of this account."),
        ("cordial", "Cordial refused the API key of this account"),
        ("batch", "Batch refused the REST API key or project key of this account"),
    ],
)
async def test_a_wrong_credential_gives_a_sentence_naming_it(desk, provider, sentence):
    draft = desk.accounts.draft(
        provider, "Mine", IN_PROCESS_URL + PROVIDERS[provider].sandbox_path, creds(provider, "no")
    )
    check = await desk.accounts.test_connection(draft)
    assert not check.ok and check.message.startswith(sentence)
    assert "no" not in check.message.split(sentence)[0]


def test_without_a_keyring_the_service_says_secrets_are_kept_for_this_run(desks):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        desk = desks()
        assert not desk.accounts.secrets_persistent
        assert "forgotten when Campaign Desk quits" in desk.accounts.secrets_notice
        added = desk.accounts.add("cordial", "C", "https://api.cordial.io/v2", {"api_key": "k"})
        assert desk.accounts.get(added.id).credentials["api_key"] == "k"
        restarted = desks()
        account = restarted.accounts.get(added.id)
        assert restarted.accounts.missing_credentials(account) == ["API key"]
    finally:
        keyring.set_keyring(previous)


async def test_an_account_with_unfinished_campaigns_is_not_removed(desk):
    added = desk.accounts.add(
        "routee",
        "R",
        IN_PROCESS_URL + "/routee",
        {"application_id": "sandbox", "application_secret": "sandbox"},
    )
    campaign = await desk.campaigns.create_draft(added.id, spec_for("routee"))
    row = desk.campaigns.list.get(campaign)
    assert (row.account_name, row.provider_name) == ("R", "Routee")
    with pytest.raises(AccountError, match="1 campaign\\(s\\) that are not finished"):
        desk.accounts.remove(added.id)
    await desk.campaigns.delete(campaign)
    desk.accounts.remove(added.id)
    assert desk.campaigns.list.get(campaign) is None


def test_a_credential_that_is_not_plain_ascii_is_refused_by_name(desk):
    with pytest.raises(AccountError) as refused:
        desk.accounts.draft(
            "batch",
            "Shop",
            "https://api.batch.com/2.8",
            {"rest_api_key": "kéy", "project_key": "p"},
        )
    assert refused.value.field == "rest_api_key"
    assert "not plain ASCII" in str(refused.value) and "kéy" not in str(refused.value)
