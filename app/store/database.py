"""The app's SQLite file: accounts, campaigns, the intent journal and per-recipient outcomes.

One file (``campaigns.sqlite3``) in the platform's data folder, opened in WAL mode so that a
reader (an export in a worker thread) never blocks the window's writes. The schema is versioned
with ``PRAGMA user_version``: :data:`MIGRATIONS` holds one script per version, applied in order
inside a transaction, so an old file is brought up to date on open and a crash mid-way leaves
the previous version intact. A file written by a newer Campaign Desk is refused with a sentence
rather than guessed at.

Secrets are never stored here: accounts keep their credential *names* only (``store.secrets``
holds the values in the OS keyring).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from app.store.settings import data_dir

FILE_NAME = "campaigns.sqlite3"
#: Rows changed between two checkpoints of the WAL into the file.
CHECKPOINT_CHANGES = 20_000

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema (released: frozen, see tests/store/test_migrations.py)
    """
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        name TEXT NOT NULL,
        base_url TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        sandbox INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE campaigns (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        provider_status TEXT NOT NULL DEFAULT '',
        provider_id TEXT,
        external_id TEXT,
        idempotency_key TEXT NOT NULL UNIQUE,
        origin TEXT NOT NULL DEFAULT 'local',
        schedule TEXT,
        scheduled_at TEXT,
        recipients INTEGER NOT NULL DEFAULT 0,
        segments INTEGER NOT NULL DEFAULT 0,
        cost_micros INTEGER,
        currency TEXT NOT NULL DEFAULT '',
        sender TEXT,
        short_links INTEGER NOT NULL DEFAULT 0,
        description TEXT NOT NULL DEFAULT '',
        options TEXT NOT NULL DEFAULT '{}',
        total INTEGER,
        sent INTEGER NOT NULL DEFAULT 0,
        delivered INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        pending INTEGER NOT NULL DEFAULT 0,
        notice TEXT NOT NULL DEFAULT '',
        missing INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        synced TEXT,
        final_since TEXT,
        outcomes_synced TEXT,
        outcome_counts TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX campaigns_by_account ON campaigns(account_id, status);
    CREATE INDEX campaigns_by_provider_id ON campaigns(account_id, provider_id);
    CREATE TABLE texts (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        text TEXT NOT NULL
    );
    CREATE INDEX texts_by_campaign ON texts(campaign_id);
    CREATE TABLE recipients (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        row INTEGER NOT NULL,
        line INTEGER NOT NULL,
        phone TEXT NOT NULL,
        text_id INTEGER NOT NULL,
        fields TEXT,
        PRIMARY KEY (campaign_id, row)
    ) WITHOUT ROWID;
    CREATE INDEX recipients_by_phone ON recipients(campaign_id, phone, row);
    CREATE TABLE intents (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open',
        previous_status TEXT NOT NULL,
        provider_id TEXT,
        created TEXT NOT NULL,
        closed TEXT,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX intents_open ON intents(state, campaign_id);
    -- one open intent per campaign, across every process on this file
    CREATE UNIQUE INDEX one_open_intent ON intents(campaign_id) WHERE state = 'open';
    CREATE TABLE outcomes (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        row INTEGER,
        phone TEXT NOT NULL,
        status TEXT NOT NULL,
        provider_status TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        at TEXT,
        PRIMARY KEY (campaign_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX outcomes_by_status ON outcomes(campaign_id, status, seq);
    CREATE INDEX outcomes_by_phone ON outcomes(campaign_id, phone);
    CREATE INDEX outcomes_by_row ON outcomes(campaign_id, row);
    """,
)


class StoreError(Exception):
    """The store's file cannot be used; ``str()`` says why and where."""


def default_path() -> Path:
    return data_dir() / FILE_NAME


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime | None) -> str | None:
    """A moment as stored: ISO 8601 in UTC, so that text order is time order."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Database:
    """The open SQLite file, migrated to the newest schema.

    One connection, used from the thread that opened it (the window's event loop); a worker
    thread opens its own with :meth:`reader`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._depth = 0
        self._checkpointed = 0  # total_changes at the last checkpoint
        self._checkpointer: threading.Thread | None = None
        self.checkpoints = 0  # done by the checkpoint thread
        try:
            self.connection = _connect(self.path)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA wal_autocheckpoint=0")  # see _after_commit
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"The campaign store {self.path} cannot be opened: {exc}.") from None

    @property
    def version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise StoreError(
                f"The campaign store {self.path} was written by a newer Campaign Desk "
                f"(schema {current}; this one knows {len(MIGRATIONS)}). Update the app."
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            # executescript commits first; the script's own BEGIN/COMMIT makes it all-or-nothing
            self.connection.executescript(
                f"BEGIN; {script}; PRAGMA user_version = {version}; COMMIT;"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Statements that commit together or not at all. Nested, only the outermost commits,
        so that one use case can group several tables' writes in one transaction."""
        self._depth += 1
        try:
            if self._depth > 1:
                yield self.connection
            else:
                with self.connection:
                    yield self.connection
                self._after_commit()
        finally:
            self._depth -= 1

    def _after_commit(self) -> None:
        """Copy the WAL into the file in a thread of its own once enough was written: done by
        the committing thread, SQLite's own checkpoint (and its fsync) held the window's loop
        for up to 100 ms."""
        if self.connection.total_changes - self._checkpointed < CHECKPOINT_CHANGES:
            return
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return
        self._checkpointed = self.connection.total_changes
        self._checkpointer = threading.Thread(
            target=self._checkpoint, name="sqlite-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _checkpoint(self) -> None:
        connection = sqlite3.connect(self.path)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self.checkpoints += 1
        finally:
            connection.close()

    @contextmanager
    def durable_transaction(self) -> Iterator[sqlite3.Connection]:
        """A transaction on disk before it returns, even through a power cut: for what must
        be known after any failure (an intent, before the provider is asked)."""
        assert self._depth == 0, "a durable transaction cannot be nested"
        self.connection.execute("PRAGMA synchronous=FULL")
        try:
            with self.transaction() as c:
                yield c
        finally:
            self.connection.execute("PRAGMA synchronous=NORMAL")

    def reader(self) -> sqlite3.Connection:
        """A connection of its own, for a worker thread that only reads."""
        return _connect(self.path)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.join()
        self.connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys=ON")
    # In WAL mode NORMAL survives any crash of the app; a power cut may lose the last
    # commits, except those of durable_transaction (the intent journal's), which are FULL.
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection
