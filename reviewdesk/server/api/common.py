"""What every router of API v1 shares: the error statuses of authentication, the id path
parameter, and the app's settings, engine and clock as a request sees them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy.engine import Engine

from reviewdesk.server.settings import ServerSettings

AUTH_ERRORS = (401, 403, 429, 503)
"""The statuses any endpoint with a token may answer with."""

IdPath = Annotated[str, Path(min_length=1, max_length=200)]


def as_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def settings_of(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def now_of(request: Request) -> int:
    """The server's clock, in ms."""
    return settings_of(request).clock()
