"""Replacing flagged spans (PII) with `[REDACTED:<code>]`.

A flag's span is `[start, end)` in code points of the generation's output, so the output is
redacted by position. The prompt, an edited output and a comment carry no spans of their own:
there, every occurrence of a flagged text is replaced, so a leaked e-mail address copied into
the prompt or left in an edit goes too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["Redaction"]


class _Span(NamedTuple):
    start: int
    end: int
    code: str


class Redaction:
    """The flagged spans of one output, and the same texts wherever else they appear."""

    __slots__ = ("_secrets", "_spans", "output")

    def __init__(self, output: str, spans: Sequence[tuple[int, int, str]]) -> None:
        merged: list[_Span] = []
        for start, end, code in sorted(spans):
            start, end = max(0, start), min(len(output), end)
            if start >= end:
                continue
            if merged and start < merged[-1].end:  # overlapping flags: one marker, the first code
                last = merged[-1]
                merged[-1] = _Span(last.start, max(last.end, end), last.code)
            else:
                merged.append(_Span(start, end, code))
        self._spans = merged
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(
            {output[span.start : span.end]: span.code for span in merged}.items(),
            key=lambda item: -len(item[0]),
        )
        pieces: list[str] = []
        cursor = 0
        for span in merged:
            pieces.append(output[cursor : span.start])
            pieces.append(f"[REDACTED:{span.code}]")
            cursor = span.end
        pieces.append(output[cursor:])
        self.output = "".join(pieces)
        """The output with its flagged spans replaced."""

    def __bool__(self) -> bool:
        return bool(self._spans)

    def text(self, value: str) -> str:
        """`value` with every occurrence of a flagged text replaced."""
        for secret, code in self._secrets:
            if secret.strip() and secret in value:
                value = value.replace(secret, f"[REDACTED:{code}]")
        return value
