"""The item header: new texts fit, and change no size around them."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.domain import QueueEntry
from reviewdesk.review import ReviewItem
from reviewdesk.ui.review.panes import ItemHeader, PromptView
from reviewdesk.ui.style import Theme, apply_theme
from tests.review.builders import generation


def item(number: int, **fields: object) -> ReviewItem:
    shown = generation(number, **fields)
    entry = QueueEntry(
        pk=number,
        id=shown.id,
        queue=shown.queue,
        model=shown.model,
        prompt_template=shown.prompt_template,
        prompt_version=shown.prompt_version,
        route=shown.route,
        risk=shown.risk,
        top_severity=None,
        flag_count=len(shown.flags),
        created_at=None,
        review_count=0,
        required_reviews=1,
    )
    return ReviewItem(entry, shown, ())


def test_the_header_lines_up_its_labels_and_makes_room_for_a_comment(qtbot: QtBot) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    header = ItemHeader(page)
    QVBoxLayout(page).addWidget(header)
    page.resize(700, 200)
    page.show()
    header.show_item(item(1, trace_id="t" * 200), "alice")
    qtbot.waitUntil(lambda: header.details.width() > 0)
    title, details, status = (
        label.geometry() for label in (header.title, header.details, header.status)
    )
    assert title.right() < details.left() and details.right() < status.left()
    assert status.right() <= header.width()  # a long line is cut, not widening the view
    assert header.minimumSizeHint().width() == 0
    one_line = header.height()

    header.set_comment("tone is borderline")
    qtbot.waitUntil(lambda: header.height() > one_line)
    assert header.comment.isVisible()
    assert header.comment.geometry().top() > title.bottom()
    header.set_comment(None)
    qtbot.waitUntil(lambda: header.height() == one_line)
    assert not header.comment.isVisible()


def _formats(view: PromptView) -> list[QTextCharFormat]:
    """The character format of every character of the prompt view's text."""
    cursor = QTextCursor(view.document())
    formats = []
    for position in range(1, view.document().characterCount()):
        cursor.setPosition(position)
        formats.append(cursor.charFormat())
    return formats


def test_a_plain_text_prompt_after_a_chat_is_not_in_the_role_label_format(qtbot: QtBot) -> None:
    view = PromptView(None)
    qtbot.addWidget(view)
    view.show_prompt(item(1).generation.prompt)
    assert view.toPlainText().startswith("SYSTEM\n")
    label = _formats(view)[0]
    assert label.fontWeight() == QFont.Weight.Bold  # the role label is bold and coloured

    view.show_prompt("Summarise this ticket.\nKeep it short.")
    assert view.toPlainText() == "Summarise this ticket.\nKeep it short."
    default = QTextCharFormat()
    for shown in _formats(view):
        assert shown.fontWeight() != QFont.Weight.Bold
        assert shown.foreground() == default.foreground()


def test_a_header_line_too_long_ends_in_an_ellipsis_with_the_whole_line_in_its_tooltip(
    qtbot: QtBot,
) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    header = ItemHeader(page)
    QVBoxLayout(page).addWidget(header)
    page.resize(600, 200)
    page.show()
    trace = "trc_" + "9" * 60
    header.show_item(item(1, trace_id=trace), "alice")
    qtbot.waitUntil(lambda: header.details.text().endswith("…"))
    shown = header.details.text()
    assert trace not in shown and shown.startswith("gpt-4o-mini")
    metrics = header.details.fontMetrics()
    assert metrics.horizontalAdvance(shown) <= header.details.width()
    assert header.details.toolTip().endswith(f"trace {trace}")
    # Room enough: the whole line again.
    page.resize(1600, 200)
    qtbot.waitUntil(lambda: header.details.text().endswith(trace))


def test_the_template_link_takes_the_link_colour_of_a_theme_chosen_later(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.LIGHT)
    page = QWidget()
    qtbot.addWidget(page)
    header = ItemHeader(page)
    elsewhere = QLineEdit(page)  # the focus, so the link is drawn unfocused
    layout = QVBoxLayout(page)
    layout.addWidget(header)
    layout.addWidget(elsewhere)
    page.resize(900, 120)
    page.show()
    header.show_item(item(1, prompt_template="refund", prompt_version="v7"), "ann")
    elsewhere.setFocus()
    qtbot.waitUntil(lambda: header.template.isVisible() and header.template.width() > 0)
    try:
        apply_theme(app, Theme.DARK)
        link = app.palette().color(QPalette.ColorRole.Link)

        def painted_in_link_colour() -> bool:
            image = header.template.grab().toImage()
            return any(
                _near(QColor(image.pixel(x, y)), link, 40)
                for x in range(image.width())
                for y in range(image.height())
            )

        qtbot.waitUntil(painted_in_link_colour)
    finally:
        apply_theme(app, Theme.LIGHT)


def _near(color: QColor, other: QColor, within: int) -> bool:
    return (
        abs(color.red() - other.red())
        + abs(color.green() - other.green())
        + abs(color.blue() - other.blue())
        <= within
    )
