"""Provider > Send… as an operator does it: a summary of what will be sent and what will not,
then one campaign at the provider's sandbox, shown in the campaign list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication

from app.domain.campaign import CampaignStatus
from app.domain.schedule import Schedule
from app.ui.campaigns.submit_dialog import SubmitDialog
from tests.ui.conftest import choose_account, open_sample, until, wait_for

PROVIDERS = ("rocketcoms", "routee", "bulksms", "cordial", "batch")
#: Cordial and Batch send one text to an audience that lives at the provider.
AUDIENCE = ("cordial", "batch")


@pytest.fixture
async def spring(window, tmp_path):
    return await open_sample(window, tmp_path, "spring-sale.csv")


def open_dialog(window, provider: str) -> SubmitDialog:
    choose_account(window, provider)
    assert window.send_action.isEnabled(), window.send_action.toolTip()
    window.send_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, SubmitDialog)]
    assert dialogs and dialogs[-1].isVisible()
    return dialogs[-1]


async def test_the_summary_names_what_is_sent_and_what_is_not(spring):
    dialog = open_dialog(spring, "rocketcoms")
    await until(lambda: dialog.plan is not None)
    text = dialog.summary.toPlainText()
    assert "6 recipients will be sent" in text
    assert "1 row will not be sent, because of an error" in text
    assert "line 3:" in text and "wrong number of digits" in text
    assert "GB:" in text and "IE:" in text
    assert "Send now." in text
    dialog.reject()


@pytest.mark.parametrize("provider", AUDIENCE)
async def test_an_audience_provider_refuses_rows_with_different_texts(spring, provider):
    dialog = open_dialog(spring, provider)
    await until(lambda: dialog.plan is not None)
    assert not dialog.send_button.isEnabled()
    assert "one text to its whole audience" in dialog.settings_problems.text()
    dialog.reject()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_sending_makes_one_campaign_and_lists_it(spring, provider, tmp_path):
    if provider in AUDIENCE:
        one_text = tmp_path / "one-text.csv"
        one_text.write_text("phone,message\n+447400123456,Hi\n+447400123457,Hi\n")
        spring.files.open_file(one_text)
        await wait_for(spring.loaded)
    dialog = open_dialog(spring, provider)
    await until(lambda: dialog.send_button.isEnabled())
    panel = spring.campaigns
    before = panel.model.rowCount()
    done = asyncio.Event()
    dialog.submitted.connect(lambda *_: done.set())
    dialog.send_button.click()
    dialog.send_button.click()  # a second click while it goes is not a second send
    await asyncio.wait_for(done.wait(), 30)
    assert panel.model.rowCount() == before + 1
    row = panel.selected()
    assert row is not None and row.provider == provider
    assert row.provider_status, row  # the provider answered with its own status
    assert not row.overdue  # sent now: never overdue, whatever day the provider files it under
    position = panel.service.list.index_of(row.id)
    assert panel.model.index(position, 5).data() == "Now"
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed once sent


async def test_a_sent_campaign_duplicates_into_the_editor_as_a_new_batch(spring):
    dialog = open_dialog(spring, "bulksms")
    await until(lambda: dialog.send_button.isEnabled())
    done = asyncio.Event()
    dialog.submitted.connect(lambda *_: done.set())
    dialog.send_button.click()
    await asyncio.wait_for(done.wait(), 30)
    original = spring.batch
    numbers = {original.e164(r) for r in range(len(original))} - {None}
    panel = spring.campaigns
    assert panel.duplicate_action.isEnabled(), panel.duplicate_action.toolTip()
    panel.duplicate_action.trigger()
    await until(lambda: spring.document.path is None and len(spring.batch) > 0)
    assert len(spring.batch) == 6  # the six rows that were sent, not the one excluded
    assert {spring.batch.phone(r) for r in range(6)} <= numbers
    assert "in a new batch" in spring.statusBar().currentMessage()


async def test_update_from_editor_replaces_a_scheduled_routee_campaign(spring, tmp_path):
    dialog = open_dialog(spring, "routee")
    await until(lambda: dialog.send_button.isEnabled())
    dialog.picker.set_schedule(
        Schedule(start=datetime.now(UTC) + timedelta(days=2), timezone="Europe/London")
    )
    await until(lambda: dialog.send_button.isEnabled() and dialog.send_button.text() == "Schedule")
    done = asyncio.Event()
    dialog.submitted.connect(lambda *_: done.set())
    dialog.send_button.click()
    await asyncio.wait_for(done.wait(), 30)
    panel = spring.campaigns
    row = panel.selected()
    assert row is not None and row.status is CampaignStatus.SCHEDULED, row
    assert panel.update_action.isEnabled(), panel.update_action.toolTip()
    one_text = tmp_path / "fewer.csv"
    one_text.write_text("phone,message\n+447400123456,Changed text\n")
    spring.files.open_file(one_text)
    await wait_for(spring.loaded)
    panel.select(row.id)
    panel.update_action.trigger()
    update = [w for w in QApplication.topLevelWidgets() if isinstance(w, SubmitDialog)][-1]
    assert update.windowTitle() == "Update with Routee sandbox"
    await until(lambda: update.send_button.isEnabled())
    assert update.send_button.text() == "Update"
    updated = asyncio.Event()
    update.submitted.connect(lambda *_: updated.set())
    update.send_button.click()
    await asyncio.wait_for(updated.wait(), 30)
    after = panel.service.list.get(row.id)
    assert after is not None and after.recipients == 1 and after.status is CampaignStatus.SCHEDULED


async def test_a_second_send_of_the_file_is_offered_a_name_of_its_own(spring):
    dialog = open_dialog(spring, "bulksms")
    first = dialog.form.name_field.text()
    await until(lambda: dialog.send_button.isEnabled())
    done = asyncio.Event()
    dialog.submitted.connect(lambda *_: done.set())
    dialog.send_button.click()
    await asyncio.wait_for(done.wait(), 30)
    again = open_dialog(spring, "bulksms")
    assert again.form.name_field.text() == f"{first} (2)"
    again.reject()
