"""New request for an EHC needs assessment: family, child and case in one step.

The form shows the statutory dates the request starts as soon as its received date is known,
warns about possible duplicates before saving, and shows each validation message beside the
field it is about, keeping everything typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.deadlines import format_date, request_timeline
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.errors import FieldErrors
from caseload_app.services.requests import NewRequest, PossibleDuplicate, RequestService
from caseload_app.ui.dialogs.case_dialogs import on_change
from caseload_app.ui.errors import USER_ERRORS, show_user_error
from caseload_app.ui.widgets.dates import DateEdit, OptionalDateEdit

# request_timeline() key -> (what must be done by then, the rule that says so)
TIMELINE_ROWS = {
    "decision_to_assess_due": ("Decide whether to assess", "Reg 5(1)"),
    "draft_plan_target": ("Serve draft plan (target)", "Target, not law: week 14"),
    "decision_not_to_issue_due": ("Notify a decision not to issue", "Reg 10(1)"),
    "final_plan_due": ("Issue final plan", "Reg 13(2)"),
}

ERROR_STYLE = "color: #b00020;"  # dark red: readable on white (contrast > 7:1)


# --------------------------------------------------------------------------- small builders
def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label for text people typed: never interpreted as markup."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def code_combo(
    name: str, items: Iterable[codes.Code], blank: str | None = None, show_code: bool = False
) -> QComboBox:
    """A combo of code-list entries; the item data is the code ("" for the blank entry)."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    if blank is not None:
        combo.addItem(blank, "")
    for item in items:
        combo.addItem(f"{item.code} – {item.label}" if show_code else item.label, item.code)
    return combo


def caseworker_combo(
    name: str,
    caseworkers: Sequence[CaseworkerInfo],
    selected_id: int | None,
    blank: str,
    missing_name: str = "",
) -> QComboBox:
    """Caseworkers by name (item data: id) after a blank entry (data None).

    A selected id that is not in the list (someone since made inactive) is kept as an extra
    entry, so opening and saving a form never silently drops it.
    """
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.addItem(blank, None)
    for worker in caseworkers:
        combo.addItem(worker.name, worker.id)
    if selected_id is not None and combo.findData(selected_id) < 0:
        combo.addItem(f"{missing_name or 'Caseworker'} (no longer active)", selected_id)
    combo.setCurrentIndex(max(combo.findData(selected_id), 0))
    return combo


def error_label(field_name: str) -> QLabel:
    label = plain_label()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setAccessibleName(f"{field_name}: problem")
    label.hide()
    return label


def _with_error(field: QWidget, error: QLabel) -> QWidget:
    """The field with its (normally hidden) message underneath, as one form cell."""
    cell = QWidget()
    column = QVBoxLayout(cell)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    column.addWidget(error)
    return cell


def align_labels(*groups: QGroupBox) -> None:
    """Stacked forms read as one when their label columns are the same width."""
    labels = [label for group in groups for label in group.findChildren(QLabel) if label.buddy()]
    width = max(label.sizeHint().width() for label in labels)
    for label in labels:
        label.setMinimumWidth(width)


def _mnemonic_free(text: str) -> str:
    return text.replace("&", "")


class FittingScrollArea(QScrollArea):
    """Shows all of its content when the screen has room for it, and scrolls when not."""

    # Room left for the window frame, the taskbar and the dialog's own buttons.
    RESERVED = QSize(60, 150)

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(content)
        self.content = content

    def sizeHint(self) -> QSize:
        inner = self.content.sizeHint()
        hint = QSize(inner.width() + self.verticalScrollBar().sizeHint().width(), inner.height())
        return hint.boundedTo(self.screen().availableGeometry().size() - self.RESERVED)


