"""The route class of `PUT /v1/decisions/{id}`, whose body is a decision on an item or on a
comparison (`reviewdesk.protocol.v1.DecisionPutIn`).

Pydantic reads such a body with the one model its `comparison_id` picks, and puts that model's
tag in each error's location (`body.comparison.preference`). This route takes the tag out again,
so that a problem names the body's field as for any other body (`body.preference`), and says why
a field of the other kind is refused (a `verdict` sent on a comparison, a `preference` on an
item) where pydantic would only call it an unknown field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from reviewdesk.protocol.v1 import DECISION_KIND_TAGS, MIXED_FIELDS
from reviewdesk.server.http.routing import ApiRoute


def untagged(error: Any) -> Any:
    """A validation error of a `DecisionPutIn` body without the model's tag in its location."""
    loc = tuple(error.get("loc", ()))
    if len(loc) < 2 or loc[0] != "body" or loc[1] not in DECISION_KIND_TAGS:
        return error
    found = {**error, "loc": (loc[0], *loc[2:])}
    mixed = MIXED_FIELDS.get((str(loc[1]), str(loc[2]))) if len(loc) == 3 else None
    if mixed is not None and error.get("type") == "extra_forbidden":
        found["msg"] = mixed
    return found


class DecisionBodyRoute(ApiRoute):
    """An `ApiRoute` whose body's validation errors name the field without the model's tag."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Any:
            try:
                return await handler(request)
            except RequestValidationError as error:
                errors = [untagged(found) for found in error.errors()]
                raise RequestValidationError(errors, body=error.body) from error

        return run
