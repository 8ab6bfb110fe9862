"""The headless commands: ``campaign-desk preview`` and ``campaign-desk sandbox``.

Neither loads Qt. Every failure an operator can cause ends in one clear sentence on stderr and
an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


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
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument(
        "--latency", type=float, default=0.0, metavar="SECONDS", help="delay every answer"
    )
    sandbox.set_defaults(handler=_run_sandbox)
    return parser


def run(argv: Sequence[str]) -> int:
    options = build_parser().parse_args(list(argv))
    code: int = options.handler(options)
    return code


def _run_sandbox(options: argparse.Namespace) -> int:
    import uvicorn

    from app.sandbox.core import Faults, SandboxEnv
    from app.sandbox.server import build_sandbox

    env = SandboxEnv(faults=Faults(latency=options.latency))
    print(
        f"Sandbox on http://{options.host}:{options.port} (credentials: sandbox / sandbox)",
        flush=True,
    )
    uvicorn.run(build_sandbox(env), host=options.host, port=options.port, log_level="warning")
    return 0
