"""The keep-in-touch promise over a real database: families due an update (after a stage
change, or weeks without one), the team's setting, the update drafted from the case (audited
as a view), and the command line."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from caseload_app.db.models import AuditEntry, EhcpCase
from caseload_app.services.errors import UserError
from caseload_app.services.keep_in_touch import KeepInTouchService
from caseload_app.services.settings import TeamSettingsService
from tests.helpers import NOW, TODAY, new_case


def keep(db, today=TODAY) -> KeepInTouchService:
    return KeepInTouchService(db, "Asha Patel", today=lambda: today, now=lambda: NOW)


def test_a_family_not_told_of_a_stage_change_is_due_within_a_week(db):
    case_id, work = new_case(db)  # request received Wed 1 Jul 2026
    (due,) = keep(db).due(days=0)
    assert (due.case_id, due.due) == (case_id, date(2026, 7, 29))  # 4 weeks: long overdue
    work.log_communication(case_id, datetime(2026, 11, 20, 9), "phone", "out", "Mum", "Update")
    assert keep(db).due(days=7) == []  # told on 20 Nov: next due 18 Dec
    (later,) = keep(db).due(days=30)
    assert (later.due, later.reason) == (
        date(2026, 12, 18),
        "Every 4 weeks: last update Fri 20 Nov 2026",
    )
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", TODAY)
    (changed,) = keep(db).due(days=7)
    assert changed.due == TODAY + timedelta(days=7)
    assert changed.reason == "Stage changed Tue 24 Nov 2026, family not told yet"
    work.log_communication(case_id, datetime(2026, 11, 24, 10), "letter", "in", "Mum", "Reply")
    assert keep(db).due(days=7) == [changed]  # only what the council sends counts


def test_the_team_decides_how_often(db):
    new_case(db)
    settings = TeamSettingsService(db, "admin", now=lambda: NOW)
    assert settings.update_every_weeks() == 4
    settings.set_update_every_weeks(2)
    assert keep(db).due(days=0)[0].due == date(2026, 7, 15)
    with pytest.raises(UserError, match="every 1 to 26 weeks"):
        settings.set_update_every_weeks(0)
    assert keep(db).on_time_share() == (0, 1)
    assert keep(db, today=date(2026, 7, 10)).on_time_share() == (1, 1)


def test_the_update_is_drafted_from_the_case_and_the_look_audited(db):
    case_id, work = new_case(db)
    work.record_action(
        case_id, work.get_case(case_id).version, "assess_refused", TODAY, "Needs met at SEN support"
    )
    made = keep(db).draft(case_id)
    assert made.draft.subject.startswith("An update on Zoë's")
    assert "against our decision not to carry out an EHC needs assessment" in made.draft.message
    assert made.to == "Ms Jo Brontë" and made.channel == "letter"
    with db.read() as s:
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.detail == "Drafted an update"))
    assert detail == "Drafted an update"


def test_late_advice_is_apologised_for(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    made = keep(db).draft(case_id)
    assert made.draft.delay
    assert "advice we asked for (due Thu 17 Sep 2026)" in made.draft.message
    assert "The reason is that we are still waiting for the educational psychology advice." in (
        made.draft.message
    )
    assert made.draft.unfilled() == ["[what the council is doing]", "[the new expected date]"]


def test_a_delay_the_family_has_not_heard_of_makes_a_delay_letter_due_at_once(db):
    case_id, work = new_case(db)  # request Wed 1 Jul 2026
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 10, 1))  # due Thu 12 Nov
    told = datetime(2026, 11, 10, 9)  # an update two days before the advice fell late
    work.log_communication(case_id, told, "phone", "out", "Mum", "Update")
    (due,) = keep(db).due(days=0)
    assert (due.due, due.promised, due.late_since) == (
        date(2026, 11, 13), date(2026, 12, 8), date(2026, 11, 12),
    )  # fmt: skip
    assert due.reason == "Delay not told: advice asked for was due Thu 12 Nov 2026"
    # The promise itself is kept (every 4 weeks): the board's and the weekly report's share.
    assert keep(db).on_time_share() == (1, 1)
    draft = keep(db).draft(case_id).draft
    assert draft.delay and "still waiting for the educational psychology advice" in draft.message
    work.log_communication(case_id, datetime(2026, 11, 23, 9), "letter", "out", "Mum", "Sorry")
    assert keep(db).due(days=7) == []  # told of the delay


def test_advice_never_marked_in_is_no_delay_once_the_plan_is_issued(db):
    from sqlalchemy import update

    from caseload_app.db.models import EhcpCase

    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 10, 1))  # due 12 Nov, never marked in
    work.log_communication(case_id, datetime(2026, 11, 10, 9), "phone", "out", "Mum", "Update")
    assert keep(db).due(days=0)[0].late_since == date(2026, 11, 12)
    with db.uow() as s:  # the plan issued since, as an import would leave it
        s.execute(update(EhcpCase).where(EhcpCase.id == case_id).values(stage="plan_issued"))
    assert [d.late_since for d in keep(db).due(days=30)] in ([], [None])


def test_a_delay_an_exception_covers_is_no_delay_to_apologise_for(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 10, 1))
    work.log_communication(case_id, datetime(2026, 11, 10, 9), "phone", "out", "Mum", "Update")
    work.record_exception(
        case_id, "missed_appointment", ["advice"], date(2026, 11, 1), None, date(2026, 11, 2)
    )  # Reg 8(2): the child missed the psychologist's appointment
    assert keep(db).due(days=0) == []


def test_a_draft_too_late_for_the_15_days_is_apologised_for_before_week_20(db):
    case_id, work = new_case(db, request_received=date(2026, 7, 15))  # 20 weeks: Wed 2 Dec
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    # Today is Tue 24 Nov: a draft sent now leaves its 15 days ending after 2 Dec.
    draft = keep(db).draft(case_id).draft
    assert draft.delay
    assert "The law gives us until Wed 2 Dec 2026 to issue Zoë's final plan." in draft.message
    assert "may be later than that" in draft.message


def test_the_command_line_lists_and_drafts(tmp_path, capsys):
    from caseload_app.cli import main
    from caseload_app.db.engine import open_database

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    case_id, _ = new_case(db, request_received=date.today() - timedelta(days=50))
    db.dispose()
    assert main(["updates", "due", "--db", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["case_id"], row["child"], row["days_left"]) == (case_id, "Zoë Brontë", -22)
    assert main(["updates", "draft", "--db", str(path), "--case", str(case_id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("To: Ms Jo Brontë (by letter)")
    assert "Subject: Sorry for the delay" in out and "Still to write in:" in out
    assert "You can contact the SEND team at any time" in out  # no caseworker yet


def test_rights_are_told_only_while_the_decision_may_still_be_appealed(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_refused",
                       date(2026, 7, 20), "Needs met at SEN support")  # fmt: skip
    recent = keep(db, today=date(2026, 8, 10)).draft(case_id).draft.message
    assert "appeal to the SEND Tribunal" in recent
    long_ago = keep(db, today=date(2027, 3, 1)).draft(case_id).draft.message
    assert "appeal to the SEND Tribunal" not in long_ago


def test_only_a_contact_with_the_family_counts_as_their_update(db, tmp_path):
    from caseload_app.db.models import Communication
    from caseload_app.paths import resources_dir
    from caseload_app.services.letters import LetterService
    from caseload_app.services.settings import CouncilDetails
    from caseload_app.services.template_files import TemplateLibrary

    case_id, work = new_case(db)
    TeamSettingsService(db).set_council(CouncilDetails("Poole Council", "Civic Centre\nPoole"))
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": "12 Oak Road\nPoole"})
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 7, 20))
    advice = work.request_advice(case_id, "ep", date(2026, 7, 21))
    letters = LetterService(
        db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "letters",
    )  # fmt: skip
    letters.issue(case_id, "advice_chase", advice_id=advice)  # a letter to the adviser
    work.chase_advice(advice, date(2026, 11, 20))  # logged as an e-mail to the adviser
    at = datetime(2026, 11, 23, 9)
    school = "Harbourside Primary SENCo"
    work.log_communication(case_id, at, "phone", "out", school, "Views", with_family=False)
    (due,) = keep(db).due(days=0)
    assert due.reason == "Stage changed Mon 20 Jul 2026, family not told yet"
    with db.read() as s:
        flags = s.execute(select(Communication.summary, Communication.with_family)).all()
    assert len(flags) == 3 and not any(told for _, told in flags)
    letters.issue(case_id, "decision_to_assess")  # to the family: their update
    assert keep(db).due(days=7) == []


DOUBLE = (
    "INSERT INTO communication (family_id, case_id, occurred_at, channel, direction, with_whom, "
    "with_family, summary, logged_by, version) SELECT family_id, case_id, occurred_at, channel, "
    "direction, with_whom, with_family, summary, logged_by, 1 FROM communication"
)


def test_the_family_s_last_update_is_one_index_seek(db):
    """Whatever else a family's log holds (calls in, letters to advisers), their last update
    is read by a seek on ix_communication_family_out, on SQLite and PostgreSQL."""
    from sqlalchemy import text

    from caseload_app.services.keep_in_touch import due_query

    case_id, _ = new_case(db)
    with db.uow() as s:
        s.execute(
            text(
                "INSERT INTO communication (family_id, case_id, occurred_at, channel, direction, "
                "with_whom, with_family, summary, logged_by, version) SELECT c.family_id, :case, "
                ":at, 'phone', 'in', 'EP', false, 'x', 'Asha Patel', 1 FROM child c"
            ),
            {"case": case_id, "at": NOW},
        )
        for _ in range(10):  # 2,048 rows: enough for PostgreSQL to weigh its indexes
            s.execute(text(DOUBLE))
    with db.read() as s:
        conn = s.connection()
        query = due_query(TODAY, caseworker_id=1)
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            # (and occurred_at before tomorrow: a row dated later counts from its day)
            seek = "ix_communication_family_out (family_id=? AND direction=? AND with_family=? AND"
        else:
            conn.exec_driver_sql("ANALYZE communication")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            seek = "Index Only Scan Backward using ix_communication_family_out"
    assert seek in plan, plan


IMPORTED = (
    "Amelia,Smith,2015-03-02,L837201500012,401 023 2137,bh1 1aa,ASD,Asha Patel,"
    "2025-11-05,plan_issued,2026-03-20,,Ms Jo Smith,01202 123456,jo@example.org"
)


def test_a_case_that_came_in_lately_is_not_overdue_since_its_old_request(db, tmp_path):
    """Imported last week with a request a year old: due 4 weeks after it came in, not a year
    overdue; the weekly report's measure counts it alike."""
    from caseload_app.services.importer import Importer
    from caseload_app.services.weekly import WeeklyReportService
    from tests.helpers import write_csv

    imported_on = date(2026, 11, 17)
    at = datetime(2026, 11, 17, 9)
    importer = Importer(db, user="tester", today=lambda: imported_on, now=lambda: at)
    assert importer.import_file(write_csv(tmp_path / "old.csv", IMPORTED)).written
    (due,) = keep(db).due(days=30)
    assert (due.due, due.reason) == (
        imported_on + timedelta(weeks=4),
        "Every 4 weeks: no update since the case came to us (Tue 17 Nov 2026)",
    )
    assert keep(db).on_time_share() == (1, 1)
    figures = WeeklyReportService(db, "Asha Patel", today=lambda: TODAY).report(TODAY).figures
    assert (figures.families_informed.numerator, figures.families_informed.denominator) == (1, 1)


