"""API v1, the queue server's wire protocol: its bodies, its status and code words, and the
signature on webhook deliveries.

The server declares its endpoints with these models and every client reads and writes them
(`reviewdesk.remote`: the producer client, `reviewdesk push`, the desk's sync), so a field or a
status is added in one place. This package imports only the domain (and pydantic).
"""

from __future__ import annotations

from reviewdesk.protocol.signature import (
    DEFAULT_TOLERANCE_S,
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    sign,
    verify_signature,
)
from reviewdesk.protocol.statuses import (
    FINAL_PHASES,
    KEPT_STATUSES,
    ChangeKind,
    DecisionStatus,
    DeliveryState,
    EntryKind,
    ItemPhase,
    ItemResultStatus,
    LeaseMode,
    ProblemCode,
    TokenRole,
    WebhookEvent,
)

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "DELIVERY_HEADER",
    "FINAL_PHASES",
    "KEPT_STATUSES",
    "SIGNATURE_HEADER",
    "ChangeKind",
    "DecisionStatus",
    "DeliveryState",
    "EntryKind",
    "ItemPhase",
    "ItemResultStatus",
    "LeaseMode",
    "ProblemCode",
    "TokenRole",
    "WebhookEvent",
    "sign",
    "verify_signature",
]
