"""The errors of syncing with a queue server.

UserError
 └── SyncError                    a sync step could not finish; the outbox is kept
      ├── ServerUnreachableError  network errors, timeouts, 408/429/5xx after every retry
      ├── TokenNeededError        401: no token, or the server rejected it (ask for a new one)
      ├── KeychainError           the OS keychain failed or did not answer in time
      └── RequestRefusedError     400/403/404/409/413/422: retrying would not help
"""

from __future__ import annotations

from reviewdesk.errors import UserError

__all__ = [
    "KeychainError",
    "RequestRefusedError",
    "ServerUnreachableError",
    "SyncError",
    "TokenNeededError",
]


class SyncError(UserError):
    """A sync step could not finish."""


class ServerUnreachableError(SyncError):
    """The server could not be reached, or stayed busy, after every retry: work offline."""


class TokenNeededError(SyncError):
    """The server wants a (new) token: none is stored, or it was rejected or revoked."""


class KeychainError(SyncError):
    """The OS keychain failed or did not answer in time."""


class RequestRefusedError(SyncError):
    """The server refused the request for good (a 4xx other than 401, 408 and 429)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"the server refused the request (HTTP {status} {code}): {detail}")
        self.status = status
        self.code = code
        self.detail = detail
