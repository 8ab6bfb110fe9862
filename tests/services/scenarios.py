"""Each action of each provider, from a campaign in a status that allows it.

``CASES`` lists (provider, action, starting point, status expected after the action, or
None when the campaign is gone). :func:`prepare` brings a fresh campaign to its starting
point through the services themselves.
"""

from __future__ import annotations

from datetime import timedelta

from app.domain.campaign import Action, CampaignStatus
from app.providers.registry import PROVIDERS
from tests.services.rig import Desk, account_of, spec_for

S = CampaignStatus
A = Action

CASES: list[tuple[str, Action, str, CampaignStatus | None]] = [
    ("rocketcoms", A.VALIDATE, "draft", S.READY),
    ("rocketcoms", A.UPDATE, "validated", S.DRAFT),
    ("rocketcoms", A.SEND, "validated", S.SCHEDULED),
    ("rocketcoms", A.DELETE, "validated", None),
    ("routee", A.VALIDATE, "draft", S.READY),
    ("routee", A.SEND, "draft", S.SENDING),
    ("routee", A.UPDATE, "scheduled", S.SCHEDULED),
    ("routee", A.CANCEL, "scheduled", S.CANCELLED),
    ("routee", A.DELETE, "scheduled", None),
    ("bulksms", A.VALIDATE, "draft", S.READY),
    ("bulksms", A.SEND, "draft", S.SENDING),
    ("cordial", A.VALIDATE, "draft", S.READY),
    ("cordial", A.UPDATE, "validated", S.DRAFT),
    ("cordial", A.SEND, "validated", S.SENDING),
    ("cordial", A.PAUSE, "sending", S.PAUSED),
    ("cordial", A.RESUME, "paused", S.SENDING),
    ("cordial", A.CANCEL, "sending", S.CANCELLED),
    ("cordial", A.UNSCHEDULE, "scheduled", S.DRAFT),
    ("cordial", A.DELETE, "validated", None),
    ("batch", A.SEND, "draft", S.SENDING),
    ("batch", A.PAUSE, "sending", S.PAUSED),
    ("batch", A.RESUME, "paused", S.SENDING),
    ("batch", A.UPDATE, "paused", S.PAUSED),
    ("batch", A.DELETE, "scheduled", None),
]


def case_id(case: tuple[str, Action, str, CampaignStatus | None]) -> str:
    return f"{case[0]}-{case[1].value}"


async def prepare(desk: Desk, provider: str, point: str, key: str = "key-1") -> int:
    """A campaign of ``provider``'s sandbox account at ``point``."""
    start = desk.clock.now() + timedelta(days=1) if point == "scheduled" else None
    campaign = await desk.campaigns.create_draft(
        account_of(provider), spec_for(provider, key=key, start=start)
    )
    steps = {
        "draft": [],
        "validated": [A.VALIDATE],
        "scheduled": [A.SEND],
        "sending": [A.SEND],
        "paused": [A.SEND, A.PAUSE],
    }[point]
    for action in steps:
        result = await desk.campaigns.run(campaign, action)
        assert result.ok, result.message
    return campaign


async def act(desk: Desk, provider: str, campaign: int, action: Action) -> object:
    if action is A.UPDATE:
        record = desk.campaigns.record(campaign)
        assert record is not None
        start = record.schedule.start if record.schedule else None
        new = spec_for(provider, name="Spring again", start=start)
        return await desk.campaigns.update(campaign, new)
    return await desk.campaigns.run(campaign, action)


def sandbox_path(provider: str) -> str:
    return "/" + PROVIDERS[provider].sandbox_path.strip("/").split("/")[0]
