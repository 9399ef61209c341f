"""The Qt desk. Only this package imports PySide6 and pyqtgraph.

- `shell/`: the main window, its actions, pages and status bar, and the File menu; it puts the
  other subpackages together, and none of them imports it.
- `review/`: the item on screen (prompt, output, flags) and the commands that decide it.
- `queue_list/`: the queue list and its model.
- `stats/`: the Statistics tab.
- `sync/`: the link to a queue server.
- `dialogs/`: the decision, settings and export dialogs.
- `app` (starting the desk), `selftest` (`reviewdesk --self-test`), `runner` (the ordered
  workers), `settings` (the preferences) and `style` (colours and icons).
"""
