"""The Reviews tab: annual reviews, re-assessments (s44; Regs 24-27), the phase transfer
ahead and a post-16 move."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import NO_PHASE_TRANSFER, PHASE_TRANSFER_CHOICES
from caseload_app.domain.phases import academic_year_start
from caseload_app.services.case_read import CaseDetail, ReassessmentStepInfo, ReviewInfo
from caseload_app.services.letters import review_letter
from caseload_app.ui.case.styles import PHASE_KIND_LABELS
from caseload_app.ui.dialogs.case_dialogs import (
    BookReviewDialog,
    OrderStepDialog,
    Post16MoveDialog,
    ReassessmentDecisionDialog,
    ReassessmentRequestDialog,
    ReviewDialog,
    action_button,
    button,
    choice_combo,
    command,
    plain_label,
)
from caseload_app.ui.models.case_models import (
    REVIEW_COLUMNS,
    REVIEW_STEP_COLUMNS,
    day,
    post16_columns,
    reassessment_columns,
    review_steps,
)
from caseload_app.ui.widgets.blocks import RowTable, button_row, group

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class ReviewsTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(REVIEW_COLUMNS, "Annual reviews")
        self.steps = RowTable(REVIEW_STEP_COLUMNS, "Steps of the selected review")
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.book_action = command(self, "&Book review…", self.book)
        self.book_button = action_button(self.book_action, "Book review")
        self.update_button = button("&Update review…", "Update review", self.update_review)
        self.withdraw_button = button("&Withdraw…", "Withdraw the selected review", self.withdraw)
        self.invitation_button = button(
            "Save &invitation (.ics)…",
            "Save the selected review meeting as a calendar invitation",
            self.save_invitation,
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_steps())
        self.reassessment = ReassessmentBox(view)
        self.phase = PhaseTransferBox(view)
        self.post16 = Post16MoveBox(view)
        self._lay_out()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                self.book_button, self.update_button, self.withdraw_button, self.invitation_button
            )
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(group("Reviews", self.table))
        split.addWidget(group("Steps of the selected review", self.steps))
        split.addWidget(self.reassessment)
        split.setSizes([160, 240, 200])
        layout.addWidget(split, 1)
        layout.addWidget(self.phase)
        layout.addWidget(self.post16)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.reviews)
        if self.table.selected() is None:
            self.table.select_row(len(d.reviews) - 1)  # the latest review
        self._show_steps()
        self.reassessment.load(d)
        self.phase.load(d)
        self.post16.load(d)

    def _show_steps(self) -> None:
        review = self.table.selected()
        steps = review_steps(review, self.view.detail.today) if review else []
        self.steps.load(steps)
        self.update_button.setEnabled(review is not None)
        self.withdraw_button.setEnabled(review is not None and review.decision_date is None)
        # A meeting booked and still ahead (not yet decided) is worth an invitation.
        self.invitation_button.setEnabled(
            review is not None
            and review.meeting_date is not None
            and review.decision_date is None
            and review.meeting_date >= self.view.detail.today
        )

    def save_invitation(self) -> None:
        """The meeting as an .ics file: to add to a calendar, or to send from Outlook."""
        from caseload_app.ui.dialogs.export_dialogs import save_as
        from caseload_app.ui.dialogs.invitation_dialog import InvitationDialog
        from caseload_app.ui.errors import run_action

        review = self.table.selected()
        if review is None or review.meeting_date is None:
            return
        dialog = InvitationDialog(review.meeting_date, self)
        if dialog.exec() != InvitationDialog.DialogCode.Accepted:
            return
        suggested = f"annual review {review.meeting_date:%Y-%m-%d}.ics"
        path = save_as(self, "Save the invitation", suggested, ("Calendar files", ".ics"))
        if path is None:
            return
        calendar, meeting = self.view.work.calendar(), dialog.meeting()
        run_action(
            self,
            "Invitation not saved",
            lambda: calendar.save_invitation(review.id, path, meeting),
        )

    def withdraw(self) -> None:
        review = self.table.selected()
        if review is None:
            return
        self.view.to_trash(
            "Withdraw review",
            "withdraw this review booking",
            lambda trash, why: trash.withdraw_review(review.id, why),
        )

    def book(self) -> None:
        d = self.view.detail
        step = d.status.next_step
        meeting = step.due if step and step.key == "annual_review" and step.due > d.today else None

        def submit(v: dict) -> object:
            return self.view.work.schedule_review(d.case_id, v["meeting"], token=v["token"])

        self.view.open_dialog(BookReviewDialog(meeting or d.today, submit, self.view))

    def update_review(self) -> None:
        review = self.table.selected()
        if review is None:
            return

        case_id = self.view.detail.case_id
        saved: dict = {}

        def submit(v: dict) -> object:
            done = self.view.work.update_review(review.id, review.version, v)
            saved.update(v)
            return done

        def offer_letter() -> None:
            # Like a stage decision's: the outcome is recorded, so the family must be told.
            letter = review_letter(review.outcome, review.decision_date, saved)
            if letter is not None:
                self.view.decision_recorded.emit(case_id, letter)

        dialog = ReviewDialog(self.view.detail.today, submit, self.view, _review_due_by(review))
        values = {k: getattr(review, k) for k in dialog.form.fields if k != "cease_reason"}
        dialog.load(values | {"outcome": review.outcome or "", "cease_reason": ""})
        self.view.open_dialog(dialog)  # on Save: the case reloads first…
        dialog.accepted.connect(offer_letter)  # …then the letter is offered


def _review_due_by(r: ReviewInfo) -> str:
    """The dates the law sets for this review, as a reminder above its fields."""
    if r.meeting_date is None:
        return f"Review due by {day(r.due)}. Record the meeting date to see the other dates."
    return (
        f"Meeting {day(r.meeting_date)}. By law: invitations and papers by "
        f"{day(r.invitations_by)}; report by {day(r.report_due)}; decision by "
        f"{day(r.decision_due)} (Reg 20), with the amendment notice if the plan is to be "
        "amended (Devon)."
    )


class ReassessmentBox(QWidget):
    """Re-assessments of the plan's needs, step by step: the decision due 15 days after the
    request (Reg 25(1)) and the re-assessed plan 14 weeks after the family is told
    (Reg 27(2)); a request within 6 months of the last assessment is flagged (Reg 24)."""

    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        today = view.detail.today
        self.table = RowTable(reassessment_columns(today), "Re-assessments", stretch="Step")
        self.request_action = command(self, "Re-assessment &request…", self.request)
        self.request_button = action_button(self.request_action, "Record a re-assessment request")
        self.decision_button = button(
            "&Decision…", "Record the decision on the selected re-assessment", self.decide
        )
        self.plan_button = button(
            "Plan &finalised…", "Record the day the re-assessed plan was finalised", self.plan
        )
        self.withdraw_button = button(
            "Withdraw re-&assessment…", "Withdraw the selected re-assessment", self.withdraw
        )
        self.note = plain_label()
        self.note.setAccessibleName("Re-assessment note")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        buttons = button_row(
            self.request_button,
            self.decision_button,
            self.plan_button,
            self.withdraw_button,
            "stretch",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(group("Re-assessment (s44; Regs 24, 25, 27)", self.table, layout=buttons))
        layout.addWidget(self.note)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.reassessments, reassessment_columns(d.today))
        under_way = [r for r in d.reassessments if r.is_open]
        if self.table.selected() is None and d.reassessments:
            self.table.select_row(len(d.reassessments) - 1)
        maintained = d.is_open and d.stage == "plan_issued"
        self.request_action.setEnabled(maintained and not under_way)
        self.note.setText((under_way[-1].too_soon or "") if under_way else "")
        self.note.setVisible(bool(self.note.text()))
        self._update()

    def _update(self) -> None:
        row = self.table.selected()
        undecided = row is not None and row.requested_by != "council" and not row.plan_finalised
        self.decision_button.setEnabled(undecided)
        self.plan_button.setEnabled(row is not None and row.step.key == "plan_due")
        self.withdraw_button.setEnabled(row is not None)

    def request(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.record_reassessment_request(
                d.case_id,
                v["requested"],
                v["requested_by"],
                v["last_assessment"],
                v["reason"],
                v["note"],
                token=v["token"],
            )

        plan = [e.on_date for e in d.events if e.action == "final_issued"]
        last = plan[-1] if plan else None  # the plan followed the last assessment
        self.view.open_dialog(ReassessmentRequestDialog(d.today, last, submit, self.view))

    def decide(self) -> None:
        row = self.table.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.record_reassessment_decision(
                row.reassessment_id, row.version, v["decision"], v["decided"], v["reason"]
            )

        dialog = ReassessmentDecisionDialog(self.view.detail.today, submit, self.view)
        if row.decision:
            dialog.set_values(decision=row.decision, decided=row.decided, reason=row.reason or "")
        self.view.open_dialog(dialog)

    def plan(self) -> None:
        row = self.table.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.record_reassessed_plan(row.reassessment_id, row.version, v["on"])

        today = self.view.detail.today
        self.view.open_dialog(
            OrderStepDialog(row.step.label, row.plan_finalised, today, submit, self.view)
        )

    def withdraw(self) -> None:
        row: ReassessmentStepInfo | None = self.table.selected()
        if row is None:
            return
        self.view.to_trash(
            "Withdraw re-assessment",
            f"withdraw the re-assessment of {row.reassessment}",
            lambda trash, why: trash.withdraw_reassessment(row.reassessment_id, why),
        )


class PhaseTransferBox(QGroupBox):
    """Year and kind of the next phase transfer; the amended plan is due before a fixed date."""

    def __init__(self, view: CaseView) -> None:
        super().__init__("Phase transfer (Reg 18)")
        self.view = view
        self.year = QSpinBox()
        self.year.setAccessibleName("Transfer year")
        self.kind = choice_combo([(PHASE_KIND_LABELS[k], k) for k in PHASE_TRANSFER_CHOICES])
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind.setAccessibleName("Kind of transfer")
        self.kind.currentIndexChanged.connect(lambda _: self._kind_chosen())
        self.due = plain_label(wrap=False)
        self.due.setAccessibleName("Amended plan due")
        self.save_button = button("Save &phase transfer", "Save phase transfer", self.save)
        year_label, kind_label = QLabel("Transfer &year:"), QLabel("&Kind:")
        year_label.setBuddy(self.year)
        kind_label.setBuddy(self.kind)
        row = QHBoxLayout(self)
        for widget in (year_label, self.year, kind_label, self.kind, self.save_button, self.due):
            row.addWidget(widget)
        row.addStretch(1)

    def load(self, d: CaseDetail) -> None:
        low = min(d.phase_transfer_year or d.today.year, d.today.year) - 2
        self.year.setRange(low, d.today.year + 25)
        self.year.setSpecialValueText("Not set")
        self.year.setValue(d.phase_transfer_year or low)
        if d.phase_transfer_kind:
            self.kind.setCurrentIndex(max(self.kind.findData(d.phase_transfer_kind), 0))
        if d.phase_transfer_due:
            self.due.setText(f"Amended plan due by {day(d.phase_transfer_due)}")
        elif d.phase_transfer_year and d.phase_transfer_kind == NO_PHASE_TRANSFER:
            self.due.setText(
                f"No phase transfer in September {d.phase_transfer_year}: no Reg 18(1) date"
            )
        else:
            self.due.setText("No phase transfer recorded")

    def _kind_chosen(self) -> None:
        """Choosing "no phase transfer" with no year set means next September: the question
        the planner asks (docs/statutory-rules.md, "Phase transfers")."""
        unset = self.year.value() == self.year.minimum()
        if unset and self.kind.currentData() == NO_PHASE_TRANSFER:
            self.year.setValue(academic_year_start(self.view.detail.today) + 1)

    def save(self) -> None:
        d = self.view.detail
        year = self.year.value() if self.year.value() != self.year.minimum() else None
        kind = self.kind.currentData() if year else None
        self.view.act(
            "Phase transfer",
            lambda: self.view.work.set_phase_transfer(d.case_id, d.version, year, kind),
        )


class Post16MoveBox(QGroupBox):
    """A young person's move between post-16 institutions: the plan is due amended, naming
    the new one, five months before the move (Reg 18(2)); one row with its RAG."""

    def __init__(self, view: CaseView) -> None:
        super().__init__("Post-16 move (Reg 18(2))")
        self.view = view
        self.table = RowTable(post16_columns(view.detail.today), "Post-16 move", stretch="Step")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.none = plain_label("No move between post-16 institutions recorded.", wrap=False)
        self.record_button = button(
            "Record post-16 &move…", "Record or update the post-16 move", self.record
        )
        self.clear_button = button("Clear mo&ve…", "Clear the post-16 move", self.clear)
        column = QVBoxLayout(self)
        column.addWidget(self.none)
        column.addWidget(self.table)
        column.addLayout(button_row(self.record_button, self.clear_button, "stretch"))

    def load(self, d: CaseDetail) -> None:
        move = d.post16_move
        self.table.load([move] if move else [], post16_columns(d.today))
        self.table.setVisible(move is not None)
        self.table.fit_height()
        self.none.setVisible(move is None)
        self.clear_button.setEnabled(move is not None)

    def record(self) -> None:
        d = self.view.detail
        move = d.post16_move

        def submit(v: dict) -> object:
            return self.view.work.set_post16_move(
                d.case_id, d.version, v["move_date"], str(v["moving_to"]), v["amended"]
            )

        dialog = Post16MoveDialog(move.move_date if move else d.today, d.today, submit, self.view)
        if move is not None:
            dialog.set_values(moving_to=move.moving_to or "", amended=move.step.done_on)
        self.view.open_dialog(dialog)

    def clear(self) -> None:
        d = self.view.detail
        if d.post16_move is None:
            return
        answer = QMessageBox.question(
            self.view,
            "Clear post-16 move",
            f"Clear the move on {day(d.post16_move.move_date)}? The case's history keeps it.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.view.act(
                "Clear post-16 move",
                lambda: self.view.work.clear_post16_move(d.case_id, d.version),
            )
