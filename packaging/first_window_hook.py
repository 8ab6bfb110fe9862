"""PyInstaller runtime hook: time the bundle's start to its first window (packaging/smoke.py).

With ``CAMPAIGN_DESK_QUIT_AFTER_FIRST_WINDOW=1`` in the environment, the app prints
``first-window-epoch=<seconds since the epoch>`` when its first window is exposed, then closes
that window as an operator would, so it quits through its normal shutdown. Without it (as
operators run the app) this hook imports nothing and changes nothing.

Runtime hooks run before the app's own code, so this one replaces ``QApplication`` with a
subclass that watches for the first exposed window; the app's own modules import that name
afterwards and create the subclass without knowing it.
"""

import os


def _watch_first_window() -> None:
    import time

    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtGui import QWindow

    class FirstWindow(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Expose
                and isinstance(watched, QWindow)
                and watched.isExposed()
            ):
                print(f"first-window-epoch={time.time():.3f}", flush=True)
                application = QtWidgets.QApplication.instance()
                if application is not None:
                    application.removeEventFilter(self)
                QTimer.singleShot(0, _close_windows)
            return False

    def _close_windows() -> None:
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if widget.isVisible():
                widget.close()

    class TimedApplication(QtWidgets.QApplication):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            self._first_window = FirstWindow(self)
            self.installEventFilter(self._first_window)

    QtWidgets.QApplication = TimedApplication


# popped, so that the sandbox child this app starts does not inherit it
if os.environ.pop("CAMPAIGN_DESK_QUIT_AFTER_FIRST_WINDOW", "") == "1":
    _watch_first_window()
