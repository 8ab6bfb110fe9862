"""Write a file so that a crash leaves either the old or the new content, never half of each."""

from __future__ import annotations

import os
import re
from pathlib import Path

from app.domain.atomic import write_bytes_atomic


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, as written: no newline translation) atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def leftover_temp_files(path: Path) -> list[Path]:
    """The temporary files beside ``path`` that a write of it killed half-way left behind.

    Both atomic writers (:func:`write_text_atomic` and ``app.domain.csvfile.write_rows``, which
    saves the operator's CSV) name theirs ``.NAME.XXXXXXXX.tmp`` with mkstemp; nothing else
    beside the file is matched. Only the caller knows whether the writer is gone.
    """
    name = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]+\.tmp")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    return [
        Path(e.path) for e in entries if name.fullmatch(e.name) and e.is_file(follow_symlinks=False)
    ]