def test_the_demo_keeps_most_families_informed_and_my_week_stays_readable(db):
    from caseload_app.services.demo import generate_demo
    from caseload_app.services.myweek import UPDATE_LINES, MyWeekService

    made = generate_demo(db, children=300, seed=3, today=TODAY)
    assert made.updates > made.cases  # a working team's regular updates
    kept, families = keep(db).on_time_share()
    assert 0.75 * families <= kept <= 0.97 * families  # some overdue, not all
    week = MyWeekService(db, today=lambda: TODAY).my_week(None)
    due = keep(db).due(days=7)
    assert week.count("update") == UPDATE_LINES < len(due)
    (more,) = [i for i in week.items if i.kind == "updates"]
    rest = due[UPDATE_LINES:]
    overdue = sum(1 for d in rest if d.days_left < 0)
    assert more.what == (
        f"{len(rest)} more families due an update, {overdue} overdue: open the update queue"
    )
    assert (more.case_id, more.tab, more.due) == (0, "updates", rest[0].due)
    listed = [i.case_id for i in week.items if i.kind == "update"]
    assert listed == [d.case_id for d in due[:UPDATE_LINES]]  # the most urgent, a line each


def test_looking_at_the_update_queue_and_the_outbox_is_audited_as_a_view(db):
    from caseload_app.services.mail import MailService

    case_id, _ = new_case(db)
    assert len(keep(db).due(caseworker_id=None)) == 1
    assert MailService(db, "Asha Patel", now=lambda: NOW).outbox(case_id) == []
    assert MailService(db, "Asha Patel", now=lambda: NOW).outbox() == []
    with db.read() as s:
        looks = s.execute(
            select(AuditEntry.who, AuditEntry.record_type, AuditEntry.case_id, AuditEntry.detail)
            .where(AuditEntry.action == "view")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(r) for r in looks] == [
        ("Asha Patel", "ehcp_case", None, "Listed the families due an update (the whole team): 1"),
        ("Asha Patel", "outbox", case_id, "Listed the case's e-mails: 0"),
        ("Asha Patel", "outbox", None, "Listed my e-mails not sent yet: 0"),
    ]


