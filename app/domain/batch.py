"""The batch: the document behind the editor, with per-row analysis and running totals.

Rows are stored column-wise (lists of strings, arrays of small integers) so a million rows stay
compact. Analysis is cached per distinct message text; totals are updated incrementally, so an
edit of one row costs O(1) (plus the rows sharing its number, for the duplicate check), never a
rescan.

Rules, in one place for the editor, ``load_batch`` and the streaming :func:`summarize`:

* Every row counts in the totals (rows, segments, cost), also one with errors: the totals say
  what the file as written would cost. A row whose number has no known country is priced at
  the table's fallback and counted under :data:`UNKNOWN_REGION`.
* ``errors`` / ``warnings`` count rows with at least one issue of that severity.
* ``row.duplicate`` marks every row whose valid number (compared in E.164) is on another row
  too; invalid numbers already carry an error and are not compared.

Rows have a stable id besides their position (``domain/row_order.py``), so the duplicate groups,
and whatever the services say about a row, survive inserts and removals without renumbering.
"""

from __future__ import annotations

import heapq
import locale
import os
import sys
import unicodedata
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import compress
from multiprocessing import get_context
from operator import itemgetter
from pathlib import Path

from app.domain.csvfile import CsvFileError, CsvLayout, RowChunk, read_chunks, sniff, write_rows
from app.domain.links import analyze_as_sent
from app.domain.phones import PhoneChecker, PhoneKind, PhoneVerdict, invisible_characters
from app.domain.pricing import PriceTable
from app.domain.row_order import RowOrder
from app.domain.sharded import ShardedDict
from app.domain.sms import SmsAnalysis

UNKNOWN_REGION = "ZZ"  # libphonenumber's code for "no region": the by_country key of such rows
FALLBACK_REGION = "US"


class IssueCode(StrEnum):
    PHONE_INVALID = "phone.invalid"
    PHONE_NOT_MOBILE = "phone.not_mobile"
    MESSAGE_EMPTY = "message.empty"
    MESSAGE_TOO_LONG = "message.too_long"
    ROW_DUPLICATE = "row.duplicate"
    ROW_MALFORMED = "row.malformed"


class IssueSeverity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class RowIssue:
    code: IssueCode
    severity: IssueSeverity
    column: str | None  # "phone", "message" or None for the whole row
    message: str  # a sentence for the operator


@dataclass(frozen=True, slots=True)
class RowResult:
    e164: str | None
    region: str | None
    analysis: SmsAnalysis
    cost: int  # micros
    issues: tuple[RowIssue, ...]


@dataclass(frozen=True, slots=True)
class CountryTotals:
    rows: int
    segments: int
    cost: int  # micros


@dataclass(frozen=True, slots=True)
class Totals:
    rows: int
    segments: int
    cost: int  # micros
    currency: str
    errors: int  # rows with at least one error
    warnings: int  # rows with at least one warning
    by_country: dict[str, CountryTotals]


#: More segments than this make a message too long, unless the settings say otherwise.
DEFAULT_SEGMENT_CAP = 10


@dataclass(frozen=True, slots=True)
class BatchSettings:
    default_region: str
    prices: PriceTable
    short_link_length: int | None = None  # None: short links off
    segment_cap: int = DEFAULT_SEGMENT_CAP  # more segments than this is message.too_long


@dataclass(frozen=True, slots=True)
class RowData:
    """One row's editable content, as kept for undo and for insertion."""

    phone: str
    message: str
    extras: tuple[str, ...] = ()
    line: int = 0  # 0 for rows that were not in the file
    problem: str | None = None  # the CSV problem of a malformed row


def default_region(environ: Mapping[str, str] | None = None) -> str:
    """The region assumed for numbers written without a country code, when the operator has
    not chosen one: the territory of the telephone locale (``LC_ALL``, ``LC_TELEPHONE``,
    ``LANG``, e.g. ``en_GB.UTF-8`` -> ``GB``), else the system locale's, else ``US``."""
    env = os.environ if environ is None else environ
    candidates = [env.get(name, "") for name in ("LC_ALL", "LC_TELEPHONE", "LANG")]
    if environ is None:
        candidates.append(locale.getlocale()[0] or "")
    for value in candidates:
        territory = value.split(".")[0].split("@")[0].rpartition("_")[2]
        if len(territory) == 2 and territory.isalpha() and territory.isupper():
            return territory
    return FALLBACK_REGION


# -- per-text and per-number facts, shared by the batch and the streaming summary ------------


@dataclass(frozen=True, slots=True)
class _Text:
    """A distinct message text with its analysis and its message issue, if any."""

    text: str
    analysis: SmsAnalysis
    issue: RowIssue | None