# --------------------------------------------------------------------------- duplicates
class DuplicateWarning(QDialog):
    """'This child may already be known': create anyway, go back, or open the existing case."""

    CREATE, BACK, OPEN = "create", "back", "open"

    def __init__(
        self, duplicates: Sequence[PossibleDuplicate], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Possible duplicate")
        self.choice = self.BACK
        self.case_id: int | None = None

        intro = plain_label(
            "This child may already be known. Check before creating a new record:", self
        )
        intro.setWordWrap(True)
        self.matches = QListWidget()
        self.matches.setAccessibleName("Possible duplicates")
        for dup in duplicates:
            self.matches.addItem(_duplicate_item(dup))
        self.matches.currentItemChanged.connect(self._on_current)

        self.open_button = QPushButton("&Open existing case")
        self.create_button = QPushButton("&Create anyway")
        self.back_button = QPushButton("&Go back")
        buttons = QDialogButtonBox()
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.back_button, QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.open_button, self.create_button, self.back_button):
            button.setAccessibleName(_mnemonic_free(button.text()))
            button.setAutoDefault(False)
        self.back_button.setDefault(True)  # Enter never creates a duplicate by accident
        self.open_button.clicked.connect(self._open)
        self.create_button.clicked.connect(self._create)
        self.back_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.matches)
        layout.addWidget(buttons)
        self.resize(560, 260)
        self.matches.setCurrentRow(_first_with_case(duplicates))
        self._on_current(self.matches.currentItem())

    def _on_current(self, item: QListWidgetItem | None, _previous=None) -> None:
        self.open_button.setEnabled(bool(item and item.data(Qt.ItemDataRole.UserRole)))

    def _open(self) -> None:
        item = self.matches.currentItem()
        if item is None or not item.data(Qt.ItemDataRole.UserRole):
            return
        self.choice, self.case_id = self.OPEN, int(item.data(Qt.ItemDataRole.UserRole))
        self.accept()

    def _create(self) -> None:
        self.choice = self.CREATE
        self.accept()


def _duplicate_item(dup: PossibleDuplicate) -> QListWidgetItem:
    case = "has an open case" if dup.case_id else "no open case"
    item = QListWidgetItem(
        f"{dup.name} — born {format_date(dup.date_of_birth)} — {dup.why} ({case})"
    )
    item.setData(Qt.ItemDataRole.UserRole, dup.case_id or 0)
    return item


def _first_with_case(duplicates: Sequence[PossibleDuplicate]) -> int:
    return next((i for i, dup in enumerate(duplicates) if dup.case_id), 0)


