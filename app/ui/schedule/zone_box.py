"""A searchable box of IANA time zones, starting at the system's own."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimeZone, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from app.domain.zones import known_zones


def system_zone() -> str:
    """The system's IANA zone name as Qt reads it, if this machine's zone list has it."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode()
    if name in known_zones():
        return name
    return "UTC"


class TimeZoneBox(QComboBox):
    """An editable box: type any part of a name ("tokyo", "new_y") to find a zone. Whatever
    is typed is what :meth:`zone` gives; the domain says whether it is a known zone."""

    zoneEdited = Signal(str)

    def __init__(self, zone: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItems(list(known_zones()))
        self.setMaxVisibleItems(20)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(22)
        completer = QCompleter(list(known_zones()), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText("Type to search, e.g. Paris")
        self.setToolTip("The time zone of every time and date above; type part of a name")
        self.set_zone(zone or system_zone())
        self.editTextChanged.connect(lambda text: self.zoneEdited.emit(text.strip()))

    def zone(self) -> str:
        return self.currentText().strip()

    def set_zone(self, zone: str) -> None:
        index = self.findText(zone)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(zone)
