"""The window while a file loads: the title names the file from the moment it is opened, and
the problems panel lists nothing of the rows on their way out."""

from __future__ import annotations

from tests.ui.conftest import write_csv

ROWS = [("+447400123456", "Hello", "Amelia"), ("+447400123457", "Hi", "Oliver")]


def shown_title(window) -> str:
    """The title as the window manager gets it ("[*]" resolved)."""
    return window.windowHandle().title()


def test_a_long_load_names_the_file_from_the_start(window, tmp_path, qtbot):
    # Big enough to load in many slices and show its first rows before the end, as a
    # million-row file does (the loader reads 16 KB a step whatever the file's size).
    big = write_csv(
        tmp_path / "big.csv", [(f"+4474001{i:05d}", "Hi there", "x") for i in range(40_000)]
    )
    seen: list[tuple[str, str]] = []
    document = window.document
    document.load_progress.connect(lambda *_: seen.append(("progress", shown_title(window))))
    document.shown.connect(lambda batch: seen.append((f"{len(batch)} rows", shown_title(window))))
    window.files.open_file(big)
    assert shown_title(window) == "big.csv (loading…) — Campaign Desk"
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        pass
    first_rows = next(int(what.split()[0]) for what, _ in seen if what.endswith(" rows"))
    assert 0 < first_rows < 40_000  # the rows showed while the rest was read
    assert {title for _, title in seen} == {"big.csv (loading…) — Campaign Desk"}
    assert shown_title(window) == "big.csv — Campaign Desk"


def test_the_loading_file_is_not_marked_modified_for_the_changes_dropped(
    window, open_file, tmp_path, qtbot
):
    open_file(window, write_csv(tmp_path / "a.csv", ROWS))
    window.model.setData(window.model.index(0, 0), "+447400123450")
    assert shown_title(window) == "a.csv* — Campaign Desk"
    window.document.open(write_csv(tmp_path / "b.csv", ROWS * 20_000))  # changes dropped
    assert shown_title(window) == "b.csv (loading…) — Campaign Desk"
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        pass
    assert shown_title(window) == "b.csv — Campaign Desk"


def test_a_load_cancelled_names_the_file_that_stayed(window, open_file, tmp_path):
    open_file(window, write_csv(tmp_path / "a.csv", ROWS))
    window.files.open_file(write_csv(tmp_path / "b.csv", ROWS * 20_000))
    assert shown_title(window) == "b.csv (loading…) — Campaign Desk"
    window.cancel_running()
    assert shown_title(window) == "a.csv — Campaign Desk"


def test_the_panel_lists_nothing_of_the_old_rows_while_a_file_loads(
    window, open_file, tmp_path, qtbot
):
    bad = [("not a number", "Hi", "x")] * 2
    open_file(window, write_csv(tmp_path / "a.csv", bad))
    panel = window.error_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2)
    window.files.open_file(write_csv(tmp_path / "b.csv", ROWS * 20_000))
    assert panel.model.rowCount() == 0  # a click would have shown a row of the wrong file
    assert panel.summary.text() == "Listed once b.csv is loaded…"
    window.cancel_running()  # a.csv stays: its problems are listed again
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2)
    assert panel.summary.text() == "2 errors, 0 warnings"
