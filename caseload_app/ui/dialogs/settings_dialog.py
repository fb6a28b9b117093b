"""Settings (who I am here; the council's name and address; the plan checks the council
switched off) and the first-run 'who are you'."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.settings import (
    MAX_DOCUMENT_MB,
    CouncilDetails,
    LocalSettings,
    LocalSettingsStore,
    PlanRuleSetting,
    TeamSettingsService,
    parse_la_number,
)
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import buddy, button
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.new_request import align_labels, caseworker_combo, plain_label
from caseload_app.ui.errors import USER_ERRORS, show_user_error
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row

MY_CASELOAD_HELP = "My caseload shows the cases assigned to you; change it later in Settings."


def _note(text: str) -> QLabel:
    label = plain_label(text)
    label.setWordWrap(True)
    return label


def _dialog_buttons(ok_text: str, cancel_text: str = "") -> tuple[QDialogButtonBox, QPushButton]:
    """OK-like button (its clicked is for the caller) and, if named, a cancel (rejected)."""
    buttons = QDialogButtonBox()
    ok = buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.ActionRole)
    ok.setAccessibleName(ok_text.replace("&", ""))
    if cancel_text:
        cancel = buttons.addButton(cancel_text, QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAccessibleName(cancel_text.replace("&", ""))
    return buttons, ok


class CouncilGroup(QGroupBox):
    """The council's details printed on letters (shared by everyone on the database)."""

    def __init__(self, council: CouncilDetails) -> None:
        super().__init__("Council (printed on letters; shared by everyone on this database)")
        self.name = QLineEdit(council.name)
        self.name.setAccessibleName("Council name")
        self.name.setMaxLength(200)
        self.address = QPlainTextEdit(council.address)
        self.address.setAccessibleName("Council address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 5 + 12)
        self.mediation = QPlainTextEdit(council.mediation_adviser)
        self.mediation.setAccessibleName("Mediation adviser")
        self.mediation.setTabChangesFocus(True)
        self.mediation.setPlaceholderText("Name, phone and e-mail of the mediation adviser")
        self.mediation.setFixedHeight(self.mediation.fontMetrics().lineSpacing() * 3 + 12)
        self.la_number = QLineEdit("" if council.la_number is None else f"{council.la_number:03d}")
        self.la_number.setAccessibleName("The council's DfE LA number")
        self.la_number.setMaxLength(3)
        self.la_number.setPlaceholderText("e.g. 839")
        self.la_number.setMaximumWidth(self.la_number.fontMetrics().horizontalAdvance("0000") * 3)
        form = QFormLayout(self)
        form.addRow(buddy("Council &name", self.name), self.name)
        form.addRow(buddy("&Address", self.address), self.address)
        form.addRow(buddy("&Mediation adviser", self.mediation), self.mediation)
        form.addRow(
            _note(
                "Decision letters give families the mediation adviser's contact, "
                "so they cannot be printed until it is set."
            )
        )
        form.addRow(buddy("&DfE LA number", self.la_number), self.la_number)
        form.addRow(_note("The council's 3-digit number on the DfE's list, for the SEN2 return."))

    def chosen(self) -> CouncilDetails:
        """The details as typed; UserError when the LA number is not a current council's."""
        return CouncilDetails(
            self.name.text().strip(),
            self.address.toPlainText().strip(),
            self.mediation.toPlainText().strip(),
            parse_la_number(self.la_number.text()),
        )


class CouncilDetailsDialog(FieldsFirst, QDialog):
    """Asked once, when the first letter needs the council's details (Settings changes them
    later)."""

    def __init__(self, team: TeamSettingsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The council's details")
        self._team = team
        self._council = team.council()
        self.group = CouncilGroup(self._council)
        intro = _note(
            "This letter needs the council's details, which are not set yet. They are asked "
            "for once and kept for every letter; Settings changes them later."
        )
        buttons, save = _dialog_buttons("Save and go on", "Cancel")
        buttons.rejected.connect(self.reject)
        save.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.group)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def save(self) -> None:
        try:
            council = self.group.chosen()
        except USER_ERRORS as exc:
            show_user_error(self, "Council details not saved", exc)
            self.group.la_number.setFocus()
            return
        if not council.name or not council.address:
            QMessageBox.information(
                self, "Council details", "Letters need at least the council's name and address."
            )
            return
        try:
            self._team.set_council(council)
        except USER_ERRORS as exc:
            show_user_error(self, "Council details not saved", exc)
            return
        self.accept()


class SettingsDialog(FieldsFirst, QDialog):
    """Who I am (this laptop's settings file) and council details (shared, in the database).

    After exec() == Accepted, ``settings`` is the saved LocalSettings.
    """

    def __init__(
        self,
        store: LocalSettingsStore,
        settings: LocalSettings,
        team: TeamSettingsService,
        caseworkers: list[CaseworkerInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._store = store
        self._team = team
        self._council = team.council()
        self._names = {worker.id: worker.name for worker in caseworkers}
        self.settings = settings

        self.me = caseworker_combo(
            "Who I am", caseworkers, settings.me_caseworker_id, "Not set", settings.me_name
        )
        self.idle = QSpinBox()
        self.idle.setRange(0, 240)
        self.idle.setSpecialValueText("Never")
        self.idle.setSuffix(" minutes without use")
        self.idle.setAccessibleName("Lock the window after")
        self.idle.setValue(settings.idle_lock_minutes)
        council_group = CouncilGroup(self._council)
        self.council_name = council_group.name
        self.council_address = council_group.address
        self.mediation = council_group.mediation
        self.la_number = council_group.la_number
        self.council_group = council_group

        buttons, self.save_button = _dialog_buttons("Save", "Cancel")
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        me_group = self._me_group(bool(caseworkers))
        align_labels(me_group, council_group)
        layout = QVBoxLayout(self)
        layout.addWidget(me_group)
        layout.addWidget(council_group)
        layout.addWidget(self._checks_group())
        layout.addWidget(self._files_group())
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def _checks_group(self) -> QGroupBox:
        group = QGroupBox("Plan checks (shared by everyone on this database)")
        self.checks_button = button(
            "&Plan checks…", "Plan checks: switch one off or on", self.open_plan_checks
        )
        self.checks_count = _note("")
        self._count_checks_off(self._team.plan_rules())
        column = QVBoxLayout(group)
        column.addWidget(self.checks_count)
        column.addLayout(button_row(self.checks_button))
        return group

    def _files_group(self) -> QGroupBox:
        group = QGroupBox("Case file (shared by everyone on this database)")
        self._max_mb = self._team.document_max_mb()
        self.max_mb = QSpinBox()
        self.max_mb.setRange(1, MAX_DOCUMENT_MB)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setAccessibleName("Largest document")
        self.max_mb.setValue(self._max_mb)
        form = QFormLayout(group)
        form.addRow(buddy("Lar&gest document", self.max_mb), self.max_mb)
        form.addRow(_note("A bigger file is refused, saying so (administrators change this)."))
        return group

    def _count_checks_off(self, rules: list[PlanRuleSetting]) -> None:
        off = sum(r.off for r in rules)
        self.checks_count.setText(
            f"All {len(rules)} checks on the Plan tab are on."
            if not off
            else f"{off} of the {len(rules)} checks on the Plan tab switched off by the council."
        )

    def open_plan_checks(self) -> None:
        dialog = PlanChecksDialog(self._team, self)
        dialog.exec()
        self._count_checks_off(dialog.rules)

    def _me_group(self, any_caseworkers: bool) -> QGroupBox:
        group = QGroupBox("Who I am (this computer only)")
        form = QFormLayout(group)
        form.addRow(buddy("&I am", self.me), self.me)
        help_text = MY_CASELOAD_HELP.split(";")[0] + "."
        if not any_caseworkers:
            help_text += " There are no caseworkers in this database yet."
        form.addRow(_note(help_text))
        form.addRow(buddy("&Lock after", self.idle), self.idle)
        return group

    def chosen_settings(self) -> LocalSettings:
        worker_id = self.me.currentData()
        # An id no longer in the list (made inactive) keeps the name saved with it.
        name = "" if worker_id is None else self._names.get(worker_id, self.settings.me_name)
        return replace(
            self.settings,
            me_caseworker_id=worker_id,
            me_name=name,
            idle_lock_minutes=self.idle.value(),
        )

    def chosen_council(self) -> CouncilDetails:
        return self.council_group.chosen()

    def save(self) -> None:
        try:
            updated, council = self.chosen_settings(), self.chosen_council()
        except USER_ERRORS as exc:
            show_user_error(self, "Settings not saved", exc)
            self.council_group.la_number.setFocus()
            return
        try:
            if council != self._council:  # don't overwrite a colleague's edit with the old text
                self._team.set_council(council)
            if self.max_mb.value() != self._max_mb:
                self._team.set_document_max_mb(self.max_mb.value())
            self._store.save(updated)
        except USER_ERRORS as exc:
            show_user_error(self, "Settings not saved", exc)
            return
        except OSError as exc:
            show_user_error(
                self, "Settings not saved", OSError(f"Could not write {self._store.path}: {exc}")
            )
            return
        self.settings = updated
        self.accept()


PLAN_CHECK_COLUMNS = (
    Column("Check", lambda r: r.label),
    Column("Sections", lambda r: " ".join(r.sections)),
    Column("Source", lambda r: r.source),
    Column("On or off", lambda r: "Off" if r.off else "On"),
    Column("Why it is off", lambda r: r.reason),
)


class PlanChecksDialog(QDialog):
    """The checks a Tribunal would make of a plan, each on or switched off by the council with
    the reason. Each switch is saved at once (administrators only: the service refuses anyone
    else) and recorded in the audit trail. ``rules`` is what was last shown."""

    def __init__(self, team: TeamSettingsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plan checks")
        self.setAccessibleName("Plan checks")
        self._team = team
        self.rules: list[PlanRuleSetting] = []
        self.table = RowTable(
            PLAN_CHECK_COLUMNS, "Plan checks", stretch="Why it is off", key=lambda r: r.key
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.explanation = _note("")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why it is switched off")
        self.reason.setMaxLength(300)
        self.reason.setPlaceholderText("e.g. our panel agreed 'up to' is used for transport")
        self.off_button = button("Switch &off", "Switch the check off", self.switch_off)
        self.on_button = button("Switch o&n", "Switch the check back on", self.switch_on)
        form = QFormLayout()
        form.addRow(buddy("&Why off:", self.reason), self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(
            _note(
                "The checks shown on the Plan tab and by `caseload plan check`. Switching one "
                "off hides its findings on every plan; the reason is kept with it. Only an "
                "administrator can switch a check off or on, and each change is recorded in "
                "the audit trail."
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addLayout(button_row(self.off_button, self.on_button))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(820, 560)
        self.load()

    def load(self) -> None:
        self.rules = self._team.plan_rules()
        self.table.load(self.rules)
        self._enable()

    def _enable(self) -> None:
        rule = self.table.selected()
        self.off_button.setEnabled(rule is not None and not rule.off)
        self.on_button.setEnabled(rule is not None and rule.off)
        self.explanation.setText(_explained(rule) if rule is not None else "")

    def switch_off(self) -> None:
        self._switch(True, "Not switched off")

    def switch_on(self) -> None:
        self._switch(False, "Not switched on")

    def _switch(self, off: bool, title: str) -> None:
        rule = self.table.selected()
        if rule is None:
            return
        reason = self.reason.text()
        if ui_errors.run_action(
            self, title, lambda: self._team.set_plan_rule(rule.key, off, reason)
        ):
            self.reason.clear()
            self.load()


def _explained(rule: PlanRuleSetting) -> str:
    state = f"Switched off: {rule.reason}" if rule.off else "On."
    return f"{rule.label} ({rule.key}; {rule.source}): {rule.explanation} {state}"


class ChooseMeDialog(QDialog):
    """First run: which caseworker uses this computer. ``chosen`` after accept (or None)."""

    def __init__(self, caseworkers: list[CaseworkerInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who are you?")
        self.chosen: CaseworkerInfo | None = None
        self._caseworkers = {worker.id: worker for worker in caseworkers}
        heading = plain_label("Who are you?")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if caseworkers:
            self._with_caseworkers(layout, caseworkers)
        else:
            self._without_caseworkers(layout)
        self.setMinimumWidth(420)

    def _with_caseworkers(self, layout: QVBoxLayout, caseworkers: list[CaseworkerInfo]) -> None:
        self.me = QComboBox()
        self.me.setAccessibleName("Who are you")
        for worker in caseworkers:
            self.me.addItem(worker.name, worker.id)
        self.me.setPlaceholderText("Choose your name")
        self.me.setCurrentIndex(-1)  # no guess: a wrong name would show someone else's cases
        form = QFormLayout()
        form.addRow(buddy("&I am", self.me), self.me)
        buttons, self.ok_button = _dialog_buttons("&Continue", "&Not now")
        self.ok_button.setEnabled(False)
        self.me.currentIndexChanged.connect(lambda i: self.ok_button.setEnabled(i >= 0))
        self.ok_button.clicked.connect(self._choose)
        buttons.rejected.connect(self.reject)
        layout.addWidget(_note(MY_CASELOAD_HELP))
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.me.setFocus()

    def _without_caseworkers(self, layout: QVBoxLayout) -> None:
        buttons, self.ok_button = _dialog_buttons("&Continue without")
        self.ok_button.clicked.connect(self.accept)
        layout.addWidget(
            _note(
                "There are no caseworkers in this database yet, so there is no one to choose. "
                "A team lead adds them in File → Caseworkers and absences (or `caseload "
                "caseworker add NAME`), or by importing a caseload. " + MY_CASELOAD_HELP
            )
        )
        layout.addWidget(buttons)

    def _choose(self) -> None:
        worker_id = self.me.currentData()
        if worker_id is None:
            return
        self.chosen = self._caseworkers[worker_id]
        self.accept()
