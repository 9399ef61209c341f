"""The reviewer's side of API v1, as the desk's sync uses it: lease, extend, decide, changes,
the queue's review form, and the prompt templates' texts.

Answers are read into the protocol's models (`reviewdesk.protocol.v1`). A batch of decisions is
safe to send again: the server is idempotent by decision id, so a retry after a lost answer
yields `duplicate`, never a second decision.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from reviewdesk.domain import ComparisonDecision, Decision
from reviewdesk.protocol.statuses import EntryKind, LeaseMode, ProblemCode
from reviewdesk.protocol.v1 import (
    BatchOut,
    ChangesOut,
    DecisionResult,
    ExtendOut,
    FormOut,
    LeaseOut,
    TemplateOut,
)
from reviewdesk.remote.errors import RequestRefusedError
from reviewdesk.remote.transport import DEFAULT_TIMEOUT, Transport, segment

__all__ = ["DECISIONS_PER_CALL", "ReviewerClient"]

DECISIONS_PER_CALL = 200
"""The most decisions one `POST /v1/decisions/batch` takes (the server's default limit)."""


class ReviewerClient:
    """A reviewer's connection to one server, with one token.

    Args:
        transport: an httpx transport (tests wrap the real one to inject faults).
        sleep: how to wait between attempts (tests record the waits instead).
        attempts: tries per request, the first included.
        max_wait_s: the longest single wait, also for a long `Retry-After`.
        timeout: of one request.
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
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        self._remote = Transport(
            server_url,
            token,
            user_agent="reviewdesk-sync",
            transport=transport,
            attempts=attempts,
            max_wait_s=max_wait_s,
            sleep=sleep,
            timeout=timeout,
        )
        self.server_url = self._remote.server_url

    def close(self) -> None:
        self._remote.close()

    def __enter__(self) -> ReviewerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def check(self) -> None:
        """Check that the server answers and takes the token (as a reviewer)."""
        self._remote.call("GET", "/v1/leases")

    def lease(
        self,
        queue: str,
        max_items: int,
        *,
        ttl_s: int,
        mode: LeaseMode = LeaseMode.OFFLINE,
        kinds: Sequence[EntryKind] = (EntryKind.ITEM,),
    ) -> LeaseOut:
        """Lease up to `max_items` entries of `queue`: items, or with `kinds` comparisons too
        (`LeaseOut.comparisons`; items come first)."""
        request: dict[str, Any] = {"max_items": max_items, "ttl_s": ttl_s, "mode": mode}
        if list(kinds) != [EntryKind.ITEM]:  # a server before comparisons knows no `kinds`
            request["kinds"] = [str(kind) for kind in kinds]
        body = self._remote.call("POST", f"/v1/queues/{segment(queue)}/leases", json=request)
        return LeaseOut.model_validate(body)

    def extend(self, lease_id: str, *, ttl_s: int) -> ExtendOut:
        body = self._remote.call("PATCH", f"/v1/leases/{segment(lease_id)}", json={"ttl_s": ttl_s})
        return ExtendOut.model_validate(body)

    def push(self, decisions: Sequence[Decision]) -> list[DecisionResult]:
        """Send up to `DECISIONS_PER_CALL` decisions; the server's status for each, in order.

        The reviewer is left out: the server records the decisions under the token's name.
        """
        if len(decisions) > DECISIONS_PER_CALL:
            raise ValueError(f"{len(decisions)} decisions: send at most {DECISIONS_PER_CALL}")
        body = self._remote.call(
            "POST",
            "/v1/decisions/batch",
            json={"decisions": [_decision_body(decision) for decision in decisions]},
        )
        return BatchOut.model_validate(body).results

    def push_comparisons(self, decisions: Sequence[ComparisonDecision]) -> list[DecisionResult]:
        """Send up to `DECISIONS_PER_CALL` decisions on comparisons (a `preference` each, and
        the answers to the queue's form with its version when there are any); the server's
        status for each, in order. Idempotent by decision id, as `push`."""
        if len(decisions) > DECISIONS_PER_CALL:
            raise ValueError(f"{len(decisions)} decisions: send at most {DECISIONS_PER_CALL}")
        body = self._remote.call(
            "POST",
            "/v1/decisions/batch",
            json={"decisions": [_comparison_decision_body(decision) for decision in decisions]},
        )
        return BatchOut.model_validate(body).results

    def changes(self, since: int, *, kinds: Sequence[EntryKind] = (EntryKind.ITEM,)) -> ChangesOut:
        """What changed for this reviewer after `since`: changes to items, or with `kinds`
        to comparisons too (each `ChangeOut.entry` says which)."""
        params: dict[str, Any] = {"since": since, "limit": 1000}
        if list(kinds) != [EntryKind.ITEM]:
            params["kinds"] = [str(kind) for kind in kinds]
        body = self._remote.call("GET", "/v1/changes", params=params)
        return ChangesOut.model_validate(body)

    def form(self, queue: str) -> FormOut | None:
        """The queue's current review form, or None when it has none."""
        try:
            body = self._remote.call("GET", f"/v1/queues/{segment(queue)}/form")
        except RequestRefusedError as error:
            if error.status == 404 and error.code == ProblemCode.FORM_NOT_FOUND:
                return None
            raise
        return FormOut.model_validate(body)

    def template(self, name: str, version: str) -> TemplateOut | None:
        """The text of `name`@`version`, or None when the server has none."""
        try:
            body = self._remote.call("GET", f"/v1/templates/{segment(name)}/{segment(version)}")
        except RequestRefusedError as error:
            if error.status == 404 and error.code == ProblemCode.TEMPLATE_NOT_FOUND:
                return None
            raise
        return TemplateOut.model_validate(body)


def _decision_body(decision: Decision) -> dict[str, Any]:
    return decision.model_dump(mode="json", exclude={"reviewer"})


def _comparison_decision_body(decision: ComparisonDecision) -> dict[str, Any]:
    """A comparison decision as a batch entry: no reviewer (the token names it), and no
    `answers` / `form_version` keys when it has none (a server before answers on comparisons
    refuses the keys)."""
    body = decision.model_dump(mode="json", exclude={"reviewer", "answers", "form_version"})
    if decision.answers:
        body["answers"] = decision.model_dump(mode="json")["answers"]
    if decision.form_version is not None:
        body["form_version"] = decision.form_version
    return body
