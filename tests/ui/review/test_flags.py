"""The flags pane of an item with many flags: grouped by validator with counts, filtered by
words and severity, and still stepped through flag by flag with [ and ]."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Flag, Severity
from reviewdesk.store import Store
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import generation
from tests.ui.test_desk import press

OpenDesk = Callable[..., DeskWindow]

SEVERITIES = list(Severity)


def many_flags(path: Path) -> tuple[Path, str]:
    """One item whose output has 120 words, each flagged: 80 by "pii" (e-mail, then phone
    alternately), 30 by "toxicity", 10 by "judge" (the critical ones)."""
    words = [f"w{n:03d}" for n in range(120)]
    output = " ".join(words)
    flags = []
    for n, word in enumerate(words):
        start = output.index(word)
        if n < 80:
            validator, code = "pii", ("email" if n % 2 == 0 else "phone")
            severity = SEVERITIES[n % 3]  # info, warning, error
        elif n < 110:
            validator, code, severity = "toxicity", "insult", Severity.WARNING
        else:
            validator, code, severity = "judge", "made_up", Severity.CRITICAL
        flags.append(
            Flag(
                validator=validator,
                code=code,
                severity=severity,
                message=f"about {word}",
                span=(start, start + len(word)),
            )
        )
    with Store.open(path) as store, store.bulk_writer() as writer:
        writer.add([(generation(1, output=output, flags=tuple(flags)), ())])
    return path, output


def test_many_flags_are_grouped_by_validator_and_brackets_open_the_groups(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path, _output = many_flags(tmp_path / "flags.sqlite")
    window = open_desk(path)
    panel = window.review.flags
    model = panel.model
    assert panel.grouped and panel.title.text() == "Flags (120)"
    groups = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    # The worst first: judge (critical), then pii (has errors), then toxicity (warnings).
    assert groups == [
        "judge  (10)  ·  worst: critical",
        "pii  (80)  ·  worst: error",
        "toxicity  (30)  ·  worst: warning",
    ]
    assert not any(panel.list.isExpanded(model.index(row, 0)) for row in range(3))

    press(qtbot, window, Qt.Key.Key_BracketRight)  # the first flag: judge's first, opened
    assert panel.list.isExpanded(model.index(0, 0))
    assert window.review.output.selected_text() == "w110"
    assert panel.detail.text().startswith("about w110")
    for _ in range(10):
        press(qtbot, window, Qt.Key.Key_BracketRight)
    assert panel.list.isExpanded(model.index(1, 0))  # on into pii's group
    assert panel.current_row() == 10
    assert window.review.output.selected_text().startswith("w0")
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    press(qtbot, window, Qt.Key.Key_BracketLeft)  # back into judge's, round-robin free
    assert window.review.output.selected_text() == "w118"


def test_the_filter_narrows_the_flags_by_words_and_severity(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path, _output = many_flags(tmp_path / "flags.sqlite")
    window = open_desk(path)
    panel = window.review.flags
    assert panel.filter_row.isVisible()

    qtbot.keyClicks(panel.filter, "pii phone")
    assert {(flag.validator, flag.code) for flag in panel.flags} == {("pii", "phone")}
    assert len(panel.flags) == 40 and not panel.grouped  # 40: few enough to list flat
    assert panel.title.text() == "Flags (40 of 120)"
    panel.severity.setCurrentIndex(panel.severity.findData(Severity.ERROR.value))
    assert {flag.severity for flag in panel.flags} == {Severity.ERROR}
    assert len(panel.flags) == 13
    panel.pick(0)
    assert window.review.output.selected_text() == panel.flags[0].message.removeprefix("about ")

    panel.filter.clear()
    panel.severity.setCurrentIndex(panel.severity.findData(Severity.CRITICAL.value))
    assert [flag.validator for flag in panel.flags] == ["judge"] * 10
    qtbot.keyClicks(panel.filter, "nothing like this")
    assert panel.flags == [] and panel.detail.text() == "No flag matches the filter."
    before = window.review.output.selected_text()
    press(qtbot, window, Qt.Key.Key_BracketRight)  # nothing to step to: nothing happens
    assert window.review.output.selected_text() == before


def test_a_few_flags_show_no_filter_and_the_model_holds_up(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path, qtmodeltester: ModelTester
) -> None:
    path, _output = many_flags(tmp_path / "flags.sqlite")
    window = open_desk(path)
    panel = window.review.flags
    qtmodeltester.check(panel.model)  # grouped
    panel.set_filter("judge")
    qtmodeltester.check(panel.model)  # flat
    panel.show_flags(tuple(panel.flags[:3]))
    assert not panel.filter_row.isVisible() and panel.title.text() == "Flags (3)"
