"""CSV reading and writing against real files of every shape operators send."""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.csvfile import (
    CsvFileError,
    CsvLayout,
    CsvRow,
    escape_formula,
    read_chunks,
    read_rows,
    sniff,
    write_rows,
)


def write(tmp_path: Path, data: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rows_of(path: Path) -> list[CsvRow]:
    return list(read_rows(path, sniff(path)))


# -- encodings -------------------------------------------------------------------------------

TEXT = "phone,message\n+447400123456,Café – 5 € 😀\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_unicode_encodings_are_detected_and_decoded(tmp_path, data, encoding):
    path = write(tmp_path, data)
    layout = sniff(path)
    assert layout.encoding == encoding
    assert layout.columns == ("phone", "message")
    assert rows_of(path) == [CsvRow(2, ("+447400123456", "Café – 5 € 😀"))]


def test_cp1252_spreadsheet_export(tmp_path):
    path = write(
        tmp_path, "phone;message\r\n+33612345678;Réduction de 5 € – à bientôt\r\n".encode("cp1252")
    )
    layout = sniff(path)
    assert (layout.encoding, layout.delimiter, layout.newline) == ("cp1252", ";", "\r\n")
    assert rows_of(path)[0].fields == ("+33612345678", "Réduction de 5 € – à bientôt")


def test_utf8_that_breaks_after_the_sample_names_the_line(tmp_path):
    body = "".join(f"+4474001234{i % 100:02d},Hello number {i}\n" for i in range(3000))
    path = write(tmp_path, ("phone,message\n" + body).encode("utf-8") + b"+447400123456,caf\xe9\n")
    layout = sniff(path)
    assert layout.encoding == "utf-8"
    with pytest.raises(CsvFileError) as caught:
        rows_of(path)
    assert caught.value.line == 3002
    assert "not valid UTF-8" in str(caught.value)


# -- dialects ------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_even_when_messages_contain_the_others(tmp_path, delimiter):
    rows = [("phone", "message"), ("+447400123456", "Hi, see you; ok\tbye"), ("+447400123457", "x")]
    quoted = [
        delimiter.join(f'"{c}"' if any(d in c for d in ",;\t") else c for c in row) for row in rows
    ]
    path = write(tmp_path, "\n".join(quoted) + "\n")
    layout = sniff(path)
    assert layout.delimiter == delimiter
    assert [r.fields for r in rows_of(path)] == rows[1:]


def test_quoted_fields_with_commas_quotes_and_newlines_keep_their_start_line(tmp_path):
    path = write(
        tmp_path,
        'phone,message\r\n+447400123456,"Say ""hi"", then\r\nnext line"\r\n+447400123457,plain\r\n',
    )
    layout = sniff(path)
    assert layout.newline == "\r\n"
    assert layout.newline_escape is False  # the file writes real line breaks
    assert rows_of(path) == [
        CsvRow(2, ("+447400123456", 'Say "hi", then\r\nnext line')),
        CsvRow(4, ("+447400123457", "plain")),
    ]


def test_blank_lines_and_delimiter_only_lines_are_skipped_but_counted(tmp_path):
    path = write(tmp_path, "\nphone,message\n\n+447400123456,a\n,\n   \n+447400123457,b\n\n")
    assert rows_of(path) == [
        CsvRow(4, ("+447400123456", "a")),
        CsvRow(7, ("+447400123457", "b")),
    ]


def test_backslash_n_in_a_message_is_a_line_feed(tmp_path):
    path = write(tmp_path, "phone,message,note\n+447400123456,Hello\\nWorld,keep\\nme\n")
    layout = sniff(path)
    assert layout.newline_escape is True
    assert rows_of(path)[0].fields == ("+447400123456", "Hello\nWorld", "keep\\nme")


# -- headers and columns ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "phone_column", "message_column"),
    [
        ("Phone Number,SMS Text", 0, 1),
        ("Body,MSISDN", 1, 0),
        ("  TEXT , mobile ", 1, 0),
        ("id,to,name,message", 1, 3),
        ("recipient;BODY", 0, 1),
        ("Number,Msg", 0, 1),
    ],
)
def test_header_spellings_in_any_order(tmp_path, header, phone_column, message_column):
    delimiter = ";" if ";" in header else ","
    cells = ["x"] * len(header.split(delimiter))
    cells[phone_column] = "+447400123456"
    cells[message_column] = "Hello there"
    path = write(tmp_path, f"{header}\n{delimiter.join(cells)}\n")
    layout = sniff(path)
    assert layout.has_header
    assert (layout.phone_column, layout.message_column) == (phone_column, message_column)
    assert rows_of(path)[0].fields[message_column] == "Hello there"


