"""Assigning prompts to splits by a hash of the prompt.

The same prompt always lands in the same split (in this export, the next one, and on another
machine), and a prompt is never in two splits. The hash is SHA-256 of the prompt as stored (its
JSON text), read as a number in [0, 1): held-out splits take consecutive ranges from 0 in the
order given, train the rest. Growing the store never moves a prompt between splits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from reviewdesk.export.options import Split

__all__ = ["SplitAssigner"]

_SCALE = float(1 << 64)


class SplitAssigner:
    """Which split a prompt goes to; `""` for all when there is no split."""

    __slots__ = ("_bounds",)

    def __init__(self, splits: Sequence[Split]) -> None:
        bounds: list[tuple[float, str]] = []
        upper = 0.0
        for split in splits:
            upper += split.share
            bounds.append((upper, split.name))
        self._bounds = bounds

    def __call__(self, prompt_json: str) -> str:
        if not self._bounds:
            return ""
        digest = hashlib.sha256(prompt_json.encode()).digest()
        position = int.from_bytes(digest[:8], "big") / _SCALE
        for upper, name in self._bounds:
            if position < upper:
                return name
        return "train"
