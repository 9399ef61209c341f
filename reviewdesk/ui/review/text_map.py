"""What a text view shows of an output, and where each character of the output ends up.

Flag spans count code points of the output; Qt positions count UTF-16 units of the document.
They differ by one for every character outside the BMP (emoji) before the position, and Qt
turns "\\r\\n" into one paragraph break. The view also never receives an unbounded text: a line
longer than `LINE_CAP` is broken (with a visible "↩") because laying out one huge paragraph
freezes Qt for seconds, and past `TOTAL_CAP` the text is cut until the reviewer asks for all.
`DisplayText` keeps the map from output offsets to view positions through all of that.

This module has no Qt in it, so it is tested on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["LINE_CAP", "TOTAL_CAP", "DisplayText", "display_text", "utf16_length"]

LINE_CAP = 10_000
TOTAL_CAP = 200_000
BREAK_MARK = "↩\n"


def utf16_length(text: str) -> int:
    """The length of `text` in UTF-16 code units (Qt's string positions)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Segment:
    start: int  # code point offset in the source
    end: int
    position: int  # UTF-16 position in the display text
    one_to_one: bool  # no "\r\n" and nothing outside the BMP: one position per code point


@dataclass(frozen=True)
class DisplayText:
    """A display form of `source` and the map from source offsets to view positions.

    Attributes:
        source: the whole output.
        text: what the view shows.
        truncated: the text stops before the end of `source` (a "show all" can lift that).
        shown_end: the source offset where the shown text stops.
    """

    source: str
    text: str
    truncated: bool
    shown_end: int
    _segments: tuple[_Segment, ...]
    _starts: tuple[int, ...]

    def position(self, index: int) -> int:
        """The view position (UTF-16) of source code point `index`, clamped to what is shown."""
        slot = bisect_right(self._starts, index) - 1
        if slot < 0:
            return 0
        segment = self._segments[slot]
        index = min(index, segment.end)
        if segment.one_to_one:  # the usual case, and no copy of a long output for each flag
            return segment.position + index - segment.start
        piece = self.source[segment.start : index]
        return segment.position + utf16_length(piece) - piece.count("\r\n")

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """View positions `[start, end)` of a source span; None when none of it is shown."""
        if start > self.shown_end or (start == self.shown_end and self.truncated):
            return None
        return self.position(start), self.position(end)


def display_text(
    source: str,
    *,
    show_all: bool = False,
    line_cap: int = LINE_CAP,
    total_cap: int = TOTAL_CAP,
) -> DisplayText:
    """The display form of `source`: long lines broken, cut at `total_cap` unless `show_all`."""
    limit = len(source) if show_all else min(len(source), total_cap)
    pieces: list[str] = []
    segments: list[_Segment] = []
    position = 0

    def copy(start: int, end: int) -> None:
        nonlocal position
        end = min(end, limit)
        if start >= end:
            return
        # Every line end becomes "\n": a lone "\r" too, or "\r\r\n" would turn into a new "\r\n"
        # that Qt reads as one break where the map counts two characters.
        original = source[start:end]
        piece = original.replace("\r\n", "\n").replace("\r", "\n")
        length = utf16_length(piece)
        one_to_one = length == len(original) and "\r\n" not in original
        segments.append(_Segment(start, end, position, one_to_one))
        pieces.append(piece)
        position += length

    def mark() -> None:
        nonlocal position
        pieces.append(BREAK_MARK)
        position += len(BREAK_MARK)

    cursor = 0
    # A paragraph for Qt ends at \n, \r or U+2029 (U+2028 does not end one). The lookbehind
    # anchors each try at a line start, so the scan stays linear on many short lines.
    long_line = re.compile(f"(?<![^\\n\\r\\u2029])[^\\n\\r\\u2029]{{{line_cap + 1},}}")
    for match in long_line.finditer(source, 0, min(len(source), limit + line_cap + 1)):
        if match.start() >= limit:
            break
        copy(cursor, match.start())
        for chunk in range(match.start(), match.end(), line_cap):
            if chunk >= limit:
                break
            if chunk > match.start():
                mark()
            copy(chunk, min(chunk + line_cap, match.end()))
        cursor = match.end()
    copy(cursor, len(source))
    return DisplayText(
        source=source,
        text="".join(pieces),
        truncated=limit < len(source),
        shown_end=limit,
        _segments=tuple(segments),
        _starts=tuple(segment.start for segment in segments),
    )
