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
