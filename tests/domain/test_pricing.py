"""Price tables: the shipped default, user CSVs (real files), errors naming line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.pricing import (
    MICROS,
    PriceTable,
    PriceTableError,
    default_price_table,
    load_price_table,
)

HEADER = "country,price_per_segment,currency\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding=encoding)
    return path


def error_of(tmp_path: Path, text: str) -> PriceTableError:
    with pytest.raises(PriceTableError) as caught:
        load_price_table(write(tmp_path, text))
    return caught.value


def test_the_default_table_loads_in_euros_with_a_fallback() -> None:
    table = default_price_table()
    assert table.currency == "EUR"
    assert len(table.prices) >= 40
    assert {"GB", "US", "DE", "FR", "IN", "BR"} <= set(table.prices)
    assert table.fallback > 0
    assert all(0 < micros < MICROS for micros in table.prices.values())


def test_a_table_reads_prices_as_exact_micros(tmp_path: Path) -> None:
    table = load_price_table(
        write(tmp_path, HEADER + "*,0.09,eur\ngb,0.0400,EUR\nUS,0.007512,EUR\n")
    )
    assert table == PriceTable(currency="EUR", prices={"GB": 40_000, "US": 7_512}, fallback=90_000)


def test_price_falls_back_for_unlisted_unknown_and_missing_regions() -> None:
    table = PriceTable(currency="EUR", prices={"GB": 40_000}, fallback=90_000)
    assert table.price("GB") == 40_000
    assert table.price("DE") == 90_000
    assert table.price("001") == 90_000
    assert table.price(None) == 90_000
    assert table.cost("GB", 3) == 120_000


def test_semicolons_a_decimal_comma_a_bom_comments_and_extra_columns(tmp_path: Path) -> None:
    text = (
        "# exported from the provider portal\n\n"
        "Country;Network;Price_per_segment;Currency\n"
        "*;any;0,09;EUR\n"
        "DE;Telekom;0,085;EUR\n"
    )
    table = load_price_table(write(tmp_path, text, encoding="utf-8-sig"))
    assert table == PriceTable(currency="EUR", prices={"DE": 85_000}, fallback=90_000)


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (1_234_567, "1.2346 EUR"),
        (75_000, "0.0750 EUR"),
        (123_450, "0.1235 EUR"),  # a half rounds up
        (123_449, "0.1234 EUR"),
        (50, "0.0001 EUR"),
        (49, "0.0000 EUR"),
        (0, "0.0000 EUR"),
        (12_000_000_000, "12000.0000 EUR"),
    ],
)
def test_format_shows_four_decimals(micros: int, shown: str) -> None:
    assert PriceTable(currency="EUR", prices={}, fallback=0).format(micros) == shown


@pytest.mark.parametrize(
    ("rows", "line", "field", "reason"),
    [
        ("*,0.09,EUR\nXX,0.05,EUR\n", 3, "country", "unknown country code 'XX'"),
        ("*,0.09,EUR\n,0.05,EUR\n", 3, "country", "empty"),
        ("*,0.09,EUR\nGB,cheap,EUR\n", 3, "price_per_segment", "'cheap' is not a number"),
        ('*,0.09,EUR\nGB,"0,05",EUR\n', 3, "price_per_segment", "'0,05' is not a number"),
        ("*,0.09,EUR\nGB,-0.01,EUR\n", 3, "price_per_segment", "negative"),
        ("*,0.09,EUR\nGB,NaN,EUR\n", 3, "price_per_segment", "not a number"),
        ("*,0.09,EUR\nGB,0.0000001,EUR\n", 3, "price_per_segment", "more than 6 decimals"),
        ("*,0.09,EUR\nGB,0.04,USD\n", 3, "currency", "a second currency, USD"),
        ("*,0.09,EUR\nGB,0.04,E\n", 3, "currency", "not a currency code"),
        ("*,0.09,EUR\nGB,0.04,EUR\ngb,0.05,EUR\n", 4, "country", "already priced on line 3"),
        ("*,0.09,EUR\n*,0.08,EUR\n", 3, "country", "fallback row * is already priced"),
        ("*,0.09,EUR\nGB,0.04\n", 3, None, "expected 3 fields, found 2"),
    ],
)
def test_bad_rows_name_line_field_and_reason(
    tmp_path: Path, rows: str, line: int, field: str | None, reason: str
) -> None:
    error = error_of(tmp_path, HEADER + rows)
    assert (error.line, error.field) == (line, field)
    assert reason in str(error)
    assert str(error).startswith(f"line {line}")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    error = error_of(tmp_path, "country,price\n*,0.09\n")
    assert error.line == 1
    assert "missing columns price_per_segment, currency" in str(error)


def test_a_table_without_fallback_row_says_what_to_add(tmp_path: Path) -> None:
    error = error_of(tmp_path, HEADER + "GB,0.04,EUR\n")
    assert error.field == "country"
    assert "no fallback row: add a row with country *" in str(error)


def test_empty_files_and_header_only_files(tmp_path: Path) -> None:
    assert "no header row" in str(error_of(tmp_path, "# nothing here\n\n"))
    assert "no price rows" in str(error_of(tmp_path, HEADER))


def test_unreadable_files_are_errors_not_tracebacks(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(HEADER.encode() + b"*,0.09,\xff\xfeEUR\n")
    with pytest.raises(PriceTableError, match="not UTF-8"):
        load_price_table(path)
    with pytest.raises(PriceTableError, match=r"cannot read missing\.csv"):
        load_price_table(tmp_path / "missing.csv")
