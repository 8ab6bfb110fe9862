"""The second toolbar row: the country of national numbers, the account, and Validate; and
the banner that says when that account is a sandbox."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QAction, QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar, QWidget

from app.domain.accounts import Account
from app.domain.campaign import Action
from app.services.context import AppContext
from app.ui.widgets.region_box import RegionBox
from app.ui.widgets.theme import is_dark

#: The banner's (background, text, border) on a light and on a dark window: amber either way,
#: the text at a contrast of 8:1 or more.
BANNER_COLOURS = {False: ("#fff3cd", "#5c4400", "#e6c35c"), True: ("#4a3b00", "#ffe08a", "#806500")}


_WINDOW, _TEXT = QPalette.ColorRole.Window, QPalette.ColorRole.WindowText


class SandboxBanner(QLabel):
    """A strip above the editor, shown while the chosen account is a built-in sandbox.

    Coloured through its palette, not a style sheet: a widget with a style sheet is not told
    when the application's palette turns light or dark.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sandboxBanner")
        self.setWordWrap(True)
        self.setAutoFillBackground(True)
        self.setContentsMargins(10, 6, 10, 7)
        self._border = QColor()
        self._restyle()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light or dark now, maybe
            self._restyle()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setPen(self._border)
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)

    def _restyle(self) -> None:
        background, text, border = (QColor(c) for c in BANNER_COLOURS[is_dark()])
        self._border = border
        palette = self.palette()
        if palette.color(_WINDOW) == background and palette.color(_TEXT) == text:
            return  # setting it again would announce another change
        palette.setColor(_WINDOW, background)
        palette.setColor(_TEXT, text)
        self.setPalette(palette)

    def show_for(self, account: Account) -> None:
        self.setVisible(account.sandbox)
        self.setText(
            "<b>Sandbox: nothing is really sent.</b> Validation and sending go to the "
            f"built-in {account.name} simulator."
        )


class AccountBar(QToolBar):
    """Where the batch is read, checked and sent: the region box, the account box,
    ``validate`` and ``send``."""

    def __init__(self, context: AppContext, region: str, validate: QAction, send: QAction) -> None:
        super().__init__("Account")
        self.context = context
        self.validate_action = validate
        self.send_action = send
        self.addWidget(QLabel(" Numbers without a country code are in "))
        self.region_box = RegionBox(region)
        self.addWidget(self.region_box)
        self.addSeparator()
        self.addWidget(QLabel(" Account "))
        self.account_box = QComboBox()
        self.account_box.setToolTip("The provider account used to validate and send")
        self.account_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.refill(context.settings.account)
        self.addWidget(self.account_box)
        accounts = context.desk.accounts
        for signal in (accounts.added, accounts.changed, accounts.removed):
            signal.connect(self._accounts_changed)
        self.addAction(validate)
        self.addAction(send)

    @property
    def account(self) -> Account:
        accounts = self.context.desk.accounts
        chosen = accounts.get(self.account_box.currentData() or "")
        return chosen if chosen is not None else accounts.accounts()[0]

    def refill(self, chosen: str) -> None:
        """List every account (the sandbox ones first) and select ``chosen`` (an id)."""
        box = self.account_box
        box.blockSignals(True)
        box.clear()
        for account in self.context.desk.accounts.accounts():
            box.addItem(account.name, account.id)
        box.setCurrentIndex(max(box.findData(chosen), 0))
        box.blockSignals(False)

    def _accounts_changed(self, _account_id: str) -> None:
        before = self.account_box.currentData()
        self.refill(before or "")
        if self.account_box.currentData() != before:
            self.account_box.currentIndexChanged.emit(self.account_box.currentIndex())

    def update_validate(self, *, running: bool, ready: bool) -> None:
        """Enable Validate when the account's provider has a validate-only run, none is
        running and there are rows (``ready``); the tooltip says why not otherwise."""
        account = self.account
        capabilities = self.context.capabilities(account.provider)
        name = capabilities.display_name if capabilities else account.name
        if capabilities is None:
            enabled, tip = False, f"The {account.name} adapter is not installed."
        elif Action.VALIDATE not in capabilities.actions:
            enabled, tip = False, f"{name} has no validate-only run: nothing to check against."
        elif running:
            enabled, tip = False, "A validation is running."
        elif not ready:
            enabled, tip = False, "Open a file or add rows first."
        else:
            enabled = True
            tip = f"Check every row with {name}'s validate-only run (nothing is sent)"
        _enable(self.validate_action, enabled, tip)
        if capabilities is None or Action.SEND not in capabilities.actions:
            _enable(self.send_action, False, f"{name} cannot send from Campaign Desk.")
        elif not ready:
            _enable(self.send_action, False, "Open a file or add rows first.")
        else:
            _enable(self.send_action, True, f"Send the rows with {account.name}, after a summary")


def _enable(action: QAction, enabled: bool, tip: str) -> None:
    action.setEnabled(enabled)
    action.setToolTip(tip)
    action.setStatusTip(tip)
