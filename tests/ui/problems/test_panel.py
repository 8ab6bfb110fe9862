"""The error panel's list: local and provider entries, filters, counts, live row updates."""

from __future__ import annotations

import pytest

from app.domain.batch import Batch, RowData
from app.providers.issues import ProviderIssue, Severity
from app.services.jobs import run_to_end
from app.services.problems import AskedRows, EntryRun, Source, provider_run, scan_steps
from app.ui.problems import panel as panel_module
from app.ui.problems.panel import ErrorPanel, IssueListModel
from app.ui.widgets import roles


def batch_with_issues(context) -> Batch:
    batch = Batch(context.batch_settings(context.settings))
    batch.insert_rows(
        0,
        [
            RowData("+447400123456", "fine", line=2),
            RowData("nonsense", "", line=3),  # a bad number and an empty message
            RowData("+441212345678", "landline", line=4),  # a warning
        ],
    )
    return batch


def provider(batch: Batch, issues: list[ProviderIssue]) -> EntryRun:
    return provider_run(batch, issues, AskedRows(batch, batch.row_ids()))


def scan(batch: Batch) -> EntryRun:
    steps = scan_steps(batch)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def test_panel_lists_filters_and_counts(context, qtbot, qtmodeltester):
    panel = ErrorPanel()
    qtbot.addWidget(panel)
    batch = batch_with_issues(context)
    panel.model.set_local(scan(batch))
    issue = ProviderIssue("FILE_ERROR", "Refused.", index=0, row=0, line=2)
    whole = ProviderIssue("QUOTA", "Over quota.", severity=Severity.WARNING)
    panel.model.set_provider(provider(batch, [issue, whole]))
    alone = IssueListModel()
    alone.set_local(EntryRun.of(panel.model.listed()))
    qtmodeltester.check(alone, force_py=True)

    model = panel.model
    assert [(row, e.source) for row, e in model.listed()] == [
        (-1, Source.PROVIDER),
        (0, Source.PROVIDER),
        (1, Source.LOCAL),
        (1, Source.LOCAL),
        (2, Source.LOCAL),
    ]
    assert model.counts() == (3, 2)
    assert model.index(0, 2).data() == "Whole file" and model.index(1, 2).data() == "2"
    assert panel.summary.text() == "3 errors, 2 warnings"

    panel.severity_box.setCurrentIndex(panel.severity_box.findData("warning"))
    assert [model.entry(i).code for i in range(model.rowCount())] == ["QUOTA", "phone.not_mobile"]
    panel.source_box.setCurrentIndex(panel.source_box.findData(Source.LOCAL))
    assert model.rowCount() == 1
    assert panel.summary.text() == "3 errors, 2 warnings (1 shown)"


def test_panel_follows_row_edits_and_drops_stale_provider_verdicts(context, qtbot):
    model = IssueListModel()
    batch = batch_with_issues(context)
    model.set_local(scan(batch))
    model.set_provider(provider(batch, [ProviderIssue("X", "No.", index=0, row=1, line=3)]))
    assert model.counts() == (3, 1)
    batch.set_phone(1, "+447400123457")
    batch.set_message(1, "hello")
    model.update_rows(batch, {1})
    assert [(row, e.code) for row, e in model.listed()] == [(2, "phone.not_mobile")]
    assert model.counts() == (0, 1)
    many = set(range(len(batch)))
    batch.set_message(0, "")
    model.update_rows(batch, many | set())  # same result through the one-reset path
    assert model.counts() == (1, 1)


