"""The headless commands: ``campaign-desk preview`` and ``campaign-desk sandbox``.

Neither loads Qt. Every failure an operator can cause ends in one clear sentence on stderr and
an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.domain.batch import (
    DEFAULT_SEGMENT_CAP,
    Batch,
    BatchSettings,
    RowResult,
    Totals,
    default_region,
    load_batch,
    summarize,
)
from app.domain.csvfile import CsvFileError
from app.domain.pricing import (
    MICROS,
    PriceTable,
    PriceTableError,
    default_price_table,
    load_price_table,
)
from app.domain.wording import counted

if TYPE_CHECKING:
    from starlette.types import ASGIApp


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign-desk")
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser(
        "sandbox",
        help="serve the five provider simulators on loopback",
        description="Serve every provider simulator on one port: /rocketcoms, /routee, "
        "/bulksms, /cordial, /batch, plus /_sandbox/clock and /_sandbox/faults. "
        "Credentials are 'sandbox' / 'sandbox' in each provider's own scheme.",
    )
    sandbox.add_argument(
        "--host",
        default="127.0.0.1",
        help="where to listen (default 127.0.0.1); any address but loopback lets others "
        "reach a server that has no real security",
    )
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument(
        "--latency",
        type=_latency,
        default=0.0,
        metavar="SECONDS",
        help="delay every answer (0 to 60 seconds)",
    )
    sandbox.add_argument(
        "--max-body-mb",
        type=_positive_int,
        metavar="MB",
        help="the largest request body every simulator reads; a longer one gets 413 (default: "
        "256 for RocketCOMS, 32 for BulkSMS, 16 for Routee, 1 for Cordial and Batch)",
    )
    sandbox.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="keep the simulators' campaigns, recipients and clock in FILE, so that a "
        "restarted sandbox still knows them (default: in memory only); a FILE that cannot be "
        "read is reported and the sandbox starts empty",
    )
    sandbox.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="stop when standard input closes (how the app runs its built-in sandbox)",
    )
    sandbox.set_defaults(handler=_run_sandbox)
    _add_preview(commands)
    return parser


def run(argv: Sequence[str]) -> int:
    options = build_parser().parse_args(list(argv))
    code: int = options.handler(options)
    return code


#: How long a stopping sandbox waits for requests still being answered (a slow one would
#: otherwise hold a SIGTERM for as long as it lasts).
SHUTDOWN_GRACE_SECONDS = 5


def _run_sandbox(options: argparse.Namespace) -> int:
    import uvicorn

    from app.sandbox.core import Faults, SandboxEnv
    from app.sandbox.server import build_sandbox
    from app.sandbox.state import SandboxState

    env = SandboxEnv(faults=Faults(latency=options.latency))
    if options.max_body_mb is not None:
        for prefix in env.body_limits:
            if prefix != "/_sandbox":
                env.body_limits[prefix] = options.max_body_mb * 2**20
    if not _is_loopback(options.host):
        print(
            f"campaign-desk sandbox: warning: serving on {options.host}, not on loopback. The "
            "sandbox has no real security (its credentials are sandbox / sandbox, and anyone "
            "can change its clock and faults): anyone who can reach this address can use it.",
            file=sys.stderr,
            flush=True,
        )
    app: ASGIApp = build_sandbox(env)
    state = SandboxState(env, options.state) if options.state else None
    if state is not None:
        state.load()
        app = state.watching(app)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=options.host,
            port=options.port,
            log_level="warning",
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
    )
    if options.until_stdin_closes:

        def stop_when_stdin_closes() -> None:
            sys.stdin.buffer.read()  # returns at end of file: the app has gone
            server.should_exit = True

        threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    else:
        print(
            f"Sandbox on http://{options.host}:{options.port} (credentials: sandbox / sandbox)",
            flush=True,
        )
    server.run()
    if state is not None:
        state.save_now()
    return 0


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _latency(text: str) -> float:
    from app.sandbox.core import fault_setting

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    try:
        latency: float = fault_setting("latency", value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).rstrip(".")) from None
    return latency


# -- campaign-desk preview --------------------------------------------------------------------

_PREVIEW_DESCRIPTION = """\
Check a CSV of recipients as the editor does: per row the number in E.164, its country, the
message's encoding, units and segments, the cost and the issues; then the totals. Exit status:
0 when no row has an error, 1 when some row has one, 2 when the file cannot be used (missing,
not text, empty, no data rows, no message column) or the price file is bad.

