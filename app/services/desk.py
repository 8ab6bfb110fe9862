"""The campaign side of the app as one part: accounts, the campaign list and its actions, and
the follower that keeps it current, over one store and one pool of provider connections."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.accounts import AccountService
from app.services.campaigns import CampaignService
from app.services.connections import ProviderPool
from app.services.following import Follower
from app.store.database import Database


@dataclass
class Desk:
    db: Database
    accounts: AccountService
    campaigns: CampaignService
    follower: Follower
    providers: ProviderPool

    async def start(self) -> None:
        """Show the stored campaigns, settle what a crash left open, then follow them."""
        await self.campaigns.start()
        self.follower.start()

    async def aclose(self) -> None:
        await self.follower.stop()
        await self.providers.aclose()
        self.db.close()
