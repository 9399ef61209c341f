"""Constants of the schema that queries share, kept apart from the table classes so that the
desk's start-up does not pay for importing SQLModel (the tables are needed only to migrate)."""

from __future__ import annotations

PENDING = "review_count < required_reviews"
PENDING_G = "g.review_count < g.required_reviews"
NO_RISK = -1.0
"""`generation.risk` when the producer gave none, so that keyset paging never meets a NULL."""
CREATED_KEY = "coalesce(created_at, '')"
"""Time order puts items with no creation time last; an expression index keeps it pageable."""
