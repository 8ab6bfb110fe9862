"""Phone numbers: E.164, validity, country and mobile-ness, via ``phonenumbers``.

The verdict always equals libphonenumber's own ``parse(raw, region)`` + ``is_valid_number``
(+ ``is_possible_number``, ``number_type``, ``region_code_for_number``), but for a number that
holds an invisible character (a zero-width space, a byte order mark, a joiner, a direction
mark: any Unicode format character): that one is always NOT_A_NUMBER. The library skips some
of them and stops at others (a right-to-left mark inside a valid number makes it invalid),
so such a number is refused whole, and :func:`invisible_characters` names what to delete.

A per-row library call costs far more than reading a CSV row (``benchmarks/phones_bench.py``), so
:class:`PhoneChecker` has a fast path for the shapes operators paste (``+447700900123``,
``+1 (415) 555-0100``, ``07700 900123``): it replays the library's parsing steps for those
shapes with the library's own metadata and precompiled patterns (see ``_FastPath``), and hands
every other input to the library itself. A number's type is answered from the few leading
digits that decide it (see ``_Classifier``), and :meth:`PhoneChecker.check_columns` gives a
file's verdicts without an object per number. ``tests/domain/test_phones.py`` runs all of it
side by side with the library on numbers from every region.
"""

from __future__ import annotations

import gc
import re
from collections import deque
from collections.abc import Generator, Sequence
from enum import StrEnum
from functools import cached_property
from itertools import compress, repeat
from operator import not_
from typing import NamedTuple

import phonenumbers
import regex
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    REGION_CODE_FOR_NON_GEO_ENTITY,
    SUPPORTED_REGIONS,
    NumberParseException,
    PhoneMetadata,
    PhoneNumberType,
    ValidationResult,
)

from app.domain.digit_patterns import Cube, Unsupported, cubes, deciding_length, narrow_end
from app.domain.sharded import ShardedDict


class PhoneKind(StrEnum):
    VALID = "valid"
    POSSIBLE = "possible"  # parses and has a possible length, but is not a valid number
    INVALID = "invalid"  # parses, but is not even possible
    NOT_A_NUMBER = "not_a_number"  # empty, or phonenumbers cannot parse it


class PhoneVerdict(NamedTuple):
    """What the library says about one raw string.

    A NamedTuple rather than a frozen dataclass: a million of them are built per file, and a
    tuple is built in C (about 3x faster than a frozen dataclass's ``__init__``).
    """

    kind: PhoneKind
    e164: str | None  # formatted E.164 whenever the text parses
    region: str | None  # phonenumbers.region_code_for_number whenever the text parses ("001":
    # a non-geographic number; None: no region of its calling code claims it)
    is_mobile: bool | None  # MOBILE or FIXED_LINE_OR_MOBILE; None when not valid

    @property
    def valid(self) -> bool:
        return self.kind is PhoneKind.VALID


class PhoneColumns(NamedTuple):
    """Verdicts as one list per field: ``kinds[i]``, ``e164s[i]``... are the ``i``-th
    number's (see :class:`PhoneVerdict`)."""

    kinds: list[PhoneKind]
    e164s: list[str | None]
    regions: list[str | None]
    mobiles: list[bool | None]


NOT_A_NUMBER = PhoneVerdict(PhoneKind.NOT_A_NUMBER, None, None, None)
_CACHE_LIMIT = 200_000  # verdicts kept per checker; the oldest make room for new ones
_MEMO_LIMIT = 50_000  # answers kept per _Classifier, likewise
_HEAD = 3  # a _Classifier works out how many digits decide a number once per first 3 digits
# check_columns remembers a valid number by the length and first 8 characters of its E.164
# when they hold its calling code and all the digits that decide it (PhoneChecker._decided).
_DECIDED_WIDTH = 8

