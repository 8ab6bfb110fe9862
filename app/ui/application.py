"""Start the GUI: the QApplication, the qasync event loop, the error hook, the main window."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

# isort: split
import qasync  # after PySide6, so that qasync binds to it rather than to another Qt binding

from app.resources import resource_path
from app.services.context import AppContext
from app.ui.main_window import MainWindow

log = logging.getLogger("campaign_desk.ui")


#: Works the window once it shows and the campaigns are up; its result is the exit code.
Driver = Callable[[MainWindow], Awaitable[int]]


def run_gui(
    path: str | None,
    context: AppContext,
    qt_args: Sequence[str] = (),
    *,
    drive: Driver | None = None,
    settings_dir: Path | None = None,
) -> int:
    """Show the main window (opening ``path`` when given) and run until it is closed, or with
    ``drive`` until that is done (then the window closes as the operator would close it).
    ``qt_args`` are Qt's own options (``-platform xcb``, ``-style fusion``...);
    ``settings_dir``: where the window's layout is kept, instead of the operator's settings."""
    if settings_dir is not None:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    app = make_application(qt_args)
    # The window closes before the HTTP client does: the loop must outlive the last window.
    app.setQuitOnLastWindowClosed(False)
    sys.excepthook = report_exception
    return qasync.run(_main(path, context, drive))


def make_application(qt_args: Sequence[str] = ()) -> QApplication:
    """The application, handed Qt's own command-line options (the one already made, if any)."""
    QCoreApplication.setOrganizationName("Campaign Desk")
    QCoreApplication.setApplicationName("Campaign Desk")
    QGuiApplication.setDesktopFileName("campaign-desk")
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    assert isinstance(app, QApplication)
    app.setWindowIcon(QIcon(str(resource_path("icons", "campaign-desk.svg"))))
    return app


async def _main(path: str | None, context: AppContext, drive: Driver | None) -> int:
    window = MainWindow(context)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    window.files.accept_file_open_events(QApplication.instance())
    # the edits a crash left behind are offered before the file replaces anything
    window.files.start(Path(path) if path else None)
    desk = asyncio.ensure_future(context.desk.start())
    code = 0
    if drive is not None:
        try:
            await desk
            code = await drive(window)
        finally:
            window.close()
    await closed.wait()
    desk.cancel()
    await context.aclose()
    return code


def report_exception(
    kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> None:
    """Show an unexpected error to the user instead of dying silently (or printing to no one).

    The details go to the log and into the dialog's "Show Details…" area.
    """
    details = "".join(traceback.format_exception(kind, error, tb))
    log.error("Unexpected error\n%s", details)
    if QApplication.instance() is None:
        sys.__excepthook__(kind, error, tb)
        return
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Campaign Desk",
        f"Something went wrong: {error}\n\nYour edits are kept; save your work.",
    )
    box.setDetailedText(details)
    box.open()
    _open_boxes.append(box)
    box.finished.connect(lambda _: _open_boxes.remove(box))


_open_boxes: list[QMessageBox] = []  # keeps non-modal error boxes alive while shown
