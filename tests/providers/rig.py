"""The rig the adapter tests share: campaign specs over fixed rows, a sleep that only records,
and adapters on the in-process sandbox or on a loopback server (see the ``rigs`` fixture)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, TypeVar

import httpx

from app.domain.accounts import Account, Secret
from app.providers.base import CampaignSpec, Provider, Recipient
from app.providers.registry import sandbox_account
from app.providers.transport import Transport, make_client
from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from tests.sandbox.rig import mounted

P = TypeVar("P", bound=Provider)
R = TypeVar("R", bound="ProviderRig[Any]")


class Waits(list[float]):
    """A Transport ``sleep`` that records each wait instead of waiting. Given a clock, a wait
    also moves that sandbox clock, so that the sandbox's own rate limits reset as they would."""

    def __init__(self, clock: SandboxClock | None = None) -> None:
        super().__init__()
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)


def campaign_over(
    rows: Sequence[Recipient], *, name: str = "Spring", key: str = "idem-1", **kw: Any
) -> CampaignSpec:
    """A campaign over ``rows``; each call of its ``recipients`` iterates them afresh."""
    return CampaignSpec(
        name=name, recipients=lambda: iter(rows), count=len(rows), idempotency_key=key, **kw
    )


def one_text_spec(texts: Iterable[str] | None = None, **kw: Any) -> CampaignSpec:
    """What an audience-based provider (Batch, Cordial) takes: one text, here three times to
    UK numbers; ``texts`` gives a row per text instead."""
    texts = list(texts or ["Spring sale: 20% off"] * 3)
    rows = [
        Recipient(row=i, line=i + 2, phone=f"+4474{i:08d}", message=t) for i, t in enumerate(texts)
    ]
    return campaign_over(rows, **kw)


def with_credentials(account: Account, **credentials: str) -> Account:
    """``account`` with these credentials instead of its own."""
    return replace(account, credentials={k: Secret(v) for k, v in credentials.items()})


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    """A provider's answer as an adapter's error mapping is handed it: ``body`` as JSON, or as
    it is when a string."""
    request = httpx.Request("GET", IN_PROCESS_URL)
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@dataclass
class ProviderRig(Generic[P]):
    """An adapter on a sandbox, with the sandbox's clock and the transport's waits at hand.

    A subclass names its adapter class and the sandbox mount point the adapter talks to.
    """

    adapter: ClassVar[type[Provider]]
    mount: ClassVar[str]

    provider: P
    env: SandboxEnv
    waits: Waits
    app: Any = None  # in-process only: the simulator app behind the wire, to inspect its records

    @property
    def transport(self) -> Transport:
        return self.provider.transport


class Rigs:
    """Makes rigs (the ``rigs`` fixture) and closes their HTTP clients after the test."""

    def __init__(self) -> None:
        self.clients: list[httpx.AsyncClient] = []

    def in_process(
        self,
        rig_cls: type[R],
        env: SandboxEnv,
        account: Account | None = None,
        *,
        options: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> R:
        """A rig on the in-process sandbox (only ``rig_cls.mount`` served), with its
        simulator app. ``account`` defaults to the built-in sandbox account, with its
        ``options`` replaced when given."""
        inner = SandboxTransport(env, providers=[rig_cls.mount])
        account = account or sandbox_account(rig_cls.adapter.capabilities.provider, IN_PROCESS_URL)
        if options is not None:
            account = replace(account, options=options)
        return self.on(rig_cls, env, account, inner, app=mounted(inner, rig_cls.mount), **kw)

    def on(
        self,
        rig_cls: type[R],
        env: SandboxEnv,
        account: Account,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        app: Any = None,
        waits: Waits | None = None,
        clock_follows_waits: bool = False,
        jitter: bool = True,
    ) -> R:
        """A rig whose client goes through ``inner`` (None: real HTTP, as to a loopback
        server). ``jitter=False`` makes every backoff its floor, so waits can be compared."""
        client = make_client(inner)
        self.clients.append(client)
        waits = waits if waits is not None else Waits(env.clock if clock_follows_waits else None)
        rng: Callable[[], float] = random.random if jitter else lambda: 0.0
        transport = Transport(client, sleep=waits, rng=rng)
        return rig_cls(rig_cls.adapter(account, transport), env, waits, app)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
