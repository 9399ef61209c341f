"""What a queue server is configured with; every limit in one frozen object."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reviewdesk.ingest.otlp import OtlpSettings

Clock = Callable[[], int]
"""The current time in integer milliseconds since the epoch."""


def wall_clock_ms() -> int:
    """The system clock in milliseconds (the server's default clock)."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class ServerSettings:
    """A server's configuration.

    Attributes:
        database_url: `sqlite:///PATH` or `postgresql+psycopg://user@host/db`.
        online_ttl_s: default and maximum TTL of an online lease (the desk heartbeats it).
        offline_ttl_s: maximum TTL of an offline lease (checked out for work without network).
        offline_default_ttl_s: TTL of an offline lease that asks for none.
        max_items_per_call: most items one `POST /v1/items` takes (more: 413).
        max_decisions_per_call: most decisions one batch takes (more: 413).
        max_lease_items: most items one lease takes.
        max_body_bytes: largest request body (more: 413).
        rate_per_s / rate_burst: the token bucket of each token (429 with Retry-After past it).
        max_wait_s: the longest a `/v1/verdicts` long-poll is held (a larger `wait` is cut).
        max_polls_per_token: long-polls one token may hold open in one process (more: 429).
        header_timeout_s: how long a client may take to send a request's headers (then the
            connection is closed).
        idle_timeout_s: how long a keep-alive connection may sit idle between requests.
        auth_failures_per_s / auth_failure_burst: the bucket of failed token checks per client
            address (past it: 429 without a look at the token).
        docs: serve Swagger UI at `/docs` (it loads its scripts from a CDN); `/openapi.json`
            is always served.
        deliver_webhooks: run a webhook delivery worker in the app's lifespan (each process
            serving the database runs one; tests without a lifespan run their own).
        webhook_allow: private hosts or networks webhooks may reach (`--webhook-allow`);
            public addresses are always allowed, private and local ones only when listed.
        otlp: how the OTLP receiver maps spans to generations (`--otlp-config FILE.toml`).
        clock: the time, in ms; tests pass a clock they move by hand.
    """

    database_url: str
    online_ttl_s: int = 15 * 60
    offline_ttl_s: int = 72 * 3600
    offline_default_ttl_s: int = 24 * 3600
    max_items_per_call: int = 500
    max_decisions_per_call: int = 200
    max_lease_items: int = 200
    max_body_bytes: int = 32 * 1024 * 1024
    rate_per_s: float = 50.0
    rate_burst: int = 200
    deliver_webhooks: bool = True
    max_wait_s: float = 30.0
    max_polls_per_token: int = 20
    header_timeout_s: float = 10.0
    idle_timeout_s: float = 5.0
    auth_failures_per_s: float = 1.0
    auth_failure_burst: int = 20
    docs: bool = False
    webhook_allow: tuple[str, ...] = ()
    otlp: OtlpSettings = field(default_factory=OtlpSettings)
    clock: Clock = field(default=wall_clock_ms, compare=False)
