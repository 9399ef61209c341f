"""A token bucket per API token (and one per client address for failed token checks), in this
process's memory.

Each server process keeps its own buckets: behind a load balancer over N processes a token may
get up to N times the rate. That is the usual trade (no shared state on the hot path); the limit
protects the database from one runaway client, not a billing quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_KEYS = 100_000
"""Past this many buckets, full ones are forgotten (keys may be client addresses)."""


class TokenBuckets:
    """`take(key)` spends one request from the key's bucket; 0 when allowed, else the seconds
    until the next request would be."""

    def __init__(
        self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate_per_s
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return self._wait(tokens)

    def wait_for(self, key: str) -> float:
        """Like `take`, without spending: 0 when a request would be allowed now."""
        now = self._clock()
        with self._lock:
            return 0.0 if (tokens := self._tokens(key, now)) >= 1.0 else self._wait(tokens)

    def _tokens(self, key: str, now: float) -> float:
        if key not in self._buckets and len(self._buckets) >= MAX_KEYS:
            self._forget_full(now)
        tokens, last = self._buckets.get(key, (self._burst, now))
        return min(self._burst, tokens + (now - last) * self._rate)

    def _wait(self, tokens: float) -> float:
        return (1.0 - tokens) / self._rate if self._rate > 0 else math.inf

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they hold nothing a new bucket would not)."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self._rate >= self._burst:
                del self._buckets[key]


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds))) if math.isfinite(seconds) else "3600"
