"""The queue server (API v1): FastAPI under uvicorn, on SQLite or PostgreSQL.

Public surface: `create_app`, `ServerSettings`, `serve`, and the database helpers the command
line needs (`open_engine`, `prepare_schema`). FastAPI, uvicorn and starlette are imported only
under this package.
"""

from __future__ import annotations

from reviewdesk.server.database import (
    DatabaseBusyError,
    SchemaNeedsMigrationError,
    open_engine,
    prepare_schema,
)
from reviewdesk.server.settings import ServerSettings

__all__ = [
    "DatabaseBusyError",
    "SchemaNeedsMigrationError",
    "ServerSettings",
    "open_engine",
    "prepare_schema",
]
