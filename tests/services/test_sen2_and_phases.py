"""Phase-transfer planner (domain.phases, PhaseTransferService) and the SEN2-shaped export.

Hand-built fixtures: the test day is Tue 24 Nov 2026 (academic year 2026/27), so "next
September" is Sep 2027; school-phase plans are due by Sun 14 Feb 2027 (the last day before
15 Feb) and post-16 plans by Tue 30 Mar 2027 (the last day before 31 Mar).
"""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.models import AuditEntry, Caseworker, Task
from caseload_app.domain import deadlines, phases
from caseload_app.domain.sen2 import reporting_period
from caseload_app.services.phase_transfer import REVIEW_TASK_TITLE, PhaseTransferService
from caseload_app.services.sen2_return import Officers, Sen2ReturnService
from tests.helpers import NOW, TODAY, new_case

SCHOOL_PHASE_DUE = date(2027, 2, 14)
POST16_DUE = date(2027, 3, 30)
CENSUS = date(2027, 1, 21)  # reporting period: calendar year 2026


# --------------------------------------------------------------------------- helpers
def _worker(db, name: str) -> int:
    with db.uow() as s:
        worker = Caseworker(name=name)
        s.add(worker)
        s.flush()
        return worker.id


def _version(work, case_id: int) -> int:
    return work.get_case(case_id, opened=False).version


def _act(work, case_id: int, key: str, on: date, reason: str = "") -> None:
    work.record_action(case_id, _version(work, case_id), key, on, reason)


def _issue_plan(work, case_id: int, final: date = date(2026, 11, 18)) -> None:
    """Received Wed 1 Jul 2026 (helpers.new_case) → agreed, issue, draft, final on `final`."""
    _act(work, case_id, "assess_agreed", date(2026, 8, 1))
    _act(work, case_id, "issue", date(2026, 9, 1))
    _act(work, case_id, "draft_served", date(2026, 10, 1))
    _act(work, case_id, "final_issued", final)


def _child(db, first: str, dob: date, setting: str = "", **more):
    """A child with a new case (no UPN/NHS, so no duplicate warnings); returns (case, work)."""
    return new_case(
        db,
        first_name=first,
        last_name="Testcase",
        date_of_birth=dob,
        upn="",
        nhs_number="",
        setting=setting,
        **more,
    )


def _planner(db, today: date = TODAY) -> PhaseTransferService:
    return PhaseTransferService(db, "Lead", today=lambda: today, now=lambda: NOW)


# --------------------------------------------------------------------------- year groups
@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        (date(2016, 8, 31), 6),  # 10 on 31 Aug 2026: the youngest in Y6
        (date(2016, 9, 1), 5),  # a day later: the oldest in Y5
        (date(2015, 9, 1), 6),  # oldest in Y6
        (date(2016, 2, 29), 6),  # leap-day birthday
        (date(2022, 8, 31), phases.RECEPTION),  # 4 on 31 Aug 2026: Reception now
        (date(2022, 9, 1), phases.NURSERY),  # turns 4 in Sep: Reception next year
        (date(2023, 9, 1), -2),  # pre-school
        (date(2011, 3, 1), 11),
        (date(2008, 8, 31), 14),  # 18 on 31 Aug 2026: post-18
    ],
)
def test_year_group_from_date_of_birth_uses_age_on_31_august(dob, expected):
    assert phases.year_group_for(dob, TODAY) == expected


def test_year_group_changes_on_1_september():
    dob = date(2016, 5, 4)
    assert phases.year_group_for(dob, date(2027, 8, 31)) == 6
    assert phases.year_group_for(dob, date(2027, 9, 1)) == 7
    assert phases.academic_year_start(date(2027, 8, 31)) == 2026
    assert phases.academic_year_start(date(2027, 9, 1)) == 2027


