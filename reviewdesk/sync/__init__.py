"""Sync with a queue server: client, credentials, checkout and the sync loop (no Qt).

Public surface: `SyncClient` (httpx, retries), `Credentials` (keyring, keychain backends
only), `SyncEngine` (checkout, one sync step) and the errors in `reviewdesk.sync.errors`.
"""

from __future__ import annotations

from reviewdesk.sync.client import SyncClient
from reviewdesk.sync.credentials import TOKEN_ENV, Credentials, TokenStorage, usable_keychain
from reviewdesk.sync.engine import CheckoutReport, SyncEngine, SyncReport
from reviewdesk.sync.errors import (
    KeychainError,
    RequestRefusedError,
    ServerUnreachableError,
    SyncError,
    TokenNeededError,
)

__all__ = [
    "TOKEN_ENV",
    "CheckoutReport",
    "Credentials",
    "KeychainError",
    "RequestRefusedError",
    "ServerUnreachableError",
    "SyncClient",
    "SyncEngine",
    "SyncError",
    "SyncReport",
    "TokenNeededError",
    "TokenStorage",
    "usable_keychain",
]
