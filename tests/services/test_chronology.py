"""The case chronology through its service, on SQLite and PostgreSQL: a case with something of
every kind recorded by its own service, listed in order with who did it, filtered by a date
range, and given as a CSV and a PDF, each audited as an export or print of the case. "Today" is
Tue 24 Nov 2026; NOW is 10:30 that day."""

from __future__ import annotations

import csv
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.domain.validators import ValidationError
from caseload_app.paths import resources_dir
from caseload_app.services.chronology import CSV_HEADER, ChronologyService
from caseload_app.services.documents import DocumentService, NewDocument
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.letters import LetterService
from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.plans import PlanService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.team import TeamService
from caseload_app.services.template_files import TemplateLibrary
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case, services

COUNCIL = CouncilDetails("Bournemouth, Christchurch and Poole Council", "BCP Civic Centre")


def as_(cls, db, who: str, **kwargs):
    return cls(db, who, today=lambda: TODAY, now=lambda: NOW, **kwargs)


def act(work, case_id: int, key: str, on: date, reason: str = "") -> None:
    work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on, reason)


def pdf(text: str) -> bytes:
    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()


def text_of(data: bytes) -> str:
    pages = PdfReader(BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


@pytest.fixture
def case(db, tmp_path):
    """Zoë Brontë's case (request Wed 1 Jul 2026) with something of every kind, recorded by
    Asha Patel unless said: Ben Okafor records the advice arriving and the review's
    invitations, Lee Lead moves the case and audits the plan."""
    TeamSettingsService(db).set_council(COUNCIL)
    team = as_(TeamService, db, "Lee Lead")
    asha, dev = team.add_caseworker("Asha Patel"), team.add_caseworker("Dev Sharma")
    case_id, work = new_case(db, caseworker_id=asha)
    _, ben = services(db, "Ben Okafor")
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": "12 Oak Road\nPoole"})
    act(work, case_id, "assess_agreed", date(2026, 8, 5))
    work.record_exception(
        case_id, "absent_from_area", ["advice"], date(2026, 8, 10), date(2026, 8, 31),
        date(2026, 8, 11), "Family abroad",
    )  # fmt: skip
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
    work.chase_advice(advice_id, date(2026, 9, 3), "Left a message")
    version = work.get_case(case_id, opened=False).advice[0].version
    ben.advice_received(advice_id, version, date(2026, 9, 10))
    work.log_communication(
        case_id, datetime(2026, 9, 2, 14, 5), "phone", "in", "Ms Jo Brontë",
        "Asked how the\nassessment is going",
    )  # fmt: skip
    as_(DocumentService, db, "Asha Patel").add(
        case_id, pdf("EP advice"), "EP advice.pdf",
        NewDocument("advice_ep", date(2026, 9, 10), "Dr A Patel"),
    )  # fmt: skip
    act(work, case_id, "issue", date(2026, 10, 20))
    plans = as_(PlanService, db, "Asha Patel")
    state = plans.save(case_id, good_plan(), None, 0)
    plans.issue(case_id, state.version_id, state.version, date(2026, 10, 21))
    act(work, case_id, "draft_served", date(2026, 10, 21))
    (school,) = work.consult_schools(
        case_id, ["Hillside Primary School"], "family", date(2026, 10, 22)
    )
    row = work.get_case(case_id, opened=False).consultations[0]
    work.record_school_response(school, row.version, "agrees", date(2026, 10, 28))
    row = work.get_case(case_id, opened=False).consultations[0]
    work.record_naming_decision(school, row.version, "name", date(2026, 11, 5))
    act(work, case_id, "comments_received", date(2026, 11, 2))
    act(work, case_id, "final_issued", date(2026, 11, 16))
    review_id = work.schedule_review(case_id, date(2026, 11, 23))
    review = work.get_case(case_id, opened=False).reviews[0]
    ben.update_review(review_id, review.version, {"invitations_sent": date(2026, 11, 19)})
    dispute = work.add_disagreement(
        case_id, "Refusal to name Oak School", date(2026, 11, 6), "plan_content"
    )
    row = work.get_case(case_id, opened=False).disagreements[0]
    work.update_disagreement(
        dispute, row.version,
        {"appeal_lodged": date(2026, 11, 20), "hearing_date": date(2027, 2, 1)},
    )  # fmt: skip
    work.record_tribunal_order(case_id, date(2026, 11, 23), "amend_school", note="By consent")
    work.record_reassessment_request(case_id, date(2026, 11, 20), "parent")
    team.reassign([case_id], dev, "Asha on leave")
    qa = as_(PlanAuditService, db, "Lee Lead")
    audit = qa.start(case_id)
    qa.decide(audit.id, audit.version, audit.items, {"F": "Say how often."}, "rework")
    letters = as_(
        LetterService, db, "Asha Patel",
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "letters",
    )  # fmt: skip
    letters.set_mediation_adviser("Dorset Mediation Service, 01202 555 0100")
    letters.issue(case_id, "final_plan_cover")
    return case_id


def chronology(db, who: str = "Asha Patel"):
    return as_(ChronologyService, db, who)


KINDS_ON_THE_CASE = {
    "Stage", "Caseworker", "Exception", "Advice", "Consultation", "Plan", "Plan audit", "Review",
    "Re-assessment", "Disagreement", "Tribunal order", "Document", "Contact", "Letter",
}  # fmt: skip


def lines(made) -> list[tuple[str, str, str, str]]:
    return [(e.on.isoformat() + (" " + e.time_text).rstrip(), e.kind, e.who, e.summary)
            for e in made.entries]  # fmt: skip


def entries_audited(db, action: str) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.who, AuditEntry.record_type, AuditEntry.record_id,
                   AuditEntry.case_id, AuditEntry.detail)
            .where(AuditEntry.action == action, AuditEntry.record_type == "ehcp_case")
            .order_by(AuditEntry.id)
        )  # fmt: skip
        return [tuple(r) for r in rows]


