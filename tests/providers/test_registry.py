"""Every provider has an adapter, a simulator and a built-in sandbox account that works."""

from __future__ import annotations

import pytest

from app.providers.base import Provider
from app.providers.errors import NotFound, Unsupported
from app.providers.registry import PROVIDERS, adapter_class, make_provider, sandbox_account
from app.providers.transport import Transport, make_client
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport


@pytest.mark.parametrize("key", sorted(PROVIDERS))
def test_adapter_class_declares_its_own_capabilities(key):
    cls = adapter_class(key)
    assert issubclass(cls, Provider)
    assert cls.capabilities.provider == key
    assert cls.capabilities.display_name == PROVIDERS[key].display_name


def test_sandbox_account_hides_its_secrets():
    account = sandbox_account("bulksms", "http://127.0.0.1:1")
    assert account.base_url == "http://127.0.0.1:1/bulksms"
    assert account.sandbox
    assert "credentials" not in repr(account)
    assert repr(account.credentials["password"]) == "Secret('***')"


@pytest.mark.parametrize("key", sorted(PROVIDERS))
async def test_the_builtin_sandbox_account_is_accepted(key):
    """Each sandbox account authenticates with its provider's own scheme, out of the box."""
    transport = Transport(make_client(SandboxTransport()))
    provider = make_provider(sandbox_account(key, IN_PROCESS_URL), transport)
    try:
        if key == "bulksms":  # the EAPI has no list call: a clear refusal, then a real call
            with pytest.raises(Unsupported, match="cannot list"):
                await provider.list()
            with pytest.raises(NotFound):
                await provider.get("987654")
        else:
            campaigns = await provider.list()
            assert campaigns == []
    finally:
        await transport.aclose()
