"""The bodies of the verdict, policy and webhook endpoints (one model per purpose)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from reviewdesk.server.policy import ReviewPolicy
from reviewdesk.server.verdicts import ItemPhase, ItemView
from reviewdesk.server.webhooks import Delivery, DeliveryState, Webhook
from reviewdesk.store import codec

Id = Annotated[str, Field(min_length=1, max_length=200)]


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class ResolvedOut(BaseModel):
    """An item's resolved verdict: the majority of its reviewers' latest decisions (a tie:
    `needs_adjudication`), or `auto_approved` by its queue's policy."""

    verdict: str
    edited_output: str | None
    reasons: list[str]
    reviewers: list[str]
    decided_at: datetime | None


class ItemStateOut(BaseModel):
    id: str
    queue: str
    state: ItemPhase
    required_reviews: int
    reviews: int
    verdict: ResolvedOut | None


class VerdictOut(ItemStateOut):
    seq: int


class VerdictsOut(BaseModel):
    verdicts: list[VerdictOut]
    next: int
    """The cursor to pass as `since` next."""
    head: int
    """The feed's newest entry (0: none yet): `since=head` follows from now on."""


def item_out(view: ItemView) -> ItemStateOut:
    return ItemStateOut.model_validate(_fields(view))


def verdict_out(view: ItemView) -> VerdictOut:
    return VerdictOut.model_validate({**_fields(view), "seq": view.seq})


def _fields(view: ItemView) -> dict[str, object]:
    resolved = view.verdict
    return {
        "id": view.id,
        "queue": view.queue,
        "state": view.state,
        "required_reviews": view.required_reviews,
        "reviews": view.reviews,
        "verdict": None
        if resolved is None
        else {
            "verdict": resolved.verdict,
            "edited_output": resolved.edited_output,
            "reasons": list(resolved.reasons),
            "reviewers": list(resolved.reviewers),
            "decided_at": None
            if resolved.decided_at is None
            else codec.parse_time(resolved.decided_at),
        },
    }


class PolicyOut(BaseModel):
    queue: str
    policy: ReviewPolicy | None
    auto_approved: int
    """Items of the queue its policy let through unreviewed."""


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue: Id
    url: Annotated[str, Field(min_length=1, max_length=2000)]


class WebhookOut(BaseModel):
    id: str
    queue: str
    url: str
    active: bool
    created_at: datetime
    secret: str | None = None


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


def webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        queue=hook.queue,
        url=hook.url,
        active=hook.active,
        created_at=_time(hook.created_at_ms),
        secret=hook.secret,
    )


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    item_id: str
    verdict_seq: int
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        item_id=delivery.item_id,
        verdict_seq=delivery.verdict_seq,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=_time(delivery.next_attempt_ms),
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        created_at=_time(delivery.created_at_ms),
        delivered_at=None if delivery.delivered_at_ms is None else _time(delivery.delivered_at_ms),
    )


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[Id] | None = None
    """Only these dead deliveries (default: every dead delivery of the webhook)."""


class ReplayOut(BaseModel):
    replayed: int