def test_extra_columns_are_kept_in_order(tmp_path):
    path = write(tmp_path, "customer,message,phone,segment\nC1,Hi,+447400123456,gold\n")
    layout = sniff(path)
    assert layout.columns == ("customer", "message", "phone", "segment")
    assert rows_of(path)[0].fields == ("C1", "Hi", "+447400123456", "gold")


def test_headerless_file_finds_the_phone_and_message_columns_by_content(tmp_path):
    path = write(
        tmp_path,
        "C-1,Your table is ready,+447400123456\nC-2,See you at eight,07400 123457\n",
    )
    layout = sniff(path)
    assert not layout.has_header
    assert (layout.phone_column, layout.message_column) == (2, 1)
    assert layout.columns == ("column 1", "message", "phone")
    assert rows_of(path)[0] == CsvRow(1, ("C-1", "Your table is ready", "+447400123456"))


def test_header_with_message_but_unusual_phone_name_finds_phone_by_content(tmp_path):
    path = write(tmp_path, "Kunde,Rufnummer,Nachricht\nAnke,+4915123456789,Hallo Anke\n")
    layout = sniff(path)
    assert (layout.phone_column, layout.message_column) == (1, 2)


# -- broken rows are kept ---------------------------------------------------------------------


def test_wrong_field_counts_are_reported_not_dropped(tmp_path):
    path = write(tmp_path, "phone,message,name\n+447400123456,Hi\n+447400123457,Hi,Bo,extra\n")
    rows = rows_of(path)
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].fields == ("+447400123456", "Hi")
    assert rows[0].problem == "The row has 2 fields where the header has 3."
    assert rows[1].fields == ("+447400123457", "Hi", "Bo", "extra")
    assert "4 fields" in (rows[1].problem or "")


def test_unterminated_quote_at_end_of_file_is_a_problem_row(tmp_path):
    path = write(tmp_path, 'phone,message\n+447400123456,ok\n+447400123457,"never closed\nmore\n')
    rows = rows_of(path)
    assert rows[0] == CsvRow(2, ("+447400123456", "ok"))
    assert rows[1].line == 3
    assert rows[1].fields[0] == "+447400123457"
    assert "never closed" in rows[1].fields[1]
    assert "never closed" in (rows[1].problem or "")


def test_text_after_a_closing_quote_is_a_problem_and_reading_goes_on(tmp_path):
    path = write(tmp_path, 'phone,message\n+447400123456,"Hi" there\n+447400123457,fine\n')
    rows = rows_of(path)
    assert rows[0].line == 2
    assert rows[0].fields == ("+447400123456", "Hi there")
    assert "closing quote" in (rows[0].problem or "")
    assert rows[1] == CsvRow(3, ("+447400123457", "fine"))


def test_blocks_split_anywhere_give_the_same_rows(tmp_path):
    text = (
        'phone,message\r\n+447400123456,"two\r\nlines"\r\n\r\n+447400123457,Hi\\nthere\r\n'
        '+447400123458,short,extra\r\n+447400123459,"é ""q"""\r\n'
    )
    path = write(tmp_path, text)
    layout = sniff(path)
    expected = list(read_rows(path, layout))
    assert len(expected) == 4
    for block_bytes in (1, 2, 3, 5, 8, 13, 64):
        rows = [
            CsvRow(line, tuple(fields), chunk.problems.get(i))
            for chunk in read_chunks(path, layout, block_bytes=block_bytes)
            for i, (line, fields) in enumerate(zip(chunk.lines, chunk.rows, strict=True))
        ]
        assert rows == expected, block_bytes


# -- files that cannot be used ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\n\r\n  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not text"),
        (b"phone,message\n", "no data rows"),
        (b"phone,name\n+447400123456,Ann\n", "no message column"),
        (b"phone\n+447400123456\n+447400123457\n", "no message column"),
        (b"a,b\n1,2\n", "no phone column"),
    ],
)
def test_unusable_files_raise_one_clear_sentence(tmp_path, data, words):
    path = write(tmp_path, data)
    with pytest.raises(CsvFileError) as caught:
        sniff(path)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_message_column_names_the_headers_found(tmp_path):
    path = write(tmp_path, "Mobile,First name,Shop\n+447400123456,Ann,Leeds\n")
    with pytest.raises(CsvFileError) as caught:
        sniff(path)
    assert str(caught.value).startswith("Line 1: ")
    assert "'Mobile', 'First name', 'Shop'" in str(caught.value)