def test_everything_on_the_case_is_listed_in_order_with_who_did_it(case, db):
    made = chronology(db).entries(case)
    assert (made.child_name, made.date_of_birth, made.case_id) == (
        "Zoë Brontë",
        date(2016, 5, 4),
        case,
    )
    assert made.council == COUNCIL.name
    assert {e.kind for e in made.entries} == KINDS_ON_THE_CASE
    keys = [(e.on, e.at is not None, e.at) for e in made.entries]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1], k[2] or NOW))
    found = lines(made)
    assert found[0] == ("2026-07-01", "Stage", "Asha Patel", "Request received: Parent")
    for line in (
        ("2026-08-06", "Advice", "Asha Patel",
         "Advice requested: Educational psychology (due Thu 17 Sep 2026)"),
        # A later step is the person the audit trail names, not the row's creator.
        ("2026-09-10", "Advice", "Ben Okafor",
         "Advice received: Educational psychology (due Thu 17 Sep 2026)"),
        ("2026-08-10", "Exception", "Asha Patel",
         "Exception began: Child or parent away from the area for 4 weeks or more: "
         "Family abroad"),
        # One line, whatever was typed.
        ("2026-09-02 14:05", "Contact", "Asha Patel",
         "Phone from Ms Jo Brontë: Asked how the assessment is going"),
        ("2026-09-10", "Document", "Asha Patel",
         "Advice: educational psychology: EP advice.pdf, from Dr A Patel"),
        ("2026-10-21", "Plan", "Asha Patel", "Draft plan issued (version 1)"),
        ("2026-10-28", "Consultation", "Asha Patel", "Hillside Primary School replied: Agrees"),
        ("2026-11-19", "Review", "Ben Okafor",
         "Annual review of Mon 23 Nov 2026: invitations sent"),
        ("2026-11-20", "Disagreement", "Asha Patel", "Appeal lodged: Refusal to name Oak School"),
        ("2026-11-23", "Tribunal order", "Asha Patel",
         "Tribunal order: Amend only the school or type named: By consent"),
        ("2026-11-20", "Re-assessment", "Asha Patel", "Re-assessment asked for by: Parent"),
        ("2026-11-24", "Plan audit", "Lee Lead",
         "Plan audit of version 1: Sent back for rework, 100%"),
        ("2026-11-24 10:30", "Caseworker", "Lee Lead",
         "Case moved from Asha Patel to Dev Sharma: Asha on leave"),
        ("2026-11-24 10:30", "Letter", "Asha Patel",
         "Letter to Ms Jo Brontë: Final education, health and care plan for Zoë Brontë"),
    ):  # fmt: skip
        assert line in found, line
    # Advice asked for and exceptions are listed from their own records, once each.
    assert [x for x in found if x[3].startswith("Advice requested")] == [found[2]]
    # The hearing booked for Mon 1 Feb 2027 has not happened: not listed.
    assert all(e.on <= TODAY for e in made.entries)
    assert not any("Tribunal hearing" in e.summary for e in made.entries)
    # On one day, the steps without a time come before the timed contacts.
    today = [e.at is not None for e in made.entries if e.on == TODAY]
    assert today == sorted(today) and today[0] is False and today[-1] is True


