"""The review catch-up planner on a team database, each person on their own login: a
caseworker plans and books only her own cases (the server's row-level security lets her
write the reviews, letters, tasks and audit entries of those), a team lead the team's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import AnnualReview, Task
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.review_plan import ReviewPlan, ReviewPlanService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from tests.services.test_review_plan import plan_case


@pytest.fixture
def cases(team_server):
    t = team_server
    t.service(TeamSettingsService, "dee").set_council(CouncilDetails("Haworth Council", "Hall"))
    return {
        "asha": plan_case(t.owner, "Amy", t.asha, date(2025, 6, 2)),
        "ben": plan_case(t.owner, "Fay", t.ben, date(2025, 9, 1)),
    }


def test_a_caseworker_books_her_own_reviews_on_her_own_login(team_server, cases, tmp_path):
    asha = team_server.service(ReviewPlanService, "asha")
    made = asha.plan()
    assert [p.review.case_id for p in made.plan.reviews] == [cases["asha"]]
    done = asha.apply(made, tmp_path)
    assert (done.meetings, done.letters, done.tasks) == (1, 1, 1)
    with team_server.owner.read() as s:
        (review,) = s.scalars(select(AnnualReview)).all()
        (task,) = s.scalars(select(Task)).all()
        assert review.case_id == task.case_id == cases["asha"]
        assert review.updated_by == team_server.login("asha")


def test_a_caseworker_cannot_book_the_teams_plan_and_nothing_is_written(team_server, cases):
    lead_plan = team_server.service(ReviewPlanService, "lee").plan()
    assert {p.review.case_id for p in lead_plan.plan.planned()} == set(cases.values())
    asha = team_server.service(ReviewPlanService, "asha")
    with pytest.raises(PermissionDenied):
        asha.apply(lead_plan, letters=False)
    as_his = ReviewPlan(lead_plan.plan, lead_plan.names, lead_plan.stamps, "ben", team_server.ben)
    with pytest.raises(PermissionDenied, match=r"not yours to change \(Amy Brontë"):
        team_server.service(ReviewPlanService, "ben").apply(as_his, letters=False)
    with team_server.owner.read() as s:
        assert s.scalars(select(AnnualReview)).all() == []
    done = team_server.service(ReviewPlanService, "lee").apply(lead_plan, letters=False)
    assert done.meetings == 2


def test_two_people_booking_the_same_review_at_once_book_it_once(team_server):
    """The lead's booking is held just before it commits while Asha books her own plan of
    the same review: hers waits for the lead's, then is refused (found in review)."""
    import threading
    import time

    from sqlalchemy import event, func

    t = team_server
    t.service(TeamSettingsService, "dee").set_council(CouncilDetails("Haworth Council", "Hall"))
    case = plan_case(t.owner, "Amy", t.asha, date(2025, 6, 2))
    lee, asha = t.service(ReviewPlanService, "lee"), t.service(ReviewPlanService, "asha")
    lee_plan, asha_plan = lee.plan(), asha.plan()
    gate, inside = threading.Event(), threading.Event()

    def hold(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO task"):
            inside.set()
            gate.wait(10)

    event.listen(lee._db.engine, "before_cursor_execute", hold)
    said: dict[str, str] = {}

    def book(name, service, made):
        try:
            said[name] = service.apply(made, letters=False).summary()
        except Exception as exc:  # noqa: BLE001 - what each person is told
            said[name] = f"{type(exc).__name__}: {exc}"

    first = threading.Thread(target=book, args=("lee", lee, lee_plan))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=book, args=("asha", asha, asha_plan))
    second.start()
    time.sleep(1)  # Asha's booking reaches the lock on the case and waits there
    gate.set()
    first.join(20)
    second.join(20)
    assert "1 review meeting booked" in said["lee"]
    assert said["asha"].startswith("UserError: Nothing was booked")
    with t.owner.read() as s:
        open_reviews = s.scalar(
            select(func.count()).where(
                AnnualReview.case_id == case, AnnualReview.decision_date.is_(None)
            )
        )
        tasks = s.scalar(select(func.count()).select_from(Task).where(Task.case_id == case))
    assert (open_reviews, tasks) == (1, 1)
