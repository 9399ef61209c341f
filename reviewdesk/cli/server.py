"""The queue server's commands: `serve`, `token create|list|revoke`, `push`,
`webhook add|list|replay` and `queue set|show`.

`register(app)` adds them to the `reviewdesk` program. The server (FastAPI, uvicorn) is
imported only inside the commands that run it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from reviewdesk.cli.console import JsonOption, ProgressBar, err, out, say
from reviewdesk.errors import UserError

TOKEN_ENV = "REVIEWDESK_TOKEN"
SERVER_DB_ENV = "REVIEWDESK_SERVER_DB"

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The server database: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB "
        "(default: $REVIEWDESK_SERVER_DB, else server.sqlite in your data directory).",
        show_default=False,
    ),
]


def _db_url(db: str | None) -> str:
    if db:
        return db
    if os.environ.get(SERVER_DB_ENV):
        return os.environ[SERVER_DB_ENV]
    from reviewdesk.store import default_store_path

    return f"sqlite:///{default_store_path().with_name('server.sqlite')}"


def _with_database(db: str | None, work: Any) -> Any:
    from reviewdesk.server import open_engine, prepare_schema
    from reviewdesk.server.database import transact

    engine = open_engine(_db_url(db))
    try:
        prepare_schema(engine, allow_migrate=False)
        return transact(engine, work)
    finally:
        engine.dispose()


def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option("--host", help="The address to listen on (all: 0.0.0.0).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="The port to listen on.")
    ] = 8787,
    migrate: Annotated[
        bool,
        typer.Option("--migrate", help="Upgrade a database made by an older reviewdesk first."),
    ] = False,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, max=64, help="Server processes sharing the database."),
    ] = 1,
    webhook_allow: Annotated[
        list[str] | None,
        typer.Option(
            "--webhook-allow",
            help="A private host or network (10.0.0.0/8) webhooks may reach; repeat for more.",
        ),
    ] = None,
    docs: Annotated[
        bool, typer.Option("--docs", help="Serve Swagger UI at /docs (its scripts from a CDN).")
    ] = False,
    otlp_config: Annotated[
        Path | None,
        typer.Option(
            "--otlp-config",
            help="A TOML file naming the span attributes the OTLP receiver takes route, "
            "template, version and queue from (see the README).",
            show_default=False,
            metavar="FILE.toml",
        ),
    ] = None,
) -> None:
    """Run the queue server (API v1; OpenAPI document at /openapi.json)."""
    try:
        from reviewdesk.ingest.otlp import OtlpSettings
        from reviewdesk.server import ServerSettings
        from reviewdesk.server.runner import serve as run_server
    except ModuleNotFoundError as error:
        raise UserError(
            f"the queue server needs {error.name}, which is not installed: "
            "pip install 'reviewdesk[server]'"
        ) from error

    url = _db_url(db)
    if workers > 1 and url.startswith("sqlite"):
        raise typer.BadParameter(
            "several processes need PostgreSQL; SQLite serves one", param_hint="--workers"
        )
    otlp = OtlpSettings.from_toml(otlp_config) if otlp_config else OtlpSettings()
    err.print(f"reviewdesk server on http://{host}:{port}", markup=False)
    run_server(
        ServerSettings(
            database_url=url, webhook_allow=tuple(webhook_allow or ()), docs=docs, otlp=otlp
        ),
        host=host, port=port, allow_migrate=migrate,
        workers=workers, otlp_config=otlp_config,
    )  # fmt: skip


token_app = typer.Typer(
    help="Make, list and revoke the server's bearer tokens.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the token.")],
    role: Annotated[str, typer.Option("--role", help="reviewer, producer or admin.")],
    queue: Annotated[
        list[str] | None,
        typer.Option(
            "--queue",
            help="A reviewer token only: a queue it may lease and decide (repeat for more; "
            "default: every queue).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Make a token and print it once (only its hash is stored)."""
    from reviewdesk.protocol import TokenRole
    from reviewdesk.server.access.tokens import create_token

    try:
        token_role = TokenRole(role)
    except ValueError:
        raise typer.BadParameter(
            f"{role!r}: use reviewer, producer or admin", param_hint="--role"
        ) from None
    made = _with_database(
        db, lambda connection: create_token(connection, name, token_role, queue or None)
    )
    if json_:
        print(json.dumps({**_token_dict(made.info), "secret": made.secret}))
        return
    err.print(
        f"token {made.info.id} for {made.info.name} ({made.info.role}"
        f"{'' if made.info.queues is None else ', queues ' + ', '.join(made.info.queues)}); "
        "it is shown only now:",
        markup=False,
    )
    print(made.secret)


def _token_dict(info: Any) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "role": str(info.role),
        "created_at": info.created_at,
        "revoked_at": info.revoked_at,
        "queues": None if info.queues is None else list(info.queues),
    }


