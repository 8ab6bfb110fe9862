"""PhoneChecker against the phonenumbers library itself, on numbers from every region.

The oracle below calls the library directly; ``check`` and ``check_many`` must agree with it
on every input, whether the fast path or the library fallback answered.
"""

from __future__ import annotations

import functools
import gc
import random
import re
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import NumberParseException, PhoneNumberFormat, phonenumberutil

from app.domain import digit_patterns, phones
from app.domain.phones import (
    NOT_A_NUMBER,
    PhoneChecker,
    PhoneKind,
    PhoneVerdict,
    invisible_characters,
)

ALL_TYPES = tuple(
    value
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
)
SEPARATOR_STYLES = (" ", "-", ".", "/", "  ")


def oracle(raw: str, region: str) -> PhoneVerdict:
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return PhoneVerdict(PhoneKind.NOT_A_NUMBER, None, None, None)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    where = phonenumbers.region_code_for_number(number)
    if phonenumbers.is_valid_number(number):
        kind_of = phonenumbers.number_type(number)
        mobile = kind_of in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        return PhoneVerdict(PhoneKind.VALID, e164, where, mobile)
    if phonenumbers.is_possible_number(number):
        return PhoneVerdict(PhoneKind.POSSIBLE, e164, where, None)
    return PhoneVerdict(PhoneKind.INVALID, e164, where, None)


def mutations(text: str, rng: random.Random) -> Iterator[str]:
    """Digits dropped, added and changed; separators; letters; junk around it."""
    positions = [i for i, char in enumerate(text) if char.isdigit()]
    for _ in range(2):
        i = rng.choice(positions)
        yield text[:i] + text[i + 1 :]
        yield text[:i] + str(rng.randrange(10)) + text[i:]
        yield text[:i] + str(rng.randrange(10)) + text[i + 1 :]
    yield text + "0"
    yield text[:-3]
    i = rng.choice(positions)
    yield text[:i] + "A" + text[i + 1 :]
    yield f" ({text}) "
    yield text.replace(" ", rng.choice(SEPARATOR_STYLES))


def variants(region: str, number: phonenumbers.PhoneNumber, rng: random.Random) -> Iterator[str]:
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    nsn = phonenumberutil.national_significant_number(number)
    country = str(number.country_code)
    forms = [
        e164,
        national,
        international,
        e164[1:],  # the calling code without "+"
        "00" + e164[1:],
        "011" + e164[1:],
        "+" + country + "0" + nsn,  # a trunk prefix kept after the calling code
        "0" + nsn,
        nsn,
        international.replace(" ", "-"),
        international.replace(" ", "."),
        f"+{country} ({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}",
        national.replace(" ", ""),
        phonenumbers.format_number(number, PhoneNumberFormat.RFC3966),
    ]
    idd = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if idd is not None and idd.preferred_international_prefix:
        forms.append(idd.preferred_international_prefix + e164[1:])
    yield from forms
    yield from mutations(rng.choice((e164, national, international)), rng)


def corpus() -> list[tuple[str, str]]:
    """(raw, default region): examples of every type of every region, their formats and
    mutations, each read with its own region and with another one as the default."""
    rng = random.Random(20261122)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    cases: list[tuple[str, str]] = []
    for region in regions:
        other = rng.choice(regions)
        for number_type in ALL_TYPES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            for raw in variants(region, example, rng):
                cases.append((raw, region))
                if rng.random() < 0.3:
                    cases.append((raw, other))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            for raw in variants("001", example, rng):
                cases.append((raw, rng.choice(regions)))
    odd = ["", " ", "+", "++", "+0", "00", "0", "12", "+12", "abc", "tel:", "+44", "1-800-FLOWERS"]
    odd += [
        "+" + "4" * 300,
        "7" * 251,
        "+44" + " " * 300 + "7400123456",
        "+447700900123 ext. 12",
        "+44 7700 900123#",
        "٠٧٧٠٠",
    ]
    odd += ["+44 (0) 20 7946 0018", "(+44) 7700-900-123", "+1 (415) 555-0100", "+0044 7700900123"]
    cases += [(raw, region) for raw in odd for region in ("GB", "US", "DE", "AR", "BR")]
    return cases


