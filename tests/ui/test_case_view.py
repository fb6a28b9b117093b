"""The case window, driven through its buttons and dialogs against a real SQLite file."""

from dataclasses import replace
from datetime import date, datetime

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCalendarWidget,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from caseload_app.db.models import Caseworker
from caseload_app.ui.case import EXCEPTION_BANNER, CaseView
from caseload_app.ui.dialogs.case_dialogs import (
    ActionDialog,
    ContactDialog,
    FormDialog,
    LogContactDialog,
    ReviewDialog,
    TaskDialog,
    optional_date,
)
from caseload_app.ui.models.case_models import (
    COMMUNICATION_COLUMNS,
    REVIEW_STEP_COLUMNS,
    RagRole,
    RowsModel,
    advice_columns,
    consultation_columns,
    deadline_columns,
    order_columns,
    post16_columns,
    reassessment_columns,
    review_steps,
)
from caseload_app.ui.models.rows import RAG_COLOUR
from tests.helpers import TODAY, new_case, services

pytestmark = pytest.mark.gui


# --------------------------------------------------------------------------- set-up


def add_caseworkers(db, *names):
    with db.uow() as s:
        for name in names:
            s.add(Caseworker(name=name))
    return {w.name: w.id for w in services(db)[1].caseworkers()}


@pytest.fixture
def case(db, messages):
    return new_case(db)


def open_view(qtbot, work, case_id) -> CaseView:
    view = CaseView(work, case_id, work.caseworkers())
    qtbot.addWidget(view)
    view.resize(1366, 740)
    view.show()
    return view


def fill(view: CaseView, **values) -> FormDialog:
    """Fill the dialog the last click opened and press Save."""
    dialog = view.dialog
    assert dialog is not None, "no dialog open"
    dialog.set_values(**values)
    dialog.accept()
    return dialog


def record(view: CaseView, key: str, **values) -> FormDialog:
    view.show_tab("timeline")
    view.timeline.action_buttons[key].click()
    assert isinstance(view.dialog, ActionDialog)
    assert view.dialog.key == key
    return fill(view, **values)


def full_case(db):
    """A case with a plan, a review, advice, contacts, a sibling, a disagreement and a
    placement."""
    ids = add_caseworkers(db, "Asha Patel", "Ben Okafor")
    case_id, work = new_case(db, request_received=date(2025, 1, 6), caseworker_id=ids["Asha Patel"])
    family_id = work.get_case(case_id).family.id
    sibling = dict(first_name="Emily", upn="", nhs_number="", date_of_birth=date(2018, 2, 2))
    new_case(db, **sibling, request_received=date(2026, 10, 1), family_id=family_id)
    for key, on in (("assess_agreed", date(2025, 2, 1)), ("issue", date(2025, 4, 1))):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    work.request_advice(case_id, "ep", date(2025, 2, 3))
    work.record_exception(case_id, "school_closed", ["final_plan"], date(2025, 2, 10), None, None)
    for key, on in (("draft_served", date(2025, 4, 7)), ("final_issued", date(2025, 5, 1))):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    work.schedule_review(case_id, date(2026, 4, 20))
    work.save_contact(family_id, None, None, {"name": "Gran", "relation": "Grandparent"})
    work.log_communication(case_id, datetime(2026, 11, 20, 9), "phone", "in", "Gran", "Hello")
    work.record_tribunal_order(case_id, date(2026, 9, 7), "maintain_amend")
    school, _ = work.consult_schools(
        case_id, ["Harbourside Primary", "Lakeside Academy"], "family", date(2026, 11, 2)
    )
    version = work.get_case(case_id).consultations[0].version
    work.record_school_response(school, version, "agrees", date(2026, 11, 16), "Can meet needs")
    work.record_naming_decision(school, version + 1, "name", date(2026, 11, 23))
    work.add_task(case_id, "Ring school", date(2026, 11, 26), ids["Ben Okafor"])
    work.add_disagreement(case_id, "Refusal to name a school", date(2026, 11, 2), "plan_content")
    asked = work.record_reassessment_request(case_id, date(2026, 11, 2), "parent", date(2025, 4, 1))
    work.record_reassessment_decision(asked, 1, "refused", date(2026, 11, 10), "Needs unchanged")
    nursery = {"kind": "setting", "setting_name": "Little Acorns Nursery"}
    ended = dict(starts=date(2019, 9, 2), ends=date(2021, 7, 16))  # the case list's setting stays
    work.placements().add(work.get_case(case_id).child.id, {**nursery, **ended})
    return case_id, work