# The library's private limits (phonenumberutil._MIN_LENGTH_FOR_NSN etc.); a test pins them.
_MIN_NSN = 2
_MAX_NSN = 17
_MAX_INPUT = 250

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_POSSIBLE_RESULTS = frozenset(
    {ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY}
)
# parse() keeps the national number with its national prefix stripped unless the stripped
# number has one of these length results.
_KEEP_UNSTRIPPED = frozenset(
    {
        ValidationResult.TOO_SHORT,
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
        ValidationResult.INVALID_LENGTH,
    }
)
# The order in which phonenumberutil._number_type_helper tries the special types.
_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)
_TYPE_OF_GROUP = {
    **{f"t{number_type}": number_type for _, number_type in _SPECIAL_TYPES},
    "flom": PhoneNumberType.FIXED_LINE_OR_MOBILE,
    "fixed": PhoneNumberType.FIXED_LINE,
    "mobile": PhoneNumberType.MOBILE,
}
_IS_MOBILE_GROUP = {group: kind in _MOBILE_TYPES for group, kind in _TYPE_OF_GROUP.items()}
# Separators the fast path removes; for text of ASCII digits, these and one leading "+",
# parse() ignores them all (they are in the library's _VALID_PUNCTUATION, none can start an
# extension, and leading/trailing ones are trimmed by _extract_possible_number).
_SEPARATORS = b" -.()/"


# Unicode's format characters (category Cf: U+200B-U+200F, U+202A-U+202E, U+2060-U+206F,
# U+FEFF, U+00AD...) and the few other characters that show nothing.
_INVISIBLE = regex.compile(r"[\p{Cf}\u034f\u115f\u1160\u3164\uffa0]")


def invisible_characters(raw: str) -> list[str]:
    """The invisible characters in ``raw``, in order, each once."""
    if raw.isascii():
        return []
    return list(dict.fromkeys(_INVISIBLE.findall(raw)))


def library_verdict(raw: str, region: str) -> PhoneVerdict:
    """The reference: the library's own calls, one by one."""
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return NOT_A_NUMBER
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    number_region = phonenumbers.region_code_for_number(number)
    if phonenumbers.is_valid_number(number):
        is_mobile = phonenumbers.number_type(number) in _MOBILE_TYPES
        return PhoneVerdict(PhoneKind.VALID, e164, number_region, is_mobile)
    kind = PhoneKind.POSSIBLE if phonenumbers.is_possible_number(number) else PhoneKind.INVALID
    return PhoneVerdict(kind, e164, number_region, None)


