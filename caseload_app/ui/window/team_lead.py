"""The team lead's part of the window: the workload board, recent moves, the phase-transfer
planner, the review catch-up planner, plan quality, the weekly report, reassigning cases and
the team.

Mixed into MainWindow (ui/main_window.py), whose ctx, tabs and lists these use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QWidget,
)

from caseload_app.domain.access import Can
from caseload_app.services.caselist import CaseFilter
from caseload_app.services.errors import Stopped
from caseload_app.services.team import Reassignment
from caseload_app.ui import crash
from caseload_app.ui.board_view import (
    BoardView,
    ReassignDialog,
    WeekEndingDialog,
    reassign_headline,
)
from caseload_app.ui.dialogs.export_dialogs import stoppable_bar
from caseload_app.ui.dialogs.moves_dialogs import MovesDone, RecentMoves
from caseload_app.ui.dialogs.printing import (
    choose_folder,
    show_pdf,
)
from caseload_app.ui.document_search_view import DocumentSearchView
from caseload_app.ui.errors import USER_ERRORS, run_action, show_user_error
from caseload_app.ui.forecast_view import GUIDE_HEADING, ForecastView
from caseload_app.ui.planner_view import PlannerView
from caseload_app.ui.providers_view import ProvidersView
from caseload_app.ui.qa_view import QaView
from caseload_app.ui.review_plan_view import ReviewPlanView
from caseload_app.ui.window.shell import WindowShell
from caseload_app.ui.worker import Job, run_in_background

V = TypeVar("V", bound=QWidget)


class TeamLeadCommands(WindowShell):
    def open_board(self) -> BoardView:
        for open_board in self.tabs_of(BoardView):
            self.tabs.setCurrentWidget(open_board)
            return open_board
        board = BoardView(
            self.ctx.workload(), self.ctx.staffing(), self.ctx.handover(), self.ctx.letters(), self,
            keep=self.ctx.keep_in_touch(), forecast=self.ctx.forecast(),
        )  # fmt: skip
        board.show_cases.connect(self.show_caseworker_cases)
        board.forecast_wanted.connect(lambda: self.open_forecast(board.strip.result))
        board.changed.connect(self.refresh)
        board.team_changed.connect(self.reload_caseworkers)
        self.tabs.setCurrentIndex(self.tabs.addTab(board, "Workload board"))
        board.refresh()
        return board

    def board_changed(self) -> None:
        """Cases changed hands outside the board: an open board shows the new loads."""
        for board in self.tabs_of(BoardView):
            board.refresh()

    def recent_moves(self) -> None:
        def changed() -> None:
            self.refresh()
            self.board_changed()

        team = self.ctx.staffing()
        if run_action(self, "Recent moves", team.batches):  # a lead's list: refused otherwise
            RecentMoves(team, changed, self.ctx.handover(), self.ctx.letters(), self).exec()

    def _open_view(self, kind: type[V], make: Callable[[], V], title: str, changed=False) -> V:
        """A lead's view in a tab of its own: brought in front if open, else made, its cases
        opening on double-click, filled in the background."""
        for open_view in self.tabs_of(kind):
            self.tabs.setCurrentWidget(open_view)
            return open_view
        view = make()
        view.open_case.connect(self.open_case)  # type: ignore[attr-defined]
        if changed:
            view.changed.connect(self.refresh)  # type: ignore[attr-defined]
        self.tabs.setCurrentIndex(self.tabs.addTab(view, title))
        view.refresh()  # type: ignore[attr-defined]
        return view

    def open_planner(self) -> PlannerView:
        return self._open_view(
            PlannerView,
            lambda: PlannerView(self.ctx.phase_transfers(), self),
            "Phase transfers",
            changed=True,
        )

    def open_providers(self) -> ProvidersView:
        return self._open_view(
            ProvidersView, lambda: ProvidersView(self.ctx.providers(), self), "Advice providers"
        )

    def open_review_plan(self) -> ReviewPlanView:
        return self._open_view(
            ReviewPlanView,
            lambda: ReviewPlanView(self.ctx.review_plan(), self),
            "Review catch-up",
            changed=True,
        )

    def open_forecast(self, made=None) -> ForecastView | None:
        """The 20-week forecast: a lead's (whoever sees the board). `made`: the board's
        forecast, shown at once rather than made again."""
        for open_view in self.tabs_of(ForecastView):
            self.tabs.setCurrentWidget(open_view)
            return open_view
        access = self.ctx.access()
        if not access.can(Can.REPORTS):
            QMessageBox.information(
                self,
                "20-week forecast",
                f"The forecast is for those who {Can.REPORTS.value} (your roles: "
                f"{access.describe()}).",
            )
            return None
        view = ForecastView(self.ctx.forecast(), self)
        view.open_case.connect(self.open_case)
        view.guide_wanted.connect(self.show_forecast_guide)
        self.tabs.setCurrentIndex(self.tabs.addTab(view, "20-week forecast"))
        if made is not None:
            view.show_result(made)
        else:
            view.refresh()
        return view

    def show_forecast_guide(self) -> None:
        """The guide, at the forecast's section."""
        self.show_guide()
        contents = self.guide.contents
        for row in range(contents.count()):
            if contents.item(row).text().strip().startswith(GUIDE_HEADING):
                contents.setCurrentRow(row)
                return

    def open_quality(self) -> QaView:
        return self._open_view(QaView, lambda: QaView(self.ctx.plan_audits(), self), "Plan quality")

    def search_documents(self) -> DocumentSearchView:
        for open_view in self.tabs_of(DocumentSearchView):
            self.tabs.setCurrentWidget(open_view)
            open_view.words.setFocus()
            return open_view
        view = DocumentSearchView(self.ctx.documents(), self)
        view.open_case.connect(self.open_case)
        self.tabs.setCurrentIndex(self.tabs.addTab(view, "Document search"))
        view.words.setFocus()
        return view

    def weekly_report(self) -> Job | None:
        """The report off the window's thread (its forecast's back-test takes seconds at
        50,000 children) behind a bar that moves, with Stop; the CSV's folder is asked for
        first so that nothing waits on the person half-way."""
        dialog = WeekEndingDialog(self.ctx.today(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        week_ending = dialog.week_ending.value()
        folder = None
        if dialog.csv.isChecked():
            folder = choose_folder(self, "Save the CSV of cases behind the figures in…")
        service = self.ctx.weekly()
        title = "Weekly leadership report"
        stoppable = stoppable_bar(self, title)
        bar, moved = stoppable.bar, stoppable.report

        def work() -> tuple[str, bytes]:
            report = service.report(
                week_ending, progress=moved, cancel=stoppable.cancel, traced=folder is not None
            )
            moved("Laying out the PDF", 0, 0)
            pdf = service.to_pdf(report)
            week = report.week_ending.isoformat()
            if folder is not None:
                moved("Writing the CSV", 0, 0)
                service.to_csv(report, Path(folder) / f"weekly-report-{week}-cases.csv")
            return week, pdf

        def done(made: tuple[str, bytes]) -> None:
            bar.close()
            week, pdf = made
            show_pdf(self, pdf, f"{title}, week ending {week}", f"weekly-report-{week}.pdf")

        def failed(exc: Exception, _details: str) -> None:
            bar.close()
            if isinstance(exc, Stopped):
                QMessageBox.information(self, title, str(exc))
            elif isinstance(exc, USER_ERRORS):
                show_user_error(self, "Report not made", exc)
            else:
                crash.report(exc, self)

        self._weekly_job = run_in_background(work, done, failed)
        return self._weekly_job

    def show_caseworker_cases(self, case_filter: CaseFilter) -> None:
        """Drill down from the board: the cases behind a cell, in the case list."""
        self.tabs.setCurrentIndex(0)
        self.page.show_cases(case_filter)

    def reassign_selected(self) -> None:
        rows = self._selected_rows()
        if not rows:
            QMessageBox.information(self, "Reassign", "Select cases in a list first.")
            return
        holders = {r.caseworker_id for r in rows}
        current = next(iter(holders)) if len(holders) == 1 else None
        workers = [(w.id, w.name) for w in self._caseworkers]
        dialog = ReassignDialog(len(rows), workers, self, current=current)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        ids, to_id = [r.case_id for r in rows], dialog.worker.currentData()
        done: list[Reassignment] = []

        def move() -> None:
            done.append(
                self.ctx.staffing().reassign(
                    ids, to_id, dialog.reason.text(), split_families=dialog.split.isChecked()
                )
            )

        if not run_action(self, "Not reassigned", move):
            return
        self.refresh()
        self.board_changed()
        result = done[0]
        if not result.case_ids:
            QMessageBox.information(self, "Reassign", "Those cases are already held there.")
            return
        summary = MovesDone(
            self.ctx.staffing(),
            result.batch,
            reassign_headline(ids, result, dialog.worker.currentText()),
            self.ctx.handover(),
            self.ctx.letters(),
            self,
        )
        summary.exec()
        if summary.undone:
            self.refresh()
            self.board_changed()

    def open_team(self) -> None:
        from caseload_app.ui.dialogs.team_dialog import TeamDialog

        def rebalance() -> None:
            self.open_board().propose()

        TeamDialog(self.ctx.staffing(), self.reload_caseworkers, rebalance, self).exec()
