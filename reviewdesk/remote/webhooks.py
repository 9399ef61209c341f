"""POSTing one signed webhook delivery to a receiver (the queue server's delivery worker uses it).

A delivery is the verdict's JSON, signed with the webhook's secret
(`reviewdesk.protocol.signature`) and named by its delivery id, so a receiver can check it and
drop a repeat. This is not retried here: the worker keeps each delivery in its outbox and
decides when to try again.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from reviewdesk.protocol.signature import DELIVERY_HEADER, SIGNATURE_HEADER, sign

__all__ = ["Attempt", "WebhookSender"]


@dataclass(frozen=True)
class Attempt:
    """How one POST ended: the receiver's status (None: no answer) and an error (None: 2xx)."""

    status: int | None
    error: str | None


class WebhookSender:
    """Sends deliveries over one httpx client (keep-alive across receivers).

    Args:
        timeout_s: how long a receiver may take to answer.
        transport: an httpx transport (tests may pass one; default: the network).
    """

    def __init__(self, *, timeout_s: float, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(transport=transport, timeout=timeout_s)

    def post(self, url: str, *, secret: str, body: bytes, delivery_id: str) -> Attempt:
        try:
            answer = self._client.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(secret, body),
                    DELIVERY_HEADER: delivery_id,
                    "User-Agent": "reviewdesk-webhooks",
                },
            )
        except httpx.HTTPError as failure:
            return Attempt(None, f"{type(failure).__name__}: {failure}"[:500])
        status = answer.status_code
        return Attempt(status, None if answer.is_success else f"HTTP {status}")

    def close(self) -> None:
        self._client.close()