# --------------------------------------------------------------------------- the journey
def test_statutory_journey_through_the_buttons_and_dialogs(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    saves: list[int] = []
    view.changed.connect(saves.append)
    assert view.title() == "Zoë Brontë"
    assert set(view.timeline.action_buttons) == {"assess_agreed", "assess_refused", "withdrawn"}

    record(view, "assess_agreed", on=date(2026, 8, 5))
    assert view.detail.stage == "assessment"

    view.show_tab("advice")
    view.advice.request_button.click()
    fill(view, advice_type="ep", on=date(2026, 8, 6))
    advice = view.advice.table.rows_model
    assert advice.text(0, "Due") == "Thu 17 Sep 2026"
    assert advice.text(0, "Status").startswith("● Overdue")  # in words, not colour alone
    status = advice.index(0, advice.column_of("Status"))
    assert advice.data(status, Qt.ItemDataRole.BackgroundRole).color() == RAG_COLOUR["red"]

    view.advice.table.select_row(0)
    view.advice.chase_button.click()
    fill(view, on=date(2026, 9, 20), note="left voicemail")
    assert advice.text(0, "Chases") == "1"
    assert advice.text(0, "Last chased") == "Sun 20 Sep 2026"
    chase = view.communications.table.rows_model.row_at(0)
    assert "Chased educational psychology advice" in chase.summary
    assert "left voicemail" in chase.summary

    assert view.advice.table.selected().advice_type == "ep"  # selection kept over the reload
    view.advice.received_button.click()
    fill(view, received=date(2026, 9, 25))
    assert advice.text(0, "Status") == "✓ Received"
    assert not view.advice.chase_button.isEnabled()

    record(view, "issue", on=date(2026, 10, 1))
    record(view, "draft_served", on=date(2026, 10, 5))
    record(view, "final_issued", on=date(2026, 10, 20))
    assert view.detail.stage == "plan_issued"
    deadlines = view.timeline.deadlines.rows_model
    final = deadlines.find(lambda d: d.key == "final_plan")
    assert deadlines.text(final, "Done on") == "Tue 20 Oct 2026"
    assert deadlines.text(final, "Met") == "✓ Met"
    assert deadlines.text(final, "Due") == "Wed 18 Nov 2026"
    events = view.timeline.events.rows_model
    assert [events.row_at(n).action for n in range(events.rowCount())] == [
        "request_received",
        "assess_agreed",
        "advice_requested",
        "issue",
        "draft_served",
        "final_issued",
    ]
    assert events.text(5, "By") == "Asha Patel"
    assert set(view.timeline.action_buttons) == {"cease_proposed", "ceased"}
    assert saves == [case_id] * 7
    assert messages == []
    assert "Hold annual review" in view.header.step.text()


def test_an_action_that_needs_a_reason_says_so_in_the_dialog(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    dialog = record(view, "assess_refused", on=date(2026, 8, 3), reason="")
    assert messages == ["'Refuse to assess' needs a reason or note."]
    assert dialog.isVisible()
    fill(view, reason="Needs met at SEN support")
    assert view.detail.stage == "refused_to_assess"
    assert view.timeline.action_buttons == {}
    assert not view.timeline._no_actions.isHidden()
    assert view.header.rag.text().strip() == "Closed"


def test_a_request_is_withdrawn_from_the_timeline_and_taken_back(
    qtbot, case, messages, monkeypatch
):
    from PySide6.QtWidgets import QInputDialog

    case_id, work = case
    view = open_view(qtbot, work, case_id)
    record(view, "assess_agreed", on=date(2026, 8, 5))
    assert view.timeline.action_buttons["withdrawn"].text().replace("&", "") == (
        "Withdraw the request…"
    )
    dialog = record(view, "withdrawn", on=date(2026, 8, 1), reason="Family withdrew it")
    (refusal,) = messages
    assert "is before the decision whether to assess" in refusal
    assert dialog.isVisible()
    messages.clear()
    fill(view, on=date(2026, 9, 1), reason="Family moved out of the area")
    assert messages == []
    assert view.detail.stage == "withdrawn"
    assert view.timeline.action_buttons == {}
    assert view.header.rag.text().strip() == "Closed"
    events = view.timeline.events.rows_model
    last = events.row_at(events.rowCount() - 1)
    assert (last.action, last.note) == ("withdrawn", "Family moved out of the area")
    view.timeline.events.select_where(lambda e: e.action == "withdrawn")
    assert view.timeline.withdraw_step_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("wrong child", True))
    view.timeline.withdraw_step_button.click()
    assert messages == []
    assert view.detail.stage == "assessment"
    assert "issue" in view.timeline.action_buttons


def test_an_impossible_order_shows_the_reason_and_saves_nothing(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    record(view, "assess_agreed", on=date(2026, 8, 5))
    version = work.get_case(case_id).version
    saves: list[int] = []
    view.changed.connect(saves.append)

    dialog = record(view, "issue", on=date(2026, 8, 4))
    assert len(messages) == 1
    assert "before the decision to assess" in messages[0]
    assert view.dialog is dialog
    assert dialog.isVisible()  # still open, date still there
    assert dialog.values()["on"] == date(2026, 8, 4)
    fill(view, on=date(2026, 11, 25))
    assert "in the future" in messages[1]
    dialog.reject()
    assert work.get_case(case_id).version == version
    assert saves == []
    assert view.detail.stage == "assessment"


# --------------------------------------------------------------------------- communications
def test_the_with_the_family_tick_follows_whom_until_set_and_is_saved(qtbot, db, case):
    from caseload_app.services.keep_in_touch import KeepInTouchService

    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.log_contact()
    dialog = view.dialog
    assert dialog.values()["with_family"] is True  # the parent, first in the list
    whom = dialog.form.fields["with_whom"]
    whom.setEditText("Harbourside Primary SENCo")
    assert dialog.values()["with_family"] is False  # a school: no update for the family
    whom.setEditText("Mum")
    assert dialog.values()["with_family"] is True
    dialog.form.fields["with_family"].click()  # set by hand: it stays as set
    whom.setEditText("Dad")
    assert dialog.values()["with_family"] is False
    whom.setEditText("School SENCo")
    fill(view, occurred_at=datetime(2026, 11, 23, 9), direction="out", summary="Asked for views")
    (logged,) = view.detail.communications
    assert (logged.with_whom, logged.with_family) == ("School SENCo", False)
    keep = KeepInTouchService(db, "Asha Patel", today=lambda: date(2026, 11, 24))
    assert [d.case_id for d in keep.due(days=0)] == [case_id]  # still owed an update


def test_log_a_call_with_errors_shown_in_the_dialog(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.log_contact()
    dialog = view.dialog
    assert isinstance(dialog, LogContactDialog)
    assert dialog.values()["with_whom"] == "Ms Jo Brontë"  # the parent, first in the list
    dialog.set_values(occurred_at=datetime(2026, 11, 25, 9, 0), channel="phone", direction="in")
    dialog.accept()
    assert dialog.form.error("summary") == "Write a short summary of the contact"
    assert dialog.form.error("occurred_at") == "A contact cannot be in the future"
    assert dialog.form.error("channel") == ""
    assert view.dialog is dialog
    assert dialog.isVisible()
    assert messages == []

    fill(view, occurred_at=datetime(2026, 11, 23, 9, 15), summary="Asked about the EP visit")
    assert view.dialog is None
    comms = view.communications.table.rows_model
    assert comms.rowCount() == 1
    assert comms.text(0, "When") == "Mon 23 Nov 2026 09:15"
    assert (comms.text(0, "Channel"), comms.text(0, "In/out")) == ("Phone", "In")
    assert comms.text(0, "Logged by") == "Asha Patel"

    view.communications.table.select_row(0)
    assert "Asked about the EP visit" in view.communications.summary.toPlainText()
    channel_filter = view.communications.filter
    channel_filter.setCurrentIndex(channel_filter.findData("email"))
    assert comms.rowCount() == 0
    assert view.communications.count.text() == "0 of 1 shown"
    channel_filter.setCurrentIndex(0)
    assert comms.rowCount() == 1


# --------------------------------------------------------------------------- tasks
def test_add_complete_and_reopen_a_task(qtbot, db, messages):
    ids = add_caseworkers(db, "Asha Patel", "Ben Okafor")
    case_id, work = new_case(db, caseworker_id=ids["Asha Patel"])
    view = open_view(qtbot, work, case_id)
    view.show_tab("tasks")
    view.tasks.add_button.click()
    dialog = view.dialog
    assert isinstance(dialog, TaskDialog)
    assert dialog.values()["owner_id"] == ids["Asha Patel"]
    fill(view, title="")
    assert dialog.form.error("title") == "Say what needs doing"
    fill(view, title="Book EP visit", due=date(2026, 11, 20), owner_id=ids["Ben Okafor"])
    tasks = view.tasks.table.rows_model
    assert (tasks.text(0, "Task"), tasks.text(0, "Owner")) == ("Book EP visit", "Ben Okafor")
    assert tasks.text(0, "Status") == "● Overdue"
    assert not view.tasks.done_button.isEnabled()

    view.tasks.table.select_row(0)
    view.tasks.done_button.click()
    assert tasks.text(0, "Done on") == "Tue 24 Nov 2026"
    assert tasks.text(0, "Status") == "✓ Done"
    assert view.tasks.reopen_button.isEnabled()
    assert not view.tasks.done_button.isEnabled()
    view.tasks.reopen_button.click()
    assert tasks.text(0, "Done on") == ""
    assert work.get_case(case_id).tasks[0].done_on is None
    assert messages == []


# --------------------------------------------------------------------------- exceptions
def test_an_exception_greys_the_deadline_and_keeps_its_date(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    deadlines = view.timeline.deadlines.rows_model
    assert view.timeline.banner.isHidden()
    assert deadlines.text(0, "Due") == "Wed 12 Aug 2026"
    assert deadlines.data(deadlines.index(0, deadlines.column_of("RAG")), RagRole) == "red"

    view.timeline.exception_button.click()
    fill(
        view,
        ground="absent_from_area",
        limits=("decide_assess",),
        period_start=date(2026, 7, 10),
        period_end=date(2026, 8, 20),
        family_told=date(2026, 7, 12),
        note="Family abroad for a month",
    )
    assert not view.timeline.banner.isHidden()
    banner = view.timeline.banner.text()
    assert banner == f"{EXCEPTION_BANNER}. Covered: 6-week decision whether to assess"
    assert deadlines.text(0, "Due") == "Wed 12 Aug 2026"  # the date never moves
    rag = deadlines.index(0, deadlines.column_of("RAG"))
    assert deadlines.data(rag) == "‖ Exception applies"
    assert deadlines.data(rag, Qt.ItemDataRole.BackgroundRole).color() == RAG_COLOUR["grey"]
    assert deadlines.text(0, "Met") == "✗ Missed (exception applies)"
    exceptions = view.timeline.exceptions.rows_model
    assert exceptions.text(0, "Recorded by") == "Asha Patel"
    assert exceptions.text(0, "Family told") == "Sun 12 Jul 2026"
    assert exceptions.text(0, "Period") == "Fri 10 Jul 2026 to Thu 20 Aug 2026"
    assert exceptions.text(0, "Time limits") == ("the 6-week decision whether to assess (Reg 5(4))")
    assert "Exception applies" in view.header.rag.text()
    assert messages == []


def test_the_ground_decides_which_time_limits_can_be_ticked(qtbot, case, messages):
    """Reg 13(3): a missed appointment never excuses the 20-week limit; Reg 5(4) has no
    missed-appointment ground either. Ticks the law does not allow are greyed with why."""
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.timeline.exception_button.click()
    dialog = view.dialog
    limits = dialog.form.fields["limits"]
    dialog.set_values(ground="absent_from_area", limits=("decide_assess", "final_plan"))
    assert limits.value() == ("decide_assess", "final_plan")
    dialog.set_values(ground="missed_appointment")
    assert limits.value() == ()  # the ticks it cannot keep are taken off
    enabled = [k for k, box in limits.boxes.items() if box.isEnabled()]
    assert enabled == ["advice", "decide_issue"]
    tip = limits.boxes["final_plan"].toolTip()
    assert tip == (
        "Missed an appointment for an examination or test is not a ground for "
        "the 20-week final plan (Reg 13(3))."
    )
    dialog.accept()  # nothing ticked: the service says what is missing
    assert messages == ["Choose the time limit(s) the exception covers."]
    assert work.get_case(case_id).exceptions == ()
    dialog.set_values(limits=("decide_issue",))
    dialog.accept()
    assert work.get_case(case_id).exception_limits == {"decide_issue"}
    # The 6-week decision keeps its colour: only the 16-week limit is excepted.
    deadlines = view.timeline.deadlines.rows_model
    assert deadlines.data(deadlines.index(0, deadlines.column_of("RAG")), RagRole) == "red"


def test_exception_dates_are_checked_by_the_service(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.timeline.exception_button.click()
    dialog = fill(
        view, limits=("decide_assess",), period_start=date(2026, 8, 1), period_end=date(2026, 7, 1)
    )
    assert messages == ["The exception period ends before it starts."]
    assert dialog.isVisible()
    assert work.get_case(case_id).exceptions == ()


def test_an_exception_is_ended_then_withdrawn_from_the_timeline(qtbot, case, messages, monkeypatch):
    """'Fri 20 Nov 2026 (no end date yet)' for ever, no more: end it, or withdraw it."""
    case_id, work = case
    work.record_exception(
        case_id, "absent_from_area", ["decide_assess"], date(2026, 7, 10), None, None
    )
    view = open_view(qtbot, work, case_id)
    view.show_tab("timeline")
    exceptions = view.timeline.exceptions.rows_model
    assert exceptions.text(0, "Period") == "Fri 10 Jul 2026 (no end date yet)"
    assert not view.timeline.edit_exception_button.isEnabled()
    view.timeline.exceptions.select_row(0)
    view.timeline.edit_exception_button.click()
    dialog = fill(view, period_end=date(2026, 8, 20))
    assert not dialog.isVisible()
    assert messages == []
    assert exceptions.text(0, "Period") == "Fri 10 Jul 2026 to Thu 20 Aug 2026"
    view.show_tab("history")
    changes = view.history.changes.rows_model
    ended = changes.find(lambda c: c.record_type == "case_exception" and c.action == "update")
    assert changes.text(ended, "Record") == "exception"  # words, not "case exception"
    assert "Thu 20 Aug 2026" in changes.text(ended, "Detail")  # not 2026-08-20
    assert "2026-08-20" not in changes.text(ended, "Detail")
    view.show_tab("timeline")
    view.timeline.exceptions.select_row(0)
    monkeypatch.setattr(view, "ask_reason", lambda *_a: "recorded on the wrong case")
    view.timeline.withdraw_exception_button.click()
    assert exceptions.rowCount() == 0
    assert view.timeline.banner.isHidden()
    assert messages == []


def test_a_step_date_is_corrected_and_the_latest_step_withdrawn(qtbot, case, messages, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    case_id, work = case
    for key, on in (("assess_agreed", date(2026, 8, 5)), ("issue", date(2026, 10, 1))):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    view = open_view(qtbot, work, case_id)
    view.show_tab("timeline")
    events = view.timeline.events.rows_model
    agreed = events.find(lambda e: e.action == "assess_agreed")
    view.timeline.events.select_row(agreed)
    assert view.timeline.correct_step_button.isEnabled()
    assert not view.timeline.withdraw_step_button.isEnabled()  # a later step follows it
    view.timeline.correct_step_button.click()
    fill(view, on=date(2026, 8, 12), reason="typed the 5th for the 12th")
    assert messages == []
    agreed = events.find(lambda e: e.action == "assess_agreed")
    assert events.text(agreed, "Date") == "Wed 12 Aug 2026"
    view.timeline.events.select_where(lambda e: e.action == "issue")
    assert view.timeline.withdraw_step_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("wrong case", True))
    view.timeline.withdraw_step_button.click()
    assert "issue" not in [events.row_at(n).action for n in range(events.rowCount())]
    assert set(view.timeline.action_buttons) == {"issue", "not_issue", "withdrawn"}
    assert messages == []


def test_a_tribunal_order_is_recorded_and_its_steps_done_in_the_disagreements_tab(
    qtbot, case, messages
):
    """Reg 44(2)(c): ordered Mon 7 Sep 2026 to make a plan: draft by Mon 12 Oct, final by
    Mon 23 Nov; on Tue 24 Nov both are missed until recorded."""
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.show_tab("disagreements")
    tab = view.disagreements
    assert not tab.step_button.isEnabled()
    tab.order_button.click()
    fill(view, kind="make_plan", order_date=date(2026, 9, 7), unopposed=False, note="")
    assert messages == []
    orders = tab.orders.rows_model
    assert orders.rowCount() == 2
    assert orders.text(0, "Order") == "Mon 7 Sep 2026 · Make and maintain a plan"
    assert (orders.text(0, "Step"), orders.text(0, "Due")) == (
        "Serve the draft plan", "Mon 12 Oct 2026",
    )  # fmt: skip
    assert orders.data(orders.index(0, orders.column_of("RAG")), RagRole) == "red"
    assert orders.text(1, "Regulation") == "Reg 44(2)(c)(ii)"
    tab.orders.select_row(0)
    tab.step_button.click()
    fill(view, on=date(2026, 10, 9))
    assert messages == []
    assert orders.text(0, "Done on") == "Fri 9 Oct 2026"
    assert orders.text(0, "Met") == "✓ Met"
    assert orders.data(orders.index(0, orders.column_of("RAG")), RagRole) == "none"


def test_a_re_assessment_is_asked_for_decided_and_finished_in_the_reviews_tab(
    qtbot, case, messages
):
    """s44(2): the parent asks Mon 9 Nov 2026, the last assessment Mon 5 Oct 2026 (the plan's
    date, prefilled): within six months (Reg 24), flagged. Decision due Tue 24 Nov (Reg 25(1),
    15 days): today, amber. Agreed and told Fri 20 Nov, saying why it is necessary: the plan
    is due Fri 26 Feb 2027 (Reg 27(2), 98 days); finalised Tue 24 Nov: met."""
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.show_tab("reviews")
    box = view.reviews.reassessment
    assert not box.request_button.isEnabled()  # no plan yet
    for key, on in (
        ("assess_agreed", date(2026, 8, 1)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 9, 7)),
        ("final_issued", date(2026, 10, 5)),
    ):
        work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on)
    view.reload()
    assert box.request_button.isEnabled() and not box.decision_button.isEnabled()
    box.request_button.click()
    assert view.dialog.values()["last_assessment"] == date(2026, 10, 5)
    fill(view, requested_by="parent", requested=date(2026, 11, 9), note="Letter from mum")
    assert messages == []
    rows = box.table.rows_model
    assert rows.rowCount() == 1
    assert (rows.text(0, "Re-assessment"), rows.text(0, "Due")) == (
        "Mon 9 Nov 2026 · Parent", "Tue 24 Nov 2026",
    )  # fmt: skip
    assert rows.data(rows.index(0, rows.column_of("RAG")), RagRole) == "amber"
    assert box.note.text().startswith("Within 6 months of the last assessment (Mon 5 Oct")
    assert not box.request_button.isEnabled()  # one at a time
    box.table.select_row(0)
    box.decision_button.click()
    dialog = fill(view, decision="agreed", decided=date(2026, 11, 20), reason="")
    assert "say why it is necessary" in dialog.form.error("reason")
    fill(view, reason="New diagnosis of autism")
    assert rows.rowCount() == 2
    assert (rows.text(1, "Step"), rows.text(1, "Due"), rows.text(1, "Regulation")) == (
        "Finalise the re-assessed plan", "Fri 26 Feb 2027", "Reg 27(2)",
    )  # fmt: skip
    assert rows.text(0, "Met") == "✓ Met"
    box.table.select_row(1)
    box.plan_button.click()
    fill(view, on=date(2026, 11, 24))
    assert rows.text(1, "Done on") == "Tue 24 Nov 2026"
    assert rows.data(rows.index(1, rows.column_of("RAG")), RagRole) == "none"
    assert box.request_button.isEnabled() and box.note.isHidden()
    assert messages == []


def test_schools_are_consulted_answered_and_decided_in_the_timeline_tab(qtbot, case, messages):
    """s39, CoP 9.83: two schools consulted Mon 16 Nov 2026, their responses due Tue 1 Dec
    (7 days left on Tue 24 Nov: amber). Oak objects; not naming it, the family's school,
    needs an s39(4) ground and reasons: refused inline without them, then saved."""
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.show_tab("timeline")
    tab = view.timeline
    assert not tab.response_button.isEnabled()
    tab.consult_button.click()
    fill(view, schools="Oak School\nElm School", requested_by="family", sent=date(2026, 11, 16))
    assert messages == []
    schools = tab.schools.rows_model
    assert schools.rowCount() == 2
    row = schools.find(lambda c: c.school == "Oak School")
    assert (schools.text(row, "Asked by"), schools.text(row, "Response due")) == (
        "Family (s39)", "Tue 1 Dec 2026",
    )  # fmt: skip
    assert schools.data(schools.index(row, schools.column_of("RAG")), RagRole) == "amber"
    assert schools.text(row, "Response") == "Awaited"
    tab.schools.select_row(row)
    tab.response_button.click()
    fill(view, response="objects", on=date(2026, 11, 23), note="Full in Year 3")
    assert messages == []
    row = schools.find(lambda c: c.school == "Oak School")
    assert schools.text(row, "Response") == "Objects Mon 23 Nov 2026"
    assert schools.data(schools.index(row, schools.column_of("RAG")), RagRole) == "none"
    tab.schools.select_row(row)
    tab.decision_button.click()
    dialog = fill(view, decision="not_name", on=date(2026, 11, 24), grounds=(), reasons="")
    assert dialog.isVisible() and "s39(4)" in dialog.form.error("grounds")
    dialog.set_values(grounds=("others",), reasons="A class of 32 with no support")
    dialog.accept()
    assert messages == []
    row = schools.find(lambda c: c.school == "Oak School")
    assert schools.text(row, "Decision") == "Not named Tue 24 Nov 2026"


def test_advice_is_requested_with_the_day_the_adviser_received_it(qtbot, case, messages):
    """Reg 8(1): sent Thu 6 Aug 2026, the adviser had it Mon 10 Aug: due Mon 21 Sep 2026.
    Left blank, the day received is the day sent (due Thu 17 Sep)."""
    case_id, work = case
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    view = open_view(qtbot, work, case_id)
    view.show_tab("advice")
    view.advice.request_button.click()
    fill(view, advice_type="ep", on=date(2026, 8, 6), received_by_adviser=date(2026, 8, 10))
    view.advice.request_button.click()
    fill(view, advice_type="health", on=date(2026, 8, 6))
    assert messages == []
    advice = view.advice.table.rows_model
    rows = {advice.text(r, "Type"): r for r in range(advice.rowCount())}
    ep, health = rows["Educational psychology"], rows["Health"]
    assert advice.text(ep, "Sent") == "Thu 6 Aug 2026"
    assert advice.text(ep, "Adviser received") == "Mon 10 Aug 2026"
    assert advice.text(ep, "Due") == "Mon 21 Sep 2026"
    assert advice.text(health, "Adviser received") == "Thu 6 Aug 2026"
    assert advice.text(health, "Due") == "Thu 17 Sep 2026"


def test_advice_a_contact_and_a_task_are_corrected_and_withdrawn_in_the_tabs(
    qtbot, case, messages, monkeypatch
):
    from datetime import datetime

    case_id, work = case
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    work.log_communication(case_id, datetime(2026, 11, 20, 9, 30), "phone", "in", "Mum", "EP?")
    work.add_task(case_id, "Ring school", None, None)
    view = open_view(qtbot, work, case_id)

    view.show_tab("advice")
    advice = view.advice.table.rows_model
    view.advice.table.select_row(0)
    view.advice.correct_button.click()
    fill(view, requested=date(2026, 8, 13))
    assert advice.text(0, "Due") == "Thu 24 Sep 2026"
    assert messages == []
    view.advice.table.select_row(0)
    monkeypatch.setattr(view, "ask_reason", lambda *_a: "asked for the wrong type")
    view.advice.withdraw_button.click()
    assert advice.rowCount() == 0

    view.show_tab("communications")
    view.communications.table.select_row(0)
    view.communications.edit_button.click()
    fill(view, channel="email", summary="Asked about the EP report")
    assert view.communications.table.rows_model.row_at(0).summary == "Asked about the EP report"

    view.show_tab("tasks")
    view.tasks.table.select_row(0)
    view.tasks.edit_button.click()
    fill(view, title="Ring the school", due=date(2026, 12, 1))
    task = view.tasks.table.rows_model.row_at(0)
    assert (task.title, task.due) == ("Ring the school", date(2026, 12, 1))
    assert messages == []


def test_a_review_booked_by_mistake_is_withdrawn(qtbot, db, messages, monkeypatch):
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    view.show_tab("reviews")
    view.reviews.table.select_row(0)
    assert view.reviews.withdraw_button.isEnabled()  # booked, not decided
    monkeypatch.setattr(view, "ask_reason", lambda *_a: "booked on the wrong case")
    view.reviews.withdraw_button.click()
    assert view.reviews.table.rows_model.rowCount() == 0
    assert messages == []


# --------------------------------------------------------------------------- overview
def test_a_bad_upn_is_shown_beside_the_field_and_the_typing_kept(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    form = view.overview.child_form
    upn, setting = form.form.fields["upn"], form.form.fields["setting"]
    assert not view.has_unsaved_changes()
    assert not form.save_button.isEnabled()
    upn.setText("H837201500012")
    setting.setText("Harbourside Primary")
    assert view.has_unsaved_changes()
    assert form.save_button.isEnabled()
    assert view.tabs.tabText(0) == "Overview *"

    form.save_button.click()
    error = form.form.error_labels["upn"]
    assert "should be L, not H" in form.form.error("upn")
    assert error.textFormat() == Qt.TextFormat.PlainText
    assert not error.isHidden()
    assert upn.text() == "H837201500012"
    assert setting.text() == "Harbourside Primary"
    assert view.has_unsaved_changes()
    assert messages == []
    assert work.get_case(case_id).child == view.detail.child  # nothing saved

    upn.setText("l837201500012")  # lower case: the service normalises it
    assert error.isHidden()  # the message was about the old value: it goes as it changes
    form.save_button.click()
    assert form.form.error("upn") == ""
    assert not view.has_unsaved_changes()
    assert view.detail.child.setting == "Harbourside Primary"
    assert upn.text() == "L837201500012"
    assert view.tabs.tabText(0) == "Overview"
    changes = view.history.changes.rows_model
    assert any("setting: — → Harbourside Primary" in c.detail for c in changes.rows())


def test_the_sen2_details_are_chosen_typed_and_checked_in_the_child_form(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    form = view.overview.child_form
    fields = form.form.fields
    assert fields["sex"].currentText() == "(not recorded)"
    assert fields["further_needs"].accessibleName() == "Further needs"
    assert "SLCN speech" in fields["further_needs"].toolTip()  # the codes, for typing
    form.form.set_values(
        {
            "sex": "F",
            "ethnicity": "BAFR",
            "uln": "9276308686",
            "primary_need": "ASD",
            "secondary_need": "SLCN",
            "further_needs": "semh ASD",
            "upn_unknown": "UN8",
        }
    )
    form.save_button.click()
    assert form.form.error("further_needs") == "ASD is already the primary need."
    assert "has a UPN" in form.form.error("upn_unknown")
    assert messages == []
    assert view.has_unsaved_changes()  # nothing saved, the typing kept
    fields["further_needs"].setText("semh mld")
    form.form.set_values({"upn_unknown": ""})
    form.save_button.click()
    assert messages == []
    assert not view.has_unsaved_changes()
    child = view.detail.child
    assert (child.sex, child.ethnicity, child.uln) == ("F", "BAFR", "9276308686")
    assert child.further_needs == ("SEMH", "MLD")
    assert fields["further_needs"].text() == "SEMH MLD"
    assert fields["ethnicity"].currentText() == "Black African"


def test_unsaved_typing_survives_a_reload_and_undo_restores(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    form = view.overview.family_form
    phone = form.form.fields["phone"]
    phone.setText("01202 999999")
    view.log_contact()
    fill(view, summary="Quick call")  # another save reloads the whole case
    assert phone.text() == "01202 999999"
    assert view.has_unsaved_changes()
    form.revert_button.click()
    assert phone.text() == "01202 123456"
    assert not view.has_unsaved_changes()


def test_family_edit_saves_and_normalises(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    form = view.overview.family_form
    form.form.set_values({"postcode": "bh23 1aa", "interpreter_needed": True, "language": "Welsh"})
    form.save_button.click()
    assert form.form.fields["postcode"].text() == "BH23 1AA"
    assert view.detail.family.interpreter_needed
    assert messages == []


def test_a_stale_save_names_who_changed_what_and_keeps_the_form(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    _, theirs = services(view.work._db, user="Ben Okafor")
    child = work.get_case(case_id).child
    theirs.update_child(child.id, child.version, {"setting": "Bay Secondary School"})

    form = view.overview.child_form
    setting = form.form.fields["setting"]
    setting.setText("Harbourside Primary")
    form.save_button.click()
    assert not form.conflict_box.isHidden()
    assert "Ben Okafor changed this child's details" in form.conflict.text()
    assert "setting: — → Bay Secondary School" in form.conflict.text()
    assert form.conflict.textFormat() == Qt.TextFormat.PlainText
    assert setting.text() == "Harbourside Primary"
    assert view.has_unsaved_changes()
    view.reload()
    assert setting.text() == "Harbourside Primary"  # a reload never eats typing

    form.reload_button.click()
    assert setting.text() == "Bay Secondary School"
    assert not view.has_unsaved_changes()
    assert form.conflict_box.isHidden()
    assert messages == []


def test_contacts_are_added_and_edited_in_a_dialog(qtbot, case, messages):
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    view.overview.add_contact_button.click()
    dialog = view.dialog
    assert isinstance(dialog, ContactDialog)
    fill(view, name="Gran Brontë", relation="Grandparent", email="not-an-email")
    assert dialog.form.error("email") != ""
    assert dialog.isVisible()
    fill(view, email="", phone="07700 900123", preferred_channel="phone", interpreter_needed=True)
    contacts = view.overview.contacts.rows_model
    assert contacts.text(0, "Interpreter") == "Needed"
    assert contacts.text(0, "Prefers") == "Phone"

    view.overview.contacts.select_row(0)
    view.overview.edit_contact_button.click()
    assert view.dialog.values()["name"] == "Gran Brontë"
    assert view.dialog.submitted_values() == {}
    fill(view, language="Welsh")
    assert contacts.text(0, "Language") == "Welsh"
    assert messages == []


def test_double_clicking_a_sibling_asks_to_open_their_case(qtbot, db, messages):
    case_id, work = new_case(db)
    family_id = work.get_case(case_id).family.id
    sibling = dict(first_name="Emily", upn="", nhs_number="", date_of_birth=date(2018, 2, 2))
    sibling_case, _ = new_case(db, **sibling, family_id=family_id)
    view = open_view(qtbot, work, case_id)
    siblings = view.overview.siblings
    assert [s.name for s in siblings.rows_model.rows()] == ["Emily Brontë"]
    assert siblings.rows_model.text(0, "Born") == "Fri 2 Feb 2018"
    view.show_tab("overview")
    rect = siblings.visualRect(siblings.rows_model.index(0, 0))
    with qtbot.waitSignal(view.open_case, timeout=1000) as opened:
        # As a real double-click: press and release, then the double-click event.
        qtbot.mouseClick(siblings.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(siblings.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [sibling_case]


# --------------------------------------------------------------------------- reviews etc.
def test_book_and_update_a_review_and_set_a_phase_transfer(qtbot, db, messages):
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    reviews = view.reviews
    reviews.book_button.click()
    fill(view, meeting=date(2027, 3, 1))
    assert reviews.table.rows_model.rowCount() == 2
    reviews.table.select_row(0)
    reviews.update_button.click()
    dialog = view.dialog
    assert isinstance(dialog, ReviewDialog)
    fill(view, decision_date=date(2026, 5, 10))
    assert dialog.form.error("outcome") == "Choose maintain, amend or cease"
    fill(view, outcome="amend", amendment_notice=date(2026, 5, 12))
    steps = reviews.steps.rows_model
    labels = [s.label for s in steps.rows()]
    assert labels[4] == "Decision: Amend the plan"
    final = steps.find(lambda s: s.label == "Final amended plan issued")
    assert steps.text(final, "Due by") == "Tue 7 Jul 2026"
    assert steps.text(final, "Status") == "● Overdue"

    box = reviews.phase
    box.year.setValue(2027)
    box.kind.setCurrentIndex(box.kind.findData("secondary-post16"))
    box.save_button.click()
    assert view.detail.phase_transfer_due == date(2027, 3, 30)
    assert box.due.text() == "Amended plan due by Tue 30 Mar 2027"
    box.year.setValue(box.year.minimum())  # "Not set"
    box.save_button.click()
    assert view.detail.phase_transfer_year is None
    assert messages == []


def test_recording_that_the_child_stays_in_their_own_sixth_form(qtbot, db, messages):
    """Reg 2(f): a Year 11 staying in their school's sixth form moves to no post-16
    institution (a school is not one, CFA s83), so no 31 March date is shown."""
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    box = view.reviews.phase
    index = box.kind.findData("none")
    assert box.kind.itemText(index) == "No phase transfer (stays in own school's sixth form)"
    assert box.year.value() == box.year.minimum()  # "Not set"
    box.kind.setCurrentIndex(index)
    assert box.year.value() == 2027  # no year yet: next September (today Tue 24 Nov 2026)
    box.save_button.click()
    assert (view.detail.phase_transfer_year, view.detail.phase_transfer_kind) == (2027, "none")
    assert view.detail.phase_transfer_due is None
    assert box.due.text() == "No phase transfer in September 2027: no Reg 18(1) date"
    # Changing one's mind: the post-16 move is back, with its last lawful day.
    box.kind.setCurrentIndex(box.kind.findData("secondary-post16"))
    box.save_button.click()
    assert box.due.text() == "Amended plan due by Tue 30 Mar 2027"
    assert messages == []


def young_person_case(db):
    """Born Mon 10 Mar 2008 (over compulsory school age since Sat 29 Jun 2024); final plan
    Thu 1 May 2025."""
    case_id, work = new_case(
        db,
        first_name="Sam",
        upn="",
        nhs_number="",
        date_of_birth=date(2008, 3, 10),
        request_received=date(2025, 1, 6),
    )
    for key, on in (
        ("assess_agreed", date(2025, 2, 1)),
        ("issue", date(2025, 4, 1)),
        ("draft_served", date(2025, 4, 7)),
        ("final_issued", date(2025, 5, 1)),
    ):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    return case_id, work


def test_a_post16_move_shows_its_amendment_due_with_rag_and_is_cleared(
    qtbot, qtmodeltester, db, messages, monkeypatch
):
    """Reg 18(2): a move on Fri 30 Apr 2027 needs the plan amended by Mon 30 Nov 2026, six
    days after today (amber); a move before the case began is refused beside its field."""
    from PySide6.QtWidgets import QMessageBox

    case_id, work = young_person_case(db)
    view = open_view(qtbot, work, case_id)
    view.show_tab("reviews")
    box = view.reviews.post16
    assert box.none.isVisible() and not box.table.isVisible()
    assert not box.clear_button.isEnabled()
    box.record_button.click()
    dialog = fill(view, move_date=date(2025, 1, 5), moving_to="Bay College")
    assert "before the case began (Mon 6 Jan 2025)" in dialog.form.error("move_date")
    fill(view, move_date=date(2027, 4, 30))
    model = box.table.rows_model
    qtmodeltester.check(model, force_py=True)
    assert (model.text(0, "Moving on"), model.text(0, "To"), model.text(0, "Due")) == (
        "Fri 30 Apr 2027", "Bay College", "Mon 30 Nov 2026",
    )  # fmt: skip
    assert model.text(0, "Regulation") == "Reg 18(2)"
    assert model.data(model.index(0, model.column_of("RAG")), RagRole) == "amber"
    assert box.table.isVisible() and box.clear_button.isEnabled()
    # The plan amended on Mon 23 Nov: done, in time, no colour left.
    box.record_button.click()
    fill(view, amended=date(2026, 11, 23))
    assert model.text(0, "Met") == "✓ Met"
    assert model.data(model.index(0, model.column_of("RAG")), RagRole) == "none"
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    box.clear_button.click()
    assert view.detail.post16_move is None
    assert box.none.isVisible() and not box.table.isVisible()
    assert messages == []


def test_the_planner_counts_post16_moves_apart_from_september_transfers(qtbot, db, messages):
    """A young person's move on Fri 30 Apr 2027 is listed in the planner with its Reg 18(2)
    date; a child of 10 (Y6 in Sep 2026, moving to secondary) is a phase transfer."""
    from caseload_app.services.phase_transfer import PhaseTransferService
    from caseload_app.ui.planner_view import PlannerView
    from tests.helpers import NOW

    young_person_moving(db)
    zoe, work = new_case(db)  # born 4 May 2016: Y6 now, secondary next September
    for key, on in (
        ("assess_agreed", date(2026, 8, 1)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 10, 1)),
        ("final_issued", date(2026, 11, 18)),
    ):
        work.record_action(zoe, work.get_case(zoe).version, key, on)
    service = PhaseTransferService(db, "Lead", today=lambda: TODAY, now=lambda: NOW)
    planner = PlannerView(service)
    qtbot.addWidget(planner)
    with qtbot.waitSignal(planner.loaded, timeout=20000):
        planner.refresh()
    assert planner.summary.text() == (
        "1 child moves phase next September and 1 young person moves between post-16 "
        "institutions; 0 overdue. Double-click to open the case."
    )
    dates = {
        planner.model.text(r, "Moves"): planner.model.text(r, "Amended plan by") for r in (0, 1)
    }
    assert dates == {
        "Post-16 move Fri 30 Apr 2027 to Bay College": "Mon 30 Nov 2026",
        "Primary → secondary": "Sun 14 Feb 2027",
    }


def test_disagreement_added_and_updated(qtbot, db, messages):
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    tab = view.disagreements
    tab.add_button.click()
    dialog = fill(view, decision="  ", decision_letter=date(2026, 11, 10))
    assert dialog.form.error("decision") == "Say which decision is disputed"
    assert dialog.form.error("about") == "Choose which decision the disagreement is about"
    fill(view, decision="Refusal to amend section F", about="plan_content")
    table = tab.table.rows_model
    assert table.rowCount() == 2
    row = table.find(lambda d: d.decision == "Refusal to amend section F")
    assert table.text(row, "About") == "Contents of the plan (sections B, F, I)"
    tab.table.select_row(row)
    tab.update_button.click()
    fill(view, mediation_ended=date(2026, 11, 16), mediation_certificate=date(2026, 11, 17))
    row = table.find(lambda d: d.decision == "Refusal to amend section F")
    assert table.text(row, "Certificate due") == "Thu 19 Nov 2026"  # 3 working days
    assert table.text(row, "Appeal deadline") != ""
    assert messages == []


def test_a_disagreement_recorded_before_it_was_asked_says_so_and_is_told(qtbot, db, messages):
    from caseload_app.db.models import Disagreement

    case_id, work = new_case(db)
    row_id = work.add_disagreement(case_id, "Refusal to assess", date(2026, 8, 4), "not_assess")
    with db.uow() as s:  # as one saved before the question was asked
        s.get(Disagreement, row_id).about = None
    view = open_view(qtbot, work, case_id)
    tab = view.disagreements
    table = tab.table.rows_model
    assert table.text(0, "About") == "(not said)"
    tab.table.select_row(0)
    tab.update_button.click()
    assert view.dialog.form.fields["about"].currentText() == "(not said)"
    fill(view, about="not_assess")
    assert messages == []
    assert table.text(0, "About") == "Decision not to assess"
    tab.table.select_row(0)
    tab.update_button.click()
    dialog = fill(view, about="")  # said once, it is corrected, not taken away
    assert dialog.form.error("about") == "Choose which decision the disagreement is about"
    dialog.reject()


# --------------------------------------------------------------------------- models and basics
def test_every_model_passes_the_qt_model_tester(qtbot, qtmodeltester, db, messages):
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    for name in view.TABS:  # each built as it is first used
        view.page(name)
    plan = set(view.plan.findChildren(RowsModel))  # the Plan tab's: tests/ui/test_plan_tab.py
    # The Documents tab's: tests/ui/test_documents_tab.py (a full case has no documents).
    documents = set(view.documents.findChildren(RowsModel))
    assert len(documents) == 1
    models = [m for m in view.findChildren(RowsModel) if m not in plan | documents]
    assert len(models) == 18  # every table of every other tab
    assert len(plan) == 12  # the checks, the items of A to H2 and K, the family's comments
    comms = view.communications
    # A child of 10 makes no post-16 move: that table is tested with its row below.
    for model in (m for m in models if m is not view.reviews.post16.table.rows_model):
        assert model.rowCount() > 0, model.columns[0].title
        qtmodeltester.check(model, force_py=True)
        for column in range(model.columnCount()):  # sorting, watched by the tester
            model.sort(column, Qt.SortOrder.DescendingOrder)
        if model is comms.table.rows_model:  # filtering too
            comms.filter.setCurrentIndex(comms.filter.findData("letter"))
            assert model.rowCount() == 0
            comms.filter.setCurrentIndex(comms.filter.findData("phone"))
            assert model.rowCount() == 1


def test_a_case_opens_with_only_its_shown_tab_built_and_the_rest_as_they_are_shown(
    qtbot, db, messages
):
    """Building all ten tabs took half of opening a case. A tab built after a save shows
    the case as it is then, and a hidden tab's unsaved plan is nothing to lose."""
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    assert view.current_tab() == "overview"
    assert list(view._built) == ["overview"]
    assert not view.has_unsaved_changes() and list(view._built) == ["overview"]
    count = view.detail.child.version
    work.update_child(view.detail.child.id, view.detail.child.version, {"setting": "New School"})
    view.saved()  # a save elsewhere in the case: only the built tab loads it now
    assert view.detail.child.version == count + 1 and list(view._built) == ["overview"]
    view.show_tab("plan")  # shown: built, and read because it is shown
    assert list(view._built) == ["overview", "plan"]
    assert view.plan.isVisible() and not view.plan.stale and view.plan.state is not None
    assert view.tabs.tabText(view.TABS.index("plan")) == "Plan"
    view.show_tab("history")  # built after the save: it shows it
    changes = view.history.changes.rows_model
    assert view.history.isVisible()
    cells = (changes.index(r, c) for r in range(changes.rowCount()) for c in range(6))
    assert any("New School" in str(changes.data(cell)) for cell in cells)
    assert view.page("reviews") is view.reviews  # built on first use, once


def test_a_tab_used_before_it_is_shown_reads_once_when_shown(qtbot, db, messages, monkeypatch):
    """Built while hidden (a menu command, Ctrl+L), a tab that reads its own data reads it
    only when it is shown, once, after any reload in between."""
    from caseload_app.ui.case.plan import PlanTab

    reads = []
    refresh = PlanTab.refresh
    monkeypatch.setattr(PlanTab, "refresh", lambda tab: reads.append(1) or refresh(tab))
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    plan = view.plan  # built, hidden
    assert not plan.isVisible() and plan.stale and reads == []
    view.saved()
    assert reads == []
    view.show_tab("plan")
    assert plan.isVisible() and not plan.stale and reads == [1]
    view.show_tab("overview")
    view.show_tab("plan")
    assert reads == [1]


def test_models_built_directly_pass_the_tester(qtmodeltester, db, messages):
    case_id, work = full_case(db)
    detail = work.get_case(case_id)
    for columns, rows in (
        (deadline_columns(TODAY, frozenset({"final_plan"})), detail.deadlines),
        (order_columns(TODAY), detail.tribunal_orders),
        (reassessment_columns(TODAY), detail.reassessments),
        (reassessment_columns(TODAY), []),
        (consultation_columns(TODAY), detail.consultations),
        (advice_columns(TODAY), detail.advice),
        (COMMUNICATION_COLUMNS, detail.communications),
        (REVIEW_STEP_COLUMNS, review_steps(detail.reviews[0], TODAY)),
        (REVIEW_STEP_COLUMNS, []),
        (post16_columns(TODAY), [young_person_moving(db)]),
        (post16_columns(TODAY), []),
    ):
        model = RowsModel(columns)
        model.set_rows(rows)
        qtmodeltester.check(model, force_py=True)


def young_person_moving(db):
    """A young person's move on Fri 30 Apr 2027 (plan due amended by Mon 30 Nov 2026)."""
    case_id, work = young_person_case(db)
    work.set_post16_move(case_id, work.get_case(case_id).version, date(2027, 4, 30), "Bay College")
    return work.get_case(case_id).post16_move


def test_the_header_names_a_s24_start_for_what_it_is(qtbot, db, messages):
    case_id, work = new_case(db, request_source="became_responsible")
    view = open_view(qtbot, work, case_id)
    assert "Council became responsible (s24) Wed 1 Jul 2026" in view.header.facts.text()
    assert "Request received" not in view.header.facts.text()
    assert view.detail.events[0].label == "Council became responsible (s24)"


def test_tabs_by_name_and_the_header(qtbot, db, messages):
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    for name in CaseView.TABS:
        view.show_tab(name)
        assert view.current_tab() == name and view.page(name).isVisible()
    with pytest.raises(ValueError, match="unknown case tab"):
        view.show_tab("letters")
    assert "Born Wed 4 May 2016" in view.header.facts.text()
    assert "Caseworker: Asha Patel" in view.header.facts.text()
    assert view.header.name.textFormat() == Qt.TextFormat.PlainText
    assignments = view.history.assignments.rows_model
    assert assignments.text(0, "To") == "Asha Patel"


def assert_unique_mnemonics(root: QWidget) -> None:
    """Within one dialog or tab, no two buttons or field labels share an Alt+letter (among
    those that can show together: the Plan tab shows one section's editor at a time)."""
    texts = [b.text() for b in root.findChildren(QAbstractButton) if b.isVisibleTo(root)]
    texts += [
        label.text()
        for label in root.findChildren(QLabel)
        if label.buddy() is not None and label.isVisibleTo(root)
    ]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(letters) == len(set(letters)), sorted(texts)


def _inside_qt_part(widget: QWidget) -> bool:
    while widget is not None:
        if widget.objectName().startswith("qt_") or isinstance(widget, QCalendarWidget):
            return True
        if type(widget).__name__ == "QToolButton" or isinstance(widget.parentWidget(), QTableView):
            return True
        widget = widget.parentWidget()
    return False


def _controls(root: QWidget) -> list[QWidget]:
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTableView, QLineEdit)
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, kinds):
            continue
        parent = widget.parentWidget()
        if isinstance(widget, QLineEdit) and isinstance(parent, QAbstractSpinBox | QComboBox):
            continue  # the editor inside a date field or combo: the outer control is named
        if _inside_qt_part(widget):
            continue  # Qt's own parts: tab bar arrows, a table's corner, a calendar popup
        found.append(widget)
    return found


def test_every_control_has_an_accessible_name_and_every_button_a_mnemonic(qtbot, db, messages):
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    openers = (
        view.overview.add_contact_button.click,
        view.timeline.exception_button.click,
        view.timeline.action_buttons["ceased"].click,
        view.timeline.action_buttons["cease_proposed"].click,
        view.timeline.consult_button.click,
        view.advice.request_button.click,
        view.tasks.add_button.click,
        view.reviews.book_button.click,
        view.reviews.update_button.click,
        view.reviews.reassessment.request_button.click,
        view.reviews.reassessment.decision_button.click,
        view.disagreements.add_button.click,
        view.disagreements.order_button.click,
        view.plan.editors["F"].add_button.click,
        view.plan.editors["A"].add_button.click,
        view.history.chronology_button.click,
        view.log_contact,
    )
    roots: list[QWidget] = [view]
    for opener in openers:
        opener()
        roots.append(view.dialog)
        assert_unique_mnemonics(view.dialog)
        view.dialog.reject()
    for name in CaseView.TABS:
        assert_unique_mnemonics(view.page(name))
    for root in roots:
        for control in _controls(root):
            assert control.accessibleName(), f"{type(control).__name__} in {root}"
            if isinstance(control, QPushButton):
                assert "&" in control.text(), control.text()


def test_a_blank_optional_date_opens_its_calendar_at_this_month(qtbot, messages):
    edit = optional_date(None, TODAY)
    qtbot.addWidget(edit)
    edit.resize(220, 30)
    edit.show()
    calendar = edit.calendarWidget()
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPoint(edit.width() - 8, 15))
    assert (calendar.yearShown(), calendar.monthShown()) == (2026, 11)
    assert edit.value() is None  # opening the calendar chooses nothing


def test_a_recorded_refusal_offers_its_decision_letter(qtbot, case, messages):
    """Refuse / not issue / cease were recorded with no word of the letter the family is due."""
    case_id, work = case
    view = open_view(qtbot, work, case_id)
    offered: list[tuple[int, str]] = []
    stage_when_offered: list[str] = []

    def offer(cid: int, letter: str) -> None:
        offered.append((cid, letter))
        stage_when_offered.append(view.detail.stage)  # the letter reads the reloaded case

    view.decision_recorded.connect(offer)
    record(view, "assess_refused", on=date(2026, 8, 5), reason="Needs met at SEN support")
    assert view.detail.stage == "refused_to_assess"
    assert offered == [(case_id, "decision_not_to_assess")]
    assert stage_when_offered == ["refused_to_assess"]  # offered after the reload, not before


def test_the_reviews_tab_flags_an_amendment_notice_after_the_4_week_decision(qtbot, db, messages):
    """Devon [2022] EWHC 493 (Admin), Reg 20(10) with Reg 22(2): the meeting of Mon 20 Apr
    2026 had its decision and amendment notice due by Mon 18 May 2026. On Tue 24 Nov 2026 an
    amend decision with no notice is overdue; a notice sent Tue 19 May 2026 is late, in red."""
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    offered: list[tuple[int, str]] = []
    view.decision_recorded.connect(lambda cid, letter: offered.append((cid, letter)))
    reviews, steps = view.reviews, view.reviews.steps.rows_model
    view.show_tab("reviews")
    reviews.table.select_row(0)

    def notice_step() -> tuple[str, str, str | None]:
        row = steps.find(lambda s: s.label == "Amendment notice served")
        status = steps.index(row, steps.column_of("Status"))
        return steps.text(row, "Due by"), steps.text(row, "Status"), steps.data(status, RagRole)

    reviews.update_button.click()
    fill(view, decision_date=date(2026, 5, 10), outcome="amend")
    assert offered == [(case_id, "amendment_notice")]  # the outcome's letter, at once
    assert notice_step() == (
        "Mon 18 May 2026",
        "● Overdue — none by the 4-week date, Mon 18 May 2026 (Devon)",
        "red",
    )
    table = reviews.table.rows_model
    assert table.text(0, "Amendment notice") == "Not sent (late)"

    reviews.update_button.click()
    fill(view, amendment_notice=date(2026, 5, 19))
    assert offered == [(case_id, "amendment_notice")]  # not offered again for the same outcome
    due, status, rag = notice_step()
    assert (due, status, rag) == (
        "Mon 18 May 2026",
        "✗ Late — after the 4-week decision (Devon)",
        "red",
    )
    row = steps.find(lambda s: s.label == "Amendment notice served")
    cell = steps.index(row, steps.column_of("Status"))
    assert steps.data(cell, Qt.ItemDataRole.BackgroundRole).color() == RAG_COLOUR["red"]
    comments = steps.find(lambda s: s.label == "Comments on the amendments close")
    assert steps.text(comments, "Due by") == "Tue 2 Jun 2026"  # Reg 22(2)(c): 19 May + 14
    assert steps.text(comments, "Status") == "Information only"
    final = steps.find(lambda s: s.label == "Final amended plan issued")
    assert steps.text(final, "Due by") == "Tue 14 Jul 2026"  # Reg 22(3): 19 May + 8 weeks
    assert table.text(0, "Amendment notice") == "Tue 19 May 2026 (late)"
    assert messages == []


def test_an_amend_decision_still_in_time_says_the_notice_is_due_with_it(qtbot, db, messages):
    case_id, work = full_case(db)
    work.schedule_review(case_id, date(2026, 11, 10))
    review = work.get_case(case_id).reviews[-1]
    work.update_review(review.id, review.version, {"decision_date": TODAY, "outcome": "amend"})
    view = open_view(qtbot, work, case_id)
    view.show_tab("reviews")
    steps = review_steps(view.detail.reviews[-1], TODAY)
    (notice,) = [s for s in steps if s.label == "Amendment notice served"]
    assert notice.status == "Due with the decision, by Tue 8 Dec 2026 (Devon)"
    assert notice.rag == "amber"  # 14 days left
    assert notice.rule == "Reg 20(10) with Reg 22(2); Devon [2022] EWHC 493"
    # Kept as it is, or ceased: no notice, no Devon step.
    for outcome in ("maintain", "cease"):
        info = replace(view.detail.reviews[-1], outcome=outcome, amendment_notice_due=None)
        labels = [s.label for s in review_steps(info, TODAY)]
        assert "Amendment notice served" not in labels


def test_ceasing_at_a_review_waits_for_reg_31s_consultation_then_offers_the_cease_letter(
    qtbot, db, messages
):
    """The review dialog's "cease" is the case's decision to cease: refused with Reg 31(1)'s
    message (the dialog kept open, nothing saved) until the proposal and consultation are on
    the case; then the case is ceased and the decision-to-cease letter is offered."""
    case_id, work = full_case(db)
    view = open_view(qtbot, work, case_id)
    offered: list = []
    view.decision_recorded.connect(lambda cid, letter: offered.append((cid, letter)))
    view.show_tab("reviews")
    view.reviews.table.select_row(0)
    view.reviews.update_button.click()
    dialog = fill(view, meeting_date=date(2026, 4, 20), decision_date=date(2026, 5, 10),
                  outcome="cease")  # fmt: skip
    assert "record the proposal to cease" in messages[-1]
    assert view.dialog is dialog and dialog.isVisible()
    assert work.get_case(case_id).reviews[0].outcome is None
    dialog.reject()
    for key in ("cease_proposed", "cease_family_consulted", "cease_school_consulted"):
        code = "2" if key == "cease_proposed" else None
        work.record_action(
            case_id, work.get_case(case_id).version, key, date(2026, 4, 20), "", code
        )
    view.reload()
    view.reviews.table.select_row(0)
    view.reviews.update_button.click()
    fill(view, meeting_date=date(2026, 4, 20), decision_date=date(2026, 5, 10), outcome="cease")
    assert view.detail.stage == "ceased"
    assert offered == [(case_id, "decision_to_cease")]


def test_a_plan_transferred_in_then_moving_away_in_the_timeline_tab(qtbot, db, messages):
    """Reg 15: a case begun for a plan transferred in on Mon 12 Oct 2026 (last reviewed Tue
    2 Dec 2025) becomes a maintained plan; the family was due to be told by Mon 23 Nov (6
    weeks): missed, red; the review by the later of Tue 1 Dec 2026 and Tue 12 Jan 2027. Then
    the child moves away: aware Mon 9 Nov of a move on Wed 25 Nov, the plan due Fri 27 Nov
    (15 working days beginning with 9 Nov); sent Tue 24 Nov; the case closed."""
    case_id, work = new_case(db, request_source="became_responsible")
    view = open_view(qtbot, work, case_id)
    view.show_tab("timeline")
    tab = view.timeline
    assert tab.transfer_in_button.isEnabled()
    assert not tab.transfer_out_button.isEnabled()
    assert not tab.close_transferred_button.isEnabled()
    tab.transfer_in_button.click()
    dialog = fill(view, transferred_in=date(2026, 10, 12), transfer_last_review=date(2025, 12, 2))
    assert dialog.isVisible() and "LA number" in dialog.form.error("transferred_from")
    dialog.set_values(transferred_from="202")
    dialog.accept()
    assert messages == []
    assert view.detail.stage == "plan_issued"
    assert "Transferred in from 202 Camden on" in tab.transfer_label.text()
    deadlines = tab.deadlines.rows_model
    told = deadlines.find(lambda d: d.key == "transfer_family_told")
    assert deadlines.text(told, "Due") == "Mon 23 Nov 2026"
    assert deadlines.data(deadlines.index(told, deadlines.column_of("RAG")), RagRole) == "red"
    review = deadlines.find(lambda d: d.key == "annual_review")
    assert deadlines.text(review, "Due") == "Tue 12 Jan 2027"
    assert tab.transfer_out_button.isEnabled()
    tab.transfer_out_button.click()
    fill(view, moved_out=date(2026, 11, 25), moved_to="204", move_aware=date(2026, 11, 9))
    assert messages == []
    sent = deadlines.find(lambda d: d.key == "plan_sent")
    assert deadlines.text(sent, "Due") == "Fri 27 Nov 2026"
    assert deadlines.data(deadlines.index(sent, deadlines.column_of("RAG")), RagRole) == "amber"
    assert not tab.close_transferred_button.isEnabled()
    tab.transfer_out_button.click()
    assert view.dialog is not None and view.dialog.values()["moved_to"] == "204"
    fill(view, plan_sent=date(2026, 11, 24))
    assert tab.close_transferred_button.isEnabled()
    tab.close_transferred_button.click()
    assert messages == []
    assert (view.detail.stage, view.detail.is_open) == ("ceased", False)
    assert not tab.transfer_out_button.isEnabled()
