"""How long ``campaign-desk preview FILE --summary`` takes on a million rows.

Makes realistic files under ``benchmarks/data/`` (numbers from 30 countries in the shapes
operators paste, a few shared texts including UCS-2 and multi-segment ones, about 10%
personalised texts, a sprinkle of landlines, bad numbers and duplicates), in three kinds:

* ``plain``: as above;
* ``linebreaks``: 4.5% of the messages hold a quoted line break (``"Hello\nWorld"``), so that
  records span lines;
* ``repeats``: most numbers repeat (drawn from 2,000 numbers), so that nearly every row is a
  duplicate of others.

Then times, for each kind, in the same run and each as its own process:

* the bare pass: ``csv.reader`` over the file, doing nothing with the rows;
* the real command: ``python -m app preview FILE --summary --region GB``.

Prints both wall times, their ratio (target: within 4x) and the command's peak memory
(target: under 1 GB). Usage:
``python benchmarks/preview_1m.py [--rows N] [--kind plain|linebreaks|repeats] [--regenerate]``
(every kind when ``--kind`` is not given).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"

REGIONS = (
    "GB", "US", "FR", "DE", "ES", "IT", "NL", "BE", "IE", "PL", "PT", "SE", "NO", "DK", "FI",
    "AT", "CH", "CZ", "GR", "RO", "HU", "BR", "MX", "IN", "AU", "NZ", "ZA", "NG", "KE", "JP",
)  # fmt: skip
SHARED_TEXTS = (
    "Spring sale: 20% off everything until Sunday. Reply STOP to opt out.",
    "Your parcel is on its way. Track it here: https://example.com/t/8Hk2Lq9 Reply STOP to opt "
    "out of delivery messages from us, we will not text you again about this order after that.",
    "Rappel : votre rendez-vous est confirmé pour demain à 10h. Répondez STOP pour vous "
    "désabonner.",
    "Hola! Tu pedido está listo 🎉 Recógelo en tienda antes del viernes.",
    "Dear customer, our offices will be closed on Monday for the bank holiday. For urgent "
    "matters call 0800 123 456. Opening hours from Tuesday: 8am to 8pm, Saturday 9am to 5pm. "
    "Thank you for your understanding and have a lovely long weekend with your family.",
    "Ihre Rechnung über 49,90 € ist fällig – bitte überweisen Sie bis zum 15.",
)
NAMES = ("Amelia", "Oliver", "Isla", "Noah", "Léa", "Jürgen", "Iñigo", "Zoë", "Mia", "Ravi")
KINDS = ("plain", "linebreaks", "repeats")
LINE_BREAK_SHARE = 0.045  # of the messages, in the "linebreaks" kind
REPEATED_NUMBERS = 2_000  # distinct numbers of the "repeats" kind


def generate(path: Path, rows: int, kind: str = "plain", seed: int = 1) -> None:
    rng = random.Random(seed)
    pool: list[str] = []  # the "repeats" kind's numbers, once made
    bases = {r: phonenumbers.example_number_for_type(r, PhoneNumberType.MOBILE) for r in REGIONS}
    fixed = {
        r: phonenumbers.example_number_for_type(r, PhoneNumberType.FIXED_LINE) for r in REGIONS
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(("phone", "message", "customer_id"))
        recent: list[str] = []
        for index in range(rows):
            # The first regions are the big markets: GB and US get most rows.
            region = REGIONS[min(int(rng.expovariate(0.25)), len(REGIONS) - 1)]
            roll = rng.random()
            if roll < 0.02:
                phone = phonenumbers.format_number(fixed[region], PhoneNumberFormat.E164)
            elif roll < 0.03:
                phone = rng.choice(("", "n/a", "12345", "+44 7400"))
            elif roll < 0.04 and recent:
                phone = rng.choice(recent)  # a duplicate
            else:
                number = phonenumbers.PhoneNumber(
                    country_code=bases[region].country_code,
                    national_number=bases[region].national_number // 10**6 * 10**6
                    + rng.randrange(10**6),
                )
                shape = (
                    PhoneNumberFormat.NATIONAL
                    if region == "GB" and roll < 0.15
                    else PhoneNumberFormat.INTERNATIONAL
                    if roll < 0.25
                    else PhoneNumberFormat.E164
                )
                phone = phonenumbers.format_number(number, shape)
                if len(recent) < 1000:
                    recent.append(phone)
            if kind == "repeats":
                if len(pool) < REPEATED_NUMBERS:
                    pool.append(phone)
                else:
                    phone = rng.choice(pool)
            if rng.random() < 0.10:
                name = rng.choice(NAMES)
                text = f"Hi {name}, your code is {rng.randrange(10**6):06d}. It expires in 10 min."
            else:
                text = rng.choice(SHARED_TEXTS)
            if kind == "linebreaks" and rng.random() < LINE_BREAK_SHARE:
                text = text.replace(". ", ".\n", 1) if ". " in text else "Hello\n" + text
            writer.writerow((phone, text, f"C-{index:07d}"))


def timed(command: list[str]) -> tuple[float, float, int, bytes]:
    """Wall seconds, CPU seconds, peak resident memory (bytes) and output of one child
    process. CPU and memory are that child's own ``getrusage`` figures (from ``os.wait4``,
    which include its own children: the phone process), so one run does not mask the other.
    CPU time is the steadier figure on a shared machine."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.stdout.read(), child.stderr.read()  # both small: totals, or nothing
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1) or b"Traceback" in err:
        raise SystemExit(f"{command} failed:\n{err.decode()}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss * scale, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kind", choices=KINDS, action="append")
    parser.add_argument("--regenerate", action="store_true")
    options = parser.parse_args()
    for kind in options.kind or KINDS:
        measure(kind, options.rows, options.regenerate)