def test_year_group_labels_and_recorded_forms():
    assert [phases.year_group_label(g) for g in (-2, -1, 0, 1, 13, 14)] == [
        "pre-school",
        "N",
        "R",
        "Y1",
        "Y13",
        "post-18",
    ]
    for text, group in [
        ("N", -1),
        ("n2", -1),
        ("Nursery", -1),
        ("R", 0),
        ("YR", 0),
        ("Reception", 0),
        ("6", 6),
        ("Y6", 6),
        ("Year 6", 6),
        ("yr 11", 11),
        ("", None),
        ("   ", None),
        ("Y20", None),
        ("sixth form", None),
        (None, None),
    ]:
        assert phases.parse_year_group(text) == group, text
    # A recorded year group (child taught out of cohort) wins over the date of birth.
    assert phases.current_year_group(date(2015, 10, 1), TODAY, "Y6") == (6, "recorded")
    assert phases.current_year_group(date(2015, 10, 1), TODAY, "") == (6, "date of birth")
    assert phases.current_year_group(date(2014, 10, 1), TODAY, "?") == (7, "date of birth")
    assert phases.current_year_group(date(2015, 10, 1), TODAY, "Y7") == (7, "recorded")
    # More than a year off: stale or mistyped, so the date of birth decides.
    assert phases.current_year_group(date(2015, 10, 1), TODAY, "Y8") == (6, "date of birth")
    assert phases.current_year_group(date(2025, 1, 1), TODAY, "N") == (-3, "date of birth")


def test_each_transfer_and_its_legal_date():
    n_to_r = phases.transfer_next_september(date(2023, 3, 1), TODAY)
    assert (n_to_r.key, n_to_r.from_group, n_to_r.to_group) == ("nursery_reception", -1, 0)
    assert (n_to_r.kind, n_to_r.year, n_to_r.legal_date) == ("school-phase", 2027, SCHOOL_PHASE_DUE)

    infant = phases.transfer_next_september(date(2020, 1, 10), TODAY, "Oak Infant School")
    assert (infant.key, infant.from_group, infant.to_group) == ("infant_junior", 2, 3)
    assert infant.legal_date == SCHOOL_PHASE_DUE
    # Y2 in a primary or all-through school: no transfer.
    assert phases.transfer_next_september(date(2020, 1, 10), TODAY, "Oak Primary") is None
    assert phases.transfer_next_september(date(2020, 1, 10), TODAY, "Oak Infant and Junior") is None
    assert phases.transfer_next_september(date(2020, 1, 10), TODAY, None) is None

    y6 = phases.transfer_next_september(date(2016, 5, 4), TODAY, "Hill Primary")
    assert (y6.key, y6.label, y6.kind) == (
        "primary_secondary",
        "Primary → secondary",
        "school-phase",
    )
    assert deadlines.format_date(y6.legal_date) == "Sun 14 Feb 2027"

    post16 = phases.transfer_next_september(date(2011, 3, 1), TODAY, "Vale Academy")
    assert (post16.key, post16.from_group, post16.to_group) == ("secondary_post16", 11, 12)
    assert post16.kind == "secondary-post16"
    assert deadlines.format_date(post16.legal_date) == "Tue 30 Mar 2027"
    assert post16.legal_date == deadlines.phase_transfer_due(2027, "secondary-post16")

    for dob in (date(2016, 9, 1), date(2014, 5, 1), date(2022, 8, 31), date(2009, 1, 1)):
        assert phases.transfer_next_september(dob, TODAY, "Some School") is None  # Y5, Y7, R, Y12

    # In spring the move is still next September (same year), with the same legal date.
    spring = phases.transfer_next_september(date(2016, 5, 4), date(2027, 3, 10))
    assert (spring.year, spring.legal_date) == (2027, SCHOOL_PHASE_DUE)


def test_infant_school_rule():
    assert phases.is_infant_school("Oak Infant School")
    assert phases.is_infant_school("St Mary's C of E Infants' School")
    assert phases.is_infant_school("OAK INFANT & NURSERY SCHOOL")
    assert not phases.is_infant_school("Oak Infant and Junior School")
    assert not phases.is_infant_school("Oak Primary School")
    assert not phases.is_infant_school(None)


# --------------------------------------------------------------------------- planner
@pytest.fixture
def planned(db):
    """Cases with plans for children moving (or not) next September."""
    ben = _worker(db, "Ben Okafor")
    cara = _worker(db, "Cara Singh")
    ids = {}
    for name, dob, setting, worker in [
        ("Yasmin", date(2016, 5, 4), "Hill Primary School", ben),  # Y6 → Y7
        ("Nia", date(2023, 3, 1), "Little Acorns Nursery", cara),  # N → R
        ("Ivan", date(2020, 1, 10), "Oak Infant School", ben),  # Y2 → Y3
        ("Pat", date(2020, 1, 10), "Oak Primary School", ben),  # Y2, no move
        ("Sam", date(2011, 3, 1), "Vale Academy", cara),  # Y11 → post-16
        ("Finn", date(2016, 9, 1), "Hill Primary School", ben),  # Y5, no move
    ]:
        case_id, work = _child(db, name, dob, setting, caseworker_id=worker)
        _issue_plan(work, case_id)
        ids[name] = case_id
    # Y6 by date of birth but no plan yet: not listed.
    ids["Will"], _ = _child(db, "Will", date(2016, 1, 5), "Hill Primary School")
    return ids, work, {"ben": ben, "cara": cara}


