"""Timing an item on screen."""

from __future__ import annotations

import time
from collections.abc import Callable


class Stopwatch:
    """Milliseconds since the last `restart()`, on a monotonic clock (injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started = clock()

    def restart(self) -> None:
        self._started = self._clock()

    def elapsed_ms(self) -> int:
        return max(0, round((self._clock() - self._started) * 1000))
