"""An httpx client for the queue server's reviewer endpoints (API v1), with retries.

Network errors, 408, 429 and 5xx are retried (`reviewdesk.http_retry`: exponential backoff and
jitter, `Retry-After` honoured); every other 4xx is final: 401 raises `TokenNeededError`, the rest
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

from reviewdesk.domain import Decision, Generation
from reviewdesk.http_retry import (
    RetryableResponseError,
    code_detail,
    problem,
    retrying,
    send_once,
)
from reviewdesk.sync.errors import RequestRefusedError, ServerUnreachableError, TokenNeededError

logger = logging.getLogger(__name__)

__all__ = ["BATCH", "Changes", "Extended", "Lease", "LeasedItem", "SyncClient"]

BATCH = 200
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
        self._retrying = retrying(
            attempts=attempts, max_wait_s=max_wait_s, sleep=sleep, what="sync"
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
            response: httpx.Response = self._retrying(send_once, self._http, method, url, **kwargs)
        except httpx.TransportError as error:
            raise ServerUnreachableError(
                f"cannot reach the server {self.server_url}: {type(error).__name__} {error}"
            ) from error
        except RetryableResponseError as error:
            raise ServerUnreachableError(
                f"the server {self.server_url} stayed unavailable: {error}"
            ) from error
        if response.status_code == 401:
            raise TokenNeededError(
                f"the server {self.server_url} did not take the token ({problem(response)}); "
                "log in again with a new token"
            )
        if response.status_code >= 400:
            code, detail = code_detail(response)
            raise RequestRefusedError(response.status_code, code, detail)
        return response.json()


def _decision_body(decision: Decision) -> dict[str, Any]:
    return decision.model_dump(mode="json", exclude={"reviewer"})