class _Plan:
    """One metadata (a region's, or a non-geographic calling code's) with compiled patterns."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.metadata = metadata
        self.country_code: int = metadata.country_code
        general = metadata.general_desc
        self.lengths: tuple[int, ...] = tuple(general.possible_length)
        self.local_lengths = frozenset(general.possible_length_local_only)
        self.general = _compile(general.national_number_pattern)
        self.national_prefix = _compile(metadata.national_prefix_for_parsing)
        self.transform_rule: str | None = metadata.national_prefix_transform_rule
        self.leading_digits = (
            None if metadata.leading_digits is None else re.compile(metadata.leading_digits)
        )
        prefix = metadata.international_prefix
        self.idd = None if prefix is None else re.compile(prefix)
        assert self.lengths, f"no possible lengths for {metadata.id}"
        self.type_patterns = {length: self._type_classifier(length) for length in self.lengths}

    def matches_general(self, number: str) -> bool:
        """phonenumberutil._match_national_number(number, general_desc, False)."""
        return self.general is not None and self.general.fullmatch(number) is not None

    def test_length(self, number: str) -> int:
        """phonenumberutil._test_number_length(number, metadata) for the UNKNOWN type."""
        length = len(number)
        if length in self.local_lengths:
            return ValidationResult.IS_POSSIBLE_LOCAL_ONLY
        lengths = self.lengths
        if lengths[0] == length:
            return ValidationResult.IS_POSSIBLE
        if lengths[0] > length:
            return ValidationResult.TOO_SHORT
        if lengths[-1] < length:
            return ValidationResult.TOO_LONG
        if length in lengths[1:]:
            return ValidationResult.IS_POSSIBLE
        return ValidationResult.INVALID_LENGTH

    def strip_national_prefix(self, number: str) -> str:
        """phonenumberutil._maybe_strip_national_prefix_carrier_code, number part only."""
        prefix = self.national_prefix
        if not number or prefix is None:
            return number
        match = prefix.match(number)
        if match is None:
            return number
        viable_before = self.matches_general(number)
        groups = match.groups()
        rule = self.transform_rule
        if not rule or groups[len(groups) - 1] is None:
            stripped = number[match.end() :]
        else:
            stripped = prefix.sub(rule, number, count=1)
        if viable_before and not self.matches_general(stripped):
            return number
        return stripped

    def number_type(self, nsn: str) -> int:
        """phonenumberutil._number_type_helper, for ASCII digits."""
        classifier = self.type_patterns.get(len(nsn))
        if classifier is None:
            return PhoneNumberType.UNKNOWN
        group = classifier.group(nsn)
        return PhoneNumberType.UNKNOWN if group is None else _TYPE_OF_GROUP[group]

    def _type_classifier(self, length: int) -> _Classifier | None:
        """The types a number of this length can have, as named alternatives in the library's
        order: the first alternative that matches the whole number is the library's type."""
        metadata = self.metadata
        general = _desc_pattern(metadata.general_desc, length)
        if general is None:
            return None
        options = []
        parts = [general]
        for attribute, number_type in _SPECIAL_TYPES:
            pattern = _desc_pattern(getattr(metadata, attribute), length)
            if pattern is not None:
                options.append(f"(?P<t{number_type}>{pattern})")
                parts.append(pattern)
        fixed = _desc_pattern(metadata.fixed_line, length)
        mobile = _desc_pattern(metadata.mobile, length)
        parts += [pattern for pattern in (fixed, mobile) if pattern is not None]
        same = metadata.same_mobile_and_fixed_line_pattern
        if fixed is not None:
            if same:
                options.append(f"(?P<flom>{fixed})")
            else:
                if mobile is not None:
                    options.append(f"(?P<flom>(?=(?:{fixed})\\Z)(?:{mobile}))")
                options.append(f"(?P<fixed>{fixed})")
        if not same and mobile is not None:
            options.append(f"(?P<mobile>{mobile})")
        if not options:
            return None
        pattern = f"(?=(?:{general})\\Z)(?:{'|'.join(options)})"
        return _Classifier(pattern, length, full=tuple(parts))


