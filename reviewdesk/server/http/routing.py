"""The route class of every API v1 endpoint: the token check and the answer's JSON on the
endpoint's own worker thread.

FastAPI runs a sync dependency, a sync endpoint and the validation of a sync endpoint's return
value in three separate hand-offs to its thread pool; on a busy server those hand-offs (and
the event loop's work to make them) cost as much CPU as the endpoint's SQL. `ApiRoute` wraps
each endpoint so that one hand-off does all three: it resolves the request's `PendingToken`s
(see `auth`), calls the endpoint, and turns the pydantic model it returns into the JSON
response. The model was validated when it was built, so the answer is the same document
FastAPI would have made; the OpenAPI schema still comes from the endpoint's signature.

Before FastAPI reads a request, the route screens it (`screening`): a NUL, a lone surrogate, a
number past 64 bits or a body nested too deep is answered 422 naming the field, once the
request's token has passed (auth errors come first, as for every 422).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from reviewdesk.protocol import TokenRole
from reviewdesk.server.access.auth import (
    PendingToken,
    bearer_secret,
    pending_token,
    roles_required,
)
from reviewdesk.server.http.screening import PER_ENTRY, unfit_request


def _resolved(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.resolve() if isinstance(value, PendingToken) else value
        for name, value in arguments.items()
    }


def _in_one_hop(
    endpoint: Callable[..., Any], status_code: int | None, *, own_model: bool
) -> Callable[..., Any]:
    if getattr(endpoint, "_in_one_hop", False):
        return endpoint  # a route copied from an included router
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def run_async(**arguments: Any) -> Any:
            resolved = dict(arguments)
            for name, value in arguments.items():
                if isinstance(value, PendingToken):
                    resolved[name] = await run_in_threadpool(value.resolve)
            return await endpoint(**resolved)

        run_async._in_one_hop = True  # type: ignore[attr-defined]
        return run_async

    returned = get_typed_return_annotation(endpoint)
    is_model = own_model and isinstance(returned, type) and issubclass(returned, BaseModel)
    model = returned if is_model else None

    @functools.wraps(endpoint)
    def run(**arguments: Any) -> Any:
        result = endpoint(**_resolved(arguments))
        if model is not None and type(result) is model:
            return Response(
                result.model_dump_json(by_alias=True),
                status_code=status_code or 200,
                media_type="application/json",
            )
        return result

    run._in_one_hop = True  # type: ignore[attr-defined]
    return run


class ApiRoute(APIRoute):
    """An `APIRoute` whose endpoint checks its token and serialises its answer on one worker
    thread (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # An explicit response_model may differ from what the endpoint returns: FastAPI
        # converts those answers itself.
        own_model = isinstance(kwargs.get("response_model"), DefaultPlaceholder | None)
        wrapped = _in_one_hop(endpoint, kwargs.get("status_code"), own_model=own_model)
        super().__init__(path, wrapped, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()
        entries = PER_ENTRY.get(self.path)
        roles = _roles(self.dependant)

        async def screened(request: Request) -> Any:
            errors = await unfit_request(request, entries)
            if errors:
                if roles is not None:
                    pending_token(request, bearer_secret(request), *roles)
                raise RequestValidationError(errors)
            return await handler(request)

        return screened


def _roles(dependant: Dependant) -> tuple[frozenset[TokenRole], str] | None:
    """The roles the route's token dependency lets in (None: the route needs no token)."""
    for dependency in dependant.dependencies:
        roles = roles_required(dependency.call) or _roles(dependency)
        if roles is not None:
            return roles
    return None
