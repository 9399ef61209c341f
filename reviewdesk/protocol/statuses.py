"""API v1's status and code words: every value a request or an answer may carry.

The server answers with these, and every client (the producer client, `reviewdesk push`, the
desk's sync) compares against these: no status word is spelled anywhere else. Each is a
`StrEnum`, so a member compares equal to the plain string that travels over the wire.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FINAL_PHASES",
    "KEPT_STATUSES",
    "ChangeKind",
    "DecisionStatus",
    "DeliveryState",
    "ItemPhase",
    "ItemResultStatus",
    "LeaseMode",
    "ProblemCode",
    "TokenRole",
    "WebhookEvent",
]


class ItemResultStatus(StrEnum):
    """What `POST /v1/items` did with one item."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    """The id is stored already (with the same content): nothing changed."""
    INVALID = "invalid"
    """The item breaks a rule (its `errors` say which); nothing of it is stored."""
    CONFLICT = "conflict"
    """The id is stored already (or came earlier in the call) with another prompt, output or
    model (its `errors` say which): nothing of it is stored, its decisions neither."""


class DecisionStatus(StrEnum):
    """How the server counted one decision (`PUT /v1/decisions/{id}`, the batch)."""

    ACCEPTED = "accepted"
    """It filled the slot the reviewer holds (or replaced the reviewer's own earlier decision)."""
    DUPLICATE = "duplicate"
    """The same decision (same id, same content) is stored already."""
    ACCEPTED_LATE = "accepted_late"
    """The reviewer's lease had expired (or it came with none) and a slot was still open."""
    ACCEPTED_EXTRA = "accepted_extra"
    """Every slot was taken: kept as an extra label, counted like any other."""
    WITHDRAWN = "withdrawn"
    """The producer withdrew the item; the decision is not stored."""
    INVALID = "invalid"
    """It breaks a rule (see its `code`); nothing is stored."""


KEPT_STATUSES = frozenset(
    {DecisionStatus.ACCEPTED, DecisionStatus.ACCEPTED_LATE, DecisionStatus.ACCEPTED_EXTRA}
)
"""The statuses of a decision the server stored as a new label."""


class ChangeKind(StrEnum):
    """What `GET /v1/changes` tells a reviewer. Each takes an item away from the reviewer."""

    LEASE_REVOKED = "lease_revoked"
    """The slot the reviewer held (its lease expired) was leased to someone else."""
    SLOT_FILLED = "slot_filled"
    """The slot the reviewer held (its lease expired) was filled by another reviewer's decision."""
    ITEM_WITHDRAWN = "item_withdrawn"
    """The producer withdrew an item the reviewer held."""


class LeaseMode(StrEnum):
    """An online lease is heartbeated by a connected desk; an offline one is checked out."""

    ONLINE = "online"
    OFFLINE = "offline"


class ItemPhase(StrEnum):
    """Where an item stands, as a producer sees it (`GET /v1/items/{id}`)."""

    QUEUED = "queued"
    LEASED = "leased"
    DECIDED = "decided"
    NEEDS_ADJUDICATION = "needs_adjudication"
    AUTO_APPROVED = "auto_approved"
    WITHDRAWN = "withdrawn"


FINAL_PHASES = frozenset(
    {
        ItemPhase.DECIDED,
        ItemPhase.NEEDS_ADJUDICATION,
        ItemPhase.AUTO_APPROVED,
        ItemPhase.WITHDRAWN,
    }
)
"""The phases after which an item's state no longer changes by review alone."""


class TokenRole(StrEnum):
    """What a token may do. An admin may do everything a producer or a reviewer may."""

    PRODUCER = "producer"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class WebhookEvent(StrEnum):
    """What a webhook delivery announces (its body's `event`)."""

    VERDICT_FINAL = "verdict.final"
    """The item became final: its verdict's revision 1."""
    VERDICT_REVISED = "verdict.revised"
    """A later decision changed the item's verdict: revision 2 or more, with `previous`."""


class DeliveryState(StrEnum):
    """A webhook delivery's state in the delivery log."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class TemplateOutcome(StrEnum):
    """What `PUT /v1/templates/{name}/{version}` did with the text."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    """The version had this very text already."""
    REPLACED = "replaced"


class ProblemCode(StrEnum):
    """The stable `code` of an error answer (`application/problem+json`).

    | status | codes |
    |---|---|
    | 401 | token_missing, token_invalid |
    | 403 | wrong_role, queue_not_allowed |
    | 404 | not_found, unknown_item, lease_not_found, decision_not_found, token_not_found, webhook_not_found, form_not_found, template_not_found |
    | 405 | method_not_allowed |
    | 409 | lease_lost, decision_conflict, form_version_conflict, template_conflict |
    | 413 | body_too_large, batch_too_large |
    | 422 | invalid_request, invalid_decision, reviewer_mismatch, invalid_export, invalid_group_by, invalid_token, invalid_webhook, invalid_form, invalid_answers |
    | 429 | rate_limited |
    | 503 | database_busy |
    | 500 | internal_error |

    A decision the batch refuses is `invalid` with one of: invalid_decision, invalid_answers,
    decision_conflict, reviewer_mismatch, unknown_item, queue_not_allowed.
    """  # noqa: E501 (a table)

    TOKEN_MISSING = "token_missing"
    TOKEN_INVALID = "token_invalid"
    WRONG_ROLE = "wrong_role"
    QUEUE_NOT_ALLOWED = "queue_not_allowed"
    NOT_FOUND = "not_found"
    UNKNOWN_ITEM = "unknown_item"
    LEASE_NOT_FOUND = "lease_not_found"
    DECISION_NOT_FOUND = "decision_not_found"
    TOKEN_NOT_FOUND = "token_not_found"
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    FORM_NOT_FOUND = "form_not_found"
    TEMPLATE_NOT_FOUND = "template_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    LEASE_LOST = "lease_lost"
    DECISION_CONFLICT = "decision_conflict"
    FORM_VERSION_CONFLICT = "form_version_conflict"
    TEMPLATE_CONFLICT = "template_conflict"
    BODY_TOO_LARGE = "body_too_large"
    BATCH_TOO_LARGE = "batch_too_large"
    INVALID_REQUEST = "invalid_request"
    INVALID_DECISION = "invalid_decision"
    REVIEWER_MISMATCH = "reviewer_mismatch"
    INVALID_EXPORT = "invalid_export"
    INVALID_GROUP_BY = "invalid_group_by"
    INVALID_TOKEN = "invalid_token"
    INVALID_WEBHOOK = "invalid_webhook"
    INVALID_FORM = "invalid_form"
    INVALID_ANSWERS = "invalid_answers"
    RATE_LIMITED = "rate_limited"
    DATABASE_BUSY = "database_busy"
    INTERNAL_ERROR = "internal_error"
