"""Forms and dialogs of the case window. (Long on purpose: the Form machinery and the small
dialogs built on it, each a few lines of fields, read best beside it.)

`Form` puts fields in a QFormLayout, each with a red message under it for a FieldErrors
entry of the same key, and reads or writes every field as plain Python values (dates as
datetime.date). `FormDialog` wraps a Form: Save calls the one service call it was given;
field errors are shown inline and the dialog stays open with what the person typed; any
other user error is shown as a message (ui.errors.run_action) and the dialog stays open too.

Dialogs are shown with open(), not exec(): the window keeps running, and tests fill the
fields with set_values() and call accept() as the Save button does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import cast

from PySide6.QtCore import QDate, QDateTime, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes, exceptions, reassessment, school_naming, tribunal, updates
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.errors import FieldErrors, StorageError
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.widgets.dates import DATETIME_FORMAT, DateEdit, OptionalDateEdit

ERROR_STYLE = "color: #b00020;"
Choices = Sequence[tuple[str, object]]  # (text shown, value)


# --------------------------------------------------------------------------- small widgets
def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A label for text that may contain what someone typed: never read as markup."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def buddy(text: str, widget: QWidget) -> QLabel:
    """A field's label; `text` carries its mnemonic (&), which moves focus to `widget`."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def button(text: str, accessible: str, slot: Callable[[], object] | None = None) -> QPushButton:
    """A push button; `text` carries its mnemonic (&)."""
    b = QPushButton(text)
    b.setAccessibleName(accessible)
    if slot is not None:
        b.clicked.connect(lambda _checked=False: slot())
    return b


def command(owner: QObject, text: str, slot: Callable[[], object]) -> QAction:
    """An action a case tab owns: its button and the window's Case menu both trigger it."""
    action = QAction(text, owner)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def action_button(action: QAction, accessible: str) -> QPushButton:
    """A push button bound to an action: it triggers the action, and is enabled when it is
    (so the button, the menu command and its shortcut can never disagree)."""
    b = QPushButton(action.text())
    b.setAccessibleName(accessible)
    b.clicked.connect(action.trigger)
    action.enabledChanged.connect(b.setEnabled)
    b.setEnabled(action.isEnabled())
    return b


def line_edit(text: str = "", max_length: int = 200) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setMaxLength(max_length)
    return edit


def text_box(lines: int = 4) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    height = box.fontMetrics().lineSpacing() * lines + 12
    box.setFixedHeight(height)
    return box


def choice_combo(choices: Choices, *, editable: bool = False) -> QComboBox:
    combo = QComboBox()
    for text, value in choices:
        combo.addItem(text, value)
    combo.setEditable(editable)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    return combo


def code_choices(code_list: Iterable[codes.Code], blank: str | None = None) -> list:
    """(label, code) pairs, with an optional blank first entry whose value is ""."""
    choices: list[tuple[str, object]] = [(blank, "")] if blank is not None else []
    return choices + [(c.label, c.code) for c in code_list]


def _qdatetime(value: datetime) -> QDateTime:
    return QDateTime(
        QDate(value.year, value.month, value.day), QTime(value.hour, value.minute, value.second)
    )


