"""The desk's dialogs.

- `decision`: the reason picker of a reject and the comment box.
- `preferences`: the settings dialog and the preferences it edits.
- `export`: the Export dialog (it loads the export code, so it is imported when first opened).
"""
