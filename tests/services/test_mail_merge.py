"""Mail merge (issue 25), on SQLite and PostgreSQL: one letter to many families, each letter
issued, kept, logged and audited as a single letter is; a case it cannot go to skipped with
why; a merge stopped part-way leaves what it issued issued, and running it again sends nobody
the letter twice; the report read back from its CSV."""

from __future__ import annotations

import csv
import threading
from contextlib import ExitStack
from datetime import date, timedelta
from io import BytesIO

import pypdf
import pytest
from sqlalchemy import func, select

from caseload_app.db.models import AuditEntry, Communication, Document
from caseload_app.paths import resources_dir
from caseload_app.services.errors import UserError
from caseload_app.services.letters import WORD, LetterService
from caseload_app.services.mail_merge import (
    ISSUED,
    NOT_DONE,
    SKIPPED,
    WOULD_ISSUE,
    MailMergeService,
    MergeSelection,
    template_of,
)
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from tests.backends import sqlite_only
from tests.helpers import NOW, TODAY, disk_full, new_case

INVITATION = "annual_review_invitation"
COUNCIL = CouncilDetails("Poole Council", "Civic Centre\nPoole\nBH15 2RU")
NEXT_MONTH = (date(2026, 12, 1), date(2026, 12, 31))


def _with_plan(db, final: date, address: str | None, **names):
    """A child with a final plan issued on `final` (the annual review falls due a year on),
    at a setting, with the review meeting booked for next month."""
    case_id, work = new_case(db, request_received=date(2025, 1, 1), setting="Oak Primary", **names)
    for key, on in (
        ("assess_agreed", date(2025, 2, 5)),
        ("issue", date(2025, 4, 20)),
        ("draft_served", date(2025, 5, 3)),
        ("final_issued", final),
    ):
        work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on, "")
    work.schedule_review(case_id, date(2026, 12, 14))
    if address is not None:
        family = work.get_case(case_id, opened=False).family
        work.update_family(family.id, family.version, {"address": address})
    return case_id


def _person(first: str, last: str, parent: str) -> dict:
    return dict(first_name=first, last_name=last, parent_carer_name=parent, upn="", nhs_number="")


@pytest.fixture
def cases(db):
    """Four families: two with reviews due next month (one with no address), one whose
    review is due in March, one still being assessed."""
    TeamSettingsService(db).set_council(COUNCIL)
    due = _with_plan(db, date(2025, 12, 10), "12 Oak Road\nPoole")
    no_address = _with_plan(db, date(2025, 12, 20), None, **_person("Ann", "Eyre", "Mr Tom Eyre"))
    march = _with_plan(
        db, date(2026, 3, 10), "3 Elm Street\nPoole", **_person("Cy", "Gaskell", "=Liz Gaskell")
    )
    assessing, work = new_case(
        db, **_person("Dot", "Austen", "Ms Jo Austen"), address="1 Ash Lane\nPoole"
    )
    version = work.get_case(assessing, opened=False).version
    work.record_action(assessing, version, "assess_agreed", date(2026, 8, 1), "")
    return {"due": due, "no_address": no_address, "march": march, "assessing": assessing}


def merger(db, tmp_path, today: date = TODAY) -> MailMergeService:
    letters = LetterService(
        db,
        "Asha Patel",
        today=lambda: today,
        now=lambda: NOW,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "letters",
    )
    return MailMergeService(db, "Asha Patel", lambda: today, lambda: NOW, letters=letters)


def outcomes(report) -> dict[int, tuple[str, str]]:
    return {line.case_id: (line.outcome, line.reason) for line in report.lines}


def letters_sent(db) -> int:
    with db.read() as s:
        return s.scalar(
            select(func.count()).select_from(Communication).where(Communication.channel == "letter")
        )


def merge_audit(db) -> list[tuple[str, str]]:
    with db.read() as s:
        return [
            tuple(row)
            for row in s.execute(
                select(AuditEntry.action, AuditEntry.detail)
                .where(AuditEntry.record_type == "mail_merge")
                .order_by(AuditEntry.id)
            )
        ]