--json prints {"rows": [...], "totals": {...}}: one object per data row (also rows with a
blank or broken number) with line (the 1-based line where the row starts), phone (as written,
trimmed), e164, country, message, encoding, units, segments, cost and issues [{code, severity,
message}]; totals has rows, segments, cost, currency, errors and warnings (rows with at least
one), and by_country {CC: {rows, segments, cost}} ("ZZ": no known country). Totals count
every row, also rows with errors: they say what the file as written would cost. Every cost is
a JSON number in currency units (not micros), exact to the micro-unit (6 decimals).
--summary prints only {"totals": {...}} and keeps no per-row results."""


def _add_preview(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    preview = commands.add_parser(
        "preview",
        help="check a CSV of recipients: segments, cost and issues per row, and totals",
        description=_PREVIEW_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    preview.add_argument("file", type=Path, help="the CSV file of recipients")
    preview.add_argument(
        "--region",
        metavar="CC",
        help="ISO country for numbers written without a country code (default: the "
        "territory of your locale from LC_ALL, LC_TELEPHONE or LANG, e.g. en_GB -> GB; "
        "else US)",
    )
    preview.add_argument(
        "--prices",
        type=Path,
        metavar="FILE",
        help="a price table CSV (default: the table shipped with the app)",
    )
    preview.add_argument(
        "--short-link-length",
        type=_positive_int,
        metavar="N",
        help="count every URL as N characters, as a provider's link shortener sends it",
    )
    preview.add_argument(
        "--segment-cap",
        type=_positive_int,
        default=DEFAULT_SEGMENT_CAP,
        metavar="N",
        help="a message of more than N segments is an error (message.too_long; default "
        f"{DEFAULT_SEGMENT_CAP})",
    )
    output = preview.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON, one row per line")
    output.add_argument("--summary", action="store_true", help="print only the JSON totals")
    preview.set_defaults(handler=_run_preview)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _run_preview(options: argparse.Namespace) -> int:
    try:
        settings = _preview_settings(options)
        if options.summary:
            totals = summarize(options.file, settings)
        else:
            batch = load_batch(options.file, settings)
            totals = batch.totals
    except (CsvFileError, _UnusableInput) as error:
        print(f"campaign-desk preview: {error}", file=sys.stderr)
        return 2
    status = 1 if totals.errors else 0
    try:
        if options.summary:
            json.dump({"totals": _totals_json(totals)}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif options.json:
            _write_json(batch, sys.stdout)
        else:
            _write_table(batch, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (``| head``): not an error of the file. Point stdout at
        # devnull so that Python's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


class _UnusableInput(Exception):
    """A command-line input that cannot be used; ``str()`` is the sentence to show."""


def _preview_settings(options: argparse.Namespace) -> BatchSettings:
    import phonenumbers

    region = (options.region or default_region()).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise _UnusableInput(f"'{options.region}' is not a country code such as GB or US.")
    return BatchSettings(
        default_region=region,
        prices=_price_table(options.prices),
        short_link_length=options.short_link_length,
        segment_cap=options.segment_cap,
    )


def _price_table(path: Path | None) -> PriceTable:
    if path is None:
        return default_price_table()
    try:
        return load_price_table(path)
    except PriceTableError as error:
        raise _UnusableInput(f"The price file {path} cannot be used ({error}).") from None


def _amount(micros: int) -> float:
    """Micros as a JSON number of currency units: ``micros / 10**6`` is correctly rounded, and
    the shortest repr of that float is the exact 6-decimal value for any realistic total."""
    return micros / MICROS


def _row_json(batch: Batch, row: int, result: RowResult) -> dict[str, object]:
    return {
        "line": batch.line(row),
        "phone": batch.phone(row).strip(),
        "e164": result.e164,
        "country": result.region,
        "message": batch.message(row),
        "encoding": result.analysis.encoding,
        "units": result.analysis.units,
        "segments": result.analysis.segments,
        "cost": _amount(result.cost),
        "issues": [
            {"code": issue.code.value, "severity": issue.severity.value, "message": issue.message}
            for issue in result.issues
        ],
    }


def _totals_json(totals: Totals) -> dict[str, object]:
    return {
        "rows": totals.rows,
        "segments": totals.segments,
        "cost": _amount(totals.cost),
        "currency": totals.currency,
        "errors": totals.errors,
        "warnings": totals.warnings,
        "by_country": {
            region: {"rows": c.rows, "segments": c.segments, "cost": _amount(c.cost)}
            for region, c in totals.by_country.items()
        },
    }


def _write_json(batch: Batch, out: TextIO) -> None:
    """Row by row, so that a million rows never become one string."""
    out.write('{"rows": [')
    for row in range(len(batch)):
        out.write(",\n" if row else "\n")
        out.write(json.dumps(_row_json(batch, row, batch.result(row))))
    out.write('\n],\n"totals": ')
    out.write(json.dumps(_totals_json(batch.totals)))
    out.write("}\n")


_TABLE_ROW = "{:>6}  {:<16} {:<3} {:<5} {:>4}  {:>10}  {}"


def _write_table(batch: Batch, out: TextIO) -> None:
    if isinstance(out, io.TextIOWrapper):
        out.reconfigure(errors="backslashreplace")
    prices = batch.settings.prices
    out.write(_TABLE_ROW.format("LINE", "PHONE", "CC", "ENC", "SEGS", "COST", "MESSAGE") + "\n")
    for row in range(len(batch)):
        result = batch.result(row)
        message = batch.message(row).replace("\n", "\\n")
        out.write(
            _TABLE_ROW.format(
                batch.line(row),
                _clip(result.e164 or batch.phone(row).strip(), 16),
                result.region or "-",
                "UCS-2" if result.analysis.encoding == "UCS-2" else "GSM",
                result.analysis.segments,
                prices.format(result.cost).split()[0],
                _clip(message, 48),
            )
            + "\n"
        )
        for issue in result.issues:
            out.write(f"{'':8}{issue.severity.value:<8}{issue.code.value:<18}{issue.message}\n")
    totals = batch.totals
    rows, segments = counted(totals.rows, "row"), counted(totals.segments, "segment")
    out.write(
        f"\n{rows}, {segments}, {prices.format(totals.cost)}; "
        f"{counted(totals.errors, 'row')} with errors, {totals.warnings:,} with warnings.\n"
    )
    for region, country in totals.by_country.items():
        rows, segments = counted(country.rows, "row"), counted(country.segments, "segment")
        out.write(f"  {region:<3} {rows:>14} {segments:>18} {prices.format(country.cost):>16}\n")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
