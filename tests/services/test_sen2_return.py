"""The SEN2 return built from hand-counted cases (census day Thu 21 Jan 2027, so the
reporting period is the calendar year 2026): every request in the period, not one row per
child, each module with its codes; checked; written as XML that parses back, and as CSV.

Placements, establishments and person details are written straight into the tables here: the
forms that write them are tested on their own.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from sqlalchemy import insert, select, update

from caseload_app.cli import main
from caseload_app.db.models import AppSetting, AuditEntry, Child, EhcpCase, Establishment, Placement
from caseload_app.domain.establishments import establishment_search_text
from caseload_app.services.errors import UserError
from caseload_app.services.sen2_return import Officers, Sen2ReturnService
from tests.backends import sqlite_only
from tests.helpers import new_case
from tests.services.test_exports_are_audited import opened_read_only

CENSUS = date(2027, 1, 21)
OFFICERS = Officers("Y", "N", "R")
WHEN = datetime(2026, 12, 6, 9, 0)


def _act(work, case_id: int, key: str, on: date, reason: str = "") -> None:
    version = work.get_case(case_id, opened=False).version
    work.record_action(case_id, version, key, on, reason)


def _child(db, first: str, **more):
    fields = dict(first_name=first, last_name="Testcase", upn="", nhs_number="")
    fields.update(more)
    return new_case(db, **fields)


def _details(db, case_id: int, **values) -> int:
    """Person details on the case's child; returns the child's id."""
    with db.uow() as s:
        child_id = s.scalar(select(EhcpCase.child_id).where(EhcpCase.id == case_id))
        s.execute(update(Child).where(Child.id == child_id).values(**values))
    return child_id


def _establishment(db, urn: int, name: str, la: int = 839) -> int:
    with db.uow() as s:
        return s.execute(
            insert(Establishment)
            .values(
                urn=urn,
                la_code=la,
                establishment_number=2000 + urn % 1000,
                name=name,
                type_code="",
                type_name="",
                phase="",
                postcode=None,
                is_open=True,
                search_text=establishment_search_text(name, urn, la, None, None),
                imported_at=WHEN,
            )
            .returning(Establishment.id)
        ).scalar_one()


def _placement(db, child_id: int, starts: date, establishment_id=None, **more) -> None:
    values = dict(
        child_id=child_id,
        kind="setting" if establishment_id or more.get("setting_name") else "ehe",
        establishment_id=establishment_id,
        setting_name="",
        starts=starts,
        rank=1,
        residential=None,
        out_of_area=False,
        version=1,
    )
    values.update(more)
    with db.uow() as s:
        s.execute(insert(Placement).values(**values))


def _issue_plan(work, case_id: int, final: date) -> None:
    _act(work, case_id, "assess_agreed", date(2026, 8, 1))
    _act(work, case_id, "issue", date(2026, 9, 1))
    _act(work, case_id, "draft_served", date(2026, 10, 1))
    _act(work, case_id, "final_issued", final)


PERSON = dict(sex="M", ethnicity="WBRI")


@pytest.fixture
def cases(db):
    return make_cases(db)


def make_cases(db) -> dict[str, int]:
    """The hand-counted cases; returns their case ids by the child's first name."""
    ids: dict[str, int] = {}
    with db.uow() as s:
        s.add(AppSetting(key="council_la", value="839"))
    oak = _establishment(db, 113503, "Oak Hill Primary School")
    # A plan issued at exactly 20 weeks (1 Jul → Wed 18 Nov 2026), reviewed, at Oak Hill.
    ids["olu"], work = _child(
        db, "Olu", upn="L837201500012", primary_need="ASD", date_of_birth=date(2016, 5, 4)
    )
    _issue_plan(work, ids["olu"], date(2026, 11, 18))
    review = work.schedule_review(ids["olu"], date(2026, 11, 20))
    version = next(r.version for r in work.get_case(ids["olu"], opened=False).reviews)
    work.update_review(review, version, {"decision_date": date(2026, 11, 23), "outcome": "amend"})
    olu = _details(db, ids["olu"], secondary_need="SLCN", **PERSON)
    _placement(db, olu, date(2020, 9, 1), oak, provision="resourced")
    # Refused to assess in the year, asked by the school.
    ids["rafe"], work = _child(db, "Rafe", request_source="school", date_of_birth=date(2014, 2, 3))
    _act(work, ids["rafe"], "assess_refused", date(2026, 8, 10), "Needs met at SEN support")
    _details(db, ids["rafe"], upn_unknown="UN2", **PERSON)
    # Refused in 2024: not in the return.
    ids["otto"], work = _child(db, "Otto", request_received=date(2024, 1, 10))
    _act(work, ids["otto"], "assess_refused", date(2024, 2, 1), "Needs met at SEN support")
    # Withdrawn before the decision.
    ids["wren"], work = _child(db, "Wren", request_received=date(2026, 9, 1))
    with db.uow() as s:
        s.execute(
            update(EhcpCase)
            .where(EhcpCase.id == ids["wren"])
            .values(withdrawn_date=date(2026, 10, 1), is_open=False)
        )
    _details(db, ids["wren"], uln="1234567890", **PERSON)
    # Received Sun 1 Nov 2026 and no decision by the census: late (a warning).
    ids["nia"], work = _child(db, "Nia", request_received=date(2026, 11, 1))
    _details(db, ids["nia"], upn_unknown="UN1", **PERSON)
    # A plan at home (elective home education), with no sex or ethnicity recorded: errors.
    ids["eve"], work = _child(db, "Eve", date_of_birth=date(2014, 2, 3), primary_need="SEMH")
    _issue_plan(work, ids["eve"], date(2026, 11, 10))
    eve = _details(db, ids["eve"], upn_unknown="UN2")
    _placement(db, eve, date(2025, 1, 6))
    return ids


