"""The errors adapters raise: the provider's own words kept beside the operator's sentence, and
never a registered credential in any of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.providers import redaction
from app.providers.errors import (
    AuthError,
    Conflict,
    InsufficientFunds,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    TransientError,
    Unsupported,
    ValidationError,
)
from app.providers.issues import ProviderIssue

SECRET = "sk-Errors7Secret"


@pytest.fixture
def registered() -> Iterator[str]:
    redaction.register("errors-test", [SECRET])
    yield SECRET
    redaction.register("errors-test", [])


def test_the_sentence_code_and_provider_message_are_kept_with_the_status():
    error = NotFound(
        "The campaign is gone.",
        provider="routee",
        code="404001",
        http_status=404,
        provider_message="Campaign not found",
    )
    assert str(error) == "The campaign is gone."
    assert (error.provider, error.code, error.http_status) == ("routee", "404001", 404)
    assert error.provider_message == "Campaign not found"
    bare = ProviderError("Refused.", provider="bulksms")
    assert bare.code is None and bare.http_status is None and bare.provider_message is None


def test_a_credential_echoed_anywhere_in_an_error_is_masked(registered):
    error = AuthError(
        f"Key {registered} refused.",
        provider="cordial",
        code=f"BAD:{registered}",
        provider_message=f"api_key={registered} is unknown",
    )
    shown = [str(error), error.code, error.provider_message]
    assert shown == ["Key *** refused.", "BAD:***", "api_key=*** is unknown"]


def test_every_error_is_a_provider_error():
    for kind in (AuthError, NotFound, Conflict, InvalidState, InsufficientFunds, Unsupported):
        error = kind("No.", provider="batch")
        assert isinstance(error, ProviderError) and str(error) == "No."


def test_a_validation_error_keeps_its_issues_as_given():
    issues = (ProviderIssue("BAD", "bad number", index=i) for i in range(3))
    error = ValidationError("Three rows were refused.", provider="bulksms", issues=issues)
    assert [i.index for i in error.issues] == [0, 1, 2]
    assert isinstance(error.issues, tuple)
    assert ValidationError("Refused.", provider="bulksms").issues == ()


def test_a_rate_limit_keeps_the_providers_wait_and_a_transient_error_its_ambiguity():
    assert RateLimited("Slow down.", provider="routee", retry_after=12.5).retry_after == 12.5
    assert RateLimited("Slow down.", provider="routee").retry_after is None
    assert TransientError("Down.", provider="batch").ambiguous is False
    lost = TransientError("Lost.", provider="batch", ambiguous=True, http_status=502)
    assert lost.ambiguous is True and lost.http_status == 502
