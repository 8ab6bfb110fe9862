"""Composition root: the ``campaign-desk`` command.

``campaign-desk`` opens the window, ``campaign-desk FILE.csv`` opens that file in it, and the
headless sub-commands (``preview``, ``sandbox``) run without Qt. This is the only module that
may import ``app.ui``; it does so late so that the headless commands never load Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__

HEADLESS_COMMANDS = ("preview", "sandbox")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from app.cli import run

        return run(args)
    parser = argparse.ArgumentParser(
        prog="campaign-desk",
        description="Edit, check and send bulk SMS campaigns. "
        f"Headless commands: {', '.join(HEADLESS_COMMANDS)} (see 'campaign-desk preview -h').",
    )
    parser.add_argument("--version", action="version", version=f"campaign-desk {__version__}")
    parser.add_argument("file", nargs="?", help="a CSV file of recipients to open")
    options = parser.parse_args(args)

    from app.ui.application import run_gui

    return run_gui(options.file)


if __name__ == "__main__":
    raise SystemExit(main())
