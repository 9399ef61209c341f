"""Both themes read at WCAG AA: text on its backgrounds, the flag tints and the diff's colours
under the text, and every accent colour of text (severities, prompt roles, verdicts) - each
contrast ratio computed from WCAG 2.x relative luminance, at least 4.5:1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from reviewdesk.domain import Role, Severity, Verdict
from reviewdesk.ui.style import (
    PROBLEM_BANNER,
    Theme,
    accent_text,
    apply_theme,
    contrast_ratio,
    diff_colors,
    diff_delete_tint,
    diff_insert_tint,
    over,
    severity_tint,
)

AA = 4.5
R = QPalette.ColorRole


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    kept = qapp.palette()
    yield qapp
    qapp.setPalette(kept)


def test_the_ratio_is_wcags() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#777777")) == pytest.approx(1.0)
    # WCAG's own example pair: #767676 on white is the lightest grey that passes AA.
    assert contrast_ratio(QColor("#767676"), QColor("#ffffff")) == pytest.approx(4.54, abs=0.01)
    half_red = QColor(255, 0, 0, 128)
    assert over(half_red, QColor("#ffffff")).name() == "#ff7f7f"


@pytest.mark.parametrize("theme", [Theme.LIGHT, Theme.DARK])
def test_every_text_colour_reads_on_its_background(themed: QApplication, theme: Theme) -> None:
    apply_theme(themed, theme)
    palette = themed.palette()
    dark = theme is Theme.DARK
    failures: list[str] = []

    def check(what: str, text: QColor, background: QColor) -> None:
        ratio = contrast_ratio(text, background)
        if ratio < AA:
            failures.append(f"{what}: {text.name()} on {background.name()} = {ratio:.2f}")

    for text_role, background_role in [
        (R.Text, R.Base),
        (R.Text, R.AlternateBase),
        (R.WindowText, R.Window),
        (R.ButtonText, R.Button),
        (R.ToolTipText, R.ToolTipBase),
        (R.HighlightedText, R.Highlight),
        (R.PlaceholderText, R.Base),
        (R.Link, R.Base),
    ]:
        check(
            f"{text_role.name} on {background_role.name}",
            palette.color(text_role),
            palette.color(background_role),
        )

    base, text = palette.color(R.Base), palette.color(R.Text)
    for severity in Severity:
        check(f"text on the {severity} tint", text, over(severity_tint(severity), base))
    inserted, removed = diff_colors(dark)
    check("text on an inserted word", text, inserted)
    check("text on a removed word", text, removed)
    check("text on a comparison's added word", text, over(diff_insert_tint(), base))
    check("text on a comparison's removed word", text, over(diff_delete_tint(), base))

    names = [*(s.value for s in Severity), *(r.value for r in Role), *(v.value for v in Verdict)]
    for name in names:
        for role in (R.Base, R.AlternateBase, R.Window):
            check(
                f"{name} text on {role.name}",
                accent_text(name, dark),
                palette.color(role),
            )
    banner, banner_text = PROBLEM_BANNER
    check("the problem banner", QColor(banner_text), QColor(banner))
    assert failures == []
