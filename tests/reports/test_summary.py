"""The case summary PDF, checked by extracting its text (pypdf) from real SQLite data."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select

from caseload_app.cli import main
from caseload_app.db.models import AuditEntry, Communication, EhcpCase
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Deadline
from caseload_app.reports.pdf import Imprint
from caseload_app.reports.summary import (
    ChildDetails,
    CommunicationRow,
    FamilyDetails,
    SummaryData,
    build_summary,
    days_text,
    deadline_status,
)
from caseload_app.services.errors import NotFound
from caseload_app.services.printing import PrintService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from tests.helpers import NOW, TODAY, new_case

USER = "Asha Patel"


# --------------------------------------------------------------------------- helpers
def pages(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line breaks in wrapped cells) as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


def printer(db, user: str = USER) -> PrintService:
    return PrintService(db, user, today=lambda: TODAY, now=lambda: NOW)


def add_communications(db, case_id: int, count: int, summary=None) -> None:
    """`count` contacts, one an hour going back from NOW: number 000 is the newest."""
    summary = summary or (lambda i: f"Contact number {i:03d} about the EP visit")
    with db.uow() as s:
        family_id = s.get(EhcpCase, case_id).child.family_id
        rows = [
            dict(
                family_id=family_id,
                case_id=case_id,
                occurred_at=NOW - timedelta(hours=i + 1),
                channel="phone" if i % 2 else "email",
                direction="in" if i % 3 else "out",
                with_whom="Ms Jo Brontë",
                summary=summary(i),
                logged_by="Ben Okafor",
            )
            for i in range(count)
        ]
        s.execute(insert(Communication), rows)


def busy_case(db) -> int:
    """Zoë's case in assessment with two advice requests (one chased) and an exception."""
    case_id, work = new_case(db, setting="Harbourside Primary", primary_need="ASD")
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    ep = work.request_advice(case_id, "ep", date(2026, 8, 6))
    work.request_advice(case_id, "health", date(2026, 8, 6))
    work.chase_advice(ep, date(2026, 9, 20), "left voicemail")
    period = (date(2026, 10, 1), date(2026, 11, 2))
    work.record_exception(
        case_id,
        "absent_from_area",
        ["decide_issue", "final_plan"],
        *period,
        date(2026, 10, 3),
        "Abroad",
    )
    work.add_task(case_id, "Call parent back about the EP visit", date(2026, 11, 27), None)
    return case_id


# --------------------------------------------------------------------------- content
def test_summary_shows_the_child_the_deadlines_and_who_printed_it(db):
    case_id = busy_case(db)
    TeamSettingsService(db).set_council(CouncilDetails("Bournemouth, Christchurch and Poole"))
    text = " ".join(pages(printer(db).case_summary(case_id)))
    for expected in (
        "Case summary — Zoë Brontë",
        f"{format_date(date(2016, 5, 4))} (age 10)",
        "L837201500012",
        "401 023 2137",
        "Harbourside Primary",
        "ASD — Autistic spectrum disorder",
        "Ms Jo Brontë",
        "BH1 1AA",
        "Assessment — gathering advice",
        # Received Wed 1 Jul 2026: decide whether to assess by Wed 12 Aug, final plan Wed 18 Nov.
        "Decide whether to assess Reg 5(1) Wed 12 Aug 2026 Wed 5 Aug 2026 Met",
        "Issue final plan",
        "Wed 18 Nov 2026",
        "Decide whether to issue a plan (Reg 10(1))",
        "Wed 21 Oct 2026",  # 16 weeks of the request: the next step, now overdue
        "34 days overdue",
        "Grey — exception applies",
        "Educational psychology",
        "Thu 17 Sep 2026",  # advice due: 6 weeks of Thu 6 Aug 2026
        "Child or parent away from the area for 4 weeks or more",
        "Call parent back about the EP visit",
        "Chased educational psychology advice",
        "OFFICIAL-SENSITIVE",
        f"Printed by {USER} on 24 Nov 2026 at 10:30",
        "Bournemouth, Christchurch and Poole Case summary — Zoë Brontë",  # the letterhead
    ):
        assert expected in text, expected


def test_a_case_started_by_the_council_becoming_responsible_is_not_called_a_request(db):
    """Regs 5(1)(b), 10(1), 13(2) count from the day the council became responsible for the
    child under CFA s24 (e.g. moving in): the summary names that date for what it is."""
    moved_in, _ = new_case(db, request_source="became_responsible")
    text = " ".join(pages(printer(db).case_summary(moved_in)))
    assert "Council became responsible (s24) Wed 1 Jul 2026" in text
    # (The first stage is still named "Request received" by stages.csv.)
    assert "Request received Wed" not in text
    assert "Decide whether to assess Reg 5(1) Wed 12 Aug 2026" in text  # 6 weeks, as before
    asked, _ = new_case(db, first_name="Emily", upn="", nhs_number="", request_source="school")
    assert "Request received Wed 1 Jul 2026 from School or college" in " ".join(
        pages(printer(db).case_summary(asked))
    )


