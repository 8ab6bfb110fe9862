"""Prices per SMS segment by country, with a fallback row and one currency.

Amounts are integers in micro-units of the currency (1/1,000,000) so that totals over a
million rows stay exact and fast. CONTRACT STUB: to be implemented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MICROS = 1_000_000


class PriceTableError(ValueError):
    """A price file cannot be used; ``str()`` names the line, the field and the reason."""

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.field = field


@dataclass(frozen=True, slots=True)
class PriceTable:
    currency: str
    prices: Mapping[str, int]  # ISO region -> micros per segment
    fallback: int  # micros per segment for any other region (and unknown ones)

    def price(self, region: str | None) -> int:
        raise NotImplementedError

    def format(self, micros: int) -> str:
        """``1234567`` -> ``"1.2346 EUR"`` (four decimals: SMS prices are fractions of a cent)."""
        raise NotImplementedError


def load_price_table(path: Path) -> PriceTable:
    raise NotImplementedError


def default_price_table() -> PriceTable:
    """The editable table shipped in ``resources/prices/default.csv``."""
    raise NotImplementedError
