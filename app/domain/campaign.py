"""Campaign statuses and actions shared by every provider.

Each provider maps its own status names onto :class:`CampaignStatus` and declares, in its
:class:`Capabilities`, in which statuses it allows each :class:`Action`. :func:`check_action`
is the single place that decides whether an action is possible, and why not: the UI enables a
button only when it says so and shows its reason as the tooltip otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.domain.campaign_settings import SettingsRules


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    VALIDATING = "validating"
    INVALID = "invalid"
    READY = "ready"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def label(self) -> str:
        return self.value.capitalize()


_FINAL = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED, CampaignStatus.FAILED})


class Action(StrEnum):
    UPDATE = "update"
    VALIDATE = "validate"
    SEND = "send"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    UNSCHEDULE = "unschedule"
    DELETE = "delete"

    @property
    def label(self) -> str:
        return self.value.capitalize()


S = CampaignStatus

#: The statuses in which an action makes sense at all, whatever the provider.
GENERIC_RULES: Mapping[Action, frozenset[CampaignStatus]] = {
    Action.UPDATE: frozenset({S.DRAFT, S.INVALID, S.READY, S.SCHEDULED, S.PAUSED}),
    Action.VALIDATE: frozenset({S.DRAFT, S.INVALID, S.READY}),
    Action.SEND: frozenset({S.DRAFT, S.READY}),
    Action.PAUSE: frozenset({S.SCHEDULED, S.SENDING}),
    Action.RESUME: frozenset({S.PAUSED}),
    Action.CANCEL: frozenset({S.SCHEDULED, S.SENDING, S.PAUSED}),
    Action.UNSCHEDULE: frozenset({S.SCHEDULED}),
    Action.DELETE: frozenset({S.DRAFT, S.INVALID, S.READY, S.SCHEDULED}),
}


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What one provider can do, declared by its adapter.

    ``actions`` maps every action the provider supports to the normalised statuses in which its
    API accepts it; an action missing from the map is not offered by that provider at all.
    """

    provider: str
    display_name: str
    actions: Mapping[Action, frozenset[CampaignStatus]]
    max_recipients_per_request: int | None = None
    #: each row may carry its own text (False: one text per campaign, e.g. Routee)
    per_row_messages: bool = True
    #: recipients are an audience that must already exist at the provider (Cordial, Batch)
    audience_based: bool = False
    supports_daily_window: bool = False
    supports_end_date: bool = False
    supports_quiet_hours: bool = False
    supports_short_links: bool = False
    supports_send_rate: bool = False
    #: a scheduled start applies in each recipient's own time zone (Cordial contactTZ, Batch
    #: when.local_time)
    supports_recipient_local_time: bool = False
    #: the provider takes a start *day* and end day and the daily window as wall-clock times
    #: of this zone, at a fixed offset (RocketCOMS: UTC); None: it takes a start moment
    window_zone: str | None = None
    #: messages per minute assumed for previews where the provider publishes no rate (the
    #: sandbox's figure); a schedule's own send rate wins where the provider takes one
    estimated_send_rate: int | None = None
    #: what the provider's campaign settings (sender, name, links, flash, audience,
    #: callbacks) may be; see app.domain.campaign_settings
    settings: SettingsRules = field(default_factory=SettingsRules)
    #: what the operator must set up on the provider's side first, shown in the UI
    requirements: str = ""
    limits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionCheck:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def check_action(action: Action, status: CampaignStatus, caps: Capabilities) -> ActionCheck:
    """Say whether ``action`` is possible on a campaign in ``status`` at this provider."""
    provider_statuses = caps.actions.get(action)
    if provider_statuses is None:
        return ActionCheck(False, f"{caps.display_name} has no {action.value} operation.")
    if status not in GENERIC_RULES[action] or status not in provider_statuses:
        allowed = sorted(s.label for s in GENERIC_RULES[action] & provider_statuses)
        where = ", ".join(allowed) if allowed else "no status"
        return ActionCheck(
            False,
            f"{caps.display_name} allows {action.value} only when the campaign is {where}; "
            f"this one is {status.label}.",
        )
    return ActionCheck(True)


def allowed_actions(status: CampaignStatus, caps: Capabilities) -> list[Action]:
    """The actions to offer for a campaign in ``status``, in a stable order."""
    return [a for a in Action if check_action(a, status, caps)]


@dataclass(frozen=True, slots=True)
class RemoteCampaign:
    """A campaign as a provider reports it, with the status normalised."""

    provider: str
    id: str
    name: str
    status: CampaignStatus
    provider_status: str
    total: int | None = None
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    scheduled_at: datetime | None = None
    created_at: datetime | None = None
    external_id: str | None = None
    send_rate: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
