"""A campaign's settings as its provider takes them: name, sender, short links, flash, the
audience, callbacks. What the provider lacks is disabled, its reason as the tooltip."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QWidget

from app.domain.accounts import Account
from app.domain.campaign import Capabilities
from app.domain.campaign_settings import (
    AudienceKind,
    Callback,
    CampaignSettings,
    Targeting,
    default_settings,
)


class SettingsForm(QWidget):
    """``changed`` whenever a field changes; :meth:`settings` gives what the form says."""

    changed = Signal()

    def __init__(
        self, name: str, account: Account, caps: Capabilities, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.caps = caps
        rules = caps.settings
        self.defaults = default_settings(caps, name, account.options)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.name_field = QLineEdit(self.defaults.name)
        self.name_field.setToolTip(rules.name.note)
        layout.addRow("Campaign name", self.name_field)
        self.sender_field = QLineEdit(self.defaults.sender or "")
        _offer(self.sender_field, rules.sender.offered, rules.sender.note)
        if not rules.sender.offered:
            self.sender_field.setPlaceholderText(rules.sender.note)
        layout.addRow("Sender", self.sender_field)
        self.short_links = QCheckBox("Shorten links (each counts as a short link's length)")
        _offer(self.short_links, rules.short_links.offered, rules.short_links.note)
        self.flash = QCheckBox("Flash SMS (shown at once, not stored on the phone)")
        _offer(self.flash, rules.flash.offered, rules.flash.note)
        layout.addRow("Options", self.short_links)
        layout.addRow("", self.flash)
        self.audience = QLineEdit()
        kind = rules.audience.kind
        if kind is AudienceKind.SAVED_AUDIENCE:
            self.audience.setText(self.defaults.audience_key or "")
            self.audience.setPlaceholderText("the key of an audience saved at the provider")
        elif kind is AudienceKind.TARGETING:
            self.audience.setPlaceholderText("regions, e.g. FR, GB (empty: every opted-in profile)")
        _offer(self.audience, kind is not AudienceKind.NONE, rules.audience.requirement)
        if kind is AudienceKind.NONE:
            self.audience.setPlaceholderText("the rows of this file")
        layout.addRow("Audience", self.audience)
        callbacks = rules.callbacks
        self.message_callback = QLineEdit(placeholderText="https://… (optional)")
        _offer(self.message_callback, callbacks.per_message, callbacks.note)
        self.campaign_callback = QLineEdit(placeholderText="https://… (optional)")
        _offer(self.campaign_callback, callbacks.per_campaign, callbacks.note)
        self.strategy = QComboBox()
        self.strategy.addItems(list(callbacks.strategies) or ["—"])
        _offer(self.strategy, bool(callbacks.strategies), callbacks.note)
        if callbacks.per_message or callbacks.per_campaign:
            layout.addRow("Message callback", self.message_callback)
            layout.addRow("Campaign callback", self.campaign_callback)
            layout.addRow("Callback when", self.strategy)
        for field in (self.name_field, self.sender_field, self.audience):
            field.textChanged.connect(self.changed)
        for field in (self.message_callback, self.campaign_callback):
            field.textChanged.connect(self.changed)
        for box in (self.short_links, self.flash):
            box.toggled.connect(self.changed)
        self.strategy.currentIndexChanged.connect(self.changed)

    def settings(self) -> CampaignSettings:
        kind = self.caps.settings.audience.kind
        audience = self.audience.text().strip()
        return replace(
            self.defaults,
            name=self.name_field.text(),
            sender=self.sender_field.text().strip() or None,
            short_links=self.short_links.isChecked(),
            flash=self.flash.isChecked(),
            audience_key=(audience or None) if kind is AudienceKind.SAVED_AUDIENCE else None,
            targeting=_targeting(audience) if kind is AudienceKind.TARGETING else None,
            message_callback=self._callback(self.message_callback),
            campaign_callback=self._callback(self.campaign_callback),
        )

    def _callback(self, field: QLineEdit) -> Callback | None:
        url = field.text().strip()
        return Callback(url, self.strategy.currentText()) if url and field.isEnabled() else None


def _offer(widget: QWidget, offered: bool, note: str) -> None:
    widget.setEnabled(offered)
    if note:
        widget.setToolTip(note)


def _targeting(text: str) -> Targeting:
    regions = tuple(part.strip().upper() for part in text.replace(";", ",").split(","))
    return Targeting(regions=tuple(r for r in regions if r))
