"""Account secrets in the OS keyring, or in memory for this run when there is none.

Each secret is one keyring entry: service :data:`SERVICE`, user name ``"<account id>:<field>"``.
Where no usable backend exists (a bare Linux desktop: ``NoKeyringError``; a locked or broken
one: any ``KeyringError``), secrets are kept in this process's memory until it quits and
:attr:`SecretStore.persistent` turns False, so the UI can say so plainly. There is never a
plaintext fallback: a backend that writes secrets to a plain file (keyrings.alt's) counts as no
backend at all.
"""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from app.domain.accounts import Secret

SERVICE = "campaign-desk"

#: Backends that keep secrets in a plain file: never used.
_PLAINTEXT = frozenset({"PlaintextKeyring", "EncryptedKeyring"})  # keyrings.alt's file backends

NO_KEYRING_NOTICE = (
    "No system keyring is available, so account secrets are kept in memory only: they are "
    "forgotten when Campaign Desk quits and must be entered again at the next start."
)


class SecretStore:
    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._memory: dict[tuple[str, str], str] = {}
        self._persistent = _usable(keyring.get_keyring())

    @property
    def persistent(self) -> bool:
        """True while secrets go to the OS keyring; False once they can only live in memory."""
        return self._persistent

    @property
    def notice(self) -> str:
        """What to tell the operator about where secrets are kept ("" when all is well)."""
        return "" if self._persistent else NO_KEYRING_NOTICE

    def get(self, account_id: str, field: str) -> Secret | None:
        key = (account_id, field)
        if key in self._memory:
            return Secret(self._memory[key])
        if not self._persistent:
            return None
        try:
            value = keyring.get_password(self.service, _user(account_id, field))
        except KeyringError:
            self._persistent = False
            return None
        return None if value is None else Secret(value)

    def set(self, account_id: str, field: str, value: str) -> None:
        key = (account_id, field)
        if self._persistent:
            try:
                keyring.set_password(self.service, _user(account_id, field), value)
            except KeyringError:
                self._persistent = False
            else:
                self._memory.pop(key, None)
                return
        self._memory[key] = value

    def delete(self, account_id: str, field: str) -> None:
        self._memory.pop((account_id, field), None)
        if not self._persistent:
            return
        try:
            keyring.delete_password(self.service, _user(account_id, field))
        except PasswordDeleteError:
            pass  # there was none
        except KeyringError:
            self._persistent = False


def _user(account_id: str, field: str) -> str:
    return f"{account_id}:{field}"


def _usable(backend: KeyringBackend) -> bool:
    """Whether ``backend`` is a real keyring: a chainer is, when none of its backends is a
    plain file and one of them works."""
    backends = list(getattr(backend, "backends", None) or [backend])
    if any(type(b).__name__ in _PLAINTEXT for b in backends):
        return False
    return any(_priority(b) > 0 and "fail" not in type(b).__module__ for b in backends)


def _priority(backend: KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:  # a backend reports itself unusable by raising here
        return 0.0