CORPUS = corpus()


def by_region(cases: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for raw, region in cases:
        grouped.setdefault(region, []).append(raw)
    return grouped


@functools.cache
def expected_by_region() -> dict[str, tuple[list[str], list[PhoneVerdict]]]:
    """The corpus by default region, with the library's verdicts (computed once: slow)."""
    return {
        region: (raws, [oracle(raw, region) for raw in raws])
        for region, raws in by_region(CORPUS).items()
    }


def test_check_many_equals_the_library_on_every_region() -> None:
    mismatches = []
    for region, (raws, expected) in expected_by_region().items():
        got = PhoneChecker(region).check_many(raws)
        mismatches += [
            (region, raw, g, e) for raw, g, e in zip(raws, got, expected, strict=True) if g != e
        ]
    assert mismatches == []
    assert len(CORPUS) > 20_000


def test_check_columns_equals_the_library_on_every_region() -> None:
    mismatches = []
    for region, (raws, expected) in expected_by_region().items():
        columns = PhoneChecker(region).check_columns(raws)
        got = [PhoneVerdict(*fields) for fields in zip(*columns, strict=True)]
        mismatches += [
            (region, raw, g, e) for raw, g, e in zip(raws, got, expected, strict=True) if g != e
        ]
    assert mismatches == []


def test_check_equals_the_library_on_every_region() -> None:
    mismatches = []
    for region, raws in by_region(CORPUS[::3]).items():
        checker = PhoneChecker(region)
        mismatches += [(region, raw) for raw in raws if checker.check(raw) != oracle(raw, region)]
    assert mismatches == []


def test_the_fast_path_answers_most_of_the_corpus() -> None:
    """The differential tests above prove something only if the fast path ran."""
    answered = total = 0
    for region, raws in by_region(CORPUS).items():
        fast = phones._FastPath(region)
        for raw in raws:
            total += 1
            answered += fast.verdict(raw) is not None
    assert answered / total > 0.8


def test_the_inlined_bulk_path_answers_valid_e164_numbers() -> None:
    """check_many's inline branch (valid numbers of a calling code's main region, written with
    "+" or the default region's IDD, no national prefix to strip) answers them all."""
    raws = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            continue
        main = phonenumbers.region_code_for_country_code(example.country_code)
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        prefix = metadata.national_prefix_for_parsing
        nsn = phonenumberutil.national_significant_number(example)
        if region == main and not (prefix and re.match(prefix, nsn)):
            raws.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    checker = PhoneChecker("GB")
    checker._verdict = None  # type: ignore[assignment,method-assign]  # must not be reached
    written = raws + ["00" + raw[1:] for raw in raws] + [f"+{raw[1:3]} {raw[3:]}" for raw in raws]
    verdicts = checker.check_many(written)
    assert [(verdict.kind, verdict.e164) for verdict in verdicts] == [
        (PhoneKind.VALID, raw) for raw in raws * 3
    ]
    assert len(raws) > 200


separators = st.sampled_from(["", "", "", " ", "-", "(", ")", ".", "/"])
digit_runs = st.lists(
    st.tuples(st.text("0123456789", min_size=1, max_size=4), separators), max_size=6
)


@settings(max_examples=400, deadline=None)
@given(
    plus=st.sampled_from(["", "+", "+", "00", " +"]),
    runs=digit_runs,
    region=st.sampled_from(["US", "GB", "DE", "FR", "IN", "BR", "AR", "RU", "IT", "MX", "JP"]),
)
def test_random_digit_strings_agree_with_the_library(
    plus: str, runs: list[tuple[str, str]], region: str
) -> None:
    raw = plus + "".join(digits + separator for digits, separator in runs)
    checker = PhoneChecker(region)
    expected = oracle(raw, region)
    assert checker.check_many([raw, raw]) == [expected, expected]
    assert PhoneChecker(region).check(raw) == expected


@settings(max_examples=200, deadline=None)
@given(
    calling_code=st.sampled_from(sorted(phonenumberutil.COUNTRY_CODE_TO_REGION_CODE)),
    rest=st.text("0123456789", min_size=0, max_size=15),
)
def test_random_numbers_after_every_calling_code_agree(calling_code: int, rest: str) -> None:
    raw = f"+{calling_code}{rest}"
    expected = oracle(raw, "US")
    assert PhoneChecker("US").check_many([raw]) == [expected]
    assert PhoneChecker("US").check_columns([raw]) == tuple([field] for field in expected)


def test_a_valid_mobile_number() -> None:
    verdict = PhoneChecker("GB").check("07400 123456")
    assert verdict == PhoneVerdict(PhoneKind.VALID, "+447400123456", "GB", True)
    assert verdict.valid


def test_a_fixed_line_is_not_mobile_and_shared_codes_find_their_region() -> None:
    checker = PhoneChecker("US")
    assert checker.check("+1 (416) 555-0199") == oracle("+1 (416) 555-0199", "US")
    toronto = checker.check("+1 416 967 1111")
    assert (toronto.kind, toronto.region) == (PhoneKind.VALID, "CA")
    berlin = checker.check("+49 30 901820")
    assert (berlin.region, berlin.is_mobile) == ("DE", False)


def test_invalid_possible_and_not_a_number() -> None:
    checker = PhoneChecker("GB")
    drama = checker.check("+44 7700 900123")  # Ofcom's drama range: right length, not valid
    assert (drama.kind, drama.is_mobile, drama.valid) == (PhoneKind.POSSIBLE, None, False)
    assert checker.check("+44 12").kind is PhoneKind.INVALID
    for raw in ("", "   ", "+", "hello", "+999 123 456"):
        assert checker.check(raw) == PhoneVerdict(PhoneKind.NOT_A_NUMBER, None, None, None)


def test_the_default_region_is_checked() -> None:
    assert PhoneChecker("gb").default_region == "GB"
    with pytest.raises(ValueError, match="'XX' is not a region"):
        PhoneChecker("XX")


def test_repeated_raw_strings_share_one_cached_verdict() -> None:
    checker = PhoneChecker("DE")
    first, second = checker.check_many(["0151 23456789", "0151 23456789"])
    assert first is second
    assert checker.check("0151 23456789") is first


def test_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phones, "_CACHE_LIMIT", 10)
    checker = PhoneChecker("US")
    raws = [f"+1 212 555 {n:04d}" for n in range(35)]
    assert checker.check_many(raws[:8]) == [oracle(raw, "US") for raw in raws[:8]]
    assert checker.check_many(raws[8:]) == [oracle(raw, "US") for raw in raws[8:]]
    assert len(checker._cache) <= 10
    for raw in raws[:25]:
        checker.check(raw)
    # The oldest make room, one by one: the cache is never emptied in one go.
    assert list(checker._arrival) == raws[15:25]
    assert sorted(checker._cache) == sorted(raws[15:25])


