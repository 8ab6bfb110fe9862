"""The one rule of which action a status allows, per provider capabilities."""

from __future__ import annotations

import pytest

from app.domain.campaign import (
    GENERIC_RULES,
    Action,
    CampaignStatus,
    Capabilities,
    allowed_actions,
    check_action,
)

S = CampaignStatus

EVERYTHING = Capabilities(
    provider="full",
    display_name="Full",
    actions={a: frozenset(CampaignStatus) for a in Action},
)
NO_PAUSE = Capabilities(
    provider="nopause",
    display_name="NoPause",
    actions={Action.SEND: frozenset({S.DRAFT, S.READY}), Action.DELETE: frozenset({S.DRAFT})},
)


@pytest.mark.parametrize("status", list(CampaignStatus))
def test_a_provider_that_can_do_everything_follows_the_generic_rules(status):
    offered = set(allowed_actions(status, EVERYTHING))
    assert offered == {a for a, statuses in GENERIC_RULES.items() if status in statuses}


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELLED, S.FAILED])
def test_final_statuses_allow_nothing(status):
    assert status.is_final
    assert allowed_actions(status, EVERYTHING) == []


def test_missing_operation_is_refused_with_the_provider_named():
    check = check_action(Action.PAUSE, S.SENDING, NO_PAUSE)
    assert not check
    assert check.reason == "NoPause has no pause operation."


def test_wrong_status_names_where_the_action_is_allowed():
    check = check_action(Action.DELETE, S.READY, NO_PAUSE)
    assert not check.allowed
    assert "only when the campaign is Draft" in check.reason
    assert "this one is Ready" in check.reason


def test_provider_statuses_narrow_the_generic_rule():
    assert check_action(Action.SEND, S.READY, NO_PAUSE)
    assert not check_action(Action.SEND, S.SCHEDULED, NO_PAUSE)
    assert allowed_actions(S.DRAFT, NO_PAUSE) == [Action.SEND, Action.DELETE]
