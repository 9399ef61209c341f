"""The queue list beside the review view.

- `model`: `QueueModel`, the windowed Qt model over the store's keyset pages.
- `panel`: `QueuePanel`, the list with its search box and filters.

(Not named `queue`: that is the standard library's.)
"""
