"""Agreement on marked spans: how much of what two reviewers marked in an output is the same.

A spans answer is a list of `[start, end)` ranges of the output (code points), each with a
label. Two reviewers' answers on one item are compared two ways:

- character level (the main figure): the characters each marked, with the label each gave
  them; overlap = the characters both marked with the same label. Overlapping spans of one
  reviewer with one label count their shared characters once.
- exact: the spans both marked with the same start, end and label.

Over a reviewer pair's items the F1 is micro-averaged: 2 * sum(overlap) / sum(|A| + |B|), so a
long span weighs more than a short one, and an item neither of them marked anything in adds
nothing (there is nothing to agree on; such items are counted apart). With a pair's items
taken one by one, F1 is symmetric in the two reviewers: precision and recall only swap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Span", "SpanOverlap", "character_overlap", "exact_overlap"]

Span = tuple[int, int, str]
"""(start, end, label) of one marked range."""


@dataclass(frozen=True)
class SpanOverlap:
    """What two answers share (`both`) and what each marked (`first`, `second`)."""

    both: int
    first: int
    second: int

    def __add__(self, other: SpanOverlap) -> SpanOverlap:
        return SpanOverlap(
            self.both + other.both, self.first + other.first, self.second + other.second
        )

    @property
    def f1(self) -> float | None:
        """2 * both / (first + second); None when neither marked anything."""
        marked = self.first + self.second
        return 2 * self.both / marked if marked else None


def _merged(spans: Iterable[Span]) -> dict[str, list[tuple[int, int]]]:
    """Each label's ranges, sorted and with overlapping or touching ones merged."""
    by_label: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for start, end, label in spans:
        if end > start:
            by_label[label].append((start, end))
    merged: dict[str, list[tuple[int, int]]] = {}
    for label, ranges in by_label.items():
        ranges.sort()
        joined = [ranges[0]]
        for start, end in ranges[1:]:
            last_start, last_end = joined[-1]
            if start <= last_end:
                joined[-1] = (last_start, max(last_end, end))
            else:
                joined.append((start, end))
        merged[label] = joined
    return merged


def _length(ranges: Sequence[tuple[int, int]]) -> int:
    return sum(end - start for start, end in ranges)


def _shared(first: Sequence[tuple[int, int]], second: Sequence[tuple[int, int]]) -> int:
    """Characters in both lists of sorted, disjoint ranges (one merge pass)."""
    shared = i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if end > start:
            shared += end - start
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return shared


def character_overlap(first: Iterable[Span], second: Iterable[Span]) -> SpanOverlap:
    """Characters both marked with the same label, and the characters each marked."""
    a, b = _merged(first), _merged(second)
    return SpanOverlap(
        both=sum(_shared(ranges, b[label]) for label, ranges in a.items() if label in b),
        first=sum(_length(ranges) for ranges in a.values()),
        second=sum(_length(ranges) for ranges in b.values()),
    )


def exact_overlap(first: Iterable[Span], second: Iterable[Span]) -> SpanOverlap:
    """Spans both marked with the same start, end and label, and the spans each marked."""
    a, b = set(first), set(second)
    return SpanOverlap(both=len(a & b), first=len(a), second=len(b))
