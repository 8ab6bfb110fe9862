"""UI test setup: async tests run on a qasync loop (so Qt and asyncio share one loop), and a
main window built from the real composition root (sandbox in a child process, started on
the first request; private app folders)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

# isort: split
import qasync

from app.domain.accounts import sandbox_account_id
from app.main import build_context
from app.resources import resource_path
from app.services.context import AppContext
from app.ui.main_window import MainWindow


def pytest_asyncio_loop_factories(config, item):
    return {"qasync": lambda: qasync.QEventLoop(QApplication.instance() or QApplication([]))}


@pytest.fixture(autouse=True)
def no_key_held(qapp) -> Iterator[None]:
    """After each test, let go of Ctrl, Shift, Alt and Meta, as a hand would: Qt keeps the
    modifiers of the last input event as held (a Ctrl+click, Ctrl+Z), and a later test in this
    process would then select as if Ctrl were still down."""
    yield
    probe = QWidget()
    probe.show()
    for key in (Qt.Key.Key_Control, Qt.Key.Key_Shift, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
        QTest.keyRelease(probe, key)
    probe.close()
    probe.deleteLater()


@pytest.fixture
def context() -> AppContext:
    return build_context()


@pytest.fixture
def make_window(qtbot, context) -> Iterator[Callable[..., MainWindow]]:
    """Build main windows on ``context``; each is closed without prompts after the test."""
    windows: list[MainWindow] = []

    def make(ctx: AppContext | None = None) -> MainWindow:
        window = MainWindow(ctx or context)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        if shiboken6.isValid(window):
            window.files.close_confirmed = True
            window.close()


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


def write_csv(path: Path, rows: list[tuple[str, ...]], header=("phone", "message", "name")) -> Path:
    lines = [",".join(header)] + [",".join(_quote(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


@pytest.fixture
def open_file(qtbot) -> Callable[[MainWindow, Path], None]:
    """Open a file in a window and wait until it has loaded."""

    def run(window: MainWindow, path: Path) -> None:
        with qtbot.waitSignal(window.loaded, timeout=20_000):
            window.files.open_file(path)

    return run


async def wait_for(signal, timeout: float = 20.0) -> None:
    """Await a Qt signal on the qasync loop (qtbot.waitSignal would block the loop)."""
    done = asyncio.Event()
    signal.connect(done.set)
    try:
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        signal.disconnect(done.set)


async def open_sample(window: MainWindow, tmp_path: Path, name: str) -> MainWindow:
    """A copy of the bundled sample ``name`` opened in ``window`` (awaited on the qasync loop)."""
    path = tmp_path / name
    shutil.copy(resource_path("samples", name), path)
    window.files.open_file(path)
    await wait_for(window.loaded)
    return window


def choose_account(window: MainWindow, provider: str) -> None:
    """Pick ``provider``'s built-in sandbox account in the account box."""
    window.account_box.setCurrentIndex(window.account_box.findData(sandbox_account_id(provider)))


async def until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Await ``condition()`` turning true on the qasync loop (qtbot.waitUntil would block it)."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


def next_turn() -> QTimer:
    """A zero timer started now: its ``timeout`` comes after every timer already due, so
    waiting for it waits out the event-loop turn that was scheduled before it."""
    timer = QTimer(singleShot=True, interval=0)
    timer.start()
    _turns.append(timer)
    timer.timeout.connect(lambda: _turns.remove(timer))
    return timer


_turns: list[QTimer] = []  # keeps the timers alive until they fire
