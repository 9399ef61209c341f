"""API v1 for reviewers: lease items, extend and release leases, send decisions, read the
changes that concern them."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from reviewdesk.domain import ComparisonDecision, Decision
from reviewdesk.protocol.answers import error_lines
from reviewdesk.protocol.screening import field_path, id_problem, text_problem, unfit_values
from reviewdesk.protocol.statuses import (
    DecisionStatus,
    EntryKind,
    LeaseMode,
    ProblemCode,
    TokenRole,
)
from reviewdesk.protocol.v1 import (
    BatchDecisionIn,
    BatchIn,
    BatchOut,
    ChangeOut,
    ChangesOut,
    ComparisonDecisionIn,
    ComparisonDecisionOut,
    DecisionIn,
    DecisionOut,
    DecisionPutIn,
    DecisionResult,
    ExtendIn,
    ExtendOut,
    LeasedComparison,
    LeasedItem,
    LeaseIn,
    LeaseOut,
    LeasesOut,
    LeaseSummaryOut,
    ReleaseOut,
)
from reviewdesk.server.access.auth import Reviewer, reviewer_scope
from reviewdesk.server.access.tokens import (
    TokenInfo,
)
from reviewdesk.server.api import comparisons as comparison_api
from reviewdesk.server.api.common import (
    AUTH_ERRORS,
    IdPath,
    as_time,
    engine_of,
    settings_of,
)
from reviewdesk.server.api.decision_route import DecisionBodyRoute
from reviewdesk.server.api.wakeups import announce
from reviewdesk.server.database import read, transact
from reviewdesk.server.http.problems import ApiError, problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue import leases as lease_ops
from reviewdesk.server.queue.changes import changes_since
from reviewdesk.server.queue.comparison_leases import LeasedComparisonSlot, claim_comparisons
from reviewdesk.server.queue.comparison_views import decision_out
from reviewdesk.server.queue.decisions import DecisionOutcome, record_decisions
from reviewdesk.server.queue.leases import LeaseLostError, LeaseNotFoundError
from reviewdesk.server.queue.policy import load_policies
from reviewdesk.server.settings import ServerSettings
from reviewdesk.store import rows
from reviewdesk.store.comparisons import load_comparison_decisions_by_id

router = APIRouter(prefix="/v1", route_class=ApiRoute)


@router.post(
    "/queues/{queue:path}/leases",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 422),
)
def lease_items(
    request: Request,
    queue: IdPath,
    token: Reviewer,
    body: Annotated[LeaseIn | None, Body()] = None,
) -> LeaseOut:
    """Lease up to `max_items` items of a queue, highest risk first; an empty list: no work.

    An online lease lasts at most the server's online TTL (default 15 minutes) and is kept alive
    with `PATCH /v1/leases/{id}`; an offline lease (a checkout) lasts up to 72 hours.
    """
    settings = settings_of(request)
    body = body or LeaseIn()
    if not token.may_work_on(queue):
        raise ApiError(
            403, ProblemCode.QUEUE_NOT_ALLOWED, f"this token does not work on the queue {queue}"
        )
    if body.mode is LeaseMode.ONLINE:
        ttl_s = min(body.ttl_s or settings.online_ttl_s, settings.online_ttl_s)
    else:
        ttl_s = min(body.ttl_s or settings.offline_default_ttl_s, settings.offline_ttl_s)
    now = settings.clock()
    engine = request.app.state.engine
    priority = request.app.state.priorities.get(
        queue, lambda: read(engine, lambda c: load_policies(c, {queue})).get(queue)
    )
    max_items = min(body.max_items, settings.max_lease_items)

    def claim(connection: Connection) -> tuple[lease_ops.Lease, list[LeasedComparisonSlot]]:
        lease = lease_ops.claim(
            connection,
            reviewer=token.name,
            queue=queue,
            max_items=max_items if EntryKind.ITEM in body.kinds else 0,
            mode=body.mode,
            ttl_ms=ttl_s * 1000,
            now_ms=now,
            priority=priority,
        )
        if EntryKind.COMPARISON not in body.kinds or len(lease.slots) >= max_items:
            return lease, []
        return lease, claim_comparisons(
            connection,
            lease_id=lease.id,
            reviewer=token.name,
            queue=queue,
            max_items=max_items - len(lease.slots),
            mode=str(lease.mode),
            expires_at_ms=lease.expires_at_ms,
            now_ms=now,
            priority=priority,
            lease_stored=bool(lease.slots),
        )

    lease, compared = transact(engine, claim)
    request.app.state.metrics.leased.inc(len(lease.slots) + len(compared))
    return LeaseOut(
        lease_id=lease.id,
        mode=lease.mode,
        queue=lease.queue,
        expires_at=as_time(lease.expires_at_ms),
        server_time=as_time(now),
        items=[
            LeasedItem(
                generation=slot.generation,
                slot=slot.slot,
                epoch=slot.epoch,
                required_reviews=slot.required_reviews,
            )
            for slot in lease.slots
        ],
        comparisons=[
            LeasedComparison(
                comparison=slot.comparison,
                slot=slot.slot,
                epoch=slot.epoch,
                required_reviews=slot.required_reviews,
            )
            for slot in compared
        ],
    )


def _max_ttl_ms(settings: ServerSettings) -> dict[LeaseMode, int]:
    return {
        LeaseMode.ONLINE: settings.online_ttl_s * 1000,
        LeaseMode.OFFLINE: settings.offline_ttl_s * 1000,
    }


@router.get("/leases", tags=["reviewers"], responses=problem_responses(*AUTH_ERRORS))
def list_leases(request: Request, token: Reviewer) -> LeasesOut:
    """The live leases of the token's reviewer (an admin: everyone's)."""
    now = settings_of(request).clock()
    found = read(
        request.app.state.engine,
        lambda connection: lease_ops.live_leases(
            connection, reviewer=reviewer_scope(token), now_ms=now
        ),
    )
    return LeasesOut(
        leases=[
            LeaseSummaryOut(
                lease_id=lease.id,
                reviewer=lease.reviewer,
                queue=lease.queue,
                mode=lease.mode,
                expires_at=as_time(lease.expires_at_ms),
                held=lease.held,
            )
            for lease in found
        ]
    )


@router.patch(
    "/leases/{lease_id}",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 422),
)
def extend_lease(
    request: Request,
    lease_id: IdPath,
    token: Reviewer,
    body: Annotated[ExtendIn | None, Body()] = None,
) -> ExtendOut:
    """Extend a lease to now + TTL (a heartbeat); 409 `lease_lost` when it holds nothing."""
    settings = settings_of(request)
    now = settings.clock()
    ttl_s = None if body is None else body.ttl_s
    try:
        state = transact(
            request.app.state.engine,
            lambda connection: lease_ops.extend(
                connection,
                lease_id=lease_id,
                reviewer=reviewer_scope(token),
                ttl_ms=None if ttl_s is None else ttl_s * 1000,
                max_ttl_ms=_max_ttl_ms(settings),
                now_ms=now,
            ),
        )
    except LeaseNotFoundError as error:
        raise ApiError(404, ProblemCode.LEASE_NOT_FOUND, str(error)) from error
    except LeaseLostError as error:
        raise ApiError(409, ProblemCode.LEASE_LOST, str(error)) from error
    return ExtendOut(
        lease_id=state.id,
        mode=state.mode,
        expires_at=as_time(state.expires_at_ms),
        server_time=as_time(now),
        held=list(state.held),
        lost=list(state.lost),
    )


@router.delete(
    "/leases/{lease_id}",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def release_lease(request: Request, lease_id: IdPath, token: Reviewer) -> ReleaseOut:
    """Give back the lease's undecided items (they go to the next reviewer at once)."""
    now = settings_of(request).clock()
    try:
        released = transact(
            request.app.state.engine,
            lambda connection: lease_ops.release(
                connection, lease_id=lease_id, reviewer=reviewer_scope(token), now_ms=now
            ),
        )
    except LeaseNotFoundError as error:
        raise ApiError(404, ProblemCode.LEASE_NOT_FOUND, str(error)) from error
    return ReleaseOut(lease_id=lease_id, released=list(released))


