"""Where the shipped resources (price table, samples, icons, .desktop file) are.

In a source checkout they are the top-level ``resources/`` folder; in an installed wheel the
same folder is packaged as ``app._resources`` (see ``pyproject.toml``); in a PyInstaller bundle
it sits beside the executable's modules.
"""

from __future__ import annotations

import sys
from importlib import resources as importlib_resources
from pathlib import Path


def resource_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file():  # a source checkout or an editable install
        return root / "resources"
    return Path(str(importlib_resources.files("app._resources")))


def resource_path(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)
