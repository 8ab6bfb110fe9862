"""Choosing the country of national numbers reads every number again and is remembered."""

from __future__ import annotations

from app.services.columns import Field
from app.store.settings import SettingsStore
from app.ui.widgets.region_box import RegionBox, region_label
from tests.ui.conftest import write_csv


def test_region_labels_name_the_country_and_its_calling_code(qapp):
    assert region_label("GB") == "United Kingdom (+44)"
    box = RegionBox("FR")
    assert box.region() == "FR"
    assert box.count() > 200


def test_a_national_number_becomes_valid_in_its_country(window, open_file, tmp_path):
    window.region_box.set_region("US")
    window.context.settings.default_region = "US"
    window.batch.set_settings(window.context.batch_settings(window.context.settings))
    path = write_csv(
        tmp_path / "uk.csv", [("07400 123456", "Hi", "Ann"), ("+33612345678", "Salut", "Léa")]
    )
    open_file(window, path)
    assert window.batch.totals.errors == 1
    phone_issues = window.model.index(0, window.model.column_of(Field.ISSUES)).data()
    assert "read as a US number" in phone_issues

    window.region_box.setCurrentIndex(window.region_box.findData("GB"))

    assert window.batch.settings.default_region == "GB"
    assert window.batch.totals.errors == 0
    assert window.model.index(0, window.model.column_of(Field.COUNTRY)).data() == "GB"
    assert not window.model.index(0, window.model.column_of(Field.ISSUES)).data()
    assert window.undo_stack.isClean()  # a setting, not an edit of the file
    assert SettingsStore().load().default_region == "GB"  # remembered for the next start
