"""What the composition root hands the window: settings, recovery files, accounts, HTTP.

Plain Python (no Qt), so that ``app.main`` builds it without loading Qt for headless commands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass

from app.domain.accounts import Account
from app.domain.batch import BatchSettings
from app.domain.campaign import Capabilities
from app.providers.base import Provider
from app.services.desk import Desk
from app.services.sandbox_control import SandboxControl
from app.store.journal import Journals
from app.store.settings import AppSettings, SettingsStore


@dataclass
class AppContext:
    settings_store: SettingsStore
    settings: AppSettings
    journals: Journals  # the recovery journals, one per open document
    batch_settings: Callable[[AppSettings], BatchSettings]
    make_provider: Callable[[Account], Provider]
    capabilities: Callable[[str], Capabilities | None]  # None: the adapter is not installed
    aclose: Callable[[], Awaitable[None]]  # closes the HTTP client
    #: accounts, campaigns and their following; started by the application once it runs
    desk: Desk
    #: the built-in sandbox's clock and faults (the self-test moves its clock)
    sandbox: SandboxControl
    #: steps of start-up work to run between events once the window shows (a chunked job)
    warm_up: Callable[[], Generator[tuple[int, int], None, None]] | None = None

    def save_settings(self) -> None:
        self.settings_store.save(self.settings)