class _Classifier:
    """A pattern for the numbers of one length, each of whose named alternatives is a number
    type, answered from what it said about an earlier number with the same deciding digits.

    The pattern is built from metadata patterns, each of which must match the whole number
    (``full``) or its start (``starts``), so which alternative matches first depends only on
    which of them match. :mod:`~app.domain.digit_patterns` unfolds them into cubes and so
    knows how many leading digits decide that for a number: numbers that share those digits
    get the same answer, which the pattern itself gives on those digits padded with zeros.
    A pattern the module cannot unfold is decided by all the digits (a plain cache).
    """

    def __init__(
        self, pattern: str, length: int, *, full: tuple[str, ...], starts: tuple[str, ...] = ()
    ) -> None:
        self.source = pattern
        self.length = length
        self.full = full
        self.starts = starts
        self.depths: dict[str, int] = {}  # first _HEAD digits -> how many digits decide
        self.memo: dict[str, str | None] = {}  # deciding digits -> group name

    def guarded(self, guards: str, starts: tuple[str, ...]) -> _Classifier:
        """This classifier behind lookaheads ``guards`` made of the ``starts`` patterns."""
        return _Classifier(guards + self.source, self.length, full=self.full, starts=starts)

    def group(self, nsn: str) -> str | None:
        """The name of the first alternative that matches ``nsn`` (``length`` ASCII digits),
        or None: ``self.pattern.fullmatch(nsn).lastgroup``."""
        head = nsn[:_HEAD]
        depth = self.depths.get(head)
        if depth is None:
            depth = self.depths[head] = self._deciding_length(head)
        key = nsn[:depth]
        memo = self.memo
        try:
            return memo[key]
        except KeyError:
            match = self.pattern.fullmatch(key + "0" * (self.length - depth))
            group = None if match is None else match.lastgroup
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = group
            return group

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled on first use: a big one takes tens of milliseconds, which
        :func:`warm_up_steps` spends a pattern at a time before a file is loaded."""
        return re.compile(self.source)

    def _deciding_length(self, head: str) -> int:
        found = self._cubes
        if found is None:
            return self.length
        return deciding_length(found[ord(head[0]) - 48], head)

    @cached_property
    def _cubes(self) -> tuple[list[tuple[Cube, int]], ...] | None:
        """Every part's cubes that the first _HEAD digits do not decide, with their narrow
        ends, longest first, by the first digits they allow (see deciding_length); None if a
        part cannot be unfolded."""
        length = self.length
        try:
            found = set().union(
                *(cubes(pattern, length) for pattern in self.full),
                *(cubes(pattern, length, prefix=True) for pattern in self.starts),
            )
        except Unsupported:
            return None
        with_ends = sorted(
            ((cube, narrow_end(cube)) for cube in found), key=lambda pair: pair[1], reverse=True
        )
        return tuple(
            [(cube, end) for cube, end in with_ends if end > _HEAD and cube[0] >> digit & 1]
            for digit in range(10)
        )


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _desc_pattern(desc: object, length: int) -> str | None:
    """The pattern of a PhoneNumberDesc if a number of this length can match it
    (phonenumberutil._is_number_matching_desc)."""
    if desc is None:
        return None
    pattern = desc.national_number_pattern  # type: ignore[attr-defined]
    lengths = desc.possible_length  # type: ignore[attr-defined]
    if not pattern or (lengths and length not in lengths):
        return None
    return pattern


class _CallingCode:
    """A country calling code, its main metadata and the regions that share it."""

    def __init__(self, country_code: int) -> None:
        self.country_code = country_code
        self.length = len(str(country_code))
        self.prefix = f"+{country_code}"
        self.regions: tuple[str, ...] = COUNTRY_CODE_TO_REGION_CODE[country_code]

    @cached_property
    def main(self) -> _Plan:
        """The metadata of the main region, which parse() and is_possible_number() use."""
        main = _region_plan(self.country_code, self.regions[0])
        assert main is not None, f"phonenumbers has no metadata for +{self.country_code}"
        return main

    @cached_property
    def valid_in_main(self) -> tuple[dict[int, _Classifier], str]:
        """One pattern per national number length that matches exactly the parsed national
        numbers that are valid with the main region as their region, and that region.

        region_code_for_number tries the main region first: it is the number's region if its
        leading digits match or, without leading digits, if its type is known; then
        is_valid_number_for_region types the number with the same metadata. So the pattern
        is the main region's type pattern behind its leading digits, if it has any.
        """
        return self._main_patterns(with_national_prefix_guard=False)

    @cached_property
    def hot(self) -> tuple[dict[int, _Classifier], str]:
        """:attr:`valid_in_main` for digits read straight after the calling code: also
        refusing those that start with the national prefix, which parse() may strip."""
        return self._main_patterns(with_national_prefix_guard=True)

    def _main_patterns(
        self, *, with_national_prefix_guard: bool
    ) -> tuple[dict[int, _Classifier], str]:
        main = self.main
        region = self.regions[0]
        if region != REGION_CODE_FOR_NON_GEO_ENTITY and main.country_code != self.country_code:
            return {}, region  # is_valid_number_for_region would refuse every number
        guards = ""
        starts: tuple[str, ...] = ()
        if with_national_prefix_guard and main.national_prefix is not None:
            guards += f"(?!(?:{main.national_prefix.pattern}))"
            starts += (main.national_prefix.pattern,)
        if main.leading_digits is not None:
            guards += f"(?=(?:{main.leading_digits.pattern}))"
            starts += (main.leading_digits.pattern,)
        classifiers = {
            length: classifier.guarded(guards, starts)
            for length, classifier in main.type_patterns.items()
            if classifier is not None and _MIN_NSN <= length <= _MAX_NSN
        }
        return classifiers, region

    def region_of(self, nsn: str) -> str | None:
        """phonenumberutil.region_code_for_number, for ASCII digits: the first region whose
        leading digits start the number or, for a region without them, where it has a type.

        Region by region rather than one alternation of them all: +1's would be a single
        pattern of 25 regions' types, which takes a tenth of a second to compile at once."""
        regions = self.regions
        if len(regions) == 1:
            return regions[0]
        length = len(nsn)
        for plan, region in self.region_plans:
            if plan.leading_digits is not None:
                if plan.leading_digits.match(nsn):
                    return region
                continue
            types = plan.type_patterns.get(length)
            if types is not None and types.group(nsn) is not None:
                return region
        return None

    @cached_property
    def region_plans(self) -> list[tuple[_Plan, str]]:
        """The plans of the regions that share this code, in the library's order."""
        plans = ((_region_plan(self.country_code, region), region) for region in self.regions)
        return [(plan, region) for plan, region in plans if plan is not None]


