"""The annual-review catch-up planner: every overdue or soon-due review, in order of legal
risk, spread week by week over the caseworkers' capacity; the effect on "reviews overdue";
and booking it all (meetings, letters, invitations, tasks) in one step."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.review_plan import (
    DEFAULT_PER_WEEK,
    DEFAULT_SOON_WEEKS,
    DEFAULT_WEEKS,
    PlannedReview,
    PlanSettings,
)
from caseload_app.domain.status import Rag
from caseload_app.domain.text import how_many
from caseload_app.services.review_plan import Applied, ReviewPlan, ReviewPlanService
from caseload_app.ui.dialogs.printing import choose_folder
from caseload_app.ui.errors import show_failure
from caseload_app.ui.models.rows import Column, RowsModel
from caseload_app.ui.widgets.bar_chart import BarChart
from caseload_app.ui.worker import Job, Progress, run_in_background

log = logging.getLogger(__name__)


class PlanRow:
    """One review as the table shows it."""

    def __init__(self, p: PlannedReview, made: ReviewPlan) -> None:
        self.p, self.case_id = p, p.review.case_id
        self.child = p.review.child_name
        self.caseworker = made.name(p.review.caseworker_id)
        self.held_by = made.name(p.caseworker_id) if p.meeting else ""
        self.overdue = p.review.days_overdue(made.plan.today)


def _day(d) -> str:
    return format_date(d) if d else "—"


COLUMNS = (
    Column("Child", lambda r: r.child),
    Column("Caseworker", lambda r: r.caseworker),
    Column(
        "Phase transfer by",
        lambda r: _day(r.p.review.transfer_date),
        lambda r: r.p.review.transfer_date or r.p.review.due,
    ),  # fmt: skip
    Column("Review due", lambda r: _day(r.p.review.due), lambda r: r.p.review.due),
    Column(
        "Days overdue",
        lambda r: str(r.overdue) if r.overdue else "",
        lambda r: r.overdue,
        rag=lambda r: Rag.RED if r.overdue else None,
    ),  # fmt: skip
    Column("Meeting", lambda r: _meeting(r.p), lambda r: (r.p.meeting is None, r.p.meeting)),
    Column("Held by", lambda r: r.held_by + (" (shared out)" if r.p.shared else "")),
    Column("Note", lambda r: r.p.note),
)


def _meeting(p: PlannedReview) -> str:
    if p.meeting is None:
        return "Not planned"
    return _day(p.meeting) + (" (booked)" if p.review.booked else "")


class ReviewPlanView(QWidget):
    open_case = Signal(int)
    changed = Signal()
    loaded = Signal()  # a plan is shown (or its making failed)
    applied = Signal()  # booking ended, well or not

    def __init__(self, service: ReviewPlanService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.made: ReviewPlan | None = None
        self.last_applied: Applied | None = None
        self._job: Job | None = None
        self.model = RowsModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setAccessibleName("Reviews to hold")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(
            lambda index: self.open_case.emit(self.model.row_at(index.row()).case_id)
        )
        self.chart = BarChart()
        self.chart.setAccessibleName("Reviews overdue week by week")
        self.summary = QLabel("Choose the settings and make the plan.")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.hide()
        self._build_settings()
        self._lay_out()

    def _build_settings(self) -> None:
        self.per_week = QDoubleSpinBox()
        self.per_week.setRange(0.5, 20)
        self.per_week.setSingleStep(0.5)
        self.per_week.setDecimals(1)
        self.per_week.setValue(DEFAULT_PER_WEEK)
        self.per_week.setAccessibleName("Reviews a week per full-time caseworker")
        self.per_week.setToolTip(
            "Review meetings a full-time caseworker holds in a week: a caseworker with about "
            "150 plans holds about 3 a week to keep up; the default adds one for catching up. "
            "Part-time caseworkers and part weeks (absences, bank holidays) get fewer."
        )
        self.soon = QSpinBox()
        self.soon.setRange(0, 26)
        self.soon.setValue(DEFAULT_SOON_WEEKS)
        self.soon.setSuffix(" weeks")
        self.soon.setAccessibleName("Plan reviews due within")
        self.weeks = QSpinBox()
        self.weeks.setRange(1, 52)
        self.weeks.setValue(DEFAULT_WEEKS)
        self.weeks.setSuffix(" weeks")
        self.weeks.setAccessibleName("Weeks planned")
        self.share = QCheckBox("&Share out across the team")
        self.share.setToolTip(
            "Reviews a caseworker has no room for go to whoever has room first (a lead only)."
        )
        self.make_button = QPushButton("&Make plan")
        self.make_button.clicked.connect(self.make_plan)
        self.letters = QCheckBox("Issue the invitation &letters")
        self.letters.setChecked(True)
        self.book_button = QPushButton("&Book the plan…")
        self.book_button.setAccessibleName("Book every planned meeting, with letters and tasks")
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(lambda: self.book())

    def _lay_out(self) -> None:
        row = QHBoxLayout()
        for caption, widget in (
            ("Reviews a &week per FTE:", self.per_week),
            ("&Due within:", self.soon),
            ("&Plan over:", self.weeks),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addWidget(self.share)
        row.addWidget(self.make_button)
        row.addStretch(1)
        row.addWidget(self.letters)
        row.addWidget(self.book_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([400, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------ making the plan
    def settings(self) -> PlanSettings:
        return PlanSettings(
            reviews_per_week_per_fte=self.per_week.value(),
            soon_weeks=self.soon.value(),
            weeks=self.weeks.value(),
            share_out=self.share.isChecked(),
        )

    def refresh(self) -> None:
        self.make_plan()

    def make_plan(self) -> None:
        """Read and plan off the window's thread: 50,000 cases take a second or so."""
        if self._job is not None:
            return
        self._busy("Making the plan…")
        chosen = self.settings()
        self._job = run_in_background(
            lambda: self.service.plan(chosen), self._show, self._plan_failed
        )

    def _show(self, made: ReviewPlan) -> None:
        self._job = None
        self._idle()
        self.made = made
        self.model.set_rows([PlanRow(p, made) for p in made.plan.reviews])
        for column in range(self.model.columnCount()):
            self.table.resizeColumnToContents(column)
        self.summary.setText(summary_text(made))
        self.book_button.setEnabled(bool(made.plan.planned()))
        bars = []
        for week in made.plan.weeks:
            label = f"{week.week.day} {format_date(week.week).split()[2]}"
            bars += [(label, float(week.without_plan), True), ("", float(week.with_plan), False)]
        self.chart.set_bars(
            "Reviews overdue at each week's end (week beginning): grey as things are, "
            "coloured with the plan",
            bars,
        )
        self.loaded.emit()

    def _plan_failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self._idle()
        self._report("Plan not made", exc, details)
        self.loaded.emit()

    # ------------------------------------------------------------------ booking
    def book(self, folder: Path | None = None) -> None:
        made = self.made
        if made is None or self._job is not None:
            return
        planned = len(made.plan.planned())
        if folder is None:
            folder = choose_folder(self, "Put the letters and calendars in…")
            if folder is None:
                return
        letters = self.letters.isChecked()
        asked = QMessageBox.question(
            self,
            "Book the plan",
            f"Book {how_many(planned, 'review meeting', 'review meetings')}, each with a task"
            + (" and the invitation letter to the family" if letters else "")
            + f", and put the files in a new folder in {folder}? It is all done in one step.",
        )
        if asked != QMessageBox.StandardButton.Yes:
            return
        self._busy("Making the letters…")
        progress = Progress(self)
        progress.moved.connect(self._moved)
        self._job = run_in_background(
            lambda: self.service.apply(made, folder, letters=letters, progress=progress.moved.emit),
            self._booked,
            self._book_failed,
        )

    def _moved(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"Letters made: {done:,} of {total:,}")

    def _booked(self, done: Applied) -> None:
        self._job = None
        self._idle()
        self.last_applied = done
        QMessageBox.information(self, "Plan booked", done.summary())
        self.changed.emit()
        self.applied.emit()
        self.make_plan()

    def _book_failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self._idle()
        self._report("Plan not booked", exc, details)
        self.applied.emit()

    # ------------------------------------------------------------------ helpers
    def _busy(self, text: str) -> None:
        self.make_button.setEnabled(False)
        self.book_button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first step is known
        self.progress.setFormat(text)
        self.progress.show()

    def _idle(self) -> None:
        self.progress.hide()
        self.make_button.setEnabled(True)
        self.book_button.setEnabled(self.made is not None and bool(self.made.plan.planned()))

    def _report(self, title: str, exc: Exception, details: str) -> None:
        show_failure(self, title, exc)


def summary_text(made: ReviewPlan) -> str:
    plan = made.plan
    planned = len(plan.planned())
    transfers = sum(1 for p in plan.reviews if p.review.transfer_date)
    overdue = sum(1 for p in plan.reviews if p.review.days_overdue(plan.today))
    whose = "Your" if made.caseworker_id is not None else "The team's"
    text = (
        f"{whose} {how_many(len(plan.reviews), 'review', 'reviews')} to hold "
        f"({overdue:,} overdue, {transfers:,} phase transfers): "
        f"{planned:,} planned over {plan.settings.weeks} weeks."
    )
    if plan.weeks:
        last = plan.weeks[-1]
        text += (
            f" Reviews overdue by the last week: {last.with_plan:,} with the plan, "
            f"{last.without_plan:,} without."
        )
    if plan.overflow:
        parts = [f"{o.name} {o.count:,}" for o in plan.overflow]
        text += " No room in the weeks planned for: " + ", ".join(parts) + "."
    return text + " Double-click a review to open its case."
