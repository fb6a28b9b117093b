"""The annual-review catch-up planner's ordering and spreading (domain/review_plan.py)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_app.domain.review_plan import (
    NOTICE_DAYS,
    PlanSettings,
    ReviewToHold,
    make_plan,
    risk_key,
    week_starts,
    weekly_capacity,
)
from caseload_app.domain.workload import WorkerLoad

TODAY = date(2026, 1, 7)  # a Wednesday; Easter is far, no bank holiday in the weeks planned
MONDAY = date(2026, 1, 5)


def review(case_id, worker=1, due_days=-30, transfer=None, booked=None) -> ReviewToHold:
    return ReviewToHold(
        case_id=case_id,
        child_name=f"Child {case_id}",
        caseworker_id=worker,
        due=TODAY + timedelta(days=due_days),
        transfer_date=transfer,
        booked=booked,
    )


# --------------------------------------------------------------------------- examples
def test_phase_transfers_first_then_longest_overdue_then_soonest_due():
    reviews = [
        review(1, due_days=-10),
        review(2, due_days=-200),
        review(3, due_days=20),
        review(4, due_days=40, transfer=date(2026, 3, 30)),
        review(5, due_days=-5, transfer=date(2026, 2, 14)),
    ]
    plan = make_plan(reviews, [WorkerLoad(1, "Asha", 1.0)], TODAY)
    assert [p.review.case_id for p in plan.reviews] == [5, 4, 2, 1, 3]
    weeks = [p.week for p in plan.reviews]
    assert weeks == sorted(weeks)  # the riskiest get the earliest weeks


def test_no_meeting_sooner_than_two_weeks_and_on_working_days():
    plan = make_plan([review(i) for i in range(30)], [WorkerLoad(1, "Asha", 1.0)], TODAY)
    for p in plan.planned():
        assert p.meeting >= TODAY + timedelta(days=NOTICE_DAYS)
        assert p.meeting.weekday() < 5
        assert p.week == p.meeting - timedelta(days=p.meeting.weekday())
    assert plan.capacity[1][:2] == [0, 0]  # this week and next: too soon to invite


def test_capacity_follows_fte_and_carries_fractions():
    mondays = week_starts(TODAY, 8)
    half = weekly_capacity(WorkerLoad(1, "Ben", 0.5), mondays, MONDAY, 3)
    assert half == [1, 2, 1, 2, 1, 2, 1, 2]  # 1.5 a week, as whole meetings
    assert weekly_capacity(WorkerLoad(2, "Cy", 0.0), mondays, MONDAY, 3) == [0] * 8


def test_a_week_away_gets_no_reviews_and_a_part_week_fewer():
    away = (date(2026, 2, 2), date(2026, 2, 6))  # the whole week of 2 Feb
    part = (date(2026, 2, 9), date(2026, 2, 11))  # Mon-Wed of the week of 9 Feb
    worker = WorkerLoad(1, "Asha", 1.0, (away, part))
    mondays = week_starts(TODAY, 8)
    caps = weekly_capacity(worker, mondays, MONDAY, 5)
    assert caps[mondays.index(date(2026, 2, 2))] == 0
    assert caps[mondays.index(date(2026, 2, 9))] == 2
    plan = make_plan([review(i) for i in range(40)], [worker], TODAY,
                     PlanSettings(reviews_per_week_per_fte=5))  # fmt: skip
    assert all(not worker.away_on(p.meeting) for p in plan.planned())


def test_overflow_is_said_per_caseworker_and_not_moved_without_share_out():
    team = [WorkerLoad(1, "Asha", 1.0), WorkerLoad(2, "Ben", 1.0)]
    reviews = [review(i, worker=1) for i in range(60)] + [review(100, worker=None)]
    plan = make_plan(reviews, team, TODAY, PlanSettings(reviews_per_week_per_fte=4, weeks=4))
    assert plan.capacity[1] == [0, 0, 2, 4]  # from Wed 21 Jan: 4 × 3/5 = 2.4, then 6.4
    assert {(o.name, o.count) for o in plan.overflow} == {("Asha", 54), ("Unallocated", 1)}
    assert all(p.caseworker_id == 1 for p in plan.planned())
    shared = make_plan(
        reviews, team, TODAY, PlanSettings(reviews_per_week_per_fte=4, weeks=4, share_out=True)
    )
    by_worker = {w: sum(1 for p in shared.planned() if p.caseworker_id == w) for w in (1, 2)}
    assert by_worker == {1: 6, 2: 6}
    assert {(o.name, o.count) for o in shared.overflow} == {("Asha", 48), ("Unallocated", 1)}
    assert all(p.shared == (p.caseworker_id != p.review.caseworker_id) for p in shared.planned())


def test_booked_meetings_use_their_weeks_room_and_are_not_planned_again():
    booked_day = date(2026, 1, 27)  # week of 26 Jan, the first week that can be planned
    reviews = [review(1, booked=booked_day), review(2), review(3)]
    plan = make_plan(reviews, [WorkerLoad(1, "Asha", 1.0)], TODAY,
                     PlanSettings(reviews_per_week_per_fte=2))  # fmt: skip
    first = {p.review.case_id: p for p in plan.reviews}
    assert not first[1].planned and first[1].meeting == booked_day and first[1].note == "booked"
    assert first[2].week == date(2026, 1, 19)
    assert first[3].week == date(2026, 1, 26)  # one room left beside the booked meeting


def test_overdue_counts_with_and_without_the_plan():
    reviews = [review(1, due_days=-30), review(2, due_days=-1), review(3, due_days=30)]
    plan = make_plan(reviews, [WorkerLoad(1, "Asha", 1.0)], TODAY)
    without = [w.without_plan for w in plan.weeks]
    with_plan = [w.with_plan for w in plan.weeks]
    assert without[0] == 2 and without[-1] == 3  # the third falls due in week 5
    assert with_plan[0] == 2  # nothing can be held in the first two weeks
    assert with_plan[2] == 0 and with_plan[-1] == 0  # all three held in week 3
    assert all(w <= wo for w, wo in zip(with_plan, without, strict=True))


def test_bad_settings_are_refused_plainly():
    with pytest.raises(ValueError, match="0.5 to 20"):
        make_plan([], [], TODAY, PlanSettings(reviews_per_week_per_fte=0))
    assert PlanSettings(weeks=0).problems() == ["A plan covers 1 to 52 weeks."]


# --------------------------------------------------------------------------- properties
days = st.integers(min_value=-400, max_value=60)
transfer_days = st.one_of(
    st.none(), st.sampled_from([date(2026, 2, 14), date(2026, 3, 30), date(2027, 2, 14)])
)
reviews_st = st.lists(
    st.builds(
        review,
        case_id=st.integers(min_value=1, max_value=80),
        worker=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
        due_days=days,
        transfer=transfer_days,
        booked=st.one_of(
            st.none(), st.integers(min_value=-5, max_value=90).map(lambda d: TODAY + timedelta(d))
        ),
    ),
    max_size=80,
)
workers_st = st.lists(
    st.builds(
        WorkerLoad,
        id=st.integers(min_value=1, max_value=4),
        name=st.sampled_from(["Asha", "Ben", "Cy", "Di"]),
        capacity=st.sampled_from([0.0, 0.4, 0.5, 1.0]),
        away=st.lists(
            st.tuples(st.integers(0, 60), st.integers(0, 10)).map(
                lambda t: (TODAY + timedelta(t[0]), TODAY + timedelta(t[0] + t[1]))
            ),
            max_size=2,
        ).map(tuple),
    ),
    max_size=4,
    unique_by=lambda w: w.id,
)
settings_st = st.builds(
    PlanSettings,
    reviews_per_week_per_fte=st.sampled_from([0.5, 1.0, 2.5, 4.0]),
    weeks=st.integers(min_value=1, max_value=14),
    share_out=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(reviews_st, workers_st, settings_st)
def test_each_review_once_and_no_week_over_capacity(reviews, workers, chosen):
    plan = make_plan(reviews, workers, TODAY, chosen)
    case_ids = [p.review.case_id for p in plan.reviews]
    assert len(case_ids) == len(set(case_ids)) == len({r.case_id for r in reviews})
    used: dict[tuple[int | None, date], int] = {}
    for p in plan.reviews:
        if p.meeting is not None and p.week is not None:
            used[p.caseworker_id, p.week] = used.get((p.caseworker_id, p.week), 0) + 1
    for worker in workers:
        for k, monday in enumerate(week_starts(TODAY, chosen.weeks)):
            planned = sum(
                1 for p in plan.planned() if p.caseworker_id == worker.id and p.week == monday
            )
            assert planned <= plan.capacity[worker.id][k]
    for p in plan.planned():
        assert p.caseworker_id is not None
        assert p.meeting >= TODAY + timedelta(days=NOTICE_DAYS)
        worker = next(w for w in workers if w.id == p.caseworker_id)
        assert not worker.away_on(p.meeting)
        assert chosen.share_out or p.caseworker_id == p.review.caseworker_id
    not_planned = sum(1 for p in plan.reviews if p.week is None and p.review.booked is None)
    assert sum(o.count for o in plan.overflow) == not_planned


@settings(max_examples=150, deadline=None)
@given(reviews_st, workers_st, settings_st)
def test_riskier_reviews_never_wait_longer_with_the_same_caseworker(reviews, workers, chosen):
    own = PlanSettings(chosen.reviews_per_week_per_fte, chosen.soon_weeks, chosen.weeks)
    plan = make_plan(reviews, workers, TODAY, own)
    assert [p.review for p in plan.reviews] == sorted(
        (p.review for p in plan.reviews), key=risk_key
    )
    last_week: dict[int | None, date] = {}
    for p in plan.planned():  # in order of risk: weeks only go forward per caseworker
        assert p.week >= last_week.get(p.caseworker_id, p.week)
        last_week[p.caseworker_id] = p.week
    for worker in workers:  # phase transfers before the others, with each caseworker
        mine = [p for p in plan.planned() if p.caseworker_id == worker.id]
        transfers = [p.week for p in mine if p.review.transfer_date is not None]
        others = [p.week for p in mine if p.review.transfer_date is None]
        if transfers and others:
            assert max(transfers) <= min(others)


@settings(max_examples=100, deadline=None)
@given(reviews_st, workers_st, settings_st, st.randoms(use_true_random=False))
def test_the_same_plan_whatever_the_order_of_the_input(reviews, workers, chosen, rnd):
    unique = list({r.case_id: r for r in reviews}.values())
    shuffled, team = unique[:], workers[:]
    rnd.shuffle(shuffled)
    rnd.shuffle(team)
    assert make_plan(unique, workers, TODAY, chosen) == make_plan(shuffled, team, TODAY, chosen)


@settings(max_examples=100, deadline=None)
@given(reviews_st, workers_st, settings_st)
def test_sharing_out_moves_only_what_would_not_fit(reviews, workers, chosen):
    rate, weeks = chosen.reviews_per_week_per_fte, chosen.weeks
    own = make_plan(reviews, workers, TODAY, PlanSettings(rate, weeks=weeks))
    shared = make_plan(reviews, workers, TODAY, PlanSettings(rate, weeks=weeks, share_out=True))
    for a, b in zip(own.reviews, shared.reviews, strict=True):
        if a.week is not None:
            assert (a.week, a.meeting, a.caseworker_id) == (b.week, b.meeting, b.caseworker_id)
    assert len(shared.planned()) >= len(own.planned())
    with_plan = [w.with_plan for w in shared.weeks]
    assert all(w <= o.without_plan for w, o in zip(with_plan, shared.weeks, strict=True))


def test_a_large_plan_is_quick():
    rnd = random.Random(5)
    reviews = [review(i, worker=rnd.randint(1, 40), due_days=rnd.randint(-300, 56))
               for i in range(5000)]  # fmt: skip
    team = [WorkerLoad(i, f"W{i}", 1.0) for i in range(1, 41)]
    plan = make_plan(reviews, team, TODAY, PlanSettings(share_out=True))
    assert len(plan.planned()) == sum(sum(c) for c in plan.capacity.values())


@settings(max_examples=150, deadline=None)
@given(reviews_st, workers_st, settings_st)
def test_the_weekly_counts_are_the_reviews_due_and_not_held_by_each_weeks_end(
    reviews, workers, chosen
):
    plan = make_plan(reviews, workers, TODAY, chosen)
    for week in plan.weeks:
        end = week.week + timedelta(days=6)

        assert week.without_plan == sum(
            _overdue(p.review, end) and (p.review.booked is None or p.review.booked > end)
            for p in plan.reviews
        )
        assert week.with_plan == sum(
            _overdue(p.review, end) and (p.meeting is None or p.meeting > end) for p in plan.reviews
        )


def _overdue(r: ReviewToHold, end: date) -> bool:
    due = r.overdue_from()
    return due is not None and due < end


def test_a_phase_transfer_whose_annual_review_is_not_due_is_not_counted_overdue():
    brought = ReviewToHold(1, "A", 1, TODAY - timedelta(days=10), date(2026, 2, 15))
    due_too = ReviewToHold(2, "B", 1, TODAY - timedelta(days=10), date(2026, 2, 15),
                           annual_due=TODAY - timedelta(days=3))  # fmt: skip
    plan = make_plan([brought, due_too], [WorkerLoad(1, "Ann", 0.0)], TODAY)
    assert [w.without_plan for w in plan.weeks][:2] == [1, 1]  # B only, from this week


def test_reviews_due_after_the_window_are_counted_overdue_alike():
    plan = make_plan([], [WorkerLoad(1, "Ann", 1.0)], TODAY, later=[TODAY + timedelta(days=20)])
    counts = [(w.without_plan, w.with_plan) for w in plan.weeks]
    assert counts[0] == (0, 0) and counts[-1] == (1, 1)
