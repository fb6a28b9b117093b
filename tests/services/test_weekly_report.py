"""The weekly leadership report against a hand-counted fixture (week ending Tue 24 Nov 2026,
i.e. Wed 18 Nov – Tue 24 Nov 2026)."""

import csv
import threading
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    AuditEntry,
    CaseException,
    Caseworker,
    Child,
    Communication,
    Disagreement,
    EhcpCase,
    Family,
    TribunalOrder,
)
from caseload_app.domain.measures import AGE_BUCKETS, Ratio
from caseload_app.services.demo import generate_demo
from caseload_app.services.errors import Stopped
from caseload_app.services.weekly import WeeklyReportService
from tests.helpers import NOW, TODAY

W = date(2026, 11, 24)
D = date


def build(db) -> dict[str, int]:
    """Cases A–P with chosen dates; comments give the hand count."""
    ids: dict[str, int] = {}
    with db.uow() as s:
        asha = Caseworker(name="Asha Patel", capacity_fte=1.0)
        carys = Caseworker(name="Carys Morgan", capacity_fte=0.6)
        s.add_all([asha, carys])
        s.flush()
        families: dict[str, Family] = {}

        def case(key, fam, worker, received, stage, is_open=True, due=None, **kw):
            if fam not in families:
                families[fam] = Family(parent_carer_name=f"Parent {fam}")
                s.add(families[fam])
                s.flush()
            child = Child(
                family_id=families[fam].id,
                first_name=f"Child{key}",
                last_name="Test",
                date_of_birth=D(2015, 1, 1),
            )
            s.add(child)
            s.flush()
            row = EhcpCase(
                child_id=child.id,
                caseworker_id=worker.id if worker else None,
                request_received=received,
                stage=stage,
                is_open=is_open,
                **kw,
            )
            s.add(row)
            s.flush()  # works out the stored next step from the dates (db/next_step)
            assert due is None or row.next_due == due, (key, row.next_due)
            ids[key] = row.id
            ids[f"fam{fam}"] = families[fam].id
            return row

        # Requests in the week: A (first day), B (last day). C the day before the week.
        case("A", 1, asha, D(2026, 11, 18), "request_received", due=D(2026, 12, 30))
        case("B", 2, carys, D(2026, 11, 24), "request_received")
        case("C", 1, asha, D(2026, 11, 17), "request_received")
        # Decisions to assess in the week: D late (due 12 Nov), E on time (due 21 Nov).
        case("D", 3, asha, D(2026, 10, 1), "assessment", assess_decision="agreed",
             assess_decision_date=D(2026, 11, 18))  # fmt: skip
        case("E", 4, carys, D(2026, 10, 10), "assessment", assess_decision="agreed",
             assess_decision_date=D(2026, 11, 20))  # fmt: skip
        # Plans issued in the week: F on its due day; G late with an exception; H late.
        case("F", 5, asha, D(2026, 7, 1), "plan_issued", final_issued=D(2026, 11, 18))
        g = case("G", 6, carys, D(2026, 6, 1), "plan_issued", final_issued=D(2026, 11, 19),
                 exception_limits="final_plan")  # fmt: skip
        s.add(exception(g.id, "final_plan", D(2026, 9, 1)))
        case("H", 7, asha, D(2026, 6, 10), "plan_issued", final_issued=D(2026, 11, 24))
        # Closed: refused in the week ending 17 Nov (a trend request), advice not counted.
        case("I", 12, None, D(2026, 11, 12), "refused_to_assess", is_open=False,
             assess_decision="refused", assess_decision_date=D(2026, 11, 16))  # fmt: skip
        # Plan on time in the week ending 10 Nov (trend).
        case("J", 8, asha, D(2026, 6, 20), "plan_issued", final_issued=D(2026, 11, 5),
             due=D(2027, 11, 4))  # fmt: skip
        # Reviews: K overdue (due 20 Nov, unallocated); L due on W (not overdue, urgent).
        case("K", 9, None, D(2024, 1, 1), "plan_issued", final_issued=D(2024, 5, 1),
             last_review=D(2025, 11, 21), due=D(2026, 11, 20))  # fmt: skip
        case("L", 10, carys, D(2024, 1, 1), "plan_issued", final_issued=D(2024, 5, 1),
             last_review=D(2025, 11, 25), due=D(2026, 11, 24))  # fmt: skip
        case("N", 11, carys, D(2024, 1, 1), "plan_issued", final_issued=D(2024, 5, 1),
             last_review=D(2026, 10, 2), due=D(2027, 10, 1))  # fmt: skip
        case("P", 13, None, D(2023, 1, 1), "ceased", is_open=False, final_issued=D(2023, 5, 1))

        s.add_all(
            [
                AnnualReview(case_id=ids["K"], due=D(2026, 11, 20)),
                AnnualReview(case_id=ids["L"], due=D(2026, 11, 24), meeting_date=D(2026, 11, 19)),
                # decided on its due day (meeting 22 Oct + 4 weeks = 19 Nov)
                AnnualReview(case_id=ids["N"], due=D(2026, 10, 30), meeting_date=D(2026, 10, 22),
                             decision_date=D(2026, 11, 19), outcome="maintain"),
                # late (due 29 Oct), case since ceased
                AnnualReview(case_id=ids["P"], due=D(2026, 10, 1), meeting_date=D(2026, 10, 1),
                             decision_date=D(2026, 11, 20), outcome="cease"),
                AdviceRequest(case_id=ids["D"], advice_type="ep", requested=D(2026, 10, 9),
                              due=D(2026, 11, 20)),  # overdue
                AdviceRequest(case_id=ids["D"], advice_type="health", requested=D(2026, 10, 13),
                              due=W),  # due on W: not yet overdue
                AdviceRequest(case_id=ids["E"], advice_type="ep", requested=D(2026, 9, 20),
                              due=D(2026, 11, 1), received=D(2026, 11, 30)),  # late after W
                AdviceRequest(case_id=ids["E"], advice_type="social_care",
                              requested=D(2026, 9, 29), due=D(2026, 11, 10),
                              received=D(2026, 11, 15)),  # received
                AdviceRequest(case_id=ids["I"], advice_type="ep", requested=D(2026, 9, 20),
                              due=D(2026, 11, 1)),  # closed case: not counted
            ]
        )  # fmt: skip
        for fam, at in ((1, datetime(2026, 11, 11, 10)), (2, datetime(2026, 11, 10, 23)),
                        (3, datetime(2026, 11, 25, 9))):  # fmt: skip
            s.add(
                Communication(
                    family_id=families[fam].id,
                    occurred_at=at,
                    channel="phone",
                    direction="out",
                    logged_by="Asha Patel",
                )
            )
    return ids


