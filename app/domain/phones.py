"""Phone numbers: E.164, validity, country and mobile-ness, via ``phonenumbers``.

The verdict always equals libphonenumber's own ``parse(raw, region)`` + ``is_valid_number``.
CONTRACT STUB: to be implemented; the signatures below are the agreed API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class PhoneKind(StrEnum):
    VALID = "valid"
    POSSIBLE = "possible"  # parses and has a possible length, but is not a valid number
    INVALID = "invalid"  # parses, but is not even possible
    NOT_A_NUMBER = "not_a_number"  # empty, or phonenumbers cannot parse it


@dataclass(frozen=True, slots=True)
class PhoneVerdict:
    kind: PhoneKind
    e164: str | None  # formatted E.164 whenever the text parses
    region: str | None  # ISO 3166 region of the number (phonenumbers.region_code_for_number)
    is_mobile: bool | None  # MOBILE or FIXED_LINE_OR_MOBILE; None when not valid

    @property
    def valid(self) -> bool:
        return self.kind is PhoneKind.VALID


class PhoneChecker:
    """Checks numbers with a default region for those written without a country code."""

    def __init__(self, default_region: str = "US") -> None:
        self.default_region = default_region

    def check(self, raw: str) -> PhoneVerdict:
        raise NotImplementedError

    def check_many(self, raws: Sequence[str]) -> list[PhoneVerdict]:
        """The bulk path used when a file is loaded; same verdicts as :meth:`check`."""
        raise NotImplementedError
