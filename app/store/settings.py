"""Typed application settings, kept as JSON in the platform's config folder.

Only preferences live here (the selected account, the default region, recent files); never a
credential: those go to the OS keyring. Window geometry is the UI's business (QSettings).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from app.store.atomic import write_text_atomic

APP_NAME = "campaign-desk"
MAX_RECENT_FILES = 8


@dataclass
class AppSettings:
    account: str = "rocketcoms"  # provider key of the selected (sandbox) account
    default_region: str = ""  # "": from the telephone locale (see domain.batch)
    short_links: bool = False
    theme: str = "system"  # "system", "light" or "dark" (app.ui.widgets.theme.Theme)
    recent_files: list[str] = field(default_factory=list)

    def add_recent(self, path: Path) -> None:
        """Put ``path`` first in the recent files, without duplicates, at most 8 kept."""
        text = str(path.resolve())
        self.recent_files = [text, *(p for p in self.recent_files if p != text)]
        del self.recent_files[MAX_RECENT_FILES:]


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class SettingsStore:
    """Loads and saves :class:`AppSettings` at ``path`` (``settings.json`` in the config folder).

    A missing, unreadable or hand-broken file gives the defaults (keys it does know are kept),
    so a bad edit never stops the app from starting.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"

    def load(self) -> AppSettings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return AppSettings()
        return _from_mapping(raw) if isinstance(raw, dict) else AppSettings()

    def save(self, settings: AppSettings) -> None:
        write_text_atomic(self.path, json.dumps(asdict(settings), indent=2, ensure_ascii=False))


def _from_mapping(raw: dict[str, Any]) -> AppSettings:
    defaults = AppSettings()
    values: dict[str, Any] = {}
    for f in fields(AppSettings):
        value = raw.get(f.name, getattr(defaults, f.name))
        expected = type(getattr(defaults, f.name))
        values[f.name] = value if isinstance(value, expected) else getattr(defaults, f.name)
    values["recent_files"] = [p for p in values["recent_files"] if isinstance(p, str)]
    return AppSettings(**values)