def _prepared(db, officers=OFFICERS):
    service = Sen2ReturnService(db, "Asha Patel", now=lambda: WHEN)
    return service, service.prepare(CENSUS, officers)


def _by_name(built):
    return {p.forename: p for p in built.persons}


def test_every_request_in_the_period_and_its_codes(db, cases):
    _, prepared = _prepared(db)
    people = _by_name(prepared.built)
    assert sorted(people) == ["Eve", "Nia", "Olu", "Rafe", "Wren"]  # Otto's was in 2024
    header = prepared.built.header
    assert (header.lea, header.year, header.reference_date) == ("839", 2027, CENSUS)
    (olu,) = people["Olu"].requests
    assert (olu.received, olu.source, olu.outcome, olu.outcome_date) == (
        date(2026, 7, 1),
        "1",
        "Y",
        date(2026, 8, 1),
    )
    assert (olu.mediation, olu.tribunal) == (False, False)
    a = olu.assessment
    assert (a.outcome, a.outcome_date, a.week20) == ("Y", date(2026, 11, 18), False)
    plan = a.plan
    assert plan.start_date == date(2026, 11, 18)
    assert [(d.urn, d.rank, d.sen_unit, d.resourced) for d in plan.details] == [
        (113503, 1, False, True)
    ]
    active = olu.active
    assert [(p.urn, p.entry_date, p.leaving_date) for p in active.placements] == [
        (113503, date(2020, 9, 1), None)
    ]
    assert [(n.sen_type, n.rank) for n in active.needs] == [("ASD", 1), ("SLCN", 2)]
    assert (active.review_meeting, active.review_outcome, active.last_review) == (
        date(2026, 11, 20),
        "A",
        date(2026, 11, 23),
    )
    (rafe,) = people["Rafe"].requests
    assert (rafe.source, rafe.outcome, rafe.outcome_date, rafe.assessment) == (
        "2",
        "N",
        date(2026, 8, 10),
        None,
    )
    assert people["Wren"].requests[0].outcome == "W"
    assert people["Nia"].requests[0].outcome == "A"
    (eve,) = people["Eve"].requests
    assert [(p.urn, p.sen_setting) for p in eve.active.placements] == [(None, "EHE")]


