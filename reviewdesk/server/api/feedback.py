"""API v1's feedback endpoints: statistics, routing advice and dataset exports.

They call `reviewdesk.stats` and `reviewdesk.export` on the server's engine, the same code the
desk and the command line run on a local store: there is no second implementation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, ValidationError
from sqlalchemy.engine import Engine

from reviewdesk.domain import Verdict
from reviewdesk.domain.models import MAX_COUNT, as_utc
from reviewdesk.export import ExportError, ExportFormat, ExportOptions, Filters, stream_export
from reviewdesk.protocol.statuses import EntryKind, ProblemCode
from reviewdesk.server.access.auth import Admin, Watcher
from reviewdesk.server.database import read
from reviewdesk.server.http.problems import ApiError, problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue.policy import unreviewed_counts
from reviewdesk.stats import (
    GroupKey,
    StatsInputError,
    Unit,
    grouped_stats,
    left_out,
    parse_keys,
    question_report,
    routing_advice,
    routing_document,
)
from reviewdesk.stats.answers import QUESTION_KEYS
from reviewdesk.stats.comparisons import comparison_stats
from reviewdesk.store import Resolution

router = APIRouter(prefix="/v1", route_class=ApiRoute)

_ERRORS = (401, 403, 422, 429, 503)
_GROUP_BY = (
    "KEY[,KEY]: prompt_version, template, model, route, queue, validator, reviewer, day, week"
)
_QUESTION = "A review form question's key: the distribution of its answers instead of verdicts"
_KIND = "item (verdicts) or comparison (preferences: wins, ties, ratings, position bias)"
_STREAMED = {"schema": {"type": "string"}}
Many = Annotated[list[str] | None, Query()]
Moment = Annotated[datetime, AfterValidator(as_utc)]
"""A time from 1970 to the year 9999 (in UTC), like every time the API takes."""


@router.get("/stats", tags=["feedback"], responses=problem_responses(*_ERRORS))
def get_stats(
    request: Request,
    token: Watcher,
    group_by: Annotated[str | None, Query(description=_GROUP_BY)] = None,
    policy: Resolution | None = None,
    unit: Unit = Unit.ITEMS,
    adjudicator: Many = None,
    question: Annotated[str | None, Query(description=_QUESTION)] = None,
    kind: Annotated[EntryKind, Query(description=_KIND)] = EntryKind.ITEM,
) -> dict[str, Any]:
    """Approve / edit / reject counts and rates with Wilson 95% intervals, acceptance, edit
    severity and the reason mix, grouped as `reviewdesk stats --by` groups them (by default
    `prompt_version`): by default each item once (its resolved label); `unit=labels` each
    reviewer's latest label, intervals clustered by item. `left_out` says how many decided
    items the policy left out, and why. With `question`, a review form question's answers
    instead (as `reviewdesk stats --question`; not grouped unless `group_by` is given), with
    its calibration against the verdict and its agreement. With `kind=comparison`, the
    statistics of pairwise review instead, as `reviewdesk compare-models` shows them."""
    if kind is EntryKind.COMPARISON:
        return _comparison_stats(request.app.state.engine, group_by, question, adjudicator)
    if policy is None:
        policy = Resolution.LATEST if unit is Unit.LABELS else Resolution.RESOLVED
    try:
        if group_by is not None:
            keys = parse_keys(group_by)
        else:
            keys = parse_keys("prompt_version") if question is None else ()
    except StatsInputError as error:
        raise ApiError(422, ProblemCode.INVALID_GROUP_BY, str(error)) from error
    engine: Engine = request.app.state.engine
    adjudicators = tuple(adjudicator or ())
    if question is not None:
        return _question_stats(engine, question, keys, policy, adjudicators, unit)
    try:
        groups = grouped_stats(engine, keys, policy, adjudicators, unit=unit)
    except StatsInputError as error:  # the labels unit with another policy than latest
        raise ApiError(422, ProblemCode.INVALID_REQUEST, str(error)) from error
    unreviewed = read(engine, unreviewed_counts)
    return {
        "group_by": [str(key) for key in keys],
        "policy": str(policy),
        "unit": str(unit),
        "groups": [group.model_dump(mode="json") for group in groups],
        "left_out": left_out(engine, policy, adjudicators).model_dump(mode="json"),
        # Items a queue's review policy auto-approved: no label, so not in the rates above.
        "unreviewed": {"auto_approved": sum(unreviewed.values()), "by_queue": unreviewed},
    }


def _comparison_stats(
    engine: Engine, group_by: str | None, question: str | None, adjudicator: list[str] | None
) -> dict[str, Any]:
    """Wins, ties and losses per model pair, Bradley-Terry ratings, position bias and
    agreement over the comparisons (each comparison once; reviewers' latest preferences)."""
    for name, given in (("group_by", group_by), ("question", question)):
        if given is not None:
            raise ApiError(
                422,
                ProblemCode.INVALID_REQUEST,
                f"{name}: the statistics of comparisons are by model pair; they take no {name}",
            )
    adjudicators = tuple(adjudicator or ())
    stats = read(engine, lambda connection: comparison_stats(connection, adjudicators=adjudicators))
    return {"kind": str(EntryKind.COMPARISON), **stats.to_json()}


def _question_stats(
    engine: Engine,
    question: str,
    keys: tuple[GroupKey, ...],
    policy: Resolution,
    adjudicators: tuple[str, ...],
    unit: Unit,
) -> dict[str, Any]:
    wrong = [str(key) for key in keys if key not in QUESTION_KEYS]
    if wrong:
        raise ApiError(
            422,
            ProblemCode.INVALID_GROUP_BY,
            f"group_by: a question's answers do not group by {', '.join(wrong)} "
            "(flags are not answers)",
        )
    if unit is Unit.LABELS and policy is not Resolution.LATEST:
        raise ApiError(
            422,
            ProblemCode.INVALID_REQUEST,
            f"unit: the labels unit counts each reviewer's latest answer: it takes no {policy} "
            "policy",
        )
    try:
        report = question_report(engine, question, keys, policy, adjudicators, unit=unit)
    except StatsInputError as error:  # no form asks it, or forms ask it as different kinds
        raise ApiError(
            422,
            ProblemCode.INVALID_REQUEST,
            f"question: {error}",
            errors=[{"loc": ["query", "question"], "message": str(error), "type": "value_error"}],
        ) from error
    return {
        "question": question,
        "group_by": [str(key) for key in keys],
        "policy": str(policy),
        "unit": str(unit),
        **report.model_dump(mode="json"),
    }


@router.get("/routing", tags=["feedback"], responses=problem_responses(*_ERRORS))
def get_routing(
    request: Request,
    token: Watcher,
    target: Annotated[float, Query(gt=0.0, lt=1.0)] = 0.9,
    policy: Resolution = Resolution.RESOLVED,
) -> dict[str, Any]:
    """The routing table (`routing.json`): per route, the cheapest model whose acceptance lower
    bound meets `target`, or "not enough data". Costs come from the items' recorded usage."""
    engine: Engine = request.app.state.engine
    return routing_document(routing_advice(engine, policy, target=target))


_MEDIA = {ExportFormat.CSV: "text/csv; charset=utf-8"}


@router.get(
    "/export",
    tags=["feedback"],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/x-ndjson": _STREAMED, "text/csv": _STREAMED}},
        **problem_responses(*_ERRORS),
    },
)
def get_export(
    request: Request,
    token: Admin,
    format: ExportFormat,
    policy: Resolution | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    queue: Many = None,
    model: Many = None,
    template: Many = None,
    prompt_version: Many = None,
    route: Many = None,
    verdict: Annotated[list[Verdict] | None, Query()] = None,
    reviewer: Many = None,
    redact: bool = False,
    limit: Annotated[int | None, Query(ge=0, le=MAX_COUNT)] = None,
) -> StreamingResponse:
    """A dataset export, streamed as it is read (JSON lines, or CSV): the formats, filters and
    defaults of `reviewdesk export` (training formats: one row per item, its resolved label;
    `policy=latest` for a row per reviewer's label)."""
    try:
        options = ExportOptions(
            format=format,
            policy=policy,
            filters=Filters(
                since=since,
                until=until,
                queues=tuple(queue or ()),
                models=tuple(model or ()),
                templates=tuple(template or ()),
                versions=tuple(prompt_version or ()),
                routes=tuple(route or ()),
                verdicts=tuple(verdict or ()),
                reviewers=tuple(reviewer or ()),
            ),
            redact=redact,
            limit=limit,
        )
    except (ValidationError, ExportError) as error:
        raise ApiError(422, ProblemCode.INVALID_EXPORT, str(error)) from error
    engine: Engine = request.app.state.engine

    def body() -> Iterator[bytes]:
        with engine.connect() as connection:
            yield from stream_export(connection, options)

    return StreamingResponse(body(), media_type=_MEDIA.get(format, "application/x-ndjson"))