def test_a_date_range_keeps_only_its_days_both_included(case, db):
    service = chronology(db)
    made = service.entries(case, date(2026, 9, 10), date(2026, 10, 21))
    assert [e.on for e in made.entries] == [
        date(2026, 9, 10), date(2026, 9, 10), date(2026, 10, 20), *[date(2026, 10, 21)] * 4,
    ]  # fmt: skip
    assert made.range_text == "From Thu 10 Sep 2026 to Wed 21 Oct 2026"
    assert service.entries(case, start=date(2026, 11, 24)).range_text == (
        "From Tue 24 Nov 2026 to Tue 24 Nov 2026 (the day it was made)"
    )
    assert service.entries(case).range_text == (
        "Everything recorded up to Tue 24 Nov 2026 (the day it was made)"
    )
    assert service.entries(case, end=date(2026, 7, 1)).entries[0].summary.startswith("Request")
    with pytest.raises(ValidationError, match=r"ends \(Wed 21 Oct 2026\) before it starts"):
        service.entries(case, date(2026, 10, 22), date(2026, 10, 21))
    assert entries_audited(db, "print") == entries_audited(db, "export") == []  # only a look


def test_the_csv_has_a_row_per_entry_and_its_export_is_audited(case, db, tmp_path):
    service = chronology(db, "Lee Lead")
    made = service.entries(case, start=date(2026, 11, 1))
    target = tmp_path / "chronology.csv"
    assert service.save(made, target) == len(made.entries) == 13
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 1 + len(made.entries)
    comments = "Family's comments on the draft received"
    assert rows[1][:7] == [
        str(case),
        "2026-11-02",
        "",
        "Stage",
        "Asha Patel",
        comments,
        "stage_event",
    ]
    letter = rows[-1]
    sent = "Letter to Ms Jo Brontë: Final education, health and care plan for Zoë Brontë"
    assert letter[1:6] == ["2026-11-24", "10:30", "Letter", "Asha Patel", sent]
    assert letter[6] == "communication" and int(letter[7]) > 0
    assert entries_audited(db, "export") == [(
        "Lee Lead", "ehcp_case", case, case,
        "case chronology, 13 entries, From Sun 1 Nov 2026 to Tue 24 Nov 2026 (the day it was "
        "made), as chronology.csv",
    )]  # fmt: skip