def test_a_child_with_two_requests_is_one_person_with_both(db, cases):
    with db.uow() as s:
        rafe = s.get(EhcpCase, cases["rafe"])
        s.add(
            EhcpCase(
                child_id=rafe.child_id,
                request_received=date(2026, 12, 20),
                request_source="parent",
                stage="request_received",
                is_open=True,
            )
        )
    _, prepared = _prepared(db)
    rafe = _by_name(prepared.built)["Rafe"]
    assert [(r.received, r.outcome) for r in rafe.requests] == [
        (date(2026, 7, 1), "N"),
        (date(2026, 12, 20), "A"),
    ]
    assert prepared.built.requests == 6


def test_the_checks_list_each_child_with_how_to_fix(db, cases):
    _, prepared = _prepared(db)
    found = {(f.name, f.code) for f in prepared.findings}
    assert ("Eve Testcase", "P04") in found  # no sex
    assert ("Eve Testcase", "P06") in found  # no ethnicity
    assert ("Nia Testcase", "R04") in found  # no decision after 6 weeks
    assert all(f.fix for f in prepared.findings)
    assert not [f for f in prepared.findings if f.name == "Olu Testcase"]
    nia = next(f for f in prepared.findings if f.code == "R04")
    assert (nia.severity, nia.case_id) == ("warning", cases["nia"])
    assert "Sun 01 Nov 2026" in nia.message


def test_an_error_stops_the_return_being_written(db, cases, tmp_path):
    service, prepared = _prepared(db)
    assert prepared.errors
    target = tmp_path / "sen2.xml"
    with pytest.raises(UserError, match=f"{prepared.errors} errors"):
        service.save(prepared, target)
    assert not target.exists()


def _fix_eve(db, cases):
    _details(db, cases["eve"], sex="F", ethnicity="NOBT")


def test_the_xml_follows_the_modules_and_parses_back(db, cases, tmp_path):
    _fix_eve(db, cases)
    service, prepared = _prepared(db)
    assert prepared.errors == 0, prepared.findings
    saved = service.save(prepared, tmp_path / "sen2.xml")
    root = ET.parse(saved.path).getroot()
    assert root.tag == "Message"
    assert [c.tag for c in root] == ["Header", "Persons"]
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2027-01-21"
    assert root.findtext("Header/Source/LEA") == "839"
    assert root.findtext("Header/Source/SerialNo") == "001"
    assert root.findtext("Header/Source/DSCO") == "R"
    persons = root.findall("Persons/Person")
    assert len(persons) == 5
    olu = next(p for p in persons if p.findtext("Forename") == "Olu")
    assert [c.tag for c in olu][:6] == ["Surname", "Forename", "PersonBirthDate", "Sex",
                                        "Ethnicity", "PostCode"]  # fmt: skip
    assert olu.findtext("Requests/RequestOutcome") == "Y"
    assert olu.findtext("Requests/Assessment/Week20") == "0"
    assert olu.findtext("Requests/Assessment/NamedPlan/PlanDetail/URN") == "113503"
    assert (
        olu.findtext("Requests/Assessment/NamedPlan/PlanDetail/ResourcedProvisionIndicator") == "1"
    )
    assert olu.findtext("Requests/ActivePlans/PlacementDetail/EntryDate") == "2020-09-01"
    needs = [(n.findtext("SENtype"), n.findtext("SENtypeRank"))
             for n in olu.findall("Requests/ActivePlans/SENneed")]  # fmt: skip
    assert needs == [("ASD", "1"), ("SLCN", "2")]
    assert olu.findtext("Requests/ActivePlans/LastReview") == "2026-11-23"
    assert olu.find("Requests/RYA") is None  # not recorded: left out, never guessed
    with db.read() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.action == "export", AuditEntry.record_type == "sen2"
            )
        ).one()
        serial = s.get(AppSetting, "sen2_serial").value
    assert saved.sha256 in detail and "5 children, 5 requests" in detail
    assert serial == "1"
    service.save(prepared, tmp_path / "the-same.csv", fmt="csv")  # one build, two files
    with db.read() as s:
        assert s.get(AppSetting, "sen2_serial").value == "1"
    again = service.prepare(CENSUS, OFFICERS)
    assert again.built.header.serial == "002"


