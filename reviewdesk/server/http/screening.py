"""Screening a request before FastAPI reads it: its path and query parameters and its JSON body
hold only what API v1 takes (`reviewdesk.protocol.screening`).

Such input would otherwise reach a database driver and fail there (PostgreSQL refuses NUL in
text, no encoding holds a lone surrogate, a 64-bit column no larger number). Each unfit value
comes back as a validation error naming where it is (`body.items[3].output`, `query.model`).

The two batch endpoints take each entry on its own: their entries are screened by the endpoint,
so one bad entry is answered `invalid` while the others are still taken.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from reviewdesk.protocol.screening import MAX_DEPTH, text_problem, unfit_values

PER_ENTRY = {"/v1/items": "items", "/v1/decisions/batch": "decisions"}
"""The batch endpoints (by route path) and the body field whose entries each screens itself."""


def _error(loc: tuple[str | int, ...], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "unfit_value", "input": None}


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type")
    if not kind:
        return True
    main = kind.split(";", 1)[0].strip().lower()
    return main == "application/json" or (
        main.startswith("application/") and main.endswith("+json")
    )


async def unfit_request(request: Request, entries: str | None) -> list[dict[str, Any]]:
    """The request's unfit values as validation errors (empty: nothing unfit).

    Args:
        entries: the body field whose list entries are left to the endpoint, if any.
    """
    errors = [
        _error(("path", name), problem)
        for name, value in request.path_params.items()
        if isinstance(value, str) and (problem := text_problem(value)) is not None
    ]
    errors += [
        _error(("query", name), problem)
        for name, value in request.query_params.multi_items()
        if (problem := text_problem(value) or text_problem(name)) is not None
    ]
    if request.method in ("GET", "HEAD", "DELETE") and not request.headers.get("content-length"):
        return errors
    body = await request.body()
    if not body or not _is_json(request):
        return errors
    try:
        document = await request.json()
    except RecursionError:
        return [*errors, _error(("body",), f"nests deeper than {MAX_DEPTH} levels")]
    except ValueError:
        return errors  # not JSON: FastAPI answers that itself
    if (
        entries is not None
        and isinstance(document, dict)
        and isinstance(document.get(entries), list)
    ):
        document = {key: value for key, value in document.items() if key != entries}
    errors += [_error(("body", *unfit.loc), unfit.message) for unfit in unfit_values(document)]
    return errors
