"""Every printout survives any stored value: a 5,000-character name, a word longer than a
page is wide, a summary as long as a book, line breaks, markup, control characters. Values
written straight into an older database (before the limits) reach the report builders as
they are, so these tests hand the builders such values directly: each PDF is made, and
pypdf reads every page of it."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from caseload_app.domain.measures import Ratio, TrendPoint, WeeklyFigures, WorkerFigure
from caseload_app.domain.status import CaseStatus, Deadline, NextStep
from caseload_app.reports.content import (
    AdviceRow,
    AssignmentRow,
    ChildDetails,
    CommunicationRow,
    ContactRow,
    DisagreementRow,
    EventRow,
    ExceptionRow,
    FamilyDetails,
    HandoverCase,
    HandoverContact,
    HandoverData,
    HandoverTask,
    Imprint,
    LetterData,
    ReviewRow,
    SummaryData,
    TaskRow,
)

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 30)
D = date(2026, 8, 5)


def readable(pdf: bytes) -> int:
    pages = PdfReader(BytesIO(pdf)).pages
    for page in pages:
        page.extract_text()
    assert len(pages) >= 1
    return len(pages)


# --------------------------------------------------------------------------- samples
def summary_sample() -> SummaryData:
    step = NextStep("decide_assess", "Decide whether to assess", date(2026, 12, 14), "Reg 5(1)")
    return SummaryData(
        case_id=1,
        child_id=2,
        today=TODAY,
        child=ChildDetails(
            "Zoë",
            "Brontë",
            date(2016, 5, 4),
            "L837201500012",
            "4010232137",
            "Oak",
            "5",
            "ASD",
            "SLCN",
        ),  # fmt: skip
        family=FamilyDetails(
            "Ms Jo Brontë",
            "1 High St\nPoole",
            "BH1 1AA",
            "01202 123456",
            "jo@example.org",
            "Phone",
            "English",
            True,
            contacts=(ContactRow("Gran", "Grandparent", "07700 900123", "g@example.org"),),
            other_children=("Emily Brontë (born Thu 2 Feb 2018)",),
        ),  # fmt: skip
        caseworker="Asha Patel",
        request_received=date(2026, 7, 1),
        request_source="Parent",
        stage="Assessment",
        is_open=True,
        status=CaseStatus(next_step=step, days_left=20, rag="green", note="Under 5"),
        deadlines=(Deadline("k", "Step", D, "Reg 5", None, None, "red"),),
        exception_limits=frozenset({"final_plan"}),
        exceptions=(
            ExceptionRow("Away", D, None, D, "Asha Patel", "A note", "the 20-week final plan"),
        ),
        advice=(AdviceRow("Educational psychology", D, D, None, 2, D),),
        reviews=(ReviewRow(D, D, D, outcome="Maintain"),),
        phase_transfer="2027, school phase",
        phase_transfer_due=D,
        disagreements=(DisagreementRow("Refusal", D, D, outcome="Upheld"),),
        tasks=(TaskRow("Ring school", D, "Asha Patel"),),
        events=(EventRow(D, "Request received", "Asha Patel", "From parent"),),
        assignments=(AssignmentRow(NOW, "Ben Okafor", "Asha Patel", "Lee Lead", "Rebalance"),),
        communications=tuple(
            CommunicationRow(NOW, "Phone", "in", "Ms Jo Brontë", "Rang about the visit", "Asha")
            for _ in range(3)
        ),
        communications_total=5,
    )


def handover_sample() -> HandoverData:
    case = HandoverCase(
        case_id=7,
        child_name="Zoë Brontë",
        date_of_birth=date(2016, 5, 4),
        stage="Assessment",
        next_step="Decide whether to issue",
        next_due=D,
        days_left=-3,
        rag="red",
        status_note="A note",
        from_name="Ben Okafor",
        reason="Rebalance",
        tasks=(HandoverTask("Ring school", D),),
        communications=(HandoverContact(NOW, "Phone", "Rang"),) * 4,
    )
    return HandoverData("Asha Patel", "batch-1", NOW, "Lee Lead", TODAY, (case, case))


def letter_sample() -> LetterData:
    return LetterData(
        council_name="Bournemouth, Christchurch and Poole",
        council_address=("Civic Centre", "Poole", "BH15 2RU"),
        letter_date=TODAY,
        recipient=("Ms Jo Brontë", "12 Oak Road", "Poole", "BH1 1AA"),
        child_name="Zoë Brontë",
        date_of_birth=date(2016, 5, 4),
        reference="EHCP/000001",
        title="A letter",
        body="Dear Ms Brontë,\n\nHello.\n\n- a point\n- another",
        caseworker="Asha Patel",
        caseworker_email="asha@example.org",
        team="SEND Team",
    )


def weekly_sample() -> WeeklyFigures:
    return WeeklyFigures(
        week_ending=TODAY,
        requests_received=3,
        assess_decisions=Ratio(1, 2),
        open_cases=4,
        open_by_stage_age={"assessment": [1, 2, 0, 1]},
        plans_by_review_age=[3, 1, 1],
        advice_overdue={"Educational psychology": 2},
        workers=[WorkerFigure("Asha Patel", 1.0, 3, 4.5), WorkerFigure("Unallocated", None, 1, 1)],
        trend=[TrendPoint(TODAY, 3, 1, Ratio(1, 1))],
    )


# One text no form would let through, of each kind: long words, one word wider than the page,
# markup and line breaks, control and bidi characters.
EXTREMES = ["Zebedee " * 625, "W" * 6000, "<b>&amp;</b>\n" * 400, "\x00\x1b[31m\u202e" * 300]


def test_a_summary_of_a_child_with_a_5000_character_name_prints():
    """The crash as it was found (reportlab LayoutError), and what the page shows."""
    from caseload_app.reports.summary import build_summary

    base = summary_sample()
    child = dataclasses.replace(base.child, first_name="Zebedee " * 625)  # 5,000 characters
    pdf = build_summary(dataclasses.replace(base, child=child), Imprint("Asha Patel", NOW))
    assert readable(pdf) >= 1
    text = " ".join(PdfReader(BytesIO(pdf)).pages[0].extract_text().split())
    assert "Zebedee Zebedee" in text
    assert "Brontë" in text


@pytest.mark.parametrize("value", EXTREMES)
def test_a_summary_prints_whatever_one_text_field_holds(value):
    """Each text of the summary in turn holds a value no form would let through."""
    from caseload_app.reports.summary import build_summary

    base = summary_sample()
    for field in ("first_name", "last_name", "setting", "primary_need"):
        child = dataclasses.replace(base.child, **{field: value})
        readable(build_summary(dataclasses.replace(base, child=child), Imprint(value, NOW, value)))
    for field in ("parent_carer_name", "address", "email"):
        family = dataclasses.replace(base.family, **{field: value})
        readable(build_summary(dataclasses.replace(base, family=family), Imprint("Asha", NOW)))
    for field in ("caseworker", "request_source", "stage", "phase_transfer"):
        readable(build_summary(dataclasses.replace(base, **{field: value}), Imprint("Asha", NOW)))


@pytest.mark.parametrize("value", EXTREMES)
def test_a_handover_pack_prints_whatever_one_text_field_holds(value):
    from caseload_app.reports.handover import build_handover

    pack = handover_sample()
    case = pack.cases[0]
    fields = ("child_name", "stage", "next_step", "status_note", "from_name", "reason")
    for field in fields:
        changed = dataclasses.replace(case, **{field: value})
        readable(build_handover(dataclasses.replace(pack, cases=(changed,)), Imprint(value, NOW)))
    task = (HandoverTask(value, D),)
    contact = (HandoverContact(NOW, value, value),)
    changed = dataclasses.replace(case, tasks=task, communications=contact)
    pack = dataclasses.replace(pack, caseworker=value, moved_by=value, cases=(changed,))
    readable(build_handover(pack, Imprint("Asha", NOW)))


@pytest.mark.parametrize("value", EXTREMES)
def test_a_letter_prints_whatever_one_text_field_holds(value):
    from caseload_app.reports.letter import build_letter

    letter = letter_sample()
    for field in ("council_name", "child_name", "reference", "title", "body", "caseworker"):
        readable(build_letter(dataclasses.replace(letter, **{field: value}), Imprint(value, NOW)))
    for field in ("council_address", "recipient"):
        readable(
            build_letter(dataclasses.replace(letter, **{field: (value,) * 3}), Imprint("A", NOW))
        )


@pytest.mark.parametrize("value", EXTREMES)
def test_the_weekly_report_prints_whatever_a_name_holds(value):
    from caseload_app.reports.weekly import build_weekly

    figures = weekly_sample()
    workers = [WorkerFigure(value, 1.0, 3, 4.5)]
    figures = dataclasses.replace(figures, workers=workers, advice_overdue={value: 2})
    readable(build_weekly(figures, Imprint(value, NOW, value), {"assessment": value}))


@pytest.mark.parametrize("value", EXTREMES)
def test_a_chronology_prints_whatever_one_text_field_holds(value):
    from caseload_app.domain.chronology import Chronology, Entry
    from caseload_app.reports.chronology import build_chronology

    entries = (
        Entry(D, None, "Stage", "Asha Patel", "Agreed to assess", "stage_event", 1),
        Entry(D, NOW, "Contact", value, value, "communication", 2),
    )
    made = Chronology(1, "Zoë Brontë", date(2016, 5, 4), "BCP", TODAY, None, None, entries)
    readable(build_chronology(made, Imprint(value, NOW, value)))
    named = dataclasses.replace(made, child_name=value, council=value)
    readable(build_chronology(named, Imprint("Asha", NOW)))
