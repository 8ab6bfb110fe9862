"""The country that numbers written without a country code belong to.

Operators paste national numbers (``07400 123456``); libphonenumber reads them in a default
region. The box lists every region libphonenumber knows, by its name in Qt's locale data.
"""

from __future__ import annotations

import phonenumbers
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QComboBox, QWidget


def region_label(code: str) -> str:
    """``"GB"`` -> ``"United Kingdom (+44)"``; Qt knows the names, phonenumbers the codes."""
    territory = QLocale.codeToTerritory(code)
    name = (
        QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else code
    )
    return f"{name} (+{phonenumbers.country_code_for_region(code)})"


class RegionBox(QComboBox):
    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        labels = sorted((region_label(code), code) for code in phonenumbers.SUPPORTED_REGIONS)
        for label, code in labels:
            self.addItem(label, code)
        self.setMaxVisibleItems(20)
        # Some names are long ("Saint Vincent and the Grenadines"): the toolbar must still fit
        # 1366 pixels, so the box shows about 18 characters and the list opens wider.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(18)
        self.view().setMinimumWidth(self.view().sizeHintForColumn(0) + 24)
        self.setToolTip("The country of numbers written without a country code (no + or 00)")
        self.set_region(current)

    def region(self) -> str:
        return str(self.currentData())

    def set_region(self, code: str) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(max(self.findData(code), 0))
        self.blockSignals(False)
