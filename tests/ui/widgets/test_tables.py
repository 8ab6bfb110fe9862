"""Big table views go to the top when their model resets."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QTableView

from app.ui.widgets import roles
from app.ui.widgets.tables import scroll_to_top_on_reset

Index = QModelIndex | QPersistentModelIndex


class Rows(QAbstractTableModel):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: Index, role: int = roles.DISPLAY) -> str | None:
        return str(index.row()) if role == roles.DISPLAY else None

    def keep(self, count: int) -> None:
        self.beginResetModel()
        self.count = count
        self.endResetModel()


def test_a_reset_to_fewer_rows_starts_at_the_top(qtbot):
    model = Rows(100_000)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    scroll_to_top_on_reset(view)
    view.resize(400, 300)
    view.show()
    view.scrollTo(model.index(60_000, 0))
    assert view.verticalScrollBar().value() > 0
    model.keep(5_000)
    assert view.verticalScrollBar().value() == 0
    assert view.rowAt(0) == 0
