"""API v1's prompt templates: the text behind each template version.

- `PUT /v1/templates/{name}/{version}`: a producer (or admin) token stores a version's text. The
  producer is who deploys prompts and pushes the items that name them (items may carry the text
  too, `prompt_template_text`), so it may also register the text up front. The same text again
  is `unchanged`; another text for a stored version is 409 `template_conflict` unless
  `"replace": true`.
- `GET /v1/templates` and `GET /v1/templates/{name}/{version}`: any token. A reviewer token
  limited to some queues sees only the versions that items of those queues name. The desk asks
  for the texts its held items' versions lack, one version at a time, at checkout and sync (so
  an offline desk can show them); the list counts every item (a pass over the items), for
  people and tools, not for every sync step.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection

from reviewdesk.domain.templates import PromptTemplate
from reviewdesk.errors import TemplateConflictError
from reviewdesk.protocol import TokenRole
from reviewdesk.protocol.statuses import ProblemCode, TemplateOutcome
from reviewdesk.protocol.v1 import TemplateBody, TemplateOut, TemplatesOut, TemplateSummaryOut
from reviewdesk.server.access.auth import Producer, require
from reviewdesk.server.access.tokens import TokenInfo
from reviewdesk.server.api.common import AUTH_ERRORS, IdPath, as_time, engine_of, now_of
from reviewdesk.server.database import read, transact
from reviewdesk.server.http.problems import ApiError, problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.store import rows
from reviewdesk.store.templates import (
    add_template,
    list_templates,
    load_template,
    named_in_queues,
)

router = APIRouter(prefix="/v1", route_class=ApiRoute)

Anyone = Annotated[TokenInfo, Depends(require(TokenRole.PRODUCER, TokenRole.REVIEWER))]
"""A producer, reviewer or admin token."""


def _out(template: PromptTemplate, outcome: TemplateOutcome | None = None) -> TemplateOut:
    return TemplateOut(
        name=template.name,
        version=template.version,
        text=template.text,
        sha256=template.sha256,
        added_at=template.added_at,
        source=template.source,
        mismatches=template.mismatches,
        outcome=outcome,
    )


def _queues(token: TokenInfo) -> tuple[str, ...] | None:
    """The queues whose templates the token may see (None: all)."""
    return token.queues if token.role is TokenRole.REVIEWER else None


@router.put(
    "/templates/{name}/{version}",
    tags=["producers"],
    responses=problem_responses(*AUTH_ERRORS, 409, 413, 422),
)
def put_template(
    request: Request, name: IdPath, version: IdPath, body: TemplateBody, token: Producer
) -> TemplateOut:
    """Store the text of prompt template `name` at `version`. The same text again changes
    nothing (`outcome: unchanged`); another text for a stored version is 409
    `template_conflict`, unless `replace` is true (`outcome: replaced`)."""
    added_at = rows.time_text(as_time(now_of(request)))

    def work(connection: Connection) -> tuple[PromptTemplate, TemplateOutcome]:
        added = add_template(
            connection, name, version, body.text, added_at=added_at, source="api",
            replace=body.replace,
        )  # fmt: skip
        stored = load_template(connection, name, version)
        assert stored is not None  # just written, in this transaction
        return stored, TemplateOutcome(added.value)

    try:
        stored, outcome = transact(engine_of(request), work)
    except TemplateConflictError as error:
        raise ApiError(409, ProblemCode.TEMPLATE_CONFLICT, str(error)) from error
    return _out(stored, outcome)


@router.get("/templates", tags=["reviewers"], responses=problem_responses(*AUTH_ERRORS))
def get_templates(request: Request, token: Anyone) -> TemplatesOut:
    """Every template version the server has a text for or an item names, with how many items
    name it and its text's SHA-256 (None: no text)."""
    queues = _queues(token)
    uses = read(engine_of(request), lambda connection: list_templates(connection, queues))
    return TemplatesOut(
        templates=[
            TemplateSummaryOut(
                name=use.name,
                version=use.version,
                items=use.items,
                sha256=use.sha256,
                added_at=use.added_at,
                source=use.source,
                mismatches=use.mismatches,
            )
            for use in uses
        ]
    )


@router.get(
    "/templates/{name}/{version}",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def get_template(request: Request, name: IdPath, version: IdPath, token: Anyone) -> TemplateOut:
    """The text of `name`@`version`; 404 `template_not_found` when the server has none (or,
    for a reviewer token limited to some queues, when no item of theirs names it)."""
    queues = _queues(token)

    def work(connection: Connection) -> PromptTemplate | None:
        if queues is not None and not named_in_queues(connection, name, version, queues):
            return None
        return load_template(connection, name, version)

    found = read(engine_of(request), work)
    if found is None:
        raise ApiError(
            404, ProblemCode.TEMPLATE_NOT_FOUND, f"no text is stored for {name}@{version}"
        )
    return _out(found)