def _decision(decision_id: str, body: DecisionIn, token: TokenInfo) -> Decision:
    if body.reviewer is not None and body.reviewer != token.name and token.role != TokenRole.ADMIN:
        raise ApiError(
            422,
            ProblemCode.REVIEWER_MISMATCH,
            f"the token is {token.name}'s; a decision of {body.reviewer} cannot be sent with it",
        )
    data: dict[str, Any] = body.model_dump(exclude={"reviewer"})
    data["id"] = decision_id
    data["reviewer"] = body.reviewer or token.name
    try:
        return Decision.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, *_refusal(error)) from error


def _refusal(error: ValidationError) -> tuple[ProblemCode, str]:
    """The problem code and detail of a decision that does not read: `invalid_answers` when
    only its answers are amiss (one line per question), else `invalid_decision`."""
    lines = error_lines(error.errors(include_url=False))
    only_answers = all(line.startswith("answers") for line in lines)
    code = ProblemCode.INVALID_ANSWERS if only_answers else ProblemCode.INVALID_DECISION
    return code, "; ".join(lines)


def _record(
    request: Request, decisions: list[Decision], token: TokenInfo
) -> list[DecisionOutcome | Exception]:
    now = settings_of(request).clock()
    recorded = transact(
        request.app.state.engine,
        lambda connection: record_decisions(connection, decisions, now_ms=now, queues=token.queues),
    )
    announce(request, deliveries=recorded.deliveries > 0)
    counter = request.app.state.metrics.decisions
    conflict = ProblemCode.DECISION_CONFLICT.value
    counted = Counter(
        conflict if isinstance(outcome, Exception) else str(outcome.status)
        for outcome in recorded.outcomes
    )
    for status, count in counted.items():  # one look-up of each label, not one per decision
        counter.labels(status).inc(count)
    return list(recorded.outcomes)