def date_time_edit(value: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(_qdatetime(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATETIME_FORMAT)
    return edit


def optional_date(value: date | None, today: date) -> OptionalDateEdit:
    return OptionalDateEdit(value, today=today)


class CheckList(QWidget):
    """Ticks for a set of keys (e.g. the time limits an exception covers): the value is the
    ticked keys in the list's order; keys not allowed are greyed out with the reason."""

    changed = Signal()

    def __init__(self, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in choices:
            box = QCheckBox(label)
            box.setAccessibleName(label)
            box.toggled.connect(lambda *_: self.changed.emit())
            column.addWidget(box)
            self.boxes[key] = box

    def value(self) -> tuple[str, ...]:
        return tuple(k for k, box in self.boxes.items() if box.isChecked())

    def set_value(self, keys: Iterable[str]) -> None:
        chosen = set(keys)
        for key, box in self.boxes.items():
            box.setChecked(key in chosen)

    def allow(self, allowed: Iterable[str], why_not: Callable[[str], str]) -> None:
        """Only these keys can be ticked; the others are unticked, with why_not as a tip."""
        ok = set(allowed)
        for key, box in self.boxes.items():
            box.setEnabled(key in ok)
            box.setToolTip("" if key in ok else why_not(key))
            if key not in ok:
                box.setChecked(False)


# --------------------------------------------------------------------------- reading and writing
def read(widget: QWidget) -> object:
    """The field's value as plain Python: str, bool, int, date, datetime or a combo's data."""
    if isinstance(widget, CheckList):
        return widget.value()
    if isinstance(widget, DateEdit):
        return widget.value()
    if isinstance(widget, QDateTimeEdit):
        return cast(datetime, widget.dateTime().toPython()).replace(second=0, microsecond=0)
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText() if widget.isEditable() else widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    raise TypeError(f"no reader for {type(widget).__name__}")


def write(widget: QWidget, value: object) -> None:
    if isinstance(widget, CheckList):
        widget.set_value(cast("Iterable[str]", value or ()))
    elif isinstance(widget, OptionalDateEdit) and value is None:
        widget.setDate(OptionalDateEdit.BLANK)
    elif isinstance(widget, DateEdit):
        widget.set_date(cast(date, value))
    elif isinstance(widget, QDateTimeEdit):
        widget.setDateTime(_qdatetime(cast(datetime, value)))
    elif isinstance(widget, QLineEdit):
        widget.setText("" if value is None else str(value))
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText("" if value is None else str(value))
    elif isinstance(widget, QComboBox):
        _write_combo(widget, value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(cast(int, value)))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(cast(float, value)))
    else:
        raise TypeError(f"no writer for {type(widget).__name__}")


def _write_combo(combo: QComboBox, value: object) -> None:
    if combo.isEditable():
        combo.setEditText("" if value is None else str(value))
        return
    value = "" if value is None else value
    found = combo.findData(value)
    if found < 0:  # a stored code no longer in the list: show it rather than lose it
        combo.addItem(str(value), value)
        found = combo.count() - 1
    combo.setCurrentIndex(found)


def on_change(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` whenever the person changes the field."""
    if isinstance(widget, CheckList):
        widget.changed.connect(callback)
        return
    signal = {
        QDateTimeEdit: "dateTimeChanged",
        QLineEdit: "textChanged",
        QPlainTextEdit: "textChanged",
        QComboBox: "currentTextChanged",
        QCheckBox: "toggled",
        QSpinBox: "valueChanged",
        QDoubleSpinBox: "valueChanged",
    }
    for kind, name in signal.items():
        if isinstance(widget, kind):
            getattr(widget, name).connect(lambda *_: callback())
            return
    raise TypeError(f"no change signal for {type(widget).__name__}")


# --------------------------------------------------------------------------- a form
class Form:
    """Labelled fields in a QFormLayout, each with an inline error message under it."""

    def __init__(self, layout: QFormLayout) -> None:
        self.layout = layout
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}

    def add(self, key: str, label: str, widget: QWidget) -> QWidget:
        name = label.replace("&", "")
        widget.setAccessibleName(name)
        caption = QLabel(label)
        caption.setBuddy(widget)
        error = plain_label()
        error.setStyleSheet(ERROR_STYLE)
        error.setAccessibleName(f"{name}: problem")
        error.hide()
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(error)
        self.layout.addRow(caption, cell)
        self.fields[key], self.error_labels[key] = widget, error
        on_change(widget, lambda: self.clear_error(key))  # fixed: the old message is wrong now
        return widget

    def values(self) -> dict[str, object]:
        return {key: read(widget) for key, widget in self.fields.items()}

    def set_values(self, values: dict[str, object]) -> None:
        for key, value in values.items():
            write(self.fields[key], value)

    def on_change(self, callback: Callable[[], None]) -> None:
        for widget in self.fields.values():
            on_change(widget, callback)

    def show_errors(self, errors: dict[str, str]) -> bool:
        """Show each message under its field; False if some field is not on this form."""
        self.clear_errors()
        for key, message in errors.items():
            if key in self.error_labels:
                self.error_labels[key].setText(message)
                self.error_labels[key].show()
                self.fields[key].setAccessibleDescription(message)
        first = next((k for k in self.fields if k in errors), None)
        if first is not None:
            self.fields[first].setFocus()
        return set(errors) <= set(self.fields)

    def clear_errors(self) -> None:
        for key in self.error_labels:
            self.clear_error(key)

    def clear_error(self, key: str) -> None:
        label = self.error_labels[key]
        if not label.isHidden():
            label.clear()
            label.hide()
            self.fields[key].setAccessibleDescription("")

    def error(self, key: str) -> str:
        """The message shown under a field ("" if none)."""
        label = self.error_labels[key]
        return label.text() if not label.isHidden() else ""


# --------------------------------------------------------------------------- the dialog
class FormDialog(FieldsFirst, QDialog):
    """A form whose Save runs one service call; it closes only when that call succeeds."""

    def __init__(
        self,
        title: str,
        submit: Callable[[dict[str, object]], object],
        parent: QWidget | None = None,
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self._submit = submit
        self.result_value: object = None
        self._retry_timer: QTimer | None = None
        # One token per opened form: a second Save (double click, retry) finds the first.
        self.token = uuid.uuid4().hex
        outer = QVBoxLayout(self)
        if intro:
            outer.addWidget(plain_label(intro))
        form_layout = QFormLayout()
        outer.addLayout(form_layout)
        self.form = Form(form_layout)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self._name_buttons()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _name_buttons(self) -> None:
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("&Save")
        save.setAccessibleName("Save")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("&Cancel")
        cancel.setAccessibleName("Cancel")

    def add(self, key: str, label: str, widget: QWidget) -> QWidget:
        return self.form.add(key, label, widget)

    def values(self) -> dict[str, object]:
        return self.form.values()

    def set_values(self, **values: object) -> None:
        self.form.set_values(values)

    def submitted_values(self) -> dict[str, object]:
        """What Save hands to the service call (edit dialogs send only what changed), with
        the form's token for calls that create a record."""
        return {**self.values(), "token": self.token}

    RETRY_MS = 5000  # saving again after a lost connection, until it works or Cancel

    def accept(self) -> None:
        if self._try_submit():
            self._stop_retrying()
            super().accept()

    def reject(self) -> None:
        self._stop_retrying()
        super().reject()

    def _try_submit(self) -> bool:
        self.form.clear_errors()
        inline: dict[str, str] = {}
        passing: list[StorageError] = []

        def call() -> None:
            try:
                self.result_value = self._submit(self.submitted_values())
            except FieldErrors as exc:
                if not self.form.show_errors(exc.errors):
                    raise  # a field this dialog does not have: say it in a message
                inline.update(exc.errors)
            except StorageError as exc:
                if not exc.retryable:
                    raise  # run_action shows it in a box
                passing.append(exc)

        done = ui_errors.run_action(self, self.windowTitle(), call)
        if passing:  # the server is away: keep the form, try again shortly
            self._retry_later(passing[0])
            return False
        return done and not inline

    def _retry_later(self, exc: StorageError) -> None:
        if self._retry_timer is None:
            self._retry_timer = QTimer(self)
            self._retry_timer.setSingleShot(True)
            self._retry_timer.timeout.connect(self.accept)
            self.waiting = plain_label()
            self.waiting.setStyleSheet("color: #8a5300")
            self.layout().insertWidget(self.layout().count() - 1, self.waiting)
        seconds = max(1, self.RETRY_MS // 1000)
        self.waiting.setText(
            f"{exc}\n\nSaving again by itself every {seconds} seconds until it works; "
            "Cancel stops trying (your typing is lost only then)."
        )
        self.waiting.show()
        self._retry_timer.start(self.RETRY_MS)

    def _stop_retrying(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self.waiting.hide()


class EditDialog(FormDialog):
    """A dialog editing an existing record: Save sends only the fields that changed."""

    def load(self, values: dict[str, object]) -> None:
        self.form.set_values(values)
        self._loaded = self.values()

    def submitted_values(self) -> dict[str, object]:
        loaded = getattr(self, "_loaded", {})
        return {k: v for k, v in self.values().items() if loaded.get(k, object()) != v}


# --------------------------------------------------------------------------- the case dialogs
Submit = Callable[[dict[str, object]], object]


class ActionDialog(FormDialog):
    """A stage action (decision, draft, final plan…): the date, and a reason where needed."""

    def __init__(
        self, key: str, label: str, needs_reason: bool, today: date, submit: Submit, parent=None
    ) -> None:
        intro = _WITHDRAW_INTRO if key == "withdrawn" else _ACTION_INTRO
        super().__init__(label, submit, parent, intro=intro)
        self.key = key
        self.add("on", "&Date", DateEdit(today))
        if key in ("cease_proposed", "ceased"):
            # SEN2's reason; the decision may keep the proposal's (blank) or change it.
            blank = "(as proposed)" if key == "ceased" else None
            self.add(
                "code",
                "Reason (S&EN2 code)",
                choice_combo(code_choices(codes.cease_reasons(), blank=blank)),
            )
        reason = "Setting c&onsulted" if key == "school_consulted" else "&Reason"
        self.add("reason", reason if needs_reason else "&Note (optional)", text_box(3))


_ACTION_INTRO = "Record the date this happened. Dates cannot be in the future."
_WITHDRAW_INTRO = (
    "The request, or the assessment that followed it, ends before its outcome: for example "
    "the family withdrew it, moved out of the area, or the child died. The case closes; "
    "the reason is kept with it. Dates cannot be in the future."
)


def _exception_fields(dialog: FormDialog, today: date) -> None:
    """The fields an exception is recorded and corrected with: the ground decides which time
    limits can be ticked (Reg 5(4), 8(2), 10(4), 13(3) each have their own list)."""
    # Only real grounds are offered: one shown as not recorded (an upgrade's) is corrected.
    grounds = [c for c in codes.exception_grounds() if exceptions.limits_for_ground(c.code)]
    ground = dialog.add("ground", "&Ground", choice_combo(code_choices(grounds)))
    limits = dialog.add(
        "limits",
        "Time &limits it covers",
        CheckList([(k.key, f"{k.label} ({k.regulation})") for k in exceptions.LIMITS]),
    )
    dialog.add("period_start", "Period s&tarts", DateEdit(today))
    dialog.add("period_end", "Period &ends", optional_date(None, today))
    dialog.add("family_told", "&Family told on", optional_date(None, today))
    dialog.add("note", "&Note", text_box(3))

    def ground_chosen() -> None:
        code = str(cast(QComboBox, ground).currentData() or "")
        label = codes.label_for(codes.exception_grounds(), code) if code else ""
        cast(CheckList, limits).allow(
            exceptions.limits_for_ground(code),
            lambda k: f"{label} is not a ground for {exceptions.limit_name(k)}.",
        )

    cast(QComboBox, ground).currentIndexChanged.connect(lambda *_: ground_chosen())
    ground_chosen()


class ExceptionDialog(FormDialog):
    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Record an exception", submit, parent, intro=_EXCEPTION_INTRO)
        _exception_fields(self, today)


class StepCorrectionDialog(FormDialog):
    """A recorded step's date, corrected: the statutory dates that follow recompute."""

    def __init__(self, label: str, on: date, submit: Submit, parent=None) -> None:
        super().__init__(f"Correct the date: {label}", submit, parent, intro=_CORRECTION_INTRO)
        self.add("on", "&Date it happened", DateEdit(on))
        self.add("reason", "&Why it is corrected", text_box(2))


_CORRECTION_INTRO = (
    "The dates that follow from this step are worked out again. The case's history keeps the "
    "old and new dates, who corrected them and why."
)


class AdviceEditDialog(EditDialog):
    def __init__(self, today: date, submit: Submit, parent=None, providers: Sequence = ()) -> None:
        super().__init__("Correct the advice request", submit, parent, intro=_ADVICE_INTRO)
        self.add("advice_type", "Advice &type", choice_combo(code_choices(codes.advice_types())))
        self.add("requested", "Se&nt on", DateEdit(today))
        self.add("received_by_adviser", "Adviser &received it on", DateEdit(today))
        self.add("provider_id", "Pro&vider (optional)", provider_combo(providers))


def provider_combo(providers: Sequence) -> QComboBox:
    """The team or adviser asked (services.providers.ProviderInfo), or none recorded."""
    return choice_combo([("(not recorded)", None)] + [(p.label, p.id) for p in providers])


class ContactEditDialog(EditDialog):
    """Correct a logged contact: fields named as update_communication expects."""

    def __init__(self, people: Sequence[str], submit: Submit, parent=None) -> None:
        super().__init__("Correct the contact", submit, parent, intro=_KEPT)
        self.add("occurred_at", "&When", date_time_edit(datetime(2000, 1, 1)))
        self.add("channel", "C&hannel", choice_combo(code_choices(codes.channels())))
        self.add("direction", "&Direction", choice_combo(DIRECTION_CHOICES))
        self.add("with_whom", "With wh&om", choice_combo([(p, p) for p in people], editable=True))
        self.add("with_family", "Fa&mily", with_family_box())
        self.add("summary", "S&ummary", text_box(5))


def with_family_box() -> QCheckBox:
    box = QCheckBox("With the family (it counts as keeping them informed)")
    box.setToolTip(
        "Tick for a contact with the parent, carer or young person. A contact going out to "
        "them counts as their update; one with a school or an adviser about them does not."
    )
    return box


class TaskEditDialog(EditDialog):
    def __init__(self, caseworkers: Sequence[CaseworkerInfo], today: date, submit, parent=None):
        super().__init__("Edit the task", submit, parent, intro=_KEPT)
        self.add("title", "&Task", line_edit())
        self.add("due", "&Due (optional)", optional_date(None, today))
        owners = [("(nobody)", "")] + [(w.name, w.id) for w in caseworkers]
        self.add("owner_id", "&Owner", choice_combo(owners))


_KEPT = "What it said before is kept in the case's history, with who changed it and when."


class ExceptionEditDialog(EditDialog):
    """Correct a recorded exception, or end it: its end date, once the circumstance is over."""

    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Correct or end the exception", submit, parent, intro=_EXCEPTION_EDIT)
        _exception_fields(self, today)


_EXCEPTION_EDIT = (
    "Put in the end date once the circumstance is over, or correct what was recorded. Every "
    "change is kept in the case's history (old → new, who and when). To take back an "
    "exception recorded by mistake, use Withdraw instead."
)

_EXCEPTION_INTRO = (
    "An exception never moves a deadline: the case keeps its dates and the time limits it "
    "covers are marked 'exception applies'. Each limit has its own grounds (SEND Regs 5(4), "
    "8(2), 10(4), 13(3)): a missed appointment never excuses the 20-week plan. Waiting lists "
    "and staff shortages are never a ground. Leave the end blank while the circumstance "
    "continues."
)


class RequestAdviceDialog(FormDialog):
    def __init__(self, today: date, submit: Submit, parent=None, providers: Sequence = ()) -> None:
        super().__init__("Request advice", submit, parent, intro=_ADVICE_INTRO)
        self.add("advice_type", "Advice &type", choice_combo(code_choices(codes.advice_types())))
        self.add("on", "Se&nt on", DateEdit(today))
        self.add("received_by_adviser", "Adviser &received it on", optional_date(None, today))
        self.add("provider_id", "Pro&vider (optional)", provider_combo(providers))


_ADVICE_INTRO = (
    "Advice is due within 6 weeks of the day the adviser received the request (Reg 8(1)). "
    "Leave that day blank when it is the day it was sent."
)


class AdviceReceivedDialog(FormDialog):
    def __init__(self, what: str, received: date | None, today: date, submit, parent=None):
        super().__init__(
            f"Advice received: {what}",
            submit,
            parent,
            intro="Clear the date (set it to '—') if the advice was marked received by mistake.",
        )
        self.add("received", "&Received on", optional_date(received or today, today))


class ChaseDialog(FormDialog):
    def __init__(self, what: str, today: date, submit: Submit, parent=None) -> None:
        super().__init__(
            f"Chase advice: {what}",
            submit,
            parent,
            intro="The chase is added to the communications log as an email sent.",
        )
        self.add("on", "Chased &on", DateEdit(today))
        self.add("note", "&Note", line_edit(max_length=500))


DIRECTION_CHOICES = (
    ("Outgoing (we contacted them)", "out"),
    ("Incoming (they contacted us)", "in"),
)


class LogContactDialog(FormDialog):
    """Log a phone call, email, visit…: fields named as log_communication's FieldErrors keys."""

    def __init__(
        self,
        now: datetime,
        people: Sequence[str],
        channel: str,
        submit: Submit,
        parent=None,
    ) -> None:
        super().__init__("Log a contact", submit, parent)
        self.add("occurred_at", "&When", date_time_edit(now))
        self.add("channel", "C&hannel", choice_combo(code_choices(codes.channels())))
        self.add("direction", "&Direction", choice_combo(DIRECTION_CHOICES))
        whom = choice_combo([(p, p) for p in people], editable=True)
        self.add("with_whom", "With wh&om", whom)
        family = with_family_box()
        self.add("with_family", "Fa&mily", family)
        self.add("summary", "S&ummary", text_box(5))
        self.set_values(channel=channel, with_whom=people[0] if people else "")
        family.setChecked(True)
        # The tick follows who it was with (a school, an adviser: not the family) until the
        # person sets it themselves.
        touched = []
        family.clicked.connect(lambda *_: touched.append(True))

        def follow(text: str) -> None:
            if not touched:
                family.setChecked(updates.likely_with_family(text))

        whom.currentTextChanged.connect(follow)

    def start_field(self) -> QWidget:
        return self.form.fields["summary"]  # when, channel and whom are filled in already


class TaskDialog(FormDialog):
    def __init__(
        self,
        caseworkers: Sequence[CaseworkerInfo],
        owner_id: int | None,
        today: date,
        submit: Submit,
        parent=None,
    ) -> None:
        super().__init__("Add a task", submit, parent)
        self.add("title", "&Task", line_edit())
        self.add("due", "&Due (optional)", optional_date(None, today))
        owners: list[tuple[str, object]] = [(w.name, w.id) for w in caseworkers]
        if not any(w.id == owner_id for w in caseworkers):
            owners.insert(0, ("(the case's caseworker)", ""))
        self.add("owner_id", "&Owner", choice_combo(owners))
        if owner_id is not None:
            self.set_values(owner_id=owner_id)


class ContactDialog(EditDialog):
    """Add or edit a family contact: fields named as save_contact expects."""

    def __init__(self, title: str, submit: Submit, parent=None) -> None:
        super().__init__(title, submit, parent)
        self.add("name", "&Name", line_edit())
        self.add("relation", "&Relation", line_edit(max_length=60))
        self.add("phone", "&Phone", line_edit(max_length=40))
        self.add("email", "&Email", line_edit())
        channels = code_choices(codes.channels(), blank="(no preference)")
        self.add("preferred_channel", "Prefers contact &by", choice_combo(channels))
        self.add("language", "&Language", line_edit(max_length=60))
        self.add("interpreter_needed", "&Interpreter", QCheckBox("Interpreter needed"))


class BookReviewDialog(FormDialog):
    def __init__(self, meeting: date, submit: Submit, parent=None) -> None:
        super().__init__("Book an annual review", submit, parent, intro=_REVIEW_INTRO)
        self.add("meeting", "&Meeting date", DateEdit(meeting))


_REVIEW_INTRO = (
    "Invitations and papers must go out at least 2 weeks before the meeting; the report is "
    "due 2 weeks after it and the council's decision 4 weeks after it (Reg 20)."
)

REVIEW_DATES = (
    ("meeting_date", "&Meeting"),
    ("invitations_sent", "&Invitations sent"),
    ("papers_sent", "&Papers sent"),
    ("report_sent", "&Report sent"),
    ("decision_date", "&Decision made"),
)


class ReviewDialog(EditDialog):
    """Record the steps of a review: OptionalDateEdit fields and the outcome."""

    def __init__(self, today: date, submit: Submit, parent=None, intro: str = "") -> None:
        super().__init__("Update the annual review", submit, parent, intro=intro)
        for key, label in REVIEW_DATES:
            self.add(key, label, optional_date(None, today))
        outcomes = code_choices(codes.review_outcomes(), blank="(not decided)")
        self.add("outcome", "&Outcome", choice_combo(outcomes))
        # Ceasing at a review is the decision to cease (after Reg 31's consultation).
        reasons = code_choices(codes.cease_reasons(), blank="(as proposed)")
        self.add("cease_reason", "If ceased: reason (S&EN2 code)", choice_combo(reasons))
        self.add("amendment_notice", "&Amendment notice", optional_date(None, today))
        self.add("final_amended_issued", "&Final amended plan", optional_date(None, today))


class Post16MoveDialog(FormDialog):
    """A young person's move between post-16 institutions (Reg 18(2))."""

    def __init__(self, move: date, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Post-16 move", submit, parent, intro=_POST16_INTRO)
        self.add("move_date", "&Moving on", DateEdit(move))
        self.add("moving_to", "&To (college or provider)", line_edit(max_length=120))
        self.add("amended", "Plan &amended for it on (blank: not yet)", optional_date(None, today))


_POST16_INTRO = (
    "A young person moving from one post-16 institution to another: the plan must be reviewed "
    "and amended to name the new one at least 5 months before the move (Reg 18(2)). A move "
    "from school to college is a phase transfer (Reg 18(1)) instead."
)


class DisagreementDialog(FormDialog):
    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Add a disagreement", submit, parent, intro=_DISAGREEMENT_INTRO)
        self.add("decision", "&Decision disputed", line_edit())
        self.add("about", "A&bout the decision", about_combo("(choose one)"))
        self.add("decision_letter", "Decision &letter dated", DateEdit(today))


class TribunalOrderDialog(FormDialog):
    """A Tribunal order (Reg 44) or an appeal the council did not oppose (Reg 45)."""

    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Record a Tribunal order", submit, parent, intro=_ORDER_INTRO)
        kinds = [(label, kind) for kind, label in tribunal.KIND_LABELS.items()]
        self.add("kind", "What was &ordered", choice_combo(kinds))
        self.add("order_date", "&Dated", DateEdit(today))
        self.add("unopposed", "The council did not o&ppose the appeal (Reg 45)", QCheckBox())
        self.add("note", "&Note", text_box(2))


_ORDER_INTRO = (
    "The council must carry out a Tribunal order within the limits of Reg 44, counted from the "
    "order's date; where it told the Tribunal it would not oppose the appeal, within those of "
    "Reg 45, counted from the day it told the Tribunal (give that day)."
)


class OrderStepDialog(FormDialog):
    def __init__(self, label: str, done: date | None, today: date, submit, parent=None):
        super().__init__(f"Done: {label}", submit, parent, intro=_ORDER_STEP_INTRO)
        self.add("on", "&Done on (blank: not done)", optional_date(done or today, today))


_ORDER_STEP_INTRO = "The day this step was done. Leave it blank to take back a date recorded."


class ReassessmentRequestDialog(FormDialog):
    """A request for re-assessment (s44(2)), or the council's own decision to re-assess
    (s44(3)); the last assessment is prefilled with the plan's date when known."""

    def __init__(self, today: date, last: date | None, submit: Submit, parent=None) -> None:
        super().__init__("Record a re-assessment request", submit, parent, intro=_REQUEST_INTRO)
        askers = [(label, key) for key, label in reassessment.REQUESTER_LABELS.items()]
        self.add("requested_by", "Asked for &by", choice_combo(askers))
        self.add("requested", "Request &received on (or decided on)", DateEdit(today))
        self.add("last_assessment", "&Last EHC needs assessment", optional_date(last, today))
        self.add("reason", "Why it is necessary (&within 6 months)", text_box(2))
        self.add("note", "&Note", text_box(2))


_REQUEST_INTRO = (
    "The parent, the young person or the school or college may ask for a re-assessment "
    "(s44(2)); the council decides within 15 days (Reg 25(1)). Within 6 months of the last "
    "assessment it may refuse unless one is necessary (Reg 24). Where the council decides of "
    "its own accord (s44(3)), give that day: the re-assessed plan is due 14 weeks on "
    "(Reg 27(2)), and within 6 months of the last assessment say why it is necessary."
)


class ReassessmentDecisionDialog(FormDialog):
    """Whether the council will re-assess, and the day the family was told (Reg 25(1))."""

    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Record the re-assessment decision", submit, parent, intro=_DECIDE_INTRO)
        decisions = [(label, key) for key, label in reassessment.DECISION_LABELS.items()]
        self.add("decision", "&Decision", choice_combo(decisions))
        self.add("decided", "Family &told on", DateEdit(today))
        self.add("reason", "&Reasons", text_box(3))


_DECIDE_INTRO = (
    "Tell the family within 15 days of the request (Reg 25(1)). A refusal gives its reasons "
    "and the right of appeal (CFA 2014 s51(2)(d)); re-assessing within 6 months of the last "
    "assessment says why it is necessary (Reg 24)."
)


class ConsultSchoolsDialog(FormDialog):
    """Schools or colleges consulted on the draft plan (s39(2), s40(3)), several at once."""

    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Consult schools", submit, parent, intro=_CONSULT_INTRO)
        self.add("schools", "Schools or colleges, one a &line", text_box(3))
        askers = [(label, key) for key, label in school_naming.REQUESTER_LABELS.items()]
        self.add("requested_by", "Asked for &by", choice_combo(askers))
        self.add("sent", "Draft plan sent to them &on", DateEdit(today))


_CONSULT_INTRO = (
    "The council must consult the school or college the family asked for, and any other it "
    "is considering naming, sending it the draft plan (s39(2), s40(3)). The school should "
    "respond within 15 days (CoP 9.83): the day sent is not counted, so sent Mon 5 Oct, due "
    "Tue 20 Oct."
)


class SchoolResponseDialog(FormDialog):
    def __init__(self, school: str, today: date, submit: Submit, parent=None) -> None:
        super().__init__(f"Response: {school}", submit, parent, intro=_RESPONSE_INTRO)
        answers = [(label, key) for key, label in school_naming.RESPONSE_LABELS.items()]
        self.add("response", "&Response", choice_combo(answers))
        self.add("on", "Arrived &on (blank: no response)", optional_date(today, today))
        self.add("note", "&Note", text_box(2))


_RESPONSE_INTRO = (
    "What the school said and the day it arrived. Record no response only once its 15 days "
    "have ended."
)


class NamingDecisionDialog(FormDialog):
    """The decision to name the school in Section I or not (s39(3)-(5), s40(2))."""

    def __init__(self, school: str, today: date, submit: Submit, parent=None) -> None:
        super().__init__(f"Decision: {school}", submit, parent, intro=_DECISION_INTRO)
        decisions = [
            ("Name it in Section I", school_naming.Decision.NAME.value),
            ("Do not name it", school_naming.Decision.NOT_NAME.value),
        ]
        self.add("decision", "&Decision", choice_combo(decisions))
        self.add("on", "Decided &on", DateEdit(today))
        grounds = CheckList(list(school_naming.GROUND_LABELS.items()))
        self.add("grounds", "s39(4) &grounds", grounds)
        self.add("reasons", "&Reasons", text_box(3))


_DECISION_INTRO = (
    "The school the family asked for must be named unless it is unsuitable for the child's "
    "age, ability, aptitude or SEN, or the child's attendance would be incompatible with the "
    "efficient education of others or the efficient use of resources (s39(3), (4)): not "
    "naming it needs the grounds and the reasons."
)


_DISAGREEMENT_INTRO = (
    "The appeal deadline is 2 months from the decision letter, or 1 month from the mediation "
    "certificate if later."
)


NOT_SAID = "(not said)"  # a disagreement recorded before the kind of decision was asked


def about_combo(blank: str) -> QComboBox:
    """Which decision a disagreement is about (SEN2 counts mediation and appeals by it)."""
    return choice_combo(code_choices(codes.disagreement_abouts(), blank=blank))


class DisagreementUpdateDialog(EditDialog):
    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Update the disagreement", submit, parent)
        self.add("about", "A&bout the decision", about_combo(NOT_SAID))
        self.add("mediation_ended", "&Mediation ended", optional_date(None, today))
        self.add("mediation_certificate", "Ce&rtificate issued", optional_date(None, today))
        self.add("appeal_lodged", "&Appeal lodged", optional_date(None, today))
        self.add("hearing_date", "&Hearing", optional_date(None, today))
        self.add("outcome", "&Outcome", text_box(3))


# --------------------------------------------------------------------------- moving council
def council_choices() -> list[tuple[str, object]]:
    """The current councils by name, each as "Camden (202)", with a blank first."""
    councils = sorted((la for la in codes.local_authorities() if la.current), key=lambda a: a.name)
    choices: list[tuple[str, object]] = [("(choose the council)", "")]
    return choices + [(f"{la.name} ({la.code:03d})", f"{la.code:03d}") for la in councils]


ASSESSMENT_CHOICES = (("(not decided yet)", ""), ("Yes", "yes"), ("No", "no"))


class TransferInDialog(FormDialog):
    """A plan transferred in from another council (Reg 15): its first review follows the
    transfer, and the family is told within 6 weeks."""

    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Plan transferred in", submit, parent, intro=_TRANSFER_IN_INTRO)
        self.add("transferred_in", "&Transferred on", DateEdit(today))
        self.add("transferred_from", "&From council", choice_combo(council_choices()))
        self.add(
            "transfer_last_review",
            "Plan's last &review there (or made)",
            optional_date(None, today),
        )
        self.add("transfer_family_told", "Family &told on", optional_date(None, today))
        self.add(
            "proposes_assessment",
            "Council proposes an EHC needs &assessment",
            choice_combo(ASSESSMENT_CHOICES),
        )


_TRANSFER_IN_INTRO = (
    "The plan is treated as made by this council on the day the old council made it (Reg "
    "15(3)). Within 6 weeks of the transfer tell the family it has been transferred, whether "
    "the council proposes an EHC needs assessment and when it will review the plan (Reg "
    "15(4)): by the later of 12 months from its last review and 3 months from the transfer "
    "(Reg 15(5))."
)


class TransferOutDialog(FormDialog):
    """The child moving to another council's area: the plan goes to it (Reg 15(2))."""

    def __init__(self, today: date, submit: Submit, parent=None) -> None:
        super().__init__("Moving to another council", submit, parent, intro=_TRANSFER_OUT_INTRO)
        self.add("moved_out", "&Moves (or moved) on", DateEdit(today))
        self.add("moved_to", "&To council", choice_combo(council_choices()))
        self.add("move_aware", "This council &aware on", DateEdit(today))
        self.add("plan_sent", "Plan &sent on (blank: not yet)", optional_date(None, today))


_TRANSFER_OUT_INTRO = (
    "Send the plan to the new council on the day of the move or, where this council learnt of "
    "the move fewer than 15 working days before it, within 15 working days beginning with the "
    "day it learnt (Reg 15(2)). Once sent, close the case as transferred out."
)