_PLANS: dict[tuple[int, str], _Plan | None] = {}


def warm_up_steps() -> Generator[tuple[int, int], None, None]:
    """Compile every pattern a check uses (in bulk, or of one edited number), one per step
    (at most a few tens of milliseconds each), for a caller that runs the steps between
    events: otherwise the first numbers of each country compile theirs while a file loads,
    and the window freezes."""
    codes = list(_CALLING_CODES.values())
    for done, code in enumerate(codes):
        yield done, len(codes)  # each region's metadata and plan: one step
        if _region_plan(code.country_code, code.regions[0]) is None:
            continue
        classifiers = [*code.hot[0].values(), *code.valid_in_main[0].values()]
        for plan, _ in code.region_plans:
            yield done, len(codes)
            classifiers += plan.type_patterns.values()
        for classifier in classifiers:
            if classifier is not None:
                yield done, len(codes)
                classifier.pattern  # noqa: B018 - compiles it
    yield len(codes), len(codes)


def _region_plan(country_code: int, region: str) -> _Plan | None:
    """The plan for PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)."""
    key = (country_code, region)
    try:
        return _PLANS[key]
    except KeyError:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        plan = _PLANS[key] = None if metadata is None else _Plan(metadata)
        return plan


_CALLING_CODES = {code: _CallingCode(code) for code in COUNTRY_CODE_TO_REGION_CODE}


def _calling_code_table() -> dict[str, _CallingCode | None]:
    """phonenumberutil._extract_country_code as a table: the first 3 digits -> calling code
    (1, 2 or 3 digits long, the shortest known one wins; None when none is known)."""
    table: dict[str, _CallingCode | None] = {}
    for first in range(1000):
        digits = f"{first:03d}"
        table[digits] = None
        if digits[0] == "0":
            continue  # calling codes never start with 0
        for size in (1, 2, 3):
            if int(digits[:size]) in _CALLING_CODES:
                table[digits] = _CALLING_CODES[int(digits[:size])]
                break
    return table


_CALLING_CODE_OF = _calling_code_table()