class _Texts:
    """Analysis cached per distinct message text (campaigns repeat one text a lot)."""

    def __init__(self, settings: BatchSettings) -> None:
        self._short_links = settings.short_link_length
        self._cap = settings.segment_cap
        self._cache: ShardedDict[str, _Text] = ShardedDict()  # a million texts, personalised

    def get(self, text: str) -> _Text:
        shard = self._cache.of(text)
        entry = shard.get(text)
        if entry is None:
            entry = shard[text] = self._analyse(text)
        return entry

    def _analyse(self, text: str) -> _Text:
        analysis = analyze_as_sent(text, self._short_links)
        issue = None
        if not text.strip():
            issue = RowIssue(
                IssueCode.MESSAGE_EMPTY, IssueSeverity.ERROR, "message", "The message is empty."
            )
        elif analysis.segments > self._cap:
            issue = RowIssue(
                IssueCode.MESSAGE_TOO_LONG,
                IssueSeverity.ERROR,
                "message",
                f"The message needs {analysis.segments} segments; the limit is {self._cap}.",
            )
        return _Text(text, analysis, issue)


class _Prices:
    def __init__(self, table: PriceTable) -> None:
        self._table = table
        self._cache: dict[str | None, int] = {}

    def get(self, region: str | None) -> int:
        price = self._cache.get(region)
        if price is None:
            price = self._cache[region] = self._table.price(region)
        return price


# A row's phone in one small integer: how it is stored per row, and what decides its issues.
_VALID_MOBILE, _VALID_OTHER, _POSSIBLE, _INVALID, _NOT_A_NUMBER = range(5)
_CODE_OF_KIND = {
    PhoneKind.POSSIBLE: _POSSIBLE,
    PhoneKind.INVALID: _INVALID,
    PhoneKind.NOT_A_NUMBER: _NOT_A_NUMBER,
}


def _phone_code(kind: PhoneKind, is_mobile: bool | None) -> int:
    if kind is PhoneKind.VALID:
        return _VALID_MOBILE if is_mobile else _VALID_OTHER
    return _CODE_OF_KIND[kind]


def _row_flags(code: int, text: _Text, malformed: bool) -> tuple[bool, bool]:
    """(has an error, has a warning other than row.duplicate)."""
    return code > _VALID_OTHER or text.issue is not None or malformed, code == _VALID_OTHER


def _phone_issue(
    raw: str, code: int, e164: str | None, region: str | None, default: str
) -> RowIssue | None:
    shown = raw.strip()
    if code == _VALID_MOBILE:
        return None
    if code == _VALID_OTHER:
        return RowIssue(
            IssueCode.PHONE_NOT_MOBILE,
            IssueSeverity.WARNING,
            "phone",
            f"{e164} is not a mobile number, so it may not receive SMS.",
        )
    hidden = invisible_characters(shown)
    if hidden:
        names = ", ".join(f"{unicodedata.name(c, 'INVISIBLE')} U+{ord(c):04X}" for c in hidden)
        visible = "".join(c for c in shown if c not in hidden)
        reason = (
            f"'{visible}' holds invisible characters ({names}): delete them, or type the "
            "number again."
        )
    elif not shown:
        reason = "The phone number is missing."
    elif code == _NOT_A_NUMBER:
        reason = f"'{shown}' is not a phone number."
    else:
        where = f" for {region}" if region else ""
        reason = (
            f"'{shown}' has the wrong number of digits{where}."
            if code == _INVALID
            else f"'{shown}' is not a number in use{where}."
        )
        if not shown.startswith(("+", "00")):
            reason = reason[:-1] + f" (read as a {default} number: add the country code if not)."
    return RowIssue(IssueCode.PHONE_INVALID, IssueSeverity.ERROR, "phone", reason)


def _duplicate_issue(e164: str, partners: int, first_lines: list[int]) -> RowIssue:
    """``partners`` other rows have the number; ``first_lines``: up to three of their lines."""
    shown = [str(n) for n in first_lines]
    others = partners - len(shown)
    if not shown:
        where = "on another row" if partners == 1 else f"on {partners} other rows"
    elif partners == 1:
        where = f"on line {shown[0]}"
    else:
        listed = ", ".join(shown[:-1]) + f" and {shown[-1]}" if others == 0 else ", ".join(shown)
        more = f" and {others} more {'row' if others == 1 else 'rows'}" if others else ""
        where = f"on lines {listed}{more}"
    return RowIssue(
        IssueCode.ROW_DUPLICATE, IssueSeverity.WARNING, "phone", f"{e164} is also {where}."
    )


