"""The server's database: one set of migrations for SQLite and PostgreSQL, and the refusal to
start on a schema that needs migrating."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text as sqltext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from reviewdesk.cli.server import run_standalone
from reviewdesk.protocol import TokenRole
from reviewdesk.server import SchemaNeedsMigrationError, open_engine, prepare_schema
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.api.intake import store_items
from reviewdesk.server.database import transact, write_gate
from reviewdesk.server.queue.items import parse_items
from reviewdesk.store import head_revision
from reviewdesk.store.engine import current_revision, migrate
from tests.helpers.records import record
from tests.server.harness import running_server
from tests.server.postgres import PostgresServer


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_the_migrations_build_exactly_the_declared_tables_on_postgresql(
    postgres: PostgresServer | None,
) -> None:
    if postgres is None:
        pytest.skip("PostgreSQL is not installed")
    engine = open_engine(postgres.database())
    try:
        prepare_schema(engine, allow_migrate=False)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        assert [entry for entry in diff if entry[1].name != "ix_generation_created"] == []
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_an_older_schema_is_upgraded_only_when_asked(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_engine(database_url)
    try:
        migrate(engine, to="0003")
        with pytest.raises(SchemaNeedsMigrationError, match="--migrate"):
            prepare_schema(engine, allow_migrate=False)
        assert run_standalone(["serve", "--db", database_url, "--port", "1"]) == 1
        assert "start once with --migrate" in capsys.readouterr().err
        assert current_revision(engine) == "0003"
        prepare_schema(engine, allow_migrate=True)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_tokens_are_printed_once_listed_without_secrets_and_revoked(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_standalone(["token", "create", "--name", "alice", "--role", "reviewer",
                           "--db", database_url]) == 0  # fmt: skip
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("rdk_") and len(secret) > 40
    assert run_standalone(["token", "list", "--db", database_url, "--json"]) == 0
    listed = capsys.readouterr().out
    assert secret not in listed
    (token,) = json.loads(listed)["tokens"]
    assert (token["name"], token["role"], token["revoked_at"]) == ("alice", "reviewer", None)
    assert run_standalone(["token", "revoke", token["id"], "--db", database_url]) == 0
    assert run_standalone(["token", "list", "--db", database_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"][0]["revoked_at"] is not None
    assert run_standalone(["token", "revoke", "tok_nope", "--db", database_url]) == 1
    assert run_standalone(["token", "create", "--name", "x", "--role", "boss",
                           "--db", database_url]) == 2  # fmt: skip


@pytest.mark.slow
def test_the_server_answers_again_after_postgresql_restarts(
    postgres: PostgresServer | None,
) -> None:
    # Pooled connections are not pinged at checkout: a dead one must be replaced on first use.
    if postgres is None:
        pytest.skip("PostgreSQL is not installed")
    with running_server(postgres.database()) as server:
        secret = server.token("alice", "reviewer")
        with server.client(secret) as client:
            assert client.get("/v1/leases").status_code == 200  # the pool holds connections
            postgres.restart()
            assert client.get("/v1/leases").status_code == 200  # token lookup: a read
            assert client.post("/v1/queues/q/leases", json={}).status_code == 200
        postgres.restart()
        made = transact(server.engine, lambda c: create_token(c, "bob", TokenRole.REVIEWER))
        assert made.info.name == "bob"  # a write transaction on a dead pooled connection


def test_verdicts_and_deliveries_from_before_revisions_survive_the_upgrade(
    database_url: str,
) -> None:
    engine = open_engine(database_url)
    migrate(engine, to="0014")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO generation (pk, id, model, risk, top_severity, flag_count, "
            "required_reviews, review_count, imported_at, queue) VALUES (1, 'gen-1', 'm', 0.5, 0, "
            "0, 1, 1, '2026-11-01T00:00:00.000000Z', 'support')",
            "INSERT INTO generation_text (pk, prompt, output) VALUES (1, '\"hi\"', 'hello')",
            "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, decided_at) "
            "VALUES (1, 'd-1', 1, 'alice', 'approve', '[]', '2026-11-02T00:00:00.000000Z')",
            "INSERT INTO server_item (generation_pk, queue, risk, state, available_at_ms) "
            "VALUES (1, 'support', 0.5, 'done', 0)",
            "INSERT INTO server_verdict (seq, generation_pk, queue, verdict, decided_at_ms) "
            "VALUES (1, 1, 'support', 'approve', 1)",
            "INSERT INTO webhook (pk, id, queue, url, secret, active, created_at_ms) "
            "VALUES (1, 'whk_1', 'support', 'http://127.0.0.1:9/hook', 'whsec_x', true, 1)",
            "INSERT INTO webhook_delivery (pk, id, webhook_pk, verdict_seq, state, attempts, "
            "next_attempt_ms, created_at_ms) VALUES (1, 'dlv_1', 1, 1, 'pending', 0, 1, 1)",
        ):
            connection.exec_driver_sql(statement)
    prepare_schema(engine, allow_migrate=True)
    engine.dispose()
    with (
        running_server(database_url) as server,
        server.client(server.token("root", "admin")) as admin,
    ):
        item = admin.get("/v1/items/gen-1").json()
        log = admin.get("/v1/webhooks/whk_1/deliveries").json()["deliveries"]
        feed = admin.get("/v1/verdicts").json()["verdicts"]
    assert (item["state"], item["revision"], item["verdict"]["verdict"]) == (
        "decided",
        1,
        "approve",
    )
    assert [(d["id"], d["state"], d["verdict_seq"]) for d in log] == [("dlv_1", "pending", 1)]
    assert [(v["seq"], v["revision"], v["previous"]) for v in feed] == [(1, 1, None)]


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)  # polls a condition, bounded


def test_on_sqlite_a_reviewers_write_goes_before_intake_queued_earlier(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    prepare_schema(engine, allow_migrate=False)
    gate = write_gate(engine)
    assert gate is not None
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def first_lot(connection: Connection) -> None:
        inside.set()
        release.wait(30)
        order.append("intake lot 1")

    def write(name: str) -> Callable[[Connection], None]:
        def work(connection: Connection) -> None:
            create_token(connection, name, TokenRole.REVIEWER)
            order.append(name)

        return work

    threads = [threading.Thread(target=transact, args=(engine, first_lot), kwargs={"bulk": True})]
    threads[0].start()
    try:
        assert inside.wait(30)
        for name, bulk in (("intake lot 2", True), ("lease", False), ("decision", False)):
            thread = threading.Thread(
                target=transact, args=(engine, write(name)), kwargs={"bulk": bulk}
            )
            thread.start()
            threads.append(thread)
            _until(lambda: gate.queued == len(threads) - 1)
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
    with engine.connect() as connection:
        stored = connection.execute(sqltext("SELECT count(*) FROM api_token")).scalar_one()
    engine.dispose()
    assert order == ["intake lot 1", "lease", "decision", "intake lot 2"]
    assert stored == 3


def test_on_sqlite_an_intake_call_is_not_split_for_another_waiting_behind_it(
    tmp_path: Path,
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    prepare_schema(engine, allow_migrate=False)
    gate = write_gate(engine)
    assert gate is not None
    now = 1_780_000_000_000
    calls = {
        name: parse_items([record(n, id=f"{name}-{n}") for n in range(300)], now_ms=now)
        for name in ("first", "second")
    }
    inside, release = threading.Event(), threading.Event()

    def hold(connection: Connection) -> None:
        inside.set()
        release.wait(30)

    threads = [threading.Thread(target=transact, args=(engine, hold), kwargs={"bulk": True})]
    threads[0].start()
    try:
        assert inside.wait(30)
        for name in calls:  # each queued behind the one before, as two calls of one push
            thread = threading.Thread(target=store_items, args=(engine, calls[name], now))
            thread.start()
            threads.append(thread)
            _until(lambda: gate.queued == len(threads) - 1)
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
    with engine.connect() as connection:
        stored = connection.execute(sqltext("SELECT id, pk FROM generation")).all()
    engine.dispose()
    pks = {name: [pk for item, pk in stored if item.startswith(name)] for name in calls}
    assert len(pks["first"]) == len(pks["second"]) == 300
    # Three lots of a hundred: with only another intake call waiting (no reviewer), the first
    # call's lots go in one after the other, not taking turns with the second's.
    assert max(pks["first"]) < min(pks["second"])
