"""The `reviewdesk export` command (registered on the main app by `register`).

Kept apart from `app.py` so the export's many options live with their one command.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from reviewdesk.cli import console

__all__ = ["register"]


_FORMATS = "raw, sft, sft-text, dpo, kto, openai, csv"


def _many(what: str) -> Any:
    """A repeatable filter option on `what` (any of the values given matches)."""
    return typer.Option(help=f"Only this {what} (repeatable).", show_default=False)


def _choice(value: str, choices: type[Any], option: str) -> Any:
    from reviewdesk.export import ExportError

    try:
        return choices(value)
    except ValueError:
        known = ", ".join(str(member) for member in choices)
        raise ExportError(f"{option} {value!r}: use one of {known}") from None


def export(
    out: Annotated[
        Path,
        typer.Argument(
            help="The data file (.jsonl, .csv; .gz compresses). With --split, NAME-train.EXT "
            "and NAME-test.EXT beside it. The dataset card README.md goes in the same folder.",
            show_default=False,
        ),
    ],
    format_: Annotated[
        str, typer.Option("--format", "-f", help=f"{_FORMATS}.", show_default=False)
    ],
    since: Annotated[
        str | None,
        typer.Option(
            help="Decisions made at or after (2026-11-01 or an ISO time, UTC).", show_default=False
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Decisions made before this time.", show_default=False)
    ] = None,
    queue: Annotated[list[str] | None, _many("queue")] = None,
    model: Annotated[list[str] | None, _many("model")] = None,
    template: Annotated[
        list[str] | None, typer.Option(help="Prompt template (repeatable).", show_default=False)
    ] = None,
    prompt_version: Annotated[
        list[str] | None,
        typer.Option("--prompt-version", help="Prompt version (repeatable).", show_default=False),
    ] = None,
    route: Annotated[list[str] | None, _many("route")] = None,
    verdict: Annotated[
        list[str] | None,
        typer.Option(help="approve, edit or reject (repeatable).", show_default=False),
    ] = None,
    reviewer: Annotated[list[str] | None, _many("reviewer's decisions")] = None,
    min_agreement: Annotated[
        float | None,
        typer.Option(
            help="Keep labels that at least this share (0..1) of the item's reviewers agree with.",
            show_default=False,
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            help="Keep labels whose answer to a form question meets this, e.g. "
            "helpfulness>=4 or behaviour=full_refusal (OP: = != < <= > >=; repeatable, all "
            "must hold).",
            show_default=False,
            metavar="QUESTION OP VALUE",
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            help="How several decisions on an item resolve: resolved (majority, then an "
            "adjudicator; the training formats' default), latest (each reviewer's; raw and "
            "csv's default), majority, adjudicated.",
            show_default=False,
        ),
    ] = None,
    per_reviewer: Annotated[
        bool,
        typer.Option(
            "--per-reviewer",
            help="Training formats: a row for every reviewer's label (--policy latest) instead "
            "of one row per item.",
        ),
    ] = False,
    adjudicator: Annotated[
        list[str] | None,
        typer.Option(
            help="A reviewer whose word settles disagreements (adjudicated).", show_default=False
        ),
    ] = None,
    all_decisions: Annotated[
        bool,
        typer.Option("--all-decisions", help="raw and csv: every decision, superseded ones too."),
    ] = False,
    style: Annotated[
        str, typer.Option(help="dpo and kto: chat (messages) or text (plain strings).")
    ] = "chat",
    split: Annotated[
        str | None,
        typer.Option(
            help="Held-out shares by prompt hash, e.g. test=0.1 or validation=0.05,test=0.1.",
            show_default=False,
        ),
    ] = None,
    redact: Annotated[
        bool, typer.Option("--redact", help="Replace flagged PII spans with [REDACTED:<code>].")
    ] = False,
    redact_validator: Annotated[
        list[str] | None,
        typer.Option(
            help="The validators whose spans --redact replaces (default: pii).", show_default=False
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="At most this many records.", show_default=False, min=0)
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the counts only; write nothing.")
    ] = False,
    card: Annotated[
        bool, typer.Option("--card/--no-card", help="Write the README.md card.")
    ] = True,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace an earlier export in the folder (its card and files) or files of "
            "the same name.",
        ),
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option("--allow-empty", help="Write the export even when it holds no records."),
    ] = False,
    store: console.StoreOption = None,
    json_: console.JsonOption = False,
) -> None:
    """Export reviewed generations as a dataset for fine-tuning or evaluation."""
    import orjson

    from reviewdesk.domain import Verdict
    from reviewdesk.export import (
        ExportError,
        ExportFormat,
        ExportOptions,
        Filters,
        Style,
        export_dataset,
        parse_split,
        parse_time_bound,
    )
    from reviewdesk.export.options import parse_where
    from reviewdesk.store import Resolution, Store

    if per_reviewer and policy not in (None, "latest"):
        raise ExportError(f"--per-reviewer is --policy latest: leave out --policy {policy}")
    if min_agreement is not None and not 0.0 <= min_agreement <= 1.0:
        raise ExportError(f"--min-agreement {min_agreement:g}: give a share between 0 and 1")
    resolution = None if policy is None else _choice(policy, Resolution, "--policy")
    if per_reviewer:
        resolution = Resolution.LATEST
    filters = Filters(
        since=None if since is None else parse_time_bound(since, "--since"),
        until=None if until is None else parse_time_bound(until, "--until"),
        queues=tuple(queue or ()),
        models=tuple(model or ()),
        templates=tuple(template or ()),
        versions=tuple(prompt_version or ()),
        routes=tuple(route or ()),
        verdicts=tuple(_choice(v, Verdict, "--verdict") for v in verdict or ()),
        reviewers=tuple(reviewer or ()),
        min_agreement=min_agreement,
        answers=tuple(parse_where(condition) for condition in where or ()),
    )
    options = ExportOptions(
        format=_choice(format_, ExportFormat, "--format"),
        filters=filters,
        policy=resolution,
        adjudicators=tuple(adjudicator or ()),
        all_decisions=all_decisions,
        style=_choice(style, Style, "--style"),
        splits=() if split is None else parse_split(split),
        redact=redact,
        redact_validators=tuple(redact_validator or ("pii",)),
        limit=limit,
    )
    path = console.store_path(store)
    bar = console.ProgressBar("exporting")
    try:
        with Store.open(path, create=False) as opened:
            summary = export_dataset(
                opened.engine,
                out,
                options,
                progress=bar.update,
                dry_run=dry_run,
                card=card,
                command=_command_line(out, options, card=card),
                source=path.name,
                overwrite=overwrite,
                allow_empty=allow_empty,
            )
    finally:
        bar.close()
    data = summary.as_dict()
    if json_:
        print(orjson.dumps(data).decode())
        return
    verb = "would write" if dry_run else "wrote"
    splits = ", ".join(f"{name} {n}" for name, n in data["records_by_split"].items()) or "none"
    console.out.print(
        f"{verb} {summary.records} {options.format} records ({splits}) "
        f"from {summary.tally.labels} labels ({data['rows']}, {data['policy']} policy)",
        markup=False,
    )
    for name, file in data["files"].items():
        console.out.print(f"  {name}: {file}", markup=False)
    if summary.card is not None:
        console.out.print(f"  card: {summary.card}", markup=False)
    for why, n in data["skipped"].items():
        console.err.print(f"left out: {why}: {n}", markup=False)
    if summary.unresolved:
        console.err.print(
            f"left out by the {options.resolution} policy ({data['unresolved_reason']}): "
            f"{summary.unresolved} items",
            markup=False,
        )


def _command_line(out: Path, options: Any, *, card: bool) -> str:
    """The command that makes this export again, with the store left out (a local path)."""
    words = ["reviewdesk", "export", str(out), "--format", str(options.format)]
    filters = options.filters
    for flag, value in (("--since", filters.since), ("--until", filters.until)):
        if value is not None:
            words += [flag, value.isoformat()]
    for flag, values in (
        ("--queue", filters.queues),
        ("--model", filters.models),
        ("--template", filters.templates),
        ("--prompt-version", filters.versions),
        ("--route", filters.routes),
        ("--verdict", filters.verdicts),
        ("--reviewer", filters.reviewers),
        ("--adjudicator", options.adjudicators),
    ):
        for value in values:
            words += [flag, str(value)]
    if filters.min_agreement is not None:
        words += ["--min-agreement", f"{filters.min_agreement:g}"]
    for condition in filters.answers:
        words += ["--where", str(condition)]
    if options.policy is not None:
        words += ["--policy", str(options.policy)]
    if options.all_decisions:
        words.append("--all-decisions")
    if str(options.style) != "chat":
        words += ["--style", str(options.style)]
    if options.splits:
        words += ["--split", ",".join(f"{s.name}={s.share:g}" for s in options.splits)]
    if options.redact:
        words.append("--redact")
        if tuple(options.redact_validators) != ("pii",):
            for name in options.redact_validators:
                words += ["--redact-validator", name]
    if options.limit is not None:
        words += ["--limit", str(options.limit)]
    if not card:
        words.append("--no-card")
    return shlex.join(words)


def register(app: typer.Typer) -> None:
    """Add the `export` command to the `reviewdesk` app."""
    app.command("export")(export)
