"""Calling the queue server again when it could not answer: what is retried, how long to wait.

Network errors, 408, 429 and 5xx are retried with exponential backoff and jitter, and a
`Retry-After` the server sent is honoured (capped at the longest wait); every other answer is
the caller's to judge. The desk's sync client and `reviewdesk push` both call through this: what
they send is taken idempotently by the server (decisions and items by id), so a retry after a
lost answer is safe.

A client module: it needs httpx and tenacity, never the server, the desk or the store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import tenacity

logger = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class RetryableResponseError(Exception):
    """The server answered with a status worth trying again (see `RETRIED_STATUSES`)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(problem(response))
        self.response = response
        self.retry_after = retry_after(response)


def send_once(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; a retried status is raised as `RetryableResponseError`."""
    response = client.request(method, url, **kwargs)
    if response.status_code in RETRIED_STATUSES:
        raise RetryableResponseError(response)
    return response


def retrying(
    *, attempts: int, max_wait_s: float, sleep: Callable[[float], None] = time.sleep, what: str
) -> tenacity.Retrying:
    """A tenacity policy: `attempts` tries in all (the first included), waits of at most
    `max_wait_s`; each wait is logged as `what: reason; retrying in N s`. The last error is
    raised as it was (`httpx.TransportError` or `RetryableResponseError`)."""

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = None if state.outcome is None else state.outcome.exception()
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.info("%s: %s; retrying in %.1f s", what, _reason(error), wait)

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=_Wait(max_wait_s),
        retry=tenacity.retry_if_exception_type((httpx.TransportError, RetryableResponseError)),
        sleep=sleep,
        before_sleep=log_retry,
        reraise=True,
    )


def retries_made(policy: tenacity.Retrying) -> int:
    """How many times the last call through `policy` was tried again."""
    return max(0, int(policy.statistics.get("attempt_number", 1)) - 1)


class _Wait(tenacity.wait.wait_base):
    """Retry-After when the server gave one, exponential backoff with jitter otherwise."""

    def __init__(self, max_wait_s: float) -> None:
        self._max = max_wait_s
        self._backoff = tenacity.wait_exponential_jitter(multiplier=0.5, max=max_wait_s, jitter=0.5)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = None if outcome is None else outcome.exception()
        if isinstance(error, RetryableResponseError) and error.retry_after is not None:
            return min(error.retry_after, self._max)
        return float(self._backoff(retry_state))


def _reason(error: BaseException | None) -> str:
    if isinstance(error, httpx.TransportError):
        return f"{type(error).__name__}: {error}"
    return str(error)


def code_detail(response: httpx.Response) -> tuple[str, str]:
    """The problem document's `code` and `detail` ("" and the status when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return "", f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("code", "")), str(body.get("detail", body))
    return "", str(body)


def problem(response: httpx.Response) -> str:
    """An error answer in one line: `HTTP 503 database_busy: ...`."""
    code, detail = code_detail(response)
    return f"HTTP {response.status_code} {code}: {detail}".replace("  ", " ")


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (None: absent or not a number of seconds)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
