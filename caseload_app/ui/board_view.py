"""The team lead's workload board: load per caseworker, the weeks ahead, rebalancing."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.rebalance import Proposal
from caseload_app.domain.status import Rag
from caseload_app.domain.text import how_many
from caseload_app.domain.workload import StepCount
from caseload_app.services.caselist import CaseFilter
from caseload_app.services.forecast import ForecastResult, ForecastService
from caseload_app.services.handover import HandoverService
from caseload_app.services.keep_in_touch import KeepInTouchService
from caseload_app.services.letters import LetterService
from caseload_app.services.team import Reassignment, TeamService
from caseload_app.services.workload import Board, BoardRow, WorkloadService
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.moves_dialogs import (
    MovesDone,
    RecentMoves,
    fit_columns,
    next_step_text,
)
from caseload_app.ui.errors import run_action
from caseload_app.ui.forecast_view import ForecastStrip
from caseload_app.ui.models.rows import Column, RowsModel
from caseload_app.ui.widgets.bar_chart import BarChart
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.worker import Job, run_in_background

WEEKS = 8
TRIBUNAL_COLUMN = "Tribunal steps"
UPDATED_COLUMN = "Updated on time"  # the keep-in-touch promise (services/keep_in_touch.py)
STAGE_COLUMNS = (
    ("request_received", "Requests"),
    ("assessment", "Assessing"),
    ("draft_issued", "Drafts"),
    ("plan_issued", "Plans"),
)


def _board_columns(today: date, shares: dict[int | None, tuple[int, int]]) -> tuple[Column, ...]:
    fixed = (
        Column("Caseworker", lambda r: r.name + (" (away)" if r.away_today else "")),
        Column("FTE", lambda r: f"{r.capacity:.1f}", lambda r: r.capacity),
        Column("Open cases", lambda r: str(r.open_cases), lambda r: r.open_cases),
        *(_stage_column(key, title) for key, title in STAGE_COLUMNS),
        Column("Load", lambda r: f"{r.load:.1f}", lambda r: r.load),
        Column("Load per FTE", lambda r: f"{r.load_per_fte:.1f}", lambda r: r.load_per_fte),
        Column(
            "Overdue steps",
            lambda r: str(r.overdue_steps),
            lambda r: r.overdue_steps,
            rag=lambda r: Rag.RED if r.overdue_steps else None,
        ),
        Column(
            "Due in absence",
            lambda r: str(r.deadlines_in_absence),
            lambda r: r.deadlines_in_absence,
            rag=lambda r: Rag.AMBER if r.deadlines_in_absence else None,
        ),
        Column(
            TRIBUNAL_COLUMN,
            lambda r: _tribunal_text(r.tribunal_steps),
            lambda r: (r.tribunal_steps.overdue, r.tribunal_steps.open),
            rag=lambda r: _tribunal_rag(r.tribunal_steps),
            tooltip=lambda r: _tribunal_tip(r.tribunal_steps),
        ),
        Column(
            UPDATED_COLUMN,
            lambda r: _share_text(shares.get(r.worker_id)),
            lambda r: _share(shares.get(r.worker_id)),
            tooltip=lambda r: _share_tip(shares.get(r.worker_id)),
        ),
    )
    weeks = tuple(_week_column(n, today + timedelta(days=7 * n)) for n in range(WEEKS))
    return fixed + weeks


def _share(kept: tuple[int, int] | None) -> float:
    return kept[0] / kept[1] if kept and kept[1] else -1.0


def _share_text(kept: tuple[int, int] | None) -> str:
    if kept is None:
        return "…"  # still loading (or no open cases)
    return f"{kept[0] * 100 // kept[1]}%" if kept[1] else "–"


def _share_tip(kept: tuple[int, int] | None) -> str:
    if not kept:
        return "Families with an open case who are not overdue an update (loading…)"
    return (
        f"{kept[0]:,} of {how_many(kept[1], 'family', 'families')} with an open case are not "
        "overdue an update (View → Families due an update lists those who are)."
    )


def _tribunal_text(steps: StepCount) -> str:
    return f"{steps.open} ({steps.overdue} late)" if steps.overdue else str(steps.open)


def _tribunal_rag(steps: StepCount) -> str | None:
    return Rag.RED if steps.overdue else Rag.AMBER if steps.due_this_week else None


def _tribunal_tip(steps: StepCount) -> str:
    return (
        f"Steps still to take after Tribunal orders (Reg 44, 45): {steps.open} open, "
        f"{steps.overdue} past their date, {steps.due_this_week} due within 7 days, on "
        f"{how_many(len(steps.case_ids), 'case', 'cases')}. Double-click to list those cases."
    )


def _stage_column(key: str, title: str) -> Column:
    return Column(
        title, lambda r: str(r.cases_by_stage.get(key, 0)), lambda r: r.cases_by_stage.get(key, 0)
    )


def _week_column(n: int, starts: date) -> Column:
    """Deadlines in week n (0: the week starting today); amber from 10."""
    return Column(
        _week_title(starts),
        lambda r: str(r.weekly_deadlines[n]),
        lambda r: r.weekly_deadlines[n],
        rag=lambda r: Rag.AMBER if r.weekly_deadlines[n] >= 10 else None,
    )


def _week_title(starts: date) -> str:
    """A week column's heading: weeks run from today, so each says the day it starts."""
    return f"From\n{starts.day} {starts:%b}"  # two lines: eight weeks fit a laptop screen


