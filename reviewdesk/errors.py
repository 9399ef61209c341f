"""The one exception tree of reviewdesk.

ReviewdeskError
 ├── UserError              a message fit for a person; the command line exits 1 with it
 │    ├── StoreError         the store cannot be opened or written (newer schema, not a store, disk)
 │    │    └── StoreTooNewError
 │    └── ImportFailedError  an import was aborted; carries the record errors
 └── (anything else raised by reviewdesk is a bug)
"""

from __future__ import annotations

__all__ = [
    "DecisionConflictError",
    "ImportFailedError",
    "ReviewdeskError",
    "StoreError",
    "StoreTooNewError",
    "UnknownItemError",
    "UserError",
]


class ReviewdeskError(Exception):
    """The root of every exception reviewdesk raises on purpose."""


class UserError(ReviewdeskError):
    """Something the user can act on: bad input, a missing file, an unreachable server."""


class StoreError(UserError):
    """The local store cannot be opened, migrated or written."""


class StoreTooNewError(StoreError):
    """The store was written by a newer reviewdesk than this one."""


class ImportFailedError(UserError):
    """An import stopped and stored nothing."""


class UnknownItemError(UserError):
    """No item has that id (in the store, or on the server)."""


class DecisionConflictError(UserError):
    """A decision id is stored already with another content."""
