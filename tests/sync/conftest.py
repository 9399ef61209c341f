from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import keyring
import pytest

from reviewdesk.domain import Verdict
from reviewdesk.remote import ReviewerClient
from reviewdesk.review import ReviewSession
from reviewdesk.store import Store, SyncLedger
from reviewdesk.sync import SyncEngine
from tests.server.conftest import clock, server  # noqa: F401
from tests.sync.fakes import MemoryKeyring


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@dataclass
class Desk:
    """A reviewer's desk: its own store, connected to a server, syncing with one token."""

    store: Store
    token: str
    transport: httpx.BaseTransport | None = None
    waits: list[float] = field(default_factory=list)
    engine: SyncEngine = field(init=False)

    def decide_all(self, reviewer: str, verdict: Verdict = Verdict.APPROVE) -> int:
        session = ReviewSession(self.store, reviewer)
        session.start()
        count = 0
        while session.current is not None:
            session.decide(verdict, duration_ms=900)
            count += 1
        return count


DeskFactory = Callable[..., Desk]


@pytest.fixture
def make_desk(tmp_path: Path) -> Iterator[DeskFactory]:
    desks: list[Desk] = []

    def make(
        name: str,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        queue: str = "support",
    ) -> Desk:
        store = Store.open(tmp_path / f"{name}.sqlite")
        SyncLedger(store).connect(url, queue=queue)
        desk = Desk(store, token, transport)

        def client(server_url: str) -> ReviewerClient:
            return ReviewerClient(
                server_url, desk.token, transport=desk.transport, sleep=desk.waits.append
            )

        desk.engine = SyncEngine(store, client)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.store.close()
