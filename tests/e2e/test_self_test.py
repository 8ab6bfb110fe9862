"""``campaign-desk --self-test`` as the installer's smoke check runs it: a subprocess, offscreen,
reading one JSON report from stdout and the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.main import SELF_TEST_FAULTS, main
from app.providers.registry import PROVIDERS
from app.services.self_test import first_start

PROVIDER_STEPS = ["validate", "submit", "cancel", "pause", "resume", "final status"]
#: What each provider's sandbox really does (the rest it does not offer, and the step says so).
DONE = {
    "rocketcoms": {"validate", "submit", "final status"},
    "routee": {"validate", "submit", "cancel", "final status"},
    "bulksms": {"validate", "submit", "final status"},
    "cordial": {"validate", "submit", "cancel", "pause", "resume", "final status"},
    "batch": {"submit", "pause", "resume", "final status"},
}


def self_test(*qt_args: str, **env: str) -> tuple[int, dict[str, Any], str]:
    """Run it offscreen: by Qt's own option when given, else by the environment."""
    base = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    if not qt_args:
        base["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-m", "app", "--self-test", *qt_args],
        capture_output=True,
        text=True,
        timeout=180,
        env=base | env,
    )
    return done.returncode, json.loads(done.stdout), done.stderr


def steps_of(report: dict[str, Any], provider: str) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in report["steps"] if s["provider"] == provider}


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_every_provider_goes_from_validate_to_completed(private_app_dirs: Path):
    code, report, errors = self_test()
    assert code == 0, errors
    assert report["ok"] is True
    assert all(set(s) == {"provider", "step", "ok", "detail", "seconds"} for s in report["steps"])
    failed = [s for s in report["steps"] if not s["ok"]]
    assert failed == []
    assert steps_of(report, "app")["open"]["detail"].startswith("Opened spring-sale.csv")
    assert [s["step"] for s in report["steps"] if s["provider"] == "sandbox"] == [
        "advance clock",
        "advance clock",
    ]
    for provider in PROVIDERS:
        steps = steps_of(report, provider)
        assert list(steps) == PROVIDER_STEPS, provider
        done = {name for name, s in steps.items() if not s["detail"].startswith("Skipped:")}
        assert done == DONE[provider], provider
        assert "Completed" in steps["final status"]["detail"]
    for provider in ("cordial", "batch"):
        assert "most common text" in steps_of(report, provider)["submit"]["detail"]
    assert "only between" in steps_of(report, "rocketcoms")["submit"]["detail"]
    assert "Paused" in steps_of(report, "cordial")["pause"]["detail"]
    # the operator's folders (here the suite's private ones) were neither read into nor written
    assert files_under(private_app_dirs) == []


def test_a_failing_step_makes_the_report_and_the_exit_code_fail(private_app_dirs: Path):
    faults = {"rate_limit": 100_000, "retry_after": 3600, "only": "/bulksms"}
    # Qt's own options go to Qt with --self-test too
    code, report, _ = self_test("-platform", "offscreen", **{SELF_TEST_FAULTS: json.dumps(faults)})
    assert code == 1
    assert report["ok"] is False
    bulksms = steps_of(report, "bulksms")
    assert list(bulksms) == ["validate"]  # no step after a failed one
    assert bulksms["validate"]["ok"] is False
    assert "429" in bulksms["validate"]["detail"]
    assert "Traceback" not in bulksms["validate"]["detail"]
    assert [s for s in report["steps"] if not s["ok"]] == [bulksms["validate"]]
    assert steps_of(report, "routee")["final status"]["ok"] is True


def test_bad_faults_are_refused_in_a_sentence(capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.setenv(SELF_TEST_FAULTS, "{rate_limit")
    assert main(["--self-test"]) == 2
    assert f"{SELF_TEST_FAULTS} is not JSON" in capsys.readouterr().err


def test_the_self_test_takes_no_file(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as stop:
        main(["--self-test", "recipients.csv"])
    assert stop.value.code == 2
    assert "--self-test opens its own sample" in capsys.readouterr().err


def test_help_lists_the_self_test(capsys: pytest.CaptureFixture[str]):
    """The installers' smoke check runs --self-test when --help lists it."""
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--self-test" in capsys.readouterr().out


def test_the_start_leaves_room_for_the_daily_window_before_midnight():
    afternoon = datetime(2026, 12, 6, 14, 20, 30, tzinfo=UTC)
    assert first_start(afternoon) == datetime(2026, 12, 6, 14, 23, tzinfo=UTC)
    late = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # a 2-hour window would cross midnight
    assert first_start(late) == datetime(2026, 12, 7, 0, 5, tzinfo=UTC)