@token_app.command("list")
def token_list(db: DbOption = None, json_: JsonOption = False) -> None:
    """List the tokens (never their secrets)."""
    from reviewdesk.server.access.tokens import list_tokens

    tokens = _with_database(db, list_tokens)
    if json_:
        print(json.dumps({"tokens": [_token_dict(info) for info in tokens]}))
        return
    for info in tokens:
        state = f"revoked {info.revoked_at}" if info.revoked_at else "live"
        scope = "" if info.queues is None else f"  queues {', '.join(info.queues)}"
        out.print(f"{info.id}  {info.role:<8}  {info.name}  {state}{scope}", markup=False)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (tok_...).")],
    db: DbOption = None,
) -> None:
    """Revoke a token: the server refuses it from the next request on."""
    from reviewdesk.server.access.tokens import revoke_token

    info = _with_database(db, lambda connection: revoke_token(connection, token_id))
    err.print(f"revoked {info.id} ({info.name})", markup=False)


def push(
    file: Annotated[Path, typer.Argument(help="A canonical JSONL file (what import reads).")],
    server: Annotated[str, typer.Option("--server", help="The server, e.g. http://host:8787")],
    token: Annotated[
        str | None,
        typer.Option(
            "--token", help=f"A producer token (default: ${TOKEN_ENV}).", show_default=False
        ),
    ] = None,
    queue: Annotated[
        str | None,
        typer.Option("--queue", help="Put every item in this queue.", show_default=False),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="abort: push nothing if any record is invalid. skip: push the valid ones.",
        ),
    ] = "abort",
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=500, help="Items per request to the server.")
    ] = 500,
    json_: JsonOption = False,
) -> None:
    """Push items to a queue server, in batches, with progress and retries."""
    from reviewdesk.cli.push import push_file, retries_said

    secret = token or os.environ.get(TOKEN_ENV)
    if not secret:
        raise typer.BadParameter(f"give --token or set ${TOKEN_ENV}", param_hint="--token")
    if on_error not in ("abort", "skip"):
        raise typer.BadParameter(f"{on_error!r}: use abort or skip", param_hint="--on-error")
    with ProgressBar("pushing", unit="bytes") as bar, retries_said(say):
        report = push_file(
            file, server, secret, queue=queue, batch=batch, skip_invalid=on_error == "skip",
            progress=bar.update,
        )  # fmt: skip
    for line in report.errors:
        err.print(line, markup=False)
    if report.conflicts:
        err.print(
            f"{_plural(report.conflicts, 'id conflict')}: the server holds those ids with another "
            "prompt, output or model; they were not stored (the other items were)",
            markup=False,
        )
    if json_:
        print(json.dumps(report.summary()))
    else:
        out.print(
            f"created {report.created}, duplicates {report.duplicates}, "
            f"conflicts {report.conflicts}, invalid {report.invalid} "
            f"({_plural(report.batches, 'batch', 'batches')}, "
            f"{_plural(report.retries, 'retry', 'retries')})",
            markup=False,
        )
    if report.conflicts and on_error == "abort":
        raise typer.Exit(1)


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