def test_the_csv_has_a_row_per_request(db, cases, tmp_path):
    _fix_eve(db, cases)
    service, prepared = _prepared(db)
    saved = service.save(prepared, tmp_path / "sen2.csv", fmt="csv")
    with open(saved.path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    olu = next(r for r in rows if r["Forename"] == "Olu")
    assert (olu["RequestOutcome"], olu["AssessmentOutcome"], olu["PlanDetail1_URN"]) == (
        "Y",
        "Y",
        "113503",
    )
    assert (olu["Placement1_EntryDate"], olu["SENtype1"], olu["SENtype2"]) == (
        "2020-09-01",
        "ASD",
        "SLCN",
    )


def test_a_snapshot_as_at_the_census_day(db, cases):
    _, before = _prepared(db)
    # Something dated after the census day has not happened yet.
    with db.uow() as s:
        s.execute(
            update(EhcpCase)
            .where(EhcpCase.id == cases["nia"])
            .values(assess_decision="agreed", assess_decision_date=date(2027, 2, 1))
        )
    _, after = _prepared(db)
    nia = _by_name(after.built)["Nia"].requests[0]
    assert (nia.outcome, nia.outcome_date) == ("A", None)
    assert before.built.persons == after.built.persons


def test_building_is_audited_as_a_view(db, cases):
    _prepared(db)
    with db.read() as s:
        action, detail = s.execute(
            select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.record_type == "sen2")
        ).one()
    assert action == "view"
    assert "census day 2027-01-21" in detail and "5 children" in detail
    assert "Olu" not in detail


@sqlite_only
def test_a_return_that_cannot_be_recorded_leaves_no_file(db, cases, tmp_path):
    _fix_eve(db, cases)
    _, prepared = _prepared(db)
    read_only = opened_read_only(db.path)
    target = tmp_path / "out" / "sen2.xml"
    target.parent.mkdir()
    try:
        service = Sen2ReturnService(read_only, "Asha Patel", now=lambda: WHEN)
        with pytest.raises(UserError, match="^Not exported: the export could not be recorded"):
            service.save(prepared, target)
    finally:
        read_only.dispose()
    assert list(target.parent.iterdir()) == []  # neither the file nor a temporary one


def _cli(db, *more: str) -> int:
    where = db.url if not db.is_sqlite else str(db.path)
    return main(["sen2", "--db", where, "--census-date", "2027-01-21", *more])


def test_cli_lists_what_to_fix_and_writes_nothing_while_an_error_stands(
    db, cases, tmp_path, capsys
):
    out = tmp_path / "sen2.xml"
    assert _cli(db, "-o", str(out), "--dmo", "y", "--dco", "N", "--dsco", "R") == 1
    printed = capsys.readouterr().out
    assert "5 children, 5 requests" in printed
    assert "ERROR P04 Eve Testcase" in printed and "Fix: Choose it on the Overview tab." in printed
    assert "WARNING R04 Nia Testcase" in printed
    assert "Nothing written" in printed and not out.exists()
    assert _cli(db, "--validate-only", "--dmo", "Y", "--dco", "N", "--dsco", "R") == 1


def test_cli_writes_xml_or_csv_and_remembers_the_officers(db, cases, tmp_path, capsys):
    _fix_eve(db, cases)
    assert _cli(db, "--validate-only") == 1  # the officers are not known yet
    assert "ERROR H05 Header" in capsys.readouterr().out
    out = tmp_path / "sen2.xml"
    assert _cli(db, "-o", str(out), "--dmo", "Y", "--dco", "N", "--dsco", "R") == 0
    assert "Wrote the SEN2 return (xml)" in capsys.readouterr().out
    assert ET.parse(out).getroot().findtext("Header/Source/DMO") == "Y"
    sheet = tmp_path / "sen2.csv"
    assert _cli(db, "-o", str(sheet)) == 0  # the officers as last saved; csv from the name
    assert "Wrote the SEN2 return (csv)" in capsys.readouterr().out
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbfChildID,CaseID,Surname")
    assert _cli(db) == 2
    assert "Say where to write the return" in capsys.readouterr().out


