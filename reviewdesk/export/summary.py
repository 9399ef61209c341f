"""What an export wrote: its summary, read by the command line, the desk and the dataset card."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewdesk.export.options import ExportOptions
from reviewdesk.export.records import Tally

__all__ = ["ExportSummary"]


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote (or, for a dry run or a cancelled one, would have)."""

    options: ExportOptions
    tally: Tally
    unresolved: int
    files: dict[str, Path] = field(default_factory=dict)
    card: Path | None = None
    dry_run: bool = False
    cancelled: bool = False

    @property
    def records(self) -> int:
        return sum(self.tally.records.values())

    def _rows(self) -> str:
        options = self.options
        if options.all_decisions and not options.format.uses_labels_only:
            return "one per decision"
        return "one per item" if options.per_item else "one per label"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for `--json` and the desk)."""
        tally = self.tally
        return {
            "format": str(self.options.format),
            "policy": str(self.options.resolution),
            "rows": self._rows(),
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "labels": tally.labels,
            "records": self.records,
            "records_by_split": {name or "all": n for name, n in tally.records.items()},
            "verdicts": dict(tally.verdicts),
            "models": dict(tally.models),
            "versions": dict(tally.versions),
            "skipped": dict(tally.skipped),
            "unresolved_items": self.unresolved,
            "unresolved_reason": self.options.resolution.leaves_out if self.unresolved else None,
            "files": {name or "all": str(path) for name, path in self.files.items()},
            "card": None if self.card is None else str(self.card),
        }