@pytest.mark.parametrize("every_weeks", [1, 4, 6])
def test_the_board_s_shares_counted_by_the_database_are_the_case_by_case_shares(db, every_weeks):
    """The board's column reads each caseworker's count from the database (the weekly
    report's rule): the same as each caseworker's share worked out case by case, on days
    from the demo's today to weeks after it (no contact or change dated after the day)."""
    from caseload_app.services.demo import generate_demo

    generate_demo(db, children=300, seed=11, today=TODAY)
    with db.uow() as s:  # and one not allocated
        first = s.scalar(select(func.min(EhcpCase.id)).where(EhcpCase.is_open.is_(True)))
        s.execute(update(EhcpCase).where(EhcpCase.id == first).values(caseworker_id=None))
    TeamSettingsService(db, "Team Lead").set_update_every_weeks(every_weeks)
    mixed = 0
    for days in (0, 1, 6, 7, 8, 13, 27, 28, 29, 60):
        on = TODAY + timedelta(days=days)
        shares = keep(db, today=on).on_time_shares()
        assert None in shares, on
        mixed += any(0 < kept < n for kept, n in shares.values())  # neither all nor none
        for worker, share in shares.items():
            if worker is not None:  # (None asks for the whole team)
                assert share == keep(db, today=on).on_time_share(worker), (on, worker)
        team = tuple(map(sum, zip(*shares.values(), strict=True)))
        assert team == keep(db, today=on).on_time_share(), on
    assert mixed  # some days hold caseworkers with families both told and not


