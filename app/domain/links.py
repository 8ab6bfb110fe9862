"""Short links: with shortening on, each URL counts as a fixed length before segmenting.

RocketCOMS documents that with URL shortening on it "uses the message length after the URLs are
shortened to determine if segmentation is required", so a URL is measured as its short link.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.domain.sms import SmsAnalysis, analyze

# The provider documents we have (RocketCOMS's shortlink flag, Routee's urlShortener) do not give
# the length of their short links, so the default is the best-known fixed figure: Twitter/X's
# t.co, which counts every link as 23 characters ("https://t.co/" plus a 10-character code).
# Common shorteners stay within it ("https://bit.ly/" plus 7 is 22), so the estimate errs towards
# more segments, not fewer. The length is a setting (BatchSettings.short_link_length).
DEFAULT_SHORT_LINK_LENGTH = 23

# An http(s) URL or a bare "www." host, up to the next whitespace. \b keeps "awww.x" and
# "xhttp://" out.
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)"
# A URL is replaced by this GSM character repeated, so it costs exactly one septet (or one UCS-2
# unit) per character of the short link.
_PLACEHOLDER_CHAR = "x"


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point spans of the URLs in ``text``.

    Trailing sentence punctuation (``.,;:!?)``) is not part of a URL, except a ``)`` that closes
    a ``(`` inside it, as in ``https://en.wikipedia.org/wiki/Mercury_(planet)``.
    """
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        end = match.start() + len(_trim(match.group()))
        if end > match.start() + _prefix_length(match.group()):
            spans.append((match.start(), end))
    return spans


def as_sent(text: str, short_link_length: int | None) -> str:
    """The text the provider measures: each URL replaced by a GSM placeholder of that length.

    ``None`` means shortening is off and the text is returned unchanged.
    """
    if short_link_length is None:
        return text
    return _replace_spans(text, find_urls(text), _placeholder(short_link_length))


def analyze_as_sent(text: str, short_link_length: int | None) -> SmsAnalysis:
    """``analyze`` of the text as the provider measures it (see ``as_sent``).

    The analysis keeps ``text`` as written, with the URLs as its replaced spans, so the forcing
    characters carry their index in ``text``, where the operator sees them.
    """
    if short_link_length is None:
        return analyze(text)
    placeholder = _placeholder(short_link_length)
    spans = find_urls(text)
    if not spans:
        return analyze(text)
    analysis = analyze(_replace_spans(text, spans, placeholder))
    return replace(analysis, text=text, replaced_spans=tuple(spans))


def _placeholder(short_link_length: int) -> str:
    if short_link_length < 1:
        raise ValueError(f"short link length must be at least 1 character, got {short_link_length}")
    return _PLACEHOLDER_CHAR * short_link_length


def _replace_spans(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces += (text[last:start], placeholder)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _trim(url: str) -> str:
    """``url`` without trailing sentence punctuation; a ``)`` closing a ``(`` in it stays."""
    while url and url[-1] in _TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _prefix_length(url: str) -> int:
    """Length of the scheme or ``www.`` that starts ``url``: a URL must have more than that."""
    return url.index("/") + 2 if url[:4].lower() == "http" else len("www.")
