"""The desk's link to a queue server.

- `control`: `SyncController`, connect, check out and sync in the background (over
  `reviewdesk.sync`).
- `widgets`: the status bar's sync entry and the connect, check-out and needs-attention dialogs.
- `desk`: the window's side of syncing, reaching the window through `SyncHost`.
"""
