"""The item under review and the commands that decide it.

- `view`: `ReviewView`, the prompt, output and flags side by side.
- `output`: the output pane (plain text or inert Markdown, the flag highlights, the edit diff).
- `panes`: the item header, the prompt view and the flags panel.
- `text_map`: flag spans (code points) mapped onto Qt's text positions; huge outputs cut.
- `decision_desk`: approve, edit, reject, comment, reaching the window through `DecisionHost`.
"""