class _FastPath:
    """parse() + is_valid_number() + number_type() replayed for text made of ASCII digits,
    separators and an optional leading "+", with a supported default region.

    Each step names the library function it mirrors; ``None`` means "ask the library".
    """

    def __init__(self, default_region: str) -> None:
        self.code = _CALLING_CODES[PhoneMetadata.metadata_for_region(default_region).country_code]
        default = _region_plan(self.code.country_code, default_region)
        assert default is not None
        self.default = default
        self.code_digits = str(self.code.country_code)

    def verdict(self, raw: str) -> PhoneVerdict | None:
        if raw[:1] == "+":
            digits = raw[1:]
            plus = True
        else:
            digits = raw
            plus = False
        if not (digits.isdigit() and digits.isascii()):
            shape = _digits_shape(raw)
            if shape is None:
                return None
            plus, digits = shape
        if len(digits) < 3 or len(raw) > _MAX_INPUT:
            return None  # parse()'s viability and length limits: left to the library
        if not plus:
            return self._national(digits)
        code = _CALLING_CODE_OF[digits[:3]]
        if code is None:
            return None  # parse() retries without the "+": rare, left to the library
        return _finish(code, digits[code.length :], code.main)

    def _national(self, digits: str) -> PhoneVerdict:
        """_maybe_extract_country_code without a "+": an IDD, the default calling code written
        without "+", or none (then the default region's own rules apply)."""
        default = self.default
        idd = default.idd.match(digits) if default.idd is not None else None
        if idd is not None:
            rest = digits[idd.end() :]
            if rest[:1] != "0":  # _parse_prefix_as_idd keeps an IDD followed by 0
                if len(rest) <= _MIN_NSN:
                    return NOT_A_NUMBER
                code = _CALLING_CODE_OF[rest[:3]]
                if code is None:
                    return NOT_A_NUMBER
                return _finish(code, rest[code.length :], code.main)
        if digits.startswith(self.code_digits):
            candidate = default.strip_national_prefix(digits[len(self.code_digits) :])
            if (
                not default.matches_general(digits) and default.matches_general(candidate)
            ) or default.test_length(digits) == ValidationResult.TOO_LONG:
                return _finish(self.code, candidate, self.code.main)
        return _finish(self.code, digits, default)


def _digits_shape(raw: str) -> tuple[bool, str] | None:
    """(has a leading "+", the digits) for ASCII text of digits and separators."""
    if not raw.isascii():
        return None
    text = raw.encode("ascii").translate(None, _SEPARATORS)
    plus = text[:1] == b"+"
    digits = text[1:] if plus else text
    if not digits.isdigit():  # bytes.isdigit() is ASCII digits only
        return None
    return plus, digits.decode("ascii")


def _finish(code: _CallingCode, nsn: str, plan: _Plan) -> PhoneVerdict:
    """The end of parse() (national prefix, lengths) and the verdict calls on its result.

    ``plan``: the metadata parse() strips the national prefix with: the default region's when
    the text has no calling code, else the main region's of the calling code.
    """
    if len(nsn) < _MIN_NSN:
        return NOT_A_NUMBER
    prefix = plan.national_prefix
    if prefix is not None and prefix.match(nsn) is not None:
        stripped = plan.strip_national_prefix(nsn)
        if plan.test_length(stripped) not in _KEEP_UNSTRIPPED:
            nsn = stripped
        if len(nsn) < _MIN_NSN:
            return NOT_A_NUMBER
    if len(nsn) > _MAX_NSN:
        return NOT_A_NUMBER
    e164 = code.prefix + nsn
    classifiers, main_region = code.valid_in_main
    classifier = classifiers.get(len(nsn))
    group = None if classifier is None else classifier.group(nsn)
    if group is not None:
        mobile = _IS_MOBILE_GROUP[group]
        return _new_verdict(PhoneVerdict, (_VALID, e164, main_region, mobile))
    region = code.region_of(nsn)
    if region is not None:
        region_plan = _region_plan(code.country_code, region)
        if region_plan is not None and (
            region == REGION_CODE_FOR_NON_GEO_ENTITY
            or region_plan.country_code == code.country_code
        ):
            number_type = region_plan.number_type(nsn)
            if number_type != PhoneNumberType.UNKNOWN:
                return PhoneVerdict(_VALID, e164, region, number_type in _MOBILE_TYPES)
    if code.main.test_length(nsn) in _POSSIBLE_RESULTS:
        return PhoneVerdict(PhoneKind.POSSIBLE, e164, region, None)
    return PhoneVerdict(PhoneKind.INVALID, e164, region, None)


