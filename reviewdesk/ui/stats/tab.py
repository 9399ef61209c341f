"""The Statistics tab: the open store's feedback statistics as tables and charts.

The numbers are one `reviewdesk.stats.compute_overview` call, run on the tab's own worker (one
consistent read; never on the GUI thread, never in front of a decision). The tab recomputes
when it is shown after something changed (with every review form question's answers, shown
on the Questions page), and while it is visible at most once every
`REFRESH_INTERVAL_MS` after decisions, so a reviewer deciding quickly queues one overview, not
one per decision. Its tables are built the first time the tab is shown; nothing heavy happens on
the GUI thread then: the store's engine (SQLAlchemy), `reviewdesk.stats` and the charts' modules
(pyqtgraph, numpy) are loaded on the tab's worker with the first overview, and the charts are
built when it comes back. The tab shows at once, saying "Computing…" meanwhile.

When the store holds comparisons, the same worker computes their statistics
(`reviewdesk.stats.comparisons.comparison_stats`, with the desk's adjudicators) and a
"Comparisons" page shows each model's rating, wins, ties and losses, with position bias and
agreement above; a store without comparisons has no such page.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.errors import UserError
from reviewdesk.formatting import interval, percent
from reviewdesk.store import Resolution, Store
from reviewdesk.ui.runner import TaskRunner
from reviewdesk.ui.stats.diffs import VersionDiffs
from reviewdesk.ui.stats.tables import Cell, TablePage

if TYPE_CHECKING:
    from reviewdesk.domain.templates import TemplateDiff
    from reviewdesk.stats import GroupStats, Overview
    from reviewdesk.stats.comparisons import ComparisonStats
    from reviewdesk.stats.question_models import QuestionReport
    from reviewdesk.ui.stats.charts import ChartPanel
    from reviewdesk.ui.stats.questions import QuestionsPage

logger = logging.getLogger(__name__)

Diffs = dict[tuple[str, str, str], "TemplateDiff"]

__all__ = ["REFRESH_INTERVAL_MS", "StatsTab"]

REFRESH_INTERVAL_MS = 3000

_POLICIES = (
    (Resolution.RESOLVED, "one label an item (majority, ties to an adjudicator)"),
    (Resolution.LATEST, "latest decision per reviewer"),
    (Resolution.MAJORITY, "majority of reviewers"),
    (Resolution.ADJUDICATED, "adjudicated"),
)

_VALIDATOR_COLUMNS = (
    *("Validator", "Code", "Flagged", "Labels", "Approve", "Edit", "Reject"),
    *("Precision", "95% interval", "Recall", "Note"),
)
_ROUTING_COLUMNS = (
    *("Route", "Model", "n", "Acceptance", "95% interval", "Meets", "$ / item"),
    *("Latency ms", "Traffic", "Advice"),
)
_COMPARISON_COLUMNS = (*("Model", "Rating", "95% interval", "Wins", "Ties", "Losses", "Both bad"),)
_GROUP_COLUMNS = ("n", "Approve", "Edit", "Reject", "Acceptance", "95% interval", "Edit severity")


def group_row(stats: GroupStats, *keys: str) -> list[Cell]:
    """One group's row: its key values, counts, acceptance and interval, edit severity."""
    names: list[Cell] = [stats.group.get(key) or "(none)" for key in keys]
    severity = None if stats.edit_severity is None else f"{stats.edit_severity:.2f}"
    return [
        *names,
        stats.n,
        stats.approve,
        stats.edit,
        stats.reject,
        percent(stats.acceptance),
        interval(stats.acceptance_low, stats.acceptance_high),
        severity,
    ]