def put_decision(
    request: Request, decision_id: IdPath, body: DecisionPutIn, token: Reviewer
) -> DecisionResult:
    """Record one decision; idempotent by id (the same body again: `duplicate`; another body
    under the same id: 409 `decision_conflict`). The status says how it counted.

    A body naming a `comparison_id` is a decision on a comparison (with a `preference`), read
    by the rules of a comparison's entry in the batch."""
    if isinstance(body, ComparisonDecisionIn):
        return comparison_api.put_decision(request, decision_id, body, token)
    decision = _decision(decision_id, body, token)
    (outcome,) = _record(request, [decision], token)
    if isinstance(outcome, Exception):
        raise ApiError(409, ProblemCode.DECISION_CONFLICT, str(outcome))
    if outcome.status is DecisionStatus.INVALID:
        raise ApiError(
            422,
            outcome.code or ProblemCode.INVALID_DECISION,
            outcome.detail or "the decision breaks a rule",
        )
    return DecisionResult(id=outcome.id, status=outcome.status.value)


router.add_api_route(
    "/decisions/{decision_id:path}",
    put_decision,
    methods=["PUT"],
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 409, 422),
    route_class_override=DecisionBodyRoute,
)


@router.post(
    "/decisions/batch",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 413, 422),
)
def post_decisions(request: Request, body: BatchIn, token: Reviewer) -> BatchOut:
    """Record up to 200 decisions in one transaction, each with its own status; a decision
    that breaks a rule is `invalid` (with a `code`) and the others are still recorded."""
    settings = settings_of(request)
    if len(body.decisions) > settings.max_decisions_per_call:
        raise ApiError(
            413,
            ProblemCode.BATCH_TOO_LARGE,
            f"{len(body.decisions)} decisions: send at most "
            f"{settings.max_decisions_per_call} a call",
        )
    results: list[DecisionResult | None] = []
    valid: list[tuple[int, Decision]] = []
    compared: list[tuple[int, ComparisonDecision]] = []
    for index, raw in enumerate(body.decisions):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        shown_id = raw_id if isinstance(raw_id, str) and text_problem(raw_id) is None else None
        refused = _unfit_entry(raw) or comparison_api.item_entry_problem(raw)
        if refused is None and comparison_api.is_comparison_entry(raw):
            entry = comparison_api.read_entry(raw, token)
            if isinstance(entry, ComparisonDecision):
                compared.append((index, entry))
                results.append(None)
            else:
                results.append(entry)
            continue
        if refused is not None:
            results.append(
                DecisionResult(
                    id=shown_id,
                    status=DecisionStatus.INVALID,
                    code=ProblemCode.INVALID_DECISION,
                    detail=refused,
                )
            )
            continue
        try:
            parsed = BatchDecisionIn.model_validate(raw)
            valid.append((index, _decision(parsed.id, parsed, token)))
            results.append(None)
        except ValidationError as error:
            code, detail = _refusal(error)
            results.append(
                DecisionResult(id=shown_id, status=DecisionStatus.INVALID, code=code, detail=detail)
            )
        except ApiError as error:
            results.append(
                DecisionResult(
                    id=shown_id, status=DecisionStatus.INVALID, code=error.code, detail=error.detail
                )
            )
    outcomes = _record(request, [decision for _, decision in valid], token) if valid else []
    for (index, decision), outcome in zip(valid, outcomes, strict=True):
        if isinstance(outcome, Exception):
            results[index] = DecisionResult(
                id=decision.id,
                status=DecisionStatus.INVALID,
                code=ProblemCode.DECISION_CONFLICT,
                detail=str(outcome),
            )
        else:
            results[index] = DecisionResult(
                id=outcome.id, status=outcome.status.value, code=outcome.code, detail=outcome.detail
            )
    if compared:
        found = comparison_api.record_entries(request, [d for _, d in compared], token)
        for (index, _), result in zip(compared, found, strict=True):
            results[index] = result
        announce(request)
    return BatchOut(results=[result for result in results if result is not None])