def test_the_pdf_states_the_range_shows_every_kind_and_its_print_is_audited(case, db, tmp_path):
    service = chronology(db)
    made = service.entries(case)
    text = text_of(service.to_pdf(made))
    assert "Chronology — Zoë Brontë" in text
    assert "OFFICIAL-SENSITIVE" in text and "Printed by Asha Patel" in text and "Page 1 of" in text
    assert f"Born Wed 4 May 2016 · case {case} · {COUNCIL.name}" in text
    assert "Everything recorded up to Tue 24 Nov 2026 (the day it was made)" in text
    assert f"{len(made.entries)} entries" in text
    assert "Date What Who Summary" in text
    for kind in KINDS_ON_THE_CASE:
        assert kind in text, kind
    assert "Ben Okafor" in text and "Wed 2 Sep 2026 14:05" in text
    (print_entry,) = entries_audited(db, "print")
    assert print_entry == (
        "Asha Patel", "ehcp_case", case, case,
        f"case chronology, {len(made.entries)} entries, Everything recorded up to Tue 24 Nov "
        "2026 (the day it was made)",
    )  # fmt: skip
    narrow = service.entries(case, date(2026, 9, 1), date(2026, 9, 30))
    target = tmp_path / "September.PDF"
    assert service.save(narrow, target) == 4
    text = text_of(target.read_bytes())
    assert "From Tue 1 Sep 2026 to Wed 30 Sep 2026 · 4 entries" in text
    assert "Agreed to assess" not in text and "Left a message" in text
    empty = service.entries(case, date(2026, 12, 1), date(2026, 12, 31))
    assert "Nothing was recorded on the case in this range." in text_of(service.to_pdf(empty))
    assert entries_audited(db, "print")[1][4] == (
        "case chronology, 4 entries, From Tue 1 Sep 2026 to Wed 30 Sep 2026, as September.PDF"
    )


def test_dates_kept_on_the_case_and_steps_recorded_later_name_who_recorded_them(db):
    """A plan sent to Camden (Reg 15(2)), a Tribunal order's step and an appeal's outcome."""
    case_id, work = new_case(db)
    for key, on in (
        ("assess_agreed", date(2026, 8, 5)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 9, 7)),
        ("final_issued", date(2026, 10, 5)),
    ):
        act(work, case_id, key, on)  # fmt: skip
    _, ben = services(db, "Ben Okafor")
    ben.record_transfer_out(
        case_id, work.get_case(case_id, opened=False).version, moved_out=date(2026, 11, 20),
        moved_to="202", move_aware=date(2026, 11, 2), plan_sent=date(2026, 11, 23),
    )  # fmt: skip
    order = work.record_tribunal_order(case_id, date(2026, 10, 12), "amend_provision")
    version = work.get_case(case_id, opened=False).tribunal_orders[0].version
    ben.record_order_step(order, version, "amended_plan_due", date(2026, 11, 16))
    dispute = work.add_disagreement(case_id, "Section F", date(2026, 6, 1), "plan_content")
    row = work.get_case(case_id, opened=False).disagreements[0]
    ben.update_disagreement(
        dispute, row.version, {"appeal_lodged": date(2026, 7, 1), "outcome": "Appeal upheld"}
    )
    found = lines(chronology(db).entries(case_id))
    for line in (
        ("2026-07-01", "Disagreement", "Ben Okafor",
         "Appeal lodged: Section F; outcome: Appeal upheld"),
        ("2026-11-02", "Transfer", "Ben Okafor",
         "Council learned the child is moving to 202 Camden"),
        ("2026-11-20", "Transfer", "Ben Okafor", "Child moved to 202 Camden"),
        ("2026-11-23", "Transfer", "Ben Okafor", "Plan sent to 202 Camden"),
        ("2026-10-12", "Tribunal order", "Asha Patel",
         "Tribunal order: Amend the plan (needs or provision)"),
        ("2026-11-16", "Tribunal order", "Ben Okafor",
         "Tribunal order step done: Issue the amended plan"),
    ):  # fmt: skip
        assert line in found, line


def test_only_a_pdf_or_a_csv_is_written_and_a_missing_case_is_named(case, db, tmp_path):
    service = chronology(db)
    made = service.entries(case)
    with pytest.raises(UserError, match=r"notes.txt is neither a PDF nor a CSV"):
        service.save(made, tmp_path / "notes.txt")
    assert list(tmp_path.glob("notes*")) == []
    assert entries_audited(db, "print") == entries_audited(db, "export") == []
    with pytest.raises(NotFound, match="There is no case 999"):
        service.entries(999)
