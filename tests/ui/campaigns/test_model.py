"""The campaign list's Qt model over the services' own :class:`CampaignList` (no window, no
panel): Qt's model tester through inserts, changes, removals, filter and sort, the columns
and what each cell and tooltip says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from app.domain.campaign import Action, CampaignStatus
from app.services.campaign_list import CampaignFilter, CampaignList, CampaignRow
from app.ui.campaigns.model import COLUMNS, ROW_ROLE, CampaignModel, schedule_text

S = CampaignStatus
TIP = Qt.ItemDataRole.ToolTipRole


def campaign(campaign_id: int, name: str, **kw) -> CampaignRow:
    values = dict(
        id=campaign_id,
        account_id="rocketcoms-sandbox",
        account_name="RocketCOMS sandbox",
        provider="rocketcoms",
        provider_name="RocketCOMS",
        name=name,
        status=S.DRAFT,
        provider_status="CREATED",
        total=10,
        sent=0,
        delivered=0,
        failed=0,
        pending=10,
        start=None,
        timezone="",
        recipients=10,
        segments=10,
        cost_micros=None,
        currency="EUR",
        created=datetime(2026, 3, campaign_id, 9, tzinfo=UTC),
        updated=None,
        synced=None,
    )
    values.update(kw)
    return CampaignRow(**values)


@pytest.fixture
def campaigns() -> CampaignList:
    listed = CampaignList()
    listed.replace_all(
        [
            campaign(1, "Spring"),
            campaign(2, "autumn", provider="bulksms", provider_name="BulkSMS"),
            campaign(3, "Winter", status=S.SENDING, sent=4, failed=1, cost_micros=1_234_500),
        ]
    )
    return listed


@pytest.fixture
def model(campaigns, qtmodeltester) -> CampaignModel:
    made = CampaignModel(campaigns)
    qtmodeltester.check(made, force_py=True)  # and it keeps watching every signal after
    return made


def names(model: CampaignModel) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_the_columns_and_the_newest_first(model):
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [title for title, _ in COLUMNS]
    assert headers[:4] == ["Name", "Provider", "Account", "Status"]
    assert names(model) == ["Winter", "autumn", "Spring"]  # by creation, newest first


def test_the_lists_inserts_changes_and_removals_reach_the_view(model, campaigns, qtbot):
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        campaigns.upsert([campaign(4, "Summer")])
    assert inserted.args[1:] == [0, 0] and names(model)[0] == "Summer"
    with qtbot.waitSignal(model.dataChanged) as changed:
        campaigns.upsert([campaign(1, "Spring", status=S.SCHEDULED)])
    assert changed.args[0].row() == 3 and changed.args[1].column() == len(COLUMNS) - 1
    assert model.index(3, 3).data() == "Scheduled"
    with qtbot.waitSignal(model.rowsRemoved) as removed:
        campaigns.remove([2])
    assert removed.args[1:] == [2, 2]
    assert names(model) == ["Summer", "Winter", "Spring"]


def test_a_header_sort_is_the_lists_sort_and_a_filter_resets_the_rows(model, campaigns, qtbot):
    with qtbot.waitSignal(model.modelReset):
        model.sort(0, Qt.SortOrder.AscendingOrder)
    assert names(model) == ["autumn", "Spring", "Winter"]  # ignoring case
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert names(model) == ["Winter", "Spring", "autumn"]
    model.sort(-1)
    assert names(model) == ["Spring", "autumn", "Winter"]  # by creation, oldest first
    with qtbot.waitSignal(model.modelReset):
        campaigns.set_filter(CampaignFilter(providers=frozenset({"bulksms"})))
    assert names(model) == ["autumn"]
    campaigns.upsert([campaign(5, "Hidden")])  # filtered out: no row comes
    assert model.rowCount() == 1


def test_the_cells_say_status_progress_start_and_cost(model):
    winter = model.index(0, 0)
    assert [model.index(0, c).data() for c in range(4)] == [
        "Winter",
        "RocketCOMS",
        "RocketCOMS sandbox",
        "Sending",
    ]
    assert model.index(0, 4).data() == "4 / 10 · 1 failed"
    assert model.index(1, 4).data() == "0 / 10"
    assert model.index(0, 5).data() == "Now"
    assert model.index(0, 6).data() == "1.2345 EUR"
    assert model.index(1, 6).data() == ""
    assert model.index(0, 6).data(Qt.ItemDataRole.TextAlignmentRole) == (
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert model.index(0, 4).data(TIP) == (
        "4 messages sent, 0 delivered, 1 failed, 10 pending of 10"
    )
    assert winter.data(ROW_ROLE).id == 3 and model.row(0).id == 3


def test_the_status_tooltip_gives_the_providers_word_and_what_waits(model, campaigns):
    assert model.index(2, 3).data(TIP) == "RocketCOMS says: CREATED"
    campaigns.upsert(
        [
            campaign(
                1,
                "Spring",
                status=S.SCHEDULED,
                overdue=True,
                busy=Action.CANCEL,
                notice="Cancel was refused.",
            )
        ]
    )
    row = campaigns.index_of(1)
    assert model.index(row, 3).data() == "Overdue (cancel…)"
    assert model.index(row, 3).data(TIP) == (
        "RocketCOMS says: CREATED\n"
        "Its start passed long ago and nothing was sent: it waits for you.\n"
        "Cancel was refused."
    )
    campaigns.upsert([campaign(1, "Spring", provider_status="")])
    assert model.index(campaigns.index_of(1), 3).data(TIP) is None


def test_a_start_is_shown_in_its_own_time_zone_with_the_zone_named(model, campaigns):
    start = datetime(2026, 3, 29, 8, 30, tzinfo=UTC)
    campaigns.upsert([campaign(1, "Spring", start=start, timezone="Europe/Paris")])
    assert model.index(campaigns.index_of(1), 5).data() == "2026-03-29 10:30 Europe/Paris"
    assert schedule_text(start, "") == "2026-03-29 08:30 UTC"
    assert schedule_text(start, "Not/AZone") == "2026-03-29 08:30 Not/AZone"


def test_the_updated_column_and_its_tooltip(model, campaigns):
    synced = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    campaigns.upsert([campaign(1, "Spring", synced=synced)])
    row = campaigns.index_of(1)
    shown = f"{synced.astimezone():%Y-%m-%d %H:%M}"
    assert model.index(row, 7).data() == shown  # never updated: when it was last asked
    assert model.index(row, 7).data(TIP) == f"Last asked the provider at {shown}"
    later = replace(campaigns.get(1), updated=datetime(2026, 3, 31, 7, 0, tzinfo=UTC))
    campaigns.upsert([later])
    assert model.index(row, 7).data() == f"{later.updated.astimezone():%Y-%m-%d %H:%M}"


def test_a_model_let_go_of_follows_the_list_no_more(campaigns, qtbot):
    model = CampaignModel(campaigns)
    model.disconnect_list()
    inserted: list[object] = []
    model.rowsAboutToBeInserted.connect(lambda *args: inserted.append(args))
    campaigns.upsert([campaign(4, "Summer")])
    assert inserted == []
