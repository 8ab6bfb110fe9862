"""One adapter per account, on one shared HTTP client, its requests spaced out.

Every account gets its own :class:`PacedTransport` over the app's single ``httpx.AsyncClient``:
its requests start at least ``1 / per_second`` seconds apart, so following many campaigns never
sends more than a few requests a second to one provider, and each adapter keeps what it caches
(Routee's token) for as long as its account is unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from app.domain.accounts import Account
from app.providers.base import Provider
from app.providers.registry import make_provider
from app.providers.transport import RetryPolicy, Transport
from app.services.clock import Clock

#: Requests per second and account, at most ("a few").
DEFAULT_RATE = 4.0


class PacedTransport(Transport):
    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        per_second: float = DEFAULT_RATE,
        policy: RetryPolicy | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(client, policy=policy, sleep=clock.sleep, rng=rng)
        self._clock = clock
        self._gap = 1.0 / per_second
        self._next = 0.0

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # The slot is taken before awaiting, so concurrent callers queue one gap apart.
        now = self._clock.monotonic()
        start = max(now, self._next)
        self._next = start + self._gap
        if start > now:
            await self._clock.sleep(start - now)
        return await super().request(method, url, **kwargs)


class ProviderPool:
    """The adapter of each account, made on first use and remade when the account changes."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        per_second: float = DEFAULT_RATE,
        policy: RetryPolicy | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self._clock = clock
        self._per_second = per_second
        self._policy = policy
        self._rng = rng
        self._made: dict[str, tuple[Account, Provider]] = {}

    def provider(self, account: Account) -> Provider:
        made = self._made.get(account.id)
        if made is not None and made[0] == account:
            return made[1]
        transport = PacedTransport(
            self.client,
            self._clock,
            per_second=self._per_second,
            policy=self._policy,
            rng=self._rng,
        )
        provider = make_provider(account, transport)
        self._made[account.id] = (account, provider)
        return provider

    def forget(self, account_id: str) -> None:
        self._made.pop(account_id, None)

    async def aclose(self) -> None:
        await self.client.aclose()
