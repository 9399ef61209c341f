"""The reviewer's sync commands of `reviewdesk`: login, checkout, sync.

`register(app)` adds them to the main typer app (reviewdesk/cli/app.py calls it). The server a
store syncs with is kept in the store (`login` sets it); the token in the OS keychain, or
`REVIEWDESK_TOKEN` for scripts. A failure (no token, the server unreachable or refusing) raises
`UserError`, which `reviewdesk.cli.app.run` turns into a message and exit status 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reviewdesk.cli.console import JsonOption, StoreOption, err, out, store_path
from reviewdesk.errors import UserError

if TYPE_CHECKING:
    from reviewdesk.store import Store
    from reviewdesk.sync import Credentials, SyncEngine

__all__ = ["register"]


def _open(store: Path | None) -> Store:
    from reviewdesk.store import Store

    return Store.open(store_path(store))


def _engine(store: Store, credentials: Credentials) -> SyncEngine:
    from reviewdesk.remote import ReviewerClient
    from reviewdesk.sync import TOKEN_ENV, SyncEngine, TokenNeededError

    def client(server_url: str) -> ReviewerClient:
        token = credentials.token(server_url)
        if token is None:
            if credentials.keychain_available():
                how = f"run `reviewdesk login --server {server_url}` (or set {TOKEN_ENV})"
            else:  # a login would keep nothing: say what works here
                how = f"there is no OS keychain here to keep a login: set {TOKEN_ENV}"
            raise TokenNeededError(f"no token for {server_url}: {how}")
        return ReviewerClient(server_url, token)

    return SyncEngine(store, client)


def login(
    server: Annotated[str, typer.Option("--server", help="The queue server's URL.", metavar="URL")],
    queue: Annotated[
        str, typer.Option("--queue", help="The queue to check items out of.", metavar="NAME")
    ] = "default",
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="Read the token from stdin (for scripts).")
    ] = False,
    store: StoreOption = None,
) -> None:
    """Connect the store to a queue server and keep your token in the OS keychain.

    The token is read from stdin (--token-stdin), else from REVIEWDESK_TOKEN when it is set,
    else asked for. Without an OS keychain nothing can keep it: set REVIEWDESK_TOKEN.
    """
    from reviewdesk.remote import ReviewerClient
    from reviewdesk.sync import TOKEN_ENV, Credentials, TokenStorage

    server = server.rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise typer.BadParameter("use an http:// or https:// URL", param_hint="--server")
    from_env = False
    if token_stdin:
        token = sys.stdin.readline().strip()
    elif os.environ.get(TOKEN_ENV, "").strip():
        token, from_env = os.environ[TOKEN_ENV].strip(), True
        err.print(f"using the token in {TOKEN_ENV}", markup=False)
    else:
        token = typer.prompt("Token", hide_input=True).strip()
    if not token:
        raise UserError("no token given")
    with ReviewerClient(server, token, attempts=3) as client:
        client.check()
    with _open(store) as opened:
        from reviewdesk.store import SyncLedger

        SyncLedger(opened).connect(server, queue=queue)
    if from_env:
        err.print(
            f"logged in to {server}; checkout and sync will use the token in {TOKEN_ENV}",
            markup=False,
        )
        return
    stored = Credentials().store(server, token)
    if stored is TokenStorage.KEYCHAIN:
        err.print(f"logged in to {server}; the token is in your OS keychain", markup=False)
        return
    raise UserError(
        f"the token works with {server}, but there is no OS keychain to keep it in: set "
        f"{TOKEN_ENV} to the token for checkout and sync (login then reads it from there too)"
    )


def checkout(
    count: Annotated[int, typer.Argument(min=1, max=10_000, help="How many items.")],
    queue: Annotated[
        str | None,
        typer.Option("--queue", help="The queue (default: the one of login).", metavar="NAME"),
    ] = None,
    ttl: Annotated[
        float, typer.Option("--ttl", min=0.01, max=72, help="Hours the items stay yours.")
    ] = 24.0,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Check out COUNT items for offline work (and keep that many checked out on sync)."""
    from reviewdesk.sync import Credentials

    with _open(store) as opened:
        report = _engine(opened, Credentials()).checkout(count, queue=queue, ttl_s=int(ttl * 3600))
    if json_:
        print(
            json.dumps(
                {
                    "lease_id": report.lease_id,
                    "leased": report.leased,
                    "added": report.added,
                    "comparisons": report.comparisons,
                    "expires_at": None if report.expires_at is None else str(report.expires_at),
                }
            )
        )
    elif report.leased == 0:
        out.print("no items to check out: the queue is empty", markup=False)
    else:
        items = report.leased - report.comparisons
        what = f"{items} items"
        if report.comparisons:
            what += f" and {report.comparisons} comparison" + "s" * (report.comparisons != 1)
        out.print(
            f"checked out {what} ({report.added} new) until {report.expires_at:%Y-%m-%d %H:%M} UTC",
            markup=False,
        )


def sync(store: StoreOption = None, json_: JsonOption = False) -> None:
    """Send your decisions to the server, take its changes, renew and top up your items."""
    from reviewdesk.sync import Credentials

    with _open(store) as opened:
        engine = _engine(opened, Credentials())
        report = engine.sync()
        attention = engine.needs_attention()
    if json_:
        print(json.dumps(report.summary()))
    else:
        out.print(
            f"pushed {report.pushed}, duplicates {report.duplicates}, refused {report.refused}, "
            f"withdrawn {report.withdrawn}, pulled {report.pulled}, removed {len(report.removed)}, "
            f"leased {report.leased}; waiting {report.waiting}",
            markup=False,
        )
        for entry in attention[:20]:
            out.print(
                f"needs attention: {entry.subject} ({entry.choice}): "
                f"{entry.code}: {entry.last_error}",
                markup=False,
            )
    if report.error is not None:
        raise UserError(report.error)


def register(app: typer.Typer) -> None:
    app.command()(login)
    app.command()(checkout)
    app.command()(sync)
