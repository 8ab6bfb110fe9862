"""Which leading digits decide whether a phone-metadata pattern matches a number.

libphonenumber's patterns are regular expressions made of digits, digit classes, groups,
alternations and bounded repeats. On the digit strings of one length, such a pattern matches
exactly a finite union of *cubes*: one set of allowed digits per position. A cube that allows
every digit from some position on is decided by the digits before it, so a verdict computed
from such patterns depends only on a number's first few digits, and can be remembered by them
(``phones._Classifier`` does).

The cubes are read from the parse tree that ``re.compile`` itself works from
(``re._parser``), so they are the language ``re`` matches; any construct outside that small
vocabulary (anchors, lookarounds, backreferences, unbounded growth past the length) raises
:class:`Unsupported` and the caller does without. Hand-written because the regex-to-automaton
libraries (interegular, greenery) answer other questions (intersection, emptiness), not
"which positions matter".
"""

from __future__ import annotations

import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterable
from functools import lru_cache

ALL_DIGITS = 0x3FF  # bit d: the digit d
Cube = tuple[int, ...]  # one digit mask per position
_MAX_CUBES = 50_000  # a pattern that unfolds into more is not worth it: Unsupported


class Unsupported(ValueError):
    """The pattern uses something this module does not model."""


@lru_cache(maxsize=4096)
def cubes(pattern: str, length: int, *, prefix: bool = False) -> frozenset[Cube]:
    """The digit strings of ``length`` digits that ``re.fullmatch(pattern, s)`` accepts or,
    with ``prefix``, that ``re.match(pattern, s)`` accepts (a cube shorter than ``length``
    is then padded with every digit)."""
    found = _sequence(_parsed(pattern), length)
    if prefix:
        return frozenset(cube + (ALL_DIGITS,) * (length - len(cube)) for cube in found)
    return frozenset(cube for cube in found if len(cube) == length)


@lru_cache(maxsize=1024)
def _parsed(pattern: str) -> list[tuple[object, object]]:
    """The parse tree of a pattern, once for all the lengths it is unfolded at."""
    return list(sre_parse.parse(pattern))


def narrow_end(cube: Cube) -> int:
    """The position after the last one that does not allow every digit."""
    for end in range(len(cube), 0, -1):
        if cube[end - 1] != ALL_DIGITS:
            return end
    return 0


def deciding_length(cubes_with_ends: Iterable[tuple[Cube, int]], head: str) -> int:
    """How many leading digits decide, for every digit string that starts with ``head``,
    which of the cubes contain it: the ``narrow_end`` of the first cube that ``head`` does not
    rule out, or ``len(head)`` if that is longer. The cubes come with their narrow ends and
    sorted by them, longest first, so that the first such cube has the longest end."""
    bits = [1 << (ord(char) - 48) for char in head]
    for cube, end in cubes_with_ends:
        if end <= len(bits):
            break
        if all(mask & bit for mask, bit in zip(cube, bits, strict=False)):
            return end
    return len(bits)


def _sequence(items: Iterable[tuple[object, object]], limit: int) -> set[Cube]:
    """The cubes of at most ``limit`` positions of a concatenation."""
    found: set[Cube] = {()}
    for op, argument in items:
        options = _item(op, argument, limit)
        found = {
            left + right for left in found for right in options if len(left) + len(right) <= limit
        }
        if len(found) > _MAX_CUBES:
            raise Unsupported("the pattern unfolds into too many cubes")
    return found


def _item(op: object, argument: object, limit: int) -> set[Cube]:
    if op is sre.LITERAL:
        digit = argument - 48  # type: ignore[operator]
        return {(1 << digit,)} if 0 <= digit <= 9 else set()
    if op is sre.NOT_LITERAL:
        digit = argument - 48  # type: ignore[operator]
        return {(ALL_DIGITS & ~(1 << digit),)} if 0 <= digit <= 9 else {(ALL_DIGITS,)}
    if op is sre.IN:
        mask = _class_mask(argument)  # type: ignore[arg-type]
        return {(mask,)} if mask else set()
    if op is sre.BRANCH:
        _, branches = argument  # type: ignore[misc]
        return set().union(*(_sequence(branch, limit) for branch in branches))
    if op is sre.SUBPATTERN:
        *_, body = argument  # type: ignore[misc]  # group number and flags: no effect on digits
        return _sequence(body, limit)
    if op is sre.MAX_REPEAT or op is sre.MIN_REPEAT:  # greedy or lazy: one language
        low, high, body = argument  # type: ignore[misc]
        return _repeat(low, high, _sequence(body, limit), limit)
    raise Unsupported(f"pattern construct {op}")


def _repeat(low: int, high: int, body: set[Cube], limit: int) -> set[Cube]:
    """``body{low,high}``. If ``body`` can be empty, so can any of its repetitions: the same
    language as ``(non-empty body){0,high}``, which grows by a position per repetition."""
    if () in body:
        body, low = body - {()}, 0
    found: set[Cube] = set()
    current: set[Cube] = {()}
    for count in range(min(high, limit) + 1):
        if count >= low:
            found |= current
        current = {left + right for left in current for right in body if len(left + right) <= limit}
        if not current:
            break
        if len(current) > _MAX_CUBES:
            raise Unsupported("the pattern unfolds into too many cubes")
    return found


def _class_mask(items: list[tuple[object, object]]) -> int:
    """The digits a character class ``[...]`` accepts."""
    mask = 0
    negate = False
    for op, argument in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            if 48 <= argument <= 57:  # type: ignore[operator]
                mask |= 1 << (argument - 48)  # type: ignore[operator]
        elif op is sre.RANGE:
            low, high = argument  # type: ignore[misc]
            mask |= sum(1 << digit for digit in range(10) if low <= digit + 48 <= high)
        elif op is sre.CATEGORY and argument is sre.CATEGORY_DIGIT:
            mask = ALL_DIGITS
        else:
            raise Unsupported(f"character class item {op} {argument}")
    return mask ^ ALL_DIGITS if negate else mask
