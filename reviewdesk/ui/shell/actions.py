"""The desk's actions: each with its key (in its tooltip), its menu entry and toolbar button.

The window's second half, kept apart so the window reads as the review loop: `DeskActions`
makes the actions, connects each to its `_on_<name>_action_triggered` slot (on the window, or
on its `decisions`, `file_desk` or `sync_desk` for deciding, the File menu and the server) and
lays out the menus and the toolbar. The window is reached through `WindowCommands`, the slots
and slot owners the actions connect to. Enabling and disabling by state (editing, which tab is
shown) stays with the window, through the groups `item_actions` and `desk_actions` here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWhatsThis

from reviewdesk.ui.review.panes import TEMPLATE_KEY
from reviewdesk.ui.style import icon

if TYPE_CHECKING:
    from reviewdesk.ui.review.decision_desk import DecisionDesk
    from reviewdesk.ui.settings import DeskSettings
    from reviewdesk.ui.shell.file_desk import FileDesk
    from reviewdesk.ui.sync.desk import SyncDesk

__all__ = ["DeskActions", "WindowCommands"]


class WindowCommands(Protocol):
    """What the actions connect to (the desk window is one): the window's own slots, and the
    objects that hold the deciding, File menu and server slots."""

    @property
    def settings(self) -> DeskSettings:
        """The preferences (the Markdown toggle starts as they say)."""

    @property
    def decisions(self) -> DecisionDesk: ...

    @property
    def file_desk(self) -> FileDesk: ...

    @property
    def sync_desk(self) -> SyncDesk: ...

    def _on_skip_action_triggered(self) -> None: ...

    def _on_undo_action_triggered(self) -> None: ...

    def _on_next_action_triggered(self) -> None: ...

    def _on_previous_action_triggered(self) -> None: ...

    def _on_search_action_triggered(self) -> None: ...

    def _on_clear_filters_action_triggered(self) -> None: ...

    def _on_next_flag_action_triggered(self) -> None: ...

    def _on_previous_flag_action_triggered(self) -> None: ...

    def _on_prompt_action_triggered(self) -> None: ...

    def _on_template_action_triggered(self) -> None: ...

    def _on_next_pane_action_triggered(self) -> None: ...

    def _on_previous_pane_action_triggered(self) -> None: ...

    def _on_disagreements_action_triggered(self) -> None: ...

    def _on_columns_action_triggered(self) -> None: ...

    def _on_save_view_action_triggered(self) -> None: ...

    def _on_markdown_action_triggered(self) -> None: ...

    def _on_guidelines_action_triggered(self) -> None: ...

    def _on_guidelines_dialog_action_triggered(self) -> None: ...

    def _on_keys_action_triggered(self) -> None: ...

    def _on_review_tab_action_triggered(self) -> None: ...

    def _on_stats_tab_action_triggered(self) -> None: ...

    def _on_compare_tab_action_triggered(self) -> None: ...

    def _on_quit_action_triggered(self) -> None: ...


class DeskActions:
    """Every action of the desk window, parented to the window and added to it (so their keys
    work wherever the focus is in the window).

    Args:
        window: the slots the actions connect to.
        parent: the main window the actions, menus and toolbar belong to.

    Attributes:
        item_actions: act on the item on screen; off while editing it or on another tab.
        adjudicate: like the item actions, and only on an item whose reviewers disagree.
        desk_actions: the rest of the keys; off while editing an item.
        edit_actions: only while editing an item.
        toolbar: the review toolbar.
    """

    def __init__(self, window: WindowCommands, parent: QMainWindow) -> None:
        self._parent = parent
        w, files, sync, decide = window, window.file_desk, window.sync_desk, window.decisions
        self.approve = self._make("&Approve", "A", decide._on_approve_action_triggered, "approve")
        self.edit = self._make("&Edit", "E", decide._on_edit_action_triggered, "edit")
        self.reject = self._make("&Reject…", "R", decide._on_reject_action_triggered, "reject")
        self.comment = self._make("&Comment…", "C", decide._on_comment_action_triggered, "comment")
        self.skip = self._make("&Skip", "S", w._on_skip_action_triggered, "skip")
        self.adjudicate = self._make(
            "A&djudicate…", "Shift+A", decide._on_adjudicate_action_triggered, "adjudicate"
        )
        self.undo = self._make(
            "&Undo decision", QKeySequence.StandardKey.Undo, w._on_undo_action_triggered, "undo"
        )
        self.save_edit = self._make(
            "Sa&ve edit", "Ctrl+Return", decide._on_save_edit_action_triggered
        )
        self.save_edit.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.cancel_edit = self._make(
            "Cance&l edit", "Esc", decide._on_cancel_edit_action_triggered
        )
        self.next = self._make("&Next", "J", w._on_next_action_triggered, "next", repeat=True)
        self.previous = self._make(
            "&Previous", "K", w._on_previous_action_triggered, "previous", repeat=True
        )
        self.search = self._make("&Search", "/", w._on_search_action_triggered, "search")
        self.clear_filters = self._make(
            "C&lear the filters", "Ctrl+Shift+F", w._on_clear_filters_action_triggered
        )
        self.disagreements = self._make(
            "Open &disagreements", "Shift+D", w._on_disagreements_action_triggered
        )
        self.columns = self._make("&Columns of the list…", None, w._on_columns_action_triggered)
        self.save_view = self._make(
            "Save t&he view…", "Ctrl+Shift+V", w._on_save_view_action_triggered
        )
        self.views_menu = QMenu("Saved vie&ws", parent)
        self.next_flag = self._make(
            "Next &flag", "]", w._on_next_flag_action_triggered, repeat=True
        )
        self.previous_flag = self._make(
            "Previous fla&g", "[", w._on_previous_flag_action_triggered, repeat=True
        )
        self.prompt = self._make("P&rompt: the last user turn", "P", w._on_prompt_action_triggered)
        self.template_text = self._make(
            "&Item's prompt template…", TEMPLATE_KEY, w._on_template_action_triggered
        )
        self.next_pane = self._make("Ne&xt pane", "F6", w._on_next_pane_action_triggered)
        self.previous_pane = self._make(
            "Previous pan&e", "Shift+F6", w._on_previous_pane_action_triggered
        )
        self.markdown = self._make("&Markdown", "M", w._on_markdown_action_triggered, "markdown")
        self.markdown.setCheckable(True)
        self.markdown.setChecked(w.settings.markdown)
        self.guidelines = self._make("G&uidelines", "G", w._on_guidelines_action_triggered)
        self.guidelines.setCheckable(True)
        self.guidelines.setChecked(True)
        self.guidelines_dialog = self._make(
            "&Guidelines window…", "Shift+G", w._on_guidelines_dialog_action_triggered
        )
        self.keys = self._make("&Keys…", "?", w._on_keys_action_triggered)
        # F1 is the desktop's help key: the cheat sheet (which links to the guidelines).
        self.keys.setShortcuts([QKeySequence("?"), QKeySequence("F1")])
        self.keys.setToolTip("Keys (? or F1)")
        self.whats_this = self._make("&What's this?", "Shift+F1", QWhatsThis.enterWhatsThisMode)
        self.review_tab = self._make("Re&view tab", "Ctrl+1", w._on_review_tab_action_triggered)
        self.stats_tab = self._make("S&tatistics tab", "Ctrl+2", w._on_stats_tab_action_triggered)
        self.compare_tab = self._make(
            "C&omparisons tab", "Ctrl+3", w._on_compare_tab_action_triggered
        )
        self.import_ = self._make(
            "&Import a file…", "Ctrl+O", files._on_import_action_triggered, "import"
        )
        self.export = self._make(
            "&Export dataset…", "Ctrl+Shift+E", files._on_export_action_triggered
        )
        self.demo = self._make("Open the &demo", None, files._on_demo_action_triggered)
        self.connect = self._make("&Connect to server…", None, sync._on_connect_action_triggered)
        self.checkout = self._make(
            "C&heck out items for offline work…", None, sync._on_checkout_action_triggered
        )
        self.sync_now = self._make("S&ync now", "Ctrl+Shift+S", sync._on_sync_now_action_triggered)
        self.new_token = self._make("Enter a new to&ken…", None, sync._on_connect_action_triggered)
        self.needs_attention = self._make(
            "Needs &attention…", None, sync._on_needs_attention_action_triggered
        )
        self.settings = self._make(
            "Se&ttings…", "Ctrl+,", files._on_settings_action_triggered, "settings"
        )
        self.quit = self._make("&Quit", QKeySequence.StandardKey.Quit, w._on_quit_action_triggered)

        self.item_actions = [
            self.approve,
            self.edit,
            self.reject,
            self.comment,
            self.skip,
            self.undo,
            self.next,
            self.previous,
            self.search,
            self.clear_filters,
            self.disagreements,
            self.markdown,
            self.next_flag,
            self.previous_flag,
            self.prompt,
            self.template_text,
            self.next_pane,
            self.previous_pane,
            self.guidelines,
            self.guidelines_dialog,
            self.keys,
        ]
        self.desk_actions = [
            self.review_tab,
            self.stats_tab,
            self.compare_tab,
            self.import_,
            self.export,
            self.demo,
            self.connect,
            self.checkout,
            self.needs_attention,
            self.settings,
            self.whats_this,
            self.columns,
            self.save_view,
        ]
        self.edit_actions = [self.save_edit, self.cancel_edit]
        self._make_menus()
        self.toolbar = self._make_toolbar()

    def key_rows(self, leave_out: Collection[QAction] = ()) -> list[tuple[str, str]]:
        """Every action with a key but those in `leave_out`: (the key, what it does), in the
        order they were made."""
        rows: list[tuple[str, str]] = []
        for action in self._parent.actions():
            keys = action.shortcuts()
            if keys and action not in leave_out:
                shown = "  or  ".join(
                    key.toString(QKeySequence.SequenceFormat.NativeText) for key in keys
                )
                rows.append((shown, action.text().replace("&", "").rstrip("…")))
        return rows

    def _make(
        self,
        text: str,
        keys: str | QKeySequence.StandardKey | None,
        slot: Callable[[], None],
        icon_name: str | None = None,
        *,
        repeat: bool = False,
    ) -> QAction:
        action = QAction(text, self._parent)
        if keys is not None:
            sequence = QKeySequence(keys)
            action.setShortcut(sequence)
            shown = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{text.replace('&', '')} ({shown})")
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setAutoRepeat(repeat)
        if icon_name is not None:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        self._parent.addAction(action)
        return action

    def _make_menus(self) -> None:
        menus = self._parent.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addActions([self.import_, self.export, self.demo])
        file_menu.addSeparator()
        file_menu.addActions([self.connect, self.new_token, self.checkout, self.sync_now])
        file_menu.addSeparator()
        file_menu.addActions([self.settings, self.quit])
        review_menu = menus.addMenu("&Review")
        review_menu.addActions(
            [self.approve, self.edit, self.reject, self.comment, self.skip, self.undo]
        )
        review_menu.addAction(self.adjudicate)
        review_menu.addSeparator()
        review_menu.addActions([self.save_edit, self.cancel_edit])
        view_menu = menus.addMenu("&View")
        view_menu.addActions(
            [
                self.next,
                self.previous,
                self.search,
                self.clear_filters,
                self.disagreements,
                self.markdown,
                self.columns,
                self.save_view,
            ]
        )
        view_menu.addMenu(self.views_menu)
        view_menu.addSeparator()
        view_menu.addActions(
            [
                self.next_flag,
                self.previous_flag,
                self.prompt,
                self.template_text,
                self.next_pane,
                self.previous_pane,
            ]
        )
        view_menu.addAction(self.guidelines)
        view_menu.addSeparator()
        view_menu.addActions([self.review_tab, self.stats_tab, self.compare_tab])
        view_menu.addSeparator()
        view_menu.addAction(self.needs_attention)
        help_menu = menus.addMenu("&Help")
        help_menu.addActions([self.keys, self.whats_this, self.guidelines_dialog])

    def _make_toolbar(self) -> QToolBar:
        toolbar = QToolBar("Review", self._parent)
        toolbar.setObjectName("review-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions(
            [self.approve, self.edit, self.reject, self.comment, self.skip, self.undo]
        )
        toolbar.addAction(self.adjudicate)
        toolbar.addSeparator()
        toolbar.addActions([self.previous, self.next, self.search, self.markdown])
        self._parent.addToolBar(toolbar)
        return toolbar
