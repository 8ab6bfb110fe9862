"""What the service tests share: a clock tests drive, and the services on a real SQLite file,
the real keyring API (the suite's in-memory backend) and the in-process sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.domain.accounts import sandbox_account_id
from app.domain.schedule import Schedule
from app.providers.base import CampaignSpec, Recipient
from app.providers.transport import make_client
from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport
from app.services.accounts import AccountService
from app.services.campaigns import CampaignService
from app.services.connections import ProviderPool
from app.services.following import Follower
from app.store.database import Database
from app.store.secrets import SecretStore
from tests.sandbox.rig import mounted

PROVIDERS = ("rocketcoms", "routee", "bulksms", "cordial", "batch")
MOUNTS = {p: f"/{p}" for p in PROVIDERS}


class ManualClock:
    """A clock that moves only when told. Its sleeps are recorded and return at once, moving
    it on by the time slept; :meth:`advance` moves the sandbox's clock too, when given (sleeps
    do not, so that the sandbox never runs ahead of the adapters' own view of now)."""

    def __init__(self, start: datetime, sandbox: SandboxClock | None = None) -> None:
        self._now = start
        self._mono = 1000.0
        self.sandbox = sandbox
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float, *, sandbox_too: bool = True) -> None:
        """Move on; ``sandbox_too=False`` leaves the sandbox behind (a provider that stalled)."""
        self._move(seconds)
        if self.sandbox is not None and sandbox_too:
            self.sandbox.advance(seconds)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._move(seconds)
        await asyncio.sleep(0)

    def _move(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


@dataclass
class Desk:
    """The services of one app run, on ``path``."""

    path: Path
    env: SandboxEnv
    clock: ManualClock
    inner: SandboxTransport
    db: Database
    accounts: AccountService
    campaigns: CampaignService
    pool: ProviderPool
    follower: Follower
    extra: dict[str, Any] = field(default_factory=dict)

    async def at_sandbox(self, provider: str) -> int:
        """How many campaigns ``provider``'s simulator really holds (faults must be off)."""
        app = mounted(self.inner, MOUNTS[provider])
        if provider == "rocketcoms":
            async with httpx.AsyncClient(transport=self.inner, base_url=IN_PROCESS_URL) as c:
                answer = await c.get("/rocketcoms/v1/batches", auth=("sandbox", "sandbox"))
                return int(answer.json()["result"]["total"])
        if provider == "routee":
            return len(app.state.routee.campaigns)
        if provider == "bulksms":
            return len(app.state.bulksms.batches)
        if provider == "cordial":
            return len(app.state.cordial.messages)
        return len(app.sandbox.campaigns)  # Batch's authentication gate holds its sandbox

    async def aclose(self) -> None:
        await self.pool.aclose()
        self.db.close()


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def open_desk(path: Path, env: SandboxEnv, clock: ManualClock, inner: SandboxTransport) -> Desk:
    db = Database(path)
    pool = ProviderPool(make_client(inner), clock, per_second=4.0, rng=lambda: 0.0)
    accounts = AccountService(db, SecretStore(), pool, sandbox_url=IN_PROCESS_URL)
    campaigns = CampaignService(db, accounts, pool, clock)
    follower = Follower(campaigns, accounts, pool, clock)
    return Desk(path, env, clock, inner, db, accounts, campaigns, pool, follower)


def rows(texts: Iterable[str] | None = None, *, count: int = 3) -> list[Recipient]:
    texts = list(texts) if texts is not None else ["Spring sale: 20% off"] * count
    return [
        Recipient(row=i, line=i + 2, phone=f"+4474{i:08d}", message=t) for i, t in enumerate(texts)
    ]


def spec_for(
    provider: str,
    *,
    name: str = "Spring",
    key: str = "key-1",
    recipients: list[Recipient] | None = None,
    start: datetime | None = None,
    **kw: Any,
) -> CampaignSpec:
    """A campaign spec that ``provider``'s sandbox accepts."""
    recipients = recipients if recipients is not None else rows()
    options: dict[str, Any] = {}
    if provider == "batch":
        options["targeting"] = {}
    if provider == "cordial":
        options["audience_key"] = "all-sms"
    sender = "Shop" if provider == "routee" else None
    return CampaignSpec(
        name=name,
        recipients=lambda: iter(recipients),
        count=len(recipients),
        idempotency_key=key,
        schedule=Schedule(start=start, timezone="Europe/London") if start else None,
        sender=sender,
        options=options,
        **kw,
    )


def account_of(provider: str) -> str:
    return sandbox_account_id(provider)