def test_reviews_due_next_month_choose_only_those_families(db, cases, tmp_path):
    chosen = merger(db, tmp_path).choose(MergeSelection(reviews_due=NEXT_MONTH))
    assert [row.case_id for row in chosen] == [cases["due"], cases["no_address"]]
    march = MergeSelection(reviews_due=(date(2027, 3, 1), date(2027, 3, 31)))
    assert [row.case_id for row in merger(db, tmp_path).choose(march)] == [cases["march"]]
    by_stage = merger(db, tmp_path).choose(MergeSelection(stage="assessment"))
    assert [row.case_id for row in by_stage] == [cases["assessing"]]


def test_a_selection_must_say_whom_and_its_dates_must_be_in_order(db, cases, tmp_path):
    with pytest.raises(UserError, match="Choose whom the letter goes to"):
        merger(db, tmp_path).choose(MergeSelection())
    backwards = MergeSelection(reviews_due=(date(2026, 12, 31), date(2026, 12, 1)))
    with pytest.raises(UserError, match="first date .* is after the last"):
        merger(db, tmp_path).choose(backwards)


def test_a_dry_run_says_who_would_get_it_and_why_not_and_issues_nothing(db, cases, tmp_path):
    everyone = MergeSelection(case_ids=tuple(cases.values()))
    report = merger(db, tmp_path).dry_run(INVITATION, everyone)
    assert outcomes(report) == {
        cases["due"]: (WOULD_ISSUE, ""),
        cases["no_address"]: (SKIPPED, "no address for the family (edit the family's details)"),
        cases["march"]: (WOULD_ISSUE, ""),
        cases["assessing"]: (
            SKIPPED,
            "this letter is for cases at final plan issued / maintained; this one is at "
            "assessment — gathering advice",
        ),
    }
    assert report.summary().startswith("Invitation to the annual review: 2 letters would be")
    assert letters_sent(db) == 0
    assert merge_audit(db) == [
        (
            "view",
            f"checked a mail merge (dry run, nothing issued) of letter '{INVITATION}' "
            f"(cases {', '.join(str(i) for i in cases.values())}): 4 chosen, 0 issued, "
            "2 skipped, 0 not done",
        )
    ]


def test_a_merge_issues_each_letter_as_a_single_letter_is_and_skips_with_why(db, cases, tmp_path):
    report = merger(db, tmp_path).run(INVITATION, MergeSelection(reviews_due=NEXT_MONTH))
    assert outcomes(report) == {
        cases["due"]: (ISSUED, ""),
        cases["no_address"]: (SKIPPED, "no address for the family (edit the family's details)"),
    }
    (line,) = [x for x in report.lines if x.outcome == ISSUED]
    assert (line.reference, line.child_name, line.family_name) == (
        f"EHCP/{cases['due']:06d}",
        "Zoë Brontë",
        "Ms Jo Brontë",
    )
    with db.read() as s:
        comm = s.get(Communication, line.communication_id)
        assert comm is not None
        assert (comm.case_id, comm.channel, comm.summary) == (
            cases["due"],
            "letter",
            "Letter: Invitation to the annual review of Zoë's EHC plan",
        )
        kept = s.scalar(select(Document).where(Document.communication_id == comm.id))
        assert kept is not None and template_of(kept.file_name) == INVITATION
        printed = s.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.record_type == "communication", AuditEntry.action == "print"
            )
        ).all()
    assert len(printed) == 1 and printed[0].startswith(f"printed letter '{INVITATION}'")
    assert merge_audit(db) == [
        (
            "print",
            f"mail merge of letter '{INVITATION}' (annual reviews due 2026-12-01 to "
            "2026-12-31): 2 chosen, 1 issued, 1 skipped, 0 not done",
        )
    ]
    assert len(report.pdfs) == 1 and report.pdfs[0].startswith(b"%PDF")


