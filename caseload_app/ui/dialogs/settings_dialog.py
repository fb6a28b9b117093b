"""Settings (who I am here; the council's name and address) and the first-run 'who are you'."""

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
    CouncilDetails,
    LocalSettings,
    LocalSettingsStore,
    TeamSettingsService,
)
from caseload_app.ui.dialogs.case_dialogs import buddy
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.new_request import align_labels, caseworker_combo, plain_label
from caseload_app.ui.errors import USER_ERRORS, show_user_error

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

    def chosen(self) -> CouncilDetails:
        return CouncilDetails(
            self.name.text().strip(),
            self.address.toPlainText().strip(),
            self.mediation.toPlainText().strip(),
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
        council = self.group.chosen()
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
        self.council_group = council_group

        buttons, self.save_button = _dialog_buttons("Save", "Cancel")
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        me_group = self._me_group(bool(caseworkers))
        align_labels(me_group, council_group)
        layout = QVBoxLayout(self)
        layout.addWidget(me_group)
        layout.addWidget(council_group)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

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
        updated, council = self.chosen_settings(), self.chosen_council()
        try:
            if council != self._council:  # don't overwrite a colleague's edit with the old text
                self._team.set_council(council)
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
