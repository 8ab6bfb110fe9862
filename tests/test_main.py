"""The ``campaign-desk`` command line: version and help, in-process and as ``python -m app``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app import __version__
from app.main import main


def test_version_in_process(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"campaign-desk {__version__}"


def test_python_dash_m_app_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"campaign-desk {__version__}"


def test_version_does_not_load_qt():
    code = (
        "import sys; from app.main import main\ntry: main(['--version'])\nexcept SystemExit: pass\n"
    )
    code += "print('PySide6' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False"
