"""Prices per SMS segment by country, with a fallback row and one currency.

Amounts are integers in micro-units of the currency (1/1,000,000) so that totals over a
million rows stay exact and fast. A price file is a small CSV (the format is documented at the
top of ``resources/prices/default.csv``); :func:`load_price_table` reads one and says which
line and field is wrong, and why, when it cannot be used.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from phonenumbers import SUPPORTED_REGIONS

from app.resources import resource_path

MICROS = 1_000_000
FALLBACK_COUNTRY = "*"
COLUMNS = ("country", "price_per_segment", "currency")
DISPLAY_DECIMALS = 4  # SMS prices are fractions of a cent: 0.0750 EUR

_MICRO = Decimal(1) / MICROS
_DISPLAY_STEP = Decimal(1).scaleb(-DISPLAY_DECIMALS)


class PriceTableError(ValueError):
    """A price file cannot be used; ``str()`` names the line, the field and the reason."""

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = [part for part in (self.line and f"line {self.line}", self.field) if part]
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


@dataclass(frozen=True, slots=True)
class PriceTable:
    currency: str
    prices: Mapping[str, int]  # ISO region -> micros per segment
    fallback: int  # micros per segment for any other region (and unknown ones)

    def price(self, region: str | None) -> int:
        """Micros per segment to ``region`` (a phonenumbers region code, or None)."""
        if region is None:
            return self.fallback
        return self.prices.get(region, self.fallback)

    def cost(self, region: str | None, segments: int) -> int:
        """Micros for a message of ``segments`` segments to ``region``."""
        return segments * self.price(region)

    def format(self, micros: int) -> str:
        """``1234567`` -> ``"1.2346 EUR"`` (four decimals: SMS prices are fractions of a cent;
        halves round away from zero)."""
        amount = (Decimal(micros) * _MICRO).quantize(_DISPLAY_STEP, rounding=ROUND_HALF_UP)
        return f"{amount} {self.currency}"


def load_price_table(path: Path) -> PriceTable:
    """Read a price CSV; raise :class:`PriceTableError` naming line, field and reason."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise PriceTableError(f"{path.name} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise PriceTableError(f"cannot read {path.name}: {error.strerror}") from None
    return parse_price_table(text)


def parse_price_table(text: str) -> PriceTable:
    """The table in ``text``: see the comment at the top of resources/prices/default.csv."""
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise PriceTableError(f"no header row: expected {','.join(COLUMNS)}")
    header_line, header = lines[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    columns = _columns(header_line, next(csv.reader([header], delimiter=delimiter)))

    prices: dict[str, int] = {}
    seen: dict[str, int] = {}
    fallback: int | None = None
    currency: tuple[str, int] | None = None
    for number, line in lines[1:]:
        fields = next(csv.reader([line], delimiter=delimiter))
        if len(fields) < len(columns):
            raise PriceTableError(
                f"expected {len(columns)} fields, found {len(fields)}", line=number
            )
        row = {name: fields[index].strip() for name, index in columns.items()}
        country = _country(row["country"], number)
        micros = _price(row["price_per_segment"], number, decimal_comma=delimiter == ";")
        code = _currency(row["currency"], number)
        if currency is None:
            currency = (code, number)
        elif code != currency[0]:
            raise PriceTableError(
                f"a second currency, {code}; line {currency[1]} uses {currency[0]} and a table "
                "has one currency",
                line=number,
                field="currency",
            )
        if country in seen:
            raise PriceTableError(
                f"{_country_name(country)} is already priced on line {seen[country]}",
                line=number,
                field="country",
            )
        seen[country] = number
        if country == FALLBACK_COUNTRY:
            fallback = micros
        else:
            prices[country] = micros
    if currency is None:
        raise PriceTableError("no price rows after the header", line=header_line)
    if fallback is None:
        raise PriceTableError(
            f"no fallback row: add a row with country {FALLBACK_COUNTRY} and the price for "
            "every country not listed",
            field="country",
        )
    return PriceTable(currency=currency[0], prices=prices, fallback=fallback)


def default_price_table() -> PriceTable:
    """The editable table shipped in ``resources/prices/default.csv``."""
    return load_price_table(resource_path("prices", "default.csv"))


def _columns(line: int, names: list[str]) -> dict[str, int]:
    """Column name -> index; other columns are allowed and ignored."""
    normalised = [name.strip().lower() for name in names]
    for name in COLUMNS:
        if normalised.count(name) > 1:
            raise PriceTableError(f"column {name} appears twice in the header", line=line)
    missing = [name for name in COLUMNS if name not in normalised]
    if missing:
        raise PriceTableError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header must name {','.join(COLUMNS)})",
            line=line,
        )
    return {name: normalised.index(name) for name in COLUMNS}


def _country(value: str, line: int) -> str:
    country = value.upper()
    if country != FALLBACK_COUNTRY and country not in SUPPORTED_REGIONS:
        reason = (
            "empty: expected an ISO 3166 code such as GB, or * for the fallback row"
            if not value
            else f"unknown country code {value!r}: expected an ISO 3166 code such as GB, or *"
        )
        raise PriceTableError(reason, line=line, field="country")
    return country


def _price(value: str, line: int, *, decimal_comma: bool) -> int:
    text = value.replace(",", ".") if decimal_comma and "." not in value else value
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise PriceTableError(
            f"{value!r} is not a number (write it like 0.0450)",
            line=line,
            field="price_per_segment",
        )
    if amount < 0:
        raise PriceTableError(
            f"{value} is negative: a price is 0 or more", line=line, field="price_per_segment"
        )
    micros = amount * MICROS
    if micros != micros.to_integral_value():
        raise PriceTableError(
            f"{value} has more than 6 decimals, finer than a millionth of the currency",
            line=line,
            field="price_per_segment",
        )
    return int(micros)


def _currency(value: str, line: int) -> str:
    code = value.upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise PriceTableError(
            f"{value!r} is not a currency code: expected three letters such as EUR",
            line=line,
            field="currency",
        )
    return code


def _country_name(country: str) -> str:
    return "the fallback row *" if country == FALLBACK_COUNTRY else country
