"""API v1's review forms: an admin sets a queue's form; anyone who may see the queue reads it
(the desk pulls it at checkout and sync)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from reviewdesk.domain import Form
from reviewdesk.domain.models import MAX_COUNT
from reviewdesk.errors import FormError, StoreError
from reviewdesk.protocol import TokenRole
from reviewdesk.protocol.statuses import ProblemCode
from reviewdesk.protocol.v1 import FormBody, FormOut
from reviewdesk.server.access.auth import Admin, require
from reviewdesk.server.access.tokens import TokenInfo
from reviewdesk.server.api.common import AUTH_ERRORS, IdPath, as_time, engine_of, now_of
from reviewdesk.server.database import read, transact
from reviewdesk.server.http.problems import ApiError, problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue.forms import StoredForm, load_form, save_form
from reviewdesk.store import rows

router = APIRouter(prefix="/v1", route_class=ApiRoute)

Anyone = Annotated[TokenInfo, Depends(require(TokenRole.PRODUCER, TokenRole.REVIEWER))]
"""A producer, reviewer or admin token."""


def _out(stored: StoredForm) -> FormOut:
    form = stored.form
    assert form.version is not None  # a stored form has its version
    return FormOut(
        queue=stored.queue,
        version=form.version,
        guidelines=form.guidelines,
        questions=form.definition().get("questions", []),
        created_at=stored.created_at,
    )


@router.put(
    "/queues/{queue:path}/form",
    tags=["admin"],
    responses=problem_responses(*AUTH_ERRORS, 409, 422),
)
def put_form(request: Request, queue: IdPath, body: FormBody, token: Admin) -> FormOut:
    """Set a queue's review form: guidelines (Markdown) and questions, as in a form file.

    Every version is kept (decisions name the version they answered). `version` left out takes
    the next one; the same form again changes nothing. A form that breaks a rule is 422
    `invalid_form`, naming the question; a version below the current one (or the current one
    with another form) is 409 `form_version_conflict`.
    """
    try:
        form = Form.from_data(body.model_dump(exclude_none=True), source="form")
    except FormError as error:
        raise ApiError(422, ProblemCode.INVALID_FORM, "; ".join(error.problems)) from error
    created_at = rows.time_text(as_time(now_of(request)))
    try:
        stored = transact(
            engine_of(request),
            lambda connection: save_form(connection, queue, form, created_at=created_at),
        )
    except StoreError as error:
        raise ApiError(409, ProblemCode.FORM_VERSION_CONFLICT, str(error)) from error
    return _out(stored)


@router.get(
    "/queues/{queue:path}/form",
    tags=["reviewers"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def get_form(
    request: Request,
    queue: IdPath,
    token: Anyone,
    version: Annotated[int | None, Query(ge=1, le=MAX_COUNT)] = None,
) -> FormOut:
    """A queue's review form (its current version, or `version`); 404 `form_not_found` when it
    has none. A reviewer token limited to some queues reads only theirs."""
    if token.role is TokenRole.REVIEWER and not token.may_work_on(queue):
        raise ApiError(
            403, ProblemCode.QUEUE_NOT_ALLOWED, f"this token does not work on the queue {queue}"
        )
    stored = read(engine_of(request), lambda connection: load_form(connection, queue, version))
    if stored is None:
        which = "a review form" if version is None else f"a form version {version}"
        raise ApiError(404, ProblemCode.FORM_NOT_FOUND, f"the queue {queue} has no {which}")
    return _out(stored)
