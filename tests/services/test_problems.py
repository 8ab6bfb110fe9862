"""The problems list's runs: entries kept in row order as rows are inserted, removed and edited
(always what a run built afresh would hold), merged with the provider's, and found by a scan."""

from __future__ import annotations

from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.batch import Batch, BatchSettings, RowData
from app.domain.pricing import PriceTable
from app.providers.issues import ProviderIssue, Severity
from app.services.jobs import run_to_end
from app.services.problems import (
    SPLICE_ROWS,
    AskedRows,
    EntryRun,
    PanelEntry,
    Source,
    count_errors,
    local_entries,
    merged,
    provider_run,
    scan_steps,
    severity_mask,
)

SETTINGS = BatchSettings("GB", PriceTable("EUR", {"GB": 40_000}, 90_000))
_made = count()

Rows = list[list[PanelEntry]]  # the reference: each row's entries, in row order


def entry(severity: str = "error", source: Source = Source.LOCAL) -> PanelEntry:
    """An entry told apart from every other by its code."""
    n = next(_made)
    return PanelEntry(n, n + 2, severity, source, None, f"C{n}", f"problem {n}")


def run_of(rows: Rows) -> EntryRun:
    """The run built afresh from ``rows``."""
    return EntryRun.of((row, e) for row, entries in enumerate(rows) for e in entries)


def same(run: EntryRun, fresh: EntryRun) -> None:
    assert run.entries == fresh.entries
    assert run.rows == fresh.rows
    assert run.errors == fresh.errors == count_errors(fresh.entries)


severities = st.sampled_from(["error", "warning"])
row_entries = st.lists(severities, max_size=3).map(lambda s: [entry(x) for x in s])


# -- building ------------------------------------------------------------------------------------
def test_of_sorts_by_row_and_keeps_each_rows_own_order():
    a, b, c, d = entry(), entry("warning"), entry(), entry("warning")
    run = EntryRun.of([(5, a), (1, b), (5, c), (1, d)])
    assert run.entries == [b, d, a, c] and run.rows == [1, 1, 5, 5]
    assert run.errors == 2 and len(run) == 4


def test_adding_rows_in_order_is_the_same_run_as_of():
    rows: Rows = [[entry()], [], [entry("warning"), entry()], [entry("warning")]]
    run = EntryRun()
    for row, entries in enumerate(rows):
        run.add(row, entries)
    same(run, run_of(rows))
    assert run.of_row(2) == rows[2] and run.of_row(1) == [] and run.of_row(9) == []


def test_a_copy_is_its_own():
    run = run_of([[entry()], [entry()]])
    copy = run.copy()
    copy.moved(0, -1)
    assert len(run) == 2 and run.errors == 2 and len(copy) == 1 and copy.errors == 1


# -- moving and editing -----------------------------------------------------------------------
def test_removed_rows_take_their_entries_and_those_after_move_up():
    rows: Rows = [[entry()], [entry("warning")], [entry(), entry()], [entry()]]
    run = run_of(rows)
    lo, hi = run.removed_span(1, -2)
    assert run.entries[lo:hi] == rows[1] + rows[2]
    assert run.moved(1, -2) == rows[1] + rows[2]
    same(run, run_of([rows[0], rows[3]]))
    assert run.removed_span(0, 3) == (0, 0)  # an insert removes nothing
    assert run.moved(0, 3) == []
    same(run, run_of([[], [], [], rows[0], rows[3]]))


def test_a_few_edited_rows_are_spliced_in():
    rows: Rows = [[entry()], [entry("warning")], [], [entry()]]
    run = run_of(rows)
    new = {1: [entry(), entry()], 2: [entry("warning")], 3: []}
    run.replace_rows(new)
    same(run, run_of([rows[0], new[1], new[2], new[3]]))


def test_many_edited_rows_are_rebuilt_a_slice_at_a_time_to_the_same_run():
    total = SPLICE_ROWS * 3
    rows: Rows = [[entry()] if row % 3 else [] for row in range(total)]
    new = {row: [entry("warning")] if row % 2 else [] for row in range(0, total, 2)}
    new.update({row: [entry(), entry("warning")] for row in range(1, total, 4)})
    assert len(new) > SPLICE_ROWS
    expected = run_of([new.get(row, entries) for row, entries in enumerate(rows)])
    run = run_of(rows)
    steps = run.replaced_steps(new)
    progress = []
    while True:
        try:
            progress.append(next(steps))
        except StopIteration as stop:
            rebuilt = stop.value
            break
    assert len(progress) > 1 and progress[-1][1] == len(new)
    same(rebuilt, expected)
    same(run, run_of(rows))  # the steps leave the run they copy as it was
    run.replace_rows(new)
    same(run, expected)


@st.composite
def changes(draw: st.DrawFn) -> tuple[Rows, list[tuple]]:
    rows = draw(st.lists(row_entries, max_size=25))
    size = len(rows)
    ops: list[tuple] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["insert", "remove", "edit"]))
        if kind == "insert":
            at, k = draw(st.integers(0, size)), draw(st.integers(1, 4))
            size += k
        elif kind == "remove" and size:
            at = draw(st.integers(0, size - 1))
            k = draw(st.integers(1, size - at))
            size -= k
        elif kind == "edit" and size:
            at = 0
            edited = draw(st.lists(st.integers(0, size - 1), max_size=5, unique=True))
            k = {row: draw(row_entries) for row in edited}
        else:
            continue
        ops.append((kind, at, k))
    return rows, ops


@settings(max_examples=200, deadline=None)
@given(changes())
def test_a_run_after_moves_and_edits_is_the_run_built_afresh(case):
    rows, ops = case
    run = run_of(rows)
    for kind, at, k in ops:
        if kind == "insert":
            assert run.moved(at, k) == []
            rows[at:at] = [[] for _ in range(k)]
        elif kind == "remove":
            gone = [e for entries in rows[at : at + k] for e in entries]
            assert run.moved(at, -k) == gone
            del rows[at : at + k]
        else:
            run.replace_rows(k)
            for row, entries in k.items():
                rows[row] = entries
        same(run, run_of(rows))
    for row, entries in enumerate(rows):
        assert run.of_row(row) == entries


# -- merging ---------------------------------------------------------------------------------
def merged_afresh(local: Rows, provider: Rows) -> EntryRun:
    width = max(len(local), len(provider))
    both = [
        (local[row] if row < len(local) else []) + (provider[row] if row < len(provider) else [])
        for row in range(width)
    ]
    return run_of(both)


def provider_rows(width: int, at: dict[int, int]) -> Rows:
    return [[entry(source=Source.PROVIDER) for _ in range(at.get(row, 0))] for row in range(width)]


def test_a_few_provider_entries_are_sliced_in_after_each_rows_local_ones():
    local: Rows = [[entry(), entry("warning")] for _ in range(200)]
    provider = provider_rows(200, {0: 1, 50: 2, 150: 1})  # 4 * 64 < 400: the slicing way
    run = merged(run_of(local), run_of(provider))
    same(run, merged_afresh(local, provider))


def test_many_provider_entries_are_merged_by_a_sort_to_the_same_order():
    local: Rows = [[entry()] if row % 2 else [] for row in range(40)]
    provider = provider_rows(40, {row: 1 for row in range(0, 40, 3)})
    same(merged(run_of(local), run_of(provider)), merged_afresh(local, provider))


@settings(max_examples=100, deadline=None)
@given(st.lists(row_entries, max_size=30), st.lists(row_entries, max_size=30))
def test_a_merge_is_both_runs_with_local_entries_first_in_each_row(local, provider):
    same(merged(run_of(local), run_of(provider)), merged_afresh(local, provider))


def test_without_provider_entries_the_merge_is_the_local_run_itself():
    local, provider = run_of([[entry()]]), run_of([[entry(source=Source.PROVIDER)]])
    assert merged(local, EntryRun()) is local
    alone = merged(EntryRun(), provider)
    assert alone is not provider and alone.entries == provider.entries


def test_severity_masks_and_error_counts():
    entries = [entry(), entry("warning"), entry()]
    assert list(severity_mask(entries, "warning")) == [False, True, False]
    assert count_errors(entries) == 2


# -- from a batch ----------------------------------------------------------------------------
def a_batch() -> Batch:
    batch = Batch(SETTINGS)
    batch.insert_rows(
        0,
        [
            RowData("+447400123456", "fine", line=2),
            RowData("nonsense", "bad number", line=3),
            RowData("+447400123457", "fine too", line=4),
            RowData("", "no number", line=5),
        ],
    )
    return batch


def test_a_scan_finds_every_rows_local_entries():
    batch = a_batch()
    found = run_to_end(scan_steps(batch))
    expected = [local_entries(batch, row) for row in range(len(batch))]
    same(found, run_of(expected))
    assert found.rows == [1, 3] and {e.line for e in found.entries} == {3, 5}
    assert all(
        e.source is Source.LOCAL and e.row_id == batch.row_id(r)
        for r, e in zip(found.rows, found.entries, strict=True)
    )


def test_a_providers_issues_land_on_their_rows_as_they_are_now():
    batch = a_batch()
    asked = AskedRows(batch, batch.row_ids())
    issues = [
        ProviderIssue("MOVED", "m", row=2, line=4),
        ProviderIssue("GONE", "g", row=0, line=2),
        ProviderIssue("EDITED", "e", row=3, line=5, severity=Severity.WARNING),
        ProviderIssue("FILE", "whole file"),
    ]
    new = [RowData("+447400123458", "new", line=0), RowData("+447400123459", "new", line=0)]
    batch.insert_rows(0, new)
    batch.remove_rows(2, 1)  # the row the GONE issue is about
    asked.edited.add(batch.row_id(4))  # the EDITED one's row, once at 3
    run = provider_run(batch, issues, asked)
    assert [
        (row, e.code, e.line, e.source) for row, e in zip(run.rows, run.entries, strict=True)
    ] == [
        (-1, "FILE", 0, Source.PROVIDER),
        (3, "MOVED", 4, Source.PROVIDER),
    ]
    assert run.entries[1].row_id == batch.row_id(3) == asked.ids[2]
