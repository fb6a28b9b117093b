"""Naming a school (CFA 2014 s39, s40; CoP 9.83): schools consulted on a case, several at
once, each with 15 days to respond; the response; the decision to name or not; refusals that
save nothing. Dates worked by hand; "today" is Tue 24 Nov 2026 (tests.helpers.TODAY)."""

from datetime import date

import pytest

from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.myweek import MyWeekService
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, new_case


def rows(work, case_id):
    return {c.school: c for c in work.get_case(case_id).consultations}


def test_several_schools_are_consulted_at_once_each_with_15_days(db):
    """Sent Tue 10 Nov 2026: each school's response is due Wed 25 Nov 2026 (the day sent is
    not counted), one day away on Tue 24 Nov: amber."""
    case_id, work = new_case(db)
    ids = work.consult_schools(
        case_id, ["Harbourside Primary", " Lakeside Academy ", ""], "family", date(2026, 11, 10)
    )
    assert len(ids) == 2
    found = rows(work, case_id)
    assert sorted(found) == ["Harbourside Primary", "Lakeside Academy"]
    one = found["Lakeside Academy"]
    assert (one.sent, one.step.due, one.step.rag, one.step.regulation) == (
        date(2026, 11, 10), date(2026, 11, 25), "amber", "CoP 9.83",
    )  # fmt: skip
    assert (one.requested_by, one.response, one.decision) == ("family", None, None)
    changes = [c for c in work.get_case(case_id).changes if "Lakeside" in (c.detail or "")]
    assert changes, "the consultation is in the case's history"


def test_a_second_save_of_the_same_form_consults_no_one_twice(db):
    case_id, work = new_case(db)
    first = work.consult_schools(case_id, ["A", "B"], "council", date(2026, 11, 2), token="t1")
    again = work.consult_schools(case_id, ["A", "B"], "council", date(2026, 11, 2), token="t1")
    assert again == first[:1]
    assert len(work.get_case(case_id).consultations) == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "said"),
    [
        (dict(schools=[" ", ""]), "schools", "Name the school"),
        (dict(schools=["Oak School", "oak school"]), "schools", "named twice"),
        (dict(schools=["x" * 201]), "schools", "200"),
        (dict(requested_by="tribunal"), "requested_by", "family or council"),
        (dict(sent=date(2026, 11, 25)), "sent", "in the future"),
        (dict(sent=date(2026, 6, 30)), "sent", "before the case began"),
    ],
)
def test_a_consultation_that_cannot_be_is_refused_and_nothing_is_saved(db, kwargs, field, said):
    case_id, work = new_case(db)
    values = dict(schools=["Oak School"], requested_by="family", sent=date(2026, 11, 2)) | kwargs
    with pytest.raises(FieldErrors) as refused:
        work.consult_schools(case_id, **values)
    assert said in refused.value.errors[field]
    assert work.get_case(case_id).consultations == ()


def test_a_school_already_awaiting_a_decision_is_not_consulted_again(db):
    case_id, work = new_case(db)
    work.consult_schools(case_id, ["Oak School"], "family", date(2026, 11, 2))
    with pytest.raises(FieldErrors) as refused:
        work.consult_schools(case_id, ["Elm School", "OAK SCHOOL"], "council", date(2026, 11, 3))
    assert "already being consulted" in refused.value.errors["schools"]
    assert list(rows(work, case_id)) == ["Oak School"]  # Elm was not saved either


def test_the_response_is_recorded_and_no_response_only_after_the_15_days(db):
    """Sent Mon 16 Nov 2026: due Tue 1 Dec. On Tue 24 Nov 'no response' is refused; a reply
    that came Mon 23 Nov is in time."""
    case_id, work = new_case(db)
    (cid,) = work.consult_schools(case_id, ["Oak School"], "family", date(2026, 11, 16))
    row = rows(work, case_id)["Oak School"]
    with pytest.raises(FieldErrors) as refused:
        work.record_school_response(cid, row.version, "no_response", None)
    assert "until Tue 1 Dec 2026" in refused.value.errors["response"]
    with pytest.raises(FieldErrors) as refused:
        work.record_school_response(cid, row.version, "agrees", date(2026, 11, 15))
    assert "before the consultation was sent" in refused.value.errors["on"]
    assert rows(work, case_id)["Oak School"].response is None  # nothing saved
    work.record_school_response(cid, row.version, "objects", date(2026, 11, 23), "Full in Y3")
    row = rows(work, case_id)["Oak School"]
    assert (row.response, row.step.done_on, row.step.met, row.step.rag) == (
        "objects", date(2026, 11, 23), True, "none",
    )  # fmt: skip
    assert row.response_note == "Full in Y3"