def test_the_personal_budget_comes_from_the_plans_section_j(db, cases):
    from dataclasses import replace

    from caseload_app.domain.plan import Budget
    from caseload_app.services.plans import PlanService
    from tests.services.test_plans import good_plan

    plans = PlanService(db, "Asha Patel", today=lambda: date(2026, 12, 1))
    plan = replace(good_plan(), budget=Budget(taken_up=True, organised=True, direct_payments="E"))
    draft = plans.save(cases["olu"], good_plan(), None, 0)
    plans.issue(cases["olu"], draft.version_id, draft.version, date(2026, 10, 1))
    working = plans.working(cases["olu"])
    state = plans.save(cases["olu"], plan, working.version_id, working.version)
    plans.issue(cases["olu"], state.version_id, state.version, date(2026, 11, 18))
    assert plans.versions(cases["olu"])[-1].kind in ("final", "amended")
    _, prepared = _prepared(db)
    olu = _by_name(prepared.built)["Olu"].requests[0].assessment.plan
    assert (olu.personal_budget, olu.organised_arrangements, olu.direct_payments) == (
        True,
        True,
        "E",
    )
    eve = _by_name(prepared.built)["Eve"].requests[0].assessment.plan
    assert (eve.personal_budget, eve.direct_payments) == (None, None)  # no plan written here


def test_a_plan_decided_to_cease_before_the_year_but_ending_in_it_is_in_the_return(db, cases):
    """Decided Mon 15 Dec 2025: the plan stayed in force until the family's time to appeal
    ran out, in February 2026, so it is a plan that ceased in the year (s45(4))."""
    case_id, work = _child(db, "Cal", request_received=date(2025, 3, 3))
    _act(work, case_id, "assess_agreed", date(2025, 4, 1))
    _act(work, case_id, "issue", date(2025, 5, 1))
    _act(work, case_id, "draft_served", date(2025, 6, 1))
    _act(work, case_id, "final_issued", date(2025, 7, 1))
    version = work.get_case(case_id, opened=False).version
    work.record_action(case_id, version, "cease_proposed", date(2025, 11, 3), "", "3")
    _act(work, case_id, "cease_family_consulted", date(2025, 11, 4))
    _act(work, case_id, "cease_school_consulted", date(2025, 11, 4))
    _act(work, case_id, "ceased", date(2025, 12, 15), "Gone to university")
    _, prepared = _prepared(db)
    (cal,) = _by_name(prepared.built)["Cal"].requests
    assert (cal.outcome, cal.assessment.outcome) == ("H", "H")  # decided before the year
    plan = cal.assessment.plan
    assert plan.cease_reason == "3"
    assert date(2026, 2, 15) <= plan.cease_date <= date(2026, 2, 20)
    assert cal.active is not None  # active for part of the year: its placements are asked for


def test_every_module_in_the_xml_keeps_the_specifications_order(db, cases, tmp_path):
    """Walk the whole file: each element's children are the module's own elements, in the
    order domain/sen2.py gives them (elements left out may be missing, never reordered)."""
    from caseload_app.domain import sen2

    _fix_eve(db, cases)
    service, prepared = _prepared(db)
    root = ET.parse(service.save(prepared, tmp_path / "sen2.xml").path).getroot()
    order = {
        module.NAME: [element for element, _ in module.ELEMENTS]
        for module in (sen2.Person, sen2.Request, sen2.Assessment, sen2.NamedPlan,
                       sen2.PlanDetail, sen2.ActivePlans, sen2.Setting, sen2.Need)
    }  # fmt: skip
    order["Source"] = [element for element, _ in sen2.Header.ELEMENTS]
    order["CollectionDetails"] = [element for element, _ in sen2.Header.COLLECTION]
    order |= {"Message": ["Header", "Persons"], "Header": ["CollectionDetails", "Source"],
              "Persons": ["Person"]}  # fmt: skip
    checked = 0
    for element in root.iter():
        children = [child.tag for child in element]
        if not children:
            assert element.text and element.text.strip(), element.tag  # never sent empty
            continue
        wanted = order[element.tag]
        positions = [wanted.index(tag) for tag in children]  # ValueError: not its element
        assert positions == sorted(positions), (element.tag, children)
        checked += 1
    assert checked > 20


