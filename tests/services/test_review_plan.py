"""The annual-review catch-up planner's service: which reviews it gathers, and applying a plan
in one step (meetings, letters, tasks, files), all or nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from caseload_app.db.models import AnnualReview, AuditEntry, Communication, Document, Task
from caseload_app.domain.review_plan import PlanSettings
from caseload_app.paths import resources_dir
from caseload_app.services.casework import CaseworkService
from caseload_app.services.errors import PermissionDenied, UserError
from caseload_app.services.requests import NewRequest, RequestService
from caseload_app.services.review_plan import RECORD, ReviewPlanService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.team import TeamService
from tests.helpers import NOW, TODAY, add_person, login_for, statements_sent

LEAD = "Lee Lead"
Y8 = date(2014, 5, 4)  # in Year 8 in 2026/27: no phase transfer next September
Y6 = date(2016, 5, 4)  # in Year 6: primary → secondary, amended plan by Sun 14 Feb 2027


def svc(cls, db, who=LEAD):
    return cls(db, who, today=lambda: TODAY, now=lambda: NOW)


def plan_case(db, first, worker_id, final_issued, dob=Y8, address="1 Parsonage Lane") -> int:
    """A child of the Brontë family with a final plan issued on `final_issued`."""
    requested = final_issued - timedelta(weeks=20)
    request = NewRequest(
        first_name=first, last_name="Brontë", date_of_birth=dob, request_received=requested,
        parent_carer_name="Ms Jo Brontë", caseworker_id=worker_id, address=address,
        postcode="bh1 1aa", setting="Haworth Academy",
    )  # fmt: skip
    case_id = svc(RequestService, db).create(request)
    work = svc(CaseworkService, db)
    for key, weeks in (("assess_agreed", 5), ("issue", 14), ("draft_served", 15)):
        on = requested + timedelta(weeks=weeks)
        work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on, "")
    version = work.get_case(case_id, opened=False).version
    work.record_action(case_id, version, "final_issued", final_issued, "")
    return case_id


@pytest.fixture
def team(db):
    TeamSettingsService(db, LEAD).set_council(CouncilDetails("Haworth Council", "Town Hall"))
    lead = svc(TeamService, db)
    asha = lead.add_caseworker("Asha Patel", "asha.patel@council.example")
    ben = lead.add_caseworker("Ben Okafor", "", 0.5)
    cases = {
        "overdue": plan_case(db, "Amy", asha, date(2025, 6, 2)),  # due Mon 1 Jun 2026
        "soon": plan_case(db, "Cat", asha, date(2025, 12, 10)),  # due Wed 9 Dec 2026
        "later": plan_case(db, "Dot", asha, date(2026, 6, 1)),  # due in May 2027: not yet
        "transfer": plan_case(db, "Eve", asha, date(2026, 3, 2), dob=Y6),  # due Mar 2027
        "bens": plan_case(db, "Fay", ben, date(2025, 9, 1)),  # due Mon 31 Aug 2026
    }
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "lee", LEAD, "team_lead", by="Dee Admin")
    add_person(db, "asha", "Asha Patel", "caseworker", caseworker_id=asha, by="Dee Admin")
    return {"asha": asha, "ben": ben, **cases}


def lead_plan(db, **settings):
    return svc(ReviewPlanService, db).plan(PlanSettings(**settings))


def test_overdue_soon_due_and_phase_transfers_in_order_of_legal_risk(db, team):
    made = lead_plan(db)
    order = [p.review.case_id for p in made.plan.reviews]
    assert order == [team["transfer"], team["overdue"], team["bens"], team["soon"]]
    transfer = made.plan.reviews[0].review
    assert transfer.transfer_date == date(2027, 2, 14)
    assert transfer.due == date(2027, 2, 14) - timedelta(weeks=12)  # Sun 22 Nov 2026
    assert made.plan.reviews[1].review.days_overdue(TODAY) == 176
    assert all(p.caseworker_id == p.review.caseworker_id for p in made.plan.reviews)
    assert all(p.meeting >= TODAY + timedelta(days=14) for p in made.plan.planned())
    narrow = lead_plan(db, soon_weeks=0)
    assert team["soon"] not in [p.review.case_id for p in narrow.plan.reviews]


def test_a_booked_meeting_is_kept_and_one_held_awaiting_its_decision_is_not_planned(db, team):
    work = svc(CaseworkService, db)
    work.schedule_review(team["overdue"], date(2026, 12, 14))
    work.schedule_review(team["bens"], date(2026, 11, 20))  # held, no decision yet
    made = lead_plan(db)
    by_case = {p.review.case_id: p for p in made.plan.reviews}
    assert by_case[team["overdue"]].note == "booked" and not by_case[team["overdue"]].planned
    assert team["bens"] not in by_case


def test_the_plan_is_read_in_a_few_queries_however_many_cases(db, team):
    with statements_sent(db.engine) as statements:
        lead_plan(db)
        few = len(statements)
        for n in range(3):
            plan_case(db, f"Gus{n}", team["asha"], date(2025, 7, 1))
        statements.clear()
        lead_plan(db)
    assert len(statements) == few <= 8


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_applying_books_meetings_letters_tasks_and_files_in_one_step(db, team, out):
    made = lead_plan(db)
    planned = made.plan.planned()
    assert len(planned) == 4
    seen = []
    done = svc(ReviewPlanService, db).apply(made, out, progress=lambda n, of: seen.append(n))
    assert seen == [1, 2, 3, 4]
    assert (done.meetings, done.reviews_created, done.letters, done.tasks) == (4, 4, 4, 4)
    with db.read() as s:
        reviews = {r.case_id: r for r in s.scalars(select(AnnualReview))}
        tasks = {t.case_id: t for t in s.scalars(select(Task))}
        letters = s.scalar(select(func.count()).select_from(Communication))
        kept = s.scalar(select(func.count()).select_from(Document))
        detail = s.scalars(select(AuditEntry).where(AuditEntry.record_type == RECORD)).one().detail
        for p in planned:
            review = reviews[p.review.case_id]
            assert review.meeting_date == p.meeting and review.invitations_sent == TODAY
            assert tasks[p.review.case_id].owner_id == p.caseworker_id
            assert tasks[p.review.case_id].due == p.meeting
    assert letters == kept == 4
    assert "4 meetings, 4 letters, 4 tasks" in detail
    (asha_folder,) = done.folder.glob("Asha Patel (*)")  # her name and caseworker number
    asha_files = sorted(f.name for f in asha_folder.iterdir())
    assert "invitation-letters.pdf" in asha_files and "meetings.ics" in asha_files
    assert sum(n.startswith("invitation-case-") for n in asha_files) == 3
    (ben_folder,) = done.folder.glob("Ben Okafor (*)")
    ben_files = sorted(f.name for f in ben_folder.iterdir())
    assert ben_files == ["invitation-letters.pdf", "meetings.ics"]  # no address to invite from
    assert done.family_invitations_missing == 1
    calendar = Calendar.from_ical((asha_folder / "meetings.ics").read_bytes())
    assert len(calendar.walk("VEVENT")) == 3
    assert b"Bront" not in (asha_folder / "meetings.ics").read_bytes()
    assert (asha_folder / "invitation-letters.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_case_changed_since_the_plan_stops_it_and_nothing_is_written(db, team, out):
    made = lead_plan(db)
    svc(CaseworkService, db, "Asha Patel").schedule_review(team["soon"], date(2026, 12, 8))
    with pytest.raises(UserError, match=r"changed since the plan was made \(Cat Brontë"):
        svc(ReviewPlanService, db).apply(made, out)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Task)) == 0
        assert s.scalar(select(func.count()).select_from(Communication)) == 0
        assert s.scalar(select(func.count()).select_from(AnnualReview)) == 1  # Asha's own
    assert list(out.iterdir()) == []  # the folder made for the files is gone


def test_a_letter_that_cannot_be_made_stops_the_plan_naming_the_child(db, team, out):
    plan_case(db, "Hal", team["asha"], date(2025, 8, 1), address="")
    made = lead_plan(db)
    with pytest.raises(UserError, match=r"No address for the family .*: Hal Brontë \(case \d+\)"):
        svc(ReviewPlanService, db).apply(made, out)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AnnualReview)) == 0
    assert list(out.iterdir()) == []
    done = svc(ReviewPlanService, db).apply(made, None, letters=False)  # without letters
    assert (done.meetings, done.letters, done.folder) == (5, 0, None)
    with db.read() as s:
        assert all(r.invitations_sent is None for r in s.scalars(select(AnnualReview)))


def test_an_open_review_without_a_meeting_gets_the_plans_day(db, team):
    work = svc(CaseworkService, db)
    review_id = work.schedule_review(team["overdue"], date(2026, 12, 14))
    version = work.get_case(team["overdue"], opened=False).reviews[0].version
    work.update_review(review_id, version, {"meeting_date": None})
    made = lead_plan(db)
    mine = next(p for p in made.plan.reviews if p.review.case_id == team["overdue"])
    assert mine.planned
    done = svc(ReviewPlanService, db).apply(made, letters=False)
    assert (done.reviews_created, done.reviews_updated) == (3, 1)
    with db.read() as s:
        assert s.get(AnnualReview, review_id).meeting_date == mine.meeting


def test_sharing_out_moves_only_the_overflow_to_whoever_has_room(db, team):
    for n in range(6):
        plan_case(db, f"Ivy{n}", team["ben"], date(2025, 9, 1))
    own = lead_plan(db, weeks=5, reviews_per_week_per_fte=2)
    assert [(o.name, o.count) for o in own.plan.overflow] == [("Ben Okafor", 5)]
    shared = lead_plan(db, weeks=5, reviews_per_week_per_fte=2, share_out=True)
    moved = [p for p in shared.plan.planned() if p.shared]
    assert len(moved) == 2 and all(p.caseworker_id == team["asha"] for p in moved)
    done = svc(ReviewPlanService, db).apply(shared, letters=False)
    with db.read() as s:
        owners = {t.case_id: t.owner_id for t in s.scalars(select(Task))}
    assert all(owners[p.review.case_id] == team["asha"] for p in moved)
    assert done.tasks == len(shared.plan.planned())


def test_a_caseworker_plans_only_their_own_cases(db, team):
    asha = svc(ReviewPlanService, db, login_for(db, "asha"))
    made = asha.plan()
    assert {p.review.caseworker_id for p in made.plan.reviews} == {team["asha"]}
    assert set(made.plan.capacity) == {team["asha"]}
    with pytest.raises(PermissionDenied, match="Only a team lead shares"):
        asha.plan(PlanSettings(share_out=True))
    with pytest.raises(PermissionDenied, match="Only a team lead applies the team's plan"):
        asha.apply(lead_plan(db), letters=False)
    done = asha.apply(made, letters=False)
    assert done.meetings == len(made.plan.planned())


def test_bad_settings_get_a_plain_message(db, team):
    with pytest.raises(UserError, match="0.5 to 20"):
        lead_plan(db, reviews_per_week_per_fte=100)
    empty = lead_plan(db, weeks=1)
    with pytest.raises(UserError, match="nothing to apply"):
        svc(ReviewPlanService, db).apply(empty)


def test_letters_name_the_planned_meeting(db, team, tmp_path):
    from caseload_app.services.letters import LetterService
    from caseload_app.services.template_files import TemplateLibrary

    made = lead_plan(db)
    first = made.plan.planned()[0]
    letters = LetterService(
        db, LEAD, today=lambda: TODAY, now=lambda: NOW,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
    )  # fmt: skip
    from caseload_app.domain.deadlines import format_date

    rendered = letters.render(
        first.review.case_id, "annual_review_invitation",
        planned={"review_meeting": format_date(first.meeting),
                 "review_decision_due": "x"},
    )  # fmt: skip
    assert format_date(first.meeting) in rendered.letter.data.body


def test_a_plan_applied_once_its_meetings_are_under_2_weeks_away_is_refused(db, team, tmp_path):
    made = svc(ReviewPlanService, db).plan()
    later = ReviewPlanService(db, LEAD, today=lambda: TODAY + timedelta(days=7), now=lambda: NOW)
    with pytest.raises(UserError, match=r"less than 2 weeks away.*Make the plan again"):
        later.apply(made, None, letters=False)
