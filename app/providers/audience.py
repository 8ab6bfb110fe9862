"""What the audience-based adapters (Cordial, Batch) share: one text for every recipient."""

from __future__ import annotations

from app.providers.base import CampaignSpec
from app.providers.errors import ValidationError
from app.providers.issues import ProviderIssue


def single_text(spec: CampaignSpec, provider: str, display: str) -> str:
    """The one text of an audience-based batch (Cordial, Batch); a ValidationError naming
    the first row whose text differs."""
    text: str | None = None
    for index, recipient in enumerate(spec.recipients()):
        if text is None:
            text = recipient.message
        elif recipient.message != text:
            raise ValidationError(
                f"{display} sends one text to every recipient, but line {recipient.line} has a "
                "different text from the first row. Give every row the same text.",
                provider=provider,
                issues=[
                    ProviderIssue(
                        code="PER_ROW_TEXT",
                        message=f"This text differs from the first row's; {display} sends one "
                        "text to every recipient.",
                        index=index,
                        column="message",
                    )
                ],
            )
    if not text:
        raise ValidationError(
            "The batch has no message text to send.",
            provider=provider,
            issues=[ProviderIssue(code="NO_TEXT", message="The batch has no message text.")],
        )
    return text
