"""What the editor's tests share: a batch model over real rows, as the window builds it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from PySide6.QtGui import QUndoStack

from app.domain.batch import Batch, RowData
from app.services.context import AppContext
from app.services.findings import ProviderFindings
from app.ui.editor.model import BatchModel

#: Four rows of a file with a header (lines 2 to 5): a clean one, a bad number, a message
#: that curly quotes make UCS-2, and an empty message.
FILE_ROWS = [
    RowData("+447400123456", "Hello Amelia", ("Amelia",), line=2),
    RowData("not a number", "Hello Oliver", ("Oliver",), line=3),
    RowData("+447400123458", "“Quoted” hello…", ("Isla",), line=4),
    RowData("+447400123459", "", ("Harry",), line=5),
]


@pytest.fixture
def make_model(context: AppContext) -> Callable[..., BatchModel]:
    """A :class:`BatchModel` over a batch of ``rows`` (``FILE_ROWS`` unless given)."""

    def make(
        rows: Sequence[RowData] = FILE_ROWS,
        extra_columns: tuple[str, ...] = ("name",),
        findings: ProviderFindings | None = None,
    ) -> BatchModel:
        batch = Batch(context.batch_settings(context.settings), extra_columns=extra_columns)
        batch.insert_rows(0, list(rows))
        return BatchModel(batch, QUndoStack(), findings=findings)

    return make
