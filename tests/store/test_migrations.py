"""The store's schema versions are released: a file of any version opens as the newest.

A migration that reached users is frozen: a user's file says ``user_version = 1`` and has
the tables migration 1 made *then*. Editing migration 1 would leave those files without the
change and new files with it, under one version number; a change goes in a new migration.
"""

from __future__ import annotations

import hashlib
import sqlite3

from app.store.database import MIGRATIONS, Database

#: The schema each released migration leaves (a digest of ``sqlite_master``'s statements,
#: sorted). Add a line per new migration once it is released; never change one.
RELEASED = {
    1: "235db758d8ac2f8dd2e636b3e7ab6ca5173b12b316357680bb8367ab71d8afbe",
}


def schema(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    return sorted(row[0] for row in rows)


def digest(statements: list[str]) -> str:
    return hashlib.sha256("\n".join(statements).encode()).hexdigest()


def test_released_migrations_are_left_as_they_were_released():
    for version, expected in RELEASED.items():
        connection = sqlite3.connect(":memory:")
        for script in MIGRATIONS[:version]:
            connection.executescript(script)
        assert digest(schema(connection)) == expected, (
            f"Migration {version} was released: leave it as it is and put the change in "
            f"migration {len(MIGRATIONS) + 1}."
        )


def test_a_file_of_every_released_version_opens_with_the_newest_schema(tmp_path):
    fresh = Database(tmp_path / "fresh.sqlite3")
    newest = schema(fresh.connection)
    fresh.close()
    for version in RELEASED:
        path = tmp_path / f"v{version}.sqlite3"
        old = sqlite3.connect(path)
        for script in MIGRATIONS[:version]:
            old.executescript(script)
        old.execute(f"PRAGMA user_version = {version}")
        old.commit()
        old.close()
        opened = Database(path)
        assert opened.version == len(MIGRATIONS)
        assert schema(opened.connection) == newest
        opened.close()
