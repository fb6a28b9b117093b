"""The forecast's arithmetic on fixtures whose arrivals and turnarounds are known exactly."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_app.domain import forecast as fc
from caseload_app.domain.backtest import back_test
from caseload_app.domain.forecast import AdviceRecord, CaseRecord, WhatIf, Worker, forecast

TODAY = date(2026, 12, 7)  # a Monday
D = timedelta(days=1)
TEAM = [Worker(1, "Ann", 1.0), Worker(2, "Bo", 1.0)]


def past_plan(n: int, *, decide=30, advice=40, draft=10, final=20, worker=1, ends=TODAY - 200 * D):
    """A plan made in the past whose steps took exactly these days, its request long enough
    ago that it adds nothing to the recent rate of new requests; its final plan `ends`."""
    final_day = ends
    draft_day = final_day - final * D
    ready = draft_day - draft * D
    decided = ready - advice * D
    received = decided - decide * D
    case = CaseRecord(
        case_id=n,
        caseworker_id=worker,
        request_received=received,
        assess_decision_date=decided,
        assess_decision="agreed",
        issue_decision_date=draft_day,
        issue_decision="issue",
        draft_served=draft_day,
        final_issued=final_day,
        is_open=False,
    )
    return case, AdviceRecord(n, "ep", decided, decided + 42 * D, ready)


def history(count=200, spread=120, since=1, **steps):
    """`count` past plans, their final plans spread over the `spread` days before the day
    `since` days ago (200 plans in 120 days: room for more than one case a day)."""
    cases, advice = [], []
    for n in range(count):
        c, a = past_plan(1000 + n, ends=TODAY - (since + n * spread // count) * D, **steps)
        cases.append(c)
        advice.append(a)
    return cases, advice


def open_case(n, received, **dates) -> CaseRecord:
    return CaseRecord(
        case_id=n, caseworker_id=dates.pop("worker", 1), request_received=received, **dates
    )


def week_of(day_offset: int) -> int:
    """Weeks run from tomorrow: days 1-7 are the first."""
    return (day_offset - 1) // 7


def test_a_case_part_way_through_its_last_step_lands_on_the_one_day_history_allows():
    cases, advice = history(final=20)
    # Served 6 days ago: every recent plan took 20 days after its draft, so 14 days on.
    served = TODAY - 6 * D
    case = open_case(
        1,
        served - 100 * D,
        assess_decision_date=served - 60 * D,
        assess_decision="agreed",
        issue_decision_date=served,
        issue_decision="issue",
        draft_served=served,
    )
    f = forecast([*cases, case], advice, TEAM, TODAY, weeks=4)
    assert f.ok and f.open_cases == 1
    assert [round(w.expected, 6) for w in f.weeks] == [0, 1, 0, 0]  # day 14: the 2nd week
    # Its 20 weeks end 140 days after the request: 34 days from now, after day 14.
    assert f.weeks[1].within_20 == pytest.approx(1.0)
    assert f.weeks[1].low <= 1 <= f.weeks[1].high


def test_twenty_weeks_counts_only_the_plans_issued_by_the_twentieth_week():
    cases, advice = history(final=20)
    served = TODAY - 6 * D
    # Request 150 days before the plan's day (day 14): 10 days too late.
    case = open_case(
        1,
        TODAY + 14 * D - 150 * D,
        assess_decision_date=served - 60 * D,
        assess_decision="agreed",
        issue_decision_date=served,
        issue_decision="issue",
        draft_served=served,
    )
    f = forecast([*cases, case], advice, TEAM, TODAY, weeks=4)
    assert f.weeks[1].expected == pytest.approx(1.0)
    assert f.weeks[1].within_20 == pytest.approx(0.0)


def test_the_advice_step_waits_for_the_last_advice_of_every_provider():
    # EP took 28 or 42 days (half each), health always 35: all in after 35 or 42 days, and
    # the drafts (served 45 days after the decision) 10 or 3 days after that. Every day
    # below is a weekday: nobody finalises a plan at the weekend.
    cases, advice = history(advice=40, draft=5, final=20)
    for n, c in enumerate(cases):
        decided = c.assess_decision_date
        advice.append(
            AdviceRecord(c.case_id, "health", decided, decided + 42 * D, decided + 35 * D)
        )
        advice[n] = advice[n]._replace(received=decided + (28 if n % 2 else 42) * D)
    decided = TODAY  # the advice asked for today
    case = open_case(1, TODAY - 30 * D, assess_decision_date=decided, assess_decision="agreed")
    waiting = [
        AdviceRecord(1, "ep", decided, decided + 42 * D),
        AdviceRecord(1, "health", decided, decided + 42 * D),
    ]
    f = forecast([*cases, case], advice + waiting, TEAM, TODAY, weeks=12)
    # In on day 35 or 42, drafted 3 or 10 days on, the plan 20 days after: 58, 65, 72.
    expected = np.zeros(12)
    expected[week_of(58)] += 0.25
    expected[week_of(65)] += 0.5
    expected[week_of(72)] += 0.25
    assert [round(w.expected, 6) for w in f.weeks] == pytest.approx(list(expected))


def test_a_provider_with_few_answers_is_read_as_its_service():
    cases, advice = history(draft=5, final=20)  # EP: always 40 days
    decided = TODAY
    case = open_case(1, TODAY - 30 * D, assess_decision_date=decided, assess_decision="agreed")
    mine = AdviceRecord(1, "ep/North team", decided, decided + 42 * D)
    f = forecast([*cases, case], [*advice, mine], TEAM, TODAY, weeks=12)
    assert f.weeks[week_of(40 + 5 + 20)].expected == pytest.approx(1.0)


def test_a_caseworker_can_finalise_no_more_than_the_team_has_ever_managed():
    # 40 plans in 120 days (about 2.3 a week), one caseworker: 10 cases all due to be
    # finalised tomorrow wait their turn.
    cases, advice = history(count=40, final=20)
    team = [Worker(1, "Ann", 1.0)]
    served = TODAY - 19 * D
    waiting = [
        open_case(
            n,
            served - 100 * D,
            assess_decision_date=served - 50 * D,
            assess_decision="agreed",
            issue_decision_date=served,
            issue_decision="issue",
            draft_served=served,
        )
        for n in range(1, 11)
    ]
    f = forecast([*cases, *waiting], advice, team, TODAY, weeks=12)
    engine = fc.Engine(
        fc.History(cases, advice), fc.open_as_of(waiting, [], TODAY), team, TODAY, 12
    )
    per_week = engine.finals_per_fte
    assert per_week == pytest.approx(
        max(_in_four_weeks(cases, TODAY, k) for k in range(0, 155, 7)) / 4
    )
    assert f.total() == pytest.approx(10.0)
    assert all(w.expected <= per_week + 1e-9 for w in f.weeks)
    assert f.weeks[0].expected < 10


def _in_four_weeks(cases, today, back):
    end = today - back * D
    return sum(1 for c in cases if end - 27 * D <= c.final_issued <= end)


def test_nothing_is_finalised_while_the_only_caseworker_is_away():
    cases, advice = history(final=20)
    team = [Worker(1, "Ann", 1.0, ((TODAY, TODAY + 20 * D),))]
    served = TODAY - 19 * D
    case = open_case(
        1,
        served - 60 * D,
        assess_decision_date=served - 50 * D,
        assess_decision="agreed",
        issue_decision_date=served,
        issue_decision="issue",
        draft_served=served,
    )
    f = forecast([*cases, case], advice, team, TODAY, weeks=6)
    assert [round(w.expected, 6) for w in f.weeks[:2]] == [0, 0]
    assert f.weeks[2].expected == pytest.approx(1.0)  # back on day 21, in days 15-21
    risk = f.at_risk[0] if f.at_risk else None
    assert risk is None or any("away" in r for r in risk.reasons)


def test_a_request_awaiting_its_decision_carries_the_chance_of_a_refusal():
    cases, advice = history(decide=30, advice=40, draft=10, final=20)
    refused = [
        CaseRecord(
            2000 + n, 1, TODAY - (300 + n) * D, TODAY - (270 + n) * D, "refused", is_open=False
        )
        for n in range(10)
    ]
    # 17 days to the decision, then 40, 10 and 20: the draft on day 57, the plan on day 87
    # (weekdays both).
    case = open_case(1, TODAY - 13 * D)
    f = forecast([*cases, *refused, case], advice, TEAM, TODAY, weeks=14)
    assert f.inputs.agree_rate == pytest.approx(200 / 210)
    assert f.weeks[week_of(87)].expected == pytest.approx(200 / 210)


def test_new_requests_arrive_at_the_recent_rate():
    cases, advice = history(decide=1, advice=1, draft=1, final=1, since=100)
    # 24 requests in the last 12 weeks: 2 a week, each a plan 4 days later.
    fresh = [CaseRecord(5000 + n, 1, TODAY - (3 + n * 3) * D, is_open=False) for n in range(24)]
    f = forecast([*cases, *fresh], advice, TEAM, TODAY, weeks=6)
    assert f.inputs.requests_per_week == pytest.approx(2.0)
    assert f.weeks[3].expected == pytest.approx(2.0, abs=1e-6)


def test_too_little_history_gives_no_forecast_and_says_why():
    cases, advice = history(count=5)
    f = forecast(cases, advice, TEAM, TODAY)
    assert not f.ok and f.weeks == ()
    assert any("fewer than 10 cases finished" in m for m in f.missing)


def test_the_same_records_give_the_same_forecast():
    cases, advice, team = generated()
    assert forecast(cases, advice, team, TODAY) == forecast(cases, advice, team, TODAY)


# --------------------------------------------------------------------------- what-if


def test_what_if_an_agency_caseworker_brings_plans_forward_and_a_leaver_holds_them_back():
    cases, advice, team = generated(backlog=120)
    base = forecast(cases, advice, team, TODAY, 12)
    agency = forecast(cases, advice, team, TODAY, 12, WhatIf(agency=(1.0, 8)))
    leaving = forecast(cases, advice, team, TODAY, 12, WhatIf(leaving=(1, TODAY + 7 * D)))
    assert agency.total() > base.total() + 1
    assert leaving.total() < base.total() - 1
    # Until the leaver's last day nothing differs.
    assert leaving.weeks[0].expected == pytest.approx(base.weeks[0].expected)


def test_what_if_more_psychology_days_brings_the_advice_in_sooner():
    cases, advice, team = generated()
    base = forecast(cases, advice, team, TODAY, 12)
    more = forecast(cases, advice, team, TODAY, 12, WhatIf(provider_days={"ep": (2.0, 2.0)}))
    earlier = sum(w.expected for w in more.weeks[:8]) - sum(w.expected for w in base.weeks[:8])
    assert earlier > 0.5


def test_what_if_moving_cases_to_an_idle_caseworker_helps_them():
    cases, advice, team = generated(backlog=120)
    team = [*team, Worker(9, "Idle", 1.0)]
    base = forecast(cases, advice, team, TODAY, 12)
    mine = tuple(c.case_id for c in cases if c.is_open and c.caseworker_id == 1)
    half = mine[::2]  # all of them would only swap one full queue for another
    moved = forecast(cases, advice, team, TODAY, 12, WhatIf(moves=((half, 9),)))
    assert moved.total() > base.total() + 1


def test_what_if_a_surge_of_requests_adds_plans_only_after_they_could_be_made():
    cases, advice, team = generated()
    base = forecast(cases, advice, team, TODAY, 12)
    surge = forecast(cases, advice, team, TODAY, 12, WhatIf(surge=(100.0, 4)))
    assert surge.weeks[0].expected == pytest.approx(base.weeks[0].expected)
    assert surge.total() >= base.total()


def test_what_if_in_plain_words():
    w = WhatIf(
        provider_days={"ep": (8, 1)},
        agency=(1.0, 6),
        leaving=(1, date(2027, 1, 31)),
        moves=(((1, 2, 3), 2),),
        surge=(20, 4),
        away=((2, date(2027, 1, 4), date(2027, 1, 8)),),
    )
    assert w.describe({1: "Ann", 2: "Bo"}) == [
        "ep: 1 more day(s) a week (from 8)",
        "an agency caseworker (1 FTE) for 6 weeks",
        "Ann leaving after 31 Jan 2027",
        "3 case(s) moved to Bo",
        "20% more new requests for 4 weeks",
        "Bo away 04 Jan–08 Jan 2027",
    ]


# --------------------------------------------------------------------------- at risk


def test_the_cases_at_risk_say_why_and_what_would_help():
    cases, advice, team = generated(backlog=120)
    f = forecast(cases, advice, team, TODAY, 12)
    assert f.at_risk
    for r in f.at_risk:
        assert r.chance < fc.AT_RISK and r.deadline >= TODAY
        assert r.reasons and r.remedies


def test_overdue_advice_is_named_with_its_days_overdue():
    cases, advice = history(draft=5, final=20)
    decided = TODAY - 60 * D
    case = open_case(1, TODAY - 130 * D, assess_decision_date=decided, assess_decision="agreed")
    late = AdviceRecord(1, "ep", decided, decided + 42 * D)
    f = forecast([*cases, case], [*advice, late], TEAM, TODAY, 12)
    (risk,) = f.at_risk
    assert risk.case_id == 1
    assert "advice late from ep (18 days overdue)" in risk.reasons


# --------------------------------------------------------------------------- queues


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 5), min_size=5, max_size=40),
    st.lists(st.floats(0, 3), min_size=5, max_size=40),
)
def test_the_queue_serves_in_order_never_early_and_within_capacity(demand, capacity):
    n = min(len(demand), len(capacity))
    demand, capacity = np.array(demand[:n]), np.array(capacity[:n])
    share = fc._fluid_queue(demand, capacity)
    assert share.shape == (n, n + 1)
    assert np.allclose(share.sum(axis=1), 1.0)  # every day's work is done some day, or later
    assert np.allclose(np.tril(share[:, :n], -1), 0.0)  # never before it arrives
    done = demand @ share[:, :n]
    assert (np.cumsum(done) <= np.cumsum(capacity) + 1e-6).all()
    # As much as the capacity allows: what is left at the end is the backlog then.
    backlog = demand.sum() - done.sum()
    assert backlog >= -1e-9
    if backlog > 1e-6:
        assert done[-1] == pytest.approx(capacity[-1], abs=1e-6) or done[-1] >= capacity[-1] - 1e-6


# --------------------------------------------------------------------------- back-test


def test_back_test_compares_each_past_week_with_what_happened():
    cases, advice, team = generated()
    bt = back_test(cases, advice, team, TODAY, past_weeks=8, leads=(4, 8))
    assert {p.lead for p in bt.points} == {4, 8}
    assert len(bt.points) == 16 and bt.skipped == 0
    for p in bt.points:
        issued = [
            c
            for c in cases
            if c.final_issued and p.week_starts <= c.final_issued < p.week_starts + 7 * D
        ]
        assert p.actual == len(issued)
        assert p.week_starts + 6 * D <= TODAY  # a week over by today
    four = bt.lead(4)
    mine = [p for p in bt.points if p.lead == 4]
    assert four.mean_error == pytest.approx(sum(abs(p.expected - p.actual) for p in mine) / 8)
    assert four.bias == pytest.approx(sum(p.expected - p.actual for p in mine) / 8)
    # A steady flow: the forecast is near what happened (a broken one is far off).
    assert four.relative < 0.5


def test_back_test_uses_nothing_recorded_after_each_past_day():
    cases, advice, team = generated()
    day = TODAY - 56 * D
    later = [c for c in cases if c.request_received > day]
    a = fc.open_as_of(cases, advice, day)
    b = fc.open_as_of([c for c in cases if c not in later], advice, day)
    assert a.case_ids == b.case_ids
    assert all(cid not in a.case_ids for cid in (c.case_id for c in later))


def generated(backlog: int = 0, seed: int = 7):
    """500 days of steady requests (about 13 a week) run through known step times; the
    dates after TODAY removed as not yet happened. `backlog` extra drafts waiting."""
    rng = random.Random(seed)
    cases, advice = [], []
    for n in range(1, 901):
        req = TODAY - rng.randint(0, 500) * D
        dec = req + rng.randint(20, 45) * D
        waits = [rng.randint(20, 60) for _ in range(3)]
        ready = dec + max(waits) * D
        draft = ready + rng.randint(3, 20) * D
        final = draft + rng.randint(16, 40) * D
        worker = 1 + n % 3

        def seen(d):
            return d if d <= TODAY else None

        cases.append(
            CaseRecord(
                n,
                worker,
                req,
                seen(dec),
                "agreed" if seen(dec) else None,
                seen(draft),
                "issue" if seen(draft) else None,
                seen(draft),
                seen(final),
                is_open=seen(final) is None,
            )
        )
        for kind, wait in zip(("ep", "health", "social_care"), waits, strict=True):
            if dec <= TODAY:
                got = dec + wait * D
                advice.append(AdviceRecord(n, kind, dec, dec + 42 * D, seen(got)))
    for k in range(backlog):
        served = TODAY - rng.randint(1, 10) * D
        cases.append(
            CaseRecord(
                5000 + k, 1, served - 80 * D, served - 60 * D, "agreed", served, "issue", served
            )
        )
    return cases, advice, [Worker(i, f"W{i}", 1.0) for i in (1, 2, 3)]


# --------------------------------------------------------------------------- found in review


def test_new_requests_wait_for_the_caseworkers_too():
    cases, advice = history(decide=1, advice=1, draft=1, final=1, since=100)
    fresh = [CaseRecord(5000 + n, 1, TODAY - (3 + n * 3) * D, is_open=False) for n in range(24)]
    away = ((TODAY, TODAY + 200 * D),)
    everyone_away = [Worker(1, "Ann", 1.0, away), Worker(2, "Bo", 1.0, away)]
    f = forecast([*cases, *fresh], advice, everyone_away, TODAY, weeks=6)
    assert f.total() == pytest.approx(0.0)
    # A surge cannot make more plans than the team can write.
    team = [Worker(1, "Ann", 1.0)]
    base = forecast([*cases, *fresh], advice, team, TODAY, weeks=6)
    surge = forecast(
        [*cases, *fresh], advice, team, TODAY, weeks=6, what_if=WhatIf(surge=(1000, 6))
    )
    per_week = base.inputs.finals_per_fte_week
    assert all(w.expected <= per_week + 1e-6 for w in surge.weeks)


def test_cases_nobody_holds_are_shared_by_the_team_and_nobody_means_no_plans():
    cases, advice = history(count=40, final=20)
    served = TODAY - 19 * D
    waiting = [
        CaseRecord(n, None, served - 100 * D, served - 50 * D, "agreed", served, "issue", served)
        for n in range(1, 31)
    ]
    team = [Worker(1, "Ann", 1.0)]
    shared = forecast([*cases, *waiting], advice, team, TODAY, weeks=4)
    assert all(w.expected <= shared.inputs.finals_per_fte_week + 1e-6 for w in shared.weeks)
    assert shared.total() > 0
    nobody = forecast([*cases, *waiting], advice, [Worker(1, "Ann", 0.0)], TODAY, weeks=4)
    assert nobody.total() == pytest.approx(0.0)


def test_a_leaving_day_already_past_is_leaving_today_not_losing_their_cases():
    cases, advice, team = generated(backlog=60)
    gone = forecast(cases, advice, team, TODAY, 12, WhatIf(leaving=(1, TODAY - 30 * D)))
    today = forecast(cases, advice, team, TODAY, 12, WhatIf(leaving=(1, TODAY)))
    assert gone.total() == pytest.approx(today.total())
    # The work is handed over, not lost: the rest of the team still finishes plans.
    assert today.total() > 0.5 * forecast(cases, advice, team, TODAY, 12).total()


def test_a_past_forecast_counts_a_request_refused_later_as_open_then():
    refused = CaseRecord(7, 1, TODAY - 90 * D, TODAY - 30 * D, "refused", is_open=False)
    assert fc.open_as_of([refused], [], TODAY - 60 * D).case_ids == [7]
    assert fc.open_as_of([refused], [], TODAY - 30 * D).case_ids == []
    not_issued = CaseRecord(
        8, 1, TODAY - 120 * D, TODAY - 90 * D, "agreed", TODAY - 20 * D, "not_issue", is_open=False
    )
    assert fc.open_as_of([not_issued], [], TODAY - 40 * D).case_ids == [8]


def test_the_draft_is_timed_from_the_advice_in_by_then_and_one_never_answered_is_left_out():
    decided, draft = TODAY - 100 * D, TODAY - 50 * D
    case = CaseRecord(1, 1, decided - 30 * D, decided, "agreed", draft, "issue", draft, None)
    advice = [
        AdviceRecord(1, "ep", decided, decided + 42 * D, decided + 40 * D),
        AdviceRecord(1, "health", decided, decided + 42 * D, draft + 20 * D),  # after the draft
        AdviceRecord(1, "education", decided, decided + 42 * D),  # never came
    ]
    h = fc.History([case], advice)
    assert h.steps["draft"].window(TODAY.toordinal(), 365).tolist() == [10]
    assert h.steps["advice"].window(TODAY.toordinal(), 365).tolist() == [40]


def test_capacity_is_the_output_of_the_team_as_it_is_now():
    cases, advice = history(count=40, final=20)
    mine = [c._replace(caseworker_id=2 if c.case_id % 2 else 1) for c in cases]
    both = fc.Engine(fc.History(mine, advice), fc.open_as_of([], [], TODAY), TEAM, TODAY, 4)
    alone = fc.Engine(
        fc.History(mine, advice), fc.open_as_of([], [], TODAY), [Worker(1, "Ann", 1.0)], TODAY, 4
    )
    # Ann made half the plans: alone, her capacity is her own output, not the team's.
    assert both.finals_per_fte == pytest.approx(alone.finals_per_fte, rel=0.35)
    assert alone.finals_per_fte * 1.0 < both.finals_per_fte * 2.0


def test_an_advice_date_out_of_order_does_not_stop_the_forecast():
    cases, advice = history()
    bad = advice[0]._replace(received=advice[0].received_by_adviser - 10 * D)
    f = forecast(cases, [bad, *advice[1:]], TEAM, TODAY)
    assert f.ok
