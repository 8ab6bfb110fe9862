"""How fast PhoneChecker.check_many is on a million realistic numbers, against the library.

Prints µs per number for: a bare ``csv.reader`` pass over the same numbers as a CSV file (the
yardstick of the preview budget), the plain library loop (parse + is_valid_number + ...; on a
sample, it is slow), ``check_many`` on a fresh checker (cold cache) and again (warm cache), and
``check_columns`` on a fresh checker, all in chunks of 20,000 numbers as the preview hands them
over. CPU time of this process is measured, so other work on the machine disturbs it less; the
load average is printed too.

    .venv/bin/python benchmarks/phones_bench.py [--rows 1000000] [--region GB]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.phones import PhoneChecker, library_verdict

COUNTRIES = [
    "GB",
    "US",
    "DE",
    "FR",
    "IT",
    "ES",
    "NL",
    "BE",
    "CH",
    "AT",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "PT",
    "IE",
    "GR",
    "CZ",
    "RO",
    "HU",
    "TR",
    "RU",
    "IN",
    "BR",
    "MX",
    "AU",
    "CA",
    "ZA",
    "NG",
]


def base_numbers(rng: random.Random, default_region: str) -> list[str]:
    """A few formatted numbers per country, in the shapes operators paste."""
    bases = []
    for region in COUNTRIES:
        for number_type in (PhoneNumberType.MOBILE,) * 4 + (PhoneNumberType.FIXED_LINE,):
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            bases += [e164] * 5
            bases.append(phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL))
            bases.append("00" + e164[1:])
            if region == default_region:
                bases += [phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)] * 3
            if region == "US":
                nsn = e164[2:]
                bases.append(f"+1 ({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}")
    rng.shuffle(bases)
    return bases


def numbers(count: int, default_region: str, seed: int = 7) -> list[str]:
    """``count`` numbers: bases with random last digits, ~2% broken, ~5% repeated."""
    rng = random.Random(seed)
    bases = base_numbers(rng, default_region)
    out = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.05 and out:
            out.append(out[rng.randrange(len(out))])
            continue
        base = bases[index % len(bases)]
        number = base[:-4] + f"{rng.randrange(10_000):04d}"
        if roll > 0.98:
            number = number[:-2] if roll > 0.99 else number + "7"
        out.append(number)
    return out


CHUNK = 20_000  # rows per hand-over to the phone process in batch.summarize


def in_chunks(check: Callable[[list[str]], object], rows: list[str]) -> None:
    for start in range(0, len(rows), CHUNK):
        check(rows[start : start + CHUNK])


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def csv_pass_seconds(rows: list[str]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numbers.csv"
        path.write_text(
            "phone,message\n" + "".join(f"{row},Hello from the campaign\n" for row in rows),
            encoding="utf-8",
        )

        def read() -> None:
            with path.open(newline="", encoding="utf-8") as handle:
                for _row in csv.reader(handle):
                    pass

        return cpu_seconds(read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--region", default="GB")
    parser.add_argument("--library-sample", type=int, default=20_000)
    args = parser.parse_args()

    rows = numbers(args.rows, args.region)
    per = 1e6 / len(rows)
    csv_s = csv_pass_seconds(rows)
    print(f"{len(rows):,} numbers, default region {args.region}, {len(set(rows)):,} distinct")
    print(f"csv.reader pass           {csv_s * per:7.2f} µs/row")

    sample = rows[: args.library_sample]
    library_s = cpu_seconds(lambda: [library_verdict(raw, args.region) for raw in sample])
    print(f"library loop (sample)     {library_s * 1e6 / len(sample):7.2f} µs/number")

    checker = PhoneChecker(args.region)
    cold_s = cpu_seconds(lambda: in_chunks(checker.check_many, rows))
    print(f"check_many, cold cache    {cold_s * per:7.2f} µs/number")
    print(f"cold check_many / csv     {cold_s / csv_s:7.2f} x")
    columns_s = cpu_seconds(lambda: in_chunks(PhoneChecker(args.region).check_columns, rows))
    print(f"check_columns, fresh      {columns_s * per:7.2f} µs/number")
    print(f"check_columns / csv       {columns_s / csv_s:7.2f} x")
    repeated = rows[:100_000]
    checker.check_many(repeated)
    warm_s = cpu_seconds(lambda: checker.check_many(repeated))
    print(f"check_many, cached rows   {warm_s * 1e6 / len(repeated):7.2f} µs/number")
    kinds: dict[str, int] = {}
    for verdict in checker.check_many(rows):
        kinds[verdict.kind] = kinds.get(verdict.kind, 0) + 1
    print("verdicts:", ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items())))
    print(f"load average              {os.getloadavg()[0]:7.2f} (2 cores, shared)")


if __name__ == "__main__":
    main()
