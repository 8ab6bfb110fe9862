"""Validate with provider, on the qasync loop, against the in-process sandbox."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.accounts import Secret
from app.providers.registry import make_provider
from app.providers.transport import Transport, make_client
from app.sandbox.inprocess import SandboxTransport
from app.services.columns import Field
from app.services.problems import Source
from tests.ui.conftest import choose_account, open_sample, wait_for


@pytest.fixture
async def needs_fixing(window, tmp_path):
    return await open_sample(window, tmp_path, "needs-fixing.csv")


async def test_rocketcoms_validation_lands_on_the_editor_rows(needs_fixing):
    window = needs_fixing
    choose_account(window, "rocketcoms")
    assert window.validate_action.isEnabled()
    window.validate_action.trigger()
    assert window.progress.cancel_button.isVisibleTo(window)
    await wait_for(window.validation_finished)
    panel = window.error_panel.model
    found = [(r, e.line, e.code) for r, e in panel.listed() if e.source is Source.PROVIDER]
    # The sandbox refuses the empty message (file line 8) and the 1,754-character one (line 9).
    assert [(row, line) for row, line, _ in found] == [(6, 8), (7, 9)]
    assert "RocketCOMS sandbox: 2 problems in 8 rows" in window.statusBar().currentMessage()
    assert not window.progress.cancel_button.isVisibleTo(window)

    row = window.error_panel.model
    provider_view_row = next(
        i for i in range(row.rowCount()) if row.entry(i).source is Source.PROVIDER
    )
    window.error_panel.view.activated.emit(row.index(provider_view_row, 0))
    assert window.editor.view.currentIndex().row() == 6

    # Fixing the row drops the provider's verdict on it (it was about the old text).
    message = window.model.index(6, window.model.column_of(Field.MESSAGE))
    window.model.setData(message, "Your code is 1234.")
    await wait_for(window.error_panel.model.rowsRemoved, timeout=5)
    rows = [r for r, e in panel.listed() if e.source is Source.PROVIDER]
    assert rows == [7]


async def test_validation_can_be_cancelled(needs_fixing):
    window = needs_fixing
    window.validate_action.trigger()
    window.cancel_running()
    assert not window.progress.cancel_button.isVisibleTo(window)
    assert window.validate_action.isEnabled()
    assert not any(e.source is Source.PROVIDER for e in window.error_panel.model.entries)


async def test_provider_error_is_one_clear_sentence(needs_fixing):
    window = needs_fixing
    transport = Transport(make_client(SandboxTransport()))
    wrong = {"api_key": Secret("wrong"), "api_secret": Secret("wrong")}
    window.context.make_provider = lambda account: make_provider(
        replace(account, credentials=wrong), transport
    )
    choose_account(window, "rocketcoms")
    window.validate_action.trigger()
    await wait_for(window.validation_finished)
    box = window.dialogs.last
    assert box.isVisible() and "validation failed" in box.windowTitle()
    assert "Traceback" not in box.text() and "wrong" not in box.text()
    assert box.text().endswith(".")
    await transport.aclose()


def test_validate_is_disabled_with_the_reason_when_the_provider_has_none(window):
    choose_account(window, "batch")
    assert not window.validate_action.isEnabled()
    assert window.validate_action.toolTip() == (
        "Batch has no validate-only run: nothing to check against."
    )
    assert "Batch sandbox" in window.banner.text()
    assert window.context.settings.account == "sandbox-batch"


def test_recipients_are_the_rows_with_a_number_built_on_demand(context):
    from app.domain.batch import Batch, RowData
    from app.providers.base import map_issues_to_rows
    from app.providers.issues import ProviderIssue
    from app.services.validation import recipients_steps

    batch = Batch(context.batch_settings(context.settings))
    batch.insert_rows(
        0,
        [
            RowData("+447400123456", "one", line=2),
            RowData("nonsense", "two", line=3),
            RowData("+447400123457", "three", line=5),
        ],
    )
    steps = recipients_steps(batch)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            recipients = done.value
            break
    assert len(recipients) == 2 and recipients.skipped == 1
    assert [(r.row, r.line, r.phone, r.message) for r in recipients] == [
        (0, 2, "+447400123456", "one"),
        (2, 5, "+447400123457", "three"),
    ]
    assert recipients[1] == list(recipients)[1]
    issues = [ProviderIssue("B", "b", index=1), ProviderIssue("X", "x", index=7)]
    placed = map_issues_to_rows(issues, recipients)
    assert [(i.code, i.row, i.line) for i in placed] == [("B", 2, 5), ("X", None, None)]
