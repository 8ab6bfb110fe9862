"""The campaign settings a provider takes, as the send dialog shows them."""

from __future__ import annotations

from app.domain.accounts import sandbox_account_id
from app.domain.campaign_settings import validate_settings
from app.main import build_context, provider_capabilities
from app.ui.campaigns.settings_form import SettingsForm


def form_for(qtbot, provider: str) -> SettingsForm:
    context = build_context()
    account = context.desk.accounts.get(sandbox_account_id(provider))
    caps = provider_capabilities(provider)
    assert account is not None and caps is not None
    form = SettingsForm("Spring", account, caps)
    qtbot.addWidget(form)
    return form


def test_routee_takes_a_sender_under_its_rules(qtbot):
    form = form_for(qtbot, "routee")
    assert form.sender_field.isEnabled() and form.sender_field.text() == "CampDesk"
    assert not validate_settings(form.settings(), form.caps)
    form.sender_field.setText("TwelveLetter")  # 12 letters: one too many
    problems = [p for p in validate_settings(form.settings(), form.caps) if p.is_error]
    assert problems and problems[0].field == "sender"
    assert form.flash.isEnabled()  # Routee sends flash SMS
    assert form.message_callback.isEnabled()


def test_what_a_provider_lacks_is_disabled_with_its_reason(qtbot):
    form = form_for(qtbot, "rocketcoms")
    assert not form.sender_field.isEnabled() and form.sender_field.toolTip()
    assert not form.flash.isEnabled() and "flash" in form.flash.toolTip().lower()
    assert form.short_links.isEnabled()  # RocketCOMS shortens links
    assert not form.audience.isEnabled()


def test_cordial_sends_to_the_saved_audience_of_the_account(qtbot):
    form = form_for(qtbot, "cordial")
    assert form.audience.isEnabled() and form.audience.text() == "all-sms"
    assert form.settings().audience_key == "all-sms"
    form.audience.setText("")
    assert any(p.field == "audience" for p in validate_settings(form.settings(), form.caps))
