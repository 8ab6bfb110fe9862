"""Write a file so that a crash leaves either the old or the new content, never half of each.

Here rather than in ``app.store`` so that the sandbox, which may not know the store, writes
its state file the same way, and the CSV writer of the domain streams into it too.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def replacing(
    path: Path, *, encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """A file to write ``path``'s new content into (text with ``encoding``, else bytes).

    It is a temporary file beside ``path`` (``.NAME.XXXXXXXX.tmp``, see
    ``app.store.atomic.leftover_temp_files``); when the block ends it is flushed to disk and
    renamed over ``path``, keeping ``path``'s permissions. If the block raises, ``path`` is
    left as it was and the temporary file is removed. The folder must exist (the operator's
    CSV is never written into a folder made for it unasked).
    """
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        mode = "wb" if encoding is None else "w"
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` (see :func:`replacing`), making the app's own
    folder first if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as handle:
        handle.write(data)
