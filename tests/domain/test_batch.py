"""The batch document: issues, duplicates, incremental totals, loading and saving."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.batch import (
    UNKNOWN_REGION,
    Batch,
    BatchLoader,
    BatchSettings,
    CountryTotals,
    IssueCode,
    IssueSeverity,
    RowData,
    default_region,
    load_batch,
    save_batch,
    summarize,
)
from app.domain.csvfile import CsvFileError, sniff
from app.domain.pricing import PriceTable
from app.domain.sms import analyze
from app.resources import resource_path

PRICES = PriceTable("EUR", {"GB": 40_000, "FR": 70_000}, 90_000)
SETTINGS = BatchSettings("GB", PRICES)
LONG = "Our biggest event of the year is here. " * 45
GB_MOBILE = "+447400123456"


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "batch.csv"
    path.write_text(text, encoding="utf-8")
    return path


def codes(batch: Batch, row: int) -> list[str]:
    return [issue.code.value for issue in batch.result(row).issues]


def fresh_copy(batch: Batch) -> Batch:
    """The same rows in a new batch: what a from-scratch recomputation gives."""
    copy = Batch(batch.settings, batch.layout, batch.extra_columns)
    copy.append_rows(batch.row_data(row) for row in range(len(batch)))
    return copy


# -- issues ----------------------------------------------------------------------------------


def test_every_issue_code_on_the_sample_with_problems():
    batch = load_batch(resource_path("samples", "needs-fixing.csv"), SETTINGS)
    by_line = {batch.line(row): codes(batch, row) for row in range(len(batch))}
    assert by_line == {
        2: ["row.duplicate"],
        3: ["phone.invalid"],
        4: ["phone.invalid"],
        5: ["phone.invalid"],
        6: ["phone.not_mobile"],
        7: ["row.duplicate"],
        8: ["message.empty"],
        9: ["message.too_long"],
        10: [],
        11: ["row.malformed"],
        12: [],
        14: ["row.malformed"],
    }
    totals = batch.totals
    assert (totals.rows, totals.errors, totals.warnings) == (12, 7, 3)


def test_issue_severities_columns_and_sentences(tmp_path):
    path = csv_file(
        tmp_path,
        "phone,message\n"
        ",Hi\n"
        "not a number,Hi\n"
        "+441212345678,Hi\n"
        f"{GB_MOBILE},\n"
        f"+447400123457,{LONG}\n",
    )
    batch = load_batch(path, SETTINGS)
    blank, text, landline, empty, long = (batch.result(row).issues[0] for row in range(5))
    assert (blank.code, blank.severity, blank.column) == (
        IssueCode.PHONE_INVALID,
        IssueSeverity.ERROR,
        "phone",
    )
    assert blank.message == "The phone number is missing."
    assert text.message == "'not a number' is not a phone number."
    assert (landline.code, landline.severity) == (IssueCode.PHONE_NOT_MOBILE, IssueSeverity.WARNING)
    assert (empty.code, empty.column) == (IssueCode.MESSAGE_EMPTY, "message")
    assert long.code is IssueCode.MESSAGE_TOO_LONG
    assert long.message == f"The message needs {analyze(LONG).segments} segments; the limit is 10."


def test_national_number_is_read_in_the_default_region(tmp_path):
    path = csv_file(tmp_path, "phone,message\n07400 123456,Hi\n06 12 34 56 78,Salut\n")
    gb = load_batch(path, SETTINGS)
    assert gb.result(0).e164 == GB_MOBILE
    assert codes(gb, 1) == ["phone.invalid"]
    assert "read as a GB number" in gb.result(1).issues[0].message
    fr = load_batch(path, replace(SETTINGS, default_region="FR"))
    assert fr.result(1).e164 == "+33612345678"
    assert fr.result(1).region == "FR"


def test_errors_sort_before_warnings_and_a_row_counts_once_per_severity(tmp_path):
    path = csv_file(tmp_path, "phone,message\n+441212345678,\n+441212345678,\n")
    batch = load_batch(path, SETTINGS)
    assert codes(batch, 0) == ["message.empty", "phone.not_mobile", "row.duplicate"]
    assert (batch.totals.errors, batch.totals.warnings) == (2, 2)


# -- cost and totals -------------------------------------------------------------------------


def test_cost_is_segments_times_the_price_of_the_country(tmp_path):
    two_segments = "x" * 200
    path = csv_file(
        tmp_path,
        f"phone,message\n{GB_MOBILE},{two_segments}\n+33612345678,Salut\n+4915123456789,Hallo\n"
        "nope,Hi\n",
    )
    batch = load_batch(path, SETTINGS)
    assert [batch.result(row).cost for row in range(4)] == [80_000, 70_000, 90_000, 90_000]
    totals = batch.totals
    assert (totals.rows, totals.segments, totals.cost, totals.currency) == (4, 5, 330_000, "EUR")
    assert totals.by_country == {
        "DE": CountryTotals(1, 1, 90_000),
        "FR": CountryTotals(1, 1, 70_000),
        "GB": CountryTotals(1, 2, 80_000),
        UNKNOWN_REGION: CountryTotals(1, 1, 90_000),
    }


def test_short_links_count_as_their_short_length(tmp_path):
    url = "https://example.com/" + "a" * 200
    path = csv_file(tmp_path, f"phone,message\n{GB_MOBILE},Track: {url}\n")
    assert load_batch(path, SETTINGS).result(0).analysis.segments == 2
    short = load_batch(path, replace(SETTINGS, short_link_length=23))
    assert short.result(0).analysis.segments == 1


def test_set_settings_recomputes_every_row(tmp_path):
    path = csv_file(tmp_path, "phone,message\n06 12 34 56 78,Salut\n07400 123456,Hi\n")
    batch = load_batch(path, SETTINGS)
    assert batch.totals.errors == 1
    batch.set_settings(replace(SETTINGS, default_region="FR", segment_cap=1))
    assert batch.result(0).region == "FR"
    assert batch.totals == fresh_copy(batch).totals
    assert batch.totals.errors == 1  # now the GB national number is the bad one
    batch.set_settings(replace(batch.settings, prices=PriceTable("USD", {}, 1)))
    assert batch.totals.currency == "USD"
    assert batch.totals.cost == 2


# -- duplicates --------------------------------------------------------------------------------


def test_duplicates_name_the_other_lines_and_follow_edits(tmp_path):
    path = csv_file(
        tmp_path,
        f"phone,message\n{GB_MOBILE},a\n+447400123457,b\n07400 123456,c\n+44 7400 123456,d\n",
    )
    batch = load_batch(path, SETTINGS)
    assert batch.result(0).issues[0].message == f"{GB_MOBILE} is also on lines 4 and 5."
    assert batch.totals.warnings == 3
    assert codes(batch, 1) == []

    assert batch.set_phone(1, "07400 123456") == {0, 1, 2, 3}
    assert batch.result(1).issues[0].message == f"{GB_MOBILE} is also on lines 2, 4 and 5."
    assert batch.totals.warnings == 4

    assert batch.set_phone(0, "+447400999999") == {0, 1, 2, 3}
    assert codes(batch, 0) == []
    assert batch.result(2).issues[0].message == f"{GB_MOBILE} is also on lines 3 and 5."

    removed = batch.remove_rows(2, 2)
    assert [data.line for data in removed] == [4, 5]
    assert batch.last_removal_changed == {1}
    assert codes(batch, 1) == []
    assert batch.totals.warnings == 0

    assert batch.insert_rows(1, removed) == {1, 2, 3}
    assert [batch.line(row) for row in range(4)] == [2, 4, 5, 3]
    assert codes(batch, 3) == ["row.duplicate"]
    assert batch.totals == fresh_copy(batch).totals


def test_invalid_numbers_are_not_compared(tmp_path):
    path = csv_file(tmp_path, "phone,message\nabc,a\nabc,b\n,c\n,d\n")
    batch = load_batch(path, SETTINGS)
    assert all(codes(batch, row) == ["phone.invalid"] for row in range(4))


def test_a_row_keeps_its_id_and_is_found_where_it_moved():
    batch = Batch(SETTINGS)
    batch.append_rows([RowData(GB_MOBILE, "Hi", (), n + 2, None) for n in range(100)])
    ids = batch.row_ids()
    batch.insert_rows(10, [RowData(GB_MOBILE, "New", (), 0, None)] * 5)
    batch.remove_rows(50, 7)
    assert batch.row_id(15) == ids[10] and batch.position(ids[10]) == 15
    assert batch.position(ids[46]) is None  # was at 51: removed
    assert batch.positions(ids) == set(range(len(batch))) - set(range(10, 15))
    assert batch.line(batch.position(ids[60])) == 62  # what is known of the row moved with it
    # An edit of the shared number reports every row, wherever it went.
    assert batch.set_phone(3, "+447400999999") == set(range(len(batch)))


# -- incremental totals == recomputation --------------------------------------------------------

PHONES = [GB_MOBILE, "07400 123456", "+447400123457", "+441212345678", "", "nope", "+33612345678"]
MESSAGES = ["Hi", "", LONG, "Café ☕", "Link https://example.com/x", "Hi"]

row_data = st.builds(
    RowData,
    phone=st.sampled_from(PHONES),
    message=st.sampled_from(MESSAGES),
    extras=st.tuples(st.sampled_from(["", "x"])),
    line=st.integers(0, 50),
    problem=st.sampled_from([None, None, "The row has 1 field where the header has 3."]),
)
edits = st.lists(
    st.one_of(
        st.tuples(st.just("phone"), st.integers(0, 30), st.sampled_from(PHONES)),
        st.tuples(st.just("message"), st.integers(0, 30), st.sampled_from(MESSAGES)),
        st.tuples(st.just("insert"), st.integers(0, 30), st.lists(row_data, max_size=3)),
        st.tuples(st.just("remove"), st.integers(0, 30), st.integers(1, 3)),
        st.tuples(st.just("extra"), st.integers(0, 30), st.just("y")),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(row_data, max_size=12), edits)
def test_every_row_whose_result_changed_is_reported(start, operations):
    """What an edit says changed is what the window repaints and the panel rescans: a row
    left out (a duplicate partner of a moved number, say) would show a stale warning."""
    batch = Batch(SETTINGS, extra_columns=("note",))
    batch.append_rows(start)
    for operation, row, value in operations:
        before = [batch.result(r) for r in range(len(batch))]
        if operation == "insert":
            at = min(row, len(batch))
            changed = batch.insert_rows(at, value)
            old_row = {r: r if r < at else r - len(value) for r in range(len(batch))}
            old_row.update({r: -1 for r in range(at, at + len(value))})
        elif not len(batch) or operation == "extra":
            continue
        elif operation == "remove":
            row %= len(batch)
            count = len(batch.remove_rows(row, value))
            changed = batch.last_removal_changed
            old_row = {r: r if r < row else r + count for r in range(len(batch))}
        else:
            row %= len(batch)
            edit = batch.set_phone if operation == "phone" else batch.set_message
            changed = edit(row, value)
            old_row = {r: r for r in range(len(batch))}
        moved_or_new = {r for r, old in old_row.items() if old < 0}
        differ = {r for r, old in old_row.items() if old >= 0 and batch.result(r) != before[old]}
        assert differ <= changed, (operation, differ - changed)
        assert moved_or_new <= changed


@settings(max_examples=60, deadline=None)
@given(st.lists(row_data, max_size=12), edits)
def test_totals_after_random_edits_equal_a_recomputation(start, operations):
    batch = Batch(SETTINGS, extra_columns=("note",))
    batch.append_rows(start)
    for operation, row, value in operations:
        if operation == "insert":
            at = min(row, len(batch))
            changed = batch.insert_rows(at, value)
            assert set(range(at, at + len(value))) <= changed <= set(range(len(batch)))
            continue
        if not len(batch):
            continue
        row %= len(batch)
        if operation == "phone":
            assert row in batch.set_phone(row, value)
        elif operation == "message":
            assert batch.set_message(row, value) == {row}
        elif operation == "extra":
            batch.set_extra(row, 0, value)
        else:
            before = len(batch)
            assert len(batch.remove_rows(row, value)) == min(value, before - row)
            assert batch.last_removal_changed <= set(range(len(batch)))
    copy = fresh_copy(batch)
    assert batch.totals == copy.totals
    assert [batch.result(r) for r in range(len(batch))] == [
        copy.result(r) for r in range(len(copy))
    ]
    for row in range(len(batch)):
        assert_fast_facts_match_the_result(batch, row)


def assert_fast_facts_match_the_result(batch: Batch, row: int) -> None:
    """The accessors used to sort, filter and scan say what result() spells out."""
    result = batch.result(row)
    severities = {issue.severity for issue in result.issues}
    assert batch.issue_flags(row) == (
        IssueSeverity.ERROR in severities,
        IssueSeverity.WARNING in severities,
    )
    assert (batch.e164(row), batch.region(row)) == (result.e164, result.region)
    assert batch.analysis(row) == result.analysis
    assert batch.cost(row) == result.cost


# -- loading, summarising, saving ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["needs-fixing.csv", "spring-sale.csv", "eu-reminders-semicolon.csv"]
)
def test_summary_equals_the_loaded_batch_totals(name):
    path = resource_path("samples", name)
    assert summarize(path, SETTINGS) == load_batch(path, SETTINGS).totals


def big_file(tmp_path: Path, rows: int) -> Path:
    lines = ["phone,message,id"]
    for i in range(rows):
        phone = f"+4474001{i % 5000:05d}" if i % 7 else "n/a"
        lines.append(f"{phone},{'Sale today' if i % 3 else f'Hi {i}'},{i}")
    return csv_file(tmp_path, "\n".join(lines) + "\n")


def test_load_reports_progress_and_matches_the_summary(tmp_path):
    path = big_file(tmp_path, 12_000)
    seen: list[tuple[int, int]] = []
    batch = load_batch(path, SETTINGS, progress=lambda done, total: seen.append((done, total)))
    assert len(batch) == 12_000
    assert len(seen) > 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert batch.totals == summarize(path, SETTINGS)
    assert batch.totals == fresh_copy(batch).totals


def test_cancel_stops_loading_early(tmp_path):
    path = big_file(tmp_path, 12_000)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    batch = load_batch(path, SETTINGS, cancelled=cancelled)
    assert 0 < len(batch) < 12_000


def test_loader_shows_the_first_rows_before_the_rest(tmp_path):
    path = big_file(tmp_path, 12_000)
    loader = BatchLoader(path, SETTINGS)
    assert loader.load_next()
    first = len(loader.batch)
    assert 0 < first < 12_000
    assert loader.batch.line(0) == 2
    while loader.load_next():
        pass
    assert loader.finished
    assert len(loader.batch) == 12_000


def test_loading_an_unusable_file_raises_the_file_error(tmp_path):
    with pytest.raises(CsvFileError, match="no message column"):
        load_batch(csv_file(tmp_path, "phone,name\n+447400123456,Ann\n"), SETTINGS)


def test_save_writes_the_edits_in_the_files_own_dialect(tmp_path):
    source = "Mobile;Nom;Texte\r\n+33612345678;Léa;Bonjour\\nLéa\r\n+33612345679;Jo;=1+1\r\n"
    path = tmp_path / "in.csv"
    path.write_bytes(source.encode("cp1252"))
    batch = load_batch(path, SETTINGS)
    assert batch.extra_columns == ("Nom",)
    batch.set_message(1, "Bonjour Jo")
    batch.insert_rows(2, [RowData("+33612345670", "Salut\nà toi", ("Zoé",))])
    out = tmp_path / "out.csv"
    save_batch(batch, out)
    assert out.read_bytes().decode("cp1252") == (
        "Mobile;Nom;Texte\r\n+33612345678;Léa;Bonjour\\nLéa\r\n+33612345679;Jo;Bonjour Jo\r\n"
        "+33612345670;Zoé;Salut\\nà toi\r\n"
    )
    assert sniff(out) == batch.layout


def test_a_new_batch_saves_as_utf8_with_a_header(tmp_path):
    batch = Batch(SETTINGS, extra_columns=("name",))
    batch.append_rows([RowData(GB_MOBILE, "Hi 😀", ("Ann",))])
    out = tmp_path / "new.csv"
    save_batch(batch, out)
    assert out.read_bytes() == "\ufeffphone,message,name\r\n+447400123456,Hi 😀,Ann\r\n".encode()


def test_malformed_rows_keep_every_field(tmp_path):
    path = csv_file(tmp_path, "phone,message,name\n+447400123456,Hi,Ann,extra\n+447400123457\n")
    batch = load_batch(path, SETTINGS)
    assert batch.row_data(0).extras == ("Ann", "extra")
    assert batch.row_data(1) == RowData(
        "+447400123457", "", ("",), 3, "The row has 1 field where the header has 3."
    )
    assert codes(batch, 1) == ["row.malformed", "message.empty"]
    assert list(batch.file_rows()) == [
        ("+447400123456", "Hi", "Ann", "extra"),
        ("+447400123457", "", ""),
    ]


@pytest.mark.parametrize(
    ("environ", "region"),
    [
        ({"LANG": "en_GB.UTF-8"}, "GB"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "en_GB.UTF-8"}, "FR"),
        ({"LC_TELEPHONE": "de_DE", "LANG": "C.UTF-8"}, "DE"),
        ({"LANG": "C.UTF-8"}, "US"),
        ({}, "US"),
    ],
)
def test_default_region_comes_from_the_locale(environ, region):
    assert default_region(environ) == region


@pytest.mark.parametrize("parallel", [True, False])
def test_summary_with_or_without_the_phone_process_is_the_same(tmp_path, parallel):
    path = big_file(tmp_path, 45_000)
    path.write_text(path.read_text() + '+447400123465,Hi,1,extra\n+447400123466,"never closed\n')
    expected = load_batch(path, SETTINGS).totals
    assert expected.errors > 45_000 // 7
    assert summarize(path, SETTINGS, parallel=parallel) == expected


def test_a_large_duplicate_group_reports_every_partner_after_rows_moved():
    batch = Batch(SETTINGS)
    batch.append_rows(RowData(GB_MOBILE, "Hi", line=n + 2) for n in range(40))
    batch.insert_rows(0, [RowData("+447400123457", "Hi")])
    assert batch.set_phone(0, GB_MOBILE) == set(range(41))
    assert batch.result(40).issues[0].message == (
        f"{GB_MOBILE} is also on lines 2, 3, 4 and 37 more rows."
    )
    removed = batch.remove_rows(0, 1)
    assert batch.last_removal_changed == set(range(40))
    assert batch.insert_rows(40, removed) == set(range(41))
    assert batch.totals == fresh_copy(batch).totals


def test_one_more_partner_is_one_more_row():
    batch = Batch(SETTINGS)
    batch.append_rows(RowData(GB_MOBILE, "Hi", line=n + 2) for n in range(5))
    assert batch.result(0).issues[0].message == (
        f"{GB_MOBILE} is also on lines 3, 4, 5 and 1 more row."
    )


# -- the same file, the same sentence, on every path that reads it ---------------------------

ROW = "+447400123456,Hello there\n"
HOSTILE_FILES = {
    # (the file's bytes, what the sentence names)
    "UTF-8 cut in a character beyond the sample": (
        ("phone,message\n" + ROW * 4_000).encode() + "é".encode()[:1],
        "Line 4002: The file ends in the middle of a character (at offset 104,014)",
    ),
    "UTF-16 of odd length beyond the sample": (
        ("phone,message\n" + ROW * 4_000).encode("utf-16") + b"\x00",
        "Line 4002: The file ends in the middle of a character (at offset 208,030)",
    ),
    "UTF-8 cut in a character within the sample": (
        ("phone,message\n" + ROW * 10).encode() + "é".encode()[:1],
        "Line 12: The file ends in the middle of a character (at offset 274)",
    ),
    "a byte that is not UTF-8 beyond the sample": (
        ("phone,message\n" + ROW * 4_000).encode() + b"+447400123457,caf\xe9\n",
        "Line 4002: The file is not valid UTF-8 here (byte 0xe9 at offset 104,031)",
    ),
}


def _every_reading(path: Path, settings: BatchSettings) -> list[object]:
    """What the preview (load_batch), the window (BatchLoader in 16 KiB blocks) and the
    summary, with and without its phone process, make of ``path``."""

    def window() -> Batch:
        loader = BatchLoader(path, settings, block_bytes=16 * 1024)
        while loader.load_next():
            pass
        return loader.batch

    outcomes: list[object] = []
    for read in (
        lambda: load_batch(path, settings).totals,
        lambda: window().totals,
        lambda: summarize(path, settings, parallel=False),
        lambda: summarize(path, settings, parallel=True),
    ):
        try:
            outcomes.append(read())
        except CsvFileError as error:
            outcomes.append(str(error))
    return outcomes


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_file_that_is_not_text_gets_one_sentence_on_every_path(tmp_path, name):
    data, sentence = HOSTILE_FILES[name]
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    outcomes = _every_reading(path, SETTINGS)
    assert all(isinstance(outcome, str) for outcome in outcomes), outcomes
    assert len(set(outcomes)) == 1
    assert outcomes[0].startswith(sentence)


def test_blank_lines_beyond_the_sample_read_the_same_on_every_path(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"\n" * 70_000 + ("phone,message\n" + ROW * 3).encode())
    outcomes = _every_reading(path, SETTINGS)
    assert outcomes[0] == outcomes[1] == outcomes[2] == outcomes[3]
    assert outcomes[0].rows == 3
    assert load_batch(path, SETTINGS).line(0) == 70_002


def test_a_quoted_cr_lf_counts_as_two_gsm_characters(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b'phone,message\r\n+447400123456,"Hello\r\nWorld"\r\n')
    batch = load_batch(path, SETTINGS)
    assert batch.message(0) == "Hello\r\nWorld"
    analysis = batch.analysis(0)
    assert (analysis.encoding, analysis.units) == ("GSM-7", 12)


def test_an_invisible_character_in_a_number_is_an_error_that_names_it(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "phone,message\n+44\u200f7400123456,Hi\n\ufeff+447400123456,Hi\n+447400123456,Hi\n"
    )
    batch = load_batch(path, SETTINGS)
    messages = [[issue.message for issue in batch.result(row).issues] for row in range(3)]
    assert messages == [
        [
            "'+447400123456' holds invisible characters (RIGHT-TO-LEFT MARK U+200F): delete "
            "them, or type the number again."
        ],
        [
            "'+447400123456' holds invisible characters (ZERO WIDTH NO-BREAK SPACE U+FEFF): "
            "delete them, or type the number again."
        ],
        [],
    ]
    assert (batch.totals.errors, batch.totals.warnings) == (2, 0)
    assert summarize(path, SETTINGS) == batch.totals


def test_a_summary_of_numbers_that_mostly_repeat_equals_the_loaded_batch(tmp_path):
    """Each distinct number of a hand-over is checked once when most repeat: same totals."""
    numbers = ["+447400123456", "07400 123457", "+33612345678", "+442071838750", "n/a"]
    path = csv_file(
        tmp_path,
        "phone,message\n" + "".join(f"{numbers[i % 5]},Hi {i % 3}\n" for i in range(3_000)),
    )
    totals = summarize(path, SETTINGS, parallel=False)
    assert totals == load_batch(path, SETTINGS).totals
    assert (totals.rows, totals.errors) == (3_000, 600)
    assert totals.warnings == 3_000 - 600  # duplicates all, the landline also not mobile
