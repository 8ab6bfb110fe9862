"""The error panel's list: local and provider entries, filters, counts, live row updates."""

from __future__ import annotations

from app.domain.batch import Batch, RowData
from app.providers.base import ProviderIssue, Severity
from app.ui.error_panel import EntryRun, ErrorPanel, IssueListModel, Source, provider_entries


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


def scan(batch: Batch) -> EntryRun:
    steps = IssueListModel.scan_steps(batch)
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
    panel.model.set_provider(provider_entries([issue, whole]))
    alone = IssueListModel()
    alone.set_local(EntryRun.of(panel.model.entries))
    qtmodeltester.check(alone, force_py=True)

    model = panel.model
    assert [(e.row, e.source) for e in model.entries] == [
        (-1, Source.PROVIDER),
        (0, Source.PROVIDER),
        (1, Source.LOCAL),
        (1, Source.LOCAL),
        (2, Source.LOCAL),
    ]
    assert model.counts() == (3, 2)
    assert model.index(0, 2).data() == "File" and model.index(1, 2).data() == "2"
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
    model.set_provider(provider_entries([ProviderIssue("X", "No.", index=0, row=1, line=3)]))
    assert model.counts() == (3, 1)
    batch.set_phone(1, "+447400123457")
    batch.set_message(1, "hello")
    model.update_rows(batch, {1})
    assert [(e.row, e.code) for e in model.entries] == [(2, "phone.not_mobile")]
    assert model.counts() == (0, 1)
    many = set(range(len(batch)))
    batch.set_message(0, "")
    model.update_rows(batch, many | set())  # same result through the one-reset path
    assert model.counts() == (1, 1)
