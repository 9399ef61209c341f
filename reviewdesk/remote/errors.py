"""What a call to the queue server can end in, besides an answer.

UserError
 └── RemoteError                  the call did not succeed (`status` and `code` when answered)
      ├── ServerUnreachableError  network errors, timeouts, 408/429/5xx after every retry
      ├── TokenNeededError        401: no token, or the server rejected or revoked it
      ├── RequestRefusedError     another 4xx (400/403/404/409/413/422): retrying would not help
      └── VerdictTimeoutError     no final verdict within the caller's timeout

`reviewdesk.client.ClientError` is `RemoteError` under the name the producer client has always
documented.
"""

from __future__ import annotations

from reviewdesk.errors import UserError

__all__ = [
    "RemoteError",
    "RequestRefusedError",
    "ServerUnreachableError",
    "TokenNeededError",
    "VerdictTimeoutError",
]


class RemoteError(UserError):
    """A call to the queue server did not succeed.

    Attributes:
        status: the HTTP status of the server's last answer (None: no answer).
        code: the problem document's stable `code` (None: none given).
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class ServerUnreachableError(RemoteError):
    """The server could not be reached, or stayed busy, after every retry: work offline."""


class TokenNeededError(RemoteError):
    """The server wants a (new) token: none was sent, or it was rejected or revoked."""


class RequestRefusedError(RemoteError):
    """The server refused the request for good (a 4xx other than 401, 408 and 429)."""

    def __init__(self, status: int, code: str, detail: str, *, what: str = "the request") -> None:
        super().__init__(
            f"the server refused {what} (HTTP {status} {code}): {detail}", status=status, code=code
        )
        self.detail = detail


class VerdictTimeoutError(RemoteError):
    """No final verdict arrived within the timeout."""
