"""The `reviewdesk` command.

Exit status: 0 success, 1 bad data or a failure outside (with a message naming what), 2 usage.
With `--json`, stdout holds exactly one JSON document; progress and messages go to stderr.
The desk (Qt) and the server are imported only inside the commands that need them.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from reviewdesk import __version__
from reviewdesk.cli import desk, imports
from reviewdesk.cli.console import (
    JsonOption,
    ProgressBar,
    StoreOption,
    error_line,
    out,
    store_path,
)
from reviewdesk.errors import UserError

logger = logging.getLogger(__name__)


app = typer.Typer(
    name="reviewdesk",
    help="A desktop review desk for generative-AI outputs.\n\n"
    "Run without a command to open the desk on your local store.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help as written: `[columns]` is no markup, and flags show no `<bool>` value.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ScreenshotOption = Annotated[
    Path | None,
    typer.Option(
        "--screenshot",
        help="Render the window with the first pending item, save it as a PNG and exit.",
        dir_okay=False,
        show_default=False,
    ),
]


SizeOption = Annotated[
    str | None,
    typer.Option(
        "--size",
        help="The window's size, WIDTHxHEIGHT (with --screenshot: the image's; default "
        "1440x900), whatever size the desk was left at.",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"reviewdesk {__version__}")
        raise typer.Exit(0)


def _open_desk(store: Path, screenshot: Path | None, size: str | None) -> None:
    raise typer.Exit(desk.open_desk(store, screenshot=screenshot, size=size))


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    store: StoreOption = None,
    screenshot: ScreenshotOption = None,
    size: SizeOption = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")
    ] = False,
    self_test: Annotated[
        bool,
        typer.Option(
            "--self-test",
            help="Open the desk offscreen on a temporary demo store, approve an item, read it "
            "back and exit 0 if all worked.",
        ),
    ] = False,
) -> None:
    """Open the desk on a local store."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if self_test:
        raise typer.Exit(desk.self_test())
    if ctx.invoked_subcommand is None:
        _open_desk(store_path(store), screenshot, size)
    given = {"store": store, "screenshot": screenshot, "size": size}
    _hand_down(ctx, {name: value for name, value in given.items() if value is not None})


def _hand_down(ctx: typer.Context, given: dict[str, Any]) -> None:
    """Options given before a command (`reviewdesk --store S import F`) go to that command as
    if given after it, through click's `default_map` (an option given after the command wins);
    one the command (or no command of a command group) takes is a usage error, never silently
    dropped."""
    group = ctx.command
    if not given or ctx.invoked_subcommand is None or not isinstance(group, TyperGroup):
        return
    command = group.get_command(ctx, ctx.invoked_subcommand)
    defaults, unused = _defaults_for(ctx, command, given)
    if unused:
        raise typer.BadParameter(
            f"it does not go with `reviewdesk {ctx.invoked_subcommand}`: give it after a "
            "command that takes it, or with no command to open the desk",
            ctx=ctx,
            param_hint=", ".join(f"--{name}" for name in sorted(unused)),
        )
    ctx.default_map = {ctx.invoked_subcommand: defaults}


def _defaults_for(
    ctx: typer.Context, command: Any, given: dict[str, Any]
) -> tuple[dict[str, Any], set[str]]:
    """The `default_map` entry that gives `command` (and a group's commands) the options in
    `given` it takes, and the names no command there takes."""
    if isinstance(command, TyperGroup):
        defaults: dict[str, Any] = {}
        unused = set(given)
        for name in command.list_commands(ctx):
            found, left = _defaults_for(ctx, command.commands.get(name), given)
            if found:
                defaults[name] = found
            unused &= left
        return defaults, unused
    takes = {param.name for param in command.params} if command is not None else set()
    return {name: value for name, value in given.items() if name in takes}, set(given) - takes


