"""Composition root: the ``campaign-desk`` command.

``campaign-desk`` opens the window, ``campaign-desk FILE.csv`` opens that file in it, and the
headless sub-commands (``preview``, ``sandbox``) run without Qt. This is the only module that
may import ``app.ui``; it does so late so that the headless commands never load Qt.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__

if TYPE_CHECKING:
    import httpx

    from app.domain.campaign import Capabilities
    from app.services.context import AppContext
    from app.services.desk import Desk
    from app.ui.main_window import MainWindow

HEADLESS_COMMANDS = ("preview", "sandbox")

#: Qt's standard command-line options (qt6options(7), the QApplication and QGuiApplication
#: docs) that take a value (``-style fusion`` or ``-style=fusion``), and those that stand alone.
#: Qt reads them with one dash or two.
QT_VALUE_OPTIONS = frozenset(
    {
        "platform",
        "platformpluginpath",
        "platformtheme",
        "plugin",
        "style",
        "stylesheet",
        "qwindowgeometry",
        "qwindowicon",
        "qwindowtitle",
        "session",
        "display",
        "geometry",
        "name",
        "title",
        "visual",
        "fontengine",
        "dialogs",
        "qmljsdebugger",
    }
)
QT_FLAG_OPTIONS = frozenset({"reverse", "widgetcount", "nograb", "dograb", "sync"})


def main(argv: Sequence[str] | None = None) -> int:
    # In a PyInstaller bundle, a spawned helper process (the preview's phone checker) starts
    # this same executable: let multiprocessing take it over before any argument parsing.
    multiprocessing.freeze_support()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from app.cli import run

        return run(args)
    parser = argparse.ArgumentParser(
        prog="campaign-desk",
        description="Edit, check and send bulk SMS campaigns. "
        f"Headless commands: {', '.join(HEADLESS_COMMANDS)} (see 'campaign-desk preview -h').",
        epilog="Qt's standard options (-platform xcb, -style fusion, -reverse...) go to Qt.",
    )
    parser.add_argument("--version", action="version", version=f"campaign-desk {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the bundled sample in the window and run it through every provider's "
        "sandbox (validate, schedule, pause and resume, cancel, follow to the end) in private "
        "folders; print a JSON report and exit 0 only if every step passed",
    )
    parser.add_argument("file", nargs="?", help="a CSV file of recipients to open")
    ours, qt_args, missing = split_qt_arguments(args)
    if missing:
        parser.error(f"{missing} needs a value")
    options = parser.parse_args(ours)
    if options.self_test:
        if options.file:
            parser.error("--self-test opens its own sample: give no file with it")
        return self_test(qt_args)

    from app.ui.application import run_gui

    return run_gui(options.file, build_context(start_sandbox=True), qt_args)


def split_qt_arguments(args: Sequence[str]) -> tuple[list[str], list[str], str]:
    """``(ours, Qt's, missing)``: Qt's standard options with their values go to Qt, the rest
    to the argument parser; ``missing`` names a Qt option given without its value ("" when
    none is). After ``--`` every argument is ours (a file named ``-style``, say)."""
    ours: list[str] = []
    qt: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            ours += [arg, *items]
            break
        name, equals, _ = arg.removeprefix("-").removeprefix("-").partition("=")
        if not arg.startswith("-"):
            ours.append(arg)
        elif name in QT_VALUE_OPTIONS:
            qt.append(arg)
            if not equals:
                value = next(items, None)
                if value is None:
                    return ours, qt, arg
                qt.append(value)
        elif name in QT_FLAG_OPTIONS and not equals:
            qt.append(arg)
        else:
            ours.append(arg)
    return ours, qt, ""


#: JSON of sandbox faults the self-test sets before it starts (see ``app.services.self_test``)
SELF_TEST_FAULTS = "CAMPAIGN_DESK_SELF_TEST_FAULTS"


def self_test(qt_args: Sequence[str] = ()) -> int:
    """``--self-test``: the real window on the bundled sample, in a temporary folder of its own
    (settings, store, recovery files, window layout), so that the operator's are never read
    or changed; the report goes to stdout. ``qt_args``: Qt's own options, as for the window."""
    from app.resources import resource_path
    from app.services.self_test import SAMPLE_REGION, SelfTest
    from app.ui.application import run_gui

    try:
        faults: dict[str, Any] = json.loads(os.environ.get(SELF_TEST_FAULTS) or "{}")
    except ValueError as exc:
        print(f"campaign-desk: {SELF_TEST_FAULTS} is not JSON: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(
        prefix="campaign-desk-self-test-", ignore_cleanup_errors=True
    ) as folder:
        home = Path(folder)
        context = build_context(start_sandbox=True, home=home)
        context.settings.default_region = SAMPLE_REGION

        async def drive(window: MainWindow) -> int:
            test = SelfTest(window, context.desk, context.sandbox, faults=faults)
            report = await test.run(resource_path("samples", "spring-sale.csv"))
            print(report.to_json(), flush=True)
            return 0 if report.ok else 1

        return run_gui(None, context, qt_args, drive=drive, settings_dir=home / "qt")


#: The built-in sandbox's campaigns, recipients and clock, in the app's data folder.
SANDBOX_STATE_FILE = "sandbox-state.pickle"


def build_context(*, start_sandbox: bool = False, home: Path | None = None) -> AppContext:
    """The non-Qt parts the window works with: settings, recovery files, the built-in sandbox
    accounts of every provider, and one HTTP transport serving them from a child process.

    The child starts on the first request, or at once with ``start_sandbox`` (the app does
    that, so that it is up by the time the operator validates). ``home``: a folder for the
    settings, recovery files and campaign store instead of the operator's (the self-test's).
    """
    from app.domain.batch import BatchSettings, default_region
    from app.domain.links import DEFAULT_SHORT_LINK_LENGTH
    from app.domain.pricing import default_price_table
    from app.providers.registry import make_provider
    from app.providers.transport import Transport, make_client
    from app.sandbox.child import ChildSandbox, ChildSandboxTransport, sandbox_command
    from app.sandbox.inprocess import IN_PROCESS_URL
    from app.services.context import AppContext
    from app.services.sandbox_control import SandboxControl
    from app.store.database import FILE_NAME
    from app.store.journal import Journals
    from app.store.settings import AppSettings, SettingsStore, data_dir

    data = home / "data" if home else None
    # Beside the campaign store: a sandbox campaign the store remembers is still at the sandbox.
    sandbox_state = (data or data_dir()) / SANDBOX_STATE_FILE
    sandbox = ChildSandbox([*sandbox_command(), "--state", str(sandbox_state)])
    if start_sandbox:
        sandbox.start()
    transport = Transport(make_client(ChildSandboxTransport(sandbox)))
    prices = default_price_table()

    def batch_settings(settings: AppSettings) -> BatchSettings:
        return BatchSettings(
            default_region=settings.default_region or default_region(),
            prices=prices,
            short_link_length=DEFAULT_SHORT_LINK_LENGTH if settings.short_links else None,
        )

    store = SettingsStore(home / "config" / "settings.json" if home else None)
    desk = build_desk(
        ChildSandboxTransport(sandbox), IN_PROCESS_URL, data / FILE_NAME if data else None
    )

    async def aclose() -> None:
        await desk.aclose()
        await transport.aclose()

    return AppContext(
        settings_store=store,
        settings=store.load(),
        journals=Journals(data / "autosave" if data else None),
        batch_settings=batch_settings,
        make_provider=lambda account: make_provider(account, transport),
        capabilities=provider_capabilities,
        aclose=aclose,
        desk=desk,
        sandbox=SandboxControl(desk.providers.client, IN_PROCESS_URL),
        warm_up=phone_warm_up_steps,
    )


def build_desk(
    inner: httpx.AsyncBaseTransport, sandbox_url: str, store: Path | None = None
) -> Desk:
    """Accounts, campaigns and their following over the store (by default the one in the
    app's data folder)."""
    from app.providers.transport import make_client
    from app.services.accounts import AccountService
    from app.services.campaigns import CampaignService
    from app.services.clock import SystemClock
    from app.services.connections import ProviderPool
    from app.services.desk import Desk
    from app.services.following import Follower
    from app.store.database import Database
    from app.store.secrets import SecretStore

    clock = SystemClock()
    pool = ProviderPool(make_client(inner), clock)
    db = Database(store)
    accounts = AccountService(db, SecretStore(), pool, sandbox_url=sandbox_url)
    campaigns = CampaignService(db, accounts, pool, clock)
    return Desk(db, accounts, campaigns, Follower(campaigns, accounts, pool, clock), pool)


def phone_warm_up_steps() -> Generator[tuple[int, int], None, None]:
    """Compile the phone checker's patterns, then check one example number of every region,
    a pattern or a region a step, while the operator looks at the empty window.

    libphonenumber and the checker load metadata and compile patterns on first use: about
    2 s in all, which would otherwise freeze the window while the first file loads. The
    window runs these steps on its own loop between events; a thread would fight it for the
    GIL and stalled it for up to half a second.
    """
    import phonenumbers

    from app.domain.phones import PhoneChecker, warm_up_steps

    # What is loaded and compiled here stays for good: the job runner keeps it out of the
    # cyclic GC's passes after each slice (they would otherwise grow to 60 ms).
    yield from warm_up_steps()
    checker = PhoneChecker()
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    for done, region in enumerate(regions, 1):
        number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if number is not None:
            checker.check(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        yield done, len(regions)


def provider_capabilities(provider: str) -> Capabilities | None:
    """The capabilities of ``provider``'s adapter, or None when it is not installed."""
    from app.providers.registry import adapter_class

    try:
        return adapter_class(provider).capabilities
    except (ImportError, AttributeError):
        return None


if __name__ == "__main__":
    raise SystemExit(main())
