"""The installable package is complete: every Python package and every resource ships."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_app_package_is_listed_in_pyproject():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "app").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    listed = set(_setuptools()["packages"])
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_resources_ship_as_package_data():
    config = _setuptools()
    assert config["package-dir"]["app._resources"] == "resources"
    patterns = config["package-data"]["app._resources"]
    shipped = [
        p
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    ]
    assert shipped, "resources/ is empty"
    for path in shipped:
        relative = path.relative_to(ROOT / "resources")
        assert any(relative.match(pattern) or path.match(pattern) for pattern in patterns), (
            f"{relative} would not be packaged"
        )
