from datetime import date, datetime

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)
from sqlalchemy import func, select

from caseload_app.db.models import Caseworker, EhcpCase
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.casework import CaseworkService
from caseload_app.services.requests import NewRequest, PossibleDuplicate, RequestService
from caseload_app.services.settings import (
    CouncilDetails,
    LocalSettings,
    LocalSettingsStore,
    TeamSettingsService,
)
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs import settings_dialog
from caseload_app.ui.dialogs.new_request import DuplicateWarning, NewRequestDialog
from caseload_app.ui.dialogs.settings_dialog import (
    ChooseMeDialog,
    PlanChecksDialog,
    SettingsDialog,
)
from tests.helpers import TODAY

pytestmark = pytest.mark.gui

NOW = datetime(2026, 11, 24, 10, 30)


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch):
    """A message box left to run would wait for a click that never comes: fail instead."""

    def unexpected(box):
        raise AssertionError(f"unexpected message box: {box.text()}")

    monkeypatch.setattr(QMessageBox, "exec", unexpected)


@pytest.fixture
def caseworkers(db):
    with db.uow() as s:
        s.add_all([Caseworker(name="Asha Patel"), Caseworker(name="Ben Okafor")])
    return CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).caseworkers()


@pytest.fixture
def requests(db):
    return RequestService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


@pytest.fixture
def dialog(qtbot, requests, caseworkers):
    form = NewRequestDialog(requests, caseworkers, caseworkers[0].id, TODAY)
    # Closed at the end without the "discard what you typed?" question.
    qtbot.addWidget(form, before_close_func=QDialog.reject)
    form.show()
    return form


def case_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(EhcpCase))


def choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Key presses, as a person types; QTest only knows ASCII keys, so others go as text."""
    for ch in text:
        if ch == "\n":
            qtbot.keyClick(widget, Qt.Key.Key_Return)
            continue
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            QApplication.sendEvent(widget, event)


def type_into(qtbot, dialog: NewRequestDialog, **texts: str) -> None:
    for key, text in texts.items():
        widget = dialog.fields[key]
        widget.clear()
        type_text(qtbot, widget, text)


def fill_valid(qtbot, dialog: NewRequestDialog, **overrides: str) -> None:
    texts = dict(
        first_name="Zoë",
        last_name="Brontë",
        upn="L837201500012",
        nhs_number="401 023 2137",
        setting="Oakfield Primary",
        parent_carer_name="Ms Jo Brontë",
        postcode="bh1 1aa",
        phone="01202 123456",
        email="jo@example.org",
        language="Polish",
    )
    texts.update(overrides)
    type_into(qtbot, dialog, **texts)
    dialog.fields["date_of_birth"].set_date(date(2016, 5, 4))
    dialog.fields["request_received"].set_date(date(2026, 11, 18))


def test_new_request_typed_into_the_form_creates_the_case(qtbot, db, dialog, caseworkers):
    fill_valid(qtbot, dialog)
    type_text(qtbot, dialog.fields["address"], "1 High Street\nBournemouth")
    choose(dialog.fields["primary_need"], "ASD")
    choose(dialog.fields["request_source"], "school")
    choose(dialog.fields["caseworker_id"], caseworkers[1].id)
    choose(dialog.fields["preferred_channel"], "email")
    qtbot.keyClick(dialog.fields["interpreter_needed"], Qt.Key.Key_Space)

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    case = CaseworkService(db, "t", today=lambda: TODAY).get_case(dialog.created_case_id)
    child, family = case.child, case.family
    assert (child.first_name, child.last_name) == ("Zoë", "Brontë")
    assert child.date_of_birth == date(2016, 5, 4)
    assert (child.upn, child.nhs_number) == ("L837201500012", "4010232137")
    assert (child.setting, child.primary_need) == ("Oakfield Primary", "ASD")
    assert case.request_received == date(2026, 11, 18)
    assert (case.request_source, case.caseworker_id) == ("school", caseworkers[1].id)
    assert family.parent_carer_name == "Ms Jo Brontë"
    assert family.address == "1 High Street\nBournemouth"
    assert (family.postcode, family.phone) == ("BH1 1AA", "01202 123456")
    assert (family.email, family.preferred_channel) == ("jo@example.org", "email")
    assert (family.language, family.interpreter_needed) == ("Polish", True)


def test_caseworker_defaults_to_me_and_can_be_unallocated(qtbot, db, requests, caseworkers):
    form = NewRequestDialog(requests, caseworkers, caseworkers[1].id, TODAY)
    qtbot.addWidget(form)
    assert form.fields["caseworker_id"].currentText() == "Ben Okafor"
    assert form.fields["request_received"].value() == TODAY
    fill_valid(qtbot, form)
    choose(form.fields["caseworker_id"], None)
    assert form.fields["caseworker_id"].currentText() == "Unallocated"
    form.save()
    assert form.result() == QDialog.DialogCode.Accepted
    assert CaseworkService(db, "t").get_case(form.created_case_id).caseworker_id is None


def test_deadlines_panel_follows_the_received_date(dialog):
    received = dialog.fields["request_received"]
    received.set_date(date(2025, 3, 5))
    shown = {key: label.text() for key, label in dialog.deadline_labels.items()}
    assert shown == {
        "decision_to_assess_due": "Wed 16 Apr 2025",
        "draft_plan_target": "Wed 11 Jun 2025",
        "decision_not_to_issue_due": "Wed 25 Jun 2025",
        "final_plan_due": "Wed 23 Jul 2025",
    }
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert {"Reg 5(1)", "Reg 10(1)", "Reg 13(2)"} <= set(texts)
    received.set_date(date(2025, 3, 6))
    assert dialog.deadline_labels["final_plan_due"].text() == "Thu 24 Jul 2025"


def test_bad_upn_and_future_birth_date_are_shown_beside_their_fields(qtbot, db, dialog):
    fill_valid(qtbot, dialog, upn="H837201500012")
    dialog.fields["date_of_birth"].set_date(date(2030, 1, 1))

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert dialog.created_case_id is None
    assert case_count(db) == 0
    upn, dob = dialog.error_labels["upn"], dialog.error_labels["date_of_birth"]
    assert upn.isVisible()
    assert "check letter" in upn.text()
    assert dob.isVisible()
    assert dob.text() == "Date of birth cannot be in the future"
    assert upn.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.error_labels["postcode"].isVisible()
    assert dialog.fields["upn"].text() == "H837201500012"  # what was typed is kept
    assert dialog.fields["first_name"].text() == "Zoë"
    assert dialog.fields["upn"].accessibleDescription() == upn.text()

    type_into(qtbot, dialog, upn="L837201500012")
    assert not upn.isVisible()
    assert dob.isVisible()  # a fixed field's message goes at once
    assert dialog.fields["upn"].accessibleDescription() == ""
    dialog.fields["date_of_birth"].set_date(date(2016, 5, 4))
    assert not dob.isVisible()
    dialog.save()
    assert not upn.isVisible()
    assert not dob.isVisible()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert case_count(db) == 1


def test_form_with_every_message_showing_still_fits_the_screen(qtbot, dialog):
    message = "A message long enough to wrap onto a second line beside the field"
    dialog._show_errors({key: message for key in dialog.fields} | {"other": "Not a field"})
    screen = dialog.screen().availableGeometry()
    assert dialog.width() <= screen.width() - 30
    assert dialog.height() <= screen.height() - 60
    assert dialog.general_error.isVisible()
    assert dialog.general_error.text() == "Not a field"
    assert dialog.fields["first_name"].hasFocus()


def existing_case(requests) -> int:
    return requests.create(
        NewRequest(
            first_name="Zoe",
            last_name="Bronte",
            date_of_birth=date(2016, 5, 4),
            request_received=date(2026, 7, 1),
            upn="L837201500012",
            parent_carer_name="Ms Jo Brontë",
        )
    )


def answer_duplicates(monkeypatch, button: str, seen: list) -> None:
    def fake_exec(warning: DuplicateWarning) -> int:
        seen.append([warning.matches.item(i).text() for i in range(warning.matches.count())])
        getattr(warning, button).click()
        return warning.result()

    monkeypatch.setattr(DuplicateWarning, "exec", fake_exec)


def test_go_back_from_the_duplicate_warning_saves_nothing(qtbot, db, dialog, requests, monkeypatch):
    existing_case(requests)
    seen = []
    answer_duplicates(monkeypatch, "back_button", seen)
    fill_valid(qtbot, dialog, first_name="Alex", last_name="Smith")
    dialog.save()
    assert seen == [["Zoe Bronte — born Wed 4 May 2016 — same UPN (has an open case)"]]
    assert case_count(db) == 1
    assert dialog.isVisible()
    assert dialog.created_case_id is None


def test_create_anyway_saves_and_is_not_asked_again(qtbot, db, dialog, requests, monkeypatch):
    existing_case(requests)
    seen = []
    answer_duplicates(monkeypatch, "create_button", seen)
    # A twin: the same date of birth and a similar name, but no identifier of the other's.
    fill_valid(qtbot, dialog, first_name="Zoey", upn="", nhs_number="", email="nope")
    dialog.save()  # confirmed, then refused for the bad email
    assert len(seen) == 1
    assert case_count(db) == 1
    assert dialog.error_labels["email"].isVisible()
    type_into(qtbot, dialog, email="jo@example.org")
    dialog.save()
    assert len(seen) == 1  # the same possible duplicate is not asked about twice
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert case_count(db) == 2


def test_create_anyway_with_a_recorded_upn_is_refused_beside_the_upn(
    qtbot, db, dialog, requests, monkeypatch
):
    """One child per UPN: the database refuses a second, and the form says so."""
    existing_case(requests)
    answer_duplicates(monkeypatch, "create_button", [])
    fill_valid(qtbot, dialog, first_name="Alex", last_name="Smith")
    dialog.save()
    assert dialog.isVisible()
    assert case_count(db) == 1
    upn = dialog.error_labels["upn"]
    assert upn.isVisible()
    assert upn.text().startswith("A child with this UPN is already recorded")


def test_open_existing_case_leaves_without_saving_or_asking(
    qtbot, db, dialog, requests, monkeypatch
):
    first = existing_case(requests)
    answer_duplicates(monkeypatch, "open_button", [])
    monkeypatch.setattr(NewRequestDialog, "_confirm_discard", lambda self: pytest.fail("asked"))
    fill_valid(qtbot, dialog)
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not dialog.isVisible()
    assert dialog.open_existing_case_id == first
    assert case_count(db) == 1


def test_open_existing_case_is_only_offered_for_a_child_with_an_open_case(qtbot):
    warning = DuplicateWarning(
        [
            PossibleDuplicate(7, None, "Sam <b>Lee</b>", date(2015, 1, 2), "same NHS number"),
            PossibleDuplicate(8, 42, "Sam Lee", date(2015, 1, 2), "same date of birth"),
        ]
    )
    qtbot.addWidget(warning)
    assert warning.matches.item(0).text() == (
        "Sam <b>Lee</b> — born Fri 2 Jan 2015 — same NHS number (no open case)"
    )
    assert warning.matches.currentRow() == 1
    assert warning.open_button.isEnabled()
    assert warning.back_button.isDefault()
    assert not warning.create_button.isDefault()
    warning.matches.setCurrentRow(0)
    assert not warning.open_button.isEnabled()
    warning.matches.setCurrentRow(1)
    warning.open_button.click()
    assert (warning.choice, warning.case_id) == (DuplicateWarning.OPEN, 42)


def test_ctrl_return_saves(qtbot, db, dialog):
    fill_valid(qtbot, dialog)
    dialog.fields["address"].setFocus()
    qtbot.keyClick(dialog.fields["address"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert case_count(db) == 1


def test_escape_closes_an_untouched_form_at_once(qtbot, dialog, monkeypatch):
    monkeypatch.setattr(NewRequestDialog, "_confirm_discard", lambda self: pytest.fail("asked"))
    qtbot.keyClick(dialog.fields["first_name"], Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_escape_asks_before_discarding_typing(qtbot, db, dialog, monkeypatch):
    answers = [False, True]
    monkeypatch.setattr(NewRequestDialog, "_confirm_discard", lambda self: answers.pop(0))
    qtbot.keyClicks(dialog.fields["last_name"], "Smith")
    qtbot.keyClick(dialog.fields["last_name"], Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.fields["last_name"].text() == "Smith"
    qtbot.keyClick(dialog.fields["last_name"], Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert answers == []
    assert case_count(db) == 0


def controls(widget: QWidget) -> list[QWidget]:
    kinds = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QAbstractButton)
    return [
        w
        for w in widget.findChildren(QWidget)
        if isinstance(w, kinds) and not isinstance(w.parent(), QAbstractSpinBox)
    ]


def test_every_control_is_named_labelled_and_in_form_order(dialog):
    assert all(w.accessibleName() for w in controls(dialog))
    buddies = {label.buddy() for label in dialog.findChildren(QLabel) if label.buddy()}
    unlabelled = [k for k, w in dialog.fields.items() if w not in buddies]
    assert unlabelled == ["interpreter_needed"]  # a check box carries its own label
    assert "&" in dialog.fields["interpreter_needed"].text()
    order, widget = [], dialog.fields["first_name"]
    for _ in range(len(dialog.fields)):
        order.append(widget.objectName())
        widget = _next_focus(widget)
    assert order == list(dialog.fields)
    assert list(dialog.fields)[:3] == ["first_name", "last_name", "date_of_birth"]


def _next_focus(widget: QWidget) -> QWidget:
    nxt = widget.nextInFocusChain()
    while nxt.focusPolicy() == Qt.FocusPolicy.NoFocus or isinstance(nxt.parent(), QAbstractSpinBox):
        nxt = nxt.nextInFocusChain()
    return nxt


# --------------------------------------------------------------------------- settings


def test_settings_saves_who_i_am_to_the_file_and_council_to_the_database(
    qtbot, db, tmp_path, caseworkers
):
    store = LocalSettingsStore(tmp_path / "config" / "settings.json")
    team = TeamSettingsService(db)
    form = SettingsDialog(store, LocalSettings(), team, caseworkers)
    qtbot.addWidget(form)
    assert form.me.currentText() == "Not set"
    choose(form.me, caseworkers[1].id)
    qtbot.keyClicks(form.council_name, "Bournemouth, Christchurch and Poole Council")
    type_text(qtbot, form.council_address, "Civic Centre\nBournemouth BH2 6DY")
    assert form.idle.value() == 15  # the idle lock's default
    form.idle.setValue(0)  # never
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    assert form.result() == QDialog.DialogCode.Accepted
    assert store.load().idle_lock_minutes == 0
    assert (form.settings.me_caseworker_id, form.settings.me_name) == (
        caseworkers[1].id,
        "Ben Okafor",
    )
    saved = store.load()
    assert (saved.me_caseworker_id, saved.me_name) == (caseworkers[1].id, "Ben Okafor")
    assert team.council() == CouncilDetails(
        "Bournemouth, Christchurch and Poole Council", "Civic Centre\nBournemouth BH2 6DY"
    )

    again = SettingsDialog(store, saved, team, caseworkers)
    qtbot.addWidget(again)
    assert again.me.currentText() == "Ben Okafor"
    assert again.max_mb.value() == 100  # the case file's largest document, by default
    again.max_mb.setValue(250)
    qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert team.document_max_mb() == 250
    assert again.council_name.text() == "Bournemouth, Christchurch and Poole Council"
    assert all(w.accessibleName() for w in controls(again))


def test_settings_shows_and_changes_the_council_s_la_number(qtbot, db, tmp_path, monkeypatch):
    store = LocalSettingsStore(tmp_path / "settings.json")
    team = TeamSettingsService(db)
    team.set_council(CouncilDetails("BCP Council", "Civic Centre", la_number=839))
    shown: list[str] = []
    monkeypatch.setattr(
        settings_dialog, "show_user_error", lambda parent, title, exc: shown.append(str(exc))
    )
    form = SettingsDialog(store, LocalSettings(), team, [])
    qtbot.addWidget(form)
    assert form.la_number.text() == "839"
    assert form.la_number.accessibleName() == "The council's DfE LA number"
    form.la_number.clear()
    qtbot.keyClicks(form.la_number, "999")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert shown == ["The council's LA number: 999 is not an LA number on the DfE list."]
    assert form.result() != QDialog.DialogCode.Accepted
    assert team.council().la_number == 839
    form.la_number.clear()
    qtbot.keyClicks(form.la_number, "838")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.result() == QDialog.DialogCode.Accepted
    assert team.council() == CouncilDetails("BCP Council", "Civic Centre", la_number=838)


def test_the_first_letter_s_council_dialog_takes_the_la_number_too(qtbot, db, monkeypatch):
    team = TeamSettingsService(db)
    shown: list[str] = []
    monkeypatch.setattr(
        settings_dialog, "show_user_error", lambda parent, title, exc: shown.append(str(exc))
    )
    dialog = settings_dialog.CouncilDetailsDialog(team)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.group.name, "BCP Council")
    type_text(qtbot, dialog.group.address, "Civic Centre")
    qtbot.keyClicks(dialog.group.la_number, "83")
    dialog.save()
    assert shown == ["The council's LA number: '83' is not a 3-digit LA number (for example 202)."]
    assert team.council() == CouncilDetails()
    qtbot.keyClicks(dialog.group.la_number, "9")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert team.council() == CouncilDetails("BCP Council", "Civic Centre", la_number=839)


def test_settings_keeps_an_inactive_me_and_can_clear_it(qtbot, db, tmp_path, caseworkers):
    store = LocalSettingsStore(tmp_path / "settings.json")
    team = TeamSettingsService(db)
    team.set_council(CouncilDetails("Council", "Address"))
    gone = LocalSettings(me_caseworker_id=999, me_name="Former Colleague")
    form = SettingsDialog(store, gone, team, caseworkers)
    qtbot.addWidget(form)
    assert form.me.currentText() == "Former Colleague (no longer active)"
    assert form.chosen_settings() == gone
    choose(form.me, None)
    form.save()
    assert store.load().me_caseworker_id is None
    assert store.load().me_name == ""
    assert team.council() == CouncilDetails("Council", "Address")


def test_settings_file_that_cannot_be_written_keeps_the_dialog_open(
    qtbot, db, tmp_path, caseworkers, monkeypatch
):
    (tmp_path / "blocked").write_text("a file where the settings folder should be")
    store = LocalSettingsStore(tmp_path / "blocked" / "settings.json")
    shown = []
    monkeypatch.setattr(
        settings_dialog, "show_user_error", lambda parent, title, exc: shown.append(str(exc))
    )
    form = SettingsDialog(store, LocalSettings(), TeamSettingsService(db), caseworkers)
    qtbot.addWidget(form)
    choose(form.me, caseworkers[0].id)
    form.save()
    assert form.result() != QDialog.DialogCode.Accepted
    assert form.settings == LocalSettings()
    assert len(shown) == 1
    assert "Could not write" in shown[0]


def test_choose_me_returns_the_chosen_caseworker(qtbot, caseworkers):
    form = ChooseMeDialog(caseworkers)
    qtbot.addWidget(form)
    assert form.me.currentIndex() == -1
    assert not form.ok_button.isEnabled()
    choose(form.me, caseworkers[1].id)
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    assert form.result() == QDialog.DialogCode.Accepted
    assert form.chosen == CaseworkerInfo(caseworkers[1].id, "Ben Okafor")
    texts = " ".join(label.text() for label in form.findChildren(QLabel))
    assert "My caseload shows the cases assigned to you" in texts


def test_choose_me_with_no_caseworkers_explains_and_continues_without(qtbot):
    form = ChooseMeDialog([])
    qtbot.addWidget(form)
    texts = " ".join(label.text() for label in form.findChildren(QLabel))
    assert "no caseworkers" in texts
    assert "later in Settings" in texts
    assert not form.findChildren(QComboBox)
    assert not form.findChildren(QCheckBox)
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    assert form.result() == QDialog.DialogCode.Accepted
    assert form.chosen is None


def test_the_start_date_is_named_for_a_council_that_became_responsible(dialog):
    """A case may start on the day the council became responsible for the child under CFA
    s24 (Regs 5(1)(b), 10(1), 13(2)), not on a request: the form says so."""
    label = dialog.row_labels["request_received"]
    assert label.text() == "Request &received"
    choose(dialog.fields["request_source"], "became_responsible")
    assert label.text() == "&Responsible from (s24)"
    assert label.buddy() is dialog.fields["request_received"]
    assert dialog.fields["request_received"].accessibleName() == "Council became responsible (s24)"
    assert "became responsible" in dialog.deadlines_group.title()
    choose(dialog.fields["request_source"], "parent")
    assert label.text() == "Request &received"
    assert dialog.deadlines_group.title() == "Statutory deadlines from the request date"


# --------------------------------------------------------------------------- plan checks


def shown_rule(dialog: PlanChecksDialog, key: str) -> list[str]:
    model = dialog.table.rows_model
    row = model.find(lambda r: r.key == key)
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_a_plan_check_is_switched_off_with_a_reason_and_back_on(
    qtbot, db, qtmodeltester, monkeypatch
):
    shown: list[str] = []
    monkeypatch.setattr(ui_errors, "show_user_error", lambda _p, _t, exc: shown.append(str(exc)))
    team = TeamSettingsService(db)
    dialog = PlanChecksDialog(team)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.table.rows_model, force_py=True)  # and watches every reload
    named = [w for w in controls(dialog) if not dialog.table.isAncestorOf(w)]  # not Qt's corner
    assert len(named) == 4 and all(w.accessibleName() for w in named)
    assert not dialog.off_button.isEnabled() and not dialog.on_button.isEnabled()
    dialog.table.select_where(lambda r: r.key == "vague_up_to")
    assert dialog.off_button.isEnabled() and not dialog.on_button.isEnabled()
    assert dialog.explanation.text().startswith('"up to" (vague_up_to; CoP 9.69): "Up to" sets')
    assert shown_rule(dialog, "vague_up_to") == ['"up to"', "F G H1 H2", "CoP 9.69", "On", ""]
    qtbot.mouseClick(dialog.off_button, Qt.MouseButton.LeftButton)  # no reason yet
    assert shown == [
        "Say why the check is switched off: the reason is kept with the setting and in the "
        "audit trail."
    ]
    assert team.plan_rules_off() == {}
    qtbot.keyClicks(dialog.reason, "Transport is 'up to' by policy")
    qtbot.mouseClick(dialog.off_button, Qt.MouseButton.LeftButton)
    assert team.plan_rules_off() == {"vague_up_to": "Transport is 'up to' by policy"}
    assert shown_rule(dialog, "vague_up_to")[3:] == ["Off", "Transport is 'up to' by policy"]
    assert dialog.reason.text() == ""
    assert dialog.table.selected().key == "vague_up_to"  # still chosen, now to switch on
    assert dialog.on_button.isEnabled() and not dialog.off_button.isEnabled()
    qtbot.mouseClick(dialog.on_button, Qt.MouseButton.LeftButton)
    assert team.plan_rules_off() == {}
    assert shown_rule(dialog, "vague_up_to")[3:] == ["On", ""]
    assert len(shown) == 1


def test_only_an_administrator_switches_a_plan_check(qtbot, db, monkeypatch):
    from tests.helpers import add_person

    shown: list[str] = []
    monkeypatch.setattr(ui_errors, "show_user_error", lambda _p, _t, exc: shown.append(str(exc)))
    add_person(db, "asha", "Asha Patel", "administrator")
    dialog = PlanChecksDialog(TeamSettingsService(db, "Ben Okafor"))
    qtbot.addWidget(dialog)
    dialog.table.select_where(lambda r: r.key == "vague_may")
    qtbot.keyClicks(dialog.reason, "I do not like it")
    qtbot.mouseClick(dialog.off_button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and shown[0].startswith("You cannot change team settings")
    assert TeamSettingsService(db).plan_rules_off() == {}
    assert dialog.reason.text() == "I do not like it"  # kept to try again


def test_settings_says_how_many_plan_checks_are_off_and_opens_them(
    qtbot, db, tmp_path, caseworkers, monkeypatch
):
    team = TeamSettingsService(db)
    store = LocalSettingsStore(tmp_path / "settings.json")
    form = SettingsDialog(store, LocalSettings(), team, caseworkers)
    qtbot.addWidget(form)
    total = len(team.plan_rules())
    assert form.checks_count.text() == f"All {total} checks on the Plan tab are on."

    def switch_one(dialog: PlanChecksDialog) -> int:
        dialog.table.select_where(lambda r: r.key == "vague_may")
        dialog.reason.setText("Panel agreed")
        dialog.off_button.click()
        return 0

    monkeypatch.setattr(PlanChecksDialog, "exec", switch_one)
    qtbot.mouseClick(form.checks_button, Qt.MouseButton.LeftButton)
    assert form.checks_count.text() == (
        f"1 of the {total} checks on the Plan tab switched off by the council."
    )
    assert team.plan_rules_off() == {"vague_may": "Panel agreed"}