def test_planner_lists_children_moving_next_september(planned, db):
    ids, work, workers = planned
    work.schedule_review(ids["Yasmin"], date(2026, 12, 10))
    rows = _planner(db).planner()
    assert [(r.child_name.split()[0], r.transfer) for r in rows] == [
        ("Ivan", "Infant → junior"),  # 14 Feb, Ben
        ("Yasmin", "Primary → secondary"),  # 14 Feb, Ben
        ("Nia", "Nursery → reception"),  # 14 Feb, Cara
        ("Sam", "Secondary → post-16"),  # 30 Mar
    ]
    by_name = {r.child_name.split()[0]: r for r in rows}
    yasmin = by_name["Yasmin"]
    assert yasmin.case_id == ids["Yasmin"]
    assert (yasmin.year_group, yasmin.year_group_source) == ("Y6", "date of birth")
    assert yasmin.setting == "Hill Primary School"
    assert (yasmin.transfer_kind, yasmin.transfer_year) == ("school-phase", 2027)
    assert yasmin.legal_date == SCHOOL_PHASE_DUE
    assert yasmin.legal_date_text == "Sun 14 Feb 2027"
    assert yasmin.review_booked == date(2026, 12, 10)
    assert yasmin.next_step == "Review booked Thu 10 Dec 2026: amend the plan by Sun 14 Feb 2027"
    assert (yasmin.caseworker_id, yasmin.caseworker) == (workers["ben"], "Ben Okafor")
    assert not yasmin.overdue
    assert not yasmin.has_review_task
    nia = by_name["Nia"]
    assert nia.year_group == "N"
    assert nia.review_booked is None
    assert nia.last_review is None
    assert nia.next_step == "Book the phase transfer review: amended plan due Sun 14 Feb 2027"
    assert nia.caseworker == "Cara Singh"
    sam = by_name["Sam"]
    assert (sam.year_group, sam.transfer_kind) == ("Y11", "secondary-post16")
    assert sam.legal_date_text == "Tue 30 Mar 2027"


def test_planner_after_the_legal_date_shows_overdue_and_held_reviews(planned, db):
    ids, work, _ = planned
    work.schedule_review(ids["Yasmin"], date(2026, 12, 10))
    rows = {r.child_name.split()[0]: r for r in _planner(db, date(2027, 3, 1)).planner()}
    yasmin = rows["Yasmin"]
    assert yasmin.review_booked is None
    assert yasmin.overdue
    assert yasmin.next_step == (
        "Overdue — Review held Thu 10 Dec 2026: issue the amended plan by Sun 14 Feb 2027"
    )
    assert not rows["Sam"].overdue  # post-16: 30 March


def test_recorded_year_group_and_recorded_transfer_win(planned, db):
    ids, work, _ = planned
    # Finn is Y5 by birthday but taught in Y6: moves to secondary next September.
    finn = work.get_case(ids["Finn"], opened=False).child
    work.update_child(finn.id, finn.version, {"year_group": "6"})
    # Pat (Y2, primary) is in a three-tier area: the caseworker records a 2027 move.
    work.set_phase_transfer(ids["Pat"], _version(work, ids["Pat"]), 2027, "school-phase")
    # Yasmin is staying back a year: recorded for 2028, so not in this year's list.
    work.set_phase_transfer(ids["Yasmin"], _version(work, ids["Yasmin"]), 2028, "school-phase")
    rows = {r.child_name.split()[0]: r for r in _planner(db).planner()}
    assert "Yasmin" not in rows
    assert (rows["Finn"].year_group, rows["Finn"].year_group_source) == ("Y6", "recorded")
    assert rows["Finn"].transfer == "Primary → secondary"
    assert rows["Pat"].transfer == "Phase transfer (recorded on the case)"
    assert rows["Pat"].legal_date == SCHOOL_PHASE_DUE


