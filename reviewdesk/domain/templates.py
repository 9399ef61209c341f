"""Prompt templates: the text behind each template version, and what changed between two.

The registry holds one text per (template, version): the prompt template a producer deployed as
that version. A version's text does not change once known; statistics that compare two
versions show the lines that differ (`template_diff`).
"""

from __future__ import annotations

import difflib
import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "MAX_TEMPLATE_CHARS",
    "DiffLine",
    "LineKind",
    "PromptTemplate",
    "TemplateDiff",
    "TemplateUse",
    "template_diff",
    "text_sha256",
]

MAX_TEMPLATE_CHARS = 1_000_000
"""The longest template text the registry takes (a template, not a document)."""


def text_sha256(text: str) -> str:
    """The hex SHA-256 of a template's text (UTF-8): how two texts are told apart."""
    return hashlib.sha256(text.encode()).hexdigest()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PromptTemplate(_Frozen):
    """The text of one version of a prompt template.

    `source` says where the registry first saw it (`cli`, `api`, `item`, `import`, `otlp`,
    `sync`); `mismatches` counts the items that later carried a different text for this
    version (kept out: a version's text never changes by the way)."""

    name: str
    version: str
    text: str
    sha256: str
    added_at: datetime
    source: str
    mismatches: int = 0

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


class TemplateUse(_Frozen):
    """A template version as `template list` shows it: whether the registry has its text, and
    how many stored items name it."""

    name: str
    version: str
    items: int
    sha256: str | None = None
    added_at: datetime | None = None
    source: str | None = None
    mismatches: int = 0

    @property
    def has_text(self) -> bool:
        return self.sha256 is not None


class LineKind(StrEnum):
    HEADER = "header"
    HUNK = "hunk"
    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"


class DiffLine(_Frozen):
    kind: LineKind
    text: str
    """The line as a unified diff prints it (with its `+`, `-` or space), no line end."""


class TemplateDiff(_Frozen):
    """What changed from version `old` of a template to version `new` (a unified diff).

    `missing` names the versions the registry has no text for; then `lines` is empty."""

    name: str
    old: str
    new: str
    lines: tuple[DiffLine, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def added(self) -> int:
        return sum(line.kind is LineKind.ADDED for line in self.lines)

    @property
    def removed(self) -> int:
        return sum(line.kind is LineKind.REMOVED for line in self.lines)

    @property
    def same(self) -> bool:
        """Both texts are known and equal."""
        return not self.missing and not self.lines

    def summary(self) -> str:
        """One line about the diff, for a person."""
        if self.missing:
            return f"no text for {' and '.join(f'{self.name}@{v}' for v in self.missing)}"
        if self.same:
            return f"{self.name}@{self.old} and @{self.new} have the same text"
        return (
            f"{self.name}@{self.old} → @{self.new}: "
            f"{self.added} line{'s' if self.added != 1 else ''} added, "
            f"{self.removed} removed"
        )

    def text(self) -> str:
        """The unified diff as text (empty when the texts are equal or one is missing)."""
        return "".join(f"{line.text}\n" for line in self.lines)


def _kind(position: int, line: str) -> LineKind:
    # The first two lines are the file headers; a removed line "-- x" also starts with "---".
    if position < 2:
        return LineKind.HEADER
    if line.startswith("@@"):
        return LineKind.HUNK
    if line.startswith("+"):
        return LineKind.ADDED
    if line.startswith("-"):
        return LineKind.REMOVED
    return LineKind.CONTEXT


def template_diff(
    name: str, old: str, new: str, old_text: str | None, new_text: str | None, context: int = 3
) -> TemplateDiff:
    """The unified diff from version `old` (text `old_text`) to version `new` of template
    `name`; a version whose text is None is named in `missing`."""
    missing = tuple(v for v, t in ((old, old_text), (new, new_text)) if t is None)
    if old_text is None or new_text is None:
        return TemplateDiff(name=name, old=old, new=new, missing=missing)
    lines = difflib.unified_diff(
        old_text.splitlines(),
        new_text.splitlines(),
        fromfile=f"{name}@{old}",
        tofile=f"{name}@{new}",
        n=context,
        lineterm="",
    )
    return TemplateDiff(
        name=name,
        old=old,
        new=new,
        lines=tuple(
            DiffLine(kind=_kind(position, line), text=line) for position, line in enumerate(lines)
        ),
    )
