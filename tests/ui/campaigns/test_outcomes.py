"""A campaign's outcomes on their own (the model and the dialog over the real campaign
service, store and in-process sandbox, no panel): the rows a page at a time, the filter by
status, the counts, and the export's answers, cancelled or refused by the disk."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.domain.outcomes import OutcomeStatus
from app.ui.campaigns import outcomes as outcomes_module
from app.ui.campaigns.outcomes import HEADERS, OutcomeModel, OutcomesDialog
from tests.services.rig import account_of, rows, spec_for
from tests.services.test_outcomes import sent_and_done
from tests.ui.conftest import until


async def test_the_model_lists_every_outcome_at_its_row_and_filters_by_status(desk, qtmodeltester):
    campaign = await sent_and_done(desk, "rocketcoms")
    model = OutcomeModel(desk.campaigns, campaign)
    qtmodeltester.check(model, force_py=True)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == list(HEADERS)
    assert model.rowCount() == 6
    # The rows' file lines, as the editor numbers them.
    assert sorted(model.index(r, 0).data() for r in range(6)) == ["2", "3", "4", "5", "6", "7"]
    model.set_statuses(frozenset({OutcomeStatus.FAILED}))
    assert model.rowCount() == 1
    failed = [model.index(0, c).data() for c in range(6)]
    assert failed[:3] == ["6", "+999123456789", "Failed"]  # the bad number, on line 6
    assert failed[3]  # the provider's own word
    model.set_statuses(frozenset())
    assert model.rowCount() == 6


async def test_outcomes_beyond_the_first_page_are_read_as_they_are_shown(desk, monkeypatch):
    monkeypatch.setattr(outcomes_module, "PAGE", 4)  # pages of 4: the 6 rows take two
    campaign = await sent_and_done(desk, "rocketcoms")
    model = OutcomeModel(desk.campaigns, campaign)
    shown = [model.index(r, 1).data() for r in range(model.rowCount())]
    stored = [o.phone for o in desk.campaigns.outcome_page(campaign, 0, 10)]
    assert shown == stored and len(shown) == 6


async def test_the_dialog_counts_filters_and_exports(desk, qtbot, tmp_path):
    campaign = await sent_and_done(desk, "rocketcoms")
    dialog = OutcomesDialog(desk.campaigns, desk.campaigns.list.get(campaign))
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Outcomes of Spring"
    counts = desk.campaigns.outcome_counts(campaign)
    assert dialog.counts.text() == " · ".join(
        f"{counts.get(s, 0):,} {s.value}" for s in OutcomeStatus
    )
    assert dialog.export_button.isEnabled()
    dialog.status_box.setCurrentIndex(dialog.status_box.findData(OutcomeStatus.FAILED))
    assert dialog.model.rowCount() == 1
    dialog.export_to(tmp_path / "failed.csv")
    assert not dialog.export_button.isEnabled() and not dialog.progress.isHidden()
    await until(lambda: dialog.said.text() == "Exported 1 outcome to failed.csv.")
    assert dialog.export_button.isEnabled() and dialog.progress.isHidden()
    assert len((tmp_path / "failed.csv").read_text(encoding="utf-8").splitlines()) == 2


async def test_an_export_the_disk_refuses_says_so(desk, qtbot, tmp_path):
    campaign = await sent_and_done(desk, "rocketcoms")
    dialog = OutcomesDialog(desk.campaigns, desk.campaigns.list.get(campaign))
    qtbot.addWidget(dialog)
    dialog.export_to(tmp_path / "no such folder" / "all.csv")
    await until(lambda: "was not written" in dialog.said.text())
    assert dialog.said.text().startswith("all.csv was not written: ")
    assert dialog.export_button.isEnabled() and dialog.cancel_button.isHidden()


async def test_an_export_cancelled_says_so_and_can_run_again(desk, qtbot, tmp_path):
    campaign = await sent_and_done(desk, "rocketcoms")
    dialog = OutcomesDialog(desk.campaigns, desk.campaigns.list.get(campaign))
    qtbot.addWidget(dialog)
    dialog.export_to(tmp_path / "all.csv")
    dialog.cancel_button.click()  # before its first batch is written
    await until(lambda: dialog.said.text() != "")
    assert "cancel" in dialog.said.text().lower()
    assert dialog.export_button.isEnabled() and dialog.cancel_button.isHidden()
    dialog.export_to(tmp_path / "all.csv")
    await until(lambda: dialog.said.text() == "Exported 6 outcomes to all.csv.")


async def test_a_campaign_with_no_outcome_yet_says_when_they_come(desk, qtbot):
    campaign = await desk.campaigns.create_draft(
        account_of("rocketcoms"), spec_for("rocketcoms", recipients=rows(count=2))
    )
    dialog = OutcomesDialog(desk.campaigns, desk.campaigns.list.get(campaign))
    qtbot.addWidget(dialog)
    assert dialog.counts.text() == (
        "No outcome is known yet: the provider reports them once the campaign ends."
    )
    assert dialog.model.rowCount() == 0 and not dialog.export_button.isEnabled()
