"""The campaign list as an operator uses it: a row per campaign, only the actions its status
allows (with the reason as the tooltip otherwise), destructive ones asked first."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from app.domain.campaign import Action, CampaignStatus
from app.domain.outcomes import OutcomeStatus
from app.ui.campaigns.panel import CampaignsPanel
from app.ui.widgets.dialogs import Dialogs
from tests.services.rig import account_of, spec_for
from tests.services.test_outcomes import sent_and_done
from tests.ui.conftest import until

S = CampaignStatus


@pytest.fixture
def panel(qtbot, desk):
    host = QWidget()
    qtbot.addWidget(host)
    made = CampaignsPanel(desk.campaigns, desk.follower, Dialogs(host))
    qtbot.addWidget(made)
    yield made
    made.stop()


async def draft(desk, provider: str = "rocketcoms", name: str = "Spring") -> int:
    spec = spec_for(provider, name=name, key=f"key-{name}")
    return await desk.campaigns.create_draft(account_of(provider), spec)


async def finished(panel: CampaignsPanel) -> str:
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def seen(_id: int, _action: str, _ok: bool, sentence: str) -> None:
        if not done.done():
            done.set_result(sentence)

    panel.service.action_finished.connect(seen)
    try:
        return await asyncio.wait_for(done, 20)
    finally:
        panel.service.action_finished.disconnect(seen)


async def test_a_draft_shows_and_only_its_actions_are_enabled(panel, desk):
    campaign = await draft(desk, "cordial")
    assert panel.model.rowCount() == 1
    assert panel.model.index(0, 0).data() == "Spring"
    assert panel.model.index(0, 3).data() == "Draft"
    panel.select(campaign)
    send, cancel = panel.actions_by_kind[Action.SEND], panel.actions_by_kind[Action.CANCEL]
    pause = panel.actions_by_kind[Action.PAUSE]
    assert send.isEnabled()
    assert not cancel.isEnabled()
    assert "cancel only when" in cancel.toolTip() and "Draft" in cancel.toolTip()
    assert not pause.isEnabled() and "pause only when" in pause.toolTip()


async def test_sending_shows_in_flight_once_and_lands_one_campaign(panel, desk):
    campaign = await draft(desk)
    panel.select(campaign)
    send = panel.actions_by_kind[Action.SEND]
    send.trigger()
    assert not send.isEnabled()  # in flight: a second click cannot start it again
    assert "Already" in send.toolTip()
    send.trigger()
    sentence = await finished(panel)
    assert sentence and sentence.endswith(".")
    assert await desk.at_sandbox("rocketcoms") == 1
    assert panel.model.row(0).status in {S.SENDING, S.SCHEDULED, S.COMPLETED}
    assert "RocketCOMS says:" in panel.model.index(0, 3).data(3)  # the provider's own word


async def test_cancel_and_delete_ask_first_and_say_it_cannot_be_undone(panel, desk):
    campaign = await draft(desk)
    panel.select(campaign)
    panel.actions_by_kind[Action.DELETE].trigger()
    box = panel.dialogs.last
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "cannot be undone" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    assert panel.model.rowCount() == 1  # kept
    panel.actions_by_kind[Action.DELETE].trigger()
    panel.dialogs.last.button(QMessageBox.StandardButton.Yes).click()
    await finished(panel)
    assert panel.model.rowCount() == 0


async def test_the_filter_and_find_narrow_the_list(panel, desk):
    await draft(desk, "rocketcoms", "Spring")
    await draft(desk, "bulksms", "Autumn")
    assert panel.model.rowCount() == 2
    panel.find_field.setText("autu")
    assert [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())] == ["Autumn"]
    panel.find_field.clear()
    panel.provider_box.setCurrentIndex(panel.provider_box.findData("rocketcoms"))
    assert [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())] == ["Spring"]
    panel.provider_box.setCurrentIndex(0)
    panel.account_box.setCurrentIndex(panel.account_box.findData(account_of("bulksms")))
    assert [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())] == ["Autumn"]


async def test_outcomes_are_listed_filtered_and_exported(panel, desk, tmp_path):
    campaign = await sent_and_done(desk, "rocketcoms")
    panel.select(campaign)
    dialog = panel.show_outcomes()
    assert dialog is not None and dialog.model.rowCount() == 6
    assert "failed" in dialog.counts.text()
    dialog.status_box.setCurrentIndex(dialog.status_box.findData(OutcomeStatus.FAILED))
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 2).data() == "Failed"
    target = tmp_path / "failed.csv"
    dialog.export_to(target)
    await until(lambda: "Exported" in dialog.said.text())
    assert dialog.said.text() == "Exported 1 outcome to failed.csv."
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("row,line,phone,status") and len(lines) == 2
