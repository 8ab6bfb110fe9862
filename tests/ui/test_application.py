"""The application shell: the composition root's context and the error hook."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from app.providers.registry import PROVIDERS
from app.ui.application import report_exception


def test_context_has_a_sandbox_account_per_provider(context):
    accounts = context.desk.accounts.accounts()
    assert [a.provider for a in accounts] == list(PROVIDERS)
    assert all(a.sandbox and a.base_url.startswith("http://sandbox.invalid") for a in accounts)
    assert all("sandbox" not in repr(a.credentials) for a in accounts)


def test_an_unknown_chosen_account_falls_back_to_the_first(window):
    window.account_bar.refill("no-such-account")
    assert window.account == window.context.desk.accounts.accounts()[0]


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
