"""An httpx client for the queue server's reviewer endpoints (API v1), with retries.

Network errors, 408, 429 and 5xx are retried with exponential backoff and jitter (tenacity),
`Retry-After` honoured; every other 4xx is final: 401 raises `TokenNeededError`, the rest
`RequestRefusedError`. A batch of decisions is safe to send again: the server is idempotent by
decision id, so a retry after a lost answer yields `duplicate`, never a second decision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import tenacity

from reviewdesk.domain import Decision, Generation
from reviewdesk.sync.errors import RequestRefusedError, ServerUnreachableError, TokenNeededError

logger = logging.getLogger(__name__)

__all__ = ["BATCH", "Changes", "Extended", "Lease", "LeasedItem", "SyncClient"]

BATCH = 200
RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True)
class LeasedItem:
    generation: Generation
    slot: int
    epoch: int


@dataclass(frozen=True)
class Lease:
    lease_id: str
    mode: str
    queue: str
    expires_at: datetime
    server_time: datetime
    items: list[LeasedItem]


@dataclass(frozen=True)
class Extended:
    expires_at: datetime
    server_time: datetime
    held: list[str]
    lost: list[str]


@dataclass(frozen=True)
class Change:
    seq: int
    kind: str
    item_id: str
    lease_id: str | None


@dataclass(frozen=True)
class Changes:
    changes: list[Change]
    next: int


@dataclass(frozen=True)
class DecisionStatus:
    id: str
    status: str
    code: str | None
    detail: str | None


class _Retryable(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(_problem(response))
        self.response = response
        self.retry_after = _retry_after(response)


class SyncClient:
    """The reviewer's side of API v1 on one server, with one token.

    Args:
        transport: an httpx transport (tests wrap the real one to inject faults).
        sleep: how to wait between attempts (tests record the waits instead).
        attempts: tries per request, the first included.
        max_wait_s: the longest single wait, also for a long `Retry-After`.
    """

    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 6,
        max_wait_s: float = 30.0,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.server_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "reviewdesk-sync"},
            timeout=timeout,
            transport=transport,
        )
        self._retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=_Wait(max_wait_s),
            retry=tenacity.retry_if_exception_type((httpx.TransportError, _Retryable)),
            sleep=sleep,
            before_sleep=_log_retry,
            reraise=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the endpoints -------------------------------------------------------------------------

    def check(self) -> None:
        """Check that the server answers and takes the token (as a reviewer)."""
        self._call("GET", "/v1/leases")

    def lease(self, queue: str, max_items: int, *, ttl_s: int, mode: str = "offline") -> Lease:
        body = self._call(
            "POST",
            f"/v1/queues/{queue}/leases",
            json={"max_items": max_items, "ttl_s": ttl_s, "mode": mode},
        )
        return Lease(
            lease_id=body["lease_id"],
            mode=body["mode"],
            queue=body["queue"],
            expires_at=datetime.fromisoformat(body["expires_at"]),
            server_time=datetime.fromisoformat(body["server_time"]),
            items=[
                LeasedItem(
                    generation=Generation.model_validate(item["generation"]),
                    slot=item["slot"],
                    epoch=item["epoch"],
                )
                for item in body["items"]
            ],
        )

    def extend(self, lease_id: str, *, ttl_s: int) -> Extended:
        body = self._call("PATCH", f"/v1/leases/{lease_id}", json={"ttl_s": ttl_s})
        return Extended(
            expires_at=datetime.fromisoformat(body["expires_at"]),
            server_time=datetime.fromisoformat(body["server_time"]),
            held=list(body["held"]),
            lost=list(body["lost"]),
        )

    def push(self, decisions: Sequence[Decision]) -> list[DecisionStatus]:
        """Send up to `BATCH` decisions; the server's status for each, in order.

        The reviewer is left out: the server records the decisions under the token's name.
        """
        if len(decisions) > BATCH:
            raise ValueError(f"{len(decisions)} decisions: send at most {BATCH} a call")
        body = self._call(
            "POST",
            "/v1/decisions/batch",
            json={"decisions": [_decision_body(decision) for decision in decisions]},
        )
        return [
            DecisionStatus(
                id=result["id"],
                status=result["status"],
                code=result.get("code"),
                detail=result.get("detail"),
            )
            for result in body["results"]
        ]

    def changes(self, since: int) -> Changes:
        body = self._call("GET", "/v1/changes", params={"since": since, "limit": 1000})
        return Changes(
            changes=[
                Change(
                    seq=change["seq"],
                    kind=change["kind"],
                    item_id=change["item_id"],
                    lease_id=change.get("lease_id"),
                )
                for change in body["changes"]
            ],
            next=body["next"],
        )

    # -- one call, retried ---------------------------------------------------------------------

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            response: httpx.Response = self._retrying(self._once, method, url, **kwargs)
        except httpx.TransportError as error:
            raise ServerUnreachableError(
                f"cannot reach the server {self.server_url}: {type(error).__name__} {error}"
            ) from error
        except _Retryable as error:
            raise ServerUnreachableError(
                f"the server {self.server_url} stayed unavailable: {error}"
            ) from error
        if response.status_code == 401:
            raise TokenNeededError(
                f"the server {self.server_url} did not take the token ({_problem(response)}); "
                "log in again with a new token"
            )
        if response.status_code >= 400:
            code, detail = _code_detail(response)
            raise RequestRefusedError(response.status_code, code, detail)
        return response.json()

    def _once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, url, **kwargs)
        if response.status_code in RETRIED_STATUSES:
            raise _Retryable(response)
        return response


class _Wait(tenacity.wait.wait_base):
    """Retry-After when the server gave one, exponential backoff with jitter otherwise."""

    def __init__(self, max_wait_s: float) -> None:
        self._max = max_wait_s
        self._backoff = tenacity.wait_exponential_jitter(multiplier=0.5, max=max_wait_s, jitter=0.5)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = None if outcome is None else outcome.exception()
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, self._max)
        return float(self._backoff(retry_state))


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    outcome = retry_state.outcome
    error = None if outcome is None else outcome.exception()
    wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
    logger.info("sync: %s; retrying in %.1f s", error, wait)


def _decision_body(decision: Decision) -> dict[str, Any]:
    return decision.model_dump(mode="json", exclude={"reviewer"})


def _code_detail(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("code", "")), str(body.get("detail", body))
    return "", str(body)


def _problem(response: httpx.Response) -> str:
    code, detail = _code_detail(response)
    return f"HTTP {response.status_code} {code}: {detail}".replace("  ", " ")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
