"""The dataset card: a README.md beside the export, rendered from a jinja2 template.

It says what is in the files (counts per split, verdict, model and prompt version), how they
were chosen (filters, policy, redaction, the command) and what a record looks like. Its YAML
header names the files per split, so `datasets.load_dataset(FOLDER)` finds the splits.
Values that come from user data are escaped so that they cannot change the card's Markdown.
"""

from __future__ import annotations

import re
from datetime import datetime

import jinja2
import orjson

from reviewdesk import __version__
from reviewdesk.export.options import ExportFormat, Style
from reviewdesk.export.summary import ExportSummary

__all__ = ["SCHEMAS", "render_card"]

_MESSAGES = "list of {role, content}"
SCHEMAS: dict[ExportFormat, list[tuple[str, str, str]]] = {
    ExportFormat.SFT: [
        ("messages", _MESSAGES, "the prompt's turns, then the assistant's reviewed answer"),
    ],
    ExportFormat.SFT_TEXT: [
        ("prompt", "string", "the prompt (chat turns as `[role]` blocks)"),
        ("completion", "string", "the reviewed answer"),
    ],
    ExportFormat.DPO: [
        ("prompt", "", "the prompt"),
        ("chosen", "", "the preferred answer: an edit's text, or an approved output"),
        ("rejected", "", "the other: the edited original, or a rejected output"),
    ],
    ExportFormat.KTO: [
        ("prompt", "", "the prompt"),
        ("completion", "", "an answer"),
        ("label", "boolean", "true: approved or an edit's text; false: rejected or edited away"),
    ],
    ExportFormat.OPENAI: [
        (
            "messages",
            "list of {role, content, weight?}",
            "roles system / user / assistant; weight 1 on the reviewed answer, 0 on earlier "
            "assistant turns",
        ),
    ],
    ExportFormat.RAW: [
        ("decision_id, reviewer, verdict, reasons, comment, edited_output", "", "the decision"),
        ("duration_ms, decided_at, supersedes, session_id, lease_id, lease_epoch", "", ""),
        ("device_id, current", "", "current: the reviewer's latest decision on the item"),
        ("generation_id, prompt, prompt_kind, output", "", "prompt: " + _MESSAGES),
        ("model, prompt_template, prompt_version, route, queue", "string", ""),
        ("risk, top_severity, flags", "", "flags: validator, code, severity, message, score, span"),
        ("input_tokens, output_tokens, cost_usd, latency_ms, trace_id, created_at", "", ""),
        ("usage, metadata", "JSON text", "as the producer sent them"),
    ],
    ExportFormat.CSV: [
        ("decision_id … edited_output", "text", "one row a decision (see the header row)"),
    ],
}

_MD_ACTIVE = re.compile(r"([\\`*_\[\]|~#!])")


def md_text(value: object) -> str:
    """Text from user data, safe inside a Markdown paragraph or table cell."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_ACTIVE.sub(r"\\\1", text)


def code_block(value: object) -> str:
    """A fenced code block that no run of backticks in `value` can close."""
    text = str(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def yaml_text(value: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return orjson.dumps(str(value)).decode()


def _environment() -> jinja2.Environment:
    from reviewdesk.resources import resource

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource("templates")),
        # Markdown, not HTML: values from user data go through the md filter instead.
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["md"] = md_text
    environment.filters["code_block"] = code_block
    environment.filters["yaml"] = yaml_text
    return environment


def render_card(
    summary: ExportSummary,
    *,
    command: str | None,
    source: str | None,
    created: datetime,
    marker: str,
) -> str:
    """The card's Markdown text."""
    options = summary.options
    tally = summary.tally
    chat = options.style is Style.CHAT
    kind = _MESSAGES if chat else "string"
    schema = [
        (
            name,
            kind if not type_ and options.format in (ExportFormat.DPO, ExportFormat.KTO) else type_,
            text,
        )
        for name, type_, text in SCHEMAS[options.format]
    ]
    splits = [
        {"name": name or "all", "file": path.name, "records": tally.records.get(name, 0)}
        for name, path in summary.files.items()
    ]
    template = _environment().get_template("dataset_card.md.j2")
    return template.render(
        marker=marker,
        format=str(options.format),
        style=str(options.style),
        styled=options.format in (ExportFormat.DPO, ExportFormat.KTO),
        splits=splits,
        split_spec=", ".join(f"{s.name}={s.share:g}" for s in options.splits),
        records=summary.records,
        labels=tally.labels,
        verdicts=sorted(tally.verdicts.items()),
        models=tally.models.most_common(),
        versions=tally.versions.most_common(),
        skipped=sorted(tally.skipped.items()),
        unresolved=summary.unresolved,
        filters=sorted(options.filters.described().items()),
        policy=str(options.resolution),
        unresolved_reason=options.resolution.leaves_out,
        adjudicators=", ".join(options.adjudicators),
        all_decisions=options.all_decisions and not options.format.uses_labels_only,
        redact=options.redact,
        redact_validators=", ".join(options.redact_validators),
        limit=options.limit,
        command=command,
        source=source,
        created=created.strftime("%Y-%m-%d %H:%M:%S UTC"),
        version=__version__,
        schema=schema,
    )
