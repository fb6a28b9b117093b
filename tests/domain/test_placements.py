"""A child's placements: what each must say, which one is the main placement on a day, and
that two placements of the same rank never share a day (a move on the day excepted)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from caseload_app.domain.errors import ValidationError
from caseload_app.domain.placements import (
    Placement,
    clash,
    clash_message,
    current,
    field_checks,
    overlaps,
    problems,
    where,
)

BORN = date(2016, 5, 4)

days = st.dates(min_value=date(2016, 5, 4), max_value=date(2042, 12, 31))
either_rank = st.sampled_from([1, 2])


@st.composite
def placements(draw, rank=either_rank) -> Placement:
    starts = draw(days)
    length = draw(st.none() | st.integers(min_value=0, max_value=4000))
    ends = None if length is None else starts + timedelta(days=length)
    return Placement(
        kind="setting",
        starts=starts,
        ends=ends,
        rank=draw(rank),
        establishment_id=1,
        id=draw(st.integers(min_value=1, max_value=10_000)),
        where="Oak Hill Primary",
    )


def days_of(p: Placement, until: date) -> set[date]:
    """Every day a placement covers (up to `until` for one not ended)."""
    last = p.ends or until
    return {p.starts + timedelta(days=n) for n in range((last - p.starts).days + 1)}


# --------------------------------------------------------------------------- dates, any dates
@given(placements(), placements())
def test_overlap_is_symmetric(a, b):
    assert overlaps(a, b) == overlaps(b, a)


@given(placements())
def test_a_placement_overlaps_itself_but_does_not_clash_with_its_own_saved_row(p):
    assert overlaps(p, p)
    assert clash(p, [p]) is None


@given(placements(), placements())
def test_placements_clash_only_when_they_share_a_day_that_is_not_a_move_on_the_day(a, b):
    assume(a.id != b.id)
    b = Placement(**{**b.__dict__, "rank": a.rank})
    shared = days_of(a, date(2043, 1, 1)) & days_of(b, date(2043, 1, 1))
    moves = {a.ends} if a.ends == b.starts and a.ends != a.starts else set()
    moves |= {b.ends} if b.ends == a.starts and b.ends != b.starts else set()
    assert (clash(a, [b]) is not None) == bool(shared - moves)


@given(placements(), placements())
def test_placements_of_different_ranks_never_clash(a, b):
    assume(a.rank != b.rank and a.id != b.id)
    assert clash(a, [b]) is None


@given(st.lists(placements(), max_size=6), days)
def test_the_main_placement_on_a_day_covers_it_and_has_the_best_rank(found, on):
    chosen = current(found, on)
    covering = [p for p in found if p.starts <= on and (p.ends is None or on <= p.ends)]
    if not covering:
        assert chosen is None
        return
    assert chosen in covering
    assert chosen.rank == min(p.rank for p in covering)
    assert chosen.starts == max(p.starts for p in covering if p.rank == chosen.rank)


@given(placements(rank=st.just(1)), st.integers(min_value=0, max_value=400))
def test_on_a_move_on_the_day_the_new_placement_is_the_main_one(old, gap):
    assume(old.ends is not None and old.ends > old.starts)
    new = Placement(kind="ehe", starts=old.ends, id=old.id + 1, where="Elective home education")
    assert clash(new, [old]) is None
    assert current([old, new], old.ends) == new
    assert current([old, new], old.ends - timedelta(days=1)) == old
    assert current([old, new], old.ends + timedelta(days=gap)) == new


@given(placements(), st.integers(min_value=1, max_value=5000))
def test_a_start_before_the_date_of_birth_is_refused_whatever_the_dates(p, before):
    early = Placement(**{**p.__dict__, "starts": BORN - timedelta(days=before), "ends": None})
    assert "date of birth" in problems(early, BORN)["starts"]
    assert "starts" not in problems(p, BORN)


@given(days, st.integers(min_value=1, max_value=5000))
def test_an_end_before_the_start_is_refused(starts, back):
    p = Placement(kind="neet", starts=starts, ends=starts - timedelta(days=back))
    assert "before the start date" in problems(p, BORN)["ends"]


# --------------------------------------------------------------------------- what each says
def test_a_placement_at_an_establishment_needs_one_or_a_setting_name():
    bare = Placement(kind="setting", starts=date(2021, 9, 1))
    assert "Choose the school" in problems(bare, BORN)["establishment_id"]
    assert problems(Placement(**{**bare.__dict__, "establishment_id": 7}), BORN) == {}
    assert problems(Placement(**{**bare.__dict__, "setting_name": "Little Acorns"}), BORN) == {}
    both = Placement(**{**bare.__dict__, "establishment_id": 7, "setting_name": "Acorns"})
    assert "not both" in problems(both, BORN)["setting_name"]


def test_other_arrangements_have_no_setting_and_no_provision():
    home = Placement(
        kind="ehe", starts=date(2021, 9, 1), setting_name="Kitchen table", provision="mainstream"
    )
    found = problems(home, BORN)
    assert found["establishment_id"].startswith("Elective home education has no school")
    assert "no provision type" in found["provision"]
    assert problems(Placement(kind="eotas", starts=date(2021, 9, 1)), BORN) == {}


def test_each_field_is_checked_on_its_own():
    checks = field_checks()
    assert checks["kind"]("Elective home education") == "ehe"
    assert checks["provision"]("SEN unit") == "sen_unit"
    assert checks["provision"]("") is None
    assert checks["attendance"]("part_time") == "part_time"
    assert checks["work_based"]("Supported internship") == "supported_internship"
    assert checks["setting_name"]("  Little   Acorns ") == "Little Acorns"
    for key, value, message in (
        ("kind", "", "Say where the child is placed"),
        ("kind", "boarding", "not an accepted value"),
        ("rank", 3, "Rank is 1"),
        ("rank", True, "Rank is 1"),
        ("starts", None, "Start date is needed"),
        ("setting_name", "x" * 201, "the most it can be is 200"),
        ("work_based", "paper round", "not an accepted value"),
    ):
        with pytest.raises(ValidationError, match=message):
            checks[key](value)


def test_a_clash_names_the_other_placement_and_its_dates():
    old = Placement(
        kind="setting", starts=date(2021, 9, 1), establishment_id=3, id=4,
        where="Oak Hill Primary",
    )  # fmt: skip
    new = Placement(kind="setting", starts=date(2024, 9, 2), setting_name="Acorns")
    other = clash(new, [old])
    assert other == old
    assert clash_message(other) == (
        "These dates overlap the main placement at Oak Hill Primary from Wed 1 Sep 2021 "
        "(not ended): a child has one placement of each rank at a time. End that one first, "
        "or change these dates."
    )


def test_a_placement_is_named_by_its_establishment_its_setting_or_its_arrangement():
    p = Placement(kind="setting", starts=date(2021, 9, 1), setting_name="Acorns")
    assert where(p, None) == "Acorns (not on the register)"
    assert where(p, "Oak Hill Primary") == "Oak Hill Primary"
    assert where(Placement(kind="neet", starts=date(2021, 9, 1)), None) == (
        "Not in education, employment or training"
    )
