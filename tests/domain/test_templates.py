"""Template diffs in the domain: which lines a unified diff marks, whatever the text holds."""

from __future__ import annotations

from reviewdesk.domain.templates import LineKind, template_diff, text_sha256


def test_a_removed_line_that_starts_with_dashes_is_a_removed_line_not_a_header() -> None:
    diff = template_diff("t", "v1", "v2", "-- a comment\nkeep\n", "keep\n++ new\n")
    kinds = [(line.kind, line.text) for line in diff.lines]
    assert kinds[:2] == [(LineKind.HEADER, "--- t@v1"), (LineKind.HEADER, "+++ t@v2")]
    assert (LineKind.REMOVED, "--- a comment") in kinds
    assert (LineKind.ADDED, "+++ new") in kinds
    assert (diff.added, diff.removed) == (1, 1)
    assert diff.summary() == "t@v1 → @v2: 1 line added, 1 removed"


def test_equal_or_missing_texts_have_no_lines_and_say_why() -> None:
    same = template_diff("t", "v1", "v2", "x\n", "x\n")
    assert same.same and same.lines == () and same.text() == ""
    missing = template_diff("t", "v1", "v2", None, "x\n")
    assert missing.missing == ("v1",) and not missing.same
    assert missing.summary() == "no text for t@v1"
    assert text_sha256("x") != text_sha256("x\n")
