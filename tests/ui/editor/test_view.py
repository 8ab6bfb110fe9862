"""The editor's table view: the row-number header's width and the layout after appended rows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QUndoStack

from app.domain.batch import Batch, RowData
from app.ui.editor.model import BatchModel
from app.ui.editor.view import ELLIPSIS, BatchView, visible_runs
from app.ui.widgets import roles
from tests.ui.conftest import next_turn


class PaintCounter(QObject):
    def __init__(self, watched: QObject) -> None:
        super().__init__()
        self.paints = 0
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.paints += event.type() == QEvent.Type.Paint
        return False


def rows(count: int, start: int = 0) -> list[RowData]:
    return [RowData(f"+4474001{i:05d}", "Hi", line=i + 2) for i in range(start, start + count)]


def shown_view(qtbot, context, count: int) -> tuple[BatchView, BatchModel]:
    batch = Batch(context.batch_settings(context.settings))
    batch.insert_rows(0, rows(count))
    model = BatchModel(batch, QUndoStack())
    view = BatchView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    return view, model


def test_row_numbers_keep_their_width_as_rows_come_in(qtbot, context):
    view, model = shown_view(qtbot, context, 3)
    header = view.verticalHeader()
    width = header.sizeHint().width()
    assert width >= view.fontMetrics().horizontalAdvance("8888888")
    model.batch.insert_rows(3, rows(20_000, start=3))
    model.sync_appended()  # the rows a load appends, as "1" and "8" labels of every width
    assert header.sizeHint().width() == width


def test_rows_appended_below_the_view_update_the_scroll_range_without_a_repaint(qtbot, context):
    view, model = shown_view(qtbot, context, 500)
    settle(qtbot)
    counter = PaintCounter(view.viewport())
    scroll = view.verticalScrollBar()
    before = scroll.maximum()

    model.batch.insert_rows(500, rows(1000, start=500))  # as a load appends them
    assert model.sync_appended()
    view.rows_appended()
    qtbot.waitUntil(lambda: scroll.maximum() > before)
    settle(qtbot)
    assert model.rowCount() == 1500
    assert counter.paints == 0  # the rows on screen did not move

    model.write_cell(0, model.columns[1], "Changed")  # other changes still repaint
    qtbot.waitUntil(lambda: counter.paints > 0)


def test_rows_appended_to_a_view_not_yet_full_are_painted(qtbot, context):
    view, model = shown_view(qtbot, context, 2)
    settle(qtbot)
    counter = PaintCounter(view.viewport())
    model.batch.insert_rows(2, rows(3, start=2))
    assert model.sync_appended()
    view.rows_appended()
    qtbot.waitUntil(lambda: counter.paints > 0)
    assert view.rowAt(view.rowViewportPosition(4)) == 4


def settle(qtbot) -> None:
    """Wait out the turns in which pending paints and layouts run (two zero timers)."""
    for _ in range(2):
        with qtbot.waitSignal(next_turn().timeout, timeout=1000):
            pass


def test_a_long_message_with_marked_characters_is_cut_with_an_ellipsis(qtbot, context):
    text = "“Welcome back” – we have missed you, here is 20% off everything in store today"
    batch = Batch(context.batch_settings(context.settings))
    batch.insert_rows(0, [RowData("+447400123456", text, line=2)])
    forcing = batch.result(0).analysis.forcing
    metrics = BatchView().fontMetrics()
    width = metrics.horizontalAdvance(text) // 2
    runs = visible_runs(text, forcing, metrics, width)
    assert runs[-1] == (ELLIPSIS, False)
    shown = "".join(run for run, _ in runs[:-1])
    assert text.startswith(shown) and 0 < len(shown) < len(text)
    assert sum(metrics.horizontalAdvance(run) for run, _ in runs) <= width
    assert runs[0] == ("“", True)  # the marks stay on the characters that are still shown
    whole = visible_runs(text, forcing, metrics, metrics.horizontalAdvance(text) + 10)
    assert "".join(run for run, _ in whole) == text
    # A character forcing UCS-2 only in the part cut off: the "…" is marked in its place.
    late = "Bonjour Élodie, votre rendez-vous est confirmé pour jeudi; à bientôt !"
    batch.set_message(0, late)
    late_forcing = batch.result(0).analysis.forcing
    assert late_forcing and late_forcing[0].char == "ô"
    cut = visible_runs(late, late_forcing, metrics, metrics.horizontalAdvance(late) // 2)
    assert cut[-1] == (ELLIPSIS, True) and not any(marked for _, marked in cut[:-1])


def test_the_message_tooltip_counts_in_the_singular(qtbot, context):
    _, model = shown_view(qtbot, context, 1)
    model.write_cell(0, model.columns[1], "é")
    assert model.index(0, 1).data(roles.TOOLTIP).startswith("GSM-7, 1 unit, 1 part")
