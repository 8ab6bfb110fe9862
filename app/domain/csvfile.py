"""Reading and writing the CSV files operators really have.

UTF-8 with or without BOM, UTF-16 and cp1252 exports, ``,`` ``;`` or tab, quoted fields with
commas, quotes and newlines, CRLF, a header row or none, header names in any order and common
spellings, extra columns kept, blank lines skipped, ``\\n`` turned into a line feed.

Round trip. Saving writes the file back in the encoding, delimiter, quoting and line ending it
was read with. A line feed in a message is written as the two characters ``\\n`` (the escape
RocketCOMS documents, and what BulkSMS's batch format needs) when the file used that escape or
had no line breaks in messages; it stays a quoted line break when the file wrote them so.
Cells are never altered on reading: a leading ``'`` that a spreadsheet put before a formula is
part of the text, so a read-then-save is faithful; saving adds that ``'`` to cells a
spreadsheet would run as a formula (``= + - @``, tab, CR), except plain numbers such as
``+447700900123``.

Parsing is :mod:`csv` in strict mode over blocks of lines, so that a broken record (a quote
never closed, text after a closing quote) is seen, re-read leniently, and kept with its
``problem`` instead of being merged silently into the next rows.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_SAMPLE_BYTES = 64 * 1024
# Small blocks stay in the CPU cache: a 64 KiB block read measured 1.3x a bare csv pass, 1 MiB 2.2x.
_BLOCK_BYTES = 64 * 1024
_SAMPLE_RECORDS = 200
_DELIMITERS = (",", ";", "\t")

# Normalised header spellings, best first: "Phone Number", "phone_number" -> "phonenumber".
# English first, then the common spellings of the European spreadsheet exports operators have.
_PHONE_NAMES = (
    "phone",
    "phonenumber",
    "mobile",
    "mobilenumber",
    "mobilephone",
    "msisdn",
    "cell",
    "cellphone",
    "number",
    "to",
    "recipient",
    "destination",
    "telephone",
    "tel",
    "téléphone",
    "portable",
    "mobil",
    "handy",
    "telefon",
    "telefono",
    "teléfono",
    "móvil",
    "movil",
    "cellulare",
    "mobiel",
    "numero",
    "número",
)
_MESSAGE_NAMES = (
    "message",
    "text",
    "body",
    "sms",
    "messagetext",
    "smstext",
    "content",
    "msg",
    "texte",
    "nachricht",
    "mensaje",
    "mensagem",
    "messaggio",
    "testo",
    "bericht",
)

_PHONE_LIKE = re.compile(r"\s*(?:\+|00)?[\d\s().\-/]{6,24}\s*\Z")
# Cells that start like a formula but are a plain number, written as is: "+447700900123".
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d ().\-]*\Z")
_FORMULA_START = frozenset("=+-@\t\r")
# str.splitlines also splits on these; csv only on \r and \n, so such blocks split by regex.
_OTHER_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")

_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
}


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

    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"
    delimiter: str
    has_header: bool
    columns: tuple[str, ...]  # header names as written (generated names when no header)
    phone_column: int
    message_column: int
    newline: str  # "\r\n", "\n" or "\r"
    quote_all: bool = False  # every field was quoted
    newline_escape: bool = True  # a line feed in a message is written as the two chars "\n"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # 1-based line on which the row starts
    fields: tuple[str, ...]
    problem: str | None = None  # why the row is malformed (wrong field count...), else None


@dataclass(slots=True)
class RowChunk:
    """A block of data rows as parsed, for callers that work column-wise on many rows.

    ``rows[i]`` started on line ``lines[i]``; ``problems`` maps an index in ``rows`` to why
    that row is malformed. The message field already has ``\\n`` turned into a line feed.
    """

    lines: list[int] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    bytes_read: int = 0


# -- sniffing -------------------------------------------------------------------------------


def sniff(path: Path) -> CsvLayout:
    """Detect encoding, delimiter, header and the phone/message columns; raise CsvFileError."""
    raw, whole = _read_sample(path)
    encoding = _detect_encoding(raw)
    text = _decode_sample(raw, encoding, whole)
    if not text.strip():
        raise CsvFileError("The file is empty.")
    delimiter, records = _detect_delimiter(text, whole)
    if not records:
        raise CsvFileError("The file has no rows, only blank lines.")
    width = Counter(len(r) for r in records).most_common(1)[0][0]
    has_header, phone_column, message_column = _detect_columns(records, width)
    header = records[0]
    if has_header:
        columns = tuple(header)  # as written, so that saving writes the same header
        if len(records) == 1 and whole:
            raise CsvFileError(
                "The file has a header row but no data rows: add one row per recipient."
            )
    else:
        columns = tuple(
            "phone"
            if i == phone_column
            else "message"
            if i == message_column
            else f"column {i + 1}"
            for i in range(width)
        )
    data = records[1:] if has_header else records
    return CsvLayout(
        encoding=encoding,
        delimiter=delimiter,
        has_header=has_header,
        columns=columns,
        phone_column=phone_column,
        message_column=message_column,
        newline=_detect_newline(text),
        quote_all=_detect_quote_all(text, delimiter),
        newline_escape=_detect_newline_escape(data, message_column),
    )


def _read_sample(path: Path) -> tuple[bytes, bool]:
    try:
        with path.open("rb") as file:
            raw = file.read(_SAMPLE_BYTES + 1)
    except FileNotFoundError:
        raise CsvFileError(f"The file {path} does not exist.") from None
    except IsADirectoryError:
        raise CsvFileError(f"{path} is a folder, not a CSV file.") from None
    except OSError as error:
        raise CsvFileError(f"The file {path} cannot be read ({error.strerror}).") from None
    return raw[:_SAMPLE_BYTES], len(raw) <= _SAMPLE_BYTES


def _detect_encoding(raw: bytes) -> str:
    """BOMs first, then UTF-16 without BOM (NULs in every other byte), then strict UTF-8 on
    the sample, else cp1252 (what Excel on Windows saves as "CSV")."""
    if not raw:
        raise CsvFileError("The file is empty.")
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in raw:
        half = len(raw) // 2
        if half and raw[1::2].count(0) > half * 0.9:
            return "utf-16-le"
        if half and raw[0::2].count(0) > half * 0.9:
            return "utf-16-be"
        raise CsvFileError("The file is not text (it contains NUL bytes): export it as CSV.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode_sample(raw: bytes, encoding: str, whole: bool) -> str:
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(raw, final=whole)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CsvFileError(
            f"The file is not text in any supported encoding (byte {raw[error.start]:#04x}).",
            line=line,
        ) from None
    if not whole:
        # Only whole lines: the last one may be cut (its record is dropped below as well).
        text = text[: text.rfind("\n") + 1] or text
    return text


def _sample_records(text: str, delimiter: str, whole: bool) -> list[list[str]]:
    records: list[list[str]] = []
    reader = csv.reader(_split_lines(text), delimiter=delimiter)
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append(record)
            if len(records) > _SAMPLE_RECORDS:
                break
    except csv.Error:
        pass  # a broken record ends the sample; read_rows reports it with its line
    if not whole and len(records) > 1 and len(records) <= _SAMPLE_RECORDS:
        records.pop()  # may be cut by the sample's end
    return records[:_SAMPLE_RECORDS]


def _detect_delimiter(text: str, whole: bool) -> tuple[str, list[list[str]]]:
    """The delimiter that splits the sample into the most consistent number of fields.

    Hand-written: ``csv.Sniffer`` guesses from character frequencies and is easily fooled by
    commas inside messages of a ``;`` file; here each candidate is parsed for real.
    """
    best: tuple[tuple[bool, float, float, int], str, list[list[str]]] | None = None
    for delimiter in _DELIMITERS:
        records = _sample_records(text, delimiter, whole)
        if not records:
            continue
        counts = Counter(len(r) for r in records)
        width, agreeing = counts.most_common(1)[0]
        phone_like = sum(any(_PHONE_LIKE.match(c) for c in r) for r in records) / len(records)
        score = (width >= 2, agreeing / len(records), phone_like, width)
        if best is None or score > best[0]:
            best = (score, delimiter, records)
    if best is None:
        return ",", []
    return best[1], best[2]


def _normalise_name(name: str) -> str:
    return re.sub(r"[\s_\-.#]+", "", name.strip().strip("\ufeff\"'").lower())


def _named_column(header: list[str], names: tuple[str, ...]) -> int | None:
    normalised = [_normalise_name(h) for h in header]
    for name in names:
        if name in normalised:
            return normalised.index(name)
    return None


def _detect_columns(records: list[list[str]], width: int) -> tuple[bool, int, int]:
    """(has_header, phone_column, message_column) from header names, else from content."""
    header = records[0]
    phone = _named_column(header, _PHONE_NAMES)
    message = _named_column(header, _MESSAGE_NAMES)
    found = ", ".join(f"'{h.strip()}'" for h in header)
    if message is not None:
        if phone is None:
            phone = _phone_column_by_content(records[1:], width, exclude=message)
        if phone is None:
            raise CsvFileError(
                f"The file has no phone column: the header has {found}; name one column "
                "phone, mobile, msisdn, number, to or recipient.",
                line=1,
            )
        return True, phone, message
    if phone is not None:
        raise CsvFileError(
            f"The file has no message column: the header has {found}; name one column "
            "message, text, body or sms.",
            line=1,
        )
    phone = _phone_column_by_content(records, width, exclude=None)
    if phone is None or phone >= len(header) or not _PHONE_LIKE.match(header[phone]):
        if len(records) > 1 and phone is not None:
            raise CsvFileError(
                f"The file has no message column: the header has {found}; name one column "
                "message, text, body or sms.",
                line=1,
            )
        raise CsvFileError(
            "The file has no phone column and no message column: add a header row "
            "such as 'phone,message'.",
            line=1,
        )
    message = _message_column_by_content(records, width, exclude=phone)
    if message is None:
        raise CsvFileError(
            "The file has no message column: every row holds only phone numbers.", line=1
        )
    return False, phone, message


def _phone_column_by_content(
    records: list[list[str]], width: int, *, exclude: int | None
) -> int | None:
    if not records:
        return None
    best, best_share = None, 0.5
    for column in range(width):
        if column == exclude:
            continue
        cells = [r[column] for r in records if column < len(r)]
        share = sum(bool(_PHONE_LIKE.match(c)) for c in cells) / len(records)
        if share > best_share:
            best, best_share = column, share
    return best


def _message_column_by_content(records: list[list[str]], width: int, *, exclude: int) -> int | None:
    """The column with the most letters: messages are prose, other columns short codes."""
    best, best_letters = None, 0
    for column in range(width):
        if column == exclude:
            continue
        letters = sum(sum(ch.isalpha() for ch in r[column]) for r in records if column < len(r))
        if letters > best_letters:
            best, best_letters = column, letters
    return best


def _detect_newline(text: str) -> str:
    index = text.find("\n")
    if index > 0 and text[index - 1] == "\r":
        return "\r\n"
    if index < 0 and "\r" in text:
        return "\r"
    return "\n"


def _detect_quote_all(text: str, delimiter: str) -> bool:
    lines = [line.rstrip("\r\n") for line in text.splitlines()[:5] if line.strip()]
    return bool(lines) and all(
        line.startswith('"') and line.endswith('"') and f'"{delimiter}"' in line for line in lines
    )


def _detect_newline_escape(records: list[list[str]], message_column: int) -> bool:
    """Keep writing real line breaks only when the file had them and never the escape."""
    messages = [r[message_column] for r in records if message_column < len(r)]
    if any("\\n" in m for m in messages):
        return True
    return not any("\n" in m or "\r" in m for m in messages)


# -- reading --------------------------------------------------------------------------------


def read_rows(path: Path, layout: CsvLayout) -> Iterator[CsvRow]:
    """Every data row, blank lines skipped, malformed rows kept with their ``problem``."""
    for chunk in read_chunks(path, layout):
        for index, (line, fields) in enumerate(zip(chunk.lines, chunk.rows, strict=True)):
            yield CsvRow(line, tuple(fields), chunk.problems.get(index))


def read_chunks(
    path: Path, layout: CsvLayout, *, block_bytes: int = _BLOCK_BYTES
) -> Iterator[RowChunk]:
    """The data rows of ``path`` in blocks of about ``block_bytes`` of the file.

    The header row (when the layout has one) is skipped. Each call into :mod:`csv` covers one
    block, so a caller in a worker thread gives the GIL back between blocks.
    """
    width = len(layout.columns)
    message_column = layout.message_column
    header_pending = layout.has_header
    for block in _text_blocks(path, layout.encoding, block_bytes):
        chunk = RowChunk(bytes_read=block.bytes_read)
        rows = _plain_block(block, layout.delimiter, width, skip_first=header_pending)
        if rows is not None:
            header_pending = False
            chunk.rows = rows
            first = block.first_line + block.lines_used - len(rows)
            chunk.lines = list(range(first, first + len(rows)))
            if "\\n" in block.text:
                for fields in rows:
                    if "\\n" in fields[message_column]:
                        fields[message_column] = _message_line_breaks(fields[message_column])
            yield chunk
            continue
        for line, fields, problem in _parse_block(block, layout.delimiter):
            if problem is None and (
                not any(fields) or (len(fields) == 1 and not fields[0].strip())
            ):
                continue  # a blank line, or one holding only delimiters or spaces
            if header_pending:
                header_pending = False
                continue
            if problem is None and len(fields) != width:
                problem = _field_count_problem(len(fields), width, layout.has_header)
            if message_column < len(fields):
                message = fields[message_column]
                if "\\n" in message or "\r" in message:
                    fields[message_column] = _message_line_breaks(message)
            if problem is not None:
                chunk.problems[len(chunk.rows)] = problem
            chunk.lines.append(line)
            chunk.rows.append(fields)
        yield chunk


def _message_line_breaks(message: str) -> str:
    """The two characters ``\\n`` and a CRLF (or CR) inside a quoted message become the line
    feed an SMS carries."""
    return message.replace("\\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def _field_count_problem(count: int, width: int, has_header: bool) -> str:
    expected = "the header has" if has_header else "the other rows have"
    noun = "field" if count == 1 else "fields"
    return f"The row has {count} {noun} where {expected} {width}."


@dataclass(slots=True)
class _Block:
    """Whole lines of the file, about one read's worth.

    A record may span blocks (a quoted line break): the parser puts the text of an unfinished
    last record in ``unfinished`` and ``_text_blocks`` carries it into the next block. At the
    end of the file (``final``) such a record is reported instead. ``lines_used`` is how many
    lines the parser consumed, so that the next block knows its first line number.
    """

    text: str
    first_line: int
    bytes_read: int
    final: bool
    unfinished: str = ""
    lines_used: int = 0


def _text_blocks(path: Path, encoding: str, block_bytes: int) -> Iterator[_Block]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    first_line = 1
    bytes_read = 0
    carry = ""
    with path.open("rb") as file:
        while True:
            raw = file.read(block_bytes)
            final = not raw
            bytes_read += len(raw)
            try:
                text = carry + decoder.decode(raw, final=final)
            except UnicodeDecodeError as error:
                line = first_line + carry.count("\n") + raw[: error.start].count(b"\n")
                name = _ENCODING_NAMES.get(encoding, encoding)
                raise CsvFileError(
                    f"The file is not valid {name} here (byte {raw[error.start]:#04x}); "
                    f"save it again as {name}.",
                    line=line,
                ) from None
            cut = len(text) if final else _end_of_last_line(text)
            block = _Block(text[:cut], first_line, bytes_read, final)
            carry = text[cut:]
            if block.text or final:
                yield block
            first_line += block.lines_used
            carry = block.unfinished + carry
            if final:
                return


def _end_of_last_line(text: str) -> int:
    """Where the last whole line of ``text`` ends (never between a CR and its LF)."""
    end = text.rfind("\n")
    if end < 0:
        end = text.rfind("\r", 0, len(text) - 1)  # a file with CR line ends only
    return end + 1


def _plain_block(
    block: _Block, delimiter: str, width: int, *, skip_first: bool
) -> list[list[str]] | None:
    """The records of a block where each line is one well-formed record of ``width`` fields
    (the common case, handled at the speed of :mod:`csv`), else None.

    Lines are split on LF alone here, which is fast; that is right only when every CR is part
    of a CRLF and no record spans lines, both checked. Blank, short, long, multi-line or
    broken records send the block to the record-by-record path instead.
    """
    text = block.text
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    carriage_returns = text.count("\r")
    if carriage_returns and carriage_returns != text.count("\r\n"):
        return None
    try:
        records = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    if len(records) != len(lines) or set(map(len, records)) != {width}:
        return None
    if [""] * width in records:
        return None  # a line of delimiters only, skipped as blank
    block.lines_used = len(lines)
    return records[1:] if skip_first else records


def _split_lines(text: str) -> list[str]:
    """Lines with their endings, split where :mod:`csv` splits: CR, LF, CRLF."""
    if _OTHER_LINE_BREAKS.search(text):
        return _LINES.findall(text)
    return text.splitlines(keepends=True)


def _parse_block(block: _Block, delimiter: str) -> Iterator[tuple[int, list[str], str | None]]:
    """(start line, fields, problem) of each complete record in ``block``."""
    lines = _split_lines(block.text)
    block.lines_used = len(lines)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    done = 0  # lines consumed by complete records
    while True:
        try:
            for fields in reader:
                yield block.first_line + done, fields, None
                done = reader.line_num
            return
        except csv.Error as error:
            message = str(error)
            if "unexpected end of data" in message and not block.final:
                block.unfinished = "".join(lines[done:])
                block.lines_used = done
                return
            bad = lines[done : reader.line_num]
            problem = _quote_problem(message, len(bad))
            yield block.first_line + done, _lenient_fields(bad, delimiter), problem
            done = reader.line_num


def _lenient_fields(lines: list[str], delimiter: str) -> list[str]:
    try:
        return [f for record in csv.reader(lines, delimiter=delimiter) for f in record]
    except csv.Error:
        return ["".join(lines).rstrip("\r\n")]


def _quote_problem(error: str, span: int) -> str:
    if "unexpected end of data" in error:
        return 'A quoted field is never closed (a " is missing), so the row runs to the end.'
    if "expected after" in error:
        return (
            f'Text follows a closing quote (a " inside a field must be doubled); '
            f"the row spans {span} line{'s' if span != 1 else ''}."
        )
    if "NUL" in error:
        return "The row contains a NUL byte."
    return f"The row cannot be parsed ({error})."


# -- writing --------------------------------------------------------------------------------


def write_rows(path: Path, layout: CsvLayout, rows: Iterable[tuple[str, ...]]) -> None:
    """Write atomically (temp file + rename) in ``layout``'s dialect and encoding; cells a
    spreadsheet would run as a formula are escaped.

    ``rows`` are the data rows in the layout's column order; the header (when the layout has
    one) is written first. A character the encoding cannot hold raises :class:`CsvFileError`
    naming it and its line, and leaves the existing file untouched.
    """
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding=layout.encoding, newline="") as file:
            writer = csv.writer(
                file,
                delimiter=layout.delimiter,
                lineterminator=layout.newline,
                quoting=csv.QUOTE_ALL if layout.quote_all else csv.QUOTE_MINIMAL,
            )
            line_break = "\\n" if layout.newline_escape else layout.newline
            line = 1
            name = _ENCODING_NAMES.get(layout.encoding, layout.encoding)
            if layout.has_header:
                _write_row(writer.writerow, [escape_formula(c) for c in layout.columns], line, name)
                line += 1
            for row in rows:
                cells = [escape_formula(c) for c in row]
                message = layout.message_column
                if message < len(cells) and "\n" in cells[message]:
                    cells[message] = cells[message].replace("\n", line_break)
                _write_row(writer.writerow, cells, line, name)
                line += 1 + sum(c.count("\n") for c in cells)
            file.flush()
            os.fsync(file.fileno())
        if path.exists():
            os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write_row(
    write: Callable[[list[str]], object], cells: list[str], line: int, encoding: str
) -> None:
    """Write one row; a character ``encoding`` (its plain name: the codec's own can be
    "charmap") cannot hold is a :class:`CsvFileError` naming it and its line."""
    try:
        write(cells)
    except UnicodeEncodeError as error:
        char = error.object[error.start]
        raise CsvFileError(
            f"'{char}' cannot be saved in {encoding}; save the file as UTF-8 instead.",
            line=line,
        ) from None


def escape_formula(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    if cell and cell[0] in _FORMULA_START and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell
