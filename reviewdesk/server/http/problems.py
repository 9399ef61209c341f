"""Errors as `application/problem+json` (RFC 9457) with a stable `code` clients can switch on.

The codes and the statuses they come with are `reviewdesk.protocol.ProblemCode`'s; a 500
(`internal_error`) is a bug.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from reviewdesk.errors import ReviewdeskError
from reviewdesk.protocol.answers import error_lines
from reviewdesk.protocol.screening import field_path
from reviewdesk.protocol.statuses import ProblemCode
from reviewdesk.protocol.v1 import Problem
from reviewdesk.server.database import DatabaseBusyError

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://reviewdesk.dev/problems/"


class ApiError(ReviewdeskError):
    """An error answered as a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors


class BodyTooLargeError(ReviewdeskError):
    """The request body passed the server's limit while it was read."""


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    request_id = None if request is None else getattr(request.state, "request_id", None)
    body = Problem(
        type=TYPE_BASE + code,
        title=HTTPStatus(status).phrase,
        status=status,
        code=code,
        detail=detail,
        request_id=request_id,
        errors=errors,
    )
    return Response(
        orjson.dumps(body.model_dump(exclude_none=True)),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


_HTTP_CODES = {
    404: ProblemCode.NOT_FOUND,
    405: ProblemCode.METHOD_NOT_ALLOWED,
    401: ProblemCode.TOKEN_MISSING,
}


def _plain(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error the app raises as a problem document."""

    async def on_api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return problem_response(
            request, error.status, error.code, error.detail, headers=error.headers,
            errors=error.errors,
        )  # fmt: skip

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        pending = getattr(request.state, "pending_token", None)
        if pending is not None:  # the token is checked first (see auth); it may raise ApiError
            try:
                await run_in_threadpool(pending.resolve)
            except ApiError as refused:
                return await on_api_error(request, refused)
            except DatabaseBusyError as busy:
                return await on_busy(request, busy)
        found = list(error.errors())
        answers = [e for e in found if tuple(e.get("loc", ()))[:2] == ("body", "answers")]
        if answers and len(answers) == len(found):  # a decision's answers: one line a question
            return problem_response(
                request,
                422,
                ProblemCode.INVALID_ANSWERS,
                "; ".join(error_lines(answers, prefix=("body",))),
                errors=_plain(found),
            )
        named = "; ".join(
            f"{field_path(e.get('loc', ())) or 'the request'}: {e.get('msg', '')}"
            for e in found[:3]
        )
        return problem_response(
            request,
            422,
            ProblemCode.INVALID_REQUEST,
            f"the request does not match the API's schema: {named}"
            if named
            else "the request does not match the API's schema",
            errors=_plain(found),
        )

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if isinstance(error.__cause__, BodyTooLargeError):  # FastAPI wraps it while parsing
            return await on_too_large(request, error.__cause__)
        code = _HTTP_CODES.get(error.status_code, f"http_{error.status_code}")
        return problem_response(
            request, error.status_code, code, str(error.detail), headers=error.headers
        )

    async def on_busy(request: Request, error: Exception) -> Response:
        logger.warning("database busy: %s", error)
        return problem_response(
            request,
            503,
            ProblemCode.DATABASE_BUSY,
            "the database is busy; try again shortly",
            headers={"Retry-After": "1"},
        )

    async def on_too_large(request: Request, _error: Exception) -> Response:
        return problem_response(
            request,
            413,
            ProblemCode.BODY_TOO_LARGE,
            "the request body is larger than the server takes",
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(DatabaseBusyError, on_busy)
    app.add_exception_handler(PoolTimeoutError, on_busy)
    app.add_exception_handler(BodyTooLargeError, on_too_large)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting these error statuses as problem documents."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