class _Tally:
    """Running totals. ``add`` takes ``rows`` rows of one kind (negative to take them away)."""

    def __init__(self, prices: _Prices) -> None:
        self._prices = prices
        self.rows = self.segments = self.cost = self.errors = self.plain_warnings = 0
        self.duplicate_warnings = 0  # rows with a mobile number that is on other rows too
        self.by_country: dict[str, list[int]] = {}

    def add(self, region: str | None, code: int, text: _Text, malformed: bool, rows: int) -> None:
        segments = text.analysis.segments * rows
        cost = segments * self._prices.get(region)
        error, warning = _row_flags(code, text, malformed)
        self.rows += rows
        self.segments += segments
        self.cost += cost
        self.errors += rows * error
        self.plain_warnings += rows * warning
        country = self.by_country.get(region or UNKNOWN_REGION)
        if country is None:
            country = self.by_country[region or UNKNOWN_REGION] = [0, 0, 0]
        country[0] += rows
        country[1] += segments
        country[2] += cost

    def totals(self, currency: str) -> Totals:
        return Totals(
            rows=self.rows,
            segments=self.segments,
            cost=self.cost,
            currency=currency,
            errors=self.errors,
            warnings=self.plain_warnings + self.duplicate_warnings,
            by_country={
                region: CountryTotals(*values)
                for region, values in sorted(self.by_country.items())
                if values[0]
            },
        )


# -- the document --------------------------------------------------------------------------


