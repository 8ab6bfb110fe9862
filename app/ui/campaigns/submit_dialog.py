"""Provider > Send…: the campaign's name and sender, when it goes out, and a summary of what
will be sent (and what will not, and why) before the final confirm."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.accounts import Account
from app.domain.batch import Batch
from app.domain.campaign import Capabilities
from app.domain.campaign_settings import CampaignSettings, validate_settings
from app.domain.schedule import describe
from app.domain.wording import counted
from app.services.campaigns import CampaignService
from app.services.context import AppContext
from app.services.jobs import Job
from app.services.submit import CampaignSpec, SubmitPlan, build_spec, plan_steps, submit, summary
from app.ui.campaigns.settings_form import SettingsForm
from app.ui.schedule.picker import SchedulePicker
from app.ui.widgets.jobs import QtRunner


class SubmitDialog(QDialog):
    """``submitted(campaign_id, sentence)`` once the provider answered the send."""

    submitted = Signal(int, str)

    def __init__(
        self,
        batch: Batch,
        name: str,
        account: Account,
        caps: Capabilities,
        campaigns: CampaignService,
        runner: QtRunner,
        parent: QWidget | None = None,
        *,
        updating: int | None = None,
    ) -> None:
        """``updating``: the campaign whose rows, settings and schedule these replace (its
        provider's update: RocketCOMS while Created, Routee while Scheduled, Cordial while a
        draft...), instead of a new campaign."""
        super().__init__(parent)
        self.updating = updating
        verb = "Update" if updating is not None else "Send"
        self.setWindowTitle(f"{verb} with {account.name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # made anew each time
        self.batch, self.account, self.caps, self.campaigns = batch, account, caps, campaigns
        self.plan: SubmitPlan | None = None
        self._task: asyncio.Future[None] | None = None
        self.form = SettingsForm(name, account, caps)
        self.settings_problems = QLabel(wordWrap=True, styleSheet="color: #c0392b")
        self.picker = SchedulePicker(self)
        self.picker.set_capabilities(caps)
        self.summary = QPlainTextEdit(readOnly=True)
        self.summary.setPlaceholderText("Counting what will be sent…")
        self.summary.setMinimumHeight(120)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.hide()
        self._storing = False
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = QPushButton("Send")
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        # settings beside the schedule: stacked, they were taller than a 768-pixel screen
        settings = QVBoxLayout()
        settings.addWidget(QLabel(f"Account: <b>{account.name}</b>"))
        settings.addWidget(self.form)
        settings.addWidget(self.settings_problems)
        settings.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(settings, 1)
        columns.addWidget(self.picker, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(QLabel("<b>Summary</b>"))
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.send_button.clicked.connect(self.confirm)
        self.form.changed.connect(self.refresh)
        self.picker.scheduleChanged.connect(lambda _: self.refresh())
        self._plan_job: Job = runner.start(plan_steps(batch), self._planned)
        self.resize(1180, 620)
        self.refresh()

    def _planned(self, plan: SubmitPlan) -> None:
        self.plan = plan
        self.picker.set_recipients(len(plan.recipients))
        self.refresh()

    def settings(self) -> CampaignSettings:
        return self.form.settings()

    def problems(self) -> list[str]:
        """What stops the send now, as sentences (empty: it can go)."""
        found = [p.message for p in validate_settings(self.settings(), self.caps) if p.is_error]
        if self.plan is not None:
            found += self.plan.problems(self.caps)
        return found

    def refresh(self) -> None:
        problems = self.problems()
        self.settings_problems.setText("\n".join(problems))
        self.settings_problems.setVisible(bool(problems))
        schedule = self.picker.schedule()
        ready = self.plan is not None and not problems and self._task is None
        ready = ready and not any(p.is_error for p in self.picker.problems())
        self.send_button.setEnabled(ready)
        later = schedule is not None and schedule.start is not None
        words = "Update" if self.updating is not None else "Schedule" if later else "Send"
        self.send_button.setText(words)
        if self.plan is None:
            return
        prices = self.batch.settings.prices
        lines = summary(self.plan, self.caps, prices.format(self.plan.cost))
        lines.append(describe(schedule) if schedule is not None else "Pick when it goes out.")
        lines.append("By country:")
        lines += [
            f"  {country}: {counted(c.rows, 'row')}, {counted(c.segments, 'segment')}, "
            f"{prices.format(c.cost)}"
            for country, c in self.plan.by_country.items()
        ]
        self.summary.setPlainText("\n".join(lines))

    def confirm(self) -> None:
        if not self.send_button.isEnabled() or self.plan is None:
            return
        spec = build_spec(self.plan, self.settings(), self.caps, self.picker.schedule())
        self.send_button.setEnabled(False)
        self.send_button.setText("Sending…")
        self.progress.setRange(0, max(spec.count, 1))
        self.progress.setValue(0)
        self.progress.show()
        self._storing = True
        currency = self.batch.totals.currency
        self._task = asyncio.ensure_future(self._submit(spec, currency))

    async def _submit(self, spec: CampaignSpec, currency: str) -> None:
        plan = self.plan
        assert plan is not None
        if self.updating is None:
            try:
                campaign, result = await submit(
                    self.campaigns,
                    self.account.id,
                    spec,
                    plan,
                    currency,
                    stored=lambda done, _total: self.progress.setValue(done),
                    sending=self._sending,
                )
            except asyncio.CancelledError:
                return  # cancelled while its rows were stored: nothing was sent, no draft kept
        else:
            campaign = self.updating
            result = await self.campaigns.update(
                campaign, spec, segments=plan.segments, cost_micros=plan.cost, currency=currency
            )
        self.submitted.emit(campaign, result.message)
        self.accept()

    def _sending(self) -> None:
        """The provider is being asked: from now on Cancel no longer stops it (the answer
        decides, and a lost answer is settled with the provider, never sent twice)."""
        self._storing = False
        self.progress.setRange(0, 0)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(False)

    def reject(self) -> None:
        if self._task is not None and not self._storing:
            return  # the send is with the provider: wait for its answer
        if self._task is not None:
            self._task.cancel()
        self._plan_job.cancel()
        super().reject()


def send_dialog(
    context: AppContext,
    batch: Batch,
    name: str,
    account: Account,
    runner: QtRunner,
    parent: QWidget,
    updating: int | None = None,
) -> SubmitDialog | None:
    """The dialog that sends ``batch`` with ``account``, or with ``updating`` puts it in that
    campaign (then with the campaign's own account); None when that account is gone."""
    desk = context.desk
    record = desk.campaigns.record(updating) if updating is not None else None
    chosen = desk.accounts.get(record.account_id) if record is not None else account
    caps = context.capabilities(chosen.provider) if chosen is not None else None
    if chosen is None or caps is None:
        return None
    if updating is None:
        name = desk.campaigns.unused_name(chosen.id, name)
    return SubmitDialog(
        batch, name, chosen, caps, desk.campaigns, runner, parent, updating=updating
    )
