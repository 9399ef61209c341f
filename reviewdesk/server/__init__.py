"""The queue server (API v1): FastAPI under uvicorn, on SQLite or PostgreSQL.

- `app.create_app(settings)`: the ASGI app; `runner.serve`: run it under uvicorn;
- `api/`: the routers, one per audience (producers, reviewers, admins, feedback, service);
- `queue/`: the write paths of review: items, leases, decisions, slots, verdicts, the changes
  feed, queue policies (SQL on the server's own tables; the core tables through
  `reviewdesk.store.rows`);
- `access/`: tokens, roles, rate limits; `http/`: problem documents, the access log and
  metrics, the route class; `webhooks/`: registration and the delivery worker;
- `database`: the engine, transactions with retries, the schema check.

This package's face is what the command line needs without FastAPI: `ServerSettings`,
`open_engine`, `prepare_schema` and their errors. FastAPI, uvicorn and starlette are imported
only under this package.
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
