"""What `reviewdesk import` prints: the problems and notes on stderr, the counts (and, for a
dry run, the first records as they would be stored) on stdout."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from reviewdesk.cli.console import say, write_out

if TYPE_CHECKING:
    from reviewdesk.ingest import ImportReport

__all__ = ["print_report"]


def print_report(report: ImportReport, *, as_json: bool) -> None:
    """Print an import's report: messages on stderr, the result on stdout."""
    for error in report.errors:
        say(str(error))
    if report.refused > len(report.errors):
        say(f"... {report.refused} refused records in all")
    for note in report.notes:
        say(note)
    if report.rejects is not None:
        say(f"refused records written to {report.rejects}")
    if report.new_reasons:
        say(f"new reasons added to the taxonomy: {', '.join(report.new_reasons)}")
    if report.undated_decisions:
        count = report.undated_decisions
        say(
            f"{count} decision{'s' if count != 1 else ''} had no decided_at: given the import "
            f"time, {report.imported_at}"
        )
    counts = report.summary()
    if as_json:
        document: dict[str, object] = dict(counts)
        if report.dry_run:
            document = {"dry_run": True, **counts, "preview": report.preview}
        print(json.dumps(document))
        return
    pairs = f" ({counts['comparisons']} comparisons)" if counts.get("comparisons") else ""
    text = (
        f"imported {counts['imported']}{pairs}, duplicates {counts['duplicates']}, "
        f"conflicts {counts['conflicts']}, invalid {counts['invalid']}, "
        f"decisions {counts['decisions']}"
    )
    if not report.dry_run:
        write_out(text)
        return
    shown = len(report.preview)
    write_out(
        f"dry run: the first {shown} record{'s' if shown != 1 else ''} as they would be stored"
    )
    for record in report.preview:
        write_out(json.dumps(record, ensure_ascii=False))
    write_out(f"would have {text}; nothing was stored")
