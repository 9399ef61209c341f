"""The one way reviewdesk calls a queue server: an httpx client, a token, and one retry policy.

Network errors, 408, 429 and 5xx are retried with exponential backoff and jitter, and a
`Retry-After` the server sent is honoured (capped at the longest wait). Every other answer is
final: 2xx is returned, 401 raises `TokenNeededError`, any other 4xx `RequestRefusedError`.
What the clients send is taken idempotently by the server (items and decisions by id), so a
retry after a lost answer is safe; the long-polls and look-ups are reads.

Each retry is logged at INFO on this module's logger (`reviewdesk.remote.transport`) with its
reason and wait, so a command line can show them as they happen.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import tenacity

from reviewdesk.errors import ReviewdeskError
from reviewdesk.remote.errors import RequestRefusedError, ServerUnreachableError, TokenNeededError

logger = logging.getLogger(__name__)

__all__ = ["RETRIED_STATUSES", "Transport", "segment", "tls_context"]

RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's TLS settings for verified connections, made once: what httpx makes for
    `verify=True` (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), whose loading takes
    about 0.1 s of CPU each time a client is made. An SSL context is safe to share."""
    return httpx.create_ssl_context()


def segment(value: str) -> str:
    """`value` as one path segment: every character that means something in a URL encoded."""
    return quote(value, safe="")


class _RetryableResponseError(ReviewdeskError):
    """The server answered with a status worth trying again (see `RETRIED_STATUSES`)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(problem(response))
        self.response = response
        self.retry_after = retry_after(response)


class Transport:
    """Calls to one server with one token, each retried by the one policy.

    Args:
        server_url: the server, e.g. `http://review.internal:8787`.
        token: the bearer token (`rdk_...`).
        user_agent: names the client in the server's access log.
        transport: an httpx transport (tests pass `httpx.MockTransport` or wrap the real one).
        timeout: of one request; a long-poll adds its wait to the read timeout.
        attempts: tries per call, the first included (1: no retry).
        max_wait_s: the longest single wait, also for a long `Retry-After`.
        sleep: how to wait between attempts (tests record the waits instead).
    """

    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        user_agent: str,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        attempts: int = 6,
        max_wait_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.attempts = attempts
        self._http = httpx.Client(
            base_url=self.server_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": user_agent},
            timeout=timeout,
            transport=transport,
            verify=tls_context(),
        )
        self._policy = _policy(attempts=attempts, max_wait_s=max_wait_s, sleep=sleep)
        self.retries = 0
        """How many times the last call was tried again."""

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, *, what: str = "the request", **kwargs: Any) -> Any:
        """Send a request (retried as the module says) and return its JSON answer.

        Args:
            what: names the request in a refusal's message ("the server refused the items").
            kwargs: passed to `httpx.Client.request` (json, params, timeout).

        Raises:
            ServerUnreachableError: no answer, or a retried status, after every attempt.
            TokenNeededError: 401.
            RequestRefusedError: any other 4xx (with the problem's `code` and `detail`).
        """
        try:
            response: httpx.Response = self._policy(self._send, method, path, **kwargs)
        except httpx.TransportError as error:
            raise ServerUnreachableError(
                f"cannot reach the server {self.server_url}: gave up after "
                f"{self._attempts_made()} attempts: {type(error).__name__}: {error}"
            ) from error
        except _RetryableResponseError as error:
            raise ServerUnreachableError(
                f"the server {self.server_url} stayed unavailable: gave up after "
                f"{self._attempts_made()} attempts: {error}",
                status=error.response.status_code,
                code=code_detail(error.response)[0] or None,
            ) from error
        finally:
            self.retries = max(0, self._attempts_made() - 1)
        if response.status_code == 401:
            raise TokenNeededError(
                f"the server {self.server_url} did not take the token ({problem(response)}); "
                "log in again with a new token",
                status=401,
                code=code_detail(response)[0] or None,
            )
        if response.status_code >= 400:
            code, detail = code_detail(response)
            raise RequestRefusedError(response.status_code, code, detail, what=what)
        return response.json()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if "json" in kwargs:
            kwargs["content"] = json_body(kwargs.pop("json"))
            kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
        response = self._http.request(method, path, **kwargs)
        if response.status_code in RETRIED_STATUSES:
            raise _RetryableResponseError(response)
        return response

    def _attempts_made(self) -> int:
        return int(self._policy.statistics.get("attempt_number", 1))


def json_body(value: Any) -> bytes:
    """`value` as a JSON request body. Text that UTF-8 cannot hold (a lone surrogate) is sent
    escaped (`\\ud800`), so the server, not the encoder, says which field is wrong."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def _policy(*, attempts: int, max_wait_s: float, sleep: Callable[[float], None]) -> Any:
    """A tenacity policy: `attempts` tries in all, waits of at most `max_wait_s`; each wait is
    logged. The last error is raised as it was."""

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = None if state.outcome is None else state.outcome.exception()
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "attempt %d of %d failed: %s; retrying in %.1f s",
            state.attempt_number,
            attempts,
            _reason(error),
            wait,
        )

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=_Wait(max_wait_s),
        retry=tenacity.retry_if_exception_type((httpx.TransportError, _RetryableResponseError)),
        sleep=sleep,
        before_sleep=log_retry,
        reraise=True,
    )


class _Wait(tenacity.wait.wait_base):
    """Retry-After when the server gave one, exponential backoff with jitter otherwise."""

    def __init__(self, max_wait_s: float) -> None:
        self._max = max_wait_s
        self._backoff = tenacity.wait_exponential_jitter(multiplier=0.5, max=max_wait_s, jitter=0.5)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = None if outcome is None else outcome.exception()
        if isinstance(error, _RetryableResponseError) and error.retry_after is not None:
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