@app.command()
def demo(
    store: StoreOption = None,
    screenshot: ScreenshotOption = None,
    size: SizeOption = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Rebuild the demo store, dropping decisions made in it.")
    ] = False,
) -> None:
    """Open the desk on the demo store (built on first use from the bundled demo set)."""
    raise typer.Exit(
        desk.open_desk(store, screenshot=screenshot, demo=True, reset=reset, size=size)
    )


@app.command()
def info(store: StoreOption = None, json_: JsonOption = False) -> None:
    """Show what a store holds: path, schema revision and counts."""
    from reviewdesk.store import Store, head_revision
    from reviewdesk.store.comparisons import comparison_counts

    path = store_path(store)
    with Store.open(path, create=False) as opened:
        counts = opened.counts()
        with opened.reading() as connection:
            pairs = comparison_counts(connection)
    data: dict[str, Any] = {
        "store": str(path),
        "schema": head_revision(),
        **counts.model_dump(),
        **pairs,
    }
    if json_:
        print(json.dumps(data))
        return
    width = max(len(key) for key in data)
    for key, value in data.items():
        out.print(f"{key:<{width}}  {value}")


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(help="Files to import.", show_default=False, metavar="FILE"),
    ],
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="jsonl (canonical), json (an array of records), csv, tsv, openai (chat "
            "logs), parquet (needs pyarrow), or otlp (OpenTelemetry traces: the Collector's "
            "file exporter output); any of them may be gzipped (.gz). Default: by file name, "
            "then by content.",
            show_default=False,
            metavar="FORMAT",
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN: take a field from another column or key.",
            show_default=False,
            metavar="FIELD=COLUMN",
        ),
    ] = None,
    default: Annotated[
        list[str] | None,
        typer.Option(
            "--default",
            help="FIELD=VALUE: a value for a field the file lacks.",
            show_default=False,
            metavar="FIELD=VALUE",
        ),
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            "--value",
            help="FIELD:FROM=TO: translate the file's value FROM to TO in FIELD, e.g. "
            "verdict:yes=approve (a field with a value map takes only the values it lists).",
            show_default=False,
            metavar="FIELD:FROM=TO",
        ),
    ] = None,
    compute: Annotated[
        list[str] | None,
        typer.Option(
            "--compute",
            help="FIELD=EXPRESSION: compute a field from the row's columns with a jinja2 "
            "expression, e.g. \"verdict='approve' if label == 'safe' else 'reject'\".",
            show_default=False,
            metavar="FIELD=EXPR",
        ),
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="A TOML file with [columns], [defaults], [values.FIELD], [computed] and "
            "[[decisions]] (see the README).",
            show_default=False,
            metavar="FILE.toml",
        ),
    ] = None,
    id_from: Annotated[
        str | None,
        typer.Option(
            "--id-from",
            help="FIELD,FIELD: build each id from these fields or columns, joined with ':' "
            "(e.g. model,id when files reuse ids).",
            show_default=False,
            metavar="FIELDS",
        ),
    ] = None,
    id_prefix: Annotated[
        str | None,
        typer.Option(
            "--id-prefix",
            help="Put this text before every id (e.g. the name of the run).",
            show_default=False,
            metavar="TEXT",
        ),
    ] = None,
    queue: Annotated[
        str | None,
        typer.Option(
            "--queue",
            help="Put every imported item in this queue.",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="abort: import nothing if any record is invalid or a conflict (its id stored "
            "with other content). skip: import the others and write those to a rejects file.",
            metavar="abort|skip",
        ),
    ] = "abort",
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where --on-error skip writes refused records.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show the first records as they would be stored and the counts; store nothing.",
        ),
    ] = False,
    form_file: Annotated[
        Path | None,
        typer.Option(
            "--form",
            help="Make this TOML file the review form of the --queue first, in the same "
            "transaction as the import (decisions' answers are checked against it).",
            show_default=False,
            metavar="FORM.toml",
            dir_okay=False,
        ),
    ] = None,
    otlp_config: Annotated[
        Path | None,
        typer.Option(
            "--otlp-config",
            help="With --format otlp: a TOML file naming the span attributes route, template, "
            "version and queue come from (see the README).",
            show_default=False,
            metavar="FILE.toml",
        ),
    ] = None,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Import generations and comparisons (records with candidates), and the decisions they
    carry, into the store."""
    from reviewdesk.cli.forms import read_form_file
    from reviewdesk.ingest import Mapping, OnError, SourceFormat, import_files
    from reviewdesk.ingest.otlp import OtlpSettings
    from reviewdesk.store import Store

    try:
        source_format = None if format_ is None else SourceFormat(format_)
    except ValueError:
        raise typer.BadParameter(
            f"{format_!r}: use {', '.join(SourceFormat)}", param_hint="--format"
        ) from None
    try:
        policy = OnError(on_error)
    except ValueError:
        raise typer.BadParameter(
            f"{on_error!r}: use abort or skip", param_hint="--on-error"
        ) from None
    if form_file is not None and queue is None:
        raise typer.BadParameter(
            "--form sets the form of one queue: name it with --queue", param_hint="--form"
        )
    form = read_form_file(form_file) if form_file is not None else None
    mapping = Mapping.from_toml(mapping_file) if mapping_file else Mapping()
    mapping = mapping.merged(
        Mapping.from_specs(
            map_ or [],
            default or [],
            value or [],
            compute or [],
            id_from=id_from,
            id_prefix=id_prefix,
        )
    )
    with Store.open(store_path(store)) as opened, ProgressBar("importing", unit="bytes") as bar:
        report = import_files(
            opened,
            files,
            source_format=source_format,
            mapping=mapping,
            queue=queue,
            on_error=policy,
            rejects=rejects,
            progress=bar.update,
            dry_run=dry_run,
            preview=PREVIEW if dry_run else 0,
            form=form,
            otlp=OtlpSettings.from_toml(otlp_config) if otlp_config else None,
        )
    imports.print_report(report, as_json=json_)
    if dry_run and report.refused and policy is OnError.ABORT:
        raise typer.Exit(1)


PREVIEW = 3


# Commands defined in their own modules (each imports its heavy parts only when it runs).
def _register_commands() -> None:
    from reviewdesk.cli import comparisons, export, forms, server, stats, sync, templates

    forms.register(app)
    comparisons.register(app)
    stats.register(app)
    export.register(app)
    server.register(app)
    sync.register(app)
    templates.register(app)


_register_commands()


_PLAIN_TYPES = {"str": "TEXT", "int": "N", "float": "X", "Path": "PATH", "datetime": "TIME"}


def _plain_metavars(command: Any) -> Any:
    """Name what each option takes the way command lines do (`--since TEXT`, `--limit N`)
    where no metavar was given, instead of typer's `<str>`, `<list[str]>`, `<int range>`
    (typer 0.2x; an older typer leaves click's own names, which read well already)."""
    for param in command.params:
        described = getattr(param, "type_descriptor", None)
        if described is None:
            continue
        if param.param_type_name == "argument":
            param.metavar = param.metavar or param.name.upper()
            param.display_type_rich = lambda ctx: None  # the name says it: FILE, OUT
            continue
        if param.metavar is not None or getattr(param, "is_flag", False):
            continue
        if described.is_choice:
            param.metavar = "|".join(str(choice) for choice in described.choices or ())
        else:
            bare = param.bare_type().removeprefix("list[").removesuffix("]")
            param.metavar = _PLAIN_TYPES.get(bare, bare.upper())
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)
    return command


def run(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default: sys.argv); the exit status."""
    try:
        command = _plain_metavars(typer.main.get_command(app))
        command(args=argv, prog_name="reviewdesk", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except UserError as error:
        error_line(str(error))
        return 1
    return 0


def main() -> NoReturn:
    """The console script."""
    sys.exit(run())