def test_missing_file_is_a_file_error(tmp_path):
    with pytest.raises(CsvFileError, match="does not exist"):
        sniff(tmp_path / "nope.csv")


# -- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        'phone;message;name\r\n+447400123456;"Hi; you";Ann\r\n'.encode("cp1252"),
        "\ufeffphone,message\n+447400123456,Hello\\nthere\n".encode(),
        "phone\tmessage\r\n+447400123456\tCafé 😀\r\n".encode("utf-16"),
        b'"phone","message"\r\n"+447400123456","Hi"\r\n',
        b'phone,message\n+447400123456,"two\nlines"\n',
        b"C-1,Your table is ready,+447400123456\n",
    ],
)
def test_read_then_write_gives_the_same_bytes(tmp_path, data):
    path = write(tmp_path, data)
    layout = sniff(path)
    rows = [row.fields for row in read_rows(path, layout)]
    out = tmp_path / "out.csv"
    write_rows(out, layout, iter(rows))
    assert out.read_bytes() == data


def test_write_escapes_formulas_but_not_phone_numbers(tmp_path):
    layout = CsvLayout("utf-8", ",", True, ("phone", "message", "note"), 0, 1, "\n")
    path = tmp_path / "out.csv"
    write_rows(
        path,
        layout,
        iter([("+447400123456", '=HYPERLINK("http://x")', "@SUM(A1)"), ("-1", "+1+2", "\tx")]),
    )
    assert path.read_text().splitlines() == [
        "phone,message,note",
        '+447400123456,"\'=HYPERLINK(""http://x"")",\'@SUM(A1)',
        "-1,'+1+2,'\tx",
    ]


@pytest.mark.parametrize(
    ("cell", "escaped"),
    [
        ("+447400123456", False),
        ("+1 (415) 555-0100", False),
        ("-42", False),
        ("=1+1", True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3", True),
        ("@foo", True),
        ("\rx", True),
        ("Hello", False),
        ("", False),
    ],
)
def test_escape_formula(cell, escaped):
    assert escape_formula(cell) == ("'" + cell if escaped else cell)


def test_write_is_atomic_and_keeps_the_old_file_when_a_character_cannot_be_encoded(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    path = write(folder, "phone;message\r\n+33612345678;café\r\n".encode("cp1252"))
    layout = sniff(path)
    with pytest.raises(CsvFileError) as caught:
        write_rows(path, layout, iter([("+33612345678", "ok"), ("+33612345679", "emoji 😀")]))
    assert caught.value.line == 3
    assert "'😀' cannot be saved in Windows-1252; save the file as UTF-8" in str(caught.value)
    assert "charmap" not in str(caught.value)  # the codec's name, not the operator's
    assert path.read_bytes() == "phone;message\r\n+33612345678;café\r\n".encode("cp1252")
    assert [p.name for p in folder.iterdir()] == ["in.csv"]  # no temp file left behind


cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=8))
def test_write_then_read_round_trips_every_text(tmp_path_factory, rows):
    """What comes back is what was written, but for the formula escape and a message's two
    characters ``\\n``, which come back as the line feed they stand for; rows of blank cells
    are blank lines."""
    path = tmp_path_factory.mktemp("round") / "out.csv"
    layout = CsvLayout("utf-8", ",", True, ("phone", "message", "note"), 0, 1, "\r\n")
    write_rows(path, layout, iter(rows))
    written = [
        (escape_formula(phone), escape_formula(message).replace("\\n", "\n"), escape_formula(note))
        for phone, message, note in rows
    ]
    expected = [cells for cells in written if "".join(cells).strip()]
    assert [row.fields for row in read_rows(path, layout)] == expected
    assert all(row.problem is None for row in read_rows(path, layout))


def test_old_mac_files_with_cr_line_ends(tmp_path):
    path = write(tmp_path, "phone,message\r+447400123456,a\r\r+447400123457,b\r")
    layout = sniff(path)
    assert layout.newline == "\r"
    assert rows_of(path) == [
        CsvRow(2, ("+447400123456", "a")),
        CsvRow(4, ("+447400123457", "b")),
    ]