@pytest.mark.parametrize("edited", [3, 40, 300])  # spliced, spliced with one reset, rebuilt
@pytest.mark.parametrize("with_provider", [False, True])
def test_panel_after_many_row_edits_matches_a_fresh_scan(context, edited, with_provider):
    batch = Batch(context.batch_settings(context.settings))
    phones = ("+4474001{:05d}", "nonsense {}", "+44121234{:04d}", "")  # mobile, bad, landline
    rows = [RowData(phones[i % 4].format(i), "x" * (i % 3), line=i + 2) for i in range(800)]
    batch.insert_rows(0, rows)
    model = IssueListModel()
    model.set_local(scan(batch))
    issues = [ProviderIssue("P", "No.", index=i, row=i, line=i + 2) for i in (5, 500, 799)]
    if with_provider:
        model.set_provider(provider(batch, issues))
    edits = set(range(0, 800, 800 // edited))
    changed = set(edits)  # and the rows that shared a number with them
    for row in edits:  # fix some rows, break others
        changed |= batch.set_phone(row, "+447400123457" if row % 2 else f"bad {row}")
        changed |= batch.set_message(row, "fixed" if row % 3 else "")
    model.update_rows(batch, changed)
    assert edited <= len(changed) < edited + 200

    kept = [i for i in issues if i.row not in changed] if with_provider else []
    expected = IssueListModel()
    expected.set_local(scan(batch))
    expected.set_provider(provider(batch, kept))
    assert model.listed() == expected.listed()
    assert model.counts() == expected.counts()
    assert [model.entry(i) for i in range(model.rowCount())] == list(expected.entries)


def test_rows_with_issues_are_found_a_slice_at_a_time(context, monkeypatch):
    batch = batch_with_issues(context)
    model = IssueListModel()
    model.set_local(scan(batch))
    expected = {None: [1, 2], "error": [1], "warning": [2]}
    for size in (1, 2, 3, 100):  # row 1's two entries straddle slices of 1 and 2 entries
        monkeypatch.setattr(panel_module, "ROWS_SLICE", size)
        for severity, rows in expected.items():
            assert run_to_end(model.local_rows_steps(severity)) == rows


def test_a_problem_with_the_whole_file_says_so_and_does_not_jump(context, qtbot):
    panel = ErrorPanel()
    qtbot.addWidget(panel)
    whole = ProviderIssue("QUOTA", "Over quota.", severity=Severity.WARNING)
    panel.model.set_provider(provider(batch_with_issues(context), [whole]))
    model = panel.model
    assert [model.index(0, c).data() for c in range(2, 4)] == ["Whole file", "—"]
    assert "about the whole file, not one row" in model.index(0, 0).data(roles.TOOLTIP)
    assert model.index(0, 5).data(roles.FONT).italic()
    jumps, said = [], []
    panel.row_activated.connect(lambda row, column: jumps.append(row))
    panel.message.connect(lambda text, ms: said.append(text))
    panel.view.activated.emit(model.index(0, 0))
    assert jumps == [] and said == [panel_module.WHOLE_FILE]


@pytest.mark.parametrize("severity", [None, "error"])
def test_rows_inserted_and_removed_move_the_entries_with_their_rows(context, qtbot, severity):
    """No rescan, and the provider's verdicts stay on the rows they are about."""
    batch = batch_with_issues(context)
    panel = ErrorPanel()
    qtbot.addWidget(panel)
    model = panel.model
    model.set_local(scan(batch))
    model.set_provider(provider(batch, [ProviderIssue("P", "No.", index=0, row=2, line=4)]))
    panel.severity_box.setCurrentIndex(panel.severity_box.findData(severity))
    landline = batch.row_id(2)
    new = [RowData(f"+4474001234{n}", "new", line=0) for n in (98, 99)]
    changed = batch.insert_rows(1, new)
    model.rows_moved(1, 2)  # as the problems service does: move, then patch what changed
    model.update_rows(batch, changed)
    batch.remove_rows(0, 1)
    model.rows_moved(0, -1)
    assert batch.position(landline) == 3
    assert [(row, e.source, e.code) for row, e in model.listed()] == [
        (2, Source.LOCAL, "phone.invalid"),
        (2, Source.LOCAL, "message.empty"),
        (3, Source.LOCAL, "phone.not_mobile"),
        (3, Source.PROVIDER, "P"),
    ]
    fresh = IssueListModel()
    fresh.set_local(scan(batch))
    assert [pair for pair in model.listed() if pair[1].source is Source.LOCAL] == fresh.listed()
    shown = [(model.batch_row(i), model.entry(i).code) for i in range(model.rowCount())]
    assert shown == [(r, e.code) for r, e in model.listed() if severity in (None, e.severity)]
    # A click on the provider's entry goes to the row where it is now.
    jumps = []
    panel.row_activated.connect(lambda row, column: jumps.append(row))
    panel.view.activated.emit(model.index(model.rowCount() - 1, 0))
    assert jumps == [model.batch_row(model.rowCount() - 1)] == [3]
    # Removing a row takes its entries with it.
    batch.remove_rows(2, 1)
    model.rows_moved(2, -1)
    assert [(row, e.code) for row, e in model.listed()] == [(2, "phone.not_mobile"), (2, "P")]
    assert model.counts() == (1, 1)
