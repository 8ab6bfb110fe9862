"""Reading and writing the CSV files operators really have.

UTF-8 with or without BOM, UTF-16 and cp1252 exports, ``,`` ``;`` or tab, quoted fields with
commas, quotes and newlines, CRLF, a header row or none, header names in any order and common
spellings, extra columns kept, blank lines skipped, ``\\n`` turned into a line feed.
CONTRACT STUB: to be implemented; the signatures below are the agreed API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class CsvFileError(ValueError):
    """The file cannot be used at all. ``str()`` is one clear sentence naming the reason and,
    where it applies, the line (``"Line 3: ..."``)."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        super().__init__(f"Line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How a file is written, so that it can be read, and saved back the same way."""

    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1252"
    delimiter: str
    has_header: bool
    columns: tuple[str, ...]  # header names as written (generated names when no header)
    phone_column: int
    message_column: int
    newline: str  # "\r\n" or "\n"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # 1-based line on which the row starts
    fields: tuple[str, ...]
    problem: str | None = None  # why the row is malformed (wrong field count...), else None


def sniff(path: Path) -> CsvLayout:
    """Detect encoding, delimiter, header and the phone/message columns; raise CsvFileError."""
    raise NotImplementedError


def read_rows(path: Path, layout: CsvLayout) -> Iterator[CsvRow]:
    """Every data row, blank lines skipped, malformed rows kept with their ``problem``."""
    raise NotImplementedError


def write_rows(path: Path, layout: CsvLayout, rows: Iterator[tuple[str, ...]]) -> None:
    """Write atomically (temp file + rename) in ``layout``'s dialect and encoding; cells a
    spreadsheet would run as a formula are escaped."""
    raise NotImplementedError