def test_characters_that_only_look_like_line_breaks_stay_in_the_field(tmp_path):
    path = write(tmp_path, "phone,message\n+447400123456,a\x0cb\u2028c\x85d\n+447400123457,e\n")
    assert rows_of(path) == [
        CsvRow(2, ("+447400123456", "a\x0cb\u2028c\x85d")),
        CsvRow(3, ("+447400123457", "e")),
    ]


# -- line breaks inside and outside quotes ----------------------------------------------------

BREAKS = {"CRLF": "\r\n", "LF": "\n", "CR": "\r"}


@pytest.mark.parametrize("inside", BREAKS)
@pytest.mark.parametrize("outside", BREAKS)
def test_a_quoted_line_break_keeps_its_bytes_whatever_ends_the_lines(tmp_path, inside, outside):
    end, within = BREAKS[outside], BREAKS[inside]
    data = (
        f'phone,message{end}+447400123456,"Hello{within}World"{end}+447400123457,plain{end}'
    ).encode()
    path = write(tmp_path, data)
    layout = sniff(path)
    assert (layout.newline, layout.newline_escape) == (end, False)
    expected = [
        CsvRow(2, ("+447400123456", f"Hello{within}World")),
        CsvRow(4, ("+447400123457", "plain")),
    ]
    for block_bytes in (7, 64 * 1024):  # record by record across blocks, and in one go
        rows = [
            CsvRow(line, tuple(fields))
            for chunk in read_chunks(path, layout, block_bytes=block_bytes)
            for line, fields in zip(chunk.lines, chunk.rows, strict=True)
        ]
        assert rows == expected, block_bytes
    out = tmp_path / "out.csv"
    write_rows(out, layout, (row.fields for row in expected))
    assert out.read_bytes() == data


def test_escaped_and_quoted_line_breaks_in_one_file_both_come_back_as_written(tmp_path):
    data = b'phone,message\r\n+447400123456,Hello\\nWorld\r\n+447400123457,"Two\r\nlines"\r\n'
    path = write(tmp_path, data)
    layout = sniff(path)
    assert layout.newline_escape is True
    assert [row.fields[1] for row in rows_of(path)] == ["Hello\nWorld", "Two\r\nlines"]
    out = tmp_path / "out.csv"
    write_rows(out, layout, (row.fields for row in rows_of(path)))
    assert out.read_bytes() == data


def test_a_message_typed_with_a_line_feed_is_saved_as_the_escape_or_as_it_is(tmp_path):
    escaped = CsvLayout("utf-8", ",", True, ("phone", "message"), 0, 1, "\r\n")
    quoted = replace(escaped, newline_escape=False)
    for layout, written in ((escaped, b"a\\nb"), (quoted, b'"a\nb"')):
        out = tmp_path / "out.csv"
        write_rows(out, layout, iter([("+447400123456", "a\nb")]))
        assert out.read_bytes() == b"phone,message\r\n+447400123456," + written + b"\r\n"
        assert rows_of(out)[0].fields[1] == "a\nb"


def test_records_spanning_lines_keep_their_start_lines_in_big_files(tmp_path):
    """Blocks full of records that span lines, some cut by a block's end."""
    rows = [
        (f"+4474001234{i % 100:02d}", f"Hi {i}\r\nbye" if i % 7 == 0 else f"Hi {i}")
        for i in range(20_000)
    ]
    lines, line = [], 2
    for _, message in rows:
        lines.append(line)
        line += 1 + message.count("\n")
    layout = CsvLayout("utf-8", ",", True, ("phone", "message"), 0, 1, "\r\n", newline_escape=False)
    path = tmp_path / "big.csv"
    write_rows(path, layout, iter(rows))
    assert sniff(path) == layout
    for block_bytes in (1000, 16 * 1024, 64 * 1024):
        got = [
            (line, tuple(fields))
            for chunk in read_chunks(path, layout, block_bytes=block_bytes)
            for line, fields in zip(chunk.lines, chunk.rows, strict=True)
        ]
        assert got == list(zip(lines, rows, strict=True)), block_bytes


# -- bytes that are not text, and blank lines, around every buffer boundary -------------------


