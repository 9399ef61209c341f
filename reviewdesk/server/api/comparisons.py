"""API v1 for decisions on comparisons: the entries of `POST /v1/decisions/batch` that name a
`comparison_id` (with a `preference` where an item's decision has a verdict), and the body of
`PUT /v1/decisions/{id}` that does.

A batch may mix item and comparison decisions; each entry gets its own result, in order. An
entry that mixes the two (a `verdict` on a comparison, a `preference` on an item) is `invalid`,
naming that field. The PUT answers what the batch calls `invalid` with a 422 of the same code
and detail, and a conflict with a 409. `answers` (with `form_version`) are checked against the
queue's form as an item's are (see `reviewdesk.server.queue.comparison_decisions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from reviewdesk.domain import ComparisonDecision
from reviewdesk.protocol.answers import error_lines
from reviewdesk.protocol.statuses import DecisionStatus, EntryKind, ProblemCode, TokenRole
from reviewdesk.protocol.v1 import (
    MIXED_FIELDS,
    BatchComparisonDecisionIn,
    ComparisonDecisionIn,
    DecisionResult,
)
from reviewdesk.server.access.tokens import TokenInfo
from reviewdesk.server.api.common import settings_of
from reviewdesk.server.api.wakeups import announce
from reviewdesk.server.database import transact
from reviewdesk.server.http.problems import ApiError
from reviewdesk.server.queue.comparison_decisions import record_comparison_decisions

VERDICT_ON_COMPARISON = "verdict: " + MIXED_FIELDS[(EntryKind.COMPARISON.value, "verdict")]
PREFERENCE_ON_ITEM = "preference: " + MIXED_FIELDS[(EntryKind.ITEM.value, "preference")]


def is_comparison_entry(raw: Any) -> bool:
    """A batch entry naming a comparison (`comparison_id`), not an item."""
    return isinstance(raw, dict) and "comparison_id" in raw


def item_entry_problem(raw: Any) -> str | None:
    """Why an item's batch entry is refused for carrying a comparison's field (None: it is not)."""
    if isinstance(raw, dict) and "preference" in raw and "comparison_id" not in raw:
        return PREFERENCE_ON_ITEM
    return None


def _shown_id(raw: dict[str, Any]) -> str | None:
    raw_id = raw.get("id")
    return raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 200 else None


def read_entry(raw: dict[str, Any], token: TokenInfo) -> ComparisonDecision | DecisionResult:
    """A comparison's batch entry as a decision, or its `invalid` result naming the field."""
    shown = _shown_id(raw)
    if "verdict" in raw:
        return DecisionResult(
            id=shown,
            status=DecisionStatus.INVALID,
            code=ProblemCode.INVALID_DECISION,
            detail=VERDICT_ON_COMPARISON,
        )
    try:
        body = BatchComparisonDecisionIn.model_validate(raw)
        return as_decision(body.id, body, token)
    except ValidationError as error:
        detail = "; ".join(error_lines(error.errors(include_url=False)))
        code: str = ProblemCode.INVALID_DECISION
    except ApiError as error:
        detail, code = error.detail, error.code
    return DecisionResult(id=shown, status=DecisionStatus.INVALID, code=code, detail=detail)


def as_decision(
    decision_id: str, body: ComparisonDecisionIn, token: TokenInfo
) -> ComparisonDecision:
    """The decision a body sends under `decision_id`, by the token's reviewer (an admin may
    name another); a 422 `ApiError` naming the field when it breaks a rule of decisions."""
    if body.reviewer is not None and body.reviewer != token.name and token.role != TokenRole.ADMIN:
        raise ApiError(
            422,
            ProblemCode.REVIEWER_MISMATCH,
            f"the token is {token.name}'s; a decision of {body.reviewer} cannot be sent with it",
        )
    data = body.model_dump(exclude={"reviewer", "id"})
    data["id"] = decision_id
    data["reviewer"] = body.reviewer or token.name
    try:
        return ComparisonDecision.model_validate(data)
    except ValidationError as error:
        raise ApiError(
            422,
            ProblemCode.INVALID_DECISION,
            "; ".join(error_lines(error.errors(include_url=False))),
        ) from error


def put_decision(
    request: Request, decision_id: str, body: ComparisonDecisionIn, token: TokenInfo
) -> DecisionResult:
    """`PUT /v1/decisions/{id}` of a decision on a comparison: its status as the batch gives
    it; 409 `decision_conflict` for the id stored with another content, 422 when it breaks a
    rule (the batch's `invalid`, with its code and detail)."""
    (result,) = record_entries(request, [as_decision(decision_id, body, token)], token)
    announce(request)
    if result.code == ProblemCode.DECISION_CONFLICT:
        raise ApiError(409, ProblemCode.DECISION_CONFLICT, result.detail or "")
    if result.status is DecisionStatus.INVALID:
        raise ApiError(
            422,
            result.code or ProblemCode.INVALID_DECISION,
            result.detail or "the decision breaks a rule",
        )
    return DecisionResult(id=result.id, status=result.status)


def record_entries(
    request: Request, decisions: Sequence[ComparisonDecision], token: TokenInfo
) -> list[DecisionResult]:
    """Record decisions on comparisons in one transaction; each one's result, in order."""
    now = settings_of(request).clock()
    outcomes = transact(
        request.app.state.engine,
        lambda connection: record_comparison_decisions(
            connection, decisions, now_ms=now, queues=token.queues
        ),
    )
    counter = request.app.state.metrics.decisions
    results: list[DecisionResult] = []
    for decision, outcome in zip(decisions, outcomes, strict=True):
        if isinstance(outcome, Exception):
            counter.labels(ProblemCode.DECISION_CONFLICT.value).inc()
            results.append(
                DecisionResult(
                    id=decision.id,
                    status=DecisionStatus.INVALID,
                    code=ProblemCode.DECISION_CONFLICT,
                    detail=str(outcome),
                )
            )
        else:
            counter.labels(str(outcome.status)).inc()
            results.append(
                DecisionResult(
                    id=outcome.id, status=outcome.status, code=outcome.code, detail=outcome.detail
                )
            )
    return results
