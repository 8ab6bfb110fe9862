"""A Campaign Desk process that sends one stored campaign, for the kill -9 test.

``python -m tests.services.send_child DB SANDBOX_URL CAMPAIGN_ID``: opens the services on the
store file DB with the sandbox accounts at SANDBOX_URL (real HTTP), and sends the campaign.
The test kills it while the send is on its way.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.providers.transport import make_client
from app.services.accounts import AccountService
from app.services.campaigns import CampaignService
from app.services.clock import SystemClock
from app.services.connections import ProviderPool
from app.store.database import Database
from app.store.secrets import SecretStore


async def main(db_path: str, sandbox_url: str, campaign_id: int) -> None:
    clock = SystemClock()
    db = Database(Path(db_path))
    pool = ProviderPool(make_client(), clock)
    accounts = AccountService(db, SecretStore(), pool, sandbox_url=sandbox_url)
    campaigns = CampaignService(db, accounts, pool, clock)
    await campaigns.start()
    print("sending", flush=True)
    result = await campaigns.send(campaign_id)
    print(result.message, flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
