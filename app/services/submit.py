"""From the editor's rows to a campaign at a provider: what will be sent, what will not and
why, what it costs by country, and how many provider requests it takes; then the submission
itself, under one idempotency key.

Rows with an error are never sent silently: they are listed as excluded with their reason.
The plan is built by a chunked job (a million rows never freeze the window).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.batch import Batch, IssueSeverity
from app.domain.campaign import Capabilities
from app.domain.campaign_settings import CampaignSettings, spec_values
from app.domain.schedule import Schedule
from app.domain.wording import counted
from app.providers.base import CampaignSpec
from app.services.campaigns import ActionResult, CampaignService
from app.services.jobs import Steps, row_slices
from app.services.validation import Recipients

#: Excluded rows spelled out in the summary; the rest are counted.
SHOWN_EXCLUDED = 50


@dataclass(frozen=True, slots=True)
class Excluded:
    row: int
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class CountryCost:
    rows: int
    segments: int
    cost: int  # micros


@dataclass
class SubmitPlan:
    """What a submission of the batch would send."""

    recipients: Recipients
    excluded: list[Excluded] = field(default_factory=list)  # the first SHOWN_EXCLUDED
    excluded_count: int = 0
    by_country: dict[str, CountryCost] = field(default_factory=dict)
    segments: int = 0
    cost: int = 0  # micros
    texts: Counter[str] = field(default_factory=Counter)  # recipients per distinct text

    def problems(self, caps: Capabilities) -> list[str]:
        """What stops this plan at this provider, as sentences."""
        if not self.recipients.rows:
            return ["No row can be sent: every row has an error."]
        if caps.audience_based and len(self.texts) > 1:
            return [
                f"{caps.display_name} sends one text to its whole audience, but the rows have "
                f"{len(self.texts):,} different texts: give every row the same text."
            ]
        return []

    def requests(self, caps: Capabilities) -> int:
        """Provider campaigns (requests that create one) the submission takes: Routee makes
        one per text and per 30,000 numbers; others split only by their recipient cap."""
        cap = caps.max_recipients_per_request
        if caps.audience_based:
            return 1
        if not caps.per_row_messages:
            return sum(math.ceil(n / cap) if cap else 1 for n in self.texts.values())
        count = len(self.recipients)
        return max(1, math.ceil(count / cap)) if cap else 1


def plan_steps(batch: Batch, only_text: str | None = None) -> Steps:
    """The plan of ``batch``, as a chunked job returning a :class:`SubmitPlan`.

    ``only_text``: plan only the rows with this message (the others are left out, not
    excluded), for a provider that sends one text to an audience."""
    plan = SubmitPlan(Recipients(batch))
    countries: dict[str, list[int]] = {}
    total = len(batch)
    for part in row_slices(total):
        for row in part:
            if only_text is not None and batch.message(row) != only_text:
                continue
            has_error, _ = batch.issue_flags(row)
            e164 = batch.e164(row)
            if has_error or e164 is None:
                plan.excluded_count += 1
                if len(plan.excluded) < SHOWN_EXCLUDED:
                    plan.excluded.append(Excluded(row, batch.line(row), _reason(batch, row)))
                continue
            plan.recipients.rows.append(row)
            plan.recipients.e164.append(e164)
            segments, cost = batch.analysis(row).segments, batch.cost(row)
            tally = countries.setdefault(batch.region(row) or "—", [0, 0, 0])
            tally[0] += 1
            tally[1] += segments
            tally[2] += cost
            plan.texts[batch.message(row)] += 1
        yield part.stop, total
    plan.recipients.skipped = plan.excluded_count
    plan.by_country = {k: CountryCost(*v) for k, v in sorted(countries.items())}
    plan.segments = sum(c.segments for c in plan.by_country.values())
    plan.cost = sum(c.cost for c in plan.by_country.values())
    return plan


def _reason(batch: Batch, row: int) -> str:
    issues = [i for i in batch.result(row).issues if i.severity is IssueSeverity.ERROR]
    return issues[0].message if issues else "The phone number cannot be used."


def build_spec(
    plan: SubmitPlan,
    settings: CampaignSettings,
    caps: Capabilities,
    schedule: Schedule | None,
) -> CampaignSpec:
    """The campaign to create, with a key of its own: a retry of this submission reuses it,
    so the provider never sends it twice."""
    values = spec_values(settings, caps)
    recipients = plan.recipients
    return CampaignSpec(
        name=values.name,
        recipients=lambda: iter(recipients),
        count=len(recipients),
        idempotency_key=uuid.uuid4().hex,
        schedule=schedule,
        sender=values.sender,
        short_links=values.short_links,
        options=values.options,
    )


async def submit(
    campaigns: CampaignService,
    account_id: str,
    spec: CampaignSpec,
    plan: SubmitPlan,
    currency: str,
    *,
    stored: Callable[[int, int], None] | None = None,
    sending: Callable[[], None] | None = None,
) -> tuple[int, ActionResult]:
    """Keep the campaign as a draft (so a crash cannot lose it; ``stored(done, total)`` as
    its rows go in), then send or schedule it (``sending()`` just before the provider is
    asked: from then on it is no longer cancelled here); the id and how the send went."""
    campaign = await campaigns.create_draft(
        account_id,
        spec,
        segments=plan.segments,
        cost_micros=plan.cost,
        currency=currency,
        progress=stored,
    )
    if sending is not None:
        sending()
    return campaign, await campaigns.send(campaign)


def summary(plan: SubmitPlan, caps: Capabilities, money: str) -> list[str]:
    """The plan in sentences, for the confirmation before sending."""
    lines = [
        f"{counted(len(plan.recipients), 'recipient')} will be sent "
        f"{counted(plan.segments, 'segment')}, {money} in all, "
        f"in {counted(plan.requests(caps), 'provider request')}."
    ]
    if plan.excluded_count:
        lines.append(
            f"{counted(plan.excluded_count, 'row')} will not be sent, because of an error:"
        )
        lines += [f"  line {e.line}: {e.reason}" for e in plan.excluded]
        hidden = plan.excluded_count - len(plan.excluded)
        if hidden:
            lines.append(f"  … and {counted(hidden, 'more row')}.")
    return lines
