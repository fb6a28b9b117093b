import re
from datetime import date, datetime

import pytest

from caseload_app.domain.status import Rag
from caseload_app.domain.validators import ValidationError
from caseload_app.services.casework import CaseworkService
from caseload_app.services.errors import ConflictError, FieldErrors
from caseload_app.services.myweek import MyWeekService
from caseload_app.services.requests import NewRequest
from caseload_app.services.settings import (
    CouncilDetails,
    LocalSettings,
    LocalSettingsStore,
    SavedView,
    TeamSettingsService,
)
from tests.helpers import NOW, TODAY, new_case, services


def test_new_request_creates_family_child_and_case_with_deadlines(db):
    case_id, work = new_case(db)
    case = work.get_case(case_id)
    assert case.child.upn == "L837201500012"
    assert case.child.nhs_number == "4010232137"
    assert case.family.postcode == "BH1 1AA"
    assert case.stage == "request_received"
    # Received Wed 1 Jul 2026: decide whether to assess within 6 weeks → Wed 12 Aug 2026.
    assert case.status.next_step.key == "decide_assess"
    assert case.status.next_step.due == date(2026, 8, 12)
    assert case.status.rag == "red"
    assert [e.action for e in case.events] == ["request_received"]


def test_new_request_reports_every_bad_field(db):
    requests, _ = services(db)
    with pytest.raises(FieldErrors) as err:
        requests.create(
            NewRequest(
                first_name="",
                last_name="X",
                date_of_birth=date(2030, 1, 1),
                request_received=date(2027, 1, 1),
                upn="H837201500012",
                postcode="QA1 1AA",
                email="nope",
            )
        )
    assert set(err.value.errors) == {
        "first_name",
        "date_of_birth",
        "request_received",
        "upn",
        "postcode",
        "email",
    }
    assert "should be L, not H" in err.value.errors["upn"]


def test_possible_duplicates_by_identifier_or_birthday_and_name(db):
    new_case(db)
    requests, _ = services(db)
    same_upn = NewRequest("Someone", "Else", date(2010, 1, 1), TODAY, upn="L837201500012")
    assert [d.why for d in requests.possible_duplicates(same_upn)] == ["same UPN"]
    similar = NewRequest("Zoe", "Bronte", date(2016, 5, 4), TODAY)
    assert [d.why for d in requests.possible_duplicates(similar)] == [
        "same date of birth and a similar name"
    ]
    twin = NewRequest("Adam", "Brontë", date(2016, 5, 4), TODAY)
    assert requests.possible_duplicates(twin) == []


def test_a_sibling_joins_the_existing_family(db):
    case_id, work = new_case(db)
    family_id = work.get_case(case_id).family.id
    sibling_id, _ = new_case(
        db,
        first_name="Emily",
        upn="",
        nhs_number="",
        date_of_birth=date(2018, 2, 2),
        family_id=family_id,
    )
    sibling = work.get_case(sibling_id)
    assert sibling.family.id == family_id
    assert [s.name for s in sibling.family.siblings] == ["Zoë Brontë", "Emily Brontë"]


