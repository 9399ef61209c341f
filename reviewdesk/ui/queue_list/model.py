"""The queue list's item model: a window over the store's ordered keys.

The model knows every row's key (the store's `ordered_keys`, loaded on the worker), so its row
count is exact and the scroll bar honest, but it holds the rows themselves only for the pages the
view has asked for, in a bounded cache. Page fetches go through the store worker one at a time and
only for the pages asked for last, so scrolling fast through a million rows never queues work in
front of a decision.

The row changes of each step (the decided item's status, the bold current item) are announced
to the view once the GUI thread has handled the events already posted: the model holds the new
values at once, but the list repaints its rows just after the paint of the item the step put on
screen, not in front of it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from reviewdesk.domain import ItemStatus, QueueEntry, QueueFilter, QueueSort, Severity, Verdict
from reviewdesk.errors import UserError
from reviewdesk.store import Store
from reviewdesk.ui.runner import TaskRunner
from reviewdesk.ui.style import accent_text, severity_icon

logger = logging.getLogger(__name__)

__all__ = ["COLUMNS", "LEASE_COLUMN", "PK_ROLE", "QueueModel"]

PAGE = 200
MAX_PAGES = 64  # 12,800 rows cached at most
_KEEP_WANTED = 4  # page requests remembered while one is in flight

COLUMNS = (
    *("Risk", "Severity", "ID", "Mine", "Model", "Template", "Route", "Created", "Status"),
    "Lease",
)
"""The list's columns; "Mine" is the desk's reviewer's own verdict on the item."""
_RISK, _SEVERITY, _ID, _MINE, _MODEL, _TEMPLATE, _ROUTE, _CREATED, _STATUS, LEASE_COLUMN = range(
    len(COLUMNS)
)
SORT_OF_COLUMN = {
    _RISK: QueueSort.RISK,
    _SEVERITY: QueueSort.SEVERITY,
    _ID: QueueSort.ID,
    _MODEL: QueueSort.MODEL,
    _TEMPLATE: QueueSort.TEMPLATE,
    _ROUTE: QueueSort.ROUTE,
    _CREATED: QueueSort.TIME,
    _STATUS: QueueSort.STATUS,
}
"""The sortable columns (Mine is the reviewer's own and Lease the server's: neither is in the
store's generation rows)."""
PK_ROLE = Qt.ItemDataRole.UserRole + 1
_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
        PK_ROLE,
    )
)

_Index = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()


