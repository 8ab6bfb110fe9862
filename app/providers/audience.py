"""What the audience-based adapters (Cordial, Batch) share: one text for every recipient."""

from __future__ import annotations

from collections import Counter

from app.domain.wording import counted
from app.providers.base import CampaignSpec
from app.providers.errors import ValidationError
from app.providers.issues import ProviderIssue

#: Lines named in the error's sentence; every differing row has its own issue anyway.
_LINES_NAMED = 5


def single_text(spec: CampaignSpec, provider: str, display: str) -> str:
    """The one text of an audience-based batch (Cordial, Batch).

    That is the text most rows carry (the first row's on a tie), so that one mistyped row is
    the row flagged rather than every other. When some rows differ, a ValidationError carries
    an issue for each of them (not only the first: the operator fixes them all in one go).
    """
    counts = Counter(recipient.message for recipient in spec.recipients())
    text, carried = counts.most_common(1)[0] if counts else ("", 0)
    if len(counts) > 1:
        first_line = 0
        differing: list[tuple[int, int]] = []  # (index, line)
        for index, recipient in enumerate(spec.recipients()):
            if recipient.message != text:
                differing.append((index, recipient.line))
            elif not first_line:
                first_line = recipient.line
        reference = f"line {first_line}, the text of {carried:,} of {counted(spec.count, 'row')}"
        message = (
            f"This text differs from the batch's main text ({reference}); {display} sends "
            "one text to every recipient."
        )
        raise ValidationError(
            f"{display} sends one text to every recipient, but {_which(differing)} a "
            f"different text from the batch's main text ({reference}). Give every row the "
            "same text.",
            provider=provider,
            issues=[
                ProviderIssue(code="PER_ROW_TEXT", message=message, index=index, column="message")
                for index, _ in differing
            ],
        )
    if not text:
        raise ValidationError(
            "The batch has no message text to send.",
            provider=provider,
            issues=[ProviderIssue(code="NO_TEXT", message="The batch has no message text.")],
        )
    return text


def _which(differing: list[tuple[int, int]]) -> str:
    """``"line 4 has"``, or ``"3 rows (lines 4, 7 and 9) have"``."""
    lines = [str(line) for _, line in differing[:_LINES_NAMED]]
    if len(differing) == 1:
        return f"line {lines[0]} has"
    more = len(differing) - len(lines)
    named = ", ".join(lines[:-1]) + f" and {lines[-1]}" if not more else ", ".join(lines)
    tail = f" and {counted(more, 'more row')}" if more else ""
    return f"{counted(len(differing), 'row')} (lines {named}{tail}) have"
