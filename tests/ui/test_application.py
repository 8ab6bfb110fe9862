"""The application shell: the composition root's context and the error hook."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from app.providers.registry import PROVIDERS
from app.ui.application import report_exception


def test_context_has_a_sandbox_account_per_provider(context):
    assert [a.provider for a in context.accounts] == list(PROVIDERS)
    assert all(
        a.sandbox and a.base_url.startswith("http://sandbox.invalid") for a in context.accounts
    )
    assert all("sandbox" not in repr(a.credentials) for a in context.accounts)
    assert context.account("nope") is context.accounts[0]


def test_unexpected_errors_are_shown_to_the_user(qtbot):
    try:
        raise RuntimeError("the disk is full")
    except RuntimeError:
        report_exception(*sys.exc_info())
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    box = next(b for b in boxes if "the disk is full" in b.text())
    assert box.isVisible()
    assert "Traceback" in box.detailedText()
    box.close()
