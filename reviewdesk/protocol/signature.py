"""Signing webhook deliveries: HMAC-SHA256 over `timestamp.body`.

The server sends `Reviewdesk-Signature: t=<unix seconds>,v1=<hex digest>` with each delivery.
A receiver recomputes the digest with the webhook's secret over the exact bytes it received,
compares in constant time, and refuses a timestamp older (or newer) than its tolerance, so a
captured delivery cannot be replayed later. Only the standard library is used: the server, the
producer client and any receiver can import this module.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "Reviewdesk-Signature"
DELIVERY_HEADER = "Reviewdesk-Delivery"
DEFAULT_TOLERANCE_S = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header's value for `body`, signed now (or at `timestamp`)."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={_digest(secret, moment, body)}"


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> bool:
    """Whether `body` came from the server holding `secret`, signed within `tolerance_s`.

    Args:
        secret: the webhook's secret (`whsec_...`, shown once by `reviewdesk webhook add`).
        headers: the request's headers (any mapping; the name is matched case-insensitively).
        body: the raw request body, exactly as received (not re-serialised JSON).
        tolerance_s: how far the signed time may be from now.
        now: the current time in seconds (default: the system clock).
    """
    value = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
    if value is None:
        return False
    parts: dict[str, list[str]] = {}
    for part in value.split(","):
        key, _, item = part.strip().partition("=")
        parts.setdefault(key, []).append(item)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


__all__ = ["DELIVERY_HEADER", "SIGNATURE_HEADER", "sign", "verify_signature"]