def exception(case_id: int, limits: str, recorded: date) -> CaseException:
    return CaseException(
        case_id=case_id,
        ground="school_closed",
        limits=limits,
        period_start=D(2026, 7, 1),
        recorded_by="Asha Patel",
        recorded_at=datetime.combine(recorded, datetime.min.time()),
    )


def service(db):
    return WeeklyReportService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW)


@pytest.fixture
def report(db):
    ids = build(db)
    return ids, service(db).report(W, traced=True)


def test_each_measure_matches_the_hand_count(report, db):
    _ids, r = report
    f = r.figures
    grouped = service(db).report(W).figures  # as the PDF counts: in groups where it can
    assert not grouped.traced and replace(grouped, traces=[], traced=True) == replace(f, traces=[])
    assert f.week_start == D(2026, 11, 18)
    assert f.requests_received == 2  # A, B
    assert f.assess_decisions == Ratio(1, 2)  # E on time, D late
    assert f.plans_issued == 3
    assert f.plans_incl == Ratio(1, 3)  # F; G and H late
    assert f.plans_excl == Ratio(1, 2)  # G (exception) left out
    assert f.plans_excl.percent == 50
    assert round(f.plans_incl.percent) == 33
    assert f.open_cases == 12  # A B C D E F G H J K L N
    # Before a plan, by days since the request, cut at 42 / 112 / 140 days.
    assert f.open_by_stage_age["request_received"] == [3, 0, 0, 0]  # A 6, B 0, C 7 days
    # D 54 days and E 45 days: both past the 6 weeks (E sat in "0-6" when ages were whole
    # weeks rounded down).
    assert f.open_by_stage_age["assessment"] == [0, 2, 0, 0]
    assert "plan_issued" not in f.open_by_stage_age  # plans are aged by their review
    # Plans by time since made or last reviewed: F G H J N within 6 months; L reviewed
    # 25 Nov 2025, due by 24 Nov 2026 = W; K reviewed 21 Nov 2025, due by 20 Nov: overdue.
    assert f.plans_by_review_age == [5, 1, 1]
    assert len(AGE_BUCKETS) == 4
    assert f.advice_overdue == {"Educational psychology": 2}
    assert (f.reviews_due, f.reviews_held) == (2, 1)  # K, L due; L held
    assert f.review_decisions == Ratio(1, 2)  # N on time, P late
    assert f.reviews_overdue == 1  # K
    assert f.families_no_contact == 10  # 11 open families, family 1 was contacted on W-13
    # Every open case is weighed for the keep-in-touch promise; each counted one is traced.
    assert f.families_informed.denominator == 12
    told = [t for t in f.traces if t.measure == "families_informed" and t.counted_in == "numerator"]
    assert f.families_informed.numerator == len(told) < 12
    workers = {w.name: w for w in f.workers}
    assert workers["Asha Patel"].open_cases == 6
    assert workers["Asha Patel"].load == 10.0
    assert workers["Carys Morgan"].open_cases == 5
    assert workers["Carys Morgan"].load == 8.5
    assert workers["Carys Morgan"].load_per_fte == pytest.approx(8.5 / 0.6)
    assert workers["Unallocated"].open_cases == 1
    assert workers["Unallocated"].load == 1.5
    trend = {p.week_ending: p for p in f.trend}
    assert len(f.trend) == 12
    assert f.trend[-1].week_ending == W
    assert f.trend[0].week_ending == D(2026, 9, 8)
    assert trend[D(2026, 11, 17)].requests_received == 2  # C, I
    assert trend[D(2026, 11, 10)].within_20 == Ratio(1, 1)  # J
    assert trend[W].plans_issued == 3