def measure(kind: str, rows: int, regenerate: bool) -> None:
    path = DATA / f"preview_{rows}.csv" if kind == "plain" else DATA / f"preview_{kind}_{rows}.csv"
    if regenerate or not path.exists():
        started = time.perf_counter()
        generate(path, rows, kind)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    print(f"\n== {kind}: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")

    bare = [
        sys.executable,
        "-c",
        "import csv, sys\n"
        "with open(sys.argv[1], encoding='utf-8', newline='') as f:\n"
        "    for row in csv.reader(f): pass",
        str(path),
    ]
    preview = [sys.executable, "-m", "app", "preview", str(path), "--summary", "--region", "GB"]
    bare_time, bare_cpu, bare_memory, _ = timed(bare)
    preview_time, preview_cpu, preview_memory, out = timed(preview)
    totals = json.loads(out)["totals"]
    print(
        f"totals: {totals['rows']:,} rows, {totals['segments']:,} segments, "
        f"{totals['cost']} {totals['currency']}, {totals['errors']:,} rows with errors, "
        f"{totals['warnings']:,} with warnings, {len(totals['by_country'])} countries"
    )
    print(
        f"bare csv.reader pass : {bare_time:6.2f} s wall {bare_cpu:6.2f} s CPU  "
        f"peak {bare_memory / 2**20:5.0f} MiB"
    )
    print(
        f"preview --summary    : {preview_time:6.2f} s wall {preview_cpu:6.2f} s CPU  "
        f"peak {preview_memory / 2**20:5.0f} MiB"
    )
    print(f"ratio                : {preview_time / bare_time:6.2f}x (target: within 4x)")
    print(f"CPU ratio            : {preview_cpu / bare_cpu:6.2f}x (both processes of preview)")
    print(f"load average         : {os.getloadavg()[0]:6.2f} (other work on the machine skews)")
    print(f"peak memory          : {preview_memory / 2**20:6.0f} MiB (target: under 1024 MiB)")


if __name__ == "__main__":
    main()
