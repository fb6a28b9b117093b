"""The Overview tab: the child's and the family's details, edited in place, the child's
placements, other contacts and brothers and sisters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.validators import format_nhs_number
from caseload_app.services.case_read import CaseDetail, ChildInfo, FamilyInfo
from caseload_app.services.errors import ConflictError, FieldErrors
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.case.placements import PlacementsGroup
from caseload_app.ui.case.styles import CONFLICT_STYLE
from caseload_app.ui.dialogs.case_dialogs import (
    ContactDialog,
    Form,
    action_button,
    button,
    choice_combo,
    code_choices,
    command,
    line_edit,
    plain_label,
    text_box,
)
from caseload_app.ui.models.case_models import (
    CONTACT_COLUMNS,
    SIBLING_COLUMNS,
)
from caseload_app.ui.widgets.blocks import RowTable, banner, button_row, group
from caseload_app.ui.widgets.dates import DateEdit

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


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
        "further_needs": " ".join(c.further_needs),
        "sex": c.sex or "",
        "ethnicity": c.ethnicity or "",
        "uln": c.uln or "",
        "upn_unknown": c.upn_unknown or "",
    }


NOT_RECORDED = "(not recorded)"


def further_needs_edit() -> QLineEdit:
    """Needs after the secondary, most significant first, as their codes on one line."""
    edit = line_edit(max_length=60)
    edit.setPlaceholderText("codes, most significant first, e.g. SLCN ASD")
    known = ", ".join(f"{c.code} {c.label.lower()}" for c in codes.primary_needs())
    # Also what a screen reader says of it (Qt's description falls back to the tooltip,
    # so a problem shown and cleared leaves it as it was).
    edit.setToolTip(
        "Needs ranked after the secondary one, as codes separated by spaces, most "
        f"significant first. Codes: {known}"
    )
    return edit


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
        self.placements = PlacementsGroup(view)
        self.contacts = RowTable(CONTACT_COLUMNS, "Family contacts", stretch="Email")
        self.contacts.activated.connect(lambda _index: self.edit_contact())
        self.siblings = RowTable(SIBLING_COLUMNS, "Brothers and sisters", stretch="Name")
        self.siblings.activated.connect(lambda _index: self.open_sibling())
        self.no_siblings = plain_label("No brothers or sisters on record.")
        self.add_contact_action = command(self, "&Add contact…", self.add_contact)
        self.add_contact_button = action_button(self.add_contact_action, "Add contact")
        self.save_action = command(self, "&Save details", self.save_details)
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
        grid.addWidget(self.placements, 1, 0, 1, 2)  # under the child's details, full width
        grid.addWidget(contacts, 2, 0)
        grid.addWidget(siblings, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(2, 1)
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
            ("further_needs", "Further needs", further_needs_edit()),
            ("sex", "Sex", choice_combo(code_choices(codes.sen2_sexes(), blank=NOT_RECORDED))),
            (
                "ethnicity",
                "Ethnicity",
                choice_combo(code_choices(codes.sen2_ethnicities(), blank=NOT_RECORDED)),
            ),
            ("uln", "ULN", line_edit(max_length=20)),
            (
                "upn_unknown",
                "Why no UPN",
                choice_combo(
                    code_choices(codes.sen2_upn_unknown_reasons(), blank="(has a UPN or ULN)")
                ),
            ),
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
        self.placements.load(d)
        self.contacts.load(d.family.contacts)
        others = [s for s in d.family.siblings if s.child_id != d.child.id]
        self.siblings.load(others)
        self.siblings.setVisible(bool(others))
        self.no_siblings.setVisible(not others)
        self.open_sibling_button.setEnabled(bool(others))

    def has_unsaved_changes(self) -> bool:
        return self.child_form.is_dirty() or self.family_form.is_dirty()

    # --- contacts and siblings --------------------------------------------------------------
    def save_details(self) -> None:
        """Save whichever of the child's and the family's details have unsaved changes."""
        for form in (self.child_form, self.family_form):
            if form.save_button.isEnabled():
                form.save()

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
