"""The document use case driven without a window: the Qt job runner on a bare QApplication."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.main import build_context
from app.services.document import Document
from app.ui.widgets.jobs import QtRunner
from tests.ui.conftest import write_csv

ROWS = [("+447400123456", "Hello", "Amelia"), ("+447400123457", "Hi", "Oliver")]


@pytest.fixture
def document(qapp) -> Document:
    runner = QtRunner()
    yield Document(build_context(), runner)
    runner.stop()


def test_a_load_shows_its_rows_then_opens_the_file(document, tmp_path, qtbot):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    shown, opened = [], []
    document.shown.connect(shown.append)
    document.opened.connect(lambda batch, message: opened.append((batch, message)))
    document.open(path)
    assert document.loading and document.loading_name == "spring.csv"
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    batch, message = opened[0]
    assert len(batch) == 2 and message == "Opened spring.csv: 2 rows"
    assert document.path == path and document.batch is batch and not document.modified
    assert shown in ([], [batch])  # the first rows, if they came in a turn of their own


def test_a_file_that_cannot_be_used_changes_nothing_and_says_why(document, tmp_path):
    refused = []
    document.refused.connect(lambda title, text: refused.append((title, text)))
    before = document.batch
    document.open(tmp_path / "missing.csv")
    assert refused and refused[0][0] == "Cannot open missing.csv"
    assert "does not exist" in refused[0][1]
    assert document.batch is before and document.path is None


def test_saving_writes_the_rows_and_marks_the_document_clean(document, tmp_path, qtbot):
    path = write_csv(tmp_path / "spring.csv", ROWS)
    document.open(path)
    qtbot.waitUntil(lambda: document.path == path, timeout=10_000)
    document.batch.set_message(0, "Changed")
    document.set_clean(False)
    assert document.modified
    target = tmp_path / "out.csv"
    assert document.save_to(target, ("utf-8", ";", "\n"))
    assert not document.modified and document.path == target
    assert (
        Path(target).read_text(encoding="utf-8").splitlines()[1].startswith("+447400123456;Changed")
    )
