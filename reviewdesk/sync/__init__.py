"""The desk's sync with a queue server: credentials, checkout and the sync loop (no Qt).

Public surface: `Credentials` (keyring, keychain backends only), `SyncEngine` (checkout, one
sync step) and the errors in `reviewdesk.sync.errors` (the server's side re-exported from
`reviewdesk.remote`, whose `ReviewerClient` the engine calls). The sync state itself (outbox,
lease cache) lives in the store: `reviewdesk.store.SyncLedger`.
"""

from __future__ import annotations

from reviewdesk.sync.credentials import TOKEN_ENV, Credentials, TokenStorage, usable_keychain
from reviewdesk.sync.engine import ClientFactory, SyncEngine
from reviewdesk.sync.errors import (
    KeychainError,
    RemoteError,
    RequestRefusedError,
    ServerUnreachableError,
    SyncError,
    TokenNeededError,
)
from reviewdesk.sync.reports import CheckoutReport, SyncReport

__all__ = [
    "TOKEN_ENV",
    "CheckoutReport",
    "ClientFactory",
    "Credentials",
    "KeychainError",
    "RemoteError",
    "RequestRefusedError",
    "ServerUnreachableError",
    "SyncEngine",
    "SyncError",
    "SyncReport",
    "TokenNeededError",
    "TokenStorage",
    "usable_keychain",
]