# --------------------------------------------------------------------------- the form
class NewRequestDialog(QDialog):
    """One new request. After exec() == Accepted, ``created_case_id`` is the new case.

    If the person chose to open an existing case instead, the dialog is rejected and
    ``open_existing_case_id`` says which.
    """

    def __init__(
        self,
        requests: RequestService,
        caseworkers: list[CaseworkerInfo],
        default_caseworker_id: int | None,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._requests = requests
        self._today = today
        self._confirmed_duplicates: set[int] = set()
        self.created_case_id: int | None = None
        self.open_existing_case_id: int | None = None
        self.token = uuid.uuid4().hex  # a second Save of this form finds the first case
        self.fields: dict[str, Any] = {}  # line edits, date edits, combos, a check box
        self.error_labels: dict[str, QLabel] = {}
        self.deadline_labels: dict[str, QLabel] = {}
        self.row_labels: dict[str, QLabel] = {}  # the labels beside the fields, by key
        self.setWindowTitle("New request for an EHC needs assessment")

        self._make_fields(caseworkers, default_caseworker_id)
        self.general_error = error_label("Form")
        self.save_button = QPushButton("Save request")
        self.cancel_button = QPushButton("Cancel")
        self._lay_out()
        self._connect()
        self._initial = self.request()
        # Qt's automatic first size is at most 2/3 of the screen width, which would make the
        # two columns scroll sideways on a 1366-pixel laptop; the scroll area bounds this.
        self.resize(self.sizeHint())
        self.fields["first_name"].setFocus()

    # ------------------------------------------------------------ building
    def _make_fields(self, caseworkers: list[CaseworkerInfo], default_id: int | None) -> None:
        self._line("first_name", "First name", 100)
        self._line("last_name", "Last name", 100)
        self._add("date_of_birth", "Date of birth", OptionalDateEdit())
        self._line("upn", "UPN (Unique Pupil Number)", 20)
        self._line("nhs_number", "NHS number", 20)
        self._line("setting", "Setting (school, college or nursery)", 200)
        need = code_combo("Primary need", codes.primary_needs(), blank="", show_code=True)
        self._add("primary_need", "Primary need", need)
        self._add("request_received", "Request received", DateEdit(self._today))
        source = code_combo("Request source", codes.request_sources())
        source.setCurrentIndex(max(source.findData("parent"), 0))
        self._add("request_source", "Request source", source)
        self._add(
            "caseworker_id",
            "Caseworker",
            caseworker_combo("Caseworker", caseworkers, default_id, "Unallocated"),
        )
        self._line("parent_carer_name", "Parent or carer", 200)
        address = QPlainTextEdit()
        address.setTabChangesFocus(True)
        address.setFixedHeight(address.fontMetrics().lineSpacing() * 4 + 12)
        self._add("address", "Address", address)
        self._line("postcode", "Postcode", 10)
        self._line("phone", "Phone", 30)
        self._line("email", "Email", 254)
        channel = code_combo("Preferred channel", codes.channels(), blank="")
        self._add("preferred_channel", "Preferred channel", channel)
        self._line("language", "Language", 60)
        self._add("interpreter_needed", "Interpreter needed", QCheckBox("&Interpreter needed"))

    def _line(self, key: str, name: str, max_length: int) -> None:
        edit = QLineEdit()
        edit.setMaxLength(max_length)
        self._add(key, name, edit)

    def _add(self, key: str, name: str, widget: QWidget) -> None:
        widget.setAccessibleName(name)
        widget.setObjectName(key)
        self.fields[key] = widget
        self.error_labels[key] = error_label(name)

    def _lay_out(self) -> None:
        child = self._form_group(
            "Child",
            [
                ("first_name", "&First name"),
                ("last_name", "&Last name"),
                ("date_of_birth", "Date of &birth"),
                ("upn", "&UPN"),
                ("nhs_number", "&NHS number"),
                ("setting", "Se&tting"),
                ("primary_need", "Primary ne&ed"),
            ],
        )
        request = self._form_group(
            "Request",
            [
                ("request_received", "Request &received"),
                ("request_source", "Request s&ource"),
                ("caseworker_id", "&Caseworker"),
            ],
        )
        family = self._form_group(
            "Family",
            [
                ("parent_carer_name", "&Parent or carer"),
                ("address", "&Address"),
                ("postcode", "Po&stcode"),
                ("phone", "P&hone"),
                ("email", "E&mail"),
                ("preferred_channel", "Preferre&d channel"),
                ("language", "Lan&guage"),
                ("interpreter_needed", ""),
            ],
        )
        align_labels(child, request)
        left = QVBoxLayout()
        left.addWidget(child)
        left.addWidget(request)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(family)
        self.deadlines_group = self._deadlines_group()
        right.addWidget(self.deadlines_group)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        body = QWidget()
        rows = QVBoxLayout(body)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addWidget(self.general_error)
        rows.addLayout(columns)
        self.scroll_area = FittingScrollArea(body)

        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area)
        layout.addWidget(self._buttons())
        self._set_tab_order()

    def _form_group(self, title: str, rows: list[tuple[str, str]]) -> QGroupBox:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, text in rows:
            cell = _with_error(self.fields[key], self.error_labels[key])
            if not text:
                form.addRow(cell)
                continue
            label = QLabel(text)
            label.setBuddy(self.fields[key])
            self.row_labels[key] = label
            form.addRow(label, cell)
        return group

    def _deadlines_group(self) -> QGroupBox:
        group = QGroupBox("Statutory deadlines from the request date")
        grid = QGridLayout(group)
        for row, (key, (what, rule)) in enumerate(TIMELINE_ROWS.items()):
            due = plain_label()
            due.setObjectName(key)
            due.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.deadline_labels[key] = due
            font = due.font()
            font.setBold(True)
            due.setFont(font)
            regulation = plain_label(rule)
            grid.addWidget(plain_label(what), row, 0)
            grid.addWidget(due, row, 1)
            grid.addWidget(regulation, row, 2)
        grid.setColumnStretch(2, 1)
        group.setAccessibleName("Statutory deadlines")
        self._update_deadlines()  # before any layout measures the panel
        return group

    def _buttons(self) -> QDialogButtonBox:
        self.save_button.setToolTip("Save the request (Ctrl+Enter)")
        self.save_button.setAccessibleName("Save request")
        self.cancel_button.setToolTip("Close without saving (Esc)")
        self.cancel_button.setAccessibleName("Cancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in a half-filled form must not save it
        return buttons

    def _set_tab_order(self) -> None:
        chain = [*self.fields.values(), self.save_button, self.cancel_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        for key, widget in self.fields.items():
            if key in self.error_labels:
                on_change(widget, partial(self._clear_error, key))
        self.fields["request_received"].dateChanged.connect(self._update_deadlines)
        self.fields["request_source"].currentIndexChanged.connect(lambda _: self._name_start())
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)

    def _name_start(self) -> None:
        """The start date is the day the request came, or the day the council became
        responsible for the child under CFA s24 (Regs 5(1)(b), 10(1), 13(2))."""
        s24 = self.fields["request_source"].currentData() == codes.BECAME_RESPONSIBLE
        self.row_labels["request_received"].setText(
            "&Responsible from (s24)" if s24 else "Request &received"
        )
        name = codes.request_date_label(self.fields["request_source"].currentData())
        self.fields["request_received"].setAccessibleName(name)
        self.deadlines_group.setTitle(
            "Statutory deadlines from the day the council became responsible (CFA s24)"
            if s24
            else "Statutory deadlines from the request date"
        )

    # ------------------------------------------------------------ reading the form
    def request(self) -> NewRequest:
        """What the form says now, as the service takes it."""
        f = self.fields
        return NewRequest(
            first_name=f["first_name"].text(),
            last_name=f["last_name"].text(),
            date_of_birth=f["date_of_birth"].value(),
            request_received=f["request_received"].value(),
            request_source=f["request_source"].currentData() or "",
            upn=f["upn"].text(),
            nhs_number=f["nhs_number"].text(),
            setting=f["setting"].text(),
            primary_need=f["primary_need"].currentData() or "",
            parent_carer_name=f["parent_carer_name"].text(),
            address=f["address"].toPlainText(),
            postcode=f["postcode"].text(),
            phone=f["phone"].text(),
            email=f["email"].text(),
            preferred_channel=f["preferred_channel"].currentData() or "",
            language=f["language"].text(),
            interpreter_needed=f["interpreter_needed"].isChecked(),
            caseworker_id=f["caseworker_id"].currentData(),
        )

    def has_changes(self) -> bool:
        return self.request() != self._initial

    def _update_deadlines(self) -> None:
        timeline = request_timeline(self.fields["request_received"].value())
        for key, label in self.deadline_labels.items():
            label.setText(format_date(timeline[key]))
            label.setAccessibleName(f"{TIMELINE_ROWS[key][0]}: {label.text()}")

    # ------------------------------------------------------------ saving
    def save(self) -> None:
        request = self.request()
        self._clear_errors()
        if not self._duplicates_ok(request):
            return
        try:
            case_id = self._requests.create(request, token=self.token)
        except FieldErrors as exc:
            self._show_errors(exc.errors)
            return
        except USER_ERRORS as exc:
            show_user_error(self, "Request not saved", exc)
            return
        self.created_case_id = case_id
        self.accept()

    def _duplicates_ok(self, request: NewRequest) -> bool:
        """True to go on saving. Duplicates already confirmed once are not asked about again."""
        found = self._requests.possible_duplicates(request)
        new = [dup for dup in found if dup.child_id not in self._confirmed_duplicates]
        if not new:
            return True
        warning = DuplicateWarning(found, self)
        warning.exec()
        if warning.choice == DuplicateWarning.CREATE:
            self._confirmed_duplicates.update(dup.child_id for dup in found)
            return True
        if warning.choice == DuplicateWarning.OPEN:
            self.open_existing_case_id = warning.case_id
            QDialog.reject(self)  # leaving for the existing case is not discarding work
        return False

    def _clear_errors(self) -> None:
        for key in self.error_labels:
            self._clear_error(key)
        self.general_error.hide()

    def _clear_error(self, key: str) -> None:
        """A field's message goes as soon as the field is changed: it was about the old
        value ("this has 12" beside a UPN already put right)."""
        label = self.error_labels[key]
        if not label.isHidden():
            label.clear()
            label.hide()
            self.fields[key].setAccessibleDescription("")

    def _show_errors(self, errors: dict[str, str]) -> None:
        first: QWidget | None = None
        others = []
        for key, message in errors.items():
            if key not in self.fields:
                others.append(message)
                continue
            self.error_labels[key].setText(message)
            self.error_labels[key].show()
            self.fields[key].setAccessibleDescription(message)
            first = first or self.fields[key]
        if others:
            self.general_error.setText("\n".join(others))
            self.general_error.show()
        self._grow_to_fit()
        if first is not None:
            first.setFocus()
            self.scroll_area.ensureWidgetVisible(first)

    def _grow_to_fit(self) -> None:
        """Make room for the messages, as far as the screen allows (then the form scrolls)."""
        self.scroll_area.content.layout().activate()
        self.scroll_area.updateGeometry()  # the dialog's layout caches the scroll area's size hint
        self.layout().activate()
        self.resize(self.size().expandedTo(self.sizeHint()))

    # ------------------------------------------------------------ leaving
    def reject(self) -> None:
        """Escape, Cancel or the close button: ask first if anything was typed."""
        if self.has_changes() and not self._confirm_discard():
            return
        super().reject()

    def _confirm_discard(self) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Discard new request?",
            "Close without saving? What you typed will be lost.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard
