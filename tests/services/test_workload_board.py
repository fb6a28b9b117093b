import json
from collections import Counter
from datetime import date

import pytest

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.services.team import TeamService
from caseload_app.services.workload import WorkloadService
from tests.helpers import NOW, TODAY, new_case


def build_team(db):
    """Asha (1.0 FTE) holds four cases including two siblings; Carys (0.6) one; Ben (1.0, away
    now) one whose next step is due within 2 weeks; Dev (1.0) none."""
    team = TeamService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW)
    asha, carys = (
        team.add_caseworker("Asha Patel"),
        team.add_caseworker("Carys Morgan", capacity=0.6),
    )
    ben, dev = team.add_caseworker("Ben Okafor"), team.add_caseworker("Dev Sharma")
    team.add_absence(ben, date(2026, 11, 16), date(2026, 12, 11), "Leave")
    zoe, work = new_case(db, caseworker_id=asha)
    family = work.get_case(zoe).family.id
    new_case(
        db,
        first_name="Emily",
        upn="",
        nhs_number="",
        caseworker_id=asha,
        date_of_birth=date(2018, 2, 2),
        family_id=family,
    )
    for n, who in ((1, asha), (2, asha), (3, carys)):
        new_case(
            db,
            first_name=f"Child{n}",
            last_name=f"Other{n}",
            upn="",
            nhs_number="",
            caseworker_id=who,
            request_received=date(2026, 10, 1),
        )
    # Received Mon 2 Nov 2026: decide whether to assess by Mon 14 Dec 2026 (within 2 weeks+).
    due_soon, _ = new_case(
        db,
        first_name="Urgent",
        last_name="Case",
        upn="",
        nhs_number="",
        caseworker_id=ben,
        request_received=date(2026, 10, 22),
    )
    return {"asha": asha, "carys": carys, "ben": ben, "dev": dev, "due_soon": due_soon}


def service(db):
    return WorkloadService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW)


def test_board_shows_load_capacity_absence_and_the_weeks_ahead(db):
    ids = build_team(db)
    board = {r.name: r for r in service(db).board().rows}
    asha, carys, ben = board["Asha Patel"], board["Carys Morgan"], board["Ben Okafor"]
    assert asha.open_cases == 4
    assert carys.open_cases == 1
    assert carys.capacity == 0.6
    assert carys.load_per_fte == pytest.approx(carys.load / 0.6, 0.01)
    assert ben.away_today
    assert not asha.away_today
    assert ben.deadlines_in_absence == 1  # the urgent case's step falls in the leave
    assert len(asha.weekly_deadlines) == 8
    assert ids["due_soon"]


def test_rebalance_evens_load_keeps_families_and_never_sends_to_the_absent(db):
    ids = build_team(db)
    lead = service(db)
    before = {r.worker_id: r.load_per_fte for r in lead.board().rows}
    proposal = lead.propose()
    assert proposal.spread_after < proposal.spread_before
    assert all(m.to_id != ids["ben"] for m in proposal.moves)
    # The urgent case leaves the absent caseworker (cover), the siblings move as one.
    assert any(ids["due_soon"] in m.case_ids and m.from_id == ids["ben"] for m in proposal.moves)
    for move in proposal.moves:
        assert len({c for c in move.case_ids}) == len(move.case_ids)
    batch = lead.apply(proposal, "Rebalance before Christmas")
    after = {r.worker_id: r.load_per_fte for r in lead.board().rows}
    assert after != before
    TeamService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW).undo(batch)
    assert {r.worker_id: r.load_per_fte for r in lead.board().rows} == before


def test_weights_are_validated_and_stored(db):
    lead = service(db)
    with pytest.raises(ValueError):
        lead.set_weights({"assessment": -1})
    lead.set_weights({**lead.weights().to_dict(), "assessment": 4.0})
    assert lead.weights().to_dict()["assessment"] == 4.0


