"""The prompt-template registry on any connection (the desk's sqlite3, SQLAlchemy on SQLite or
PostgreSQL): adding a version's text, reading it back, listing the versions with their items.

A version's text is set once. Adding the same text again changes nothing; another text is a
conflict (`add_template`, unless `replace`). Producers' items that carry a template text fill
the registry on first sight (`note_template`): a later item with another text for a version
already known is counted in `mismatches`, never stored over the known text.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from reviewdesk.domain.templates import PromptTemplate, TemplateUse, text_sha256
from reviewdesk.errors import TemplateConflictError
from reviewdesk.store import _codec as codec

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.engine import Connection

__all__ = [
    "Added",
    "SeenTemplate",
    "add_template",
    "list_templates",
    "load_template",
    "named_in_queues",
    "note_templates",
    "versions_without_text",
]

_COLUMNS = "name, version, text, sha256, added_at, source, mismatches"
_CHUNK = 900  # ids per IN (...), under SQLite's old 999-parameter limit


class Added(StrEnum):
    """What `add_template` did."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    """The version had this text already: nothing changed."""
    REPLACED = "replaced"


@dataclass(frozen=True)
class SeenTemplate:
    """A template text an item carried (`prompt_template_text`), with the item's template and
    version."""

    name: str
    version: str
    text: str


def _run(connection: sqlite3.Connection | Connection, sql: str, params: dict[str, Any]) -> Any:
    if isinstance(connection, sqlite3.Connection):
        return connection.execute(sql, params)
    from sqlalchemy import text

    return connection.execute(text(sql), params)


def _template(row: Any) -> PromptTemplate:
    name, version, text, sha256, added_at, source, mismatches = row
    return PromptTemplate(
        name=name,
        version=version,
        text=text,
        sha256=sha256,
        added_at=codec.parse_time(added_at),
        source=source,
        mismatches=mismatches,
    )


def load_template(
    connection: sqlite3.Connection | Connection, name: str, version: str
) -> PromptTemplate | None:
    """The text of `name`@`version`, or None when the registry has none."""
    row = _run(
        connection,
        f"SELECT {_COLUMNS} FROM prompt_template WHERE name = :name AND version = :version",
        {"name": name, "version": version},
    ).fetchone()
    return None if row is None else _template(row)


def add_template(
    connection: sqlite3.Connection | Connection,
    name: str,
    version: str,
    text: str,
    *,
    added_at: str,
    source: str,
    replace: bool = False,
) -> Added:
    """Store `text` as the text of `name`@`version`, in the caller's transaction.

    Raises:
        TemplateConflictError: the version has another text (and `replace` is not set);
            nothing is changed.
    """
    sha256 = text_sha256(text)
    stored = load_template(connection, name, version)
    if stored is not None:
        if stored.sha256 == sha256:
            return Added.UNCHANGED
        if not replace:
            raise TemplateConflictError(
                f"{name}@{version} has another text already (added {stored.added_at:%Y-%m-%d} "
                f"from {stored.source}); nothing was changed"
            )
        _run(
            connection,
            "UPDATE prompt_template SET text = :text, sha256 = :sha256, added_at = :added_at, "
            "source = :source, mismatches = 0 WHERE name = :name AND version = :version",
            {"name": name, "version": version, "text": text, "sha256": sha256,
             "added_at": added_at, "source": source},
        )  # fmt: skip
        return Added.REPLACED
    inserted = _run(
        connection,
        "INSERT INTO prompt_template (name, version, text, sha256, added_at, source, mismatches) "
        "VALUES (:name, :version, :text, :sha256, :added_at, :source, 0) "
        "ON CONFLICT (name, version) DO NOTHING",
        {"name": name, "version": version, "text": text, "sha256": sha256,
         "added_at": added_at, "source": source},
    )  # fmt: skip
    if inserted.rowcount == 0:  # another writer stored this version first: judge against it
        return add_template(
            connection, name, version, text, added_at=added_at, source=source, replace=replace
        )
    return Added.ADDED


def note_templates(
    connection: sqlite3.Connection | Connection,
    seen: Iterable[SeenTemplate],
    *,
    added_at: str,
    source: str,
) -> tuple[int, list[str]]:
    """Fill the registry from items' template texts, in the caller's transaction: a version
    the registry does not know takes the text; a known version with another text is counted
    in its `mismatches` and keeps its text. Safe against a concurrent writer of the same
    version (the first one's text stays).

    Returns:
        How many versions were added, and the labels (`name@version`) of the versions that
        were given another text, once each per call.
    """
    added = 0
    differing: dict[str, int] = {}
    first: dict[tuple[str, str], str] = {}
    for item in seen:
        key = (item.name, item.version)
        sha256 = text_sha256(item.text)
        if key not in first:
            inserted = _run(
                connection,
                "INSERT INTO prompt_template "
                "(name, version, text, sha256, added_at, source, mismatches) "
                "VALUES (:name, :version, :text, :sha256, :added_at, :source, 0) "
                "ON CONFLICT (name, version) DO NOTHING",
                {"name": item.name, "version": item.version, "text": item.text,
                 "sha256": sha256, "added_at": added_at, "source": source},
            )  # fmt: skip
            if inserted.rowcount == 1:
                added += 1
                first[key] = sha256
                continue
            row = _run(
                connection,
                "SELECT sha256 FROM prompt_template WHERE name = :name AND version = :version",
                {"name": item.name, "version": item.version},
            ).fetchone()
            first[key] = row[0]
        if first[key] != sha256:
            label = f"{item.name}@{item.version}"
            differing[label] = differing.get(label, 0) + 1
    for label, count in differing.items():
        name, _, version = label.rpartition("@")
        _run(
            connection,
            "UPDATE prompt_template SET mismatches = mismatches + :count "
            "WHERE name = :name AND version = :version",
            {"count": count, "name": name, "version": version},
        )
    return added, list(differing)


def named_in_queues(
    connection: sqlite3.Connection | Connection, name: str, version: str, queues: Iterable[str]
) -> bool:
    """Whether an item of one of `queues` names `name`@`version` (stops at the first)."""
    names = sorted(set(queues))
    if not names:
        return False
    marks = ", ".join(f":q{i}" for i in range(len(names)))
    row = _run(
        connection,
        "SELECT 1 FROM generation WHERE prompt_template = :name AND prompt_version = :version "
        f"AND queue IN ({marks}) LIMIT 1",
        {"name": name, "version": version, **{f"q{i}": q for i, q in enumerate(names)}},
    ).fetchone()
    return row is not None


def versions_without_text(
    connection: sqlite3.Connection | Connection, generation_ids: Iterable[str]
) -> list[tuple[str, str]]:
    """The template versions the given items name that the registry has no text for (by id
    look-ups: no scan of the store), sorted."""
    ids = sorted(set(generation_ids))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join(f":g{i}" for i in range(len(chunk)))
        found.update(
            (name, version)
            for name, version in _run(
                connection,
                "SELECT DISTINCT g.prompt_template, g.prompt_version FROM generation g "
                "LEFT JOIN prompt_template t "
                "ON t.name = g.prompt_template AND t.version = g.prompt_version "
                f"WHERE g.id IN ({marks}) AND t.pk IS NULL "
                "AND g.prompt_template IS NOT NULL AND g.prompt_version IS NOT NULL",
                {f"g{i}": gid for i, gid in enumerate(chunk)},
            )
        )
    return sorted(found, key=_natural)


def list_templates(
    connection: sqlite3.Connection | Connection, queues: Iterable[str] | None = None
) -> list[TemplateUse]:
    """Every template version the registry has a text for or a stored item names, with how
    many items name it, by template and version. With `queues`, only the versions items in
    those queues name (and their counts there)."""
    params: dict[str, Any] = {}
    where = "prompt_template IS NOT NULL AND prompt_version IS NOT NULL"
    if queues is not None:
        names = sorted(set(queues))
        if not names:
            return []
        marks = ", ".join(f":q{i}" for i in range(len(names)))
        where += f" AND queue IN ({marks})"
        params = {f"q{i}": queue for i, queue in enumerate(names)}
    counts = {
        (name, version): count
        for name, version, count in _run(
            connection,
            "SELECT prompt_template, prompt_version, count(*) FROM generation "
            f"WHERE {where} GROUP BY prompt_template, prompt_version",
            params,
        )
    }
    known = {
        (name, version): (sha256, added_at, source, mismatches)
        for name, version, sha256, added_at, source, mismatches in _run(
            connection,
            "SELECT name, version, sha256, added_at, source, mismatches FROM prompt_template",
            {},
        )
    }
    keys = set(counts) if queues is not None else set(counts) | set(known)
    uses = []
    for key in sorted(keys, key=_natural):
        stored = known.get(key)
        uses.append(
            TemplateUse(
                name=key[0],
                version=key[1],
                items=counts.get(key, 0),
                sha256=None if stored is None else stored[0],
                added_at=None if stored is None else codec.parse_time(stored[1]),
                source=None if stored is None else stored[2],
                mismatches=0 if stored is None else stored[3],
            )
        )
    return uses


def _natural(key: tuple[str, str]) -> tuple[Any, ...]:
    """v2 before v10."""
    import re

    return tuple(
        tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text))
        for text in key
    )