def _case_row(db, child_case: int, **values) -> int:
    """Another case for the same child, as an old import leaves it (stages, few dates)."""
    with db.uow() as s:
        child_id = s.get(EhcpCase, child_case).child_id
        case = EhcpCase(child_id=child_id, **values)
        s.add(case)
        s.flush()
        return case.id


def test_old_imports_without_dates_are_coded_from_their_stage(db, cases):
    """A maintained plan imported with only its final plan's date is historic (H, H) with
    its plan; a closed case with no closing day recorded is left out (closed before)."""
    kept = _case_row(db, cases["wren"], request_received=date(2019, 3, 1), stage="plan_issued",
                     is_open=True, final_issued=date(2019, 8, 1))  # fmt: skip
    _case_row(db, cases["nia"], request_received=date(2018, 3, 1), stage="ceased", is_open=False)
    _, prepared = _prepared(db)
    found = {r.case_id: r for p in prepared.built.persons for r in p.requests}
    plan = found[kept]
    assert (plan.outcome, plan.assessment.outcome) == ("H", "H")
    assert plan.assessment.plan.start_date == date(2019, 8, 1)
    assert plan.active is not None
    assert sorted(found) == sorted([kept, *(cases[n] for n in ("olu", "rafe", "wren", "nia",
                                                              "eve"))])  # fmt: skip


def test_a_plan_finalised_in_the_year_after_a_decision_the_year_before_is_new(db, cases):
    case_id = _case_row(db, cases["rafe"], request_received=date(2025, 9, 1), stage="plan_issued",
                        is_open=True, assess_decision="agreed",
                        assess_decision_date=date(2025, 10, 1), issue_decision="issue",
                        issue_decision_date=date(2025, 12, 1),
                        final_issued=date(2026, 1, 12))  # fmt: skip
    _, prepared = _prepared(db)
    (request,) = [r for p in prepared.built.persons for r in p.requests if r.case_id == case_id]
    assert (request.outcome, request.outcome_date) == ("H", None)  # assessed in 2025
    assert (request.assessment.outcome, request.assessment.outcome_date) == ("Y", date(2026, 1, 12))


def test_an_appeal_against_ceasing_keeps_the_plan_until_its_hearing(db, cases):
    from caseload_app.db.models import Disagreement

    case_id = _case_row(db, cases["nia"], request_received=date(2024, 3, 1), stage="ceased",
                        is_open=False, final_issued=date(2024, 7, 1),
                        ceased_date=date(2025, 10, 15), cease_reason="2")  # fmt: skip
    with db.uow() as s:
        s.add(Disagreement(case_id=case_id, decision="To cease the plan", about="cease",
                           decision_letter=date(2025, 10, 15),
                           appeal_lodged=date(2025, 12, 1)))  # fmt: skip

    def plan():
        _, prepared = _prepared(db)
        found = [r for p in prepared.built.persons for r in p.requests if r.case_id == case_id]
        return found[0].assessment.plan if found else None

    assert plan().cease_date is None  # in force while the appeal is undecided
    with db.uow() as s:
        s.execute(update(Disagreement).values(outcome="Appeal dismissed",
                                              hearing_date=date(2026, 6, 10)))  # fmt: skip
    assert (plan().cease_date, plan().cease_reason) == (date(2026, 6, 10), "2")
    with db.uow() as s:
        s.execute(update(Disagreement).values(hearing_date=date(2027, 2, 1)))
    assert plan().cease_date is None  # heard after the census day: still in force then


def test_a_move_on_the_census_day_names_the_new_school_once(db, cases):
    olu = _details(db, cases["olu"], sex="M")
    new = _establishment(db, 113600, "Bay Secondary School")
    with db.uow() as s:
        s.execute(update(Placement).where(Placement.child_id == olu).values(ends=CENSUS))
    _placement(db, olu, CENSUS, new, residential="39_to_52_weeks")
    _, prepared = _prepared(db)
    plan = _by_name(prepared.built)["Olu"].requests[0].assessment.plan
    assert [(d.urn, d.rank) for d in plan.details] == [(113600, 1)]
    assert plan.residential == "B"
