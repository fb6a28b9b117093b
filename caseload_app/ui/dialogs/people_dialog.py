"""Administration: the people who may use this database, their roles, and (on a team
database) their logins and passwords. Each button is one PeopleService call."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.access import ROLE_LABELS, Role
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.people import PeopleService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import buddy, button, plain_label
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.new_request import caseworker_combo
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row

PEOPLE_COLUMNS = (
    Column("Login", lambda p: p.login),
    Column("Name", lambda p: p.name),
    Column("Caseworker", lambda p: p.caseworker),
    Column("Roles", lambda p: ", ".join(ROLE_LABELS[r] for r in sorted(p.roles))),
    Column("Signs in", lambda p: "yes" if p.active else "disabled"),
)


class RolesBox(QWidget):
    """One tick box per role."""

    def __init__(self, chosen: frozenset[Role] = frozenset()) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes = {}
        for role in Role:
            box = QCheckBox(ROLE_LABELS[role])
            box.setChecked(role in chosen)
            layout.addWidget(box)
            self.boxes[role] = box

    def roles(self) -> set[Role]:
        return {role for role, box in self.boxes.items() if box.isChecked()}


class PersonDialog(FieldsFirst, QDialog):
    """Add a person (login, name, caseworker, roles, first password) or change roles."""

    def __init__(
        self,
        people: PeopleService,
        caseworkers: list[CaseworkerInfo],
        *,
        on_server: bool,
        person=None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.people, self.person = people, person
        self.setWindowTitle("Change roles" if person else "Add a person")
        self.login = QLineEdit(person.login if person else "")
        self.login.setAccessibleName("Login")
        self.login.setReadOnly(person is not None)
        self.name = QLineEdit(person.name if person else "")
        self.name.setAccessibleName("Name")
        self.name.setReadOnly(person is not None)
        chosen = person.caseworker_id if person else None
        self.caseworker = caseworker_combo("Caseworker", caseworkers, chosen, "Not a caseworker")
        self.roles = RolesBox(person.roles if person else frozenset({Role.CASEWORKER}))
        self.password = QLineEdit()
        self.password.setAccessibleName("First password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        rows = [("&Login", self.login), ("&Name", self.name), ("&Caseworker", self.caseworker)]
        if on_server and person is None:
            rows.append(("First &password", self.password))
        rows.append(("&Roles", self.roles))
        for text, widget in rows:
            form.addRow(buddy(text, widget), widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if on_server and person is None:
            layout.addWidget(
                plain_label(
                    "The login is created on the team database server; give the person the "
                    "first password and ask them to change it."
                )
            )
        layout.addWidget(buttons)

    def save(self) -> None:
        roles = self.roles.roles()
        call: Callable[[], object]
        if self.person is None:
            call = lambda: self.people.add_person(  # noqa: E731
                self.login.text(),
                self.name.text(),
                roles,
                self.caseworker.currentData(),
                self.password.text() or None,
            )
        else:
            call = lambda: self._change(roles)  # noqa: E731
        if ui_errors.run_action(self, self.windowTitle(), call):
            self.accept()

    def _change(self, roles: set[Role]) -> None:
        self.people.set_roles(self.person.login, roles)
        if self.caseworker.currentData() != self.person.caseworker_id:
            self.people.set_caseworker(self.person.login, self.caseworker.currentData())


class PeopleDialog(QDialog):
    def __init__(
        self,
        people: PeopleService,
        caseworkers: list[CaseworkerInfo],
        *,
        on_server: bool,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("People and roles")
        self.setAccessibleName("People and roles")
        self.people, self.caseworkers, self.on_server = people, caseworkers, on_server
        self.table = RowTable(PEOPLE_COLUMNS, "People", stretch="Roles")
        self.table.doubleClicked.connect(lambda _i: self.change_roles())
        add = button("&Add a person…", "Add a person", self.add_person)
        change = button("&Change roles…", "Change roles", self.change_roles)
        self.enable_button = button("&Disable", "Disable or enable", self.toggle_active)
        buttons = [add, change, self.enable_button]
        if on_server:
            buttons.append(button("Set &password…", "Set password", self.set_password))
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        where = "team database (each person's own login)" if on_server else "laptop file"
        layout.addWidget(
            plain_label(
                f"Who may use this {where}, and what they may do. Only administrators "
                "change this; every change is in the audit trail."
            )
        )
        layout.addLayout(button_row(*buttons, "stretch"))
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        self.table.selectionModel().selectionChanged.connect(self._name_toggle)
        self.resize(820, 460)
        self.load()

    def load(self) -> None:
        self.table.load(self.people.people())
        self._name_toggle()

    def _name_toggle(self, *_args) -> None:
        chosen = self.table.selected()
        self.enable_button.setText("&Enable" if chosen and not chosen.active else "&Disable")

    def add_person(self) -> None:
        dialog = PersonDialog(self.people, self.caseworkers, on_server=self.on_server, parent=self)
        if dialog.exec():
            self.load()

    def change_roles(self) -> None:
        chosen = self.table.selected()
        if chosen is None:
            return
        dialog = PersonDialog(
            self.people, self.caseworkers, on_server=self.on_server, person=chosen, parent=self
        )
        if dialog.exec():
            self.load()

    def toggle_active(self) -> None:
        chosen = self.table.selected()
        if chosen is not None and ui_errors.run_action(
            self, "People", lambda: self.people.set_active(chosen.login, not chosen.active)
        ):
            self.load()

    def set_password(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        chosen = self.table.selected()
        if chosen is None:
            return
        password, ok = QInputDialog.getText(
            self,
            "Set password",
            f"New password for {chosen.login} (12 characters or more):",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            ui_errors.run_action(
                self, "Password", lambda: self.people.set_password(chosen.login, password)
            )