@dataclass
class Batch:
    settings: BatchSettings
    layout: CsvLayout | None = None
    extra_columns: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self._phones: list[str] = []
        self._messages: list[str] = []  # the cached _Text's own string: repeats share memory
        self._extras: list[list[str]] = [[] for _ in self.extra_columns]
        self._order = RowOrder()
        self._ids = self._order.ids  # position -> id, kept by the order
        self._line_of_id = array("l")
        self._problem_of_id: dict[int, str] = {}
        self._overflow_of_id: dict[int, tuple[str, ...]] = {}  # fields beyond the columns
        self._codes = array("B")
        self._e164: list[str | None] = []
        self._regions: list[str | None] = []
        # Valid E.164 -> the id of its row, or the ids of all its rows when there are several.
        # Several ids are an array rather than a list: a list would point at int objects made
        # one by one as the file loaded, scattered over the heap, and an edit that walks a
        # group of thousands of rows then waited on a cache miss per row.
        self._groups: ShardedDict[str, int | array[int]] = ShardedDict()
        # e164 -> the four smallest file lines in its group: what a duplicate's sentence names
        # ("also on lines 3, 9 and 12"), kept so that a group of thousands is not sorted for
        # each of its rows
        self._first_lines: dict[str, list[int]] = {}
        self.last_removal_changed: set[int] = set()
        self._configure()

    def _configure(self) -> None:
        self._checker = PhoneChecker(self.settings.default_region)
        self._texts = _Texts(self.settings)
        self._prices = _Prices(self.settings.prices)
        self._tally = _Tally(self._prices)

    # -- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._phones)

    def phone(self, row: int) -> str:
        return self._phones[row]

    def message(self, row: int) -> str:
        return self._messages[row]

    def extras(self, row: int) -> tuple[str, ...]:
        values = tuple(column[row] for column in self._extras)
        return values + self._overflow_of_id.get(self._ids[row], ())

    def line(self, row: int) -> int:
        return self._line_of_id[self._ids[row]]

    def problem(self, row: int) -> str | None:
        return self._problem_of_id.get(self._ids[row])

    def row_data(self, row: int) -> RowData:
        return RowData(
            self._phones[row],
            self._messages[row],
            self.extras(row),
            self.line(row),
            self.problem(row),
        )

    def result(self, row: int) -> RowResult:
        code, e164, region = self._codes[row], self._e164[row], self._regions[row]
        text = self._texts.get(self._messages[row])
        issues: list[RowIssue] = []
        problem = self.problem(row)
        if problem is not None:
            issues.append(RowIssue(IssueCode.ROW_MALFORMED, IssueSeverity.ERROR, None, problem))
        phone_issue = _phone_issue(
            self._phones[row], code, e164, region, self.settings.default_region
        )
        if phone_issue is not None:
            issues.append(phone_issue)
        if text.issue is not None:
            issues.append(text.issue)
        if e164 is not None:
            group = self._groups.get(e164)
            if isinstance(group, array):  # an array only while several rows share the number
                lines = self._partner_first_lines(e164, group, self._line_of_id[self._ids[row]])
                issues.append(_duplicate_issue(e164, len(group) - 1, lines))
        issues.sort(key=lambda issue: issue.severity is not IssueSeverity.ERROR)
        cost = text.analysis.segments * self._prices.get(region)
        return RowResult(e164, region, text.analysis, cost, tuple(issues))

    # -- per-row facts without building issues: for sorting, filtering and scans ----------
    # result() spells every issue out (~30 us a row); these answer the same questions from the
    # stored columns in a few hundred nanoseconds, so a pass over a million rows takes
    # seconds, not minutes.
    def e164(self, row: int) -> str | None:
        return self._e164[row]

    def region(self, row: int) -> str | None:
        return self._regions[row]

    def analysis(self, row: int) -> SmsAnalysis:
        return self._texts.get(self._messages[row]).analysis

    def cost(self, row: int) -> int:
        return self.analysis(row).segments * self._prices.get(self._regions[row])

    def issue_flags(self, row: int) -> tuple[bool, bool]:
        """(has an error, has a warning): what ``result(row).issues`` holds, by severity."""
        text = self._texts.get(self._messages[row])
        malformed = self._ids[row] in self._problem_of_id
        error, warning = _row_flags(self._codes[row], text, malformed)
        e164 = self._e164[row]
        shared = e164 is not None and isinstance(self._groups.get(e164), array)
        return error, warning or shared

    @property
    def totals(self) -> Totals:
        return self._tally.totals(self.settings.prices.currency)

    def file_rows(self) -> Iterator[tuple[str, ...]]:
        """Every row as the fields of a file in ``layout``'s column order, for saving.

        A row with more fields than the columns keeps them at the end; a short one is padded.
        """
        layout = self.layout or _new_file_layout(self.extra_columns)
        phone_at, message_at = layout.phone_column, layout.message_column
        for row in range(len(self)):
            values = self.extras(row)
            extras = iter(values)
            width = max(len(layout.columns), 2 + len(values))
            yield tuple(
                self._phones[row]
                if i == phone_at
                else self._messages[row]
                if i == message_at
                else next(extras, "")
                for i in range(width)
            )

    # -- editing: each returns the rows whose result changed (duplicates partners too) ---
    def set_phone(self, row: int, value: str) -> set[int]:
        self._count(row, -1)
        partners = self._leave_groups(range(row, row + 1))
        self._phones[row] = value
        self._store_verdict(row, self._checker.check(value))
        partners |= self._join_groups(range(row, row + 1))
        self._count(row, +1)
        changed = self.positions(partners)
        changed.add(row)
        return changed

    def set_message(self, row: int, value: str) -> set[int]:
        self._count(row, -1)
        self._messages[row] = self._texts.get(value).text
        self._count(row, +1)
        return {row}

    def set_extra(self, row: int, column: int, value: str) -> None:
        self._extras[column][row] = value

    def insert_rows(self, row: int, rows: Sequence[RowData]) -> set[int]:
        if not rows:
            return set()
        verdicts = self._checker.check_many([data.phone for data in rows])
        new_ids = self._order.insert(row, len(rows))
        self._phones[row:row] = [data.phone for data in rows]
        self._messages[row:row] = [self._texts.get(data.message).text for data in rows]
        width = len(self._extras)
        for index, column in enumerate(self._extras):
            column[row:row] = [_padded(data.extras, width)[index] for data in rows]
        self._line_of_id.extend([data.line for data in rows])
        self._codes[row:row] = array("B", bytes(len(rows)))
        self._e164[row:row] = [None] * len(rows)
        self._regions[row:row] = [None] * len(rows)
        for offset, (data, verdict, row_id) in enumerate(zip(rows, verdicts, new_ids, strict=True)):
            if data.problem:
                self._problem_of_id[row_id] = data.problem
            if len(data.extras) > width:
                self._overflow_of_id[row_id] = data.extras[width:]
            self._store_verdict(row + offset, verdict)
            self._count(row + offset, +1)
        partners = self._join_groups(range(row, row + len(rows)))
        return set(range(row, row + len(rows))) | self.positions(partners)

    def remove_rows(self, row: int, count: int) -> list[RowData]:
        """Remove and return the rows, so that an undo can insert them back.

        The rows left whose result changed (their duplicate partner went) are then in
        :attr:`last_removal_changed`, as positions after the removal.
        """
        stop = min(row + count, len(self))
        removed = [self.row_data(i) for i in range(row, stop)]
        removed_ids = set(self._ids[row:stop])
        for index in range(row, stop):
            self._count(index, -1)
        partners = self._leave_groups(range(row, stop))
        for row_id in removed_ids:
            self._problem_of_id.pop(row_id, None)
            self._overflow_of_id.pop(row_id, None)
        for column in (
            self._phones,
            self._messages,
            self._codes,
            self._e164,
            self._regions,
            *self._extras,
        ):
            del column[row:stop]
        self._order.remove(row, stop - row)
        self.last_removal_changed = self.positions(partners)
        return removed

    def append_rows(self, rows: Iterable[RowData]) -> None:
        """Bulk append while loading (no per-row change sets)."""
        rows = list(rows)
        width = len(self._extras)
        self._append_columns(
            phones=[data.phone for data in rows],
            messages=[data.message for data in rows],
            extras=[[_padded(data.extras, width)[i] for data in rows] for i in range(width)],
            lines=[data.line for data in rows],
            problems={i: data.problem for i, data in enumerate(rows) if data.problem},
            overflow={
                i: data.extras[width:] for i, data in enumerate(rows) if len(data.extras) > width
            },
        )

    def set_settings(self, settings: BatchSettings) -> None:
        """Change region, prices, short links or cap; recomputes every row."""
        recheck = settings.default_region != self.settings.default_region
        duplicate_warnings = self._tally.duplicate_warnings
        self.settings = settings
        self._configure()
        if recheck:
            self._groups.clear()
            self._first_lines.clear()
            for row, verdict in enumerate(self._check_all(self._phones)):
                self._store_verdict(row, verdict)
                self._enter_group(row)
        else:
            self._tally.duplicate_warnings = duplicate_warnings
        for row in range(len(self)):
            self._count(row, +1)

    # -- loading ------------------------------------------------------------------------
    def append_chunk(self, chunk: RowChunk) -> None:
        """Append the rows of a parsed CSV chunk, in the layout's column order."""
        layout = self.layout
        if layout is None:
            raise ValueError("append_chunk needs the batch's layout")
        phone_at, message_at = layout.phone_column, layout.message_column
        others = [i for i in range(len(layout.columns)) if i not in (phone_at, message_at)]
        rows = chunk.rows
        short = chunk.problems and any(len(r) < len(layout.columns) for r in rows)
        if short:
            rows = [r + [""] * (len(layout.columns) - len(r)) for r in rows]
        overflow = {
            i: tuple(rows[i][len(layout.columns) :])
            for i in chunk.problems
            if len(rows[i]) > len(layout.columns)
        }
        self._append_columns(
            phones=[r[phone_at] for r in rows],
            messages=[r[message_at] for r in rows],
            extras=[[r[i] for r in rows] for i in others],
            lines=chunk.lines,
            problems=chunk.problems,
            overflow=overflow,
        )

    def _append_columns(
        self,
        *,
        phones: list[str],
        messages: list[str],
        extras: list[list[str]],
        lines: list[int],
        problems: Mapping[int, str],
        overflow: Mapping[int, tuple[str, ...]],
    ) -> None:
        start = len(self)
        count = len(phones)
        verdicts = self._checker.check_many(phones)
        text_of = self._texts.get
        self._phones.extend(phones)
        self._messages.extend([text_of(m).text for m in messages])
        for column, values in zip(self._extras, extras, strict=True):
            column.extend(values)
        first_id = self._order.append(count).start
        self._line_of_id.extend(lines)
        for offset, problem in problems.items():
            self._problem_of_id[first_id + offset] = problem
        for offset, fields in overflow.items():
            self._overflow_of_id[first_id + offset] = fields
        self._codes.extend(bytes(count))
        self._e164.extend([None] * count)
        self._regions.extend([None] * count)
        store, join, add = self._store_verdict, self._enter_group, self._count
        for row, verdict in enumerate(verdicts, start):
            store(row, verdict)
            join(row)
            add(row, +1)

    def _check_all(self, phones: list[str]) -> list[PhoneVerdict]:
        verdicts: list[PhoneVerdict] = []
        for start in range(0, len(phones), _CHECK_CHUNK):
            verdicts.extend(self._checker.check_many(phones[start : start + _CHECK_CHUNK]))
        return verdicts

    # -- bookkeeping --------------------------------------------------------------------
    def _store_verdict(self, row: int, verdict: PhoneVerdict) -> None:
        self._codes[row] = _phone_code(verdict.kind, verdict.is_mobile)
        self._e164[row] = verdict.e164 if verdict.kind is PhoneKind.VALID else None
        self._regions[row] = verdict.region

    def _count(self, row: int, sign: int) -> None:
        """Add (``sign`` +1) or take away (-1) the row's share of the totals."""
        self._tally.add(
            self._regions[row],
            self._codes[row],
            self._texts.get(self._messages[row]),
            self._ids[row] in self._problem_of_id,
            sign,
        )

    def _join_groups(self, rows: range) -> set[int]:
        """Put the rows in the groups of their numbers; the ids of every row in a group they
        joined with others.

        Each group is walked once, however many of ``rows`` join it: once per row cost
        seconds for thousands of pasted or restored rows sharing a number.
        """
        for row in rows:
            self._enter_group(row)
        partners: set[int] = set()
        for e164 in {e164 for e164 in self._e164[rows.start : rows.stop] if e164 is not None}:
            group = self._groups.get(e164)
            if isinstance(group, array):
                partners.update(group)
        return partners

    def _enter_group(self, row: int) -> int | array[int] | None:
        """Put the row in the group of its number; that group (None: no valid number).

        Loading calls this rather than :meth:`_join_groups`: it needs no partners, and their
        union would cost as much as the rest of the load for numbers on thousands of rows.
        """
        e164 = self._e164[row]
        if e164 is None:
            return None
        row_id = self._ids[row]
        mobile = self._codes[row] == _VALID_MOBILE
        self._first_lines.pop(e164, None)
        groups = self._groups.of(e164)
        group = groups.get(e164)
        if group is None:
            groups[e164] = row_id
            return row_id
        if isinstance(group, int):
            group = groups[e164] = array("q", (group, row_id))
            self._tally.duplicate_warnings += 2 * mobile
            return group
        group.append(row_id)
        self._tally.duplicate_warnings += mobile
        return group

    def _leave_groups(self, rows: range) -> set[int]:
        """Take the rows out of the groups of their numbers; the ids of the rows left in
        those groups (each one's duplicate warning changed). Each group is walked once, as in
        :meth:`_join_groups`."""
        leaving: dict[str, set[int]] = {}
        mobile: set[str] = set()  # the rows of one number are all mobile, or none is
        for row in rows:
            e164 = self._e164[row]
            if e164 is not None:
                leaving.setdefault(e164, set()).add(self._ids[row])
                if self._codes[row] == _VALID_MOBILE:
                    mobile.add(e164)
        partners: set[int] = set()
        for e164, ids in leaving.items():
            self._first_lines.pop(e164, None)
            groups = self._groups.of(e164)
            group = groups.pop(e164)
            if isinstance(group, int):
                continue
            before = len(group)
            if len(ids) == 1:  # an edit: in place, in C
                group.remove(next(iter(ids)))
                kept = group
            else:
                kept = array("q", [row_id for row_id in group if row_id not in ids])
            if e164 in mobile:
                self._tally.duplicate_warnings -= before - (len(kept) if len(kept) > 1 else 0)
            if kept:
                groups[e164] = kept if len(kept) > 1 else kept[0]
            partners.update(kept)
        return partners

    def _partner_first_lines(self, e164: str, group: array[int], own_line: int) -> list[int]:
        """Up to three of the smallest file lines of the row's partners (0: not from the file)."""
        first = self._first_lines.get(e164)
        if first is None:
            lines = self._line_of_id
            first = self._first_lines[e164] = heapq.nsmallest(
                4, (lines[i] for i in group if lines[i])
            )
        if own_line in first:
            first = first.copy()
            first.remove(own_line)
        return first[:3]

    # -- row ids ---------------------------------------------------------------------------
    def row_id(self, row: int) -> int:
        """The row's id: stays with the row as rows before it are inserted or removed."""
        return self._ids[row]

    def row_ids(self) -> array[int]:
        """Every row's id, in row order (a copy: what was where when it was taken)."""
        return array("q", self._ids)

    def position(self, row_id: int) -> int | None:
        """Where the row with ``row_id`` is now; None once it was removed."""
        return self._order.position(row_id)

    def positions(self, row_ids: Iterable[int]) -> set[int]:
        """Where the rows with ``row_ids`` are now (removed ones left out)."""
        return self._order.positions(row_ids)


