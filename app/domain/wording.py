"""Small helpers for the words the window shows."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """``counted(1, "error")`` -> ``"1 error"``; ``counted(1200, "row")`` -> ``"1,200 rows"``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