def test_a_child_staying_in_their_own_sixth_form_is_not_listed(planned, db):
    """Sam (Y11 at Vale Academy) stays in its sixth form: no post-16 institution (CFA s83), so
    no Reg 2(f) transfer and no 31 March date, in the planner or on the case."""
    ids, work, _ = planned
    assert "Sam" in {r.child_name.split()[0] for r in _planner(db).planner()}
    work.set_phase_transfer(ids["Sam"], _version(work, ids["Sam"]), 2027, "none")
    rows = _planner(db).planner()
    assert "Sam" not in {r.child_name.split()[0] for r in rows}
    assert POST16_DUE not in {r.legal_date for r in rows}  # Sam was the only post-16 move
    detail = work.get_case(ids["Sam"], opened=False)
    assert (detail.phase_transfer_year, detail.phase_transfer_kind) == (2027, "none")
    assert detail.phase_transfer_due is None
    # Still no transfer after the 31 March date would have passed.
    assert "Sam" not in {r.child_name.split()[0] for r in _planner(db, date(2027, 4, 1)).planner()}
    # Next academic year the record is history: a Y12 makes no derived move either.
    later = {r.child_name.split()[0] for r in _planner(db, date(2027, 9, 2)).planner()}
    assert "Finn" in later and "Sam" not in later


def test_a_kind_that_is_not_offered_is_refused(planned, db):
    ids, work, _ = planned
    from caseload_app.services.errors import ValidationError

    with pytest.raises(ValidationError, match="Choose the kind of transfer"):
        work.set_phase_transfer(ids["Sam"], _version(work, ids["Sam"]), 2027, "stays")


def test_review_tasks_are_created_once_per_case_in_one_go(planned, db):
    ids, work, workers = planned
    service = _planner(db)
    cases = [ids["Yasmin"], ids["Nia"], ids["Yasmin"]]
    assert service.create_review_tasks(cases, date(2026, 12, 18)) == 2
    assert service.create_review_tasks(cases, date(2026, 12, 18)) == 0  # idempotent
    tasks = work.get_case(ids["Nia"], opened=False).tasks
    assert [(t.title, t.due, t.owner_id) for t in tasks] == [
        (REVIEW_TASK_TITLE, date(2026, 12, 18), workers["cara"])
    ]
    assert {r.child_name.split()[0] for r in service.planner() if r.has_review_task} == {
        "Yasmin",
        "Nia",
    }
    # Once done, a new one may be made (next year's transfer, say).
    work.set_task_done(tasks[0].id, tasks[0].version, True)
    assert service.create_review_tasks([ids["Nia"]], None) == 1
    with db.read() as s:
        titles = s.scalars(select(Task.title).where(Task.case_id == ids["Nia"])).all()
        audited = s.scalars(
            select(AuditEntry.id).where(AuditEntry.record_type == "task", AuditEntry.who == "Lead")
        ).all()
    assert titles == [REVIEW_TASK_TITLE, REVIEW_TASK_TITLE]
    assert len(audited) == 3


def test_review_tasks_all_or_nothing(planned, db):
    ids, _, _ = planned
    from caseload_app.services.errors import NotFound

    with pytest.raises(NotFound):
        _planner(db).create_review_tasks([ids["Nia"], 99999], None)
    with db.read() as s:
        assert s.scalars(select(Task)).all() == []


# --------------------------------------------------------------------------- SEN2
def _read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def sen2_cases(db):
    ids = {}
    # Exactly 20 weeks (1 Jul → Wed 18 Nov 2026): within.
    ids["on_time"], work = _child(db, "Olu", date(2014, 2, 3), "Hill Primary", primary_need="ASD")
    _issue_plan(work, ids["on_time"], date(2026, 11, 18))
    review = work.schedule_review(ids["on_time"], date(2026, 11, 20))
    version = next(r.version for r in work.get_case(ids["on_time"], opened=False).reviews)
    work.update_review(review, version, {"decision_date": date(2026, 11, 23), "outcome": "amend"})
    # 20 weeks + 1 day: late. Then ceased.
    ids["late"], work = _child(db, "Lara", date(2014, 2, 3), primary_need="SEMH")
    # An exception to another limit (Reg 5(4)) is not SEN2's Week20 flag.
    work.record_exception(
        ids["late"], "school_closed", ["decide_assess"], date(2026, 7, 20), None, None
    )
    _issue_plan(work, ids["late"], date(2026, 11, 19))
    # Proposed to cease, reason 5 (SEN2: transferred to another LA in England); the family
    # and the school consulted (Reg 31(1)); then the decision.
    work.record_action(
        ids["late"], _version(work, ids["late"]), "cease_proposed", date(2026, 11, 20), "", "5"
    )
    _act(work, ids["late"], "cease_family_consulted", date(2026, 11, 21))
    _act(work, ids["late"], "cease_school_consulted", date(2026, 11, 21))
    _act(work, ids["late"], "ceased", date(2026, 11, 22), "Moved out of area")
    # Late, but an exception applies.
    ids["exception"], work = _child(db, "Eve", date(2014, 2, 3))
    work.record_exception(
        ids["exception"],
        "school_closed",
        ["final_plan"],
        date(2026, 7, 20),
        date(2026, 8, 20),
        date(2026, 7, 21),
    )
    _issue_plan(work, ids["exception"], date(2026, 11, 19))
    # Refused to assess in the reporting period.
    ids["refused"], work = _child(db, "Rafe", date(2014, 2, 3), request_source="school")
    _act(work, ids["refused"], "assess_refused", date(2026, 8, 10), "Needs met at SEN support")
    # Refused long before the reporting period: not in the return.
    ids["old"], work = _child(db, "Otto", date(2014, 2, 3), request_received=date(2024, 1, 10))
    _act(work, ids["old"], "assess_refused", date(2024, 2, 1), "Needs met at SEN support")
    return ids, work


