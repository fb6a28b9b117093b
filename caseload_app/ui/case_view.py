"""The case window: one child's EHCP case in eight tabs.

Everything shown comes from one `CaseworkService.get_case` call (a CaseDetail); every button
is one service call, after which the view reloads the detail and emits `changed(case_id)`.
The tabs hold no state of their own beyond the two overview forms, whose unsaved typing
survives a reload (it is only replaced when the person saves, reverts or asks to reload).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.actions import ACTIONS, UNDO
from caseload_app.domain.deadlines import PHASE_TRANSFER_KINDS
from caseload_app.domain.validators import age_on, format_nhs_number
from caseload_app.services.casework import (
    CaseDetail,
    CaseworkerInfo,
    CaseworkService,
    ChildInfo,
    FamilyInfo,
    ReviewInfo,
)
from caseload_app.services.errors import ConflictError, FieldErrors
from caseload_app.services.letters import DECISION_LETTERS
from caseload_app.services.trash import TrashService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import (
    ActionDialog,
    AdviceEditDialog,
    AdviceReceivedDialog,
    BookReviewDialog,
    ChaseDialog,
    ContactDialog,
    ContactEditDialog,
    DisagreementDialog,
    DisagreementUpdateDialog,
    ExceptionDialog,
    ExceptionEditDialog,
    Form,
    FormDialog,
    LogContactDialog,
    RequestAdviceDialog,
    ReviewDialog,
    StepCorrectionDialog,
    TaskDialog,
    TaskEditDialog,
    button,
    choice_combo,
    code_choices,
    line_edit,
    plain_label,
    text_box,
)
from caseload_app.ui.models.case_models import (
    ASSIGNMENT_COLUMNS,
    CHANGE_COLUMNS,
    COMMUNICATION_COLUMNS,
    CONTACT_COLUMNS,
    DISAGREEMENT_COLUMNS,
    EVENT_COLUMNS,
    EXCEPTION_COLUMNS,
    RAG_TEXT,
    REVIEW_COLUMNS,
    REVIEW_STEP_COLUMNS,
    SIBLING_COLUMNS,
    advice_columns,
    code_label,
    day,
    days_left_text,
    deadline_columns,
    review_steps,
    task_columns,
    when,
)
from caseload_app.ui.models.rows import RAG_COLOUR
from caseload_app.ui.widgets.blocks import RowTable, banner, button_row, group, mnemonic
from caseload_app.ui.widgets.dates import DateEdit

EXCEPTION_BANNER = "‖ Exception applies — deadlines keep their dates"
BANNER_STYLE = "background: #e3e3e3; color: #1a1a1a; border: 1px solid #9a9a9a; padding: 6px;"
CONFLICT_STYLE = "background: #fbe6b8; color: #1a1a1a; border: 1px solid #c08a00; padding: 6px;"
PHASE_KIND_LABELS = {
    "school-phase": "Between school phases (amend before 15 February)",
    "secondary-post16": "Secondary school to post-16 (amend before 31 March)",
}


# =========================================================================== the view
class CaseView(QWidget):
    """One case in eight tabs. The main window opens one per case and listens to `changed`."""

    changed = Signal(int)  # case_id, after any successful save
    open_case = Signal(int)  # case_id of a sibling to open
    decision_recorded = Signal(int, str)  # case_id, the letter that tells the family
    TABS = (
        "overview",
        "timeline",
        "advice",
        "communications",
        "tasks",
        "reviews",
        "disagreements",
        "history",
    )

    def __init__(
        self,
        work: CaseworkService,
        case_id: int,
        caseworkers: list[CaseworkerInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.work, self.case_id = work, case_id
        self.caseworkers = list(caseworkers)
        self.dialog: FormDialog | None = None  # the dialog open now, if any
        self.detail: CaseDetail = work.get_case(case_id)
        self.header = CaseHeader()
        self.overview = OverviewTab(self)
        self.timeline = TimelineTab(self)
        self.advice = AdviceTab(self)
        self.communications = CommunicationsTab(self)
        self.tasks = TasksTab(self)
        self.reviews = ReviewsTab(self)
        self.disagreements = DisagreementsTab(self)
        self.history = HistoryTab(self)
        self._build()
        self._show(self.detail)

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case tabs")
        self.tabs.setDocumentMode(True)
        for name in self.TABS:
            self.tabs.addTab(self.page(name), name.capitalize())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)

    # --- the contract the main window uses ------------------------------------------------
    def title(self) -> str:
        child = self.detail.child
        return f"{child.first_name} {child.last_name}"

    def show_tab(self, name: str) -> None:
        if name not in self.TABS:
            raise ValueError(f"unknown case tab {name!r}; expected one of {self.TABS}")
        self.tabs.setCurrentWidget(self.page(name))

    def reload(self) -> None:
        self.detail = self.work.get_case(self.case_id, opened=False)
        self._show(self.detail)

    def has_unsaved_changes(self) -> bool:
        return self.overview.has_unsaved_changes()

    def log_contact(self) -> None:
        self.communications.log_contact()

    def ask_reason(self, title: str, what: str) -> str | None:
        """Ask why something is being deleted; None if the person cancels."""
        text, ok = QInputDialog.getText(
            self, title, f"Why {what}? (It can be restored from File → Trash.)"
        )
        return text if ok else None

    def to_trash(self, title: str, what: str, move: Callable[[TrashService, str], object]) -> None:
        """Ask why, then move something into the trash with that reason (one service call)."""
        reason = self.ask_reason(title, what)
        if reason is not None:
            trash = self.work.trash()
            self.act(title, lambda: move(trash, reason))

    # --- for the tabs -----------------------------------------------------------------------
    def page(self, name: str) -> QWidget:
        return getattr(self, name)

    def act(self, title: str, call: Callable[[], object]) -> bool:
        """Run one service call; on success reload and tell the main window."""
        if ui_errors.run_action(self, title, call):
            self.saved()
            return True
        return False

    def saved(self) -> None:
        self.reload()
        self.changed.emit(self.case_id)

    def open_dialog(self, dialog: FormDialog) -> None:
        """Show a dialog without blocking; when its service call succeeds, reload."""
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(self.saved)
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        self.dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: FormDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def dirty_changed(self) -> None:
        index = self.tabs.indexOf(self.overview)
        self.tabs.setTabText(index, "Overview *" if self.has_unsaved_changes() else "Overview")

    def _show(self, detail: CaseDetail) -> None:
        self.header.load(detail)
        for name in self.TABS:
            self.page(name).load(detail)
        self.dirty_changed()


# =========================================================================== header
class CaseHeader(QFrame):
    """Who the child is and where the case stands, above the tabs."""

    def __init__(self) -> None:
        super().__init__()
        self.name = plain_label(wrap=False)
        font = QFont(self.name.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.name.setFont(font)
        self.facts = plain_label()
        self.step = plain_label()
        self.rag = plain_label(wrap=False)
        self.note = plain_label()
        for label, name in (
            (self.name, "Child"),
            (self.facts, "Child and case facts"),
            (self.step, "Next statutory step"),
            (self.rag, "Next step RAG"),
            (self.note, "Case note"),
        ):
            label.setAccessibleName(name)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 0, 4, 4)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.facts, 0, 1)
        grid.addWidget(self.rag, 1, 0)
        grid.addWidget(self.step, 1, 1)
        grid.addWidget(self.note, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def load(self, d: CaseDetail) -> None:
        child = d.child
        self.name.setText(f"{child.first_name} {child.last_name}")
        facts = [f"Born {day(child.date_of_birth)} (age {age_on(child.date_of_birth, d.today)})"]
        facts += [x for x in (child.year_group and f"Year {child.year_group}", child.setting) if x]
        facts.append(f"Caseworker: {d.caseworker or 'unassigned'}")
        facts.append(f"Request received {day(d.request_received)}")
        self.facts.setText("  ·  ".join(facts))
        self._status(d)

    def _status(self, d: CaseDetail) -> None:
        step, status = d.status.next_step, d.status
        text = f"Stage: {d.stage_label}"
        if step is not None:
            text += f"  ·  Next: {step.label}, due {day(step.due)} ({step.regulation})"
            if status.days_left is not None:
                text += f" — {days_left_text(step.due, d.today)}"
        elif not d.is_open:
            text += "  ·  Case closed"
        self.step.setText(text)
        words = RAG_TEXT.get(status.rag, "") or ("Closed" if not d.is_open else "")
        self.rag.setText(f" {words} " if words else "")
        colour = RAG_COLOUR.get(status.rag)
        self.rag.setStyleSheet(
            f"background: {colour.name()}; color: #1a1a1a; padding: 2px 6px;" if colour else ""
        )
        self.note.setText(status.note or "")
        self.note.setVisible(bool(status.note))


# =========================================================================== overview
class DetailsForm(QGroupBox):
    """An editable record (child or family) with its own Save, Revert and conflict notice."""

    def __init__(
        self,
        title: str,
        what: str,
        keys: tuple[str, str, str],
        save: Callable[[int, int, dict[str, object]], object],
        view: CaseView,
    ) -> None:
        super().__init__(title)
        self.what, self._save, self._view = what, save, view
        self.record_id, self.version = 0, 0
        self._loaded: dict[str, object] = {}
        layout = QVBoxLayout(self)
        self.conflict = banner("", CONFLICT_STYLE)
        self.conflict.setAccessibleName(f"{what} not saved")
        self.reload_button = button(keys[2], f"Reload {what}", self.discard)
        self.conflict_box = QWidget()
        conflict_row = QHBoxLayout(self.conflict_box)
        conflict_row.setContentsMargins(0, 0, 0, 0)
        conflict_row.addWidget(self.conflict, 1)
        conflict_row.addWidget(self.reload_button)
        self.conflict_box.hide()
        layout.addWidget(self.conflict_box)
        form_layout = QFormLayout()
        layout.addLayout(form_layout)
        self.form = Form(form_layout)
        self.unsaved = plain_label("Unsaved changes", wrap=False)
        self.unsaved.setAccessibleName(f"{what}: unsaved changes")
        self.revert_button = button(keys[1], f"Undo changes to {what}", self.revert)
        self.save_button = button(keys[0], f"Save {what}", self.save)
        layout.addLayout(button_row(self.unsaved, "stretch", self.revert_button, self.save_button))

    def finish(self) -> None:
        """Call once every field is added."""
        self.form.on_change(self._update_state)
        self._refresh_buttons()

    # --- state ----------------------------------------------------------------------------
    def load(self, record_id: int, version: int, values: dict[str, object]) -> None:
        """Show the record, unless the person is part-way through editing this same record."""
        if self.is_dirty() and record_id == self.record_id:
            return
        self.record_id, self.version = record_id, version
        self.form.set_values(values)
        self._loaded = self.form.values()
        self.form.clear_errors()
        self.conflict_box.hide()
        self._update_state()

    def is_dirty(self) -> bool:
        return bool(self._loaded) and self.form.values() != self._loaded

    def changes(self) -> dict[str, object]:
        return {k: v for k, v in self.form.values().items() if v != self._loaded.get(k)}

    def _update_state(self) -> None:
        self._refresh_buttons()
        self._view.dirty_changed()

    def _refresh_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.unsaved.setVisible(dirty)

    # --- actions ----------------------------------------------------------------------------
    def save(self) -> None:
        changes = self.changes()
        if not changes:
            return
        self.form.clear_errors()
        self.conflict_box.hide()
        try:
            self._save(self.record_id, self.version, changes)
        except FieldErrors as exc:
            if not self.form.show_errors(exc.errors):
                ui_errors.show_user_error(self, f"Save {self.what}", exc)
            return
        except ConflictError as exc:
            self.show_conflict(str(exc))
            return
        except ui_errors.USER_ERRORS as exc:
            ui_errors.show_user_error(self, f"Save {self.what}", exc)
            return
        self._loaded = self.form.values()  # saved: what is typed is now the record
        self._view.saved()

    def show_conflict(self, message: str) -> None:
        self.conflict.setText(message)
        self.conflict_box.show()
        self.reload_button.setFocus()

    def revert(self) -> None:
        self.form.set_values(self._loaded)
        self.form.clear_errors()
        self._update_state()

    def discard(self) -> None:
        """Drop the typing and show the record as saved now (after a conflict)."""
        self._loaded = self.form.values()
        self._view.reload()


def child_values(c: ChildInfo) -> dict[str, object]:
    try:
        nhs = format_nhs_number(c.nhs_number) if c.nhs_number else ""
    except ValueError:
        nhs = c.nhs_number or ""  # a stored number that no longer checks: show it as it is
    return {
        "first_name": c.first_name,
        "last_name": c.last_name,
        "date_of_birth": c.date_of_birth,
        "upn": c.upn or "",
        "nhs_number": nhs,
        "setting": c.setting or "",
        "year_group": c.year_group or "",
        "primary_need": c.primary_need or "",
        "secondary_need": c.secondary_need or "",
    }


def family_values(f: FamilyInfo) -> dict[str, object]:
    return {
        "parent_carer_name": f.parent_carer_name,
        "address": f.address,
        "postcode": f.postcode or "",
        "phone": f.phone or "",
        "email": f.email or "",
        "preferred_channel": f.preferred_channel or "",
        "language": f.language or "",
        "interpreter_needed": f.interpreter_needed,
    }


class OverviewTab(QScrollArea):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.child_form = self._child_form()
        self.family_form = self._family_form()
        self.contacts = RowTable(CONTACT_COLUMNS, "Family contacts", stretch="Email")
        self.contacts.activated.connect(lambda _index: self.edit_contact())
        self.siblings = RowTable(SIBLING_COLUMNS, "Brothers and sisters", stretch="Name")
        self.siblings.activated.connect(lambda _index: self.open_sibling())
        self.no_siblings = plain_label("No brothers or sisters on record.")
        self.add_contact_button = button("&Add contact…", "Add contact", self.add_contact)
        self.edit_contact_button = button("&Edit contact…", "Edit contact", self.edit_contact)
        self.open_sibling_button = button("&Open case", "Open sibling's case", self.open_sibling)
        self._lay_out()

    def _lay_out(self) -> None:
        page = QWidget()
        grid = QGridLayout(page)
        grid.addWidget(self.child_form, 0, 0)
        grid.addWidget(self.family_form, 0, 1)
        contacts = group(
            "Other contacts",
            self.contacts,
            layout=button_row(self.add_contact_button, self.edit_contact_button),
        )
        siblings = group(
            "Brothers and sisters (double-click to open)",
            self.siblings,
            self.no_siblings,
            layout=button_row(self.open_sibling_button),
        )
        grid.addWidget(contacts, 1, 0)
        grid.addWidget(siblings, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        self.setWidget(page)

    def _child_form(self) -> DetailsForm:
        work = self.view.work
        keys = ("&Save child", "&Undo", "Re&load child")
        form = DetailsForm("Child", "child", keys, work.update_child, self.view)
        needs = code_choices(codes.primary_needs(), blank="(not recorded)")
        for key, label, widget in (
            ("first_name", "First name", line_edit(max_length=100)),
            ("last_name", "Last name", line_edit(max_length=100)),
            ("date_of_birth", "Date of birth", DateEdit()),
            ("upn", "UPN", line_edit(max_length=20)),
            ("nhs_number", "NHS number", line_edit(max_length=20)),
            ("setting", "School or setting", line_edit()),
            ("year_group", "Year group", line_edit(max_length=10)),
            ("primary_need", "Primary need", choice_combo(needs)),
            ("secondary_need", "Secondary need", choice_combo(needs)),
        ):
            form.form.add(key, label, widget)
        form.finish()
        return form

    def _family_form(self) -> DetailsForm:
        work = self.view.work
        keys = ("Save &family", "U&ndo", "Reloa&d family")
        form = DetailsForm("Family", "family", keys, work.update_family, self.view)
        channels = code_choices(codes.channels(), blank="(no preference)")
        for key, label, widget in (
            ("parent_carer_name", "Parent or carer", line_edit()),
            ("address", "Address", text_box(2)),
            ("postcode", "Postcode", line_edit(max_length=10)),
            ("phone", "Phone", line_edit(max_length=40)),
            ("email", "Email", line_edit()),
            ("preferred_channel", "Prefers contact by", choice_combo(channels)),
            ("language", "Language", line_edit(max_length=60)),
            ("interpreter_needed", "Interpreter", QCheckBox("Interpreter needed")),
        ):
            form.form.add(key, label, widget)
        form.finish()
        return form

    def load(self, d: CaseDetail) -> None:
        self.child_form.load(d.child.id, d.child.version, child_values(d.child))
        self.family_form.load(d.family.id, d.family.version, family_values(d.family))
        self.contacts.load(d.family.contacts)
        others = [s for s in d.family.siblings if s.child_id != d.child.id]
        self.siblings.load(others)
        self.siblings.setVisible(bool(others))
        self.no_siblings.setVisible(not others)
        self.open_sibling_button.setEnabled(bool(others))

    def has_unsaved_changes(self) -> bool:
        return self.child_form.is_dirty() or self.family_form.is_dirty()

    # --- contacts and siblings --------------------------------------------------------------
    def add_contact(self) -> None:
        family_id = self.view.detail.family.id

        def submit(values: dict) -> object:
            return self.view.work.save_contact(family_id, None, None, values)

        self.view.open_dialog(ContactDialog("Add a contact", submit, self.view))

    def edit_contact(self) -> None:
        contact = self.contacts.selected()
        if contact is None:
            return
        family_id = self.view.detail.family.id

        def submit(values: dict) -> object:
            return self.view.work.save_contact(family_id, contact.id, contact.version, values)

        dialog = ContactDialog(f"Edit contact: {contact.name}", submit, self.view)
        dialog.load({key: getattr(contact, key) for key in dialog.form.fields})
        self.view.open_dialog(dialog)

    def open_sibling(self) -> None:
        sibling = self.siblings.selected()
        if sibling is not None and sibling.case_id is not None:
            self.view.open_case.emit(sibling.case_id)


# =========================================================================== timeline
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
        self.exception_button = button(
            "Record e&xception…", "Record exception", self.record_exception
        )
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
        self.action_buttons: dict[str, QPushButton] = {}
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
        split = QSplitter(Qt.Orientation.Vertical)
        step_buttons = button_row(self.correct_step_button, self.withdraw_step_button, "stretch")
        split.addWidget(group("Stage events", self.events, layout=step_buttons))
        exception_buttons = button_row(
            self.edit_exception_button, self.withdraw_exception_button, "stretch"
        )
        split.addWidget(
            group(
                "Exceptions (time limits do not apply)", self.exceptions, layout=exception_buttons
            )
        )
        split.setSizes([320, 130])
        layout.addWidget(split, 1)

    def load(self, d: CaseDetail) -> None:
        self.banner.setVisible(d.exception_applies)
        self.deadlines.load(d.deadlines, deadline_columns(d.today, d.exception_applies))
        self.deadlines.fit_height()
        self.events.load(d.events)
        self.exceptions.load(d.exceptions)
        self._exception_selected()
        self._step_selected()
        self._action_buttons(d.actions)

    def _action_buttons(self, actions: Sequence[tuple[str, str]]) -> None:
        for old in self.action_buttons.values():
            self._actions_row.removeWidget(old)
            old.deleteLater()
        self.action_buttons = {}
        used = {"x"}  # Record e&xception
        for key, label in actions:
            b = button(mnemonic(f"{label}…", used), label, lambda k=key: self.record_action(k))
            self._actions_row.addWidget(b)
            self.action_buttons[key] = b
        self._no_actions.setVisible(not actions)

    def record_action(self, key: str) -> None:
        d, action = self.view.detail, ACTIONS[key]

        def submit(values: dict) -> object:
            return self.view.work.record_action(
                d.case_id, d.version, key, values["on"], values["reason"]
            )

        dialog = ActionDialog(key, action.label, action.needs_reason, d.today, submit, self.view)
        letter = DECISION_LETTERS.get(key)
        if letter is not None:  # after the reload: the letter reads the decision's date
            dialog.accepted.connect(lambda: self.view.decision_recorded.emit(d.case_id, letter))
        self.view.open_dialog(dialog)

    def record_exception(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.record_exception(
                d.case_id,
                v["ground"],
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


# =========================================================================== advice
class AdviceTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(
            advice_columns(view.detail.today), "Advice requests", stretch="Status", sortable=True
        )
        self.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.request_button = button("&Request advice…", "Request advice", self.request)
        self.received_button = button("&Mark received…", "Mark advice received", self.received)
        self.chase_button = button("&Chase…", "Chase advice", self.chase)
        self.correct_button = button("C&orrect…", "Correct the advice request", self.correct)
        self.withdraw_button = button("&Withdraw…", "Withdraw the advice request", self.withdraw)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                self.request_button, self.received_button, self.chase_button, "stretch",
                self.correct_button, self.withdraw_button,
            )
        )  # fmt: skip
        layout.addWidget(self.table, 1)
        layout.addWidget(
            plain_label(
                "Advice is due within 6 weeks of the request (Reg 8(1)). A chase is logged "
                "in Communications."
            )
        )

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.advice, advice_columns(d.today))
        self._update_buttons()

    def _update_buttons(self) -> None:
        advice = self.table.selected()
        self.received_button.setEnabled(advice is not None)
        self.chase_button.setEnabled(advice is not None and advice.received is None)
        self.correct_button.setEnabled(advice is not None)
        self.withdraw_button.setEnabled(advice is not None)

    def correct(self) -> None:
        advice, work = self.table.selected(), self.view.work
        if advice is None:
            return

        def submit(v: dict) -> object:
            return work.update_advice(advice.id, advice.version, v)

        dialog = AdviceEditDialog(self.view.detail.today, submit, self.view)
        dialog.load({"advice_type": advice.advice_type, "requested": advice.requested})
        self.view.open_dialog(dialog)

    def withdraw(self) -> None:
        advice = self.table.selected()
        if advice is None:
            return
        self.view.to_trash(
            "Withdraw advice request",
            f"withdraw the {advice.type_label.lower()} advice request",
            lambda trash, why: trash.withdraw_advice(advice.id, why),
        )

    def request(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.request_advice(
                d.case_id, v["advice_type"], v["on"], token=v["token"]
            )

        self.view.open_dialog(RequestAdviceDialog(d.today, submit, self.view))

    def received(self) -> None:
        advice, today = self.table.selected(), self.view.detail.today
        if advice is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.advice_received(advice.id, advice.version, v["received"])

        dialog = AdviceReceivedDialog(advice.type_label, advice.received, today, submit, self.view)
        self.view.open_dialog(dialog)

    def chase(self) -> None:
        advice, today = self.table.selected(), self.view.detail.today
        if advice is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.chase_advice(advice.id, v["on"], v["note"], token=v["token"])

        self.view.open_dialog(ChaseDialog(advice.type_label, today, submit, self.view))


# =========================================================================== communications
class CommunicationsTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(COMMUNICATION_COLUMNS, "Communications", stretch="Summary")
        self.filter = choice_combo([("All", "")] + [(c.label, c.code) for c in codes.channels()])
        self.filter.setAccessibleName("Show channel")
        self.filter.currentIndexChanged.connect(lambda _n: self._apply_filter())
        self.count = plain_label(wrap=False)
        self.count.setAccessibleName("Communications shown")
        self.log_button = button("&Log contact…", "Log contact", self.log_contact)
        self.delete_button = button("&Delete…", "Delete contact", self.delete)
        self.edit_button = button("&Edit…", "Correct the selected contact", self.edit)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("Selected communication")
        self.summary.setMaximumHeight(self.summary.fontMetrics().lineSpacing() * 5 + 14)
        self.summary.setPlaceholderText("Select a contact to read all of it.")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self._lay_out()

    def _lay_out(self) -> None:
        caption = QLabel("C&hannel:")
        caption.setBuddy(self.filter)
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                caption,
                self.filter,
                self.count,
                "stretch",
                self.log_button,
                self.edit_button,
                self.delete_button,
            )  # fmt: skip
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.communications)
        self._update_count()
        self._show_selected()

    def edit(self) -> None:
        comm, d = self.table.selected(), self.view.detail
        if comm is None:
            return
        work = self.view.work
        people = [d.family.parent_carer_name] + [c.name for c in d.family.contacts]

        def submit(v: dict) -> object:
            return work.update_communication(comm.id, comm.version, v)

        dialog = ContactEditDialog([p for p in people if p], submit, self.view)
        dialog.load(
            {
                "occurred_at": comm.occurred_at,
                "channel": comm.channel,
                "direction": comm.direction,
                "with_whom": comm.with_whom,
                "summary": comm.summary,
            }
        )
        self.view.open_dialog(dialog)

    def delete(self) -> None:
        comm = self.table.selected()
        if comm is None:
            return
        self.view.to_trash(
            "Delete contact",
            "move this contact to the trash",
            lambda trash, why: trash.delete_communication(comm.id, why),
        )

    def _apply_filter(self) -> None:
        code = self.filter.currentData()
        self.table.rows_model.set_filter((lambda c: c.channel == code) if code else None)
        self._update_count()
        self._show_selected()

    def _update_count(self) -> None:
        shown, total = self.table.rows_model.rowCount(), len(self.view.detail.communications)
        self.count.setText(
            f"{shown:,} of {total:,} shown" if shown != total else f"{total:,} in all"
        )

    def _show_selected(self) -> None:
        c = self.table.selected()
        self.edit_button.setEnabled(c is not None)
        if c is None:
            self.summary.clear()
            return
        direction = "from" if c.direction == "in" else "to"
        channel = code_label(codes.channels(), c.channel)
        head = f"{when(c.occurred_at)} · {channel} {direction} {c.with_whom} · by {c.logged_by}"
        self.summary.setPlainText(f"{head}\n{c.summary}")

    def log_contact(self) -> None:
        d = self.view.detail
        people = [d.family.parent_carer_name] + [c.name for c in d.family.contacts]
        channel = d.family.preferred_channel or "phone"
        now = self.view.work.now().replace(second=0, microsecond=0)

        def submit(v: dict) -> object:
            when_, whom = v["occurred_at"], v["with_whom"]
            return self.view.work.log_communication(
                d.case_id,
                when_,
                v["channel"],
                v["direction"],
                whom,
                v["summary"],
                token=v["token"],
            )

        dialog = LogContactDialog(now, [p for p in people if p], channel, submit, self.view)
        self.view.open_dialog(dialog)


# =========================================================================== tasks
class TasksTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(task_columns(view.detail.today), "Tasks", stretch="Task")
        self.add_button = button("&Add task…", "Add task", self.add)
        self.done_button = button("&Complete", "Complete task", lambda: self.set_done(True))
        self.reopen_button = button("Re&open", "Reopen task", lambda: self.set_done(False))
        self.delete_button = button("&Delete…", "Delete task", self.delete)
        self.edit_button = button("&Edit…", "Edit the selected task", self.edit)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                self.add_button, self.edit_button, self.done_button, self.reopen_button,
                self.delete_button,
            )
        )  # fmt: skip
        layout.addWidget(self.table, 1)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.tasks, task_columns(d.today))
        self._update_buttons()

    def _update_buttons(self) -> None:
        task = self.table.selected()
        self.done_button.setEnabled(task is not None and task.done_on is None)
        self.reopen_button.setEnabled(task is not None and task.done_on is not None)
        self.delete_button.setEnabled(task is not None)
        self.edit_button.setEnabled(task is not None)

    def edit(self) -> None:
        task, work = self.table.selected(), self.view.work
        if task is None:
            return

        def submit(v: dict) -> object:
            return work.update_task(task.id, task.version, v)

        dialog = TaskEditDialog(self.view.caseworkers, self.view.detail.today, submit, self.view)
        dialog.load({"title": task.title, "due": task.due, "owner_id": task.owner_id or ""})
        self.view.open_dialog(dialog)

    def delete(self) -> None:
        task = self.table.selected()
        if task is None:
            return
        self.view.to_trash(
            "Delete task",
            f"move the task '{task.title}' to the trash",
            lambda trash, why: trash.delete_task(task.id, why),
        )

    def add(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            owner = v["owner_id"] if isinstance(v["owner_id"], int) else None
            return self.view.work.add_task(d.case_id, v["title"], v["due"], owner, token=v["token"])

        dialog = TaskDialog(self.view.caseworkers, d.caseworker_id, d.today, submit, self.view)
        self.view.open_dialog(dialog)

    def set_done(self, done: bool) -> None:
        task = self.table.selected()
        if task is None:
            return
        title = "Complete task" if done else "Reopen task"
        self.view.act(title, lambda: self.view.work.set_task_done(task.id, task.version, done))


# =========================================================================== reviews
class ReviewsTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(REVIEW_COLUMNS, "Annual reviews")
        self.steps = RowTable(REVIEW_STEP_COLUMNS, "Steps of the selected review")
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.book_button = button("&Book review…", "Book review", self.book)
        self.update_button = button("&Update review…", "Update review", self.update_review)
        self.withdraw_button = button("&Withdraw…", "Withdraw the selected review", self.withdraw)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_steps())
        self.phase = PhaseTransferBox(view)
        self._lay_out()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(button_row(self.book_button, self.update_button, self.withdraw_button))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(group("Reviews", self.table))
        split.addWidget(group("Steps of the selected review", self.steps))
        split.setSizes([200, 300])
        layout.addWidget(split, 1)
        layout.addWidget(self.phase)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.reviews)
        if self.table.selected() is None:
            self.table.select_row(len(d.reviews) - 1)  # the latest review
        self._show_steps()
        self.phase.load(d)

    def _show_steps(self) -> None:
        review = self.table.selected()
        steps = review_steps(review, self.view.detail.today) if review else []
        self.steps.load(steps)
        self.update_button.setEnabled(review is not None)
        self.withdraw_button.setEnabled(review is not None and review.decision_date is None)

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

        def submit(v: dict) -> object:
            return self.view.work.update_review(review.id, review.version, v)

        dialog = ReviewDialog(self.view.detail.today, submit, self.view, _review_due_by(review))
        values = {k: getattr(review, k) for k in dialog.form.fields}
        dialog.load(values | {"outcome": review.outcome or ""})
        self.view.open_dialog(dialog)


def _review_due_by(r: ReviewInfo) -> str:
    """The dates the law sets for this review, as a reminder above its fields."""
    if r.meeting_date is None:
        return f"Review due by {day(r.due)}. Record the meeting date to see the other dates."
    return (
        f"Meeting {day(r.meeting_date)}. By law: invitations and papers by "
        f"{day(r.invitations_by)}; report by {day(r.report_due)}; decision by "
        f"{day(r.decision_due)} (Reg 20)."
    )


class PhaseTransferBox(QGroupBox):
    """Year and kind of the next phase transfer; the amended plan is due before a fixed date."""

    def __init__(self, view: CaseView) -> None:
        super().__init__("Phase transfer (Reg 18)")
        self.view = view
        self.year = QSpinBox()
        self.year.setAccessibleName("Transfer year")
        self.kind = choice_combo([(PHASE_KIND_LABELS[k], k) for k in PHASE_TRANSFER_KINDS])
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind.setAccessibleName("Kind of transfer")
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
        else:
            self.due.setText("No phase transfer recorded")

    def save(self) -> None:
        d = self.view.detail
        year = self.year.value() if self.year.value() != self.year.minimum() else None
        kind = self.kind.currentData() if year else None
        self.view.act(
            "Phase transfer",
            lambda: self.view.work.set_phase_transfer(d.case_id, d.version, year, kind),
        )


# =========================================================================== disagreements
class DisagreementsTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(DISAGREEMENT_COLUMNS, "Disagreements", stretch="Outcome")
        self.add_button = button("&Add disagreement…", "Add disagreement", self.add)
        self.update_button = button("&Update…", "Update disagreement", self.update_row)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(button_row(self.add_button, self.update_button))
        layout.addWidget(self.table, 1)
        layout.addWidget(
            plain_label(
                "Mediation and appeals: the mediation certificate is due within 3 working days "
                "of mediation ending; the appeal deadline is the later of 2 months from the "
                "decision letter and 1 month from the certificate."
            )
        )

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.disagreements)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.update_button.setEnabled(self.table.selected() is not None)

    def add(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.add_disagreement(
                d.case_id, v["decision"], v["decision_letter"], token=v["token"]
            )

        self.view.open_dialog(DisagreementDialog(d.today, submit, self.view))

    def update_row(self) -> None:
        row = self.table.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.update_disagreement(row.id, row.version, v)

        dialog = DisagreementUpdateDialog(self.view.detail.today, submit, self.view)
        values = {k: getattr(row, k) for k in dialog.form.fields}
        dialog.load(values | {"outcome": row.outcome or ""})
        self.view.open_dialog(dialog)


# =========================================================================== history
class HistoryTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.assignments = RowTable(ASSIGNMENT_COLUMNS, "Assignment history", stretch="Why")
        self.changes = RowTable(CHANGE_COLUMNS, "Every change", stretch="Detail")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(group("Caseworker assignments", self.assignments))
        split.addWidget(group("Every change to this case (newest first)", self.changes))
        split.setSizes([160, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def load(self, d: CaseDetail) -> None:
        self.assignments.load(d.assignments)
        self.changes.load(d.changes)


__all__ = ["CaseView"]
