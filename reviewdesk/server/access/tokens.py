"""Bearer tokens: made once, stored as a SHA-256 hash, one role each.

A token is `rdk_` and 32 random bytes (URL-safe base64): far too much entropy to guess, so a
plain SHA-256 is a safe thing to store and look up by. The secret is shown once, when made.

A reviewer token may be scoped to queues: it then leases and decides only those queues' items
(a lease elsewhere is refused with 403, a decision on another queue's item is `invalid`). A
token without queues works on every queue.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from reviewdesk.domain import utc_now
from reviewdesk.errors import UserError
from reviewdesk.protocol.statuses import TokenRole
from reviewdesk.protocol.v1 import TokenOut
from reviewdesk.server.database import read_alone
from reviewdesk.store import rows
from reviewdesk.store.driver_sql import DriverSql

PREFIX = "rdk_"


@dataclass(frozen=True)
class TokenInfo:
    """A stored token, without its secret."""

    id: str
    name: str
    role: TokenRole
    created_at: str
    revoked_at: str | None
    queues: tuple[str, ...] | None = None
    """The queues a reviewer token works on; None: every queue."""

    def may_work_on(self, queue: str | None) -> bool:
        return self.queues is None or queue in self.queues


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is shown once and never stored."""

    info: TokenInfo
    secret: str


class UnknownTokenError(UserError):
    """No token has that id."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    connection: Connection, name: str, role: TokenRole, queues: Sequence[str] | None = None
) -> NewToken:
    """Make a token for the person or system `name`; a reviewer's may be kept to `queues`.

    Raises:
        UserError: no name, queues for a token that is not a reviewer's, or an empty queue name.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("a token needs a name of 1 to 200 characters")
    scope = None if queues is None else tuple(sorted({queue.strip() for queue in queues}))
    if scope is not None:
        if role is not TokenRole.REVIEWER:
            raise UserError(f"only reviewer tokens are kept to queues, not {role} tokens")
        if not scope or any(not queue or len(queue) > 200 for queue in scope):
            raise UserError("give each queue a name of 1 to 200 characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    info = TokenInfo(
        id="tok_" + secrets.token_hex(6),
        name=name,
        role=role,
        created_at=rows.time_text(utc_now()),
        revoked_at=None,
        queues=scope,
    )
    connection.execute(
        text(
            "INSERT INTO api_token (id, name, role, secret_hash, created_at, queues) "
            "VALUES (:id, :name, :role, :hash, :created_at, :queues)"
        ),
        {
            "id": info.id,
            "name": info.name,
            "role": str(role),
            "hash": secret_hash(secret),
            "created_at": info.created_at,
            "queues": None if scope is None else json.dumps(list(scope)),
        },
    )
    return NewToken(info, secret)


_COLUMNS = "id, name, role, created_at, revoked_at, queues"
_BY_HASH = DriverSql(f"SELECT {_COLUMNS} FROM api_token WHERE secret_hash = :hash")


def _info(row: tuple[Any, ...]) -> TokenInfo:
    queues = None if row[5] is None else tuple(json.loads(row[5]))
    return TokenInfo(row[0], row[1], TokenRole(row[2]), row[3], row[4], queues)


def list_tokens(connection: Connection) -> list[TokenInfo]:
    """Every token, oldest first, revoked ones included."""
    rows = connection.execute(text(f"SELECT {_COLUMNS} FROM api_token ORDER BY pk"))
    return [_info(tuple(row)) for row in rows]


def revoke_token(connection: Connection, token_id: str) -> TokenInfo:
    """Revoke a token (from the next request on). Revoking twice keeps the first time.

    Raises:
        UnknownTokenError: no token has that id.
    """
    connection.execute(
        text("UPDATE api_token SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL"),
        {"now": rows.time_text(utc_now()), "id": token_id},
    )
    row = connection.execute(
        text(f"SELECT {_COLUMNS} FROM api_token WHERE id = :id"), {"id": token_id}
    ).first()
    if row is None:
        raise UnknownTokenError(f"there is no token {token_id}")
    return _info(tuple(row))


def authenticate(engine: Engine, secret: str) -> TokenInfo | None:
    """The live token whose secret this is, or None (unknown or revoked): one statement, read
    afresh on every call (a token revoked anywhere fails its next request).

    Raises:
        DatabaseBusyError: the database could not be reached in time.
    """
    if not secret.startswith(PREFIX):
        return None
    found = read_alone(engine, _BY_HASH, {"hash": secret_hash(secret)})
    if not found or found[0][4] is not None:  # unknown, or revoked
        return None
    return _info(found[0])


def token_out(info: TokenInfo, secret: str | None = None) -> TokenOut:
    return TokenOut(
        id=info.id,
        name=info.name,
        role=info.role,
        created_at=rows.parse_time(info.created_at),
        revoked_at=None if info.revoked_at is None else rows.parse_time(info.revoked_at),
        queues=None if info.queues is None else list(info.queues),
        secret=secret,
    )
