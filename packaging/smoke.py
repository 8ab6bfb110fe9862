"""Smoke check of an installed Campaign Desk bundle, the same on Linux, Windows and macOS.

    python packaging/smoke.py PROGRAM [--version X.Y.Z]

PROGRAM is the installed executable (its folder is the bundle). The check looks inside the
bundle (no tests, no virtual environment, no credentials, no absolute path of the build
machine, every app module present), then runs the program as an operator would: ``--version``,
``preview`` on a bundled sample, ``--self-test`` when the build has it, and two starts to the
first window with ``QT_QPA_PLATFORM=offscreen`` (``first_window_hook.py`` reports the moment).
It prints one line per check, then the bundle's size and the start times; it exits 1 if any
check failed. Reading the bundle's module archive needs PyInstaller (``.[package]``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Names that hold secrets wherever they appear.
SECRET_FILE_NAMES = frozenset({
    ".netrc", "_netrc", ".pypirc", ".git-credentials", ".env", "credentials.json",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "keyring_pass.cfg", "secrets.toml",
})  # fmt: skip
#: A private key with its body (the bare header is a constant in OpenSSL's code), and the
#: token formats of the hosts a developer of this project might hold.
SECRET_PATTERNS = (
    re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40}"),
    re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    re.compile(rb"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(rb"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
)
#: Top-level packages that exist only to test or build the app.
TOOL_PACKAGES = frozenset({
    "pytest", "_pytest", "pytestqt", "hypothesis", "xdist", "PyInstaller", "pip", "setuptools",
    "importlinter", "grimp", "tests", "conftest",
})  # fmt: skip
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py[cd]?$")


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        print(f"{'ok  ' if ok else 'FAIL'} {what}{'' if ok or not why else f': {why}'}")
        if not ok:
            self.failures.append(what)
        return ok

    def note(self, text: str) -> None:
        print(f"     {text}")


def file_problems(bundle: Path, build_paths: Iterable[str]) -> list[str]:
    """What should not be in the files of ``bundle``: tests, a virtual environment, secrets, or
    an absolute path of the build machine (``build_paths``), one sentence each."""
    needles = [p.encode() for p in build_paths if p]
    problems = []
    for path in sorted(bundle.rglob("*")):
        relative = path.relative_to(bundle).as_posix()
        parts = path.relative_to(bundle).parts
        if path.is_symlink() or not path.is_file():
            continue
        if {"tests", ".venv", "__pycache__"} & set(parts) or path.name == "pyvenv.cfg":
            problems.append(f"{relative}: belongs to a source tree or virtual environment")
        if _TEST_FILE.match(path.name):
            problems.append(f"{relative}: a test module")
        if path.name in SECRET_FILE_NAMES:
            problems.append(f"{relative}: a file that holds credentials")
        data = path.read_bytes()
        problems.extend(f"{relative}: {why}" for why in content_problems(data, needles))
        if data.startswith(b"\x7fELF"):
            problems.extend(f"{relative}: {why}" for why in search_path_problems(path))
    return problems


def search_path_problems(elf: Path) -> Iterator[str]:
    """An absolute RPATH or RUNPATH would have the installed app load libraries from wherever
    the build machine kept them, should that path exist on the operator's machine."""
    dynamic = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True).stdout
    for kind, value in re.findall(r"\((RPATH|RUNPATH)\).*?\[(.*)\]", dynamic):
        for entry in value.split(":"):
            if entry and not entry.startswith("$ORIGIN"):
                yield f"{kind} {entry} (an absolute path of the build machine)"


def content_problems(data: bytes, build_paths: Iterable[bytes]) -> Iterator[str]:
    for pattern in SECRET_PATTERNS:
        if pattern.search(data):
            yield "holds what looks like a credential"
    for needle in build_paths:
        if needle in data:
            yield f"names the build path {needle.decode()}"


def module_problems(
    modules: dict[str, bytes], source_modules: Iterable[str], build_paths: Iterable[str]
) -> list[str]:
    """What is wrong with the bundled Python modules (name -> marshalled code): test or build
    tools, secrets or build paths in their code, or an app module that is missing."""
    needles = [p.encode() for p in build_paths if p]
    problems = [
        f"module {name}: a test or packaging tool"
        for name in sorted(modules)
        if name.split(".")[0] in TOOL_PACKAGES or {"tests", "conftest"} & set(name.split("."))
    ]
    for name, code in sorted(modules.items()):
        problems.extend(f"module {name}: {why}" for why in content_problems(code, needles))
    problems.extend(
        f"module {name}: in the source tree but not in the bundle"
        for name in sorted(set(source_modules) - set(modules))
    )
    return problems


