"""What changed in a prompt template between the two versions a comparison weighs: the unified
diff of their texts from the prompt-template registry (`reviewdesk template add`, or items'
`prompt_template_text`), shown beside the verdict ("v7 beats v6: +29 points")."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Engine

from reviewdesk.domain.templates import TemplateDiff, template_diff
from reviewdesk.stats.models import Comparison
from reviewdesk.store.templates import load_template

__all__ = ["comparison_diffs", "version_diff"]


def version_diff(engine: Engine, template: str, a: str, b: str) -> TemplateDiff:
    """What version `a` of `template` changed from version `b` (the diff from `b` to `a`, as a
    comparison of `a` against `b` reads)."""
    with engine.connect() as connection:
        old = load_template(connection, template, b)
        new = load_template(connection, template, a)
    return template_diff(
        template, b, a, None if old is None else old.text, None if new is None else new.text
    )


def comparison_diffs(
    engine: Engine, comparisons: Iterable[Comparison]
) -> dict[tuple[str, str, str], TemplateDiff]:
    """Each comparison's diff, by (template, a, b)."""
    return {(c.template, c.a, c.b): version_diff(engine, c.template, c.a, c.b) for c in comparisons}
