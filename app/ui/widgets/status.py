"""The status bar's parts: progress of long work with its Cancel, and the batch's totals."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from app.domain.batch import Batch
from app.domain.wording import counted
from app.services.findings import ProviderFindings


class Progress:
    """A label, a bar and a Cancel button at the left of the status bar, shown while busy."""

    def __init__(self, bar: QStatusBar) -> None:
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.setToolTip("Stop what is running")
        for widget in self._widgets:
            bar.addWidget(widget)
            widget.hide()

    @property
    def _widgets(self) -> tuple[QLabel, QProgressBar, QToolButton]:
        return self.label, self.bar, self.cancel_button

    def show(self, text: str, *, determinate: bool = True) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 1000 if determinate else 0)
        self.bar.setValue(0)
        for widget in self._widgets:
            widget.show()

    def set(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setValue(int(1000 * done / total))

    def hide(self) -> None:
        for widget in self._widgets:
            widget.hide()


class Totals:
    """Rows, segments and cost of the whole batch, and how many rows have errors or warnings
    (their own, or from the provider's last validate-only run), at the right of the status
    bar."""

    def __init__(
        self,
        bar: QStatusBar,
        findings: ProviderFindings | None = None,
        shown: QLabel | None = None,
    ) -> None:
        """``shown``: a label that goes before the totals (how many rows the filter shows)."""
        self.findings = findings if findings is not None else ProviderFindings()
        if shown is not None:
            bar.addPermanentWidget(shown)
        self.totals_label = QLabel()
        self.totals_label.setToolTip("Totals of every row, whatever the filter shows")
        # Rows, not problems: a row can have several; the Problems panel counts each one.
        self.errors_label = QLabel()
        self.warnings_label = QLabel()
        for label in (self.totals_label, self.errors_label, self.warnings_label):
            bar.addPermanentWidget(label)

    def update(self, batch: Batch) -> None:
        totals, findings = batch.totals, self.findings
        money = batch.settings.prices.format(totals.cost)
        rows, segments = counted(totals.rows, "row"), counted(totals.segments, "segment")
        self.totals_label.setText(f"{rows}  ·  {segments}  ·  {money}")
        errors = f"{counted(totals.errors + findings.errors_added, 'row')} with errors"
        warnings = f"{counted(totals.warnings + findings.warnings_added, 'row')} with warnings"
        if findings.errors_added:
            errors += f" ({findings.errors_added:,} only from {findings.source})"
        if findings.warnings_added:
            warnings += f" ({findings.warnings_added:,} only from {findings.source})"
        file_errors = sum(entry.severity == "error" for entry in findings.file)
        if file_errors:
            errors += f", and {counted(file_errors, 'error')} about the whole file"
        if len(findings.file) > file_errors:
            file_warnings = counted(len(findings.file) - file_errors, "warning")
            warnings += f", and {file_warnings} about the whole file"
        self.errors_label.setText(f"  ·  {errors}")
        self.warnings_label.setText(f"  ·  {warnings}  ")
        checked = f", here or by {findings.source}'s validate-only run" if findings else ""
        self.errors_label.setToolTip(
            f"Rows with at least one error{checked}: a provider would reject them"
        )
        self.warnings_label.setToolTip(f"Rows with at least one warning{checked}: they can be sent")
