"""The campaign list's signals let a table model mirror it exactly, filtered and sorted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.campaign import CampaignStatus
from app.services.campaign_list import (
    RESET_ABOVE,
    SORT_KEYS,
    CampaignFilter,
    CampaignList,
    CampaignRow,
    SortKey,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def row(i: int, **kw) -> CampaignRow:
    values = dict(
        id=i,
        account_id=f"acct-{i % 3}",
        account_name=f"Account {i % 3}",
        provider=["rocketcoms", "routee", "cordial"][i % 3],
        provider_name=["RocketCOMS", "Routee", "Cordial"][i % 3],
        name=f"Campaign {i:03d}",
        status=list(CampaignStatus)[i % len(CampaignStatus)],
        provider_status="x",
        total=100,
        sent=i % 100,
        delivered=0,
        failed=0,
        pending=0,
        start=None,
        timezone="UTC",
        recipients=100,
        segments=1,
        cost_micros=i * 10,
        currency="EUR",
        created=T0 + timedelta(minutes=i),
        updated=T0,
        synced=None,
    )
    values.update(kw)
    return CampaignRow(**values)


class Mirror:
    """What a QAbstractTableModel over the list holds, kept by its signals alone."""

    def __init__(self, source: CampaignList) -> None:
        self.source = source
        self.ids = [r.id for r in source]
        self.events: list[str] = []
        source.inserted.connect(self._inserted)
        source.removing.connect(self._removing)
        source.removed.connect(self._removed)
        source.changed.connect(self._changed)
        source.reset.connect(self._reset)
        self._leaving: int | None = None

    def _inserted(self, first: int, last: int) -> None:
        for index in range(first, last + 1):
            self.ids.insert(index, self.source[index].id)
        self.events.append("inserted")

    def _removing(self, first: int, last: int) -> None:
        assert first == last
        self._leaving = self.ids[first]

    def _removed(self, first: int, last: int) -> None:
        assert self.ids[first] == self._leaving
        del self.ids[first : last + 1]
        self.events.append("removed")

    def _changed(self, first: int, last: int) -> None:
        assert self.ids[first : last + 1] == [self.source[i].id for i in range(first, last + 1)]
        self.events.append("changed")

    def _reset(self) -> None:
        self.ids = [r.id for r in self.source]
        self.events.append("reset")


def expected(
    rows: dict[int, CampaignRow], f: CampaignFilter, key: SortKey, desc: bool
) -> list[int]:
    kept = [r for r in rows.values() if f.accepts(r)]
    kept.sort(key=lambda r: (SORT_KEYS[key](r), r.id), reverse=desc)
    return [r.id for r in kept]


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("upsert"),
            st.integers(0, 30),
            st.integers(0, 99),
            st.sampled_from(list(CampaignStatus)),
        ),
        st.tuples(st.just("remove"), st.integers(0, 30)),
        st.tuples(st.just("sort"), st.sampled_from(list(SortKey)), st.booleans()),
        st.tuples(st.just("filter"), st.sampled_from(["", "acct-1", "status", "text"])),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_a_mirror_kept_by_the_signals_always_equals_the_list(steps):
    source = CampaignList()
    source.replace_all(row(i) for i in range(20))
    mirror = Mirror(source)
    rows = {i: row(i) for i in range(20)}
    for step in steps:
        if step[0] == "upsert":
            _, i, sent, status = step
            rows[i] = replace(rows.get(i) or row(i), sent=sent, status=status)
            source.upsert([rows[i]])
        elif step[0] == "remove":
            rows.pop(step[1], None)
            source.remove([step[1]])
        elif step[0] == "sort":
            source.set_sort(step[1], step[2])
        else:
            source.set_filter(
                {
                    "": CampaignFilter(),
                    "acct-1": CampaignFilter(account_ids=frozenset({"acct-1"})),
                    "status": CampaignFilter(statuses=frozenset({CampaignStatus.SENDING})),
                    "text": CampaignFilter(text="campaign 01"),
                }[step[1]]
            )
        assert mirror.ids == [r.id for r in source]
    key, desc = source.sort
    assert mirror.ids == expected(rows, source.filter, key, desc)
    for campaign_id in rows:
        index = source.index_of(campaign_id)
        assert index is None or source[index].id == campaign_id


def test_a_refresh_of_many_rows_in_place_is_one_change_per_contiguous_range():
    source = CampaignList()
    source.set_sort(SortKey.NAME)
    source.replace_all(row(i) for i in range(10))
    ranges = []
    source.changed.connect(lambda first, last: ranges.append((first, last)))
    source.upsert([replace(row(i), notice="checked") for i in (1, 2, 3, 7, 8)])
    assert ranges == [(1, 3), (7, 8)]


def test_many_rows_moving_at_once_reset_the_list_instead():
    source = CampaignList()
    source.replace_all(row(i) for i in range(RESET_ABOVE + 10))
    events = []
    source.resetting.connect(lambda: events.append("resetting"))
    source.removing.connect(lambda *_: events.append("removing"))
    source.set_sort(SortKey.PROGRESS)
    events.clear()
    source.upsert([replace(row(i), sent=99 - i % 100) for i in range(RESET_ABOVE + 5)])
    assert events == ["resetting"]


def test_find_wraps_round_and_filters_hide_rows():
    source = CampaignList()
    source.set_sort(SortKey.NAME)
    source.replace_all(row(i) for i in range(5))
    assert source.find("campaign 003") == 3
    assert source.find("campaign 001", start=3) == 1
    assert source.find("nothing") is None
    source.set_filter(CampaignFilter(providers=frozenset({"routee"})))
    assert [r.id for r in source] == [1, 4]
    assert source.get(0) is not None and source.index_of(0) is None


def test_an_overdue_row_says_so_in_its_label_and_sorts_first_by_status():
    late = row(1, status=CampaignStatus.SCHEDULED, overdue=True)
    assert late.status_label == "Overdue" and row(2).status_label == row(2).status.label
    source = CampaignList()
    source.set_sort(SortKey.STATUS)
    source.replace_all([row(0, status=CampaignStatus.DRAFT), late])
    assert [r.id for r in source] == [1, 0]
    source.set_filter(CampaignFilter(overdue_only=True))
    assert [r.id for r in source] == [1]