def test_running_it_again_sends_nobody_the_letter_twice(db, cases, tmp_path):
    chosen = MergeSelection(case_ids=(cases["due"], cases["march"]))
    first = merger(db, tmp_path).run(INVITATION, chosen)
    assert first.count(ISSUED) == 2
    again = merger(db, tmp_path).run(INVITATION, chosen)
    sent = "already sent on Tue 24 Nov 2026"
    assert outcomes(again) == {cases["due"]: (SKIPPED, sent), cases["march"]: (SKIPPED, sent)}
    assert letters_sent(db) == 2
    # Another day, the same letter may go again (a new invitation, say); or, told to look
    # back that far, it is still "already sent".
    tomorrow = merger(db, tmp_path, TODAY + timedelta(days=1))
    assert tomorrow.dry_run(INVITATION, chosen).count(WOULD_ISSUE) == 2
    looked_back = tomorrow.dry_run(INVITATION, chosen, sent_since=TODAY)
    assert {line.reason for line in looked_back.lines} == {sent}


def test_a_merge_in_word_keeps_word_letters_and_a_rerun_still_knows_them(db, cases, tmp_path):
    from docx import Document as WordDocument

    chosen = MergeSelection(case_ids=(cases["due"], cases["march"]))
    first = merger(db, tmp_path).run(INVITATION, chosen, format="docx")
    assert first.count(ISSUED) == 2
    assert first.pdfs == ()  # nothing to print together: no PDF was made
    with db.read() as s:
        kept = s.execute(
            select(Document.case_id, Document.file_name, Document.media_type).where(
                Document.kind == "letter_sent"
            )
        ).all()
    assert sorted(case for case, _, _ in kept) == sorted(chosen.case_ids)
    assert {name.rsplit(".", 1)[1] for _, name, _ in kept} == {"docx"}
    letter = LetterService(db, "Asha Patel").reprint_files(first.lines[0].communication_id)
    assert [file.media_type for file in letter] == [WORD]
    text = "\n".join(p.text for p in WordDocument(BytesIO(letter[0].data)).paragraphs)
    assert "annual review" in text.lower()
    again = merger(db, tmp_path).run(INVITATION, chosen, format="docx")
    assert again.count(SKIPPED) == 2 and letters_sent(db) == 2


def test_stopped_half_way_the_letters_issued_stay_and_a_rerun_sends_the_rest(db, cases, tmp_path):
    everyone = MergeSelection(case_ids=(cases["due"], cases["march"], cases["no_address"]))
    cancel = threading.Event()
    heard = []

    def progress(done: int, total: int) -> None:
        heard.append((done, total))
        cancel.set()  # Stop pressed while the first letter was being made

    stopped = merger(db, tmp_path).run(INVITATION, everyone, progress=progress, cancel=cancel)
    assert heard == [(1, 3)]
    assert [line.outcome for line in stopped.lines] == [ISSUED, NOT_DONE, NOT_DONE]
    assert stopped.stopped == "stopped by you"
    assert "the letters issued stay issued; 2 were not done" in stopped.summary()
    assert letters_sent(db) == 1
    assert merge_audit(db)[-1][1].endswith(
        "3 chosen, 1 issued, 0 skipped, 2 not done; stopped part-way (stopped by you)"
    )
    rerun = merger(db, tmp_path).run(INVITATION, everyone)
    assert [line.outcome for line in rerun.lines] == [SKIPPED, ISSUED, SKIPPED]
    assert rerun.lines[0].reason.startswith("already sent")
    assert letters_sent(db) == 2


@sqlite_only
def test_a_database_that_fails_mid_merge_stops_it_with_what_was_issued_kept(db, cases, tmp_path):
    with ExitStack() as full:

        def progress(done: int, _total: int) -> None:
            if done == 1:
                full.enter_context(disk_full(db))  # the disk fills after the first letter

        chosen = MergeSelection(case_ids=(cases["due"], cases["march"]))
        report = merger(db, tmp_path).run(INVITATION, chosen, progress=progress)
    assert [line.outcome for line in report.lines] == [ISSUED, NOT_DONE]
    assert report.stopped.startswith("the database failed: the disk holding the database is full")
    assert merge_audit(db)[-1][1].endswith(f"1 not done; stopped part-way ({report.stopped})")
    assert letters_sent(db) == 1


