"""A word-level diff of an edited output against its original, for the edit pane.

One changed word shows as that word struck out and its replacement beside it, with a few words
of context, instead of the whole paragraph twice. Only the part between the first and the last
change is compared (the edit pane knows it from the positions of the edits, so a pause in
typing in a 5 MB output never compares 5 MB), and a change too large to compare word by word
shows as one block out, one block in.

This module has no Qt in it, so it is tested on its own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MAX_TOKENS", "Piece", "PieceKind", "summary", "word_diff"]

MAX_TOKENS = 20_000
"""Past this many words and spaces on a side, a change is shown as one block out, one in."""

_CONTEXT = 8
"""Words and spaces of unchanged text kept on each side of a change (the rest is "…")."""

_BLOCK_SHOWN = 2_000
"""Characters of a block too large to compare shown on each side before "…"."""

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


class PieceKind(StrEnum):
    SAME = "same"
    GONE = "gone"
    NEW = "new"
    ELIDED = "elided"


@dataclass(frozen=True)
class Piece:
    """A run of the diff: text kept, removed, added, or unchanged text left out ("…")."""

    kind: PieceKind
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def _clip(text: str) -> str:
    if len(text) <= 2 * _BLOCK_SHOWN:
        return text
    return f"{text[:_BLOCK_SHOWN]} … {text[-_BLOCK_SHOWN:]}"


def word_diff(old: str, new: str, *, before: str = "", after: str = "") -> list[Piece]:
    """The pieces that turn `old` into `new`, word by word; `before` and `after` are the
    unchanged text around them (a few of their words are kept as context)."""
    pieces: list[Piece] = []
    lead_all = _tokens(before[-400:])
    lead = lead_all[-_CONTEXT:]
    breaks = [n for n, token in enumerate(lead) if "\n" in token]
    if breaks:  # the context starts on the changed line
        lead = lead[breaks[-1] + 1 :]
    if len(lead) < len(lead_all) or len(before) > 400:
        pieces.append(Piece(PieceKind.ELIDED, "…"))
    if lead:
        pieces.append(Piece(PieceKind.SAME, "".join(lead)))
    a, b = _tokens(old), _tokens(new)
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        if old:
            pieces.append(Piece(PieceKind.GONE, _clip(old)))
        if new:
            pieces.append(Piece(PieceKind.NEW, _clip(new)))
    else:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                same = a[a0:a1]
                if len(same) > 2 * _CONTEXT + 1:
                    pieces.append(Piece(PieceKind.SAME, "".join(same[:_CONTEXT])))
                    pieces.append(Piece(PieceKind.ELIDED, "…"))
                    pieces.append(Piece(PieceKind.SAME, "".join(same[-_CONTEXT:])))
                else:
                    pieces.append(Piece(PieceKind.SAME, "".join(same)))
                continue
            if a1 > a0:
                pieces.append(Piece(PieceKind.GONE, "".join(a[a0:a1])))
            if b1 > b0:
                pieces.append(Piece(PieceKind.NEW, "".join(b[b0:b1])))
    trail_all = _tokens(after[:400])
    trail = trail_all[:_CONTEXT]
    breaks = [n for n, token in enumerate(trail) if "\n" in token]
    if breaks:  # and ends on it
        trail = trail[: breaks[0]]
    if trail:
        pieces.append(Piece(PieceKind.SAME, "".join(trail)))
    if len(trail) < len(trail_all) or len(after) > 400:
        pieces.append(Piece(PieceKind.ELIDED, "…"))
    return pieces


def summary(pieces: list[Piece]) -> str:
    """ "3 words removed, 4 added" (words: runs of letters and digits)."""
    gone = sum(len(re.findall(r"\w+", p.text)) for p in pieces if p.kind is PieceKind.GONE)
    new = sum(len(re.findall(r"\w+", p.text)) for p in pieces if p.kind is PieceKind.NEW)
    if not gone and not new:
        changed = any(p.kind in (PieceKind.GONE, PieceKind.NEW) for p in pieces)
        return "Spaces or punctuation changed" if changed else "No change yet."
    return f"{gone:,} word{'s' * (gone != 1)} removed, {new:,} added"
