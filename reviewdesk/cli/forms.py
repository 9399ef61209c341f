"""`reviewdesk form set` and `reviewdesk form show`: a queue's review form in the local store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reviewdesk.cli.console import JsonOption, StoreOption, say, store_path, write_out
from reviewdesk.errors import UserError

if TYPE_CHECKING:
    from reviewdesk.domain import Form

form_app = typer.Typer(
    help="A queue's review form: guidelines and the questions reviewers answer.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

QueueArgument = Annotated[str, typer.Argument(help="The queue.", metavar="QUEUE")]


def read_form_file(path: Path) -> Form:
    """The form in a TOML file.

    Raises:
        FormError: the file breaks a rule (each problem names the file and the question).
        UserError: the file cannot be read.
    """
    from reviewdesk.domain import Form

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise UserError(f"cannot read the form file {path}: {why}") from None
    return Form.from_toml(text, source=str(path))


@form_app.command("set")
def form_set(
    queue: QueueArgument,
    file: Annotated[
        Path,
        typer.Argument(help="The form file (TOML).", metavar="FORM.toml", dir_okay=False),
    ],
    store: StoreOption = None,
) -> None:
    """Make a TOML file the queue's form; earlier versions are kept. Without a `version` in the
    file, the form takes the next one; an unchanged form stays as it is."""
    from reviewdesk.store import Store

    form = read_form_file(file)  # read and checked before the store is opened or created
    with Store.open(store_path(store)) as opened:
        before = opened.form(queue)
        stored = opened.set_form(queue, form)
    count = len(stored.questions)
    questions = f"{count} question{'s' if count != 1 else ''}"
    if before is not None and before.version == stored.version:
        say(f"queue {queue}: the form is unchanged (version {stored.version}, {questions})")
    else:
        say(f"queue {queue}: form version {stored.version} stored ({questions})")


@form_app.command("show")
def form_show(
    queue: QueueArgument,
    version: Annotated[
        int | None,
        typer.Option("--version", min=1, help="An earlier version.", show_default=False),
    ] = None,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Print the queue's form: as a TOML form file (which `form set` reads back), or JSON."""
    from reviewdesk.store import Store

    with Store.open(store_path(store), create=False) as opened:
        form = opened.form(queue, version)
    if form is None:
        which = f"no form version {version}" if version is not None else "no form"
        raise UserError(f"queue {queue!r} has {which}")
    if json_:
        print(json.dumps({"queue": queue, **form.definition()}, ensure_ascii=False))
        return
    write_out(f"# the review form of queue {queue}\n{form.to_toml()}".rstrip("\n"))


def register(app: typer.Typer) -> None:
    app.add_typer(form_app, name="form")
