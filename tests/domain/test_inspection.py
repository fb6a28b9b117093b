"""The inspection list's rules: a placement in plain words, who is in the list on a day, the
stage a case stood at then, and the code list of columns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from caseload_app.domain import inspection
from caseload_app.domain.codes import CodeListError
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.inspection import (
    CELLS,
    choose_columns,
    inspection_columns,
    open_on,
    parse_columns,
    placement_type,
    stage_on,
)

S = "setting"  # placement_kinds.csv: a place at a school, college or other setting


@pytest.mark.parametrize(
    ("kind", "more", "expected"),
    [
        (None, {}, "No placement recorded"),
        ("ehe", {}, "Elective home education"),
        ("eotas", {}, "Education otherwise than at school"),
        ("neet", {}, "Not in education, employment or training"),
        ("other", {}, "Other arrangements"),
        (S, {"type_name": "Community school"}, "Mainstream school"),
        (S, {"type_name": "Academy sponsor led"}, "Mainstream school"),
        (S, {"type_name": "Community special school"}, "Special school"),
        (S, {"type_name": "Academy special converter"}, "Special school"),
        (S, {"type_name": "Non-maintained special school"}, "Non-maintained special school"),
        (S, {"type_name": "Other independent special school"}, "Independent special school"),
        (S, {"type_name": "Other independent school"}, "Independent school"),
        (S, {"type_name": "Pupil referral unit"}, "Alternative provision or pupil referral unit"),
        (S, {"type_name": "Further education"}, "Further education college"),
        (S, {"type_name": "Academy 16-19 converter"}, "Further education college"),
        (S, {"type_name": "Special post 16 institution"}, "Specialist post-16 institution"),
        (S, {"type_name": "Local authority nursery school"}, "Nursery or early years setting"),
        (S, {"type_name": "Secure units"}, "Other establishment"),
        (S, {"type_name": "Academy converter", "provision": "resourced"},
         "Resourced provision in mainstream"),
        (S, {"type_name": "Foundation school", "provision": "sen_unit"},
         "SEN unit in mainstream"),
        (S, {"type_name": "Further education", "work_based": "supported_internship"},
         "Apprenticeship or supported internship"),
    ],
)  # fmt: skip
def test_a_placement_in_plain_words(kind, more, expected):
    assert placement_type(kind, on_register=kind == S, **more) == expected


def test_a_setting_typed_in_is_not_on_the_register():
    assert placement_type("setting") == "Setting not on the register"
    assert placement_type("setting", provision="mainstream") == "Mainstream school"


@dataclass(frozen=True)
class Case:
    stage: str = "request_received"
    is_open: bool = True
    request_received: date = date(2026, 7, 1)
    transferred_in: date | None = None
    withdrawn_date: date | None = None
    ceased_date: date | None = None
    assess_decision: str | None = None
    assess_decision_date: date | None = None
    issue_decision: str | None = None
    issue_decision_date: date | None = None
    draft_served: date | None = None
    final_issued: date | None = None


PLAN = Case(
    stage="plan_issued",
    assess_decision="agreed",
    assess_decision_date=date(2026, 8, 1),
    issue_decision="issue",
    issue_decision_date=date(2026, 9, 1),
    draft_served=date(2026, 10, 1),
    final_issued=date(2026, 11, 18),
)


def test_open_from_the_request_until_the_day_it_closed():
    assert not open_on(PLAN, date(2026, 6, 30))
    assert open_on(PLAN, date(2026, 7, 1))
    ceased = replace(PLAN, stage="ceased", is_open=False, ceased_date=date(2027, 3, 1))
    assert open_on(ceased, date(2027, 2, 28))
    assert not open_on(ceased, date(2027, 3, 1))
    withdrawn = replace(Case(), is_open=False, withdrawn_date=date(2026, 7, 20))
    assert open_on(withdrawn, date(2026, 7, 19)) and not open_on(withdrawn, date(2026, 7, 20))
    # Closed, the day unknown (an old import): not in any list.
    assert not open_on(replace(Case(), stage="ceased", is_open=False), date(2026, 8, 1))
    # A plan transferred in: this council's from the transfer.
    moved = replace(PLAN, transferred_in=date(2027, 1, 10), request_received=date(2026, 1, 1))
    assert not open_on(moved, date(2027, 1, 9)) and open_on(moved, date(2027, 1, 10))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 7, 31), "request_received"),
        (date(2026, 8, 1), "assessment"),
        (date(2026, 9, 30), "assessment"),
        (date(2026, 10, 1), "draft_issued"),
        (date(2026, 11, 18), "plan_issued"),
    ],
)
def test_the_stage_on_a_day(on, expected):
    assert stage_on(PLAN, on) == expected
    ceased = replace(PLAN, stage="ceased", is_open=False, ceased_date=date(2027, 3, 1))
    assert stage_on(ceased, on) == expected


def test_a_stage_with_no_date_is_taken_as_reached():
    old = Case(stage="plan_issued")  # imported with its stage only
    assert stage_on(old, date(2026, 7, 2)) == "plan_issued"
    refused_later = replace(Case(), stage="refused_to_assess", assess_decision="refused")
    assert stage_on(refused_later, date(2026, 7, 2)) == "request_received"


def test_the_shipped_columns_are_all_ones_caseload_fills():
    columns = inspection_columns()
    assert {c.key for c in columns} == set(CELLS)
    assert [c.key for c in columns if c.default][:4] == [
        "child_id",
        "upn",
        "first_name",
        "last_name",
    ]
    assert all(c.label and c.description for c in columns)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key,label,default\nshoe_size,Shoe size,1\n", "no column 'shoe_size'"),
        ("key,label,default\nupn,UPN,1\nupn,UPN again,0\n", "'upn' is already on line 2"),
        ("key,label,default\nupn,UPN,yes\n", "'default' must be 1 or 0"),
        ("key,label\nupn,UPN\n", "missing column 'default'"),
    ],
)
def test_a_broken_list_of_columns_names_its_line(text, message):
    with pytest.raises(CodeListError, match=message):
        parse_columns(text, "inspection_columns.csv")


def test_columns_chosen_by_key():
    assert [c.key for c in choose_columns(["urn", " upn ", "urn"])] == ["urn", "upn"]
    assert choose_columns(None) == inspection.default_columns()
    with pytest.raises(ValidationError, match=r"'shoe' .* The columns are: child_id, upn"):
        choose_columns(["shoe"])
