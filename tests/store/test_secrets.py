"""Secrets go to the OS keyring, or stay in memory for this run; never to a plain file."""

from __future__ import annotations

import keyring
from keyring.backends import fail
from keyring.errors import KeyringLocked

from app.store.secrets import SERVICE, SecretStore
from tests.conftest import MemoryKeyring


def test_secrets_go_to_the_keyring_under_the_account_and_field(memory_keyring):
    store = SecretStore()
    assert store.persistent and store.notice == ""
    store.set("acct-1", "password", "hunter2")
    assert memory_keyring.store == {(SERVICE, "acct-1:password"): "hunter2"}
    value = SecretStore().get("acct-1", "password")  # another run finds it
    assert value == "hunter2" and repr(value) == "Secret('***')"
    store.delete("acct-1", "password")
    store.delete("acct-1", "password")  # deleting what is not there is fine
    assert SecretStore().get("acct-1", "password") is None


def test_without_a_keyring_secrets_live_in_memory_and_the_store_says_so():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = SecretStore()
        assert not store.persistent
        assert "kept in memory only" in store.notice
        store.set("acct-1", "api_key", "k")
        assert store.get("acct-1", "api_key") == "k"
        assert SecretStore().get("acct-1", "api_key") is None  # gone with the run
    finally:
        keyring.set_keyring(previous)


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's backend that writes secrets to a plain file."""


def test_a_plaintext_backend_counts_as_no_keyring():
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    try:
        store = SecretStore()
        store.set("acct-1", "api_key", "k")
        assert not store.persistent and backend.store == {}
    finally:
        keyring.set_keyring(previous)


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")


def test_a_keyring_that_fails_mid_run_keeps_the_secret_in_memory():
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        store = SecretStore()
        assert store.persistent
        store.set("acct-1", "api_key", "k")
        assert not store.persistent and store.get("acct-1", "api_key") == "k"
    finally:
        keyring.set_keyring(previous)
