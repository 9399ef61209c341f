"""Who is asking: the bearer token, its role, and its rate limit, as FastAPI dependencies.

The dependency itself does no I/O: it only takes the token from the header (401 when there is
none) and hands the endpoint a `PendingToken`. The route (`routing.ApiRoute`) resolves it — the
database lookup, 401 for an unknown or revoked token, 403 for a wrong role, 429 past the rate
limit — on the worker thread that then runs the endpoint, before the endpoint's own code: one
thread hand-off per request instead of two. The token is looked up on every request (revoking
one takes effect at the next request, in every server process). Failed checks are counted per
client address: past `auth_failure_burst` (refilled at `auth_failures_per_s`) the address is
answered 429 without a look at its tokens. A request that fails FastAPI's
validation is answered 422 only once its token has passed (`problems.install_problem_handlers`),
so auth errors still come first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reviewdesk.protocol import TokenRole
from reviewdesk.protocol.statuses import ProblemCode
from reviewdesk.server.access.ratelimit import retry_after
from reviewdesk.server.access.tokens import TokenInfo, authenticate
from reviewdesk.server.http.problems import ApiError

bearer = HTTPBearer(auto_error=False, description="A reviewdesk token: `rdk_...`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class PendingToken:
    """A request's bearer token, not checked yet; `resolve` checks it (once)."""

    def __init__(
        self, request: Request, secret: str, allowed: frozenset[TokenRole], names: str
    ) -> None:
        self._request = request
        self._secret = secret
        self._allowed = allowed
        self._names = names
        self._token: TokenInfo | None = None

    def resolve(self) -> TokenInfo:
        """The live token, of an allowed role, within its rate limit (blocking: a worker thread).

        Raises:
            ApiError: 401 unknown or revoked, 403 wrong role, 429 rate limited.
        """
        if self._token is not None:
            return self._token
        request = self._request
        secret = self._secret
        failures = request.app.state.auth_failures
        address = request.client.host if request.client is not None else "-"
        blocked = failures.wait_for(address)
        if blocked > 0:  # guessing tokens: refused before the database is asked
            raise ApiError(
                429,
                ProblemCode.RATE_LIMITED,
                "too many requests with a wrong token from this address; slow down",
                headers={"Retry-After": retry_after(blocked)},
            )
        token = authenticate(request.app.state.engine, secret)
        if token is None:
            failures.take(address)
            raise ApiError(
                401,
                ProblemCode.TOKEN_INVALID,
                "the token is unknown or revoked",
                headers=_CHALLENGE,
            )
        request.state.token_name = token.name
        if token.role not in self._allowed:
            raise ApiError(
                403,
                ProblemCode.WRONG_ROLE,
                f"a {token.role} token may not do this (it needs {self._names})",
            )
        wait = request.app.state.buckets.take(token.id)
        if wait > 0:
            raise ApiError(
                429,
                ProblemCode.RATE_LIMITED,
                "too many requests with this token; slow down",
                headers={"Retry-After": retry_after(wait)},
            )
        self._token = token
        return token


def require(
    *roles: TokenRole,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[PendingToken]]:
    """A dependency for a live token of one of `roles` (an admin always); the route resolves
    what it gives into a `TokenInfo` before the endpoint runs."""
    allowed = frozenset({*roles, TokenRole.ADMIN})
    names = " or ".join(sorted(allowed))

    async def dependency(request: Request, credentials: Credentials) -> PendingToken:
        secret = None if credentials is None else credentials.credentials
        return pending_token(request, secret, allowed, names)

    dependency.roles = (allowed, names)  # type: ignore[attr-defined]
    return dependency


def pending_token(
    request: Request, secret: str | None, allowed: frozenset[TokenRole], names: str
) -> PendingToken:
    """The request's token, to be checked (`PendingToken.resolve`) before anything else.

    Raises:
        ApiError: 401, the request has no token.
    """
    if not secret:
        raise ApiError(
            401, ProblemCode.TOKEN_MISSING, "send a token: Authorization: Bearer rdk_...",
            headers=_CHALLENGE,
        )  # fmt: skip
    pending = PendingToken(request, secret, allowed, names)
    request.state.pending_token = pending
    return pending


def bearer_secret(request: Request) -> str | None:
    """The token of the request's `Authorization: Bearer ...` header, if it has one."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def roles_required(call: object) -> tuple[frozenset[TokenRole], str] | None:
    """The roles a dependency made by `require` lets in (None: not such a dependency)."""
    roles: tuple[frozenset[TokenRole], str] | None = getattr(call, "roles", None)
    return roles


Producer = Annotated[TokenInfo, Depends(require(TokenRole.PRODUCER))]
Reviewer = Annotated[TokenInfo, Depends(require(TokenRole.REVIEWER))]
Admin = Annotated[TokenInfo, Depends(require(TokenRole.ADMIN))]
Watcher = Annotated[TokenInfo, Depends(require(TokenRole.PRODUCER))]


def reviewer_scope(token: TokenInfo) -> str | None:
    """Whose data a token sees: a reviewer their own (their name), an admin everyone's (None)."""
    return None if token.role is TokenRole.ADMIN else token.name
