"""Fixtures of the adapter tests; the rig itself is in ``tests/providers/rig.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.providers.rig import Rigs


@pytest.fixture
async def rigs() -> AsyncIterator[Rigs]:
    """Makes adapters on the sandbox; their clients are closed after the test."""
    made = Rigs()
    yield made
    await made.aclose()
