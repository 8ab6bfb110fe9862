"""SMS segment math: encoding, units, segments, and the characters that force UCS-2.

Reference behaviour: Twilio's open-source message-segment-calculator (escape pairs, surrogate
pairs and whole grapheme clusters never split across segments).
CONTRACT STUB: to be implemented; the signatures below are the agreed API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True, slots=True)
class ForcingChar:
    """A character that makes the message UCS-2, at ``index`` (code-point index in the text)."""

    index: int
    char: str
    replacement: str | None  # the GSM-7 look-alike, or None when there is none


@dataclass(frozen=True, slots=True)
class SmsAnalysis:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    segment_units: tuple[int, ...]  # units used in each segment
    forcing: tuple[ForcingChar, ...]  # empty for GSM-7

    @property
    def segment_capacity(self) -> int:
        """Units one segment holds: 160/70 for a single part, 153/67 for multipart."""
        raise NotImplementedError

    @property
    def last_segment_free(self) -> int:
        """Units still free in the last segment."""
        raise NotImplementedError


def analyze(text: str) -> SmsAnalysis:
    raise NotImplementedError


def split_segments(text: str) -> list[str]:
    """The text of each segment; ``"".join(split_segments(t)) == t``."""
    raise NotImplementedError


def to_gsm(text: str) -> str:
    """``text`` with every forcing character that has a GSM look-alike replaced by it."""
    raise NotImplementedError