def test_the_csv_traces_every_figure(report, db, tmp_path):
    ids, r = report
    path = service(db).to_csv(r, tmp_path / "weekly.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "week_ending", "measure", "case_id", "child_id", "child_name", "caseworker",
        "counted_in", "detail",
    ]  # fmt: skip
    this_week = Counter((x["measure"], x["counted_in"]) for x in rows if x["week_ending"] == str(W))
    f = r.figures
    assert this_week["requests_received", "count"] == f.requests_received
    assert this_week["assess_decisions_6wk", "numerator"] == f.assess_decisions.numerator
    assert this_week["assess_decisions_6wk", "denominator"] == f.assess_decisions.denominator
    assert this_week["plans_issued_20wk", "denominator"] == 3
    assert this_week["plans_issued_20wk_excl", "denominator"] == 2
    assert this_week["open_cases", "count"] == f.open_cases
    assert this_week["advice_overdue", "count"] == 2
    assert this_week["reviews_due", "count"] == 2
    assert this_week["reviews_held", "count"] == 1
    assert this_week["review_decisions_4wk", "denominator"] == 2
    assert this_week["reviews_overdue", "count"] == 1
    assert this_week["families_no_contact", "count"] == 10
    assert this_week["caseworker_load", "count"] == 12
    late = [
        x for x in rows if x["measure"] == "plans_issued_20wk" and x["case_id"] == str(ids["G"])
    ]
    assert [x["counted_in"] for x in late] == ["denominator"]
    assert "20-week exception recorded 2026-09-01" in late[0]["detail"]
    assert late[0]["child_name"] == "ChildG Test"
    assert late[0]["caseworker"] == "Carys Morgan"
    earlier = [x for x in rows if x["week_ending"] == "2026-11-17"]
    assert Counter(x["measure"] for x in earlier)["requests_received"] == 2
    with db.read() as s:
        audit = s.execute(
            select(AuditEntry.action, AuditEntry.who).where(AuditEntry.record_type == "report")
        ).all()
    assert [tuple(a) for a in audit] == [("export", "Team Lead")]


