"""The "use GSM characters" fix: what it would change and save, before it is applied.

Plain Python over the batch (no Qt). Each distinct message is converted and analysed once:
campaigns repeat a few texts over many rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.domain.batch import Batch
from app.domain.links import analyze_as_sent
from app.domain.sms import to_gsm
from app.domain.wording import counted
from app.services.jobs import Steps, row_slices


@dataclass
class GsmFixPlan:
    changes: list[tuple[int, str, str]] = field(default_factory=list)  # (row, old, new)
    segments_before: int = 0
    segments_after: int = 0
    cost_before: int = 0  # micros
    cost_after: int = 0
    still_ucs2: int = 0  # changed rows that keep a character without a GSM look-alike
    replaced: Counter[str] = field(default_factory=Counter)  # "’ → '" -> rows

    @property
    def segments_saved(self) -> int:
        return self.segments_before - self.segments_after

    @property
    def cost_saved(self) -> int:
        return self.cost_before - self.cost_after


def plan_steps(batch: Batch, rows: Sequence[int] | None = None) -> Steps:
    """The fix for ``rows`` (every row when None), as a chunked job returning a GsmFixPlan."""
    plan = GsmFixPlan()
    targets = range(len(batch)) if rows is None else rows
    total = len(targets)
    converted: dict[str, tuple[str, int, bool, tuple[str, ...]]] = {}
    short_links = batch.settings.short_link_length
    prices = batch.settings.prices
    for part in row_slices(total):
        for row in targets[part.start : part.stop]:
            result = batch.result(row)
            if result.analysis.encoding != "UCS-2":
                continue
            message = batch.message(row)
            if message not in converted:
                fixed = to_gsm(message)
                after = analyze_as_sent(fixed, short_links)
                pairs = tuple(
                    f"{f.char} → {f.replacement or '(removed)'}"
                    for f in result.analysis.forcing
                    if f.replacement is not None
                )
                converted[message] = (fixed, after.segments, after.encoding == "UCS-2", pairs)
            fixed, segments, still_ucs2, pairs = converted[message]
            if fixed == message:
                continue
            price = prices.price(result.region)
            plan.changes.append((row, message, fixed))
            plan.segments_before += result.analysis.segments
            plan.segments_after += segments
            plan.cost_before += result.cost
            plan.cost_after += segments * price
            plan.still_ucs2 += still_ucs2
            plan.replaced.update(set(pairs))
        yield part.stop, total
    return plan


def describe(plan: GsmFixPlan, batch: Batch) -> str:
    """What the fix does and saves, in a few lines for the confirmation."""
    if not plan.changes:
        return "No message has a character that a GSM look-alike could replace."
    rows = len(plan.changes)
    money = batch.settings.prices.format(plan.cost_saved)
    lines = [
        f"Replace the characters that force UCS-2 in {counted(rows, 'row')}.",
        f"Segments: {plan.segments_before:,} → {plan.segments_after:,} "
        f"(saves {plan.segments_saved:,}, {money}).",
    ]
    common = ", ".join(pair for pair, _ in plan.replaced.most_common(6))
    if common:
        lines.append(f"Replacements: {common}.")
    if plan.still_ucs2:
        lines.append(
            f"{plan.still_ucs2:,} of these rows {'keeps' if plan.still_ucs2 == 1 else 'keep'} "
            "a character with no GSM look-alike "
            f"(an emoji, say) and {'stays' if plan.still_ucs2 == 1 else 'stay'} UCS-2."
        )
    return "\n".join(lines)
