"""digit_patterns against ``re`` itself, on every pattern of phonenumbers' metadata."""

from __future__ import annotations

import random
import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.digit_patterns import (
    ALL_DIGITS,
    Cube,
    Unsupported,
    cubes,
    deciding_length,
    narrow_end,
)

DESCS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def metadata_patterns() -> list[tuple[str, int]]:
    """(pattern, length) for every number pattern of every region at each possible length."""
    metadatas = [
        phonenumbers.PhoneMetadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS
    ]
    metadatas += [
        phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
        for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
    ]
    found = set()
    for metadata in metadatas:
        lengths = metadata.general_desc.possible_length
        for name in DESCS:
            desc = getattr(metadata, name)
            if desc is not None and desc.national_number_pattern:
                for length in desc.possible_length or lengths:
                    found.add((desc.national_number_pattern, length))
    return sorted(found)


PATTERNS = metadata_patterns()


def as_regex(found: frozenset[Cube]) -> re.Pattern[str]:
    """The cubes written back as a regex, to test membership at C speed."""

    def position(mask: int) -> str:
        return "[" + "".join(str(d) for d in range(10) if mask >> d & 1) + "]"

    return re.compile("|".join("".join(map(position, cube)) for cube in found) or "(?!)")


def samples(found: frozenset[Cube], length: int, rng: random.Random) -> list[str]:
    """Random digit strings, half of them drawn from the cubes, some of those with a digit
    changed (so near misses are tried too)."""
    out = ["".join(rng.choice("0123456789") for _ in range(length)) for _ in range(6)]
    ordered = sorted(found)
    for _ in range(10 if ordered else 0):
        cube = rng.choice(ordered)
        digits = [rng.choice([str(d) for d in range(10) if mask >> d & 1]) for mask in cube]
        out.append("".join(digits))
        at = rng.randrange(length)
        digits[at] = rng.choice("0123456789")
        out.append("".join(digits))
    return out


def test_cubes_are_exactly_what_re_fullmatches_for_every_metadata_pattern() -> None:
    rng = random.Random(7)
    mismatches = []
    for pattern, length in PATTERNS:
        found = cubes(pattern, length)
        assert all(len(cube) == length for cube in found)
        mine, theirs = as_regex(found), re.compile(pattern)
        for digits in samples(found, length, rng):
            if (mine.fullmatch(digits) is None) != (theirs.fullmatch(digits) is None):
                mismatches.append((pattern, digits))
    assert mismatches == []
    assert len(PATTERNS) > 2000


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.sampled_from(
        [
            "7(?:[1-57-9]\\d|624)\\d{6}",
            "0?(?:11|2[2-4])(?:15)?",
            "[^05]\\d{2,4}|1(?:2|34)?",
            "(?:12?|3){2,3}\\d",
            "(?:\\d?){0,3}5",
            "[0-35-9]",
            "1*\\d+0",
        ]
    ),
    digits=st.text("0123456789", min_size=1, max_size=8),
)
def test_cubes_match_like_re_fullmatch_and_re_match(pattern: str, digits: str) -> None:
    length = len(digits)
    full = as_regex(cubes(pattern, length)).fullmatch(digits) is not None
    assert full == (re.fullmatch(pattern, digits) is not None)
    start = as_regex(cubes(pattern, length, prefix=True)).fullmatch(digits) is not None
    assert start == (re.match(pattern, digits) is not None)


def test_a_deciding_length_leaves_only_free_digits_after_it() -> None:
    found = cubes("7(?:1\\d\\d|624)\\d{5}|8\\d{8}|123[45]\\d{5}", 9)
    with_ends = sorted(((cube, narrow_end(cube)) for cube in found), key=lambda c: -c[1])
    assert deciding_length(with_ends, "7") == 4  # 7624...: four digits decide
    assert deciding_length(with_ends, "71") == 2
    assert deciding_length(with_ends, "8") == 1
    assert deciding_length(with_ends, "123") == 4
    assert deciding_length(with_ends, "999") == 3  # no cube left: the head itself
    assert narrow_end((ALL_DIGITS, 1 << 3, ALL_DIGITS)) == 2
    assert narrow_end((ALL_DIGITS,) * 3) == 0


@pytest.mark.parametrize("pattern", ["12$|3", "(?=1)\\d", "(1)\\1", "\\w", "[a-z\\s]"])
def test_what_it_does_not_model_is_refused(pattern: str) -> None:
    with pytest.raises(Unsupported):
        cubes(pattern, 6)


def test_a_literal_or_class_without_digits_matches_no_digit_string() -> None:
    assert cubes("1a", 2) == frozenset()
    assert cubes("[a-f]", 1) == frozenset()
    assert cubes("[^a]", 1) == {(ALL_DIGITS,)}
