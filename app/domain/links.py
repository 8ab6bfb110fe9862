"""Short links: with shortening on, each URL counts as a fixed length before segmenting.

CONTRACT STUB: to be implemented; the signatures below are the agreed API.
"""

from __future__ import annotations

from app.domain.sms import SmsAnalysis

DEFAULT_SHORT_LINK_LENGTH = 23


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point spans of the URLs in ``text``."""
    raise NotImplementedError


def as_sent(text: str, short_link_length: int | None) -> str:
    """The text the provider measures: each URL replaced by a GSM placeholder of that length.

    ``None`` means shortening is off and the text is returned unchanged.
    """
    raise NotImplementedError


def analyze_as_sent(text: str, short_link_length: int | None) -> SmsAnalysis:
    raise NotImplementedError
