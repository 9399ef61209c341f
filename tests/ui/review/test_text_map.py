"""Flag spans (code points) land on the right characters of the Qt view (UTF-16 positions)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextCursor, QTextDocument

from reviewdesk.ui.review.text_map import BREAK_MARK, display_text, utf16_length


def selected(text: str, start: int, end: int) -> str:
    """What Qt selects between two positions of a plain-text document of `text`."""
    document = QTextDocument()
    document.setPlainText(text)
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return cursor.selectedText().replace("\u2029", "\n")


def test_an_emoji_before_a_span_shifts_the_qt_position() -> None:
    output = "🙂 call me: help@shop.example"
    start = output.index("help")
    shown = display_text(output)
    assert shown.span(start, len(output)) == (start + 1, len(output) + 1)
    span = shown.span(start, len(output))
    assert span is not None
    assert selected(shown.text, *span) == "help@shop.example"


def test_crlf_is_one_position_in_qt() -> None:
    output = "line one\r\nline two\r\nmail: a@b.example"
    start = output.index("a@b")
    shown = display_text(output)
    span = shown.span(start, len(output))
    assert span is not None
    assert selected(shown.text, *span) == "a@b.example"


def test_long_lines_are_broken_with_a_mark_and_spans_still_map() -> None:
    output = "x" * 25 + "TARGET" + "y" * 10
    shown = display_text(output, line_cap=10)
    assert BREAK_MARK in shown.text
    start = output.index("TARGET")
    span = shown.span(start, start + 6)
    assert span is not None
    assert selected(shown.text, *span).replace(BREAK_MARK, "") == "TARGET"


def test_a_cut_output_reports_what_is_shown() -> None:
    output = "a" * 100
    shown = display_text(output, total_cap=40)
    assert shown.truncated and shown.shown_end == 40 and shown.text == "a" * 40
    assert shown.span(50, 60) is None
    assert display_text(output, total_cap=40, show_all=True).text == output


def test_ten_megabytes_on_one_line_become_short_paragraphs() -> None:
    output = "z" * 10_000_000
    shown = display_text(output)
    assert len(shown.text) < 250_000
    assert max(len(line) for line in shown.text.split("\n")) <= 10_001


_alphabet = st.sampled_from([*"ab \n\r\t", "é", "🙂", "𝔘", "\u2028", "\u2029", "\x0c"])


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=_alphabet, max_size=60),
    bounds=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    line_cap=st.integers(3, 30),
)
def test_every_span_selects_its_own_characters(
    text: str, bounds: tuple[int, int], line_cap: int
) -> None:
    start, end = sorted(min(bound, len(text)) for bound in bounds)
    shown = display_text(text, line_cap=line_cap)
    span = shown.span(start, end)
    assert span is not None
    expected = text[start:end].replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n")
    if expected.startswith("\n") and text[start - 1 : start + 1] == "\r\n":
        expected = expected[1:]  # a span starting inside "\r\n" starts after the break
    got = selected(shown.text, *span).replace(BREAK_MARK, "")
    assert got == expected
    assert utf16_length(shown.text) >= span[1]