_CHECK_CHUNK = 20_000


def _padded(values: tuple[str, ...], width: int) -> tuple[str, ...]:
    return values + ("",) * (width - len(values)) if len(values) < width else values


def _new_file_layout(extra_columns: tuple[str, ...]) -> CsvLayout:
    """How a batch that was not read from a file is saved: UTF-8 with a BOM (so that Excel
    reads it as UTF-8), commas, CRLF, a header."""
    return CsvLayout(
        encoding="utf-8-sig",
        delimiter=",",
        has_header=True,
        columns=("phone", "message", *extra_columns),
        phone_column=0,
        message_column=1,
        newline="\r\n",
    )


def save_batch(batch: Batch, path: Path) -> None:
    """Write the batch to ``path`` in the layout it was read with (atomically)."""
    write_rows(path, batch.layout or _new_file_layout(batch.extra_columns), batch.file_rows())


# -- loading a file ---------------------------------------------------------------------------


class BatchLoader:
    """Reads a file into :attr:`batch` one chunk (about 64 KiB of the file) at a time.

    The editor can show the first rows after the first :meth:`load_next` while the rest loads,
    calling it from its event loop between paints; or a worker thread runs :func:`load_batch`.
    Not thread-safe: read the batch from the thread that loads it, or after loading ends.
    Raises :class:`CsvFileError` (from the constructor or :meth:`load_next`).
    """

    def __init__(self, path: Path, settings: BatchSettings, *, block_bytes: int = 1 << 16) -> None:
        self.layout = sniff(path)
        skip = (self.layout.phone_column, self.layout.message_column)
        extra = tuple(c for i, c in enumerate(self.layout.columns) if i not in skip)
        self.batch = Batch(settings, self.layout, extra)
        self.bytes_total = path.stat().st_size
        self.bytes_read = 0
        self.finished = False
        self._chunks = read_chunks(path, self.layout, block_bytes=block_bytes)

    def load_next(self) -> bool:
        """Append the next chunk of rows; False (and :attr:`finished`) once the file is read."""
        chunk = next(self._chunks, None)
        if chunk is None:
            self.finished = True
            self.bytes_read = self.bytes_total
            if not len(self.batch):
                raise CsvFileError("The file has no data rows.")
            return False
        self.batch.append_chunk(chunk)
        self.bytes_read = chunk.bytes_read
        return True


