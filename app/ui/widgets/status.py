"""The status bar's parts: progress of long work with its Cancel, and the batch's totals."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from app.domain.batch import Batch
from app.domain.wording import counted


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
    """Rows, segments and cost of the whole batch, and how many rows have errors or warnings,
    at the right of the status bar."""

    def __init__(self, bar: QStatusBar) -> None:
        self.totals_label = QLabel()
        self.totals_label.setToolTip("Totals of every row, whatever the filter shows")
        # Rows, not problems: a row can have several; the Problems panel counts each one.
        self.errors_label = QLabel()
        self.errors_label.setToolTip("Rows with at least one error: a provider would reject them")
        self.warnings_label = QLabel()
        self.warnings_label.setToolTip("Rows with at least one warning: they can be sent")
        for label in (self.totals_label, self.errors_label, self.warnings_label):
            bar.addPermanentWidget(label)

    def update(self, batch: Batch) -> None:
        totals = batch.totals
        money = batch.settings.prices.format(totals.cost)
        rows, segments = counted(totals.rows, "row"), counted(totals.segments, "segment")
        self.totals_label.setText(f"{rows}  ·  {segments}  ·  {money}")
        self.errors_label.setText(f"  ·  {counted(totals.errors, 'row')} with errors")
        self.warnings_label.setText(f"  ·  {counted(totals.warnings, 'row')} with warnings  ")
