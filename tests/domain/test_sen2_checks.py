"""Every SEN2 check in resources/codes/sen2_checks.csv fails on a return made wrong in just
its way and passes on the same return made right; a rule added to the file without a case
here fails the last test. The rules file itself is checked as it is read."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from caseload_app.domain import sen2
from caseload_app.domain.codes import CodeListError
from caseload_app.domain.sen2_checks import check_return, parse_rules, shipped_rules

CENSUS = date(2027, 1, 21)


def setting(**more) -> sen2.Setting:
    values = dict(urn=113503, ukprn=None, sen_setting=None, sen_setting_other=None, rank=1,
                  entry_date=date(2020, 9, 1), leaving_date=None, sen_unit=False,
                  resourced=False, residential=None, work_based=None, where="Oak Hill")  # fmt: skip
    values.update(more)
    return sen2.Setting(**values)


def detail(**more) -> sen2.PlanDetail:
    values = dict(urn=113503, ukprn=None, sen_setting=None, sen_setting_other=None, rank=1,
                  entry_date=None, leaving_date=None, sen_unit=False, resourced=False,
                  residential=None, work_based=None, where="Oak Hill")  # fmt: skip
    values.update(more)
    return sen2.PlanDetail(**values)


PLAN = sen2.NamedPlan(date(2026, 1, 10), (detail(),), None, None, None, None, None, None, None)
ASSESSMENT = sen2.Assessment("Y", date(2026, 1, 10), False, False, False, False, False, PLAN)
ACTIVE = sen2.ActivePlans(
    None,
    (setting(),),
    (sen2.Need("ASD", 1), sen2.Need("SLCN", 2)),
    date(2026, 12, 1),
    "M",
    None,
    None,
    None,
    date(2026, 12, 20),
)
REQUEST = sen2.Request(
    1, date(2025, 9, 1), "1", None, date(2025, 10, 1), "Y", False, False, None, ASSESSMENT, ACTIVE
)
PERSON = sen2.Person(
    7, "Brontë", "Zoë", date(2016, 5, 4), "F", "WBRI", "BH1 1AA", "L837201500012", None, None,
    (REQUEST,),
)  # fmt: skip
HEADER = sen2.Header(2027, CENSUS, 839, "caseload", "1", 1, datetime(2027, 1, 22), "Y", "N", "R")
GOOD = sen2.Sen2Return(HEADER, (PERSON,))


def with_person(**changes) -> sen2.Sen2Return:
    return replace(GOOD, persons=(replace(PERSON, **changes),))


def with_request(**changes) -> sen2.Sen2Return:
    return with_person(requests=(replace(REQUEST, **changes),))


def with_assessment(**changes) -> sen2.Sen2Return:
    return with_request(assessment=replace(ASSESSMENT, **changes))


def with_plan(**changes) -> sen2.Sen2Return:
    return with_assessment(plan=replace(PLAN, **changes))


def with_active(**changes) -> sen2.Sen2Return:
    return with_request(active=replace(ACTIVE, **changes))


# Each rule: a return wrong in just its way.
FAILING = {
    "H01": replace(GOOD, header=replace(HEADER, la=None)),
    "H02": replace(GOOD, header=replace(HEADER, dmo="X")),
    "H03": replace(GOOD, header=replace(HEADER, dco="X")),
    "H04": replace(GOOD, header=replace(HEADER, dsco="X")),
    "H05": replace(GOOD, header=replace(HEADER, dmo=None)),
    "H06": replace(GOOD, header=replace(HEADER, dco=None)),
    "P01": with_person(surname=""),
    "P02": with_person(forename=""),
    "P03": with_person(birth_date=None),
    "P04": with_person(sex=None),
    "P05": with_person(sex="Q"),
    "P06": with_person(ethnicity=None),
    "P07": with_person(ethnicity="WXYZ"),
    "P08": with_person(postcode=None),
    "P09": with_person(postcode="BH1 1A"),
    "P10": with_person(upn=None),
    "P11": with_person(upn=None, upn_unknown="UN4"),
    "P12": with_person(upn_unknown="UN1"),
    "P13": with_person(uln="123456789"),
    "P14": with_person(birth_date=date(2001, 1, 20)),
    "R01": with_request(source=None),
    "R02": with_request(outcome_date=None),
    "R03": with_request(outcome_date=date(2025, 8, 31)),
    "R04": with_request(outcome="A", outcome_date=None, assessment=None, active=None),
    "R05": with_request(noted=("disagreement_uncoded",)),
    "A01": with_assessment(outcome="N", outcome_date=None, plan=None),
    "A02": with_assessment(outcome_date=date(2025, 9, 30)),
    "A03": with_assessment(outcome="A", outcome_date=None, plan=None, week20=None),
    "A04": with_assessment(week20=None),
    "N01": with_plan(start_date=None),
    "N02": with_plan(details=()),
    "N03": with_plan(cease_date=date(2026, 6, 1)),
    "N04": with_plan(cease_date=date(2026, 1, 9), cease_reason="2"),
    "N05": with_plan(cease_date=date(2026, 6, 1), cease_reason="9"),
    "D01": with_plan(details=(detail(urn=None, where="Hillside (not on the register)"),)),
    "D02": with_plan(details=(detail(urn=12345),)),
    "D03": with_plan(details=(detail(urn=None, ukprn=1234567),)),
    "D04": with_plan(details=(detail(urn=None, sen_setting="OTH"),)),
    "AP01": with_active(placements=()),
    "AP02": with_active(needs=()),
    "AP03": with_active(review_meeting=None, last_review=None),
    "AP04": with_active(review_meeting=date(2025, 12, 1), last_review=date(2025, 12, 20)),
    "AP05": with_active(last_review=date(2026, 11, 30)),
    "C01": with_active(placements=(setting(urn=None),)),
    "C02": with_active(placements=(setting(entry_date=None),)),
    "C03": with_active(placements=(setting(leaving_date=date(2020, 8, 31)),)),
    "C04": with_active(placements=(setting(urn=12),)),
    "C05": with_active(placements=(setting(urn=None, sen_setting="OTH"),)),
    "E01": with_active(needs=(sen2.Need("NSA", 1),)),
    "E02": with_active(needs=(sen2.Need("ASD", 1), sen2.Need("ASD", 2))),
}


def codes_found(built: sen2.Sen2Return) -> set[str]:
    return {f.code for f in check_return(built)}


def test_a_return_made_right_passes_every_check():
    assert check_return(GOOD) == []


@pytest.mark.parametrize("code", sorted(FAILING))
def test_each_check_fails_on_its_own_fault(code):
    found = codes_found(FAILING[code])
    assert code in found
    # Only the fault made, and what follows from it (an "other" setting is also not on the
    # register when it has no URN; a missing sex is not in the list either…).
    assert found <= {code, *FOLLOWS.get(code, ())}


FOLLOWS = {"P11": {"P10"}, "D03": {"D01"}, "AP03": {"AP04"}}


def test_every_shipped_rule_has_its_failing_case():
    assert {rule.code for rule in shipped_rules()} == set(FAILING)


def test_a_finding_names_the_child_the_request_and_the_fix():
    (finding,) = check_return(FAILING["C03"])
    assert (finding.child_id, finding.name, finding.case_id) == (7, "Zoë Brontë", 1)
    assert finding.element == "Requests/ActivePlans/PlacementDetail/LeavingDate"
    assert "Oak Hill" in finding.message and "Mon 31 Aug 2020" in finding.message
    assert finding.fix


HEAD = "code,severity,module,check,element,argument,message,fix,source\n"


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("X1,error,Person,guess,Sex,,m,f,s", "no check called 'guess'"),
        ("X1,fatal,Person,required,Sex,,m,f,s", "severity must be error or warning"),
        ("X1,error,Pupil,required,Sex,,m,f,s", "no module called 'Pupil'"),
        ("X1,error,Person,required,Gender,,m,f,s", "Person has no element 'Gender'"),
    ],
)
def test_a_broken_rules_file_names_its_line(row, says):
    with pytest.raises(CodeListError, match=f"line 2: .*{says}"):
        parse_rules(HEAD + row + "\n", "sen2_checks.csv")


def test_a_repeated_code_is_refused():
    row = "X1,error,Person,required,Sex,,m,f,s\n"
    with pytest.raises(CodeListError, match="line 3: the code X1 is used twice"):
        parse_rules(HEAD + row + row, "sen2_checks.csv")
