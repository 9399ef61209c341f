"""The desk's dialogs.

- `decision`: the reason picker of a reject, the comment box, and the settings.
- `export`: the Export dialog (it loads the export code, so it is imported when first opened).
"""