def test_reviews_and_disagreements_show_each_step_with_its_regulation(db):
    case_id, work = new_case(db, request_received=date(2025, 7, 1))
    for key, on in (
        ("assess_agreed", date(2025, 8, 5)),
        ("issue", date(2025, 10, 1)),
        ("draft_served", date(2025, 10, 5)),
        ("final_issued", date(2025, 10, 20)),
    ):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    review_id = work.schedule_review(case_id, date(2026, 10, 20))
    changes = {
        "invitations_sent": date(2026, 10, 2),
        "papers_sent": date(2026, 10, 8),  # late: due by Tue 6 Oct 2026
        "decision_date": date(2026, 11, 12),
        "outcome": "amend",
        "amendment_notice": date(2026, 11, 16),
    }
    work.update_review(review_id, 1, changes)
    work.add_disagreement(
        case_id, "Refusal to name the parent's preferred school", TODAY, "plan_content"
    )
    text = " ".join(pages(printer(db).case_summary(case_id)))
    for expected in (
        "Annual review due Mon 19 Oct 2026 · meeting Tue 20 Oct 2026 · outcome: Amend the plan",
        "Send invitations Reg 20(3) Tue 6 Oct 2026 Fri 2 Oct 2026 Done",
        "Circulate advice and information Reg 20(4) Tue 6 Oct 2026 Thu 8 Oct 2026 Late by 2 days",
        "Send the review report Reg 20(7) Tue 3 Nov 2026 — Missed — 21 days overdue",
        "Issue final amended plan Reg 22(3) Mon 11 Jan 2027 — Open — 48 days left",
        "Refusal to name the parent's preferred school",
        "Mon 25 Jan 2027",  # appeal by: 2 months after the letter (a Sunday), then Monday
    ):
        assert expected in text, expected


def test_footer_counts_the_pages(db):
    case_id, _ = new_case(db)
    add_communications(db, case_id, 120)
    texts = pages(printer(db).case_summary(case_id, communications=120))
    total = len(texts)
    assert total > 1
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
        assert text.count("OFFICIAL-SENSITIVE") >= 2  # top and bottom of every page


def test_the_most_recent_communications_newest_first(db):
    case_id, _ = new_case(db)
    add_communications(db, case_id, 300)
    text = " ".join(pages(printer(db).case_summary(case_id, communications=20)))
    shown = [int(n) for n in re.findall(r"Contact number (\d{3})", text)]
    assert shown == list(range(20))  # newest (000) first, nothing older than the 20th
    assert "The 20 most recent of 300 contacts with this family" in text


def test_all_300_communications_flow_over_pages_with_the_header_on_each(db):
    case_id, _ = new_case(db)
    add_communications(db, case_id, 300)
    texts = pages(printer(db).case_summary(case_id, communications=300))
    assert len(texts) >= 6
    shown = [int(n) for p in texts for n in re.findall(r"Contact number (\d{3})", p)]
    assert shown == list(range(300))
    with_rows = [p for p in texts if "Contact number" in p]
    assert len(with_rows) >= 5
    assert all("Logged by" in p for p in with_rows)  # the header repeats on every page


def test_a_very_long_summary_wraps_and_is_printed_in_full(db):
    case_id, work = new_case(db)
    words = [f"w{i:04d}" for i in range(1500)]  # taller than a page once wrapped
    odd = "Mum said <b>no</b> & asked for “plain” words"
    work.log_communication(
        case_id, datetime(2026, 11, 23, 14, 5), "phone", "in", "Ms Jo Brontë", odd
    )
    work.log_communication(
        case_id, datetime(2026, 11, 20, 9, 0), "email", "out", "School", " ".join(words)
    )
    text = " ".join(pages(printer(db).case_summary(case_id)))
    assert re.findall(r"w\d{4}", text) == words  # every word, in order: nothing cut off
    assert odd in text  # markup-like text is printed as typed


def test_a_case_with_nothing_recorded_says_so(db):
    case_id, _ = new_case(db, phone="", upn="", nhs_number="")
    text = " ".join(pages(printer(db).case_summary(case_id)))
    for expected in (
        "No advice requested.",
        "No exceptions recorded.",
        "No annual reviews recorded.",
        "No open tasks.",
        "No communications recorded.",
        "No other contacts recorded.",
    ):
        assert expected in text


