"""Who is asking: the bearer token, its role, and its rate limit, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reviewdesk.server.database import read
from reviewdesk.server.problems import ApiError
from reviewdesk.server.ratelimit import retry_after
from reviewdesk.server.tokens import TokenInfo, TokenRole, authenticate

bearer = HTTPBearer(auto_error=False, description="A reviewdesk token: `rdk_...`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require(
    *roles: TokenRole,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], TokenInfo]:
    """A dependency that lets through a live token of one of `roles` (an admin always)."""
    allowed = {*roles, TokenRole.ADMIN}
    names = " or ".join(sorted(allowed))

    def dependency(request: Request, credentials: Credentials) -> TokenInfo:
        if credentials is None:
            raise ApiError(
                401, "token_missing", "send a token: Authorization: Bearer rdk_...",
                headers=_CHALLENGE,
            )  # fmt: skip
        engine = request.app.state.engine
        token = read(engine, lambda connection: authenticate(connection, credentials.credentials))
        if token is None:
            raise ApiError(
                401, "token_invalid", "the token is unknown or revoked", headers=_CHALLENGE
            )
        request.state.token_name = token.name
        if token.role not in allowed:
            raise ApiError(
                403, "wrong_role", f"a {token.role} token may not do this (it needs {names})"
            )
        wait = request.app.state.buckets.take(token.id)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                "too many requests with this token; slow down",
                headers={"Retry-After": retry_after(wait)},
            )
        return token

    return dependency


Producer = Annotated[TokenInfo, Depends(require(TokenRole.PRODUCER))]
Reviewer = Annotated[TokenInfo, Depends(require(TokenRole.REVIEWER))]
Admin = Annotated[TokenInfo, Depends(require(TokenRole.ADMIN))]
Watcher = Annotated[TokenInfo, Depends(require(TokenRole.PRODUCER))]


def reviewer_scope(token: TokenInfo) -> str | None:
    """Whose data a token sees: a reviewer their own (their name), an admin everyone's (None)."""
    return None if token.role is TokenRole.ADMIN else token.name