class QueueModel(QAbstractTableModel):
    """Rows of the queue list, fetched page by page from the store on the worker.

    Signals:
        rows_loaded(int): the keys of a (re)load arrived; the argument is the row count.
        load_failed(str): the store could not be read, with the reason.
    """

    rows_loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Store | None = None
        self._keys: list[int] = []
        self._pages: OrderedDict[int, list[QueueEntry | None]] = OrderedDict()
        self._row_of: dict[int, int] = {}  # pk -> row, for the cached rows only
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._fetching = False
        self._generation = 0
        self._keys_generation = -1
        self._filters = QueueFilter()
        self._sort = QueueSort.RISK
        self._descending = True
        self._skipped: set[int] = set()
        self._current: int | None = None
        self._leases: dict[str, datetime] = {}
        self._reviewer = ""
        self._mine: dict[int, Verdict] = {}  # the reviewer's verdicts on the cached rows
        self._bold = QFont()
        self._bold.setBold(True)
        self._changed: set[int] = set()  # pks of rows changed but not yet announced
        self._announce = QTimer(self)
        self._announce.setSingleShot(True)
        self._announce.setInterval(0)
        self._announce.timeout.connect(self._on_announce_timeout)

    # -- what the list shows ------------------------------------------------------------------

    @property
    def filters(self) -> QueueFilter:
        return self._filters

    @property
    def sort_key(self) -> QueueSort:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    def set_store(self, store: Store | None) -> None:
        self._store = store
        self.reload()

    def set_reviewer(self, reviewer: str) -> None:
        """Whose verdicts the Mine column shows; reloads when it changes."""
        if reviewer != self._reviewer:
            self._reviewer = reviewer
            self.reload()

    def set_mine(self, pk: int, verdict: Verdict | None) -> None:
        """The reviewer's verdict on item `pk` changed (decided, or undone)."""
        if verdict is None:
            self._mine.pop(pk, None)
        else:
            self._mine[pk] = verdict
        self._refresh_pk(pk)

    def set_view(
        self, filters: QueueFilter, sort: QueueSort | None = None, descending: bool | None = None
    ) -> None:
        """Show the items `filters` selects, in `sort` order; reloads the keys."""
        self._filters = filters
        if sort is not None:
            self._sort = sort
        if descending is not None:
            self._descending = descending
        self.reload()

    def reload(self) -> None:
        """Fetch the keys again (after a filter change, or when the store changed)."""
        self._generation += 1
        store = self._store
        if store is None:
            self._reset([], {})
            return
        generation, filters, sort, descending, reviewer = (
            self._generation,
            self._filters,
            self._sort,
            self._descending,
            self._reviewer,
        )
        if descending:
            # The first page alone is quick, so the list shows at once on a huge store.
            def first_page() -> _Rows:
                entries = store.page(filters, sort=sort, limit=PAGE)
                return entries, store.verdicts_by(reviewer, [entry.pk for entry in entries])

            self._runner.submit(
                first_page,
                lambda rows: self._on_first_page(generation, *rows),
                self._on_load_error,
            )

        def load() -> tuple[list[int], list[QueueEntry], dict[int, Verdict]]:
            keys = store.ordered_keys(filters, sort=sort)
            if not descending:
                keys.reverse()
            return keys, *_rows(store, reviewer, keys[:PAGE])

        self._runner.submit(
            load, lambda loaded: self._on_keys(generation, *loaded), self._on_load_error
        )

    def mark_skipped(self, pks: Sequence[int]) -> None:
        """Show these items as skipped in this session (the store does not know skips)."""
        skipped = set(pks)
        changed = skipped ^ self._skipped
        self._skipped = skipped
        for pk in changed:
            self._refresh_pk(pk)

    def set_current(self, pk: int | None) -> None:
        """Show the item on screen in bold."""
        previous, self._current = self._current, pk
        if previous != pk:
            for changed in (previous, pk):
                if changed is not None:
                    self._refresh_pk(changed)

    def set_leases(self, leases: dict[str, datetime]) -> None:
        """Show the lease expiry of the items checked out from a queue server (by id)."""
        if leases == self._leases:
            return
        self._leases = dict(leases)
        if self._keys:
            self.dataChanged.emit(
                self.index(0, LEASE_COLUMN), self.index(len(self._keys) - 1, LEASE_COLUMN)
            )

    def lease_of(self, generation_id: str) -> datetime | None:
        return self._leases.get(generation_id)

    def update_entry(self, entry: QueueEntry) -> None:
        """Replace a cached row with a fresher entry (after a decision, undo or skip)."""
        row = self._row_of.get(entry.pk)
        if row is None:
            return
        entries = self._pages.get(row // PAGE)
        if entries is not None:
            entries[row % PAGE] = entry
            self._refresh_pk(entry.pk)

    def pk_at(self, row: int) -> int | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def entry_at(self, row: int) -> QueueEntry | None:
        """The row's entry if it is cached (asking for its page otherwise)."""
        if not 0 <= row < len(self._keys):
            return None
        page = row // PAGE
        entries = self._pages.get(page)
        if entries is None:
            self._want(page)
            return None
        self._pages.move_to_end(page)
        return entries[row % PAGE]

    @property
    def cached_rows(self) -> int:
        return sum(len(entries) for entries in self._pages.values())

    # -- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent: _Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: _Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Click to sort" if section in SORT_OF_COLUMN else None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._keys) and 0 <= column < len(COLUMNS)):
            return None
        if role == PK_ROLE:
            return self._keys[row]
        entry = self.entry_at(row)
        if entry is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return "…" if column == 0 else ""
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.DecorationRole and column == _SEVERITY and entry.top_severity:
            return severity_icon(entry.top_severity)
        if role == Qt.ItemDataRole.ForegroundRole and column == _SEVERITY and entry.top_severity:
            return accent_text(entry.top_severity.value)
        if role == Qt.ItemDataRole.ForegroundRole and column == LEASE_COLUMN:
            expires = self._leases.get(entry.id)
            if expires is not None and expires <= datetime.now(UTC):
                return accent_text(Severity.ERROR.value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == _RISK:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and entry.pk == self._current:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{entry.id} · {entry.flag_count} flag(s)"
            expires = self._leases.get(entry.id)
            if expires is not None:
                verb = "expired" if expires <= datetime.now(UTC) else "checked out until"
                tip += f"\nLease {verb} {expires.astimezone():%Y-%m-%d %H:%M}"
            return tip
        return None

    def _display(self, entry: QueueEntry, column: int) -> str:
        if column == _RISK:
            return "–" if entry.risk is None else f"{entry.risk:.2f}"
        if column == _SEVERITY:
            return "" if entry.top_severity is None else entry.top_severity.value
        if column == _ID:
            return entry.id
        if column == _MINE:
            mine = self._mine.get(entry.pk)
            return "" if mine is None else mine.value
        if column == _MODEL:
            return entry.model
        if column == _TEMPLATE:
            return entry.template_version
        if column == _ROUTE:
            return entry.route or ""
        if column == _CREATED:
            return "" if entry.created_at is None else entry.created_at.strftime("%Y-%m-%d %H:%M")
        if column == LEASE_COLUMN:
            return _lease_text(self._leases.get(entry.id))
        if entry.pk in self._skipped and entry.status is ItemStatus.PENDING:
            return "skipped"
        return entry.status.value

    # -- loading ------------------------------------------------------------------------------

    def _reset(self, keys: list[int], first: dict[int, list[QueueEntry | None]]) -> None:
        self.beginResetModel()
        self._keys = keys
        self._pages = OrderedDict()
        self._row_of = {}
        for page, entries in first.items():
            self._cache(page, entries)
        self._wanted.clear()
        self._changed.clear()
        self.endResetModel()

    def _on_first_page(
        self, generation: int, entries: list[QueueEntry], mine: dict[int, Verdict]
    ) -> None:
        if generation != self._generation or self._keys_generation == generation:
            return
        self._mine = dict(mine)
        self._reset([entry.pk for entry in entries], {0: list(entries)})

    def _on_keys(
        self,
        generation: int,
        keys: list[int],
        first: list[QueueEntry],
        mine: dict[int, Verdict],
    ) -> None:
        if generation != self._generation:
            return
        self._keys_generation = generation
        self._mine = dict(mine)
        pages: dict[int, list[QueueEntry | None]] = (
            {0: _aligned(keys[:PAGE], first)} if keys else {}
        )
        self._reset(keys, pages)
        logger.debug("queue list holds %d rows", len(keys))
        self.rows_loaded.emit(len(keys))

    def _on_load_error(self, error: UserError) -> None:
        self.load_failed.emit(str(error))

    def _want(self, page: int) -> None:
        self._wanted[page] = None
        self._wanted.move_to_end(page)
        while len(self._wanted) > _KEEP_WANTED:
            self._wanted.popitem(last=False)
        self._fetch_next()

    def _fetch_next(self) -> None:
        store = self._store
        if self._fetching or not self._wanted or store is None:
            return
        page, _ = self._wanted.popitem(last=True)  # the latest request is what is on screen
        if page in self._pages:
            self._fetch_next()
            return
        keys = self._keys[page * PAGE : (page + 1) * PAGE]
        self._fetching = True
        generation, reviewer = self._generation, self._reviewer
        self._runner.submit(
            lambda: _rows(store, reviewer, keys),
            lambda rows: self._on_page(generation, page, keys, *rows),
            self._on_page_error,
        )

    def _on_page(
        self,
        generation: int,
        page: int,
        keys: list[int],
        entries: list[QueueEntry],
        mine: dict[int, Verdict],
    ) -> None:
        self._fetching = False
        if generation == self._generation:
            self._mine.update(mine)
            self._cache(page, _aligned(keys, entries))
            first = page * PAGE
            last = min(first + len(keys), len(self._keys)) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self._fetch_next()

    def _on_page_error(self, error: UserError) -> None:
        self._fetching = False
        self.load_failed.emit(str(error))

    def _cache(self, page: int, entries: list[QueueEntry | None]) -> None:
        self._pages[page] = entries
        for offset, entry in enumerate(entries):
            if entry is not None:
                self._row_of[entry.pk] = page * PAGE + offset
        while len(self._pages) > MAX_PAGES:
            _, evicted = self._pages.popitem(last=False)
            for entry in evicted:
                if entry is not None:
                    self._row_of.pop(entry.pk, None)
                    self._mine.pop(entry.pk, None)

    def _refresh_pk(self, pk: int) -> None:
        if pk in self._row_of:
            self._changed.add(pk)
            self._announce.start()

    def _on_announce_timeout(self) -> None:
        changed, self._changed = self._changed, set()
        for pk in changed:
            row = self._row_of.get(pk)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))


def _lease_text(expires: datetime | None) -> str:
    if expires is None:
        return ""
    if expires <= datetime.now(UTC):
        return "expired"
    local = expires.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return f"until {local:%H:%M}"
    return f"until {local:%b %d %H:%M}"


_Rows = tuple[list[QueueEntry], dict[int, Verdict]]


def _rows(store: Store, reviewer: str, keys: list[int]) -> _Rows:
    """On the worker: the entries of `keys` and the reviewer's verdicts on them."""
    return store.entries(keys), store.verdicts_by(reviewer, keys)


def _aligned(keys: Sequence[int], entries: Sequence[QueueEntry]) -> list[QueueEntry | None]:
    """Entries in key order, None where an item has gone from the store since the keys."""
    by_pk = {entry.pk: entry for entry in entries}
    return [by_pk.get(pk) for pk in keys]
