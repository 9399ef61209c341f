"""The decisions panel: each reviewer's current decision on the item, side by side.

Shown under the item when someone else has decided it, so a disagreement can be read (and
adjudicated) without leaving the desk: one column a reviewer with the verdict, the reasons, the
comment, the edited text as a word diff against the output, and when it was decided.

Everything a decision holds is escaped before it becomes the panel's HTML, and the browser
opens no link and loads no resource: a comment or an edit cannot make the desk fetch or run
anything.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QTextBrowser, QWidget

from reviewdesk.domain import Decision, Reason
from reviewdesk.ui.review.compare_diff import Change, word_diff
from reviewdesk.ui.style import accent_text

__all__ = ["DecisionsPanel", "current_decisions", "word_diff_html"]

DIFF_CAP = 20_000
"""Longer texts are not compared word by word (the matcher's time grows faster than the text)."""

_DELETED = "background-color:#fbd3d3; color:#8a1c1c; text-decoration:line-through;"
_INSERTED = "background-color:#cdeed8; color:#125c2e;"


def current_decisions(decisions: Iterable[Decision]) -> list[Decision]:
    """Each reviewer's latest decision, in the order the reviewers first decided."""
    latest: dict[str, Decision] = {}
    for decision in decisions:  # oldest first; a reviewer keeps the place of their first
        latest[decision.reviewer] = decision
    return list(latest.values())


def word_diff_html(original: str, edited: str) -> str:
    """The edit as HTML: deleted words struck through in red, inserted words in green (the
    comparison view's word diff, so that a long edit stays fast)."""
    if len(original) > DIFF_CAP or len(edited) > DIFF_CAP:
        return html.escape(
            f"(too long to compare here: {len(original):,} → {len(edited):,} characters)"
        )
    styles = {Change.DELETED: _DELETED, Change.INSERTED: _INSERTED}
    return "".join(
        _text(part.text)
        if part.change is Change.SAME
        else f'<span style="{styles[part.change]}">{_text(part.text)}</span>'
        for part in word_diff(original, edited)
    )


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


class DecisionsPanel(QTextBrowser):
    """Each reviewer's current decision on an item, one column a reviewer."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setPlaceholderText("No decisions by other reviewers.")
        self._shown: list[Decision] = []

    @property
    def shown(self) -> list[Decision]:
        """The decisions on screen, one a reviewer, in column order."""
        return list(self._shown)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None  # nothing outside the panel's own text, ever

    def show_decisions(
        self,
        decisions: Sequence[Decision],
        output: str,
        *,
        reviewer: str,
        reasons: Sequence[Reason] = (),
        adjudicators: Sequence[str] = (),
    ) -> bool:
        """Show each reviewer's current decision; True when there is something worth showing
        (a decision by anyone but `reviewer`)."""
        current = current_decisions(decisions)
        self._shown = current
        if not any(decision.reviewer != reviewer for decision in current):
            self.clear()
            return False
        labels = {reason.code: reason.label for reason in reasons}
        verdicts = {decision.verdict for decision in current}
        summary = (
            f"{len(current)} reviewers agree"
            if len(verdicts) == 1 and len(current) > 1
            else f"{len(current)} reviewers disagree"
            if len(current) > 1
            else "1 reviewer"
        )
        cells = "".join(
            self._column(decision, output, reviewer, labels, adjudicators) for decision in current
        )
        self.setHtml(
            f"<p style='margin:0 0 4px 0'><b>Decisions</b> · {html.escape(summary)}</p>"
            f"<table cellspacing='0' cellpadding='6' width='100%' border='0'>"
            f"<tr valign='top'>{cells}</tr></table>"
        )
        return True

    def _column(
        self,
        decision: Decision,
        output: str,
        reviewer: str,
        labels: dict[str, str],
        adjudicators: Sequence[str],
    ) -> str:
        who = html.escape(decision.reviewer)
        if decision.reviewer == reviewer:
            who += " (you)"
        if decision.reviewer in adjudicators:
            who += " · adjudicator"
        color = accent_text(decision.verdict.value).name()
        when = decision.decided_at.astimezone().strftime("%d %b %Y %H:%M")
        lines = [
            f"<b>{who}</b>",
            f"<span style='color:{color}; font-weight:bold'>{decision.verdict.value}</span>"
            f" <span style='color:gray'>{html.escape(when)}</span>",
        ]
        if decision.reasons:
            names = ", ".join(labels.get(code, code) for code in decision.reasons)
            lines.append(f"Reasons: {html.escape(names)}")
        if decision.comment:
            lines.append(f"Comment: <i>{_text(decision.comment)}</i>")
        if decision.edited_output is not None:
            lines.append(f"Edit: {word_diff_html(output, decision.edited_output)}")
        return f"<td width='{100 // max(1, len(self._shown))}%'>{'<br>'.join(lines)}</td>"