def test_reporting_period_is_the_calendar_year_before_the_census():
    period = reporting_period(CENSUS)
    assert (period.starts, period.ends) == (date(2026, 1, 1), date(2026, 12, 31))


def _built(db, census: date = CENSUS):
    service = Sen2ReturnService(db, "Lead", now=lambda: NOW)
    return service.prepare(census, Officers("Y", "Y", "N")).built


def _requests(built, work, ids) -> dict[str, object]:
    """Each fixture case's request in the return, by the fixture's name for it."""
    found = {r.case_id: r for p in built.persons for r in p.requests}
    return {name: found[case_id] for name, case_id in ids.items() if case_id in found}


def test_sen2_requests_and_flags(sen2_cases, db):
    ids, work = sen2_cases
    built = _built(db)
    got = _requests(built, work, ids)
    assert set(got) == {"on_time", "late", "exception", "refused"}  # Otto's was in 2024
    on_time = got["on_time"]
    assert (on_time.received, on_time.source) == (date(2026, 7, 1), "1")
    assert (on_time.outcome, on_time.outcome_date) == ("Y", date(2026, 8, 1))
    a = on_time.assessment
    assert (a.outcome, a.outcome_date, a.week20) == ("Y", date(2026, 11, 18), False)
    assert a.plan.start_date == date(2026, 11, 18)
    active = on_time.active
    assert (active.review_meeting, active.review_outcome, active.last_review) == (
        date(2026, 11, 20),
        "A",
        date(2026, 11, 23),
    )
    assert [(n.sen_type, n.rank) for n in active.needs] == [("ASD", 1)]
    # An exception to another limit (Reg 5(4)) is not SEN2's Week20 flag.
    late = got["late"]
    assert (late.assessment.outcome_date, late.assessment.week20) == (date(2026, 11, 19), False)
    # Decided to cease on Sun 22 Nov 2026: the plan stays in force until the time to appeal
    # ends (s45(4)), after the census day, so it is still an active plan with no CeaseDate.
    assert (late.assessment.plan.cease_date, late.assessment.plan.cease_reason) == (None, None)
    assert late.active is not None
    assert got["exception"].assessment.week20 is True
    refused = got["refused"]
    assert (refused.source, refused.outcome, refused.outcome_date) == ("2", "N", date(2026, 8, 10))
    assert refused.assessment is None


def test_sen2_a_plan_ceased_once_the_time_to_appeal_is_over(sen2_cases, db):
    """The same ceasing seen from a later census day: the plan ended when the family's time to
    appeal (2 months from the decision of Sun 22 Nov 2026) ran out, not on the decision."""
    ids, work = sen2_cases
    plan = _requests(_built(db, date(2027, 3, 18)), work, ids)["late"].assessment.plan
    assert plan.cease_reason == "5"
    assert date(2027, 1, 22) <= plan.cease_date <= date(2027, 1, 25)


def test_cli_sen2_needs_a_census_date(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["sen2", "--db", str(tmp_path / "x.sqlite3"), "-o", str(tmp_path / "o.csv")])
    assert "--census-date" in capsys.readouterr().err


def test_sen2_a_s24_start_is_sent_as_other(db):
    """A case started by the council becoming responsible (CFA s24) is not a request made to
    the council: SEN2 has no source for it, so it goes as 5, Other (docs/SEN2.md)."""
    case_id, work = _child(db, "Maya", date(2014, 2, 3), request_source="became_responsible")
    (request,) = _requests(_built(db), work, {"maya": case_id}).values()
    assert (request.source, request.received) == ("5", date(2026, 7, 1))