def test_the_pdf_shows_the_headline_figures_and_the_marking(report, db):
    _ids, r = report
    pdf = service(db).to_pdf(r)
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "OFFICIAL-SENSITIVE" in text
    assert "Weekly leadership report" in text
    assert "Tue 24 Nov 2026" in text
    assert "33%" in text
    assert "1 of 3" in text  # incl. exceptions
    assert "50%" in text
    assert "1 of 2" in text  # excl. exceptions
    assert "Educational psychology" in text
    assert "Asha Patel" in text
    assert "Page 1 of" in text
    # Each caseworker's row, its figures set as plain text in the table: FTE, open cases,
    # weighted load and load per FTE (8.5 / 0.6 = 14.2).
    words = " ".join(text.split())
    assert "Asha Patel 1 6 10.0 10.0" in words and "Carys Morgan 0.6 5 8.5 14.2" in words
    with db.read() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.record_type == "report"))
        assert list(actions) == ["print"]


def test_an_empty_database_gives_a_report_of_zeros(db):
    r = service(db).report(W)
    assert r.figures.requests_received == 0
    assert r.figures.plans_incl.percent is None
    assert service(db).to_pdf(r).startswith(b"%PDF")


def test_cli_writes_the_pdf_and_the_csv(tmp_path, capsys):
    path = tmp_path / "cli.sqlite3"
    db = open_database(path)
    try:
        build(db)
    finally:
        db.dispose()
    pdf, out = tmp_path / "weekly.pdf", tmp_path / "weekly.csv"
    argv = ["weekly-report", "--db", str(path), "--week-ending", "24/11/2026", "-o", str(pdf)]
    assert main([*argv, "--csv", str(out)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert out.read_text(encoding="utf-8-sig")
    assert "Wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["weekly-report", "--db", str(path), "--week-ending", "nonsense", "-o", "x"])


def test_dfe_timeliness_leaves_out_20_week_exceptions_and_disputes_as_known_that_week(db):
    """Six plans, each received Mon 1 Jun 2026 (due 20 weeks later, Mon 19 Oct 2026) and
    issued late, on Thu 19 Nov 2026, in the week ending Tue 24 Nov 2026:

    P1 no exception; P2 an exception to the 6-week decision only (Reg 5(4): not SEN2's
    Week20); P3 a 20-week exception recorded 10 Nov (out); P4 a 20-week exception recorded
    30 Nov, after the week (in, as the week stood); P5 mediation held 1 Oct (out); P6 an
    appeal lodged 1 Dec, after the week (in). Including all: 0 of 6; DfE: 0 of 4."""
    with db.uow() as s:
        family = Family(parent_carer_name="Parent")
        s.add(family)
        s.flush()
        cases = {}
        for key in ("P1", "P2", "P3", "P4", "P5", "P6"):
            child = Child(family_id=family.id, first_name=key, last_name="Test",
                          date_of_birth=D(2015, 1, 1))  # fmt: skip
            s.add(child)
            s.flush()
            limits = {"P2": "decide_assess", "P3": "final_plan", "P4": "final_plan"}.get(key, "")
            row = EhcpCase(child_id=child.id, request_received=D(2026, 6, 1),
                           stage="plan_issued", final_issued=D(2026, 11, 19),
                           exception_limits=limits)  # fmt: skip
            s.add(row)
            s.flush()
            cases[key] = row.id
        s.add_all([
            exception(cases["P2"], "decide_assess", D(2026, 7, 1)),
            exception(cases["P3"], "final_plan", D(2026, 11, 10)),
            exception(cases["P4"], "final_plan", D(2026, 11, 30)),
            Disagreement(case_id=cases["P5"], decision="Refusal", decision_letter=D(2026, 9, 1),
                         mediation_ended=D(2026, 10, 1)),
            Disagreement(case_id=cases["P6"], decision="Plan", decision_letter=D(2026, 11, 19),
                         appeal_lodged=D(2026, 12, 1)),
        ])  # fmt: skip
    fig = service(db).report(W, traced=True).figures
    assert fig.plans_incl == Ratio(0, 6)
    assert fig.plans_excl == Ratio(0, 4)
    traced = {
        x.case_id for x in fig.traces
        if x.measure == "plans_issued_20wk_excl" and x.counted_in == "denominator"
    }  # fmt: skip
    assert traced == {cases["P1"], cases["P2"], cases["P4"], cases["P6"]}


def test_tribunal_order_steps_overdue_are_counted_as_they_stood_at_the_week_end(db):
    """Week ending Tue 24 Nov 2026. Order Mon 7 Sep 2026 to make a plan: the draft was due
    Mon 12 Oct and served 30 Nov (after the week: still overdue at W); the final is due Mon
    23 Nov (overdue at W). Order Mon 2 Nov to amend the school: due Mon 16 Nov, done 13 Nov.
    An order dated after the week counts nothing. Two steps overdue."""
    with db.uow() as s:
        family = Family(parent_carer_name="Parent")
        s.add(family)
        s.flush()
        child = Child(family_id=family.id, first_name="T", last_name="Test",
                      date_of_birth=D(2015, 1, 1))  # fmt: skip
        s.add(child)
        s.flush()
        case = EhcpCase(child_id=child.id, request_received=D(2026, 3, 2), stage="assessment")
        s.add(case)
        s.flush()
        s.add_all([
            TribunalOrder(case_id=case.id, order_date=D(2026, 9, 7), kind="make_plan",
                          unopposed=False, draft_on=D(2026, 11, 30), recorded_by="A"),
            TribunalOrder(case_id=case.id, order_date=D(2026, 11, 2), kind="amend_school",
                          unopposed=False, amended_on=D(2026, 11, 13), recorded_by="A"),
            TribunalOrder(case_id=case.id, order_date=D(2026, 11, 25), kind="amend_school",
                          unopposed=False, recorded_by="A"),
        ])  # fmt: skip
    report = service(db).report(W, traced=True)
    assert report.figures.tribunal_steps_overdue == 2
    details = sorted(
        x.detail for x in report.figures.traces if x.measure == "tribunal_steps_overdue"
    )
    assert details == [
        "order of 2026-09-07 (make_plan): Issue the final plan due 2026-11-23 (Reg 44(2)(c)(ii))",
        "order of 2026-09-07 (make_plan): Serve the draft plan due 2026-10-12 (Reg 44(2)(c)(i))",
    ]
    pdf = service(db).to_pdf(report)
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "Tribunal order steps overdue" in text


def test_advice_overdue_names_the_reg_6_advice_types(db):
    """The family's own advice (Reg 6(1)(a)), a qualified teacher of the sensory impaired
    (Reg 6(3)) and preparing for adulthood (Reg 6(1)(g)) are counted under their labels."""
    ids = build(db)
    with db.uow() as s:
        for kind in ("parent", "sensory", "adulthood"):
            s.add(
                AdviceRequest(
                    case_id=ids["D"],
                    advice_type=kind,
                    requested=D(2026, 10, 9),
                    due=D(2026, 11, 20),
                )
            )
    assert service(db).report(W).figures.advice_overdue == {
        "Educational psychology": 2,
        "Parent or carer": 1,
        "Sensory impairment teaching (vision, hearing, multi-sensory)": 1,
        "Preparing for adulthood and independent living": 1,
    }


def test_a_past_weeks_position_is_what_the_dates_said_then(db):
    """The week ending Tue 24 Nov 2026, reported later (after the cases moved on):
    A received 1 Jun, draft served 10 Nov, final plan 1 Dec: at W in "draft issued", final
    plan due Mon 19 Oct (20 weeks) so 36 days past it at W;
    B received 1 Sep, agreed to assess 1 Oct, ceased 30 Nov: open at W, in "assessment";
    C a plan made 1 Sep 2025, reviewed 5 Nov 2025 and again 10 Dec 2026: at W last reviewed
    5 Nov 2025, over 12 months: the review (due 4 Nov 2026) overdue at W;
    D received 1 Dec 2026: not yet a case at W."""
    from caseload_app.domain.measures import PLAN_AGES

    with db.uow() as s:
        family = Family(parent_carer_name="Parent")
        s.add(family)
        s.flush()
        ids = {}
        for key, kw in {
            "A": dict(request_received=D(2026, 6, 1), stage="plan_issued",
                      assess_decision="agreed", assess_decision_date=D(2026, 7, 1),
                      issue_decision="issue", issue_decision_date=D(2026, 9, 1),
                      draft_served=D(2026, 11, 10), final_issued=D(2026, 12, 1)),
            "B": dict(request_received=D(2026, 9, 1), stage="ceased", is_open=False,
                      assess_decision="agreed", assess_decision_date=D(2026, 10, 1),
                      ceased_date=D(2026, 11, 30)),
            "C": dict(request_received=D(2025, 3, 1), stage="plan_issued",
                      final_issued=D(2025, 9, 1), last_review=D(2026, 12, 10)),
            "D": dict(request_received=D(2026, 12, 1), stage="request_received"),
        }.items():  # fmt: skip
            child = Child(family_id=family.id, first_name=key, last_name="Test",
                          date_of_birth=D(2015, 1, 1))  # fmt: skip
            s.add(child)
            s.flush()
            case = EhcpCase(child_id=child.id, **kw)
            s.add(case)
            s.flush()
            ids[key] = case.id
        s.add_all([
            AnnualReview(case_id=ids["C"], due=D(2026, 8, 31), meeting_date=D(2025, 11, 5),
                         decision_date=D(2025, 11, 20), outcome="maintain"),
            # A meeting held but never decided does not count as a review (last_review is set
            # when one is decided): had it counted, C would be "reviewed in the last 6 months".
            AnnualReview(case_id=ids["C"], due=D(2026, 11, 4), meeting_date=D(2026, 6, 10)),
            AnnualReview(case_id=ids["C"], due=D(2026, 11, 4), meeting_date=D(2026, 12, 10),
                         decision_date=D(2026, 12, 11), outcome="maintain"),
        ])  # fmt: skip
    fig = service(db).report(W, traced=True).figures
    assert fig.open_cases == 3
    by_stage = {stage: sum(row) for stage, row in fig.open_by_stage_age.items()}
    assert by_stage == {"draft_issued": 1, "assessment": 1}
    assert fig.plans_by_review_age == [0, 0, 1]  # C: over 12 months at W
    assert PLAN_AGES[2].startswith("over 12 months")
    assert fig.reviews_overdue == 1
    traced = {x.case_id for x in fig.traces if x.measure == "open_cases"}
    assert traced == {ids["A"], ids["B"], ids["C"]}


def test_a_family_whose_case_closed_after_the_week_keeps_its_contacts_that_week(db):
    """Received 1 Oct, refused to assess 1 Dec 2026: open in the week ending Tue 24 Nov, when
    the family was rung on Fri 20 Nov: not a family without contact in 14 days then."""
    with db.uow() as s:
        family = Family(parent_carer_name="Parent")
        s.add(family)
        s.flush()
        child = Child(family_id=family.id, first_name="R", last_name="Test",
                      date_of_birth=D(2015, 1, 1))  # fmt: skip
        s.add(child)
        s.flush()
        s.add(EhcpCase(child_id=child.id, request_received=D(2026, 10, 1),
                       stage="refused_to_assess", is_open=False, assess_decision="refused",
                       assess_decision_date=D(2026, 12, 1)))  # fmt: skip
        s.add(Communication(family_id=family.id, occurred_at=datetime(2026, 11, 20, 10),
                            channel="phone", direction="out", logged_by="A"))  # fmt: skip
    fig = service(db).report(W).figures
    assert fig.open_cases == 1
    assert fig.families_no_contact == 0


def test_a_request_withdrawn_after_the_week_was_open_that_week(db):
    """Received 1 Oct, withdrawn by the family 1 Dec 2026: open in the week ending Tue 24
    Nov; one withdrawn on Mon 23 Nov was not."""
    with db.uow() as s:
        family = Family(parent_carer_name="Parent")
        s.add(family)
        s.flush()
        for name, withdrawn in (("Later", D(2026, 12, 1)), ("Within", D(2026, 11, 23))):
            child = Child(family_id=family.id, first_name=name, last_name="Test",
                          date_of_birth=D(2015, 1, 1))  # fmt: skip
            s.add(child)
            s.flush()
            s.add(EhcpCase(child_id=child.id, request_received=D(2026, 10, 1),
                           stage="withdrawn", is_open=False, withdrawn_date=withdrawn))  # fmt: skip
    fig = service(db).report(W).figures
    assert fig.open_cases == 1


def test_the_case_rows_refuse_a_query_whose_columns_moved():
    """Rows are read by position for speed; their names are checked first, so reordering the
    query is an error, never a figure silently read from the wrong column."""
    from caseload_app.services import weekly

    class Moved:
        def keys(self):
            return ("child_id", "case_id", *weekly._CASE_COLUMNS[2:])

        def __iter__(self):
            return iter(())

    with pytest.raises(RuntimeError, match="columns changed"):
        weekly._case_rows(Moved(), {}, {}, {})


def test_plan_audits_decided_are_counted_in_the_week_and_the_month_and_traced(db, tmp_path):
    """Plan quality on the leadership board: one audit in the week, one earlier in November,
    one in October (in the caseworker's months only)."""
    from dataclasses import replace as changed

    from caseload_app.services.plan_audit import PlanAuditService
    from caseload_app.services.plans import PlanService
    from tests.domain.test_plan import good_plan
    from tests.helpers import new_case

    def audit(first_name: str, day: date, outcome: str) -> None:
        case_id, _ = new_case(db, first_name=first_name, upn=None, nhs_number=None)
        PlanService(db, "Asha Patel", today=lambda: day, now=lambda: NOW).save(
            case_id, good_plan(), None, 0
        )
        qa = PlanAuditService(db, "Lee Lead", today=lambda: day, now=lambda: NOW)
        state = qa.start(case_id)
        items = [changed(i, score=i.score or "partly") for i in state.items]
        qa.decide(state.id, state.version, items, {"A": "More of Zoë's words."}, outcome)

    audit("Amy", D(2026, 11, 20), "rework")  # in the week
    audit("Bea", D(2026, 11, 2), "signed_off")  # November, before the week
    audit("Cat", D(2026, 10, 14), "signed_off")  # October
    r = service(db).report(W)
    week, month = r.figures.quality_week, r.figures.quality_month
    assert (week.audited, week.sent_back, month.audited, month.signed_off) == (1, 1, 2, 1)
    traced = [t for t in r.rows if t.measure == "plans_audited"]
    assert [(t.child_name, t.counted_in) for t in traced] == [("Amy Brontë", "count")]
    assert traced[0].detail.startswith("rework by Lee Lead on 2026-11-20, ")
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(service(db).to_pdf(r))).pages)
    assert "Plan quality (audits decided)" in text and "November to date" in text
    assert "Commonest failures this month" in text