def test_full_statutory_journey(db):
    case_id, work = new_case(db)
    v = lambda: work.get_case(case_id).version  # noqa: E731
    work.record_action(case_id, v(), "assess_agreed", date(2026, 8, 5))
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
    work.request_advice(case_id, "health", date(2026, 8, 6))
    case = work.get_case(case_id)
    assert case.stage == "assessment"
    assert case.status.next_step.key == "decide_issue"
    ep = next(a for a in case.advice if a.id == advice_id)
    assert ep.due == date(2026, 9, 17)
    assert ep.overdue  # 6 weeks of Thu 6 Aug 2026
    comm_id = work.chase_advice(advice_id, date(2026, 9, 20), "left voicemail")
    case = work.get_case(case_id)
    assert case.communications[0].id == comm_id
    assert "Chased educational psychology advice" in case.communications[0].summary
    assert next(a for a in case.advice if a.id == advice_id).chases == 1
    work.advice_received(advice_id, ep.version + 1, date(2026, 9, 25))
    work.record_action(case_id, v(), "issue", date(2026, 10, 1))
    assert work.get_case(case_id).status.next_step.key == "draft_plan"
    work.record_action(case_id, v(), "draft_served", date(2026, 10, 5))
    work.record_action(case_id, v(), "school_consulted", date(2026, 10, 6), "Harbourside Primary")
    case = work.get_case(case_id)
    assert case.stage == "draft_issued"
    assert case.status.next_step.key == "final_plan"
    assert case.status.next_step.due == date(2026, 11, 18)  # 20 weeks of Wed 1 Jul 2026
    work.record_action(case_id, v(), "final_issued", date(2026, 10, 20))
    case = work.get_case(case_id)
    assert case.stage == "plan_issued"
    assert (case.status.next_step.key, case.status.next_step.due) == (
        "annual_review",
        date(2027, 10, 19),
    )
    assert [e.action for e in case.events] == [
        "request_received",
        "assess_agreed",
        "advice_requested",
        "advice_requested",
        "issue",
        "draft_served",
        "school_consulted",
        "final_issued",
    ]
    assert all(e.by == "Asha Patel" for e in case.events)


@pytest.mark.parametrize(
    ("steps", "key", "on", "message"),
    [
        ([], "final_issued", date(2026, 8, 1), "not possible at this stage"),
        ([], "assess_agreed", date(2026, 6, 30), "before the request was received"),
        ([], "assess_agreed", date(2026, 11, 25), "in the future"),
        ([], "assess_refused", date(2026, 8, 1), "needs a reason"),
        (
            [("assess_agreed", date(2026, 8, 5))],
            "draft_served",
            date(2026, 8, 6),
            "decision to issue",
        ),
        (
            [("assess_agreed", date(2026, 8, 5))],
            "issue",
            date(2026, 8, 4),
            "before the decision to assess",
        ),
    ],
)
def test_impossible_orders_are_refused_with_a_reason(db, steps, key, on, message):
    case_id, work = new_case(db)
    for step, when in steps:
        work.record_action(case_id, work.get_case(case_id).version, step, when)
    version = work.get_case(case_id).version
    with pytest.raises(ValidationError, match=message):
        work.record_action(case_id, version, key, on)
    assert work.get_case(case_id).version == version  # nothing saved


def test_exception_keeps_the_deadline_and_greys_it(db):
    case_id, work = new_case(db)
    due = work.get_case(case_id).status.next_step.due
    work.record_exception(
        case_id,
        "absent_from_area",
        ["decide_assess"],
        date(2026, 7, 10),
        date(2026, 8, 20),
        date(2026, 7, 12),
        "Family abroad for a month",
    )
    case = work.get_case(case_id)
    assert case.status.next_step.due == due
    assert case.status.rag == "grey"
    (exc,) = case.exceptions
    assert (exc.ground, exc.limits, exc.recorded_by, exc.family_told) == (
        "absent_from_area",
        ("decide_assess",),
        "Asha Patel",
        date(2026, 7, 12),
    )
    with pytest.raises(ValidationError, match="grounds"):
        work.record_exception(
            case_id, "staff_shortage", ["decide_assess"], date(2026, 7, 10), None, None
        )


@pytest.mark.parametrize(
    ("ground", "limits", "refused"),
    [
        # Reg 13(3): a missed appointment never excuses the 20-week final plan.
        ("missed_appointment", ["final_plan"], "the 20-week final plan (Reg 13(3))"),
        # Reg 8(2) has no closure ground.
        ("school_closed", ["advice"], "the 6-week advice (Reg 8(2))"),
        # Reg 5(4) has no early-years ground.
        ("early_years_closed", ["decide_assess"], "decision whether to assess (Reg 5(4))"),
        ("absent_from_area", [], "Choose the time limit"),
    ],
)
def test_an_exception_is_refused_for_a_limit_its_ground_cannot_excuse(db, ground, limits, refused):
    case_id, work = new_case(db)
    before = work.get_case(case_id)
    with pytest.raises(ValidationError, match=re.escape(refused)):
        work.record_exception(case_id, ground, limits, date(2026, 7, 10), None, None)
    after = work.get_case(case_id)
    assert (after.version, after.exceptions) == (before.version, ())  # nothing saved