def test_not_naming_the_familys_school_needs_an_s39_4_ground_and_reasons(db):
    """Sent Mon 2 Nov 2026, due Tue 17 Nov: no reply by Tue 24 Nov (missed, red)."""
    case_id, work = new_case(db)
    (cid,) = work.consult_schools(case_id, ["Oak School"], "family", date(2026, 11, 2))
    row = rows(work, case_id)["Oak School"]
    assert (row.step.due, row.step.rag, row.step.met) == (date(2026, 11, 17), "red", False)
    with pytest.raises(FieldErrors) as refused:
        work.record_naming_decision(cid, row.version, "not_name", date(2026, 11, 24))
    assert set(refused.value.errors) == {"grounds", "reasons"}
    assert rows(work, case_id)["Oak School"].decision is None  # nothing saved
    work.record_school_response(cid, row.version, "no_response", None)
    row = rows(work, case_id)["Oak School"]
    assert (row.response, row.step.met, row.step.rag) == ("no_response", False, "none")
    work.record_naming_decision(
        cid,
        row.version,
        "not_name",
        date(2026, 11, 24),
        ["resources", "others"],
        "Class of 32 with no support staff",
    )
    row = rows(work, case_id)["Oak School"]
    assert (row.decision, row.decision_date) == ("not_name", date(2026, 11, 24))
    assert row.grounds == ("others", "resources")  # in the order of s39(4)
    with pytest.raises(ValidationError, match="decision on this school is recorded"):
        work.record_school_response(cid, row.version, "agrees", date(2026, 11, 24))


def test_a_council_choice_is_named_without_grounds_and_not_before_its_15_days(db):
    case_id, work = new_case(db)
    (cid,) = work.consult_schools(case_id, ["Elm School"], "council", date(2026, 11, 16))
    row = rows(work, case_id)["Elm School"]
    with pytest.raises(FieldErrors) as refused:
        work.record_naming_decision(cid, row.version, "name", date(2026, 11, 24))
    assert "record its response first" in refused.value.errors["decision"]
    work.record_school_response(cid, row.version, "agrees", date(2026, 11, 20))
    row = rows(work, case_id)["Elm School"]
    with pytest.raises(FieldErrors) as refused:
        work.record_naming_decision(cid, row.version, "name", date(2026, 11, 19))
    assert "before the school's response" in refused.value.errors["on"]
    work.record_naming_decision(cid, row.version, "name", date(2026, 11, 24))
    assert rows(work, case_id)["Elm School"].decision == "name"


def test_a_consultation_recorded_by_mistake_is_withdrawn_into_the_trash_and_comes_back(db):
    case_id, work = new_case(db)
    (cid,) = work.consult_schools(case_id, ["Oak School"], "family", date(2026, 11, 2))
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="Say why"):
        trash.withdraw_school_consultation(cid, " ")
    item = trash.withdraw_school_consultation(cid, "the wrong child")
    assert work.get_case(case_id).consultations == ()
    trash.restore(item)
    (row,) = work.get_case(case_id).consultations
    assert (row.school, row.step.due) == ("Oak School", date(2026, 11, 17))


def test_my_week_lists_responses_due_within_7_days_or_overdue(db):
    """Today Tue 24 Nov 2026. Sent Mon 2 Nov: due Tue 17 Nov (overdue, red). Sent Mon 16 Nov:
    due Tue 1 Dec (7 days, amber). Sent Tue 17 Nov: due Wed 2 Dec (8 days: not listed). A
    response recorded takes a school off the list."""
    case_id, work = new_case(db)
    (late,) = work.consult_schools(case_id, ["Oak School"], "family", date(2026, 11, 2))
    work.consult_schools(case_id, ["Elm School"], "council", date(2026, 11, 16))
    work.consult_schools(case_id, ["Ash School"], "council", date(2026, 11, 17))

    def listed():
        week = MyWeekService(db, today=lambda: TODAY).my_week(None)
        return [(i.due, i.rag, i.what, i.tab) for i in week.items if i.kind == "school"]

    assert listed() == [
        (date(2026, 11, 17), "red", "Oak School: response to the consultation (CoP 9.83)",
         "timeline"),
        (date(2026, 12, 1), "amber", "Elm School: response to the consultation (CoP 9.83)",
         "timeline"),
    ]  # fmt: skip
    version = rows(work, case_id)["Oak School"].version
    work.record_school_response(late, version, "agrees", date(2026, 11, 20))
    assert [due for due, *_ in listed()] == [date(2026, 12, 1)]


def test_the_printed_summary_lists_each_schools_response_with_the_deadlines(db):
    from caseload_app.services.printing import summary_data

    case_id, work = new_case(db)
    (cid,) = work.consult_schools(case_id, ["Oak School"], "council", date(2026, 11, 2))
    version = rows(work, case_id)["Oak School"].version
    work.record_school_response(cid, version, "agrees", date(2026, 11, 10))
    work.record_naming_decision(cid, version + 1, "name", date(2026, 11, 12))
    (line,) = [x for x in summary_data(work.get_case(case_id)).deadlines if "Oak" in x.label]
    assert (line.label, line.due, line.done_on, line.regulation) == (
        "Oak School: response to consultation · named", date(2026, 11, 17), date(2026, 11, 10),
        "CoP 9.83",
    )  # fmt: skip
