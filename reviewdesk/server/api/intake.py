"""Storing validated items (a push, an OTLP export) without keeping reviewers waiting."""

from __future__ import annotations

from functools import partial

from sqlalchemy.engine import Connection, Engine

from reviewdesk.domain import utc_now
from reviewdesk.server.database import transact, write_gate
from reviewdesk.server.queue.items import ItemOutcome, ParsedItem, intake_chunks, store_parsed
from reviewdesk.store import rows

SQLITE_CHUNK = 100
"""Items stored per lot on SQLite: what a waiting reviewer's write waits for at most."""


def store_items(
    engine: Engine, parsed: list[ParsedItem | ItemOutcome], now: int, *, source: str = "item"
) -> list[ItemOutcome]:
    """Store items validated already (so no transaction waits for the validation), and give
    each its outcome, by index.

    On SQLite the items go in lots (`intake_chunks`): a transaction stores lot after lot while
    no reviewer's write waits for the write lock, and commits as soon as one does, so a
    reviewer's lease or decision waits for at most one lot, never for a whole call. Another
    intake call waiting (another producer's push, an OTLP export) does not end the transaction:
    it waits for this one, which would otherwise commit lot by lot for nothing.
    """
    imported_at = rows.time_text(utc_now())
    gate = write_gate(engine)
    lots = intake_chunks(parsed, SQLITE_CHUNK if gate is not None else max(1, len(parsed)))

    def store(connection: Connection, start: int) -> tuple[list[ItemOutcome], int]:
        found: list[ItemOutcome] = []
        end = start
        while end < len(lots):
            found += store_parsed(
                connection, lots[end], now_ms=now, imported_at=imported_at, source=source
            )
            end += 1
            if gate is None or gate.urgent_queued:
                break
        return found, end

    outcomes: list[ItemOutcome] = []
    stored = 0
    while stored < len(lots):
        found, stored = transact(engine, partial(store, start=stored), bulk=True)
        outcomes += found
    return sorted(outcomes, key=lambda outcome: outcome.index)
