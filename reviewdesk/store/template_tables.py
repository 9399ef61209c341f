"""The prompt-template registry's table (SQLModel, migration 0017).

One row per (template, version): the text producers deployed as that version. The registry is
small (templates, not items) and read by name and version, so one table holds it all."""

from __future__ import annotations

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class PromptTemplateRow(SQLModel, table=True):
    """`sha256` is the text's (to compare texts without reading them); `source` where the
    registry first saw the text; `mismatches` how many items later carried another text for
    this version (kept out)."""

    __tablename__ = "prompt_template"
    __table_args__ = (UniqueConstraint("name", "version"),)

    pk: int | None = Field(default=None, primary_key=True)
    name: str
    version: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str
    added_at: str
    source: str
    mismatches: int = 0
