"""The desk window and what frames it.

- `window`: `DeskWindow`, the main window and its review loop.
- `actions`: every action with its key, menu entry and toolbar button.
- `pages`: the Review | Statistics tabs and the pages of the review side.
- `status_line`: the status bar's labels.
- `file_desk`: the File menu's commands (import, export, demo) and the settings dialog.

The top of the desk: the window puts the other subpackages together, and none of them imports
this one (the window's helpers name what they need of it as Protocols).
"""
