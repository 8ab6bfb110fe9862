"""``campaign-desk preview``: output shapes and exit codes, in-process and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from app.main import main
from app.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent
NEEDS_FIXING = str(resource_path("samples", "needs-fixing.csv"))
SPRING_SALE = str(resource_path("samples", "spring-sale.csv"))
ROW_KEYS = {
    "line",
    "phone",
    "e164",
    "country",
    "message",
    "encoding",
    "units",
    "segments",
    "cost",
    "issues",
}
TOTAL_KEYS = {"rows", "segments", "cost", "currency", "errors", "warnings", "by_country"}


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_every_row_with_its_issues_and_exits_1_on_row_errors(capsys):
    code, out, err = preview(capsys, NEEDS_FIXING, "--region", "GB", "--json")
    assert (code, err) == (1, "")
    document = json.loads(out)
    rows = document["rows"]
    assert [row["line"] for row in rows] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]
    assert all(set(row) == ROW_KEYS for row in rows)
    blank, word = rows[1], rows[2]
    assert (blank["phone"], blank["e164"], blank["country"]) == ("", None, None)
    assert blank["issues"] == [
        {"code": "phone.invalid", "severity": "error", "message": "The phone number is missing."}
    ]
    assert word["phone"] == "not a number"
    national = rows[5]
    assert (national["phone"], national["e164"], national["country"]) == (
        "07400 123456",
        "+447400123456",
        "GB",
    )
    assert rows[10]["message"] == "Line one\nLine two, with a comma"
    assert rows[8]["encoding"] == "UCS-2"
    assert rows[7]["segments"] > 10
    totals = document["totals"]
    assert set(totals) == TOTAL_KEYS
    assert (totals["rows"], totals["errors"], totals["warnings"]) == (12, 7, 3)
    assert totals["segments"] == sum(row["segments"] for row in rows)
    costs = sum(Decimal(str(row["cost"])) for row in rows)
    assert Decimal(str(totals["cost"])) == costs
    assert set(totals["by_country"]) == {"GB", "ZZ"}
    assert set(totals["by_country"]["GB"]) == {"rows", "segments", "cost"}


def test_summary_prints_only_the_same_totals(capsys):
    _, out, _ = preview(capsys, NEEDS_FIXING, "--region", "GB", "--json")
    code, summary, err = preview(capsys, NEEDS_FIXING, "--region", "GB", "--summary")
    assert (code, err) == (1, "")
    assert json.loads(summary) == {"totals": json.loads(out)["totals"]}


def test_clean_file_exits_0_and_prints_a_table(capsys):
    code, out, err = preview(capsys, SPRING_SALE, "--region", "GB")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["LINE", "PHONE", "CC", "ENC", "SEGS", "COST", "MESSAGE"]
    assert lines[1].split()[:5] == ["2", "+447400123456", "GB", "GSM", "1"]
    assert "7 rows, 7 segments" in out
    assert "0 rows with errors" in out


def test_the_table_says_1_row_not_1_rows(capsys, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("phone,message\n+447400123456,Hi\nnot a number,Hi\n", encoding="utf-8")
    code, out, _ = preview(capsys, str(path), "--region", "GB")
    assert code == 1
    assert "2 rows, 2 segments" in out and "; 1 row with errors" in out
    by_country = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert ["GB", "1", "row", "1", "segment"] in [line[:5] for line in by_country]


def test_table_shows_each_issue_under_its_row(capsys):
    code, out, _ = preview(capsys, NEEDS_FIXING, "--region", "GB")
    assert code == 1
    assert "error   message.empty     The message is empty." in out


def test_the_default_region_comes_from_the_locale(capsys, monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_TELEPHONE", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    _, out, _ = preview(capsys, SPRING_SALE, "--json")
    assert json.loads(out)["rows"][1]["e164"] == "+447400123457"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, _ = preview(capsys, SPRING_SALE, "--json")
    assert code == 1
    assert json.loads(out)["rows"][1]["e164"] is None


def test_short_link_length_counts_urls_short(capsys, tmp_path):
    path = tmp_path / "links.csv"
    path.write_text(f"phone,message\n+447400123456,See https://example.com/{'a' * 150}\n")
    _, out, _ = preview(capsys, str(path), "--region", "GB", "--json")
    assert json.loads(out)["rows"][0]["segments"] == 2
    _, out, _ = preview(capsys, str(path), "--region", "GB", "--json", "--short-link-length", "23")
    assert json.loads(out)["rows"][0]["segments"] == 1


def test_segment_cap_sets_where_a_message_is_too_long(capsys, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(f"phone,message\n+447400123456,{'a' * 400}\n")  # three segments
    code, out, _ = preview(capsys, str(path), "--region", "GB", "--json")
    assert code == 0
    code, out, _ = preview(capsys, str(path), "--region", "GB", "--json", "--segment-cap", "2")
    assert code == 1
    (issue,) = json.loads(out)["rows"][0]["issues"]
    assert issue["code"] == "message.too_long"
    assert "limit is 2" in issue["message"]


def test_a_price_file_sets_prices_and_currency(capsys, tmp_path):
    prices = tmp_path / "prices.csv"
    prices.write_text("country,price_per_segment,currency\nGB,0.5,USD\n*,1,USD\n")
    _, out, _ = preview(capsys, SPRING_SALE, "--region", "GB", "--summary", "--prices", str(prices))
    totals = json.loads(out)["totals"]
    assert totals["currency"] == "USD"
    assert totals["cost"] == 4.0  # 6 GB rows at 0.5, one IE row at the fallback 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "does not exist"),
        (b"\x00\x01\x02binary\x00", "not text"),
        (b"", "empty"),
        (b"phone,message\r\n", "no data rows"),
        (b"phone,name\n+447400123456,Ann\n", "no message column"),
    ],
)
def test_unusable_files_exit_2_with_one_sentence(capsys, tmp_path, content, words):
    path = tmp_path / "file.csv"
    if content is not None:
        path.write_bytes(content)
    code, out, err = preview(capsys, str(path), "--summary")
    assert (code, out) == (2, "")
    assert words in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


ROW = "+447400123456,Hello there\n"


@pytest.mark.parametrize("mode", [(), ("--summary",), ("--json",)])
@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (
            ("phone,message\n" + ROW * 4_000).encode() + "é".encode()[:1],
            "Line 4002: The file ends in the middle of a character (at offset 104,014)",
        ),
        (
            ("phone,message\n" + ROW * 10).encode() + "é".encode()[:1],
            "Line 12: The file ends in the middle of a character (at offset 274)",
        ),
        (
            ("phone,message\n" + ROW * 4_000).encode("utf-16") + b"\x00",
            "Line 4002: The file ends in the middle of a character (at offset 208,030)",
        ),
    ],
)
def test_a_file_cut_short_exits_2_with_the_same_sentence_in_every_mode(
    capsys, tmp_path, content, sentence, mode
):
    path = tmp_path / "cut.csv"
    path.write_bytes(content)
    code, out, err = preview(capsys, str(path), "--region", "GB", *mode)
    assert (code, out) == (2, "")
    assert err.startswith(f"campaign-desk preview: {sentence}")
    assert err.count("\n") == 1


def test_blank_lines_beyond_the_sample_before_the_header_are_skipped(capsys, tmp_path):
    path = tmp_path / "padded.csv"
    path.write_bytes(b"\n" * 70_000 + ("phone,message\n" + ROW * 2).encode())
    code, out, err = preview(capsys, str(path), "--region", "GB", "--json")
    assert (code, err) == (0, "")
    assert [row["line"] for row in json.loads(out)["rows"]] == [70_002, 70_003]


def test_bad_price_file_and_region_exit_2(capsys, tmp_path):
    prices = tmp_path / "prices.csv"
    prices.write_text("country,price_per_segment,currency\nGB,cheap,EUR\n")
    code, _, err = preview(capsys, SPRING_SALE, "--prices", str(prices))
    assert code == 2
    assert err.startswith(f"campaign-desk preview: The price file {prices} cannot be used")
    assert "line 2" in err
    code, _, err = preview(capsys, SPRING_SALE, "--region", "XX")
    assert code == 2
    assert "'XX' is not a country code" in err


def run_real(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "preview", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_real_process_streams_json_and_exits_1():
    done = run_real(NEEDS_FIXING, "--region", "GB", "--json")
    assert done.returncode == 1
    assert done.stderr == ""
    document = json.loads(done.stdout)
    assert len(document["rows"]) == 12
    assert document["totals"]["errors"] == 7


def test_real_process_exits_0_and_2_without_traceback(tmp_path):
    assert run_real(SPRING_SALE, "--region", "GB", "--summary").returncode == 0
    done = run_real(str(tmp_path / "missing.csv"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("campaign-desk preview: The file ")
    assert "Traceback" not in done.stderr
    cut = tmp_path / "cut.csv"
    cut.write_bytes(("phone,message\n" + ROW * 4_000).encode() + "é".encode()[:1])
    done = run_real(str(cut), "--summary")
    assert (done.returncode, done.stdout) == (2, "")
    assert "Line 4002: The file ends in the middle of a character" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("phone,message\n" + "+447400123456,Hello there\n" * 5000)
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "preview", str(path), "--json", "--region", "GB"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline() == b'{"rows": [\n'
    child.stdout.close()
    assert child.wait(timeout=60) == 0  # duplicates are warnings, not errors
    assert child.stderr.read() == b""
