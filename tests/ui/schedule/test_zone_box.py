"""The time zone box on its own: it starts at the given zone (or the system's), finds a zone
from any part of its name, and gives back exactly what was typed, trimmed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.domain.zones import known_zones
from app.ui.schedule.zone_box import TimeZoneBox, system_zone


@pytest.fixture
def box(qtbot) -> TimeZoneBox:
    made = TimeZoneBox("Asia/Tokyo")
    qtbot.addWidget(made)
    made.show()
    return made


def offered(box: TimeZoneBox, typed: str) -> list[str]:
    completer = box.completer()
    completer.setCompletionPrefix(typed)
    model = completer.completionModel()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_it_starts_at_the_zone_given_and_lists_every_known_zone(box):
    assert box.zone() == "Asia/Tokyo"
    assert box.currentText() == box.itemText(box.currentIndex()) == "Asia/Tokyo"
    assert box.count() == len(known_zones())


def test_without_a_zone_it_starts_at_the_systems_own(qtbot):
    made = TimeZoneBox()
    qtbot.addWidget(made)
    assert made.zone() == system_zone()
    assert system_zone() in known_zones()  # or UTC, which every zone list has


def test_part_of_a_name_in_any_case_finds_the_zone(box):
    assert "Asia/Tokyo" in offered(box, "tokyo")
    assert offered(box, "new_y") == ["America/New_York"]
    assert offered(box, "PARIS") == ["Europe/Paris"]
    assert offered(box, "no such place") == []


def test_what_is_typed_is_what_it_gives_trimmed_and_is_announced(box, qtbot):
    seen: list[str] = []
    box.zoneEdited.connect(seen.append)
    box.lineEdit().clear()
    qtbot.keyClicks(box.lineEdit(), " Europe/Paris ")
    assert box.zone() == "Europe/Paris"
    assert seen[-1] == "Europe/Paris"
    box.set_zone("Mars/Olympus")  # not a zone: kept as typed, for the domain to name
    assert box.zone() == "Mars/Olympus"
    assert seen[-1] == "Mars/Olympus"
    box.set_zone("Europe/Lisbon")
    assert box.itemText(box.currentIndex()) == "Europe/Lisbon"


def test_typing_does_not_add_to_the_list(box, qtbot):
    count = box.count()
    box.lineEdit().setText("Mars/Olympus")  # set, not typed: no completion popup opens
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.count() == count and box.findText("Mars/Olympus") < 0
