"""Running the server under uvicorn: one process, or several workers sharing one database."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from reviewdesk.ingest.otlp import OtlpSettings
from reviewdesk.server.app import create_app
from reviewdesk.server.database import open_engine, prepare_schema
from reviewdesk.server.http.connections import uvicorn_options
from reviewdesk.server.settings import ServerSettings

logger = logging.getLogger(__name__)

DB_ENV = "REVIEWDESK_SERVER_DB"
ALLOW_ENV = "REVIEWDESK_WEBHOOK_ALLOW"
DOCS_ENV = "REVIEWDESK_SERVER_DOCS"
OTLP_ENV = "REVIEWDESK_OTLP_CONFIG"


def app_from_environment() -> FastAPI:
    """The app for uvicorn's worker processes (`--factory`): the database URL comes from
    `$REVIEWDESK_SERVER_DB`; the schema must already be current."""
    url = os.environ.get(DB_ENV)
    if not url:
        raise RuntimeError(f"${DB_ENV} is not set")
    engine = open_engine(url)
    prepare_schema(engine, allow_migrate=False)
    allow = tuple(entry for entry in os.environ.get(ALLOW_ENV, "").split(",") if entry)
    docs = os.environ.get(DOCS_ENV) == "1"
    otlp_config = os.environ.get(OTLP_ENV)
    otlp = OtlpSettings.from_toml(Path(otlp_config)) if otlp_config else OtlpSettings()
    return create_app(
        ServerSettings(database_url=url, webhook_allow=allow, docs=docs, otlp=otlp),
        engine=engine,
    )


def _log_to_stderr() -> None:
    server_logger = logging.getLogger("reviewdesk.server")
    server_logger.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not server_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        server_logger.addHandler(handler)


def serve(
    settings: ServerSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    allow_migrate: bool = False,
    workers: int = 1,
    otlp_config: Path | None = None,
) -> None:
    """Prepare the database, then serve API v1 until stopped (Ctrl+C or SIGTERM).

    `otlp_config` is the TOML file `settings.otlp` was read from: worker processes read it too.

    Raises:
        SchemaNeedsMigrationError: the database needs migrating and `allow_migrate` is False.
        UserError: the database cannot be reached or is not a reviewdesk database.
    """
    import uvicorn

    engine = open_engine(settings.database_url)
    try:
        prepare_schema(engine, allow_migrate=allow_migrate)
    except BaseException:
        engine.dispose()
        raise
    _log_to_stderr()
    logger.info(
        "serving API v1 on http://%s:%d (%s, %d process%s)",
        host,
        port,
        engine.dialect.name,
        workers,
        "" if workers == 1 else "es",
    )
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,
        "log_level": "warning",
        **uvicorn_options(settings.header_timeout_s, settings.idle_timeout_s),
    }
    if workers > 1:
        engine.dispose()
        os.environ[DB_ENV] = settings.database_url
        os.environ[ALLOW_ENV] = ",".join(settings.webhook_allow)
        os.environ[DOCS_ENV] = "1" if settings.docs else "0"
        if otlp_config is not None:
            os.environ[OTLP_ENV] = str(otlp_config.resolve())
        uvicorn.run(
            "reviewdesk.server.runner:app_from_environment",
            factory=True,
            workers=workers,
            **common,
        )
        return
    try:
        uvicorn.run(create_app(settings, engine=engine), **common)
    finally:
        engine.dispose()
