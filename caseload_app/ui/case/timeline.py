"""The Timeline tab: statutory deadlines, stage actions, their correction or withdrawal, the
schools consulted before one is named in Section I (s39, s40), and exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.actions import ACTIONS, UNDO
from caseload_app.services.case_read import CaseDetail
from caseload_app.services.letters import DECISION_LETTERS
from caseload_app.ui.case.styles import BANNER_STYLE, EXCEPTION_BANNER, exception_banner
from caseload_app.ui.dialogs.case_dialogs import (
    ActionDialog,
    ConsultSchoolsDialog,
    ExceptionDialog,
    ExceptionEditDialog,
    NamingDecisionDialog,
    SchoolResponseDialog,
    StepCorrectionDialog,
    TransferInDialog,
    TransferOutDialog,
    action_button,
    button,
    command,
    plain_label,
)
from caseload_app.ui.models.case_models import (
    EVENT_COLUMNS,
    EXCEPTION_COLUMNS,
    consultation_columns,
    day,
    deadline_columns,
)
from caseload_app.ui.widgets.blocks import RowTable, banner, button_row, group, mnemonic


def transfer_summary(d: CaseDetail) -> str:
    """One line on what moved between councils, in plain words."""
    t = d.transfer
    if t is None:
        return "No transfer between councils recorded."
    parts = []
    if t.transferred_in is not None:
        parts.append(f"Transferred in from {t.transferred_from_name} on {day(t.transferred_in)}.")
    if t.moved_out is not None:
        sent = f"plan sent {day(t.plan_sent)}" if t.plan_sent else "plan not sent yet"
        parts.append(f"Moving to {t.moved_to_name} on {day(t.moved_out)}: {sent}.")
    return " ".join(parts)


if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class TimelineTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.banner = banner(EXCEPTION_BANNER, BANNER_STYLE)
        self.deadlines = RowTable(
            deadline_columns(view.detail.today), "Statutory deadlines", stretch="Step"
        )
        self.deadlines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.events = RowTable(EVENT_COLUMNS, "Stage events", stretch="Note")
        self.exceptions = RowTable(EXCEPTION_COLUMNS, "Recorded exceptions", stretch="Note")
        self.exception_action = command(self, "Record e&xception…", self.record_exception)
        self.exception_button = action_button(self.exception_action, "Record exception")
        self.edit_exception_button = button(
            "Correct or e&nd…", "Correct or end the selected exception", self.edit_exception
        )
        self.withdraw_exception_button = button(
            "&Withdraw…", "Withdraw the selected exception", self.withdraw_exception
        )
        self.exceptions.selectionModel().selectionChanged.connect(self._exception_selected)
        self.correct_step_button = button(
            "Correct &date…", "Correct the date of the selected step", self.correct_step
        )
        self.withdraw_step_button = button(
            "Withdraw ste&p…", "Withdraw the selected step", self.withdraw_step
        )
        self.events.selectionModel().selectionChanged.connect(self._step_selected)
        self.schools = RowTable(
            consultation_columns(view.detail.today), "Schools consulted", stretch="School"
        )
        self.consult_action = command(self, "Consult sc&hools…", self.consult)
        self.consult_button = action_button(self.consult_action, "Consult schools")
        self.response_button = button(
            "School's rep&ly…", "Record the selected school's response", self.response
        )
        self.decision_button = button(
            "Na&ming decision…", "Record whether the selected school is named", self.decide
        )
        self.withdraw_school_button = button(
            "Withdraw consul&tation…", "Withdraw the selected consultation", self.withdraw_school
        )
        self.schools.selectionModel().selectionChanged.connect(self._school_selected)
        # A plan moving between councils (Reg 15): in, out, and closing once sent.
        self.transfer_label = plain_label()
        self.transfer_label.setAccessibleName("Moving council")
        self.transfer_in_button = button(
            "Plan transferred &in…", "Plan transferred in from another council", self.transfer_in
        )
        self.transfer_out_button = button(
            "Moving &away…", "Moving to another council", self.transfer_out
        )
        self.close_transferred_button = button(
            "Close as transferred o&ut", "Close as transferred out", self.close_transferred
        )
        self.action_buttons: dict[str, QPushButton] = {}
        self.stage_actions: dict[str, QAction] = {}  # what can happen next, by action key
        self._actions_row = QHBoxLayout()
        self._no_actions = plain_label("none — the case is closed", wrap=False)
        self._lay_out()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(group("Statutory deadlines", self.deadlines))
        actions = QHBoxLayout()
        actions.addWidget(plain_label("Record what happened:", wrap=False))
        actions.addLayout(self._actions_row)
        actions.addWidget(self._no_actions)
        actions.addStretch(1)
        actions.addWidget(self.exception_button)
        layout.addLayout(actions)
        moving = button_row(
            self.transfer_label,
            "stretch",
            self.transfer_in_button,
            self.transfer_out_button,
            self.close_transferred_button,
        )
        layout.addWidget(group("Moving council (Reg 15)", layout=moving))
        split = QSplitter(Qt.Orientation.Vertical)
        step_buttons = button_row(self.correct_step_button, self.withdraw_step_button, "stretch")
        split.addWidget(group("Stage events", self.events, layout=step_buttons))
        school_buttons = button_row(
            self.consult_button,
            self.response_button,
            self.decision_button,
            self.withdraw_school_button,
            "stretch",
        )
        split.addWidget(
            group(
                "Naming a school: schools consulted (s39, s40; response in 15 days, CoP 9.83)",
                self.schools,
                layout=school_buttons,
            )
        )
        exception_buttons = button_row(
            self.edit_exception_button, self.withdraw_exception_button, "stretch"
        )
        split.addWidget(
            group(
                "Exceptions (time limits do not apply)", self.exceptions, layout=exception_buttons
            )
        )
        split.setSizes([260, 160, 110])
        layout.addWidget(split, 1)

    def load(self, d: CaseDetail) -> None:
        self.banner.setVisible(bool(d.exception_limits))
        self.banner.setText(exception_banner(d.exception_limits))
        self.deadlines.load(d.deadlines, deadline_columns(d.today, d.exception_limits))
        self.deadlines.fit_height()
        self.events.load(d.events)
        self.exceptions.load(d.exceptions)
        self.schools.load(d.consultations, consultation_columns(d.today))
        self._exception_selected()
        self._school_selected()
        self._step_selected()
        self._action_buttons(d.actions)
        self._load_transfer(d)

    def _action_buttons(self, actions: Sequence[tuple[str, str]]) -> None:
        for old in self.action_buttons.values():
            self._actions_row.removeWidget(old)
            old.deleteLater()
        for gone in self.stage_actions.values():
            gone.deleteLater()
        self.action_buttons, self.stage_actions = {}, {}
        # e&xception, e&nd, &Withdraw, &date, ste&p, and the schools' buttons
        # and the moving-council ones (&in, &away, o&ut)
        used = {"x", "n", "w", "d", "p", "h", "l", "m", "t", "i", "a", "u"}
        for key, label in actions:
            action = command(self, mnemonic(f"{label}…", used), partial(self.record_action, key))
            b = action_button(action, label)
            self._actions_row.addWidget(b)
            self.stage_actions[key], self.action_buttons[key] = action, b
        self._no_actions.setVisible(not actions)

    def record_action(self, key: str) -> None:
        d, action = self.view.detail, ACTIONS[key]

        def submit(values: dict) -> object:
            return self.view.work.record_action(
                d.case_id, d.version, key, values["on"], values["reason"], values.get("code")
            )

        dialog = ActionDialog(key, action.label, action.needs_reason, d.today, submit, self.view)
        self.view.open_dialog(dialog)  # on Save: the case reloads first…
        letter = DECISION_LETTERS.get(key)
        if letter is not None:  # …then the letter is offered, reading the decision's date
            dialog.accepted.connect(lambda: self.view.decision_recorded.emit(d.case_id, letter))

    def record_exception(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.record_exception(
                d.case_id,
                v["ground"],
                v["limits"],
                v["period_start"],
                v["period_end"],
                v["family_told"],
                v["note"],
                token=v["token"],
            )

        self.view.open_dialog(ExceptionDialog(d.today, submit, self.view))

    def _step_selected(self) -> None:
        event = self.events.selected()
        is_step = event is not None and event.action in UNDO
        self.correct_step_button.setEnabled(is_step)
        latest = [e for e in self.view.detail.events if e.action in UNDO][-1:]
        self.withdraw_step_button.setEnabled(is_step and latest == [event])

    def correct_step(self) -> None:
        event, d = self.events.selected(), self.view.detail
        if event is None:
            return
        work = self.view.work

        def submit(v: dict) -> object:
            return work.correct_step(d.case_id, d.version, event.id, v["on"], v["reason"])

        self.view.open_dialog(StepCorrectionDialog(event.label, event.on_date, submit, self.view))

    def withdraw_step(self) -> None:
        event, d = self.events.selected(), self.view.detail
        if event is None:
            return
        reason, ok = QInputDialog.getText(
            self.view,
            "Withdraw step",
            f"Why withdraw '{event.label}' of {day(event.on_date)}? The case goes back to "
            "where it was before it; the history keeps what was withdrawn, by whom and why.",
        )
        if ok:
            work = self.view.work
            self.view.act(
                "Withdraw step",
                lambda: work.withdraw_step(d.case_id, d.version, event.id, reason),
            )

    def _exception_selected(self) -> None:
        chosen = self.exceptions.selected() is not None
        self.edit_exception_button.setEnabled(chosen)
        self.withdraw_exception_button.setEnabled(chosen)

    def edit_exception(self) -> None:
        row = self.exceptions.selected()
        if row is None:
            return
        work = self.view.work

        def submit(v: dict) -> object:
            return work.update_exception(row.id, row.version, v)

        dialog = ExceptionEditDialog(self.view.detail.today, submit, self.view)
        dialog.load(
            dict(
                ground=row.ground,
                limits=row.limits,
                period_start=row.period_start,
                period_end=row.period_end,
                family_told=row.family_told,
                note=row.note or "",
            )
        )
        self.view.open_dialog(dialog)

    def withdraw_exception(self) -> None:
        row = self.exceptions.selected()
        if row is None:
            return
        self.view.to_trash(
            "Withdraw exception",
            f"withdraw the exception from {day(row.period_start)}",
            lambda trash, why: trash.withdraw_exception(row.id, why),
        )

    # ------------------------------------------------------------------ moving council
    def _load_transfer(self, d: CaseDetail) -> None:
        t = d.transfer
        self.transfer_label.setText(transfer_summary(d))
        maintained = d.is_open and d.stage == "plan_issued"
        begun = d.is_open and d.stage == "request_received"
        recorded = t is not None and t.transferred_in is not None
        self.transfer_in_button.setEnabled(begun or (d.is_open and recorded))
        self.transfer_out_button.setEnabled(maintained)
        self.close_transferred_button.setEnabled(
            maintained and t is not None and t.plan_sent is not None
        )

    def transfer_in(self) -> None:
        d, work = self.view.detail, self.view.work

        def submit(v: dict) -> object:
            return work.record_transfer_in(
                d.case_id,
                d.version,
                transferred_in=v["transferred_in"],
                transferred_from=v["transferred_from"],
                transfer_last_review=v["transfer_last_review"],
                transfer_family_told=v["transfer_family_told"],
                proposes_assessment={"yes": True, "no": False}.get(v["proposes_assessment"]),
            )

        dialog = TransferInDialog(d.today, submit, self.view)
        t = d.transfer
        if t is not None and t.transferred_in is not None:
            known = t.proposes_assessment
            proposes = "" if known is None else ("yes" if known else "no")
            dialog.set_values(
                transferred_in=t.transferred_in,
                transferred_from=f"{t.transferred_from:03d}" if t.transferred_from else "",
                transfer_last_review=t.transfer_last_review,
                transfer_family_told=t.transfer_family_told,
                proposes_assessment=proposes,
            )
        self.view.open_dialog(dialog)

    def transfer_out(self) -> None:
        d, work = self.view.detail, self.view.work

        def submit(v: dict) -> object:
            return work.record_transfer_out(
                d.case_id,
                d.version,
                moved_out=v["moved_out"],
                moved_to=v["moved_to"],
                move_aware=v["move_aware"],
                plan_sent=v["plan_sent"],
            )

        dialog = TransferOutDialog(d.today, submit, self.view)
        t = d.transfer
        if t is not None and t.moved_out is not None:
            dialog.set_values(
                moved_out=t.moved_out,
                moved_to=f"{t.moved_to:03d}" if t.moved_to else "",
                move_aware=t.move_aware,
                plan_sent=t.plan_sent,
            )
        self.view.open_dialog(dialog)

    def close_transferred(self) -> None:
        d, work = self.view.detail, self.view.work
        self.view.act(
            "Close as transferred out", lambda: work.close_transferred_out(d.case_id, d.version)
        )

    # ------------------------------------------------------------------ naming a school
    def _school_selected(self) -> None:
        row = self.schools.selected()
        undecided = row is not None and row.decision is None
        self.response_button.setEnabled(undecided)
        self.decision_button.setEnabled(row is not None)
        self.withdraw_school_button.setEnabled(row is not None)

    def consult(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.consult_schools(
                d.case_id,
                str(v["schools"]).splitlines(),
                v["requested_by"],
                v["sent"],
                token=v["token"],
            )

        self.view.open_dialog(ConsultSchoolsDialog(d.today, submit, self.view))

    def response(self) -> None:
        row = self.schools.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.record_school_response(
                row.id, row.version, v["response"], v["on"], v["note"]
            )

        dialog = SchoolResponseDialog(row.school, self.view.detail.today, submit, self.view)
        if row.response is not None:
            dialog.set_values(
                response=row.response, on=row.step.done_on, note=row.response_note or ""
            )
        self.view.open_dialog(dialog)

    def decide(self) -> None:
        row = self.schools.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.record_naming_decision(
                row.id, row.version, v["decision"], v["on"], v["grounds"], v["reasons"]
            )

        dialog = NamingDecisionDialog(row.school, self.view.detail.today, submit, self.view)
        if row.decision is not None and row.decision_date is not None:
            dialog.set_values(
                decision=row.decision,
                on=row.decision_date,
                grounds=row.grounds,
                reasons=row.reasons or "",
            )
        self.view.open_dialog(dialog)

    def withdraw_school(self) -> None:
        row = self.schools.selected()
        if row is None:
            return
        self.view.to_trash(
            "Withdraw consultation",
            f"withdraw the consultation of {row.school} sent {day(row.sent)}",
            lambda trash, why: trash.withdraw_school_consultation(row.id, why),
        )