_VALID = PhoneKind.VALID
_UNSEEN = "?"  # not a group name: "not in the memo"
_new_verdict = tuple.__new__  # PhoneVerdict's own __new__ minus a Python call


class PhoneChecker:
    """Checks numbers with a default region for those written without a country code."""

    def __init__(self, default_region: str = "US") -> None:
        region = default_region.upper()
        if region not in SUPPORTED_REGIONS:
            raise ValueError(
                f"default region {default_region!r} is not a region phonenumbers knows "
                "(expected an ISO 3166 code such as 'GB')"
            )
        self.default_region = region
        self._fast = _FastPath(region)
        self._cache: ShardedDict[str, PhoneVerdict] = ShardedDict()
        # The cache's keys, oldest first. Finding the oldest by iterating the dict would walk
        # every slot deleted since its last resize: 80 us a call on average, up to 2 ms.
        self._arrival: deque[str] = deque()
        # E.164 length -> its first _DECIDED_WIDTH characters -> (region, is_mobile) of the
        # valid numbers that check_columns decided inline (see there).
        self._decided: list[dict[str, tuple[str, bool]]] = [{} for _ in range(_MAX_INPUT + 1)]

    def check(self, raw: str) -> PhoneVerdict:
        verdict = self._cache.get(raw)
        if verdict is None:
            verdict = self._remember(raw, self._verdict(raw))
        return verdict

    def check_many(self, raws: Sequence[str]) -> list[PhoneVerdict]:
        """The bulk path used when a file is loaded; same verdicts as :meth:`check` (and the
        same object for equal raw strings): the cached ones, and :meth:`check_columns` on the
        others.

        The cycle collector is paused meanwhile (unless the caller already paused it): every
        verdict is a tuple subclass, which the collector never stops tracking, so on a big
        file it would otherwise walk the cache and the new verdicts again and again.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            found = list(map(self._cache.get, raws))
            if None not in found:
                return found  # type: ignore[return-value]
            missing = list(dict.fromkeys(compress(raws, map(not_, found))))
            verdicts = map(
                _new_verdict, repeat(PhoneVerdict), zip(*self.check_columns(missing), strict=True)
            )
            fresh = dict(zip(missing, verdicts, strict=True))
            if len(fresh) <= _CACHE_LIMIT:
                cache = self._cache
                new = [raw for raw in fresh if raw not in cache]  # check() remembered some
                self._make_room(len(new))
                cache.update(fresh.items())
                self._arrival.extend(new)
            return list(map(fresh.get, raws, found))  # type: ignore[arg-type]
        finally:
            if collecting:
                gc.enable()

    def check_columns(self, raws: Sequence[str]) -> PhoneColumns:
        """The verdicts of :meth:`check_many` as one list per field, without a verdict object
        per number: the fastest way to check a file when only some fields are needed.

        A Python call costs about as much as deciding a number, so the dominant case, a number
        written with "+" or the default region's IDD, in digits (and spaces/dashes/brackets),
        that its calling code's main region finds valid, is inlined here: the same steps as
        ``_FastPath.verdict`` + ``_finish`` take for it. Everything else goes through
        :meth:`check`.
        """
        check = self.check
        calling_code_of = _CALLING_CODE_OF
        is_mobile_group = _IS_MOBILE_GROUP
        digits_shape = _digits_shape
        columns = PhoneColumns([], [], [], [])
        add_kind, add_e164, add_region, add_mobile = (column.append for column in columns)
        idd = self._fast.default.idd
        decided = self._decided
        for raw in raws:
            # Digits whose length and beginning decided earlier ones have the same calling
            # code, classifier and deciding digits, so the same answer: first for text that is
            # already E.164 (most of a file), then for the digits read from other text.
            known = None
            if len(raw) <= _MAX_INPUT:
                known = decided[len(raw)].get(raw[:_DECIDED_WIDTH])
                if known is not None and raw.isascii() and raw[1:].isdigit():
                    add_kind(_VALID)
                    add_e164(raw)
                    add_region(known[0])
                    add_mobile(known[1])
                    continue
            # digits: ASCII digits after a "+" or an IDD, separators removed; or "".
            digits = e164 = ""
            if raw[:1] == "+":
                digits = raw[1:]
                e164 = raw
                if not (digits.isdigit() and digits.isascii()):
                    shape = digits_shape(raw)
                    digits = "" if shape is None else shape[1]
                    e164 = "+" + digits
            elif idd is not None:
                if raw.isdigit() and raw.isascii():
                    text = raw
                else:
                    shape = digits_shape(raw)
                    text = "" if shape is None or shape[0] else shape[1]
                # An IDD then a calling code reads as "+" then the code (parse() only
                # differs when no known code follows, left to check).
                found = idd.match(text)
                if found is not None and text[found.end() : found.end() + 1] != "0":
                    digits = text[found.end() :]
                    e164 = "+" + digits
            if len(digits) >= 3 and len(raw) <= _MAX_INPUT:
                if e164 is not raw:
                    known = decided[len(e164)].get(e164[:_DECIDED_WIDTH])
                if known is not None:
                    add_kind(_VALID)
                    add_e164(e164)
                    add_region(known[0])
                    add_mobile(known[1])
                    continue
                code = calling_code_of[digits[:3]]
                if code is not None:
                    classifiers, region = code.hot
                    nsn = digits[code.length :]
                    classifier = classifiers.get(len(nsn))
                    if classifier is not None:  # classifier.group(nsn), its hits inlined
                        head = nsn[:_HEAD]
                        depth = classifier.depths.get(head)
                        group = classifier.memo.get(nsn[:depth], _UNSEEN) if depth else _UNSEEN
                        if group is _UNSEEN:
                            group = classifier.group(nsn)
                            depth = classifier.depths[head]
                        if group is not None:
                            mobile = is_mobile_group[group]
                            add_kind(_VALID)
                            add_e164(e164)
                            add_region(region)
                            add_mobile(mobile)
                            if 1 + code.length + depth <= _DECIDED_WIDTH:
                                self._decide(e164, region, mobile)
                            continue
            kind, e164, region, mobile = check(raw)
            add_kind(kind)
            add_e164(e164)
            add_region(region)
            add_mobile(mobile)
        return columns

    def _decide(self, e164: str, region: str, mobile: bool) -> None:
        """Remember a valid number whose first _DECIDED_WIDTH characters of E.164 hold its
        calling code and its deciding digits, for the numbers of its length that begin so."""
        decided = self._decided[len(e164)]
        if len(decided) >= _MEMO_LIMIT:
            decided.clear()
        decided[e164[:_DECIDED_WIDTH]] = (region, mobile)

    def _remember(self, raw: str, verdict: PhoneVerdict) -> PhoneVerdict:
        self._make_room(1)
        self._cache[raw] = verdict
        self._arrival.append(raw)
        return verdict

    def _make_room(self, count: int) -> None:
        """Drop the oldest verdicts, so that ``count`` more stay within the limit.

        A few at a time, as they are replaced: emptying the full cache freed 200,000 verdicts
        in one go, which held the window for 25 ms in the middle of a load.
        """
        cache, oldest = self._cache, self._arrival.popleft
        for _ in range(len(cache) + count - _CACHE_LIMIT):
            del cache[oldest()]

    def _verdict(self, raw: str) -> PhoneVerdict:
        if not raw.isascii() and _INVISIBLE.search(raw):
            return NOT_A_NUMBER
        verdict = self._fast.verdict(raw)
        if verdict is None:
            verdict = library_verdict(raw, self.default_region)
        return verdict