def load_batch(
    path: Path,
    settings: BatchSettings,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Batch:
    """Read a CSV file into a batch. ``progress(bytes_read, bytes_total)``; returns early when
    ``cancelled()`` turns true (raise nothing, the caller discards the batch); raises
    :class:`~app.domain.csvfile.CsvFileError` when the file cannot be used."""
    loader = BatchLoader(path, settings)
    while not (cancelled is not None and cancelled()) and loader.load_next():
        if progress is not None:
            progress(loader.bytes_read, loader.bytes_total)
    if progress is not None and loader.finished:
        progress(loader.bytes_total, loader.bytes_total)
    return loader.batch


_PhoneKey = tuple[str | None, PhoneKind, bool | None]

# A summary checks numbers in a second process when the file is at least this big and the
# machine has a second core: below it, starting the process costs more than it saves.
PARALLEL_MIN_BYTES = 8 * 2**20
_SUMMARY_BATCH_ROWS = 20_000  # rows per hand-over to the phone process


class _PhoneCounts:
    """The half of a summary that needs only the numbers: each row's phone key, and how many
    rows every valid mobile number is on (for the duplicates)."""

    def __init__(self, region: str) -> None:
        self._checker = PhoneChecker(region)
        self._mobiles: Counter[str] = Counter()
        self._keys: dict[_PhoneKey, _PhoneKey] = {}

    def keys(self, phones: list[str]) -> list[_PhoneKey]:
        """One key per number. Equal keys are one object, so that a list of them pickles
        to a few bytes per row on its way back from the phone process.

        When most numbers repeat (a list that sends to the same people again and again), each
        distinct one is checked once: checking a number costs ten times a dict look-up.
        """
        if len(set(phones)) * 2 > len(phones):  # mostly distinct: not worth a dict
            kinds, e164s, regions, mobiles = self._checker.check_columns(phones)
            self._mobiles.update(compress(e164s, mobiles))  # only valid mobiles have True
            intern = self._keys.setdefault
            return [intern(key, key) for key in zip(regions, kinds, mobiles, strict=True)]
        distinct = list(dict.fromkeys(phones))
        kinds, e164s, regions, mobiles = self._checker.check_columns(distinct)
        if any(mobiles):
            rows_of = Counter(phones)
            for raw, e164 in zip(
                compress(distinct, mobiles), compress(e164s, mobiles), strict=True
            ):
                self._mobiles[e164] += rows_of[raw]  # type: ignore[index]
        found = list(zip(regions, kinds, mobiles, strict=True))
        key_of = dict(zip(distinct, map(self._keys.setdefault, found, found), strict=True))
        return list(map(key_of.__getitem__, phones))

    def duplicate_rows(self, other: Counter[str] | None = None) -> int:
        """Rows on a mobile number that is on another row, also counting ``other``'s rows."""
        if other:
            self._mobiles.update(other)
        return sum(n for n in self._mobiles.values() if n > 1)

    @property
    def mobiles(self) -> Counter[str]:
        return self._mobiles


# The phone process's own counts: it serves one summary (one worker, then it exits).
_process_counts: _PhoneCounts | None = None


def _keys_in_process(region: str, phones: list[str]) -> list[_PhoneKey]:
    global _process_counts
    if _process_counts is None:
        _process_counts = _PhoneCounts(region)
    return _process_counts.keys(phones)


def _duplicates_in_process(region: str, other: Counter[str]) -> int:
    counts = _process_counts or _PhoneCounts(region)
    return counts.duplicate_rows(other)


class _Summary:
    """Counts rows by (phone key, message) in C; priced and analysed once per combination."""

    def __init__(self, settings: BatchSettings) -> None:
        self.settings = settings
        self.texts = _Texts(settings)
        self.kinds: Counter[tuple[_PhoneKey, str]] = Counter()
        self.broken: Counter[tuple[_PhoneKey, str]] = Counter()  # malformed rows

    def analyse(self, messages: list[str]) -> None:
        """Analyse the new texts now, while the phone process is still busy with the rows."""
        analyse = self.texts.get
        for message in set(messages):
            analyse(message)

    def add(self, keys: list[_PhoneKey], messages: list[str], malformed: list[int]) -> None:
        if malformed:
            for index in malformed:
                self.broken[keys[index], messages[index]] += 1
            skip = set(malformed)
            keep = [i for i in range(len(keys)) if i not in skip]
            keys = [keys[i] for i in keep]
            messages = [messages[i] for i in keep]
        self.kinds.update(zip(keys, messages, strict=True))

    def totals(self, duplicate_rows: int) -> Totals:
        if not self.kinds and not self.broken:
            raise CsvFileError("The file has no data rows.")
        settings, texts = self.settings, self.texts
        tally = _Tally(_Prices(settings.prices))
        for malformed, counter in ((False, self.kinds), (True, self.broken)):
            for ((region, kind, is_mobile), message), rows in counter.items():
                tally.add(region, _phone_code(kind, is_mobile), texts.get(message), malformed, rows)
        tally.duplicate_warnings = duplicate_rows
        return tally.totals(settings.prices.currency)


def summarize(
    path: Path,
    settings: BatchSettings,
    *,
    progress: Callable[[int, int], None] | None = None,
    parallel: bool | None = None,
) -> Totals:
    """The totals :func:`load_batch` would give, without keeping the rows.

    With ``parallel`` (by default: a file of :data:`PARALLEL_MIN_BYTES` or more on a machine
    with two cores) a second process checks the numbers while this one parses the file and
    counts the messages.
    """
    layout = sniff(path)
    bytes_total = path.stat().st_size
    if parallel is None:
        parallel = bytes_total >= PARALLEL_MIN_BYTES and _second_process_helps()
    summary = _Summary(settings)
    batches = _summary_batches(path, layout, progress, bytes_total)
    if not parallel:
        counts = _PhoneCounts(settings.default_region)
        for phones, messages, malformed in batches:
            summary.add(counts.keys(phones), messages, malformed)
        return summary.totals(counts.duplicate_rows())
    try:
        return _summarize_in_two_processes(settings, summary, batches)
    except BrokenProcessPool:  # the phone process could not start or died: do it here
        return summarize(path, settings, progress=progress, parallel=False)


def _summarize_in_two_processes(
    settings: BatchSettings,
    summary: _Summary,
    batches: Iterator[tuple[list[str], list[str], list[int]]],
) -> Totals:
    # "spawn", not "fork": the caller may have threads (a GUI), and a forked child of a
    # threaded process can hang on a lock that was held at the fork.
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        region = settings.default_region
        here: _PhoneCounts | None = None  # checks the batches the phone process is behind on
        pending: deque[tuple[Future[list[_PhoneKey]], list[str], list[int]]] = deque()
        for phones, messages, malformed in batches:
            summary.analyse(messages)
            if sum(not future.done() for future, _, _ in pending) >= 2:
                here = here or _PhoneCounts(region)
                summary.add(here.keys(phones), messages, malformed)
            else:
                future = pool.submit(_keys_in_process, region, phones)
                pending.append((future, messages, malformed))
            while pending and pending[0][0].done():
                future, done_messages, done_malformed = pending.popleft()
                summary.add(future.result(), done_messages, done_malformed)
        for future, messages, malformed in pending:
            summary.add(future.result(), messages, malformed)
        mobiles_here = here.mobiles if here else Counter()
        duplicate_rows = pool.submit(_duplicates_in_process, region, mobiles_here).result()
    return summary.totals(duplicate_rows)


def _second_process_helps() -> bool:
    """Two cores, and not a frozen (PyInstaller) build, whose executable cannot be spawned
    as a plain Python worker unless the entry point calls ``multiprocessing.freeze_support``."""
    return (os.cpu_count() or 1) > 1 and not getattr(sys, "frozen", False)


def _summary_batches(
    path: Path,
    layout: CsvLayout,
    progress: Callable[[int, int], None] | None,
    bytes_total: int,
) -> Iterator[tuple[list[str], list[str], list[int]]]:
    """(phones, messages, positions of malformed rows) for about 20,000 rows at a time."""
    phone_of, message_of = itemgetter(layout.phone_column), itemgetter(layout.message_column)
    width = len(layout.columns)
    phones: list[str] = []
    messages: list[str] = []
    malformed: list[int] = []
    for chunk in read_chunks(path, layout):
        rows = chunk.rows
        if chunk.problems:
            malformed.extend(len(phones) + index for index in chunk.problems)
            rows = [r + [""] * (width - len(r)) for r in rows]
        phones.extend(map(phone_of, rows))
        messages.extend(map(message_of, rows))
        if progress is not None:
            progress(chunk.bytes_read, bytes_total)
        if len(phones) >= _SUMMARY_BATCH_ROWS:
            yield phones, messages, malformed
            phones, messages, malformed = [], [], []
    if phones:
        yield phones, messages, malformed
