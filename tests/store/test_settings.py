"""App settings: JSON in the platform config folder, written atomically, forgiving on read."""

from __future__ import annotations

import json

from app.store.settings import AppSettings, SettingsStore, config_dir


def test_settings_round_trip_in_the_config_folder(private_app_dirs, tmp_path):
    store = SettingsStore()
    assert store.path.parent == config_dir()
    assert str(config_dir()).startswith(str(private_app_dirs))
    settings = AppSettings(account="bulksms", default_region="GB", short_links=True)
    settings.add_recent(tmp_path / "a.csv")
    store.save(settings)
    assert store.load() == settings
    assert not list(store.path.parent.glob("*.tmp"))


def test_recent_files_are_unique_newest_first_and_capped(tmp_path):
    settings = AppSettings()
    for name in ["a", "b", "c", "a", *"defghij"]:
        settings.add_recent(tmp_path / f"{name}.csv")
    names = [p.rsplit("/", 1)[1] for p in settings.recent_files]
    assert names == ["j.csv", "i.csv", "h.csv", "g.csv", "f.csv", "e.csv", "d.csv", "a.csv"]


def test_a_broken_or_hand_edited_file_gives_defaults_for_what_is_wrong(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    assert store.load() == AppSettings()
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() == AppSettings()
    store.path.write_text(
        json.dumps({"account": 5, "default_region": "FR", "recent_files": ["x.csv", 3]}),
        encoding="utf-8",
    )
    assert store.load() == AppSettings(default_region="FR", recent_files=["x.csv"])


def test_no_secret_field_exists():
    assert not any("secret" in f or "password" in f for f in AppSettings.__dataclass_fields__)
