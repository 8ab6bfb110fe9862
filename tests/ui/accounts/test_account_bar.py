"""The account row and the sandbox banner on their own (the real account service of the
composition root, no window): which account is chosen, what adding and removing accounts
do to the choice, when Validate and Send are enabled and why not, and the banner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAction, QPalette

from app.domain.accounts import sandbox_account_id
from app.services.context import AppContext
from app.ui.accounts.account_bar import BANNER_COLOURS, AccountBar, SandboxBanner
from app.ui.widgets.theme import Theme, apply_theme, is_dark

SANDBOXES = [
    "RocketCOMS sandbox",
    "Routee sandbox",
    "BulkSMS sandbox",
    "Cordial sandbox",
    "Batch sandbox",
]


@pytest.fixture
def make_bar(qtbot, context: AppContext):
    def make() -> AccountBar:
        bar = AccountBar(context, "GB", QAction("Validate"), QAction("Send"))
        qtbot.addWidget(bar)
        return bar

    return make


def choose(bar: AccountBar, account_id: str) -> None:
    bar.account_box.setCurrentIndex(bar.account_box.findData(account_id))


def names(bar: AccountBar) -> list[str]:
    return [bar.account_box.itemText(i) for i in range(bar.account_box.count())]


def add_own(context: AppContext) -> str:
    return context.desk.accounts.add(
        "bulksms",
        "Shop BulkSMS",
        "https://api.bulksms.com/v1",
        {"username": "shop", "password": "s3cret"},
    ).id


def test_every_account_is_listed_and_the_one_last_chosen_is_selected(context, make_bar):
    context.settings.account = sandbox_account_id("bulksms")
    bar = make_bar()
    assert names(bar) == SANDBOXES
    assert bar.account.id == sandbox_account_id("bulksms") and bar.account.sandbox
    assert bar.region_box.region() == "GB"


def test_an_unknown_last_choice_falls_back_to_the_first_account(context, make_bar):
    context.settings.account = "gone-account"
    bar = make_bar()
    assert bar.account_box.currentIndex() == 0 and bar.account.name == "RocketCOMS sandbox"


def test_choosing_an_account_makes_it_the_account(make_bar):
    bar = make_bar()
    choose(bar, sandbox_account_id("cordial"))
    assert bar.account.name == "Cordial sandbox"


def test_an_account_added_is_listed_and_the_choice_stays(context, make_bar, qtbot):
    bar = make_bar()
    choose(bar, sandbox_account_id("routee"))
    changes: list[int] = []
    bar.account_box.currentIndexChanged.connect(changes.append)
    own = add_own(context)
    assert names(bar) == [*SANDBOXES, "Shop BulkSMS"]
    assert bar.account.name == "Routee sandbox" and changes == []
    choose(bar, own)
    assert bar.account.id == own and not bar.account.sandbox
    changes.clear()
    context.desk.accounts.remove(own)  # the chosen account goes: the first is chosen, and said
    assert names(bar) == SANDBOXES
    assert bar.account.name == "RocketCOMS sandbox" and changes == [0]


def test_validate_and_send_are_enabled_only_when_they_can_run(make_bar):
    bar = make_bar()
    validate, send = bar.validate_action, bar.send_action
    bar.update_validate(running=False, ready=False)
    assert not validate.isEnabled() and validate.toolTip() == "Open a file or add rows first."
    assert not send.isEnabled() and send.toolTip() == "Open a file or add rows first."
    bar.update_validate(running=False, ready=True)
    assert validate.isEnabled() and send.isEnabled()
    assert validate.toolTip() == (
        "Check every row with RocketCOMS's validate-only run (nothing is sent)"
    )
    assert validate.statusTip() == validate.toolTip()
    assert send.toolTip() == "Send the rows with RocketCOMS sandbox, after a summary"
    bar.update_validate(running=True, ready=True)
    assert not validate.isEnabled() and validate.toolTip() == "A validation is running."
    assert send.isEnabled()


def test_a_provider_without_a_validate_only_run_says_so(make_bar):
    bar = make_bar()
    choose(bar, sandbox_account_id("batch"))
    bar.update_validate(running=False, ready=True)
    assert not bar.validate_action.isEnabled()
    assert bar.validate_action.toolTip() == (
        "Batch has no validate-only run: nothing to check against."
    )
    assert bar.send_action.isEnabled()


@pytest.fixture
def banner(qtbot) -> Iterator[SandboxBanner]:
    made = SandboxBanner()
    qtbot.addWidget(made)
    made.show()
    yield made
    apply_theme(Theme.SYSTEM)  # the palette is the application's, which outlives the test


def test_the_banner_shows_for_a_sandbox_account_only(banner, context):
    accounts = context.desk.accounts
    banner.show_for(accounts.get(sandbox_account_id("routee")))
    assert banner.isVisible()
    assert banner.text() == (
        "<b>Sandbox: nothing is really sent.</b> Validation and sending go to the "
        "built-in Routee sandbox simulator."
    )
    banner.show_for(accounts.get(add_own(context)))
    assert banner.isHidden()


def test_the_banner_is_amber_on_light_and_on_dark(banner, qtbot):
    for theme in (Theme.LIGHT, Theme.DARK, Theme.LIGHT):
        apply_theme(theme)
        dark = theme is Theme.DARK
        qtbot.waitUntil(lambda dark=dark: is_dark() == dark)
        background, text, _ = BANNER_COLOURS[dark]
        qtbot.waitUntil(
            lambda background=background: (
                banner.palette().color(QPalette.ColorRole.Window).name() == background
            )
        )
        assert banner.palette().color(QPalette.ColorRole.WindowText).name() == text
