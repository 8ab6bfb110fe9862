"""Synthetic audiences for the audience-based simulators (Cordial, Batch).

Contacts are not stored: contact ``i`` has a number computed from ``i``, and network failures
are counted lazily, only as far as sending has got.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

from app.sandbox.core import network_outcome


class Audience:
    """The contacts of one audience, with failures counted lazily as sending goes on.

    Contacts are not materialised: ``phone(i)`` gives contact ``i``, and ``failed_before(n)``
    extends a compact prefix count of network failures only as far as a request needs it
    (4 bytes per contact sent). Each new contact costs one ``network_outcome`` (some 15-30 us),
    so polling a campaign costs only what it sent since the last poll; the first look at a
    million messages sent at once takes tens of seconds.
    """

    def __init__(self, size: int, phone: Callable[[int], str], failure_percent: int) -> None:
        self.size = size
        self.phone = phone
        self._failure_percent = failure_percent
        self._failed_prefix = array("I", [0])

    @classmethod
    def of(cls, contacts: int | Sequence[str], failure_percent: int) -> Audience:
        """A synthetic audience of ``contacts`` numbers, or one of the numbers listed."""
        if isinstance(contacts, int):
            return cls(contacts, synthetic_phone, failure_percent)
        listed = ListedPhones(contacts)
        return cls(len(listed), listed, failure_percent)

    def failed_before(self, count: int) -> int:
        prefix = self._failed_prefix
        for index in range(len(prefix) - 1, min(count, self.size)):
            failed = network_outcome(self.phone(index), self._failure_percent) is not None
            prefix.append(prefix[-1] + failed)
        return prefix[min(count, self.size)]


class ListedPhones(tuple[str, ...]):
    """The numbers of an audience listed one by one; ``phones(i)`` is contact ``i`` (a class,
    not a bound method, so that the sandbox's state file can hold it)."""

    def __call__(self, index: int) -> str:
        return self[index]


def synthetic_phone(index: int) -> str:
    """Contact ``index`` of a synthetic audience: ``+4474`` and eight digits, a valid UK mobile."""
    return f"+4474{index:08d}"
