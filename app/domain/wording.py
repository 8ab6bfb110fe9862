"""Small helpers for the words the window shows."""

from __future__ import annotations


def on_line(line: int) -> str:
    """Where a row is, for the operator: ``"on line 12"`` of the file, or ``"in a new row"``
    (line 0: a row added in the editor). The table's row numbers are these lines too, written
    as they are (no thousands separator), as in the issue texts and the providers' answers."""
    return f"on line {line}" if line else "in a new row"


def counted(count: int, noun: str) -> str:
    """``counted(1, "error")`` -> ``"1 error"``; ``counted(1200, "row")`` -> ``"1,200 rows"``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def line_text(line: int | None) -> str:
    """A row's line in its file, as every list shows it: "new row" for one added in the
    editor (line 0), nothing when there is no row."""
    if line is None:
        return ""
    return str(line) if line else "new row"
