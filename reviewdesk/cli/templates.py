"""`reviewdesk template add | list | show | diff`: the prompt-template registry of the local
store (the text behind each template version)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reviewdesk.cli.console import JsonOption, StoreOption, out, say, store_path
from reviewdesk.errors import UserError

if TYPE_CHECKING:
    from reviewdesk.domain.templates import TemplateDiff

template_app = typer.Typer(
    help="Prompt templates: the text behind each template version, and what changed.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

NameArgument = Annotated[str, typer.Argument(help="The prompt template.", metavar="NAME")]
VersionArgument = Annotated[str, typer.Argument(help="The version.", metavar="VERSION")]


def read_template_file(path: Path) -> str:
    """The text of a template file, or of stdin for `-`.

    Raises:
        UserError: the file cannot be read, is not UTF-8, is empty or too long (names it).
    """
    from reviewdesk.domain.templates import MAX_TEMPLATE_CHARS

    name = "stdin" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read the template file {name}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise UserError(
            f"the template file {name} is not UTF-8 text (byte {error.start})"
        ) from None
    if not text.strip():
        raise UserError(f"the template file {name} is empty")
    if len(text) > MAX_TEMPLATE_CHARS:
        raise UserError(
            f"the template file {name} has {len(text):,} characters: "
            f"at most {MAX_TEMPLATE_CHARS:,} are taken"
        )
    return text


def _check_key(what: str, value: str) -> None:
    if not value.strip() or len(value) > 200:
        raise UserError(f"the template {what} must be 1 to 200 characters, not {value!r}")


@template_app.command("add")
def template_add(
    name: NameArgument,
    version: VersionArgument,
    file: Annotated[
        Path,
        typer.Argument(help="The template text (a file, or - for stdin).", metavar="FILE"),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace another text stored for this version."),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Store the text of NAME@VERSION. The same text again changes nothing; another text for a
    stored version is refused unless --replace."""
    from reviewdesk.errors import TemplateConflictError
    from reviewdesk.store import Store
    from reviewdesk.store.templates import Added

    _check_key("name", name)
    _check_key("version", version)
    text = read_template_file(file)  # read before the store is opened or created
    with Store.open(store_path(store)) as opened:
        try:
            added = opened.add_template(name, version, text, replace=replace)
        except TemplateConflictError as error:
            raise UserError(
                f"the file {'stdin' if str(file) == '-' else file}: {error} "
                "(give the new text a new version, or --replace to overwrite)"
            ) from None
    lines = text.count("\n") + (not text.endswith("\n"))
    said = {
        Added.ADDED: f"{name}@{version}: stored ({lines} line{'s' if lines != 1 else ''})",
        Added.UNCHANGED: f"{name}@{version}: unchanged (the same text is stored)",
        Added.REPLACED: f"{name}@{version}: text replaced ({lines} lines)",
    }
    say(said[added])


@template_app.command("list")
def template_list(store: StoreOption = None, json_: JsonOption = False) -> None:
    """Every template version: whether its text is stored, and how many items use it."""
    from reviewdesk.store import Store

    with Store.open(store_path(store), create=False) as opened:
        uses = opened.templates()
    if json_:
        print(
            json.dumps(
                [
                    {
                        "name": use.name,
                        "version": use.version,
                        "items": use.items,
                        "has_text": use.has_text,
                        "sha256": use.sha256,
                        "added_at": None if use.added_at is None else use.added_at.isoformat(),
                        "source": use.source,
                        "mismatches": use.mismatches,
                    }
                    for use in uses
                ],
                ensure_ascii=False,
            )
        )
        return
    if not uses:
        say("no prompt templates: add one with `reviewdesk template add NAME VERSION FILE`")
        return
    width = max(len(f"{use.name}@{use.version}") for use in uses)
    for use in uses:
        text = f"text added {use.added_at:%Y-%m-%d} ({use.source})" if use.added_at else "no text"
        if use.mismatches:
            many = use.mismatches != 1
            text += f", {use.mismatches} item{'s' if many else ''} carried another text"
        items = f"{use.items:,} item{'s' if use.items != 1 else ''}"
        out.print(f"{use.name + '@' + use.version:<{width}}  {items:>12}  {text}", markup=False)


@template_app.command("show")
def template_show(name: NameArgument, version: VersionArgument, store: StoreOption = None) -> None:
    """Print the text of NAME@VERSION, as it was stored."""
    from reviewdesk.store import Store

    with Store.open(store_path(store), create=False) as opened:
        found = opened.template(name, version)
        known = [use for use in opened.templates() if use.name == name and use.has_text]
    if found is None:
        versions = ", ".join(use.version for use in known) or "none"
        raise UserError(f"no text is stored for {name}@{version} (versions with text: {versions})")
    sys.stdout.write(found.text if found.text.endswith("\n") else found.text + "\n")


def print_diff(diff: TemplateDiff) -> None:
    """A template diff on stdout: `+` lines green, `-` red on a terminal; plain otherwise."""
    from rich.text import Text

    from reviewdesk.domain.templates import LineKind

    styles = {
        LineKind.ADDED: "green",
        LineKind.REMOVED: "red",
        LineKind.HUNK: "cyan",
        LineKind.HEADER: "bold",
    }
    if not diff.lines:
        out.print(diff.summary(), markup=False)
        return
    for line in diff.lines:
        out.print(Text(line.text, style=styles.get(line.kind, "")), markup=False)


@template_app.command("diff")
def template_diff(
    name: NameArgument,
    a: Annotated[str, typer.Argument(help="The older version.", metavar="A")],
    b: Annotated[str, typer.Argument(help="The newer version.", metavar="B")],
    store: StoreOption = None,
) -> None:
    """What changed from version A of NAME to version B (a unified diff)."""
    from reviewdesk.domain.templates import template_diff as diff_of
    from reviewdesk.store import Store

    with Store.open(store_path(store), create=False) as opened:
        old, new = opened.template(name, a), opened.template(name, b)
    diff = diff_of(name, a, b, old.text if old else None, new.text if new else None)
    if diff.missing:
        raise UserError(f"{diff.summary()}: add it with `reviewdesk template add`")
    print_diff(diff)


def register(app: typer.Typer) -> None:
    app.add_typer(template_app, name="template")