class StatsTab(QWidget):
    """Statistics of the open store: a policy selector, tables and charts.

    The overview is computed on a worker of its own, not on the desk's ordered store worker:
    on a large store it takes seconds, and a decision must never wait behind it (SQLite's WAL
    lets the read run beside the writes).

    Args:
        parent: the window.

    Signals:
        overview_shown(object): an `Overview` was computed and put on screen.
        overview_failed(str): the statistics could not be computed; the message says why.
    """

    overview_shown = Signal(object)
    overview_failed = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._runner = TaskRunner(self, name="reviewdesk-stats")
        self._store: Store | None = None
        self._adjudicators: tuple[str, ...] = ()
        self._overview: Overview | None = None
        self._questions: list[QuestionReport] = []
        self._diffs: Diffs = {}
        self._comparison_stats: ComparisonStats | None = None
        self._stale = True
        self._computing = False
        self._token = 0
        self._last_start = -1e9
        self._charts: ChartPanel | None = None
        self._built = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

        self.policy = QComboBox(self)
        for policy, label in _POLICIES:
            self.policy.addItem(label, policy)
        self.policy.setToolTip("How an item with several decisions counts")
        self.policy.setAccessibleName("How an item with several decisions counts")
        self.status = QLabel("Statistics appear here once the store is open.", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.refresh_button = QPushButton("Refresh", self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Labels by", self))
        top.addWidget(self.policy)
        top.addSpacing(16)
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        self._body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self._body, 1)
        self.policy.currentIndexChanged.connect(self._on_policy_current_index_changed)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)

    # -- what the window calls ----------------------------------------------------------------

    def set_store(self, store: Store | None) -> None:
        """Show the statistics of `store` (None: no store is open)."""
        self._store = store
        self._token += 1  # an overview still computing is for the old store
        self._computing = False
        self._stale = True
        if self.isVisible():
            self._schedule(at_once=True)

    def let_go(self) -> threading.Event:
        """Stop showing the open store; the event is set once an overview still computing on
        it is done (the store may then close)."""
        self.set_store(None)
        return self._runner.drained()

    def set_adjudicators(self, names: tuple[str, ...]) -> None:
        """Whose decisions settle a disagreement (the desk's adjudicators); recompute."""
        if names != self._adjudicators:
            self._adjudicators = names
            self.note_change()

    @property
    def adjudicators(self) -> tuple[str, ...]:
        return self._adjudicators

    def note_change(self, *_args: object) -> None:
        """Decisions changed: recompute soon if the tab is visible, else when it is shown."""
        self._stale = True
        if self.isVisible():
            self._schedule()

    def reviewers(self) -> list[str]:
        """The reviewers of the last overview (empty before the first)."""
        if self._overview is None:
            return []
        return [r.reviewer for r in self._overview.throughput.by_reviewer if r.reviewer]

    @property
    def overview(self) -> Overview | None:
        return self._overview

    @property
    def comparison_stats(self) -> ComparisonStats | None:
        """The last overview's comparison statistics (None: the store holds no comparison)."""
        return self._comparison_stats

    @property
    def charts(self) -> ChartPanel | None:
        """The charts (None until the first overview has come back)."""
        return self._charts

    @property
    def computing(self) -> bool:
        return self._computing

    # -- refreshing ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._built:
            self._build()
        if self._stale:
            self._schedule(at_once=self._overview is None)

    def _schedule(self, *, at_once: bool = False) -> None:
        if self._computing:
            return  # `_on_overview_computed` looks at `_stale` again
        wait_ms = REFRESH_INTERVAL_MS - (time.monotonic() - self._last_start) * 1000
        if at_once or wait_ms <= 0:
            self._timer.stop()
            self._start()
        elif not self._timer.isActive():
            self._timer.start(int(wait_ms))

    def _on_timer_timeout(self) -> None:
        if self.isVisible() and self._stale:
            self._schedule(at_once=True)

    def _start(self) -> None:
        store = self._store
        if store is None:
            return
        policy = Resolution(self.policy.currentData())
        adjudicators = self._adjudicators
        self._computing = True
        self._stale = False
        self._last_start = time.monotonic()
        self._token += 1
        token = self._token
        self.status.setText("Computing…")
        self.refresh_button.setEnabled(False)

        def work() -> tuple[Overview, list[QuestionReport], Diffs, ComparisonStats | None]:
            # Here, not on the GUI thread: each of these imports or builds for a second or more.
            from reviewdesk.stats import comparison_diffs, compute_overview
            from reviewdesk.stats.comparisons import comparison_stats
            from reviewdesk.stats.questions import question_reports

            overview = compute_overview(store.engine, policy, adjudicators)
            questions = question_reports(store.engine, policy, adjudicators)
            diffs = comparison_diffs(store.engine, overview.comparisons)
            with store.engine.connect() as connection:
                compared = comparison_stats(connection, adjudicators=adjudicators)
            importlib.import_module("reviewdesk.ui.stats.charts")  # pyqtgraph, numpy
            return overview, questions, diffs, compared if compared.comparisons else None

        self._runner.submit(
            work,
            lambda computed: self._on_overview_computed(token, *computed),
            lambda error: self._on_overview_failed(token, error),
        )

    def shutdown(self) -> None:
        """Stop the statistics worker (waiting for a computation under way); idempotent."""
        self._runner.shutdown()

    def _on_overview_computed(
        self,
        token: int,
        overview: Overview,
        questions: list[QuestionReport],
        diffs: Diffs,
        compared: ComparisonStats | None,
    ) -> None:
        if token != self._token:
            return
        self._computing = False
        self.refresh_button.setEnabled(True)
        self._overview = overview
        self._questions = questions
        self._diffs = diffs
        self._comparison_stats = compared
        if self._built and self._charts is None:
            self._build_charts()
        self._show(overview)
        self.overview_shown.emit(overview)
        if self._stale and self.isVisible():
            self._schedule()

    def _on_overview_failed(self, token: int, error: UserError) -> None:
        if token != self._token:
            return
        self._computing = False
        self.refresh_button.setEnabled(True)
        self.status.setText(f"The statistics cannot be computed: {error}")
        if self._built and self._charts is None:
            self.charts_placeholder.setText("No charts: the statistics cannot be computed.")
        self.overview_failed.emit(str(error))

    def _on_policy_current_index_changed(self, _index: int) -> None:
        self._stale = True
        if self._computing:
            self._token += 1  # the one computing is for the other policy
            self._computing = False
        self._schedule(at_once=True)

    def _on_refresh_button_clicked(self) -> None:
        self._stale = True
        self._schedule(at_once=True)

    # -- the contents -------------------------------------------------------------------------

    def _build(self) -> None:
        from reviewdesk.ui.stats.questions import QuestionsPage

        self._built = True
        self.tables = QTabWidget(self)
        self.tables.tabBar().setAccessibleName("Statistics tables")
        self.versions = TablePage(("Template", "Version", *_GROUP_COLUMNS), self.tables)
        # Beside each comparison's verdict, what changed in the template text.
        self.version_diffs = VersionDiffs(self.versions)
        self.version_diffs.hide()
        versions_layout = self.versions.layout()
        assert isinstance(versions_layout, QVBoxLayout)
        versions_layout.addWidget(self.version_diffs, 1)
        self.models = TablePage(("Model", *_GROUP_COLUMNS), self.tables)
        self.routes = TablePage(("Route", *_GROUP_COLUMNS), self.tables)
        self.validators = TablePage(
            _VALIDATOR_COLUMNS,
            self.tables,
        )
        self.agreement = TablePage(("Reviewer", "Reviewer", "Items", "Agree", "κ"), self.tables)
        self.throughput = TablePage(("Reviewer", "Decisions", "Median s", "Per hour"), self.tables)
        self.routing = TablePage(
            _ROUTING_COLUMNS,
            self.tables,
        )
        self.questions: QuestionsPage = QuestionsPage(self.tables)
        # Added to the tabs only while the store holds comparisons (see `_show_comparisons`).
        self.comparisons = TablePage(_COMPARISON_COLUMNS, self.tables)
        self.comparisons.hide()
        for page, title in (
            (self.versions, "Prompt versions"),
            (self.models, "Models"),
            (self.routes, "Routes"),
            (self.validators, "Validators"),
            (self.agreement, "Agreement"),
            (self.throughput, "Throughput"),
            (self.routing, "Routing"),
            (self.questions, "Questions"),
        ):
            self.tables.addTab(page, title)
        self.charts_placeholder = QLabel("Computing…", self)
        self.charts_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self._splitter.addWidget(self.tables)
        self._splitter.addWidget(self.charts_placeholder)
        self._splitter.setStretchFactor(0, 2)
        self._splitter.setStretchFactor(1, 3)
        self._splitter.setSizes([560, 860])
        self._body.addWidget(self._splitter)
        if self._overview is not None:
            self._build_charts()
            self._show(self._overview)

    def _build_charts(self) -> None:
        """The charts in place of their placeholder (once an overview has loaded pyqtgraph)."""
        from reviewdesk.ui.stats.charts import ChartPanel

        self._charts = ChartPanel(self)
        self._splitter.replaceWidget(1, self._charts)
        self.charts_placeholder.deleteLater()

    def _show(self, o: Overview) -> None:
        totals = o.totals
        self.status.setText(
            f"{totals.labels:,} labels on {totals.decided_items:,} of {totals.generations:,} "
            f"items · {totals.decisions:,} decisions by {totals.reviewers} reviewers · "
            f"acceptance {percent(o.overall.acceptance)} "
            f"({interval(o.overall.acceptance_low, o.overall.acceptance_high)})"
            + (f" · {totals.unresolved_items} unresolved" if totals.unresolved_items else "")
        )
        if not self._built or self._charts is None:
            return  # built (and filled) when first shown
        self.versions.show_rows(
            [group_row(g, "prompt_template", "prompt_version") for g in o.by_prompt_version],
            "\n".join(c.sentence for c in o.comparisons),
        )
        self.version_diffs.show_diffs(o.comparisons, self._diffs)
        self.models.show_rows([group_row(g, "model") for g in o.by_model])
        self.routes.show_rows([group_row(g, "route") for g in o.by_route])
        self._show_validators(o)
        self._show_agreement(o)
        self.throughput.show_rows(
            [
                [t.reviewer, t.decisions, t.median_seconds, t.per_hour]
                for t in (*o.throughput.by_reviewer, o.throughput.overall)
            ],
        )
        self._show_routing(o)
        self._show_comparisons(self._comparison_stats)
        self.questions.show_reports(self._questions)
        self._charts.show_overview(o)

    def _show_validators(self, o: Overview) -> None:
        c = o.calibration
        notes = [
            "Precision: share of flagged items reviewers rejected or edited. "
            "Recall: share of rejected items the validator flagged."
        ]
        notes.append(f"Noisy (mostly approved when they fire): {', '.join(c.noisy) or 'none'}.")
        blind = ", ".join(f"{r} ({c.unflagged_rejects.get(r, 0)})" for r in c.blind_spots)
        notes.append(f"Blind spots (reject reasons no validator flags): {blind or 'none'}.")
        self.validators.show_rows(
            [
                [
                    v.validator,
                    v.code,
                    v.flagged_items,
                    v.labels,
                    v.approve,
                    v.edit,
                    v.reject,
                    percent(v.precision),
                    interval(v.precision_low, v.precision_high),
                    percent(v.recall),
                    "noisy" if v.noisy else "",
                ]
                for v in c.validators
            ],
            "\n".join(notes),
        )

    def _show_agreement(self, o: Overview) -> None:
        a = o.agreement
        alpha = "–" if a.krippendorff_alpha is None else f"{a.krippendorff_alpha:.2f}"
        note = (
            f"{a.items:,} items with two or more reviewers ({a.reviewers} reviewers): "
            f"{percent(a.percent_agreement)} agree · Krippendorff's α {alpha} · "
            f"{a.disagreement_count:,} disagreements to adjudicate"
        )
        self.agreement.show_rows(
            [
                [
                    p.first,
                    p.second,
                    p.items,
                    percent(p.agreement),
                    None if p.kappa is None else f"{p.kappa:.2f}",
                ]
                for p in a.pairs
            ],
            note,
        )

    def _show_comparisons(self, stats: ComparisonStats | None) -> None:
        index = self.tables.indexOf(self.comparisons)
        if stats is None:
            if index >= 0:
                self.tables.removeTab(index)
                self.comparisons.hide()
            return
        if index < 0:
            self.tables.insertTab(
                self.tables.indexOf(self.routing) + 1, self.comparisons, "Comparisons"
            )
        tallies = {tally.model: tally for tally in stats.models}
        rows: list[list[Cell]] = []
        for rating in stats.ratings:
            tally = tallies.get(rating.model)
            rows.append(
                [
                    rating.model,
                    f"{rating.log_strength:+.2f}",
                    f"{rating.low:+.2f} – {rating.high:+.2f}",
                    *((None,) * 4 if tally is None else (
                        tally.wins, tally.ties, tally.losses, tally.both_bad
                    )),
                ]
            )  # fmt: skip
        rated = {rating.model for rating in stats.ratings}
        for tally in stats.models:  # in comparisons, but in no rated one (e.g. only both bad)
            if tally.model not in rated:
                rows.append(
                    [tally.model, None, None, tally.wins, tally.ties, tally.losses, tally.both_bad]
                )
        left = stats.left_picks
        alpha = "–" if stats.alpha is None else f"{stats.alpha:.2f}"
        notes = [
            f"{stats.decided:,} of {stats.comparisons:,} comparisons decided"
            + (f", {stats.unresolved:,} unresolved" if stats.unresolved else "")
            + f". Rating: Davidson log-strength (ties counted), best first, with its bootstrap "
            f"95% interval over {stats.bootstrap.get('resamples', 0)} resamples.",
            (
                f"Position bias: the left one picked in {percent(left.rate)} of "
                f"{left.total:,} decisions ({interval(left.low, left.high)}; no bias: 50%)."
                if left.total
                else "Position bias: no decision recorded which one was on the left."
            ),
            f"Agreement over {stats.multi_reviewed:,} comparisons with two or more reviewers: "
            f"{percent(stats.percent_agreement)} all agree, pairwise "
            f"{percent(stats.pairwise_agreement)}, Krippendorff's α {alpha}.",
        ]
        self.comparisons.show_rows(rows, "\n".join(notes))

    def _show_routing(self, o: Overview) -> None:
        r = o.routing
        rows: list[list[Cell]] = []
        for route in r.routes:
            advice = f"→ {route.model}" if route.model else str(route.status).replace("_", " ")
            by = {"preference": " (by preference)", "both": " (by acceptance and preference)"}
            advice += by.get(route.evidence, "")
            for m in route.models:
                cost = None if m.cost_per_item_usd is None else f"{m.cost_per_item_usd:.4f}"
                rows.append(
                    [
                        route.route,
                        m.model,
                        m.n,
                        percent(m.acceptance),
                        interval(m.acceptance_low, m.acceptance_high),
                        "yes" if m.meets_target else "no",
                        cost,
                        m.median_latency_ms,
                        percent(m.traffic_share),
                        "advised" + by.get(route.evidence, "")
                        if m.model == route.model
                        else advice,
                    ]
                )
        note = (
            f"Advice: the cheapest model whose acceptance lower bound meets "
            f"{r.target_acceptance:.0%}, per route. Where acceptance has not enough data and "
            "the route's comparisons rate one model clearly above the others, that model "
            "(by preference)."
        )
        self.routing.show_rows(rows, note)