webhook_app = typer.Typer(
    help="Webhooks: each final verdict of a queue POSTed, signed, to a URL.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _now_ms() -> int:
    from reviewdesk.server.settings import wall_clock_ms

    return wall_clock_ms()


@webhook_app.command("add")
def webhook_add(
    queue: Annotated[str, typer.Argument(help="The queue whose verdicts are sent.")],
    url: Annotated[str, typer.Argument(help="The receiver, http(s)://...")],
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Register a webhook and print its signing secret once."""
    from reviewdesk.server.webhooks.hooks import add_webhook

    hook = _with_database(db, lambda c: add_webhook(c, queue, url, now_ms=_now_ms()))
    if json_:
        print(json.dumps({"id": hook.id, "queue": hook.queue, "url": hook.url,
                          "secret": hook.secret}))  # fmt: skip
        return
    err.print(
        f"webhook {hook.id} for queue {queue} -> {url}; its signing secret is shown only now:",
        markup=False,
    )
    print(hook.secret)


@webhook_app.command("list")
def webhook_list(db: DbOption = None, json_: JsonOption = False) -> None:
    """List the webhooks (never their secrets) with their pending and dead deliveries."""
    from sqlalchemy import text

    from reviewdesk.server.webhooks.hooks import list_webhooks

    def load(connection: Any) -> list[tuple[Any, dict[str, int]]]:
        found = []
        for hook in list_webhooks(connection):
            counts = connection.execute(
                text(
                    "SELECT d.state, count(*) FROM webhook_delivery d JOIN webhook w "
                    "ON w.pk = d.webhook_pk WHERE w.id = :id GROUP BY d.state"
                ),
                {"id": hook.id},
            )
            found.append((hook, {row[0]: int(row[1]) for row in counts}))
        return found

    hooks = _with_database(db, load)
    if json_:
        print(json.dumps({"webhooks": [
            {"id": h.id, "queue": h.queue, "url": h.url, "active": h.active, "deliveries": n}
            for h, n in hooks
        ]}))  # fmt: skip
        return
    for hook, counts in hooks:
        state = "active" if hook.active else "stopped"
        shown = ", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "none yet"
        out.print(f"{hook.id}  {hook.queue}  {hook.url}  {state}  ({shown})", markup=False)


@webhook_app.command("replay")
def webhook_replay(
    webhook_id: Annotated[str, typer.Argument(help="The webhook's id (whk_...).")],
    db: DbOption = None,
) -> None:
    """Send a webhook's dead deliveries again."""
    from reviewdesk.server.webhooks.hooks import replay

    count = _with_database(db, lambda c: replay(c, webhook_id, delivery_ids=None, now_ms=_now_ms()))
    err.print(f"{count} dead deliveries of {webhook_id} will be sent again", markup=False)


queue_app = typer.Typer(help="Queue review policies.", no_args_is_help=True, rich_markup_mode=None)


def _band(value: str) -> dict[str, Any]:
    above, sep, reviews = value.partition("=")
    try:
        if not sep:
            raise ValueError
        return {"above": float(above), "reviews": int(reviews)}
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: write RISK=REVIEWERS, e.g. 0.9=2", param_hint="--required-reviews-above"
        ) from None


@queue_app.command("set")
def queue_set(
    queue: Annotated[str, typer.Argument(help="The queue.")],
    risk_threshold: Annotated[
        float | None,
        typer.Option(
            "--risk-threshold", min=0.0, max=1.0, help="Review items at least this risky."
        ),
    ] = None,
    min_severity: Annotated[
        str | None,
        typer.Option("--min-severity", help="Review items with a flag at least this severe."),
    ] = None,
    audit_rate: Annotated[
        float,
        typer.Option("--audit-rate", min=0.0, max=1.0, help="Share of the others to review."),
    ] = 0.0,
    required_reviews_above: Annotated[
        list[str] | None,
        typer.Option("--required-reviews-above", help="RISK=REVIEWERS, e.g. 0.9=2; repeatable."),
    ] = None,
    priority: Annotated[
        str,
        typer.Option(
            "--priority", help="Lease order: risk (highest first), oldest or newest first."
        ),
    ] = "risk",
    freeze: Annotated[
        bool,
        typer.Option(
            "--freeze",
            help="Keep each verdict as it first became final: later decisions are stored and "
            "counted but never revise it.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a queue's review policy (it routes the items pushed from now on)."""
    from pydantic import ValidationError

    from reviewdesk.domain.policy import ReviewPolicy
    from reviewdesk.server.queue.policy import save_policy

    try:
        policy = ReviewPolicy.model_validate({
            "risk_threshold": risk_threshold,
            "min_severity": min_severity,
            "audit_rate": audit_rate,
            "required_reviews": [_band(value) for value in required_reviews_above or ()],
            "priority": priority,
            "freeze": freeze,
        })  # fmt: skip
    except ValidationError as error:
        raise typer.BadParameter(
            "; ".join(str(e["msg"]) for e in error.errors(include_url=False))
        ) from None
    _with_database(db, lambda c: save_policy(c, queue, policy, now_ms=_now_ms()))
    err.print(f"policy of {queue}: {policy.model_dump_json()}", markup=False)


@queue_app.command("show")
def queue_show(
    queue: Annotated[str, typer.Argument(help="The queue.")],
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Show a queue's review policy and how many items it auto-approved."""
    from reviewdesk.server.queue.policy import load_policies, unreviewed_counts

    policy, counts = _with_database(
        db, lambda c: (load_policies(c, {queue}).get(queue), unreviewed_counts(c))
    )
    shown = None if policy is None else policy.model_dump(mode="json")
    if json_:
        print(json.dumps({"queue": queue, "policy": shown,
                          "auto_approved": counts.get(queue, 0)}))  # fmt: skip
        return
    policy_text = "no policy (every item is reviewed)" if shown is None else json.dumps(shown)
    out.print(f"{queue}: {policy_text}", markup=False)
    out.print(f"auto-approved (unreviewed) items: {counts.get(queue, 0)}", markup=False)


def register(app: typer.Typer) -> None:
    """Add `serve`, `token`, `push`, `webhook` and `queue` to the `reviewdesk` program."""
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
    app.command("push")(push)
    app.add_typer(webhook_app, name="webhook")
    app.add_typer(queue_app, name="queue")


def run_standalone(argv: list[str] | None = None) -> int:
    """These commands alone as a program (tests start the server this way); the exit status."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    register(app)
    try:
        app(args=argv, prog_name="reviewdesk", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except UserError as error:
        err.print(f"error: {error}", markup=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run_standalone())