def test_the_cache_stays_bounded_when_bulk_checks_go_through_single_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """National numbers take the slow path, which remembers each verdict on its own before
    the bulk check remembers them all: each must still be counted once."""
    monkeypatch.setattr(phones, "_CACHE_LIMIT", 10)
    checker = PhoneChecker("DE")
    for batch in range(6):
        raws = [f"0151 2345{batch}{n:03d}" for n in range(8)]
        assert checker.check_many(raws) == [oracle(raw, "DE") for raw in raws]
        assert len(checker._cache) <= 10
    assert list(checker._arrival) == ["0151 23454006", "0151 23454007", *raws]
    assert sorted(checker._cache) == sorted(checker._arrival)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(0, 40), max_size=12)), max_size=10))
def test_the_cache_keeps_every_verdict_once_in_order_of_arrival(
    calls: list[tuple[bool, list[int]]],
) -> None:
    """Bulk and single checks in any order, of numbers on the fast path (international) and
    off it (national): the cache stays bounded, and its order of arrival matches it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(phones, "_CACHE_LIMIT", 10)
        checker = PhoneChecker("DE")
        for bulk, numbers in calls:
            raws = [f"+49 151 2345{n:04d}" if n % 2 else f"0151 2345{n:04d}" for n in numbers]
            if bulk:
                checker.check_many(raws)
            else:
                for raw in raws:
                    checker.check(raw)
            assert len(checker._cache) <= 10
            assert sorted(checker._arrival) == sorted(checker._cache)


def test_the_library_limits_the_fast_path_copies_are_unchanged() -> None:
    assert phones._MIN_NSN == phonenumberutil._MIN_LENGTH_FOR_NSN
    assert phones._MAX_NSN == phonenumberutil._MAX_LENGTH_FOR_NSN
    assert phones._MAX_INPUT == phonenumberutil._MAX_INPUT_STRING_LENGTH


def classifier_tables() -> list[dict[int, phones._Classifier | None]]:
    """Every number-type classifier: each region's, and each calling code's main-region ones
    for the bulk path (with the national prefix guard) and for _finish (without)."""
    tables = []
    for code in phones._CALLING_CODES.values():
        tables += [code.hot[0], code.valid_in_main[0]]
        for region in code.regions:
            plan = phones._region_plan(code.country_code, region)
            if plan is not None:
                tables.append(plan.type_patterns)
    return tables


def test_classifiers_answer_like_their_own_pattern() -> None:
    """A classifier answers a number from the memo of an earlier one that shares its deciding
    digits: pairs of numbers that share them, drawn from the metadata, agree with re."""
    rng = random.Random(11)
    mismatches = []
    decided_early = total = 0
    for table in classifier_tables():
        for length, classifier in table.items():
            if classifier is None:
                continue
            fresh = phones._Classifier(
                classifier.pattern.pattern, length, full=classifier.full, starts=classifier.starts
            )
            for part in classifier.full[:4]:
                options = sorted(digit_patterns.cubes(part, length))
                for cube in rng.sample(options, min(3, len(options))):
                    for _ in range(2):
                        nsn = "".join(
                            rng.choice([str(d) for d in range(10) if mask >> d & 1])
                            for mask in cube
                        )
                        match = classifier.pattern.fullmatch(nsn)
                        expected = None if match is None else match.lastgroup
                        if fresh.group(nsn) != expected:
                            mismatches.append((classifier.pattern.pattern, nsn))
                        total += 1
                        decided_early += len(min(fresh.memo, key=len)) < length
    assert mismatches == []
    assert decided_early / total > 0.8  # the memo ran: most answers came from a prefix


def test_check_many_pauses_the_cycle_collector_only_while_it_runs() -> None:
    checker = PhoneChecker("GB")
    assert gc.isenabled()
    checker.check_many(["+447400123456"])
    assert gc.isenabled()
    gc.disable()  # a caller that paused it itself keeps it paused
    try:
        checker.check_many(["+447400123457", "07400 123458"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_check_columns_gives_the_fields_of_each_verdict_in_order() -> None:
    raws = ["+447400123456", "hello", "07400 123456", "+1 (415) 555-0100", "+44 12"]
    columns = PhoneChecker("GB").check_columns(raws)
    assert columns.kinds == [verdict.kind for verdict in PhoneChecker("GB").check_many(raws)]
    assert columns.e164s[:3] == ["+447400123456", None, "+447400123456"]
    assert columns.regions[:4] == ["GB", None, "GB", "US"]
    assert columns.mobiles[:3] == [True, None, True]
    assert PhoneChecker("GB").check_columns([]) == ([], [], [], [])


def test_numbers_that_begin_like_an_earlier_one_agree_with_the_library() -> None:
    """check_columns answers a "+" number from an earlier one of its length and first
    characters (and classifiers from earlier deciding digits): numbers that share them with
    example numbers of every type, with other endings (digits, or not), agree with the
    library."""
    rng = random.Random(3)
    raws = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in ALL_TYPES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            cut = rng.randrange(4, len(e164))
            endings = ["".join(rng.choice("0123456789") for _ in e164[cut:]) for _ in range(3)]
            endings += [e164[cut:-1] + "A", e164[cut:-1] + "٣"]  # same length, not ASCII digits
            raws += [e164] + [e164[:cut] + ending for ending in endings]
    checker = PhoneChecker("GB")
    expected = [oracle(raw, "GB") for raw in raws]
    columns = checker.check_columns(raws)
    assert [PhoneVerdict(*fields) for fields in zip(*columns, strict=True)] == expected
    assert checker.check_columns(raws) == columns  # the second time, from what it remembered
    assert sum(map(len, checker._decided)) > 300


def test_shared_calling_codes_find_the_region_the_library_finds() -> None:
    """region_of walks the regions of a shared calling code: numbers drawn from those
    regions' metadata (and random ones) get the library's region."""
    rng = random.Random(13)
    mismatches = []
    total = 0
    for code in phones._CALLING_CODES.values():
        if len(code.regions) == 1:
            continue
        for length in sorted(set(code.main.lengths)):
            starts = [
                plan.leading_digits.pattern
                for plan, _ in code.region_plans
                if plan.leading_digits is not None
            ]
            full = [
                part
                for plan, _ in code.region_plans
                if plan.leading_digits is None and plan.type_patterns.get(length) is not None
                for part in plan.type_patterns[length].full
            ]
            parts = full + starts
            numbers = ["".join(rng.choice("0123456789") for _ in range(length)) for _ in range(4)]
            for part in parts[:: max(1, len(parts) // 8)]:
                found = sorted(digit_patterns.cubes(part, length, prefix=part in starts))
                for cube in rng.sample(found, min(2, len(found))):
                    numbers.append(
                        "".join(rng.choice([str(d) for d in range(10) if m >> d & 1]) for m in cube)
                    )
            for nsn in numbers:
                if nsn[0] == "0":
                    continue  # the library's PhoneNumber needs italian_leading_zero for these
                number = phonenumbers.PhoneNumber(
                    country_code=code.country_code, national_number=int(nsn)
                )
                total += 1
                if code.region_of(nsn) != phonenumbers.region_code_for_number(number):
                    mismatches.append((code.country_code, nsn))
    assert mismatches == []
    assert total > 300


def test_warm_up_compiles_every_pattern_the_bulk_check_uses_a_step_at_a_time() -> None:
    steps = list(phones.warm_up_steps())
    assert steps[-1] == (len(phones._CALLING_CODES), len(phones._CALLING_CODES))
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    for code in phones._CALLING_CODES.values():
        if phones._region_plan(code.country_code, code.regions[0]) is None:
            continue
        used = [*code.hot[0].values(), *code.valid_in_main[0].values()]
        for plan, _ in code.region_plans:
            used += plan.type_patterns.values()
        assert all("pattern" in c.__dict__ for c in used if c is not None), code.country_code


INVISIBLE = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",  # the byte order mark
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u00ad": "SOFT HYPHEN",
}


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize("where", [0, 3, 8, 13])  # before, inside the code, inside, after
def test_an_invisible_character_anywhere_refuses_the_number_every_way_it_is_checked(
    char: str, where: int
) -> None:
    """Never stripped silently, never a verdict that depends on where the character is."""
    raw = "+447400123456"[:where] + char + "+447400123456"[where:]
    checker = PhoneChecker("GB")
    assert checker.check(raw) == NOT_A_NUMBER
    assert checker.check_many([raw, "+447400123456"])[0] == NOT_A_NUMBER
    assert PhoneChecker("GB").check_columns([raw]).kinds == [PhoneKind.NOT_A_NUMBER]
    assert invisible_characters(raw) == [char]


def test_invisible_characters_are_named_once_each_in_order() -> None:
    assert invisible_characters("\u200f+44\u200b7400\u200f123456") == ["\u200f", "\u200b"]
    assert invisible_characters("+44 7400 123456") == []
    assert invisible_characters("+44\u00a07400\u2009123456") == []  # visible spaces