def test_blank_lines_beyond_the_sample_before_the_header_are_skipped(tmp_path):
    for encoding in ("utf-8", "utf-16", "cp1252"):
        text = "\r\n" * 40_000 + "phone;message\r\n+33612345678;Réduction – 5 €\r\n"
        path = write(tmp_path, text.encode(encoding), f"{encoding}.csv")
        layout = sniff(path)
        assert (layout.encoding, layout.delimiter) == (encoding, ";")
        assert rows_of(path) == [CsvRow(40_002, ("+33612345678", "Réduction – 5 €"))]


def test_a_header_after_blank_lines_is_named_by_its_own_line(tmp_path):
    path = write(tmp_path, "\n" * 70_000 + "Mobile,First name\n+447400123456,Ann\n")
    with pytest.raises(CsvFileError) as caught:
        sniff(path)
    assert caught.value.line == 70_001


@pytest.mark.parametrize("size", [100, 200_000])  # inside the sample, and far beyond it
def test_a_file_cut_in_the_middle_of_a_character_names_line_and_offset(tmp_path, size):
    body = "phone,message\n" + "+447400123456,Café\n" * (size // 19)
    for encoding, cut in (("utf-8", "é".encode()[:1]), ("utf-16", b"\x00")):
        data = body.encode(encoding) + cut
        path = write(tmp_path, data, f"{encoding}.csv")
        with pytest.raises(CsvFileError) as caught:
            rows_of(path)
        assert caught.value.line == body.count("\n") + 1
        name = {"utf-8": "UTF-8", "utf-16": "UTF-16"}[encoding]
        assert str(caught.value) == (
            f"Line {caught.value.line}: The file ends in the middle of a character (at offset "
            f"{len(data) - len(cut):,}), as if it were cut short; save it again as {name}."
        )


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-16-le", "cp1252")
BOUNDARIES = (16 * 1024, 64 * 1024, 128 * 1024)  # the window's blocks, the sample and blocks


def _encoded(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-be":  # with its mark, as Windows writes it
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


def _outcome(path: Path, block_bytes: int) -> object:
    try:
        layout = sniff(path)
        return [
            (line, tuple(fields), chunk.problems.get(i))
            for chunk in read_chunks(path, layout, block_bytes=block_bytes)
            for i, (line, fields) in enumerate(zip(chunk.lines, chunk.rows, strict=True))
        ]
    except CsvFileError as error:
        return str(error)


@settings(max_examples=30, deadline=None)
@given(
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(list(BREAKS.values())),
    blank_lines=st.sampled_from([0, 2, 34_000]),  # 34,000 CR LF: beyond the sample
    boundary=st.sampled_from(BOUNDARIES),
    delta=st.integers(-5, 5),
    quoted_breaks=st.booleans(),
)
def test_every_cut_around_a_buffer_boundary_reads_the_same_in_every_block_size(
    tmp_path_factory, encoding, newline, blank_lines, boundary, delta, quoted_breaks
):
    """Cut anywhere near a boundary (in the middle of a character, of a UTF-16 code unit, of a
    quoted record), a file gives the same rows or the same sentence whatever the blocks, and
    that sentence names its line; bytes that decode never give a decoding error."""
    message = 'Café "€" – 😀' if not encoding.startswith("cp") else 'Café "€" – ok'
    rows = "".join(
        f'+4474001234{i % 100:02d},"{message}{newline if quoted_breaks and i % 3 == 0 else ""} {i}"'
        + newline
        for i in range(boundary // 20)
    )
    text = newline * blank_lines + "phone,message" + newline + rows
    blank = len(_encoded(newline * blank_lines, encoding)) if blank_lines > 2 else 0
    data = _encoded(text, encoding)[: blank + boundary + delta]
    path = tmp_path_factory.mktemp("cut") / "in.csv"
    path.write_bytes(data)
    outcomes = [_outcome(path, block_bytes) for block_bytes in (4093, 16 * 1024, 64 * 1024)]
    assert outcomes[0] == outcomes[1] == outcomes[2]
    outcome = outcomes[0]
    if isinstance(outcome, str):
        assert outcome.startswith("Line "), outcome
    codec, bom = {"utf-8-sig": ("utf-8", 3), "utf-16": ("utf-16-le", 2)}.get(
        encoding, (encoding, 0)
    )
    if encoding == "utf-16-be":
        codec, bom = "utf-16-be", 2
    try:
        data[bom:].decode(codec)
    except UnicodeDecodeError:
        assert isinstance(outcome, str) and "middle of a character" in outcome
    else:
        assert not isinstance(outcome, str) or "character" not in outcome