def test_closed_and_missing_cases_asked_for_by_number_are_reported(db, cases, tmp_path):
    refused, work = new_case(db, **_person("Em", "Bell", "Ms Al Bell"), address="2 Yew Row")
    version = work.get_case(refused, opened=False).version
    work.record_action(refused, version, "assess_refused", TODAY, "Needs met at school")
    chosen = MergeSelection(case_ids=(refused, 9999))
    report = merger(db, tmp_path).run(INVITATION, chosen)
    assert outcomes(report) == {
        refused: (SKIPPED, "the case is closed (refused to assess)"),
        9999: (SKIPPED, "the case is no longer there (it may be in the trash)"),
    }


def test_only_a_letter_to_families_with_nothing_left_to_type_can_be_merged(db, cases, tmp_path):
    merge = merger(db, tmp_path)
    chosen = MergeSelection(case_ids=(cases["due"],))
    with pytest.raises(UserError, match="goes to the adviser, not the family"):
        merge.run("advice_request", chosen)
    with pytest.raises(UserError, match=r"needs text typed for it \(message, subject\)"):
        merge.run("generic", chosen)
    with pytest.raises(UserError, match="child_name cannot be typed in"):
        merge.run("generic", chosen, extra={"child_name": "x"})
    typed = {"subject": "Our new office", "message": "We have moved to the Civic Centre."}
    report = merge.run("generic", chosen, extra=typed)
    assert report.count(ISSUED) == 1


def test_the_report_is_saved_as_csv_safe_for_a_spreadsheet_and_audited(db, cases, tmp_path):
    merge = merger(db, tmp_path)
    chosen = MergeSelection(case_ids=(cases["march"], cases["no_address"]))
    report = merge.run(INVITATION, chosen)
    target = tmp_path / "merge.csv"
    assert merge.save_report(report, target) == 2
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["Case reference", "Child", "Parent or carer", "Result", "Reason"],
        [f"EHCP/{cases['march']:06d}", "Cy Gaskell", "'=Liz Gaskell", "Issued", ""],
        [
            f"EHCP/{cases['no_address']:06d}",
            "Ann Eyre",
            "Mr Tom Eyre",
            "Skipped",
            "no address for the family (edit the family's details)",
        ],
    ]
    assert merge_audit(db)[-1] == (
        "export",
        f"saved the report of a mail merge of letter '{INVITATION}' (2 cases) as merge.csv",
    )


def test_the_issued_letters_print_in_one_go(db, cases, tmp_path):
    merge = merger(db, tmp_path)
    chosen = MergeSelection(case_ids=(cases["due"], cases["march"]))
    report = merge.run(INVITATION, chosen)
    target = tmp_path / "letters.pdf"
    assert merge.save_letters(report, target) == 2
    pages = [len(pypdf.PdfReader(BytesIO(pdf)).pages) for pdf in report.pdfs]
    together = pypdf.PdfReader(target)
    assert len(together.pages) == sum(pages)
    assert "Zoë" in together.pages[0].extract_text()
    assert "Cy" in together.pages[pages[0]].extract_text()
    assert merge_audit(db)[-1][0] == "export"
    nothing = merge.run(INVITATION, chosen)  # all already sent
    with pytest.raises(UserError, match="nothing to print"):
        merge.save_letters(nothing, tmp_path / "none.pdf")


def test_a_word_template_as_pdf_without_libreoffice_is_refused_before_any_case(
    db, cases, tmp_path, monkeypatch
):
    from tests.helpers import word_template

    word_template(tmp_path / "admin" / "note.docx", ["Dear {{salutation}},"], title="A note")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))  # no soffice on this computer
    chosen = MergeSelection(case_ids=(cases["due"], cases["march"]))
    for how in (merger(db, tmp_path).dry_run, merger(db, tmp_path).run):
        with pytest.raises(UserError, match="making it a PDF needs LibreOffice"):
            how("note", chosen, format="pdf")
    assert merger(db, tmp_path).run("note", chosen, format="docx").count(ISSUED) == 2
