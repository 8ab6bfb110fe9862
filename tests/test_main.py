"""The ``campaign-desk`` command line: version and help, in-process and as ``python -m app``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import __version__
from app.main import main, split_qt_arguments


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


def test_qt_options_are_told_apart_from_ours():
    ours, qt, missing = split_qt_arguments(
        ["-platform", "xcb", "--style=fusion", "-reverse", "spring.csv", "-qwindowtitle", "T"]
    )
    assert ours == ["spring.csv"]
    assert qt == ["-platform", "xcb", "--style=fusion", "-reverse", "-qwindowtitle", "T"]
    assert missing == ""
    assert split_qt_arguments(["--", "-style"]) == (["--", "-style"], [], "")  # a file's name
    assert split_qt_arguments(["spring.csv", "-style"])[2] == "-style"


def test_a_qt_option_without_its_value_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["spring.csv", "-style"])
    assert stop.value.code == 2
    assert "-style needs a value" in capsys.readouterr().err


def test_the_command_hands_qt_options_to_qt(tmp_path):
    """Qt reads ``-platform``: a plugin that does not exist makes Qt itself refuse to start,
    where the argument parser used to refuse the option."""
    done = subprocess.run(
        [sys.executable, "-m", "app", "-platform", "no-such-plugin"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode != 0
    assert "unrecognized arguments" not in done.stderr
    assert 'Could not find the Qt platform plugin "no-such-plugin"' in done.stderr


def test_the_application_takes_qt_style_options():
    code = (
        "from app.ui.application import make_application\n"
        "app = make_application(['-style', 'windows', '-reverse'])\n"
        "print(app.style().name(), app.isRightToLeft())"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.stdout.split() == ["windows", "True"], done.stderr