def _unfit_entry(raw: Any) -> str | None:
    """Why a batch entry is refused before it is read as a decision (None: it is not)."""
    if not isinstance(raw, dict):
        return "decision: expected an object"
    unfit = unfit_values(raw)
    if unfit:
        return "; ".join(f"{field_path(found.loc)}: {found.message}" for found in unfit)
    raw_id = raw.get("id")
    problem = id_problem(raw_id) if isinstance(raw_id, str) else None
    return None if problem is None else f"id: {problem}"


@router.get(
    "/decisions/{decision_id:path}",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def get_decision(
    request: Request, decision_id: IdPath, token: Reviewer
) -> DecisionOut | ComparisonDecisionOut:
    """A decision the token's reviewer made (an admin: anyone's), on an item or on a comparison
    (with `comparison_id` and `preference`)."""

    def load(connection: Connection) -> Decision | ComparisonDecision | None:
        found = rows.load_decision(connection, decision_id)
        if found is not None:
            return found
        return load_comparison_decisions_by_id(connection, [decision_id]).get(decision_id)

    decision = read(engine_of(request), load)
    scope = reviewer_scope(token)
    if decision is None or (scope is not None and decision.reviewer != scope):
        raise ApiError(
            404, ProblemCode.DECISION_NOT_FOUND, f"there is no decision {decision_id} of yours"
        )
    if isinstance(decision, ComparisonDecision):
        return decision_out(decision)
    data = decision.model_dump()
    data["reasons"] = list(decision.reasons)
    return DecisionOut.model_validate(data)


@router.get("/changes", tags=["reviewers"], responses=problem_responses(*AUTH_ERRORS, 422))
def get_changes(
    request: Request,
    token: Reviewer,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    kinds: Annotated[list[EntryKind] | None, Query()] = None,
) -> ChangesOut:
    """What changed for the token's reviewer after the cursor `since` (an admin: everything):
    leases revoked, slots filled by others, items withdrawn. Pass `next` back as `since`.
    Changes to comparisons too when `kinds` names `comparison` (each with `entry`), as a lease
    takes them: a client that asks for items only is never sent a comparison's id."""
    comparisons = kinds is not None and EntryKind.COMPARISON in kinds
    entries = read(
        request.app.state.engine,
        lambda connection: changes_since(
            connection,
            since,
            reviewer=reviewer_scope(token),
            limit=limit,
            comparisons=comparisons,
        ),
    )
    return ChangesOut(
        changes=[
            ChangeOut(
                seq=entry.seq,
                kind=entry.kind,
                item_id=entry.item_id,
                lease_id=entry.lease_id,
                epoch=entry.epoch,
                at=as_time(entry.at_ms),
                entry=EntryKind(entry.entry),
            )
            for entry in entries
        ],
        next=entries[-1].seq if entries else since,
    )
