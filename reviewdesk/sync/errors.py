"""The errors of syncing with a queue server that are not the server's own answers.

UserError
 ├── SyncError             a sync step cannot start: the store is not connected to a server
 │    └── KeychainError    the OS keychain failed or did not answer in time
 └── RemoteError           the server's side (`reviewdesk.remote.errors`): unreachable, token
                           needed, request refused; re-exported here as a sync step raises them

A sync step keeps the outbox whatever it ends in.
"""

from __future__ import annotations

from reviewdesk.errors import UserError
from reviewdesk.remote.errors import (
    RemoteError,
    RequestRefusedError,
    ServerUnreachableError,
    TokenNeededError,
)

__all__ = [
    "KeychainError",
    "RemoteError",
    "RequestRefusedError",
    "ServerUnreachableError",
    "SyncError",
    "TokenNeededError",
]


class SyncError(UserError):
    """A sync step cannot start (no server connected)."""


class KeychainError(SyncError):
    """The OS keychain failed or did not answer in time."""