class BoardView(QWidget):
    """One row per caseworker; double-click to see their cases."""

    show_cases = Signal(object)  # the CaseFilter for the cases behind the clicked cell
    changed = Signal()  # allocation changed (reassign / rebalance / undo)
    team_changed = Signal()  # a caseworker added, renamed, retired…
    shares_loaded = Signal()  # families updated on time: loaded (or failed)
    forecast_loaded = Signal()  # the forecast strip: loaded (or failed)
    forecast_wanted = Signal()  # the strip's "Forecast…"

    def __init__(
        self,
        workload: WorkloadService,
        team: TeamService,
        handover: HandoverService | None = None,
        letters: LetterService | None = None,
        parent=None,
        keep: KeepInTouchService | None = None,
        forecast: ForecastService | None = None,
    ) -> None:
        super().__init__(parent)
        self.workload, self.team, self.handover, self.letters = workload, team, handover, letters
        self.keep, self.forecast = keep, forecast
        # The 20-week forecast under the table: a second or two at 50,000 children, so it
        # too loads off the window's thread after the board shows.
        self._forecast_job: Job | None = None
        self._forecast_again = False
        self.last_batch: str | None = None
        # Families updated on time, per caseworker (None: not allocated): a pass over every
        # open case, so it loads off the window's thread after the board shows.
        self.shares: dict[int | None, tuple[int, int]] = {}
        self._shares_job: Job | None = None
        self._shares_again = False
        self._summary_text = ""
        self.model = RowsModel(_board_columns(workload.today(), self.shares), self)
        self.table = QTableView()
        self.table.setAccessibleName("Workload board")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(
            lambda index: self.show_cases.emit(self.cell_filter(index))
        )
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = BarChart()
        self.chart.setAccessibleName("Load per FTE chart")
        self.chart.setMinimumHeight(220)
        buttons = QHBoxLayout()
        for text, slot in (
            ("&Propose rebalance…", self.propose),
            ("Recent &moves…", self.recent_moves),
            ("Mark &absence…", self.mark_absence),
            ("&Caseworkers…", self.manage_team),
            ("&Weights…", self.edit_weights),
            ("&Refresh", self.refresh),
        ):
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.strip = ForecastStrip()
        self.strip.setVisible(forecast is not None)
        self.strip.wanted.connect(self.forecast_wanted)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.strip)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(self.chart)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)

    def cell_filter(self, index) -> CaseFilter:
        """The cases behind a cell: the caseworker's open cases, narrowed by the column."""
        worker = self.model.row_at(index.row()).worker_id
        title = self.model.columns[index.column()].title
        week = index.column() - (self.model.columnCount() - WEEKS)
        if title == "Overdue steps":
            return CaseFilter(caseworker_id=worker, open_only=True, overdue=True)
        if title == TRIBUNAL_COLUMN:  # closed cases too: an order to assess follows a refusal
            steps = self.model.row_at(index.row()).tribunal_steps
            return CaseFilter(caseworker_id=worker, case_ids=steps.case_ids or (0,))
        if week >= 0:
            return CaseFilter(
                caseworker_id=worker,
                open_only=True,
                due_from_days=7 * week,
                due_to_days=7 * week + 6,
            )
        return CaseFilter(caseworker_id=worker, open_only=True)

    def refresh(self) -> None:
        self.show_board(self.workload.board())
        self._load_shares()
        self._load_forecast()

    def _load_forecast(self) -> None:
        if self.forecast is None:
            return
        if self._forecast_job is not None:
            self._forecast_again = True  # cases moved meanwhile: forecast again when it ends
            return
        self.strip.loading()
        forecast = self.forecast
        self._forecast_job = run_in_background(
            lambda: forecast.forecast(), self._forecast_made, self._forecast_failed
        )

    def _forecast_made(self, result: ForecastResult) -> None:
        self._forecast_job = None
        self.strip.show_result(result)
        self._forecast_ended()

    def _forecast_failed(self, exc: Exception, _details: str) -> None:
        self._forecast_job = None
        self.strip.failed(exc)
        self._forecast_ended()

    def _forecast_ended(self) -> None:
        if self._forecast_again:
            self._forecast_again = False
            self._load_forecast()
            return
        self.forecast_loaded.emit()

    def _load_shares(self) -> None:
        if self.keep is None:
            return
        if self._shares_job is not None:
            self._shares_again = True  # cases moved meanwhile: count again when it ends
            return
        self._shares_job = run_in_background(
            self.keep.on_time_shares, self._shares_loaded, self._shares_failed
        )

    def _shares_loaded(self, shares: dict[int | None, tuple[int, int]]) -> None:
        self._shares_job = None
        self.shares.clear()
        self.shares.update(shares)
        self.model.set_rows(self.model.rows())  # the column shows them
        self._show_summary()
        self._shares_ended()

    def _shares_ended(self) -> None:
        if self._shares_again:
            self._shares_again = False
            self._load_shares()
            return
        self.shares_loaded.emit()

    def _shares_failed(self, exc: Exception, _details: str) -> None:
        self._shares_job = None
        self.summary.setText(f"{self._summary_text} Families updated on time: not loaded.")
        self._shares_ended()

    def show_board(self, board: Board) -> None:
        self.model.set_rows(board.rows)
        for column in range(self.model.columnCount()):
            self.table.resizeColumnToContents(column)
        away = [r.name for r in board.rows if r.away_today]
        self._summary_text = (
            f"{sum(r.open_cases for r in board.rows):,} open cases, {board.unallocated} "
            f"unallocated; away today: {', '.join(away) or 'nobody'}. Weeks run from today. "
            "Double-click a cell to see the cases behind it."
        )
        self._show_summary()
        _show_load_chart(self.chart, board.rows)

    def _show_summary(self) -> None:
        kept = sum(k for k, _ in self.shares.values())
        families = sum(n for _, n in self.shares.values())
        team = (
            f" Families updated on time (the team): {kept:,} of {families:,} "
            f"({kept * 100 // families}%)."
            if families
            else ""
        )
        self.summary.setText(self._summary_text + team)

    def propose(self) -> None:
        proposal = self.workload.propose()
        if not proposal.moves:
            QMessageBox.information(self, "Rebalance", f"No moves to make. {proposal.left}".strip())
            return
        names: dict[int | None, str] = {r.worker_id: r.name for r in self.model.rows()}
        dialog = RebalanceDialog(self.workload, proposal, names, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply(dialog.proposal, dialog.reason.text(), dialog.unticked())

    def apply(self, proposal: Proposal, reason: str, skip: set[int]) -> MovesDone | None:
        """Make the ticked moves, then show what moved, with undo, packs and letters."""

        def do() -> None:
            self.last_batch = self.workload.apply(proposal, reason, skip)

        if not run_action(self, "Rebalance not applied", do):
            return None
        self.refresh()
        self.changed.emit()
        assert self.last_batch is not None
        families = len(proposal.moves) - len(skip)
        cases = sum(len(m.case_ids) for i, m in enumerate(proposal.moves) if i not in skip)
        headline = (
            f"Rebalance applied: {how_many(cases, 'case', 'cases')} of "
            f"{how_many(families, 'family', 'families')} moved. It is kept under Recent "
            "moves, where it can be undone later as one step."
        )
        done = MovesDone(self.team, self.last_batch, headline, self.handover, self.letters, self)
        self.show_moves_done(done)
        return done

    def show_moves_done(self, dialog: MovesDone) -> None:
        dialog.exec()
        if dialog.undone:
            self.after_undo()

    def recent_moves(self) -> None:
        if run_action(self, "Recent moves", self.team.batches):  # a lead's list
            RecentMoves(self.team, self.after_undo, self.handover, self.letters, self).exec()

    def after_undo(self) -> None:
        self.refresh()
        self.changed.emit()

    def edit_weights(self) -> None:
        if WeightsDialog(self.workload, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def manage_team(self) -> None:
        from caseload_app.ui.dialogs.team_dialog import TeamDialog

        def changed() -> None:
            self.refresh()
            self.team_changed.emit()

        TeamDialog(self.team, changed, self.propose, self).exec()

    def mark_absence(self) -> None:
        dialog = AbsenceDialog([(r.worker_id, r.name) for r in self.model.rows()], self)
        if dialog.exec() == QDialog.DialogCode.Accepted and run_action(
            self, "Absence not saved", lambda: self.team.add_absence(*dialog.values())
        ):
            self.refresh()


def _buttons(dialog: QDialog, on_accept, save: bool = False) -> QDialogButtonBox:
    """OK (or Save) and Cancel, wired to the dialog."""
    ok = QDialogButtonBox.StandardButton.Save if save else QDialogButtonBox.StandardButton.Ok
    buttons = QDialogButtonBox(ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _show_load_chart(chart: BarChart, rows: list[BoardRow]) -> None:
    """Load per FTE, a bar per caseworker (grey when away today), and the team's average
    over those who are in."""
    present = [r for r in rows if r.capacity > 0 and not r.away_today]
    fte = sum(r.capacity for r in present)
    average = sum(r.load for r in present) / fte if fte else None
    chart.set_bars(
        "Weighted load per full-time equivalent",
        [(r.name.split()[0], r.load_per_fte, r.away_today) for r in rows],
        average,
        f"team average {average:,.1f}" if average is not None else "",
    )


class RebalanceDialog(QDialog):
    """The proposed moves, each with a tick, the children's names and next steps; the
    lead's cap on moves; before/after per caseworker; what is left and why; one reason."""

    def __init__(
        self,
        workload: WorkloadService,
        proposal: Proposal,
        names: dict[int | None, str],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Proposed rebalance")
        self.workload, self.names, self.today = workload, names, workload.today()
        self.resize(1100, 640)
        self.proposal = proposal
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.moves = QTableWidget(0, 5)
        self.moves.setAccessibleName("Proposed moves")
        self.moves.setHorizontalHeaderLabels(["Children", "From", "To", "Next step", "Why"])
        self.loads = QTableWidget()
        self.cap = QSpinBox()
        self.cap.setAccessibleName("Most balancing moves")
        self.cap.setRange(0, 999)
        self.cap.setSpecialValueText("No limit")
        again = QPushButton("Propose a&gain")
        again.setAutoDefault(False)
        again.clicked.connect(self.propose_again)
        cap_row = QHBoxLayout()
        cap_row.addWidget(QLabel("Balancing moves, at &most:"))
        cap_row.itemAt(0).widget().setBuddy(self.cap)
        cap_row.addWidget(self.cap)
        cap_row.addWidget(again)
        cap_row.addStretch(1)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the rebalance")
        self.reason.setPlaceholderText("Recorded with every move, e.g. 'Cover for leave'")
        buttons = _buttons(self, self._accept)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Apply ticked moves")
        form = QFormLayout()
        form.addRow("&Reason", self.reason)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.summary)
        self.layout_.addLayout(cap_row)
        self.layout_.addWidget(self.moves, 2)
        self.layout_.addWidget(self.loads, 1)
        self.layout_.addLayout(form)
        self.layout_.addWidget(buttons)
        self.show_proposal(proposal)
        self.reason.setFocus()

    def show_proposal(self, proposal: Proposal) -> None:
        self.proposal = proposal
        details = self.workload.moved_cases(proposal)
        self.summary.setText(
            f"{how_many(len(proposal.moves), 'move', 'moves')}, "
            f"{how_many(sum(len(m.case_ids) for m in proposal.moves), 'child', 'children')}. "
            f"Spread of load per FTE: {proposal.spread_before:.2f} → "
            f"{proposal.spread_after:.2f}. {proposal.left} Untick any move you do not want; "
            "applying is one step and can be undone as one."
        )
        self.moves.setRowCount(len(proposal.moves))
        for row, move in enumerate(proposal.moves):
            moving = [details[i] for i in move.case_ids if i in details]
            # A child with two open cases is named once.
            children = ", ".join(dict.fromkeys(c.child_name for c in moving)) or how_many(
                len(move.case_ids), "case", "cases"
            )
            dated = sorted((c.next_due, c.next_step) for c in moving if c.next_due)
            step = next_step_text(dated[0][1], dated[0][0]) if dated else ""
            cells = [
                children,
                self.names.get(move.from_id, "Unallocated"),
                self.names.get(move.to_id, str(move.to_id)),
                step,
                move.reason,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.moves.setItem(row, column, item)
            self.moves.item(row, 0).setCheckState(Qt.CheckState.Checked)
        fit_columns(self.moves, widest=300)
        strips = self.workload.week_strips(proposal)
        _fill_before_after(self.loads, proposal, self.names, strips, self.today)

    def propose_again(self) -> None:
        cap = self.cap.value() or None
        self.show_proposal(self.workload.propose(max_moves=cap))

    def unticked(self) -> set[int]:
        return {
            row
            for row in range(self.moves.rowCount())
            if self.moves.item(row, 0).checkState() != Qt.CheckState.Checked
        }

    def _accept(self) -> None:
        if len(self.unticked()) == self.moves.rowCount():
            QMessageBox.information(self, "Nothing to apply", "Tick at least one move to apply.")
            return
        if not self.reason.text().strip():
            QMessageBox.information(self, "Reason needed", "Say why the cases are moving.")
            return
        self.accept()


def _fill_before_after(
    table: QTableWidget, proposal: Proposal, names: dict[int | None, str], strips: dict, today: date
) -> None:
    """Load per caseworker, and steps due in each of the next 8 weeks, before → after."""
    workers = sorted(proposal.before)
    table.clear()
    table.setRowCount(len(workers))
    table.setColumnCount(3 + WEEKS)
    table.setAccessibleName("Load and weekly deadlines before and after")
    table.setHorizontalHeaderLabels(
        ["Caseworker", "Load before", "Load after"]
        + [_week_title(today + timedelta(days=7 * n)) for n in range(WEEKS)]
    )
    for row, worker_id in enumerate(workers):
        table.setItem(row, 0, QTableWidgetItem(names.get(worker_id, str(worker_id))))
        table.setItem(row, 1, QTableWidgetItem(f"{proposal.before[worker_id]:.1f}"))
        table.setItem(row, 2, QTableWidgetItem(f"{proposal.after.get(worker_id, 0):.1f}"))
        before, after = strips.get(worker_id, ([0] * WEEKS, [0] * WEEKS))
        for week in range(WEEKS):
            text = (
                str(before[week])
                if before[week] == after[week]
                else f"{before[week]}→{after[week]}"
            )
            table.setItem(row, 3 + week, QTableWidgetItem(text))
    table.resizeColumnsToContents()


class AbsenceDialog(FieldsFirst, QDialog):
    def __init__(self, workers: list[tuple[int, str]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark absence")
        self.worker = QComboBox()
        self.worker.setAccessibleName("Caseworker")
        for worker_id, name in workers:
            self.worker.addItem(name, worker_id)
        self.starts, self.ends = DateEdit(), DateEdit()
        self.starts.setAccessibleName("Away from")
        self.ends.setAccessibleName("Away until")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        form = QFormLayout()
        form.addRow("&Caseworker", self.worker)
        form.addRow("Away &from", self.starts)
        form.addRow("Away &until (inclusive)", self.ends)
        form.addRow("&Note", self.note)
        buttons = _buttons(self, self.accept, save=True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple:
        return self.worker.currentData(), self.starts.value(), self.ends.value(), self.note.text()


class ReassignDialog(FieldsFirst, QDialog):
    """Reassign the selected cases: to whom, why, and whether to split a family. Nobody is
    chosen at first, and the cases' current holder is not offered."""

    def __init__(
        self,
        count: int,
        workers: list[tuple[int, str]],
        parent=None,
        current: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reassign {how_many(count, 'case', 'cases')}")
        self.worker = QComboBox()
        self.worker.setAccessibleName("New caseworker")
        self.worker.addItem("Choose who takes them…", None)
        for worker_id, name in workers:
            if worker_id != current:
                self.worker.addItem(name, worker_id)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.split = QCheckBox("&Split families (move only the selected children)")
        form = QFormLayout()
        form.addRow("&To", self.worker)
        form.addRow("&Reason", self.reason)
        form.addRow(self.split)
        note = QLabel("Brothers and sisters held by the same caseworker move too, unless split.")
        buttons = _buttons(self, self._accept, save=False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.worker.currentData() is None:
            QMessageBox.information(self, "Who takes them?", "Choose the new caseworker.")
            self.worker.setFocus()
            return
        if not self.reason.text().strip():
            QMessageBox.information(self, "Reason needed", "Say why the cases are moving.")
            self.reason.setFocus()
            return
        self.accept()


def reassign_headline(chosen: list[int], result: Reassignment, to_name: str) -> str:
    """ "Moved 6 cases to Ben Okafor: the 3 you chose and 3 of their brothers and sisters…" """
    moved = len(result.case_ids)
    picked = len(set(chosen) & set(result.case_ids))
    extra = moved - picked
    text = f"Moved {how_many(moved, 'case', 'cases')} to {to_name}"
    if extra:
        text += (
            f": the {how_many(picked, 'case', 'cases')} you chose and "
            f"{how_many(extra, 'brother or sister', 'brothers and sisters')} held by the same "
            "caseworker, so each family keeps one caseworker"
        )
    return text + ". Undo puts them all back; it stays possible later under Recent moves."


class WeekEndingDialog(FieldsFirst, QDialog):
    """Which week the leadership report covers, and whether to save the CSV behind it."""

    def __init__(self, today, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Weekly leadership report")
        self.week_ending = DateEdit(today)
        self.week_ending.setAccessibleName("Week ending")
        self.csv = QCheckBox("Also save the &CSV of cases behind each figure")
        form = QFormLayout()
        form.addRow("&Week ending", self.week_ending)
        form.addRow(self.csv)
        buttons = _buttons(self, self.accept, save=False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


WEIGHT_LABELS = (
    ("request_received", "Request received"),
    ("assessment", "Assessment"),
    ("draft_issued", "Draft plan / consultation"),
    ("plan_issued", "Plan maintained"),
    ("urgency_multiplier", "Urgency multiplier"),
    ("urgency_days", "Urgent when due within (days)"),
)


class WeightsDialog(FieldsFirst, QDialog):
    """The team's workload weights: how much each stage counts, and the urgency uplift."""

    def __init__(self, workload: WorkloadService, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Workload weights")
        self.workload = workload
        current = workload.weights().to_dict()
        self.fields: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        for key, label in WEIGHT_LABELS:
            spin = QDoubleSpinBox()
            spin.setDecimals(0 if key == "urgency_days" else 2)
            spin.setRange(1.0 if key == "urgency_multiplier" else 0.0, 365.0)
            spin.setValue(float(current[key]))
            spin.setAccessibleName(label)
            self.fields[key] = spin
            form.addRow(label, spin)
        note = QLabel(
            "A case counts its stage's weight, times the multiplier when its next "
            "statutory step is overdue or due within the urgent window."
        )
        note.setWordWrap(True)
        buttons = _buttons(self, self.save, save=True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def values(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {k: w.value() for k, w in self.fields.items()}
        out["urgency_days"] = int(out["urgency_days"])
        return out

    def save(self) -> None:
        if run_action(self, "Weights not saved", lambda: self.workload.set_weights(self.values())):
            self.accept()
