"""SMS segment math: encoding, units, segments, and the characters that force UCS-2.

Reference behaviour: Twilio's open-source message-segment-calculator (escape pairs, surrogate
pairs and whole grapheme clusters never split across segments). Hand-written because no Python
library does this with those splitting rules; the grapheme clusters come from ``regex``'s ``\\X``.

Speed matters (a batch analyses ~100k distinct texts), so no path loops over characters in Python:
one regex pass both recognises a GSM-7 text and counts its septets, a multipart one is cut with
slices; only a multipart UCS-2 text is split into grapheme clusters, and its cuts are found by
bisection. The forcing characters are found only when asked for.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Literal

import regex

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic character set, in table order 0x00-0x7F, without 0x1B: that code is the escape
# to the extension table, not a character a text can hold. One septet each.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each is sent as the escape plus a code, so costs two septets, and
# the two are never split across segments.
GSM_EXTENSION = "\f^{}\\[~]|€"

SINGLE_CAPACITY: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
# A multipart message spends 6 octets of each 140-octet segment on the concatenation header.
MULTIPART_CAPACITY: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}

_NON_GSM = re.compile("[^" + re.escape(GSM_BASIC + GSM_EXTENSION) + "]")
_OUTSIDE_BASIC = re.compile("[^" + re.escape(GSM_BASIC) + "]")
_EXTENSION_SET = frozenset(GSM_EXTENSION)
_GRAPHEME = regex.compile(r"\X")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each
# No GSM character joins a grapheme cluster, so the only all-GSM cluster of two is CR LF.
_GSM_CLUSTERS = frozenset(GSM_BASIC + GSM_EXTENSION) | {"\r\n"}

# Look-alikes that Unicode compatibility decomposition (NFKD, tried next) does not give: typographic
# quotes and dashes, invisible characters, and the ASCII characters the GSM table lacks.
_LOOK_ALIKES: dict[str, str] = {
    **dict.fromkeys("‘’‚‛′‵ʹʻʼʽ`´", "'"),
    **dict.fromkeys("“”„‟″‶«»ʺ˝", '"'),
    **dict.fromkeys("‐‑‒–—―−⁃•", "-"),
    **dict.fromkeys("\u00a0\u202f\u2007\t", " "),  # no-break, narrow no-break, figure space, tab
    **dict.fromkeys("\u200b\u2060\ufeff\u00ad", ""),  # zero-width space, joiner, BOM, soft hyphen
    **dict.fromkeys("\u2028\u2029", "\n"),  # line and paragraph separators
    "…": "...",
    "‹": "<",
    "›": ">",
    "⁄": "/",
    "÷": "/",
    "×": "x",
}


@dataclass(frozen=True, slots=True)
class ForcingChar:
    """A character that makes the message UCS-2, at ``index`` (code-point index in the text).

    ``char`` is a whole grapheme cluster, so an emoji built of several code points (a ZWJ family,
    a flag, a skin tone) is one entry, and ``len(char)`` code points are highlighted.
    """

    index: int
    char: str
    replacement: str | None  # the GSM-7 look-alike, or None when there is none


@dataclass(frozen=True, slots=True)
class SmsAnalysis:
    """Encoding and segments of a message.

    The counts are of the text as the provider sends it; with short links on that differs from
    ``text``, the text as written (see ``links.analyze_as_sent``).
    """

    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    segment_units: tuple[int, ...]  # units used in each segment
    text: str  # the text as written, where ``forcing`` finds its characters
    # Code-point spans of ``text`` the provider does not send as written (the URLs it shortens):
    # their characters force nothing.
    replaced_spans: tuple[tuple[int, int], ...] = ()

    @property
    def forcing(self) -> tuple[ForcingChar, ...]:
        """The characters of ``text`` that force UCS-2, in order; empty for GSM-7.

        Found on demand rather than stored: a Cyrillic text has one per letter, and a batch keeps
        the analyses of ~100k distinct texts.
        """
        if self.encoding == "GSM-7":
            return ()
        return _forcing(self.text, self.replaced_spans)

    @property
    def segment_capacity(self) -> int:
        """Units one segment holds: 160/70 for a single part, 153/67 for multipart."""
        table = SINGLE_CAPACITY if self.segments == 1 else MULTIPART_CAPACITY
        return table[self.encoding]

    @property
    def last_segment_free(self) -> int:
        """Units still free in the last segment."""
        return self.segment_capacity - self.segment_units[-1]


def analyze(text: str) -> SmsAnalysis:
    septets = _septets(text)
    encoding: Encoding = "UCS-2" if septets is None else "GSM-7"
    units = _utf16_units(text) if septets is None else septets
    if units <= SINGLE_CAPACITY[encoding]:
        return SmsAnalysis(encoding, units, 1, (units,), text)
    parts = _gsm_parts(text) if encoding == "GSM-7" else _ucs2_parts(text)
    return SmsAnalysis(encoding, units, len(parts), tuple(units for _, units in parts), text)


def split_segments(text: str) -> list[str]:
    """The text of each segment; ``"".join(split_segments(t)) == t``."""
    septets = _septets(text)
    if septets is not None:
        parts = [(text, septets)] if septets <= SINGLE_CAPACITY["GSM-7"] else _gsm_parts(text)
    elif _utf16_units(text) <= SINGLE_CAPACITY["UCS-2"]:
        parts = [(text, 0)]
    else:
        parts = _ucs2_parts(text)
    return [part for part, _ in parts]


def to_gsm(text: str) -> str:
    """``text`` with every forcing character that has a GSM look-alike replaced by it."""
    if is_gsm(text):
        return text
    return "".join(map(_look_alike_or_same, _GRAPHEME.findall(text)))


def is_gsm(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 03.38 basic or extension table."""
    return _NON_GSM.search(text) is None


def _septets(text: str) -> int | None:
    """Septets of ``text`` in GSM-7, or None when it is not all GSM.

    One regex pass answers both: the characters outside the basic table are either all in the
    extension table (two septets each) or the text is not GSM.
    """
    outside_basic = _OUTSIDE_BASIC.findall(text)
    if _EXTENSION_SET.issuperset(outside_basic):
        return len(text) + len(outside_basic)
    return None


def _utf16_units(text: str) -> int:
    """UTF-16 code units: one per code point, two for one outside the Basic Multilingual Plane."""
    return len(text) + len(_ASTRAL.findall(text))


def _gsm_parts(text: str) -> list[tuple[str, int]]:
    """A multipart GSM-7 text cut into segments of at most 153 septets: (text, septets) each.

    Each cut starts 153 characters on (at least 153 septets, since every character costs one
    or two) and steps back one character at a time until the part fits, so it costs one step per
    extension character in the part instead of one per character. An escape pair is one
    character here, so it is moved whole; CR is never parted from its LF (one grapheme cluster).
    """
    capacity = MULTIPART_CAPACITY["GSM-7"]
    parts: list[tuple[str, int]] = []
    start = 0
    while start < len(text):
        end = min(start + capacity, len(text))
        units = end - start + len(_OUTSIDE_BASIC.findall(text, start, end))
        while units > capacity or text[end - 1 : end + 1] == "\r\n":
            end -= 1
            units -= 2 if text[end] in _EXTENSION_SET else 1
        parts.append((text[start:end], units))
        start = end
    return parts


def _ucs2_parts(text: str) -> list[tuple[str, int]]:
    """A multipart UCS-2 text cut into segments of at most 67 UTF-16 units: (text, units) each.

    Each segment ends at the furthest cut point (see ``_cut_points``) that keeps it within 67
    units, found by bisection over the cut points, whose unit offsets only grow.
    """
    capacity = MULTIPART_CAPACITY["UCS-2"]
    astral = [match.start() for match in _ASTRAL.finditer(text)]

    def units_before(position: int) -> int:
        return position + bisect_left(astral, position)

    cuts = _cut_points(text, units_before, capacity)
    parts: list[tuple[str, int]] = []
    start = 0  # index into cuts
    while cuts[start] < len(text):
        first_unit = units_before(cuts[start])
        end = bisect_right(cuts, first_unit + capacity, lo=start + 1, key=units_before) - 1
        parts.append((text[cuts[start] : cuts[end]], units_before(cuts[end]) - first_unit))
        start = end
    return parts


def _cut_points(text: str, units_before: Callable[[int], int], capacity: int) -> list[int]:
    """Code-point offsets where a UCS-2 segment may end: every grapheme-cluster boundary (so a
    surrogate pair is never split either), plus every code point inside a cluster too long for
    any segment (a pile of combining marks), which would otherwise fit nowhere."""
    clusters = _GRAPHEME.findall(text)
    cuts = list(accumulate(map(len, clusters), initial=0))
    if max(map(len, clusters)) <= capacity // 2:  # each cluster is at most 2 units per code point
        return cuts
    opened = [0]
    for start, end in pairwise(cuts):
        if units_before(end) - units_before(start) > capacity:
            opened.extend(range(start + 1, end))
        opened.append(end)
    return opened


@lru_cache(maxsize=256)
def _forcing(text: str, replaced_spans: tuple[tuple[int, int], ...]) -> tuple[ForcingChar, ...]:
    """The grapheme clusters of ``text`` holding a non-GSM character, outside the spans."""
    forcing: list[ForcingChar] = []
    for match in _GRAPHEME.finditer(text):
        cluster, index = match.group(), match.start()
        if cluster in _GSM_CLUSTERS:
            continue
        if any(start <= index < end for start, end in replaced_spans):
            continue
        forcing.append(ForcingChar(index, cluster, _replacement(cluster)))
    return tuple(forcing)


@lru_cache(maxsize=8192)
def _replacement(cluster: str) -> str | None:
    """The GSM-7 look-alike of one grapheme cluster holding a non-GSM character, or None.

    In order: the explicit table; the composed form (a decomposed ``e`` + U+0301 is ``é``, which
    is GSM); the compatibility decomposition without its accents (``á`` -> ``a``, ``ﬁ`` -> ``fi``,
    fullwidth ``Ａ`` -> ``A``, ``½`` -> ``1/2``), kept only if all of it is GSM.
    """
    if cluster in _LOOK_ALIKES:
        return _LOOK_ALIKES[cluster]
    composed = unicodedata.normalize("NFC", cluster)
    if is_gsm(composed):
        return composed
    decomposed = unicodedata.normalize("NFKD", cluster)
    stripped = "".join(_LOOK_ALIKES.get(c, c) for c in decomposed if not unicodedata.combining(c))
    return stripped if stripped and is_gsm(stripped) else None


def _look_alike_or_same(cluster: str) -> str:
    if cluster in _GSM_CLUSTERS:
        return cluster
    replacement = _replacement(cluster)
    return cluster if replacement is None else replacement
