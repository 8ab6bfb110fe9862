"""The built-in sandbox accounts work out of the box: their default campaign settings pass
each provider's rules, and Routee validates and sends the bundled sample with its default
sender, as the editor's "Validate with provider" sends it (a spec without a sender)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from app.domain.batch import BatchSettings, load_batch
from app.domain.campaign_settings import default_settings, spec_values, validate_settings
from app.domain.pricing import PriceTable
from app.providers.base import CampaignSpec, Recipient
from app.providers.registry import PROVIDERS, SANDBOX_SENDER, adapter_class, make_provider
from app.providers.registry import sandbox_account as builtin_account
from app.providers.transport import Transport, make_client
from app.resources import resource_path
from app.sandbox.core import SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from tests.sandbox.rig import mounted

SETTINGS = BatchSettings("GB", PriceTable("EUR", {}, 40_000))


def sample_recipients(name: str) -> list[Recipient]:
    batch = load_batch(resource_path("samples", name), SETTINGS)
    return [
        Recipient(row, batch.line(row), e164, batch.message(row))
        for row in range(len(batch))
        if (e164 := batch.e164(row)) is not None
    ]


@pytest.mark.parametrize("key", sorted(PROVIDERS))
def test_the_default_settings_of_every_sandbox_account_pass_its_rules(key):
    caps = adapter_class(key).capabilities
    account = builtin_account(key, IN_PROCESS_URL)
    settings = default_settings(caps, "Spring sale", account.options)
    assert [p for p in validate_settings(settings, caps) if p.is_error] == []
    if caps.settings.sender.required:
        assert settings.sender == SANDBOX_SENDER


@pytest.fixture
async def routee() -> AsyncIterator[tuple[Any, Any]]:
    env = SandboxEnv()
    inner = SandboxTransport(env, providers=["/routee"])
    transport = Transport(make_client(inner))
    provider = make_provider(builtin_account("routee", IN_PROCESS_URL), transport)
    yield provider, mounted(inner, "/routee")
    await transport.aclose()


async def test_routee_validates_and_sends_the_sample_with_the_default_sender(routee):
    provider, app = routee
    rows = sample_recipients("spring-sale.csv")
    spec = CampaignSpec(
        name="Spring sale",
        recipients=lambda: iter(rows),
        count=len(rows),
        idempotency_key="sample-1",
    )
    report = await provider.validate(spec)
    assert report.ok, report.issues
    assert report.checked == len(rows)
    campaign = await provider.send(spec)
    assert campaign.total == len(rows)
    senders = {c.sender for c in app.state.routee.campaigns.values()}
    assert senders == {SANDBOX_SENDER}


async def test_the_settings_sender_wins_over_the_accounts(routee):
    provider, app = routee
    caps = provider.capabilities
    settings = default_settings(caps, "Spring sale", provider.account.options)
    values = spec_values(replace(settings, sender="+447700900123"), caps)
    rows = sample_recipients("spring-sale.csv")
    spec = CampaignSpec(
        name=values.name,
        recipients=lambda: iter(rows),
        count=len(rows),
        idempotency_key="sample-2",
        sender=values.sender,
        options=values.options,
    )
    await provider.send(spec)
    senders = {c.sender for c in app.state.routee.campaigns.values()}
    assert senders == {"447700900123"}