# --------------------------------------------------------------------------- audit and errors
def test_every_print_is_audited_naming_who_made_it(db, tmp_path):
    case_id, _ = new_case(db)
    printer(db, "Ben Okafor").case_summary(case_id)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "summary.pdf"
    assert printer(db).summary_to_file(case_id, target, 5) == target
    assert target.read_bytes().startswith(b"%PDF")
    assert [p.name for p in folder.iterdir()] == ["summary.pdf"]  # no temporary file left
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
        seen = [(e.who, e.record_type, e.record_id, e.case_id, e.detail, e.at) for e in entries]
    assert seen == [
        ("Ben Okafor", "ehcp_case", case_id, case_id, "case summary", NOW),
        (USER, "ehcp_case", case_id, case_id, "case summary saved as summary.pdf", NOW),
    ]


def test_unknown_case_or_child_is_not_found(db):
    with pytest.raises(NotFound, match="no case 999"):
        printer(db).case_summary(999)
    with pytest.raises(NotFound, match="no child with id 999"):
        printer(db).case_for_child(999)
    with db.read() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all() == []


def test_a_child_s_live_case_is_the_one_printed(db):
    case_id, work = new_case(db)
    child_id = work.get_case(case_id).child.id
    assert printer(db).case_for_child(child_id) == case_id


# --------------------------------------------------------------------------- report module alone
def test_the_report_needs_only_its_own_data(tmp_path):
    data = SummaryData(
        case_id=1,
        child_id=2,
        today=TODAY,
        child=ChildDetails("Łukasz", "Nowak", date(2019, 2, 28), nhs_number="12345"),
        family=FamilyDetails(parent_carer_name="Ewa Nowak"),
        caseworker=None,
        request_received=date(2026, 11, 2),
        request_source=None,
        stage="Request received",
        is_open=True,
        status=_status(),
        communications=(
            CommunicationRow(NOW, "Phone", "in", "Ewa Nowak", "Asked about timescales", "Me"),
        ),
        communications_total=1,
    )
    text = " ".join(pages(build_summary(data, Imprint("Dev Sharma", NOW), page_total=False)))
    assert "Case summary — Łukasz Nowak" in text
    assert "12345" in text  # an invalid legacy NHS number is shown as stored
    assert "Page 1" in text
    assert "of 1" not in text


def _status():
    from caseload_app.domain.status import CaseStatus, NextStep

    step = NextStep("decide_assess", "Decide whether to assess", date(2026, 12, 14), "Reg 5(1)")
    return CaseStatus(next_step=step, days_left=20, rag="green", note=None)


@pytest.mark.parametrize(
    ("days", "words"), [(-1, "1 day overdue"), (-34, "34 days overdue"), (0, "due today")]
)
def test_days_in_words(days, words):
    assert days_text(days) == words


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (Deadline("k", "Step", date(2026, 8, 12), "Reg", date(2026, 8, 5), True, "none"), "Met"),
        (
            Deadline("k", "Step", date(2026, 8, 12), "Reg", date(2026, 8, 14), False, "none"),
            "Late by 2 days",
        ),
        (
            Deadline("k", "Step", date(2026, 11, 20), "Reg", None, False, "red"),
            "Missed — 4 days overdue (red)",
        ),
        (
            Deadline("k", "Step", date(2026, 12, 1), "Reg", None, None, "amber"),
            "Open — 7 days left (amber)",
        ),
        (
            Deadline("k", "Step", date(2026, 12, 1), "Reg", None, None, "grey"),
            "Open — 7 days left; exception applies (grey)",
        ),
    ],
)
def test_deadline_status_in_words(row, words):
    assert deadline_status(row, TODAY) == words


# --------------------------------------------------------------------------- command line
def test_cli_writes_a_summary_for_a_child(db, capsys, tmp_path):
    case_id, work = new_case(db)
    child_id = work.get_case(case_id).child.id
    out = tmp_path / "zoe.pdf"
    argv = ["report", "summary", "--db", str(db.path), "--child", str(child_id), "-o", str(out)]
    assert main([*argv, "--communications", "5"]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    assert "Case summary — Zoë Brontë" in pages(out.read_bytes())[0]


def test_cli_fails_cleanly_for_an_unknown_child(db, capsys, tmp_path):
    out = tmp_path / "nobody.pdf"
    code = main(["report", "summary", "--db", str(db.path), "--child", "999", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("caseload report: ")
    assert "no child with id 999" in err
    assert not out.exists()


def test_cli_refuses_a_negative_number_of_communications(db, capsys, tmp_path):
    argv = ["report", "summary", "--db", str(db.path), "--child", "1", "-o", "x.pdf"]
    with pytest.raises(SystemExit):
        main([*argv, "--communications", "-3"])
    assert "0 or more" in capsys.readouterr().err
