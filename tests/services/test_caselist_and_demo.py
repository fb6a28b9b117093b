from collections import Counter
from datetime import date, datetime

from sqlalchemy import select

from caseload_app.db.engine import open_database
from caseload_app.db.models import Communication, EhcpCase
from caseload_app.services.caselist import CaseListService
from caseload_app.services.demo import generate_demo
from caseload_app.services.export import ExportService
from caseload_app.services.importer import Importer
from tests.helpers import TODAY, write_csv


def test_case_list_has_next_step_rag_and_last_contact(db, tmp_path):
    Importer(db, "tester", today=lambda: TODAY).import_file(
        write_csv(
            tmp_path / "in.csv",
            "Amelia,Smith,2015-03-02,,,BH1 1AA,ASD,Asha Patel,2026-10-01,request_received,,,"
            "Ms Jo Smith,,",
            "Oscar,Jones,2015-03-02,,,,ASD,,2026-11-20,request_received,,,,,",
            "Ivy,Brown,2015-03-02,,,,ASD,,2025-01-01,ceased,,,,,",
        )
    )
    with db.uow() as s:
        amelia_case = s.scalars(select(EhcpCase).order_by(EhcpCase.id)).first()
        family_id = amelia_case.child.family_id
        for when in (datetime(2026, 11, 2, 10), datetime(2026, 11, 10, 15, 30)):
            s.add(
                Communication(
                    family_id=family_id,
                    occurred_at=when,
                    channel="phone",
                    direction="out",
                    logged_by="tester",
                )
            )
    rows = {r.child_name: r for r in CaseListService(db, today=lambda: TODAY).list_cases().rows}
    amelia, oscar, ivy = rows["Amelia Smith"], rows["Oscar Jones"], rows["Ivy Brown"]
    # Received Thu 1 Oct 2026 → decide whether to assess by Thu 12 Nov 2026: overdue.
    assert (amelia.next_step, amelia.next_due, amelia.days_left) == (
        "decide_assess",
        date(2026, 11, 12),
        -12,
    )
    assert amelia.rag == "red"
    assert amelia.caseworker == "Asha Patel"
    assert (amelia.last_contact, amelia.days_since_contact) == (date(2026, 11, 10), 14)
    assert (oscar.next_due, oscar.rag, oscar.caseworker) == (
        date(2027, 1, 1),
        "green",
        "Unallocated",
    )
    assert oscar.last_contact is None
    assert (ivy.next_step, ivy.rag, ivy.is_open) == (None, "none", False)


def test_demo_is_deterministic_and_covers_every_stage(tmp_path):
    exports = []
    for name in ("a", "b"):
        db = open_database(tmp_path / f"{name}.sqlite3")
        result = generate_demo(db, children=400, seed=7, today=TODAY)
        ExportService(db, "tester", today=lambda: TODAY).export_csv(tmp_path / f"{name}.csv")
        rows = CaseListService(db, today=lambda: TODAY).list_cases().rows
        db.dispose()
        exports.append((tmp_path / f"{name}.csv").read_bytes())
    assert exports[0] == exports[1]
    assert result.children == 400
    assert result.families < 400  # siblings share a family
    assert result.communications > 400
    assert result.advice_requests > 0
    assert result.reviews > 0
    stages = Counter(r.stage for r in rows)
    assert set(stages) == {
        "request_received",
        "assessment",
        "draft_issued",
        "plan_issued",
        "refused_to_assess",
        "not_issued",
        "ceased",
    }
    rags = Counter(r.rag for r in rows)
    assert rags["red"] > 0
    assert rags["green"] > 0
    assert rags["amber"] > 0
    assert any(r.days_since_contact is None or r.days_since_contact > 14 for r in rows)


def test_demo_with_another_seed_differs(tmp_path):
    names = []
    for seed in (1, 2):
        db = open_database(tmp_path / f"{seed}.sqlite3")
        generate_demo(db, children=50, seed=seed, today=TODAY)
        names.append([r.child_name for r in CaseListService(db).list_cases().rows])
        db.dispose()
    assert names[0] != names[1]


def test_demo_data_passes_the_importers_own_checks(tmp_path):
    """Demo data is realistic: exported, every row is valid import input (no future dates,
    valid postcodes, unique UPN and NHS numbers)."""
    db = open_database(tmp_path / "demo.sqlite3")
    generate_demo(db, children=3000, seed=11, today=TODAY)
    ExportService(db, "tester", today=lambda: TODAY).export_csv(tmp_path / "demo.csv")
    db.dispose()
    fresh = open_database(tmp_path / "fresh.sqlite3")
    result = Importer(fresh, "tester", today=lambda: TODAY).import_file(
        tmp_path / "demo.csv", dry_run=True
    )
    fresh.dispose()
    assert [str(p) for p in result.problems][:5] == []
    assert result.children == 3000


def test_rows_and_week_lines_for_some_cases_are_those_of_the_whole_list(db):
    """What the window puts in place after a save equals what a full load gives."""
    from caseload_app.services.myweek import MyWeekService

    generate_demo(db, children=200, seed=6, today=TODAY)
    cases = CaseListService(db, today=lambda: TODAY)
    every = cases.list_cases().rows
    families: dict[int, set[int]] = {}
    for row in every:
        families.setdefault(row.family_id, set()).add(row.case_id)
    sibling_family = next(f for f, ids in families.items() if len(ids) > 1)
    asked = {min(families[sibling_family]), every[0].case_id, every[-1].case_id, 10**9}
    wanted = {f for f, ids in families.items() if ids & asked}

    some = cases.rows_for(asked)
    assert some.rows == [r for r in every if r.family_id in wanted]  # same rows, same order
    assert families[sibling_family] <= {r.case_id for r in some.rows}  # the sibling too
    assert cases.rows_for([]).rows == []

    week = MyWeekService(db, today=lambda: TODAY)
    touched = {r.case_id for r in some.rows}
    for who in (None, 1):
        whole = week.my_week(who).items
        assert week.my_week(who, touched).items == [i for i in whole if i.case_id in touched]
        assert any(i.case_id in touched for i in whole) or who == 1
