"""Provider > Accounts…: add, edit, remove and test the accounts of every provider.

The form is laid out from the provider's :class:`AccountForm` (its credential fields and the
options its adapter reads). Secrets are typed into masked fields and go straight to the
account service (the OS keyring); a stored secret is never shown back, an empty field keeps
it. The built-in sandbox accounts can be renamed but not removed or pointed elsewhere.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.accounts import Account
from app.services.accounts import PROVIDERS, AccountError, AccountForm, AccountService, FormField


class AccountsDialog(QDialog):
    def __init__(self, accounts: AccountService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accounts")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # made anew each time
        self.service = accounts
        self.form: AccountForm | None = None
        self.editing: Account | None = None  # None: a new account of ``self.form``
        self.fields: dict[str, QLineEdit] = {}
        self._task: asyncio.Future[None] | None = None
        self.list = QListWidget()
        self.list.setMinimumWidth(220)
        self.add_button = QPushButton("Add…")
        menu = QMenu(self.add_button)
        for key, entry in PROVIDERS.items():
            menu.addAction(entry.display_name, lambda k=key: self.start_new(k))
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton("Remove")
        # first of all, when secrets cannot outlive this run (no keyring here)
        self.notice = QLabel(accounts.secrets_notice, wordWrap=True)
        self.notice.setVisible(bool(self.notice.text()))
        self.form_box = QWidget()
        self.form_layout = QFormLayout(self.form_box)
        self.requirements = QLabel(wordWrap=True)
        self.result = QLabel(wordWrap=True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("Test Connection")
        self.save_button = QPushButton("Save")
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        right = QVBoxLayout()
        right.addWidget(self.form_box)
        right.addWidget(self.requirements)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        right.addLayout(actions)
        right.addWidget(self.result)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(body, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.list.currentItemChanged.connect(self._chosen)
        self.remove_button.clicked.connect(self.remove)
        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        self.resize(820, 480)
        self.fill()

    # -- the list ------------------------------------------------------------------------------
    def fill(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for account in self.service.accounts():
            item = QListWidgetItem(account.name)
            item.setData(Qt.ItemDataRole.UserRole, account.id)
            self.list.addItem(item)
            if account.id == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._chosen()

    def _chosen(self) -> None:
        item = self.list.currentItem()
        account = self.service.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        if account is not None:
            self.show_account(account)

    def show_account(self, account: Account) -> None:
        self.editing = account
        self._lay_out(AccountService.form(account.provider), account)
        self.remove_button.setEnabled(not account.sandbox)
        self.remove_button.setToolTip(
            "A built-in sandbox account cannot be removed: it sends nothing real."
            if account.sandbox
            else f"Remove {account.name} and its secrets"
        )

    def start_new(self, provider: str) -> None:
        self.editing = None
        self.list.clearSelection()
        self._lay_out(AccountService.form(provider), None)
        self.fields["name"].setFocus()

    def _lay_out(self, form: AccountForm, account: Account | None) -> None:
        self.form = form
        while self.form_layout.rowCount():
            self.form_layout.removeRow(0)
        self.fields = {}
        sandbox = account is not None and account.sandbox
        self.form_layout.addRow("Provider", QLabel(form.display_name))
        self._field("name", "Name", account.name if account else f"My {form.display_name}")
        url = self._field(
            "base_url", "Address", account.base_url if account else form.default_base_url
        )
        url.setEnabled(not sandbox)
        for spec in form.credentials:
            field = self._field(spec.key, spec.label, "" if spec.masked else _shown(account, spec))
            if spec.masked:
                field.setEchoMode(QLineEdit.EchoMode.Password)
                if account is not None:
                    field.setPlaceholderText(self._kept_words(sandbox))
            field.setEnabled(not sandbox)
            if sandbox:
                field.setToolTip("The sandbox takes its own credentials.")
        for spec in form.options:
            value = account.options.get(spec.key, "") if account else ""
            self._field(spec.key, spec.label, value).setToolTip(spec.help)
        self.requirements.setText(form.requirements)
        self.requirements.setVisible(bool(form.requirements))
        self.result.clear()

    def _kept_words(self, sandbox: bool) -> str:
        if sandbox:
            return "the sandbox's own"
        where = "the keyring" if self.service.secrets_persistent else "memory, for this run"
        return f"unchanged (kept in {where})"

    def _field(self, key: str, label: str, value: str) -> QLineEdit:
        field = QLineEdit(value)
        self.fields[key] = field
        self.form_layout.addRow(label, field)
        return field

    # -- what the buttons do ---------------------------------------------------------------
    def values(self) -> tuple[str, str, dict[str, str], dict[str, str]]:
        assert self.form is not None
        text = {key: field.text().strip() for key, field in self.fields.items()}
        credentials = {f.key: text[f.key] for f in self.form.credentials}
        options = {f.key: text[f.key] for f in self.form.options if text[f.key]}
        return text["name"], text["base_url"], credentials, options

    def save(self) -> None:
        assert self.form is not None
        name, base_url, credentials, options = self.values()
        try:
            if self.editing is None:
                account = self.service.add(self.form.provider, name, base_url, credentials, options)
            elif self.editing.sandbox:
                account = self.service.edit(self.editing.id, name=name, options=options)
            else:
                account = self.service.edit(
                    self.editing.id,
                    name=name,
                    base_url=base_url,
                    credentials=credentials,
                    options=options,
                )
        except AccountError as error:
            self._say(str(error), ok=False, field=error.field)
            return
        self.fill(select=account.id)
        self._say(f"Saved {account.name}.", ok=True)

    def remove(self) -> None:
        if self.editing is None:
            return
        try:
            self.service.remove(self.editing.id)
        except AccountError as error:
            self._say(str(error), ok=False)
            return
        self.fill()

    def test_connection(self) -> None:
        assert self.form is not None
        name, base_url, credentials, options = self.values()
        try:
            if self.editing is not None and self.editing.sandbox:
                account = self.editing
            else:
                kept = self.editing.credentials if self.editing else {}
                filled = {k: v or str(kept.get(k, "")) for k, v in credentials.items()}
                account = self.service.draft(
                    self.form.provider,
                    name,
                    base_url,
                    filled,
                    options,
                    account_id=self.editing.id if self.editing else None,
                )
        except AccountError as error:
            self._say(str(error), ok=False, field=error.field)
            return
        self.test_button.setEnabled(False)
        self._say(f"Asking {self.form.display_name}…", ok=True)
        self._task = asyncio.ensure_future(self._test(account))

    async def _test(self, account: Account) -> None:
        try:
            check = await self.service.test_connection(account)
        finally:
            self.test_button.setEnabled(True)
            self._task = None
        self._say(check.message, ok=check.ok)

    def _say(self, text: str, *, ok: bool, field: str | None = None) -> None:
        self.result.setText(text)
        self.result.setStyleSheet("" if ok else "color: #c0392b")
        if field in self.fields:
            self.fields[field].setFocus()

    def reject(self) -> None:
        if self._task is not None:
            self._task.cancel()
        super().reject()


def _shown(account: Account | None, spec: FormField) -> str:
    """An unmasked credential (an application id, say) as stored, for editing."""
    return str(account.credentials.get(spec.key, "")) if account is not None else ""
