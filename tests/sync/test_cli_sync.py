"""`reviewdesk login / checkout / sync` against the real server (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import typer
from typer.testing import CliRunner

from reviewdesk.cli import sync as sync_commands
from reviewdesk.store import Store
from tests.server.harness import RunningServer, items, running_server
from tests.sync.conftest import Desk
from tests.sync.fakes import MemoryKeyring


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}") as running:
        producer = running.token("producer", "producer")
        with running.client(producer) as client:
            assert client.post("/v1/items", json={"items": items(12)}).status_code == 200
        yield running


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    sync_commands.register(app)
    return app


def test_login_checkout_decide_sync(
    app: typer.Typer,
    sqlite_server: RunningServer,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REVIEWDESK_TOKEN", raising=False)
    runner = CliRunner()
    store = str(tmp_path / "desk.sqlite")
    token = sqlite_server.token("alice", "reviewer")
    url = sqlite_server.url

    login = runner.invoke(
        app,
        ["login", "--server", url, "--queue", "support", "--token-stdin", "--store", store],
        input=token + "\n",
    )
    assert login.exit_code == 0, login.output
    assert memory_keyring.passwords == {("reviewdesk", url): token}
    assert token not in login.output

    checkout = runner.invoke(app, ["checkout", "10", "--ttl", "8", "--store", store, "--json"])
    assert checkout.exit_code == 0, checkout.output
    assert json.loads(checkout.stdout)["leased"] == 10

    with Store.open(store) as opened:
        Desk(opened, token).decide_all("alice")

    synced = runner.invoke(app, ["sync", "--store", store, "--json"])
    assert synced.exit_code == 0, synced.output
    summary = json.loads(synced.stdout)
    assert (summary["pushed"], summary["duplicates"], summary["refused"]) == (10, 0, 0)
    assert summary["leased"] == 2  # topped up to 10 with what the queue had left


def test_a_rejected_token_fails_login_and_keeps_nothing(
    app: typer.Typer, sqlite_server: RunningServer, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    result = CliRunner().invoke(
        app,
        ["login", "--server", sqlite_server.url, "--token-stdin", "--store", str(tmp_path / "s")],
        input="rd_not_a_token\n",
    )
    assert result.exit_code == 1
    assert "log in again with a new token" in str(result.exception)
    assert memory_keyring.passwords == {}


def test_sync_without_a_token_says_how_to_log_in(
    app: typer.Typer,
    sqlite_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REVIEWDESK_TOKEN", raising=False)
    store = tmp_path / "desk.sqlite"
    with Store.open(store) as opened:
        from reviewdesk.store import SyncLedger

        SyncLedger(opened).connect(sqlite_server.url, queue="support")
    result = CliRunner().invoke(app, ["sync", "--store", str(store)])
    assert result.exit_code == 1
    assert "reviewdesk login --server" in str(result.exception)


@pytest.fixture
def no_keychain() -> Iterator[None]:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_login_without_a_keychain_fails_and_says_to_set_the_variable(
    app: typer.Typer,
    sqlite_server: RunningServer,
    tmp_path: Path,
    no_keychain: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REVIEWDESK_TOKEN", raising=False)
    token = sqlite_server.token("alice", "reviewer")
    store = str(tmp_path / "desk.sqlite")
    result = CliRunner().invoke(
        app,
        ["login", "--server", sqlite_server.url, "--token-stdin", "--store", store],
        input=token + "\n",
    )
    assert result.exit_code == 1
    assert "no OS keychain to keep it in: set REVIEWDESK_TOKEN" in str(result.exception)
    checkout = CliRunner().invoke(app, ["checkout", "2", "--store", store])
    assert checkout.exit_code == 1
    assert "no OS keychain here to keep a login: set REVIEWDESK_TOKEN" in str(checkout.exception)

    monkeypatch.setenv("REVIEWDESK_TOKEN", token)
    login = CliRunner().invoke(app, ["login", "--server", sqlite_server.url, "--store", store])
    assert login.exit_code == 0, login.output
    assert "checkout and sync will use the token in REVIEWDESK_TOKEN" in login.output
    checkout = CliRunner().invoke(app, ["checkout", "2", "--store", store, "--json"])
    assert checkout.exit_code == 0, checkout.output