def source_modules(package: Path) -> list[str]:
    """The dotted names of every module of the ``app`` package in the source tree."""
    names = []
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def bundled_modules(program: Path) -> dict[str, bytes]:
    """Every module in the executable's PYZ archive, decompressed (PyInstaller's own readers).

    The archive is appended to the executable; in a macOS .app PyInstaller may keep it in
    Contents/Resources under the executable's name instead."""
    from PyInstaller.archive.readers import CArchiveReader

    holders = [program, program.parent.parent / "Resources" / program.name]
    errors = []
    for holder in (h for h in holders if h.is_file()):
        try:
            archive = CArchiveReader(str(holder))
        except Exception as error:  # PyInstaller raises several kinds for "not an archive"
            errors.append(f"{holder}: {error}")
            continue
        modules: dict[str, bytes] = {}
        for name in archive.toc:
            if name.endswith(".pyz"):
                pyz = archive.open_embedded_archive(name)
                for module in pyz.toc:
                    modules[module] = pyz.extract(module, raw=True) or b""
        return modules
    raise SystemExit(f"smoke.py: no PyInstaller archive in {'; '.join(errors) or program}")


def bundle_dir(program: Path) -> Path:
    """The folder the bundle installs: the program's own, or the whole .app on macOS."""
    if program.parent.name == "MacOS" and program.parent.parent.name == "Contents":
        return program.parent.parent.parent
    return program.parent


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of a first start: an empty home, no display (offscreen Qt)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "XDG_"))}
    env |= {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "APPDATA": str(home / "AppData" / "Roaming"),
        "LOCALAPPDATA": str(home / "AppData" / "Local"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    return env


def run(
    program: Path, args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def time_to_first_window(program: Path, env: dict[str, str]) -> float | None:
    """Seconds from starting the program to its first exposed window; None if none came."""
    started = time.time()
    done = run(program, [], env | {"CAMPAIGN_DESK_QUIT_AFTER_FIRST_WINDOW": "1"})
    found = re.search(r"^first-window-epoch=([\d.]+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        sys.stdout.write(done.stdout + done.stderr)
        return None
    return float(found[1]) - started


def self_test(program: Path, env: dict[str, str], report: Report) -> None:
    help_text = run(program, ["--help"], env).stdout
    if "--self-test" not in help_text:
        report.note("SKIPPED --self-test: this build has no such option yet")
        return
    done = run(program, ["--self-test"], env, timeout=300)
    try:
        result = json.loads(done.stdout)
        ok, steps = result["ok"], result["steps"]
    except (ValueError, KeyError, TypeError):
        report.check(False, "--self-test", f"no JSON report (exit {done.returncode}): "
                     f"{(done.stdout + done.stderr).strip()[-500:]}")  # fmt: skip
        return
    failed = [s for s in steps if isinstance(s, dict) and not s.get("ok", False)]
    report.check(
        ok is True and done.returncode == 0 and not failed,
        f"--self-test ({len(steps)} steps)",
        f"exit {done.returncode}, ok={ok}, failed steps: {json.dumps(failed)[:1000]}",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("program", type=Path, help="the installed campaign-desk executable")
    parser.add_argument("--version", help="the version it must report (default: the source's)")
    options = parser.parse_args()
    program = options.program.resolve()
    bundle = bundle_dir(program)
    report = Report()
    # The checkout and the build's virtual environment. (The Python installation's own prefix
    # stays named in its sysconfig data and libpython, as in every PyInstaller bundle; RPATHs
    # naming it are caught apart.)
    build_paths = sorted({str(ROOT), sys.prefix})
    report.note(f"bundle {bundle}; must not name {', '.join(build_paths)}")

    problems = file_problems(bundle, build_paths)
    report.check(not problems, "bundle files", "; ".join(problems[:20]))
    problems = module_problems(bundled_modules(program), source_modules(ROOT / "app"), build_paths)
    report.check(not problems, "bundled modules", "; ".join(problems[:20]))

    with tempfile.TemporaryDirectory(prefix="campaign-desk-smoke-") as home:
        env = isolated_env(Path(home))
        version = options.version or _source_version()
        done = run(program, ["--version"], env)
        report.check(
            done.returncode == 0 and done.stdout.strip() == f"campaign-desk {version}",
            "--version",
            f"exit {done.returncode}, said {(done.stdout + done.stderr).strip()!r}",
        )
        sample = next(bundle.rglob("resources/samples/spring-sale.csv"))
        done = run(program, ["preview", str(sample), "--json"], env)
        try:
            rows = len(json.loads(done.stdout)["rows"])
        except (ValueError, KeyError, TypeError):
            rows = 0
        report.check(
            done.returncode in (0, 1) and rows > 0,
            f"preview {sample.name} ({rows} rows)",
            f"exit {done.returncode}: {done.stderr.strip()[-500:]}",
        )
        self_test(program, env, report)
        # the first start after installing, then the usual one (the median of three more)
        starts = [time_to_first_window(program, env) for _ in range(4)]
        report.check(None not in starts, "start to the first window")

    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    report.note(f"bundle size: {size / 2**20:.1f} MiB")
    if None not in starts:
        first, *later = starts
        report.note(
            f"first window: {first:.2f} s on the first start, "
            f"{statistics.median(later):.2f} s on later ones (median of {len(later)})"
        )
    print("smoke: " + (f"FAILED: {', '.join(report.failures)}" if report.failures else "passed"))
    return 1 if report.failures else 0


def _source_version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"', (ROOT / "app" / "__init__.py").read_text(), re.M)
    return found[1] if found else "?"


if __name__ == "__main__":
    raise SystemExit(main())