def test_an_exception_to_one_limit_leaves_the_others_their_colours(db):
    """Received Wed 1 Jul 2026: the 6-week decision is due Wed 12 Aug 2026. A missed
    appointment excuses the advice and the 16-week decision (Reg 8(2), 10(4)(e)) but not the
    decision whether to assess: its step stays coloured."""
    case_id, work = new_case(db)
    work.record_exception(
        case_id, "missed_appointment", ["advice", "decide_issue"], date(2026, 7, 10), None, None
    )
    case = work.get_case(case_id)
    assert case.status.next_step.key == "decide_assess"
    assert case.status.rag != "grey"
    assert case.exception_limits == {"advice", "decide_issue"}


def test_stale_save_is_refused_naming_who_changed_what(db):
    case_id, mine = new_case(db)
    _, theirs = services(db, user="Ben Okafor")
    child = mine.get_case(case_id).child
    theirs.update_child(child.id, child.version, {"setting": "Bay Secondary School"})
    with pytest.raises(ConflictError) as err:
        mine.update_child(child.id, child.version, {"setting": "Harbourside Primary"})
    message = str(err.value)
    assert "Ben Okafor changed this child's details" in message
    assert "setting: — → Bay Secondary School" in message
    assert mine.get_case(case_id).child.setting == "Bay Secondary School"


def test_editing_details_validates_each_field_and_keeps_search_in_step(db):
    case_id, work = new_case(db)
    case = work.get_case(case_id)
    with pytest.raises(FieldErrors) as err:
        work.update_child(
            case.child.id, case.child.version, {"upn": "H837201500012", "first_name": " "}
        )
    assert set(err.value.errors) == {"upn", "first_name"}
    work.update_child(case.child.id, case.child.version, {"first_name": "Zoey"})
    work.update_family(case.family.id, case.family.version, {"postcode": "bh23 1aa"})
    case = work.get_case(case_id)
    assert case.child.first_name == "Zoey"
    assert case.family.postcode == "BH23 1AA"
    from caseload_app.services.caselist import CaseListService

    (row,) = CaseListService(db, today=lambda: TODAY).list_cases().rows
    assert "zoey bronte" in row.search_text
    assert "bh231aa" in row.search_text
    changes = [c.detail for c in case.changes]
    assert "postcode: BH1 1AA → BH23 1AA" in changes
    assert "first_name: Zoë → Zoey" in changes


def test_contacts_tasks_and_communications(db):
    case_id, work = new_case(db)
    family_id = work.get_case(case_id).family.id
    work.save_contact(
        family_id,
        None,
        None,
        {
            "name": "Grandma Brontë",
            "relation": "Grandparent",
            "phone": "07700 900123",
            "interpreter_needed": True,
        },
    )
    comm = work.log_communication(
        case_id,
        datetime(2026, 11, 20, 9, 0),
        "phone",
        "in",
        "Ms Jo Brontë",
        "Asked about the EP visit",
    )
    with pytest.raises(FieldErrors) as err:
        work.log_communication(case_id, datetime(2026, 12, 1), "pigeon", "sideways", "", "")
    assert set(err.value.errors) == {"channel", "direction", "summary", "occurred_at"}
    # "With whom" past 200 characters is refused, as every typed field is; it was cut silently.
    long_name = "Dr " + "x" * 198
    with pytest.raises(FieldErrors) as err:
        work.log_communication(case_id, datetime(2026, 11, 20), "phone", "in", long_name, "Hi")
    assert set(err.value.errors) == {"with_whom"}
    assert "200" in err.value.errors["with_whom"]
    task_id = work.add_task(case_id, "Book EP visit", date(2026, 11, 27), None)
    case = work.get_case(case_id)
    (contact,) = case.family.contacts
    assert (contact.phone, contact.interpreter_needed) == ("07700 900123", True)
    assert case.communications[0].id == comm
    assert case.communications[0].logged_by == "Asha Patel"
    (task,) = case.tasks
    work.set_task_done(task_id, task.version, True)
    assert work.get_case(case_id).tasks[0].done_on == TODAY
    work.set_task_done(task_id, task.version + 1, False)
    assert work.get_case(case_id).tasks[0].done_on is None