# --------------------------------------------------------------------------- the forecast page
FC_TODAY = date(2026, 12, 7)


def _text(pdf: bytes) -> str:
    """The PDF's words with each run of spaces and line breaks as one space."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


@pytest.fixture
def demo(db):
    generate_demo(db, children=1500, seed=3, today=FC_TODAY)
    return db


def _fc_service(db):
    return WeeklyReportService(db, "Team Lead", today=lambda: FC_TODAY, now=lambda: NOW)


def test_the_forecast_page_shows_the_weeks_the_back_test_and_the_cases_at_risk(demo, tmp_path):
    service = _fc_service(demo)
    steps = []
    r = service.report(FC_TODAY, progress=lambda what, done, total: steps.append(what))
    page = r.forecast
    assert page is not None and page.made_on == FC_TODAY and not page.left_out
    f, back = page.forecast, page.back_test
    assert f is not None and f.ok and back is not None and f.at_risk
    assert [e.lead for e in back.leads] == [4, 8, 12]
    assert "Testing the forecast on the last 26 weeks" in steps
    text = _text(service.to_pdf(r))
    for heading in (
        "Forecast: plans issued in the next 12 weeks",
        "Made on Mon 7 Dec 2026",
        "How good the forecast has been: the back-test",
        "The 10 cases most at risk of missing 20 weeks",
        "How the forecast is made",
    ):
        assert heading in text
    for e in back.leads:  # the row as BackTest's figures, rounded as printed
        row = (
            f"{e.lead} weeks {e.weeks} {e.mean_actual:.1f} {e.mean_error:.1f} "
            f"{round(100 * e.relative)}% {e.bias:+.1f} {round(100 * e.in_range)}%"
        )
        assert row in text
    first = f.weeks[0]
    assert f"{first.expected:.0f} {first.low}–{first.high} {first.within_20:.0f}" in text
    shown, beyond = f.at_risk[:10], f.at_risk[10:]
    assert all(f"EHCP/{a.case_id:06d}" in text for a in shown)
    assert not any(f"EHCP/{a.case_id:06d}" in text for a in beyond)
    with demo.read() as s:  # the page names no child
        names = s.execute(
            select(Child.first_name, Child.last_name)
            .join(EhcpCase, EhcpCase.child_id == Child.id)
            .where(EhcpCase.id.in_([a.case_id for a in shown]))
        ).all()
    assert names and not any(f"{a} {b}" in text for a, b in names)
    # The CSV lists every case at risk, named, most at risk first.
    path = service.to_csv(r, tmp_path / "weekly.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        risky = [x for x in csv.DictReader(fh) if x["measure"] == "forecast_at_risk"]
    assert [int(x["case_id"]) for x in risky] == [a.case_id for a in f.at_risk]
    assert all(x["child_name"] and x["counted_in"] == "listed" for x in risky)
    assert risky[0]["detail"].startswith(
        f"at risk 1 of {len(f.at_risk)} (forecast made 2026-12-07)"
    )


def test_too_little_history_says_why_there_is_no_forecast(report, db):
    _ids, r = report
    page = r.forecast
    assert page is not None and page.forecast is not None and not page.forecast.ok
    assert page.back_test is None
    text = _text(service(db).to_pdf(r))
    assert "Forecast: plans issued in the coming weeks" in text
    assert "No forecast could be made from these records:" in text
    for why in page.forecast.missing:
        assert why in text
    assert "fewer than 10 cases finished the decision whether to assess" in text


def test_a_past_weeks_report_leaves_the_forecast_out_and_says_why(db):
    build(db)
    r = service(db).report(date(2026, 11, 17))  # a week before today's week
    assert r.forecast is not None and r.forecast.forecast is None
    text = _text(service(db).to_pdf(r))
    assert "No forecast in this report: it is for a past week" in text
    assert "Made on" not in text and "back-test" not in text
    assert service(db).report(W, forecast=False).forecast is None


def test_stopped_makes_no_report(db):
    stop = threading.Event()
    stop.set()
    with pytest.raises(Stopped, match="no report was made"):
        service(db).report(W, cancel=stop)
