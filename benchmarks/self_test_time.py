"""How long ``campaign-desk --self-test`` takes (target: under 60 s in all).

Runs ``python -m app --self-test`` (offscreen, private folders) a few times, each as its own
process, and prints per run: the wall time from start to exit, the exit code, the steps and
how many passed, and the slowest step. Then the median wall time.
Usage: ``python benchmarks/self_test_time.py [--runs N] [--program PATH]`` (``--program``: an
installed or bundled ``campaign-desk`` instead of this checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--program", type=Path, help="a campaign-desk executable to time")
    options = parser.parse_args()
    command = [str(options.program)] if options.program else [sys.executable, "-m", "app"]
    walls = []
    for run in range(1, options.runs + 1):
        with tempfile.TemporaryDirectory() as home:
            env = os.environ | {
                "QT_QPA_PLATFORM": "offscreen",
                "HOME": home,
                "XDG_CONFIG_HOME": f"{home}/config",
                "XDG_DATA_HOME": f"{home}/data",
            }
            began = time.perf_counter()
            done = subprocess.run(
                [*command, "--self-test"], capture_output=True, text=True, env=env, cwd=ROOT
            )
            wall = time.perf_counter() - began
        walls.append(wall)
        try:
            steps = json.loads(done.stdout)["steps"]
        except (ValueError, KeyError):
            print(f"run {run}: {wall:.1f} s, exit {done.returncode}, no report")
            continue
        passed = sum(1 for s in steps if s["ok"])
        slowest = max(steps, key=lambda s: s["seconds"])
        print(
            f"run {run}: {wall:.1f} s, exit {done.returncode}, {passed}/{len(steps)} steps "
            f"passed, slowest: {slowest['provider']} {slowest['step']} {slowest['seconds']:.2f} s"
        )
    print(f"median: {statistics.median(walls):.1f} s over {len(walls)} runs (target: < 60 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