def test_annual_review_chain_restarts_the_twelve_months(db):
    case_id, work = new_case(db, request_received=date(2025, 1, 6))
    for key, on in (
        ("assess_agreed", date(2025, 2, 1)),
        ("issue", date(2025, 4, 1)),
        ("draft_served", date(2025, 4, 7)),
        ("final_issued", date(2025, 5, 1)),
    ):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    assert work.get_case(case_id).status.next_step.due == date(2026, 4, 30)
    review_id = work.schedule_review(case_id, date(2026, 4, 20))
    (review,) = work.get_case(case_id).reviews
    assert (review.invitations_by, review.report_due, review.decision_due) == (
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 18),
    )
    with pytest.raises(FieldErrors, match="maintain, amend or cease"):
        work.update_review(review_id, review.version, {"decision_date": date(2026, 5, 10)})
    work.update_review(
        review_id,
        review.version,
        {
            "decision_date": date(2026, 5, 10),
            "outcome": "amend",
            "amendment_notice": date(2026, 5, 12),
        },
    )
    case = work.get_case(case_id)
    (review,) = case.reviews
    assert review.amendment_comments_end == date(2026, 5, 26)
    assert review.amended_plan_due == date(2026, 7, 7)  # 8 weeks of the notice (Reg 22(3))
    assert case.status.next_step.due == date(2027, 4, 19)  # 12 months starting with 20 Apr


def test_disagreement_tracks_the_appeal_deadline(db):
    case_id, work = new_case(db)
    work.record_action(
        case_id,
        work.get_case(case_id).version,
        "assess_refused",
        date(2026, 8, 3),
        "Needs met at SEN support",
    )
    row_id = work.add_disagreement(case_id, "Refusal to assess", date(2026, 8, 4), "not_assess")
    (d,) = work.get_case(case_id).disagreements
    assert d.appeal_deadline >= date(2026, 10, 4)
    work.update_disagreement(
        row_id,
        d.version,
        {"mediation_ended": date(2026, 9, 1), "mediation_certificate": date(2026, 9, 2)},
    )
    (d,) = work.get_case(case_id).disagreements
    assert d.certificate_due == date(2026, 9, 4)  # 3 working days
    assert d.appeal_deadline >= date(2026, 10, 4)


def test_my_week_lists_what_needs_doing(db):
    case_id, work = new_case(db)
    cw = None
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    work.add_task(case_id, "Ring school", date(2026, 11, 26), None)
    week = MyWeekService(db, today=lambda: TODAY).my_week(cw)
    kinds = {i.kind: i for i in week.items}
    assert set(kinds) == {"statutory", "advice", "task", "contact", "update"}
    assert kinds["statutory"].what == "Decide whether to issue a plan"  # 16 weeks: 21 Oct
    assert kinds["advice"].tab == "advice"
    assert kinds["task"].due == date(2026, 11, 26)
    assert kinds["contact"].what == "Never contacted"
    update = kinds["update"]  # nothing sent since the request of 1 Jul: owed word by 29 Jul
    assert (update.due, update.rag, update.tab) == (date(2026, 7, 29), Rag.RED, "communications")
    assert update.what == "Every 4 weeks: no update since the request (Wed 1 Jul 2026)"
    work.log_communication(case_id, datetime(2026, 11, 23, 9), "phone", "out", "Parent", "Hi")
    week = MyWeekService(db, today=lambda: TODAY).my_week(cw)
    assert week.count("contact") == 0
    assert week.count("update") == 0  # told on 23 Nov: next due 21 Dec, past this week


def test_overdue_advice_is_grey_only_where_an_exception_covers_the_advice_limit(db):
    """Advice asked for Thu 6 Aug 2026 was due Thu 17 Sep 2026 (Reg 8(1)); on 24 Nov it is
    overdue: red, until a missed appointment is recorded against the advice (Reg 8(2)(c))."""
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    work.record_exception(
        case_id, "missed_appointment", ["decide_issue"], date(2026, 8, 20), None, None
    )

    def advice_rag():
        week = MyWeekService(db, today=lambda: TODAY).my_week(None)
        (item,) = [i for i in week.items if i.kind == "advice"]
        (info,) = work.get_case(case_id).advice
        return item.rag, info.excused

    assert advice_rag() == ("red", False)  # an exception to another limit
    work.record_exception(case_id, "missed_appointment", ["advice"], date(2026, 8, 20), None, None)
    assert advice_rag() == ("grey", True)


