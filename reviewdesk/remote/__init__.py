"""Talking to a queue server: the one client package of API v1.

- `Transport` (`transport.py`): one httpx client, one token, one retry policy;
- `ReviewdeskClient` (`producer.py`): submit items, read an item's state, follow the verdicts;
- `ReviewerClient` (`reviewer.py`): lease, extend, send decisions, read changes (the desk's sync);
- the errors (`errors.py`), all under `RemoteError`.

`reviewdesk.client` is the documented entry point for producers. This package needs httpx,
tenacity, the protocol and the domain: never the store, the server, the desk or the sync engine.
"""

from __future__ import annotations

from reviewdesk.remote.errors import (
    RemoteError,
    RequestRefusedError,
    ServerUnreachableError,
    TokenNeededError,
    VerdictTimeoutError,
)
from reviewdesk.remote.producer import ITEMS_PER_CALL, ReviewdeskClient
from reviewdesk.remote.reviewer import DECISIONS_PER_CALL, ReviewerClient
from reviewdesk.remote.transport import Transport

__all__ = [
    "DECISIONS_PER_CALL",
    "ITEMS_PER_CALL",
    "RemoteError",
    "RequestRefusedError",
    "ReviewdeskClient",
    "ReviewerClient",
    "ServerUnreachableError",
    "TokenNeededError",
    "Transport",
    "VerdictTimeoutError",
]