def test_board_and_rebalance_commands(tmp_path, capsys):
    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    ids = build_team(db)
    ordered, work = new_case(
        db, first_name="Ordered", upn="", nhs_number="", caseworker_id=ids["asha"]
    )
    # Reg 44(2)(c): draft by Mon 12 Oct, final by Mon 23 Nov 2026: both late from then on
    # (the command runs on the machine's own date, which is later).
    work.record_tribunal_order(ordered, date(2026, 9, 7), "make_plan")
    db.dispose()
    assert main(["board", "--db", str(path), "--json"]) == 0
    board = json.loads(capsys.readouterr().out)
    assert [w["name"] for w in board["caseworkers"]][:2] == ["Asha Patel", "Ben Okafor"]
    asha = board["caseworkers"][0]
    assert (asha["tribunal_steps"], asha["tribunal_steps_overdue"]) == (2, 2)
    assert board["caseworkers"][1]["tribunal_steps"] == 0
    # Nothing sent to any family since requests of July: every one overdue an update.
    assert (asha["families_updated_on_time"], asha["families"]) == (0, asha["open_cases"])
    assert (board["families_updated_on_time"], board["families"]) == (0, 7)
    assert main(["board", "--db", str(path)]) == 0
    text = capsys.readouterr().out.splitlines()
    assert "tribunal" in text[0]
    assert "2/2 late" in next(line for line in text if line.startswith("Asha Patel"))
    assert "updated" in text[0]
    assert "      0%" in next(line for line in text if line.startswith("Asha Patel"))
    assert "       -" in next(line for line in text if line.startswith("Dev Sharma"))
    assert main(["rebalance", "--db", str(path), "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["applied"] is False
    assert dry["moves"]
    assert set(dry["moves"][0]) == {
        "case_id",
        "child_id",
        "child",
        "next_step",
        "next_due",
        "family_id",
        "from",
        "to",
        "reason",
    }
    assert dry["moves"][0]["child"] == "Urgent Case"  # names, not "family 803"
    assert dry["moves"][0]["next_step"] == "Decide whether to assess"
    assert dry["left"]
    assert set(dry["caseworkers"][0]) == {"name", "capacity", "load_before", "load_after"}
    assert main(["rebalance", "--db", str(path), "--apply"]) == 1
    assert "--reason" in capsys.readouterr().err
    assert main(["rebalance", "--db", str(path), "--apply", "--reason", "Cover", "--json"]) == 0
    applied = json.loads(capsys.readouterr().out)
    assert applied["applied"]
    assert applied["moves"] == dry["moves"]


def test_week_strips_show_where_deadlines_move(db):
    ids = build_team(db)
    lead = service(db)
    proposal = lead.propose()
    strips = lead.week_strips(proposal)
    total_before = sum(sum(before) for before, _after in strips.values())
    total_after = sum(sum(after) for _before, after in strips.values())
    assert total_before == total_after  # moves shift deadlines between people, never lose them
    ben_before, ben_after = strips[ids["ben"]]
    assert sum(ben_after) <= sum(ben_before)  # the absent worker's urgent step is covered
    assert lead.week_strips(proposal, skip=set(range(len(proposal.moves)))) == {
        w: (b, b) for w, (b, _a) in strips.items()
    }


def test_board_counts_each_open_tribunal_order_step_on_the_caseworker_holding_the_case(db):
    """Reg 44(2)(c): an order to make a plan dated Mon 7 Sep 2026 gives the draft by Mon 12 Oct
    (missed by today, Tue 24 Nov) and the final by Mon 23 Nov (missed by a day): two open steps,
    both late. Once the draft is recorded one remains. An order to assess on Carys's refused,
    closed case (Reg 44(2)(b), Mon 16 Nov): notify by Mon 30 Nov (6 days: this week), a
    decision not to issue by Mon 25 Jan 2027, the plan by Mon 22 Feb 2027: three open, none
    late. Dev holds none; an unallocated case's order is on nobody's row."""
    ids = build_team(db)
    lead = service(db)
    assert {r.tribunal_steps.open for r in lead.board().rows} == {0}
    asha_case, work = new_case(
        db, first_name="Ordered", upn="", nhs_number="", caseworker_id=ids["asha"]
    )
    order = work.record_tribunal_order(asha_case, date(2026, 9, 7), "make_plan")
    carys_case, _ = new_case(
        db,
        first_name="Refused",
        upn="",
        nhs_number="",
        caseworker_id=ids["carys"],
        request_received=date(2026, 9, 1),
    )
    version = work.get_case(carys_case).version
    work.record_action(carys_case, version, "assess_refused", date(2026, 10, 6), "Needs met")
    assert not work.get_case(carys_case).is_open
    work.record_tribunal_order(carys_case, date(2026, 11, 16), "assess")
    nobody, _ = new_case(db, first_name="Nobody", upn="", nhs_number="")
    work.record_tribunal_order(nobody, date(2026, 9, 7), "make_plan")
    board = {r.name: r.tribunal_steps for r in lead.board().rows}
    assert (board["Asha Patel"].open, board["Asha Patel"].overdue) == (2, 2)
    assert board["Asha Patel"].case_ids == (asha_case,)
    carys = board["Carys Morgan"]
    assert (carys.open, carys.overdue, carys.due_this_week, carys.case_ids) == (
        3, 0, 1, (carys_case,),
    )  # fmt: skip
    assert board["Dev Sharma"].open == 0
    draft = next(
        s for s in work.get_case(asha_case).tribunal_orders if s.step.key == "draft_plan_due"
    )
    work.record_order_step(order, draft.version, "draft_plan_due", date(2026, 10, 9))
    asha = next(r for r in lead.board().rows if r.name == "Asha Patel")
    assert (asha.tribunal_steps.open, asha.tribunal_steps.overdue) == (1, 1)


@pytest.mark.parametrize("urgency_days", [0, 14, 45, 10**7])
def test_the_board_s_counts_are_the_case_by_case_figures(db, urgency_days):
    """The database counts the board's figures per caseworker and stage: each is what the
    domain's case-by-case rules give for the same cases, with absences past, present and
    future (one overlapping another), urgency days from none to past the last date."""
    from datetime import timedelta

    from caseload_app.domain.workload import deadlines_in_absence, loads_by_worker, weekly_strip
    from caseload_app.services.demo import generate_demo

    generate_demo(db, children=300, seed=3, today=TODAY)
    team = TeamService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW)
    ids = [w.id for w in team.workers()]
    day = TODAY.toordinal()
    for n, (starts, days) in enumerate([(-60, 20), (-3, 10), (1, 5), (3, 30), (20, 90)]):
        first = date.fromordinal(day + starts)
        team.add_absence(ids[n % len(ids)], first, first + timedelta(days=days), "Leave")
    board_service = service(db)
    board_service.set_weights({"urgency_days": urgency_days, "urgency_multiplier": 3.0})

    board = board_service.board()
    _infos, workers, cases = board_service._inputs()

    loads, strip = loads_by_worker(cases, workers), weekly_strip(cases, TODAY)
    rows = {r.worker_id: r for r in board.rows}
    assert set(rows) == {w.id for w in workers}
    assert sum(c.worker_id is None for c in cases) == board.unallocated
    assert sum(r.deadlines_in_absence for r in rows.values()) > 0  # the absences were hit
    for worker in workers:
        held = [c for c in cases if c.worker_id == worker.id]
        row = rows[worker.id]
        assert row.open_cases == len(held)
        assert row.cases_by_stage == dict(Counter(c.stage for c in held))
        assert row.load == round(loads[worker.id], 2)
        assert row.overdue_steps == sum(1 for c in held if c.next_due and c.next_due < TODAY)
        assert row.weekly_deadlines == strip.get(worker.id, [0] * 8)
        assert row.deadlines_in_absence == len(deadlines_in_absence(cases, worker))


def test_the_board_opens_in_the_calendar_s_last_weeks(db):
    """Its eight weeks and urgency days reach past the last date there is (found by a
    reviewer: adding them overflowed)."""
    from datetime import timedelta

    build_team(db)
    late = date.max - timedelta(days=30)
    board = WorkloadService(db, "Team Lead", today=lambda: late, now=lambda: NOW).board()
    assert sum(r.open_cases for r in board.rows) == 6
    for row in board.rows:  # every step, dated 2026, is long overdue
        assert (row.overdue_steps, row.weekly_deadlines) == (row.open_cases, [0] * 8)