def test_settings_round_trip_and_damaged_file(tmp_path, db):
    store = LocalSettingsStore(tmp_path / "settings.json")
    assert store.load() == LocalSettings()
    store.save(LocalSettings(3, "Asha Patel", [SavedView("Overdue", {"rag": "red"})]))
    loaded = store.load()
    assert (loaded.me_caseworker_id, loaded.saved_views[0].filters) == (3, {"rag": "red"})
    (tmp_path / "settings.json").write_text("{not json")
    assert store.load() == LocalSettings()
    assert (tmp_path / "settings.damaged.json").exists()
    team = TeamSettingsService(db)
    team.set_council(CouncilDetails("BCP Council", "Civic Centre\nBournemouth"))
    assert team.council().name == "BCP Council"


def test_conflict_names_the_change_even_after_later_views(db):
    case_id, mine = new_case(db)
    _, theirs = services(db, user="Ben Okafor")
    case = mine.get_case(case_id)
    theirs.record_action(case_id, case.version, "assess_agreed", date(2026, 8, 5))
    theirs.get_case(case_id)  # looking at it afterwards is audited but is not the change
    with pytest.raises(ConflictError, match=r"Ben Okafor changed this case .*Agree to assess"):
        mine.record_action(case_id, case.version, "assess_refused", date(2026, 8, 5), "No")


def test_refreshing_after_a_save_is_not_audited_as_a_new_view(db):
    from sqlalchemy import func, select

    from caseload_app.db.models import AuditEntry

    case_id, work = new_case(db)

    def views():
        with db.read() as s:
            return s.scalar(select(func.count()).where(AuditEntry.action == "view"))

    work.get_case(case_id)
    work.get_case(case_id, opened=False)
    assert views() == 1


def test_long_text_is_refused_never_cut(db):
    """A task's title and a disputed decision were cut at 200 characters without a word."""
    case_id, work = new_case(db)
    with pytest.raises(FieldErrors) as err:
        work.add_task(case_id, "Ring school " + "x" * 190, date(2026, 11, 27), None)
    assert set(err.value.errors) == {"title"}
    assert "200" in err.value.errors["title"]
    with pytest.raises(FieldErrors) as err:
        work.add_disagreement(case_id, "Refusal " + "y" * 193, date(2026, 11, 2), "other")
    assert set(err.value.errors) == {"decision"}
    assert "200" in err.value.errors["decision"]
    fits = "Refusal to name a school"
    row_id = work.add_disagreement(case_id, fits, date(2026, 11, 2), "other")
    assert work.get_case(case_id).disagreements[0].decision == fits
    assert row_id


# --------------------------------------------------------------------------- review outcomes
def test_the_review_outcome_offers_its_letter_once_it_is_recorded():
    from caseload_app.services.letters import review_letter

    decided = date(2026, 11, 23)
    assert review_letter(None, None, {"outcome": "maintain"}) == "decision_to_maintain"
    assert review_letter(None, None, {"outcome": "amend"}) == "amendment_notice"
    assert review_letter(None, None, {"outcome": "cease"}) == "decision_to_cease"
    assert review_letter("maintain", None, {"outcome": "amend"}) == "amendment_notice"
    # An outcome already recorded is offered again only when its decision date is added.
    assert review_letter("amend", None, {"decision_date": decided}) == "amendment_notice"
    assert review_letter("amend", decided, {"outcome": "amend", "decision_date": decided}) is None
    assert review_letter(None, None, {"report_sent": decided}) is None
    assert review_letter(None, None, {"outcome": ""}) is None


