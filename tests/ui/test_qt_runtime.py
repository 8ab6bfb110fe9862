"""The installed Qt binding keeps Python's reference counts straight.

PySide6-Essentials 6.12.0 drops a reference to ``True`` and ``None`` on every signal emit, and
the interpreter aborts ("bool_dealloc") once the count runs out: a window dies after a few
hundred thousand events. This test fails on such a binding long before that.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    anything = Signal(object)


def test_signal_emits_keep_true_and_none_alive(qapp):
    emitter = _Emitter()
    received: list[object] = []
    emitter.flag.connect(received.append)
    emitter.anything.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(2000):
        emitter.flag.emit(True)
        emitter.anything.emit(None)
    received.clear()
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert after[0] >= before[0] - 50, "the Qt binding leaks references to True"
    assert after[1] >= before[1] - 50, "the Qt binding leaks references to None"
