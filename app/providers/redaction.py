"""The one place that takes secrets out of text: every credential of every account an adapter
was made for, in every form a provider's answer may echo them.

A provider's error text reaches the operator's sentence, the error's ``provider_message`` and
the log. A server that echoes the request (a debugging proxy, a misconfigured gateway) would
put the ``Authorization`` header, a form's password or a query's key there, so
:class:`~app.providers.errors.ProviderError`, :class:`~app.providers.issues.ProviderIssue` and
the HTTP loggers pass their text through :func:`redact`.

The forms searched for, per secret: as written, URL-encoded (``%XX`` in either case, ``+`` for
spaces), JSON-escaped, and base64 in both alphabets at each of the three alignments a value can
have inside a longer encoded text, which covers the Basic-auth pair ``user:password`` whoever
the other half is. A value shorter than :data:`SHORTEST` is not searched for: it would match
ordinary words, and no provider issues such a credential.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
SHORTEST = 4

_forms_of: dict[str, frozenset[str]] = {}  # owner (an account id...) -> the forms of its secrets
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def register(owner: str, secrets: Iterable[str]) -> None:
    """Take ``secrets`` out of all text from now on, in place of what ``owner`` (an account's
    id, or its access token's name) registered before."""
    global _pattern
    forms = frozenset(form for secret in secrets for form in forms_of(str(secret)))
    with _lock:
        _forms_of[owner] = forms
        every = set().union(*_forms_of.values())
        ordered = sorted(every, key=len, reverse=True)  # a longer form before its parts
        _pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None


def redact(text: str) -> str:
    """``text`` with every form of every registered secret replaced by :data:`MASK`."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def forms_of(secret: str) -> set[str]:
    """The forms of ``secret`` that :func:`redact` takes out (see the module's docstring)."""
    if len(secret) < SHORTEST:
        return set()
    found = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for charset in ("utf-8", "latin-1"):  # EAPI's forms are ISO-8859-1
        for encode in (quote, quote_plus):
            encoded = encode(secret, safe="", encoding=charset, errors="ignore")
            found.add(encoded)
            found.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded))
    found |= _base64_cores(secret.encode())
    found |= _base64_cores(secret.encode("latin-1", "ignore"))
    return {form for form in found if len(form) >= SHORTEST}


def _base64_cores(raw: bytes) -> set[str]:
    """The base64 characters that only ``raw`` decides, wherever it sits in an encoded text:
    after 0, 1 or 2 other bytes (mod 3), the characters whose 6 bits all come from ``raw``."""
    cores: set[str] = set()
    for before in range(3):
        encoded = base64.b64encode(b"\0" * before + raw + b"\0\0").decode("ascii")
        first = -(-8 * before // 6)  # the first character wholly inside raw
        last = 8 * (before + len(raw)) // 6  # one past the last one
        core = encoded[first:last]
        cores.add(core)
        cores.add(core.replace("+", "-").replace("/", "_"))  # the URL-safe alphabet
    return cores


class RedactingFilter(logging.Filter):
    """Takes secrets out of a record's message (its arguments merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: the handler reports it, not the caller
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


#: The loggers that may carry what went over the wire: ours and those of httpx and httpcore.
HTTP_LOGGERS = (
    "campaign_desk.http",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
for _name in HTTP_LOGGERS:
    logging.getLogger(_name).addFilter(RedactingFilter())