def test_the_review_read_flags_an_amendment_notice_later_than_the_4_week_decision(db):
    """Reg 20(10) with Reg 22(2), Devon [2022] EWHC 493 (Admin): a meeting on Mon 21 Dec 2026
    has its notice due by Mon 18 Jan 2027; a notice on Tue 19 Jan 2027 is late."""
    case_id, work = _with_plan(db)
    work.schedule_review(case_id, date(2026, 12, 21))
    late_day = date(2027, 1, 19)
    later = CaseworkService(db, "Asha Patel", today=lambda: late_day, now=lambda: NOW)
    review = later.get_case(case_id, opened=False).reviews[-1]
    assert (review.amendment_notice_due, review.amendment_notice_late) == (None, False)
    later.update_review(review.id, review.version, {"decision_date": late_day, "outcome": "amend"})
    review = later.get_case(case_id, opened=False).reviews[-1]
    assert review.amendment_notice_due == date(2027, 1, 18)
    assert review.amendment_notice_late  # amend decided, no notice, and the day has passed
    later.update_review(review.id, review.version, {"amendment_notice": late_day})
    review = later.get_case(case_id, opened=False).reviews[-1]
    assert review.amendment_notice_late  # sent, but a day after the 4 weeks
    assert review.amendment_comments_end == date(2027, 2, 2)  # Reg 22(2)(c): 19 Jan + 14
    assert review.amended_plan_due == date(2027, 3, 16)  # Reg 22(3): 19 Jan + 8 weeks


def _with_plan(db, **overrides):
    """Zoë Brontë with a final plan issued Mon 24 Nov 2025: ready for an annual review."""
    case_id, work = new_case(db, request_received=date(2025, 7, 1), **overrides)
    for key, on in (
        ("assess_agreed", date(2025, 8, 5)),
        ("issue", date(2025, 10, 20)),
        ("draft_served", date(2025, 11, 3)),
        ("final_issued", date(2025, 11, 24)),
    ):
        work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on, "")
    return case_id, work


def _decide(work, case_id: int, meeting: date, outcome: str, decided: date) -> None:
    work.schedule_review(case_id, meeting)
    review = work.get_case(case_id, opened=False).reviews[-1]
    work.update_review(review.id, review.version, {"decision_date": decided, "outcome": outcome})


def test_my_week_lists_an_amend_decision_whose_notice_is_not_sent(db):
    """On Tue 24 Nov 2026: a meeting on Tue 3 Nov 2026 has its notice due Tue 1 Dec 2026
    (within the week: amber); one on Tue 20 Oct 2026 had it due Tue 17 Nov 2026 (red); one on
    Tue 10 Nov 2026 is not due until Tue 8 Dec 2026, beyond the week. Reg 20(10) with
    Reg 22(2); Devon [2022] EWHC 493 (Admin)."""
    soon, work = _with_plan(db)
    _decide(work, soon, date(2026, 11, 3), "amend", date(2026, 11, 20))
    overdue, _ = _with_plan(db, upn="", nhs_number="", first_name="Amir")
    _decide(work, overdue, date(2026, 10, 20), "amend", date(2026, 11, 2))
    later, _ = _with_plan(db, upn="", nhs_number="", first_name="Beth")
    _decide(work, later, date(2026, 11, 10), "amend", date(2026, 11, 23))
    kept, _ = _with_plan(db, upn="", nhs_number="", first_name="Cara")
    _decide(work, kept, date(2026, 10, 20), "maintain", date(2026, 11, 2))

    def notices() -> dict[int, tuple]:
        week = MyWeekService(db, today=lambda: TODAY).my_week(None)
        return {i.case_id: (i.due, i.rag, i.tab) for i in week.items if i.kind == "amendment"}

    assert notices() == {
        soon: (date(2026, 12, 1), "amber", "reviews"),
        overdue: (date(2026, 11, 17), "red", "reviews"),
    }
    review = work.get_case(overdue, opened=False).reviews[-1]
    work.update_review(review.id, review.version, {"amendment_notice": date(2026, 11, 24)})
    assert set(notices()) == {soon}  # sent (late, but sent): off the list
    week = MyWeekService(db, today=lambda: TODAY).my_week(None, [overdue])
    assert [i for i in week.items if i.kind == "amendment"] == []