@pytest.mark.parametrize("what", ["contact", "stage change"])
def test_a_row_dated_after_today_counts_from_its_day_on_the_board_and_the_queue(db, what):
    """A computer whose clock ran a day ahead dates its contact or decision tomorrow: the
    board's share and the update queue's both count it from tomorrow (found by a
    reviewer: the queue counted it today, the board not)."""
    from caseload_app.services.casework import CaseworkService

    def ahead() -> CaseworkService:
        tomorrow = TODAY + timedelta(days=1)
        return CaseworkService(
            db, "Asha Patel", today=lambda: tomorrow, now=lambda: NOW + timedelta(days=1)
        )

    case_id, work = new_case(db, caseworker_id=None)  # request 1 Jul 2026: long overdue
    if what == "stage change":  # updated 12 days ago, then a decision 10 days ago untold
        work.log_communication(case_id, NOW - timedelta(days=12), "phone", "out", "Mum", "Hi")
        version = work.get_case(case_id).version
        work.record_action(case_id, version, "assess_agreed", TODAY - timedelta(days=10))
        later = ahead()
        later.record_action(
            case_id, later.get_case(case_id).version, "issue", TODAY + timedelta(days=1)
        )
    else:
        ahead().log_communication(case_id, NOW + timedelta(days=1), "phone", "out", "Mum", "Up")
    assert keep(db).on_time_share() == (0, 1)  # overdue today, whatever tomorrow holds
    assert keep(db).on_time_shares() == {None: (0, 1)}
    assert [d.case_id for d in keep(db).due(days=0)] == [case_id]
