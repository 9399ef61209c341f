"""The errors the statistics raise on purpose."""

from __future__ import annotations

from reviewdesk.errors import UserError

__all__ = ["StatsInputError"]


class StatsInputError(UserError):
    """Bad input to a statistic: an unknown grouping, template or version, a bad price file."""
