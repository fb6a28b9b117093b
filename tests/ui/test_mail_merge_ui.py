"""File → Mail merge…: the families chosen and counted, a check that issues nothing, the
letters issued off the window's thread with a report, Stop part-way, the report saved as
CSV and read back, the letters saved as one PDF."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import func, select

from caseload_app.db.models import Communication
from caseload_app.services.demo import generate_demo
from caseload_app.services.mail_merge import ISSUED, NOT_DONE, SKIPPED, WOULD_ISSUE
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.ui.dialogs.mail_merge import next_month
from tests.helpers import TODAY

pytestmark = pytest.mark.gui
NEW_CASEWORKER = "Your new caseworker (to the family)"


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=60, seed=9, today=TODAY)
    TeamSettingsService(db).set_council(CouncilDetails("BCP Council", "Civic Centre\nBH2 6DY"))
    return open_window(db)


def letters_sent(db) -> int:
    with db.read() as s:
        return s.scalar(
            select(func.count()).select_from(Communication).where(Communication.channel == "letter")
        )


def open_merge(qtbot, window, stage: str = "assessment"):
    """The dialog for the new-caseworker letter to anyone's cases at `stage`, counted."""
    dialog = window.mail_merge()
    qtbot.waitUntil(lambda: "chosen" in dialog.chosen.text(), timeout=10_000)
    dialog.letter.setCurrentIndex(dialog.letter.findText(NEW_CASEWORKER))
    dialog.reviews.setChecked(False)
    dialog.caseworker.setCurrentIndex(0)  # anyone's
    dialog.stage.setCurrentIndex(dialog.stage.findData(stage))
    expected = len(dialog.merge.choose(dialog.selection()))
    qtbot.waitUntil(
        lambda: dialog.chosen.text().startswith(f"{expected} cases chosen: one letter each"),
        timeout=10_000,
    )
    return dialog, expected


def test_it_starts_on_my_reviews_due_next_month_and_counts_as_the_choice_changes(qtbot, window, db):
    assert next_month(date(2026, 11, 24)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert next_month(date(2026, 12, 31)) == (date(2027, 1, 1), date(2027, 1, 31))
    dialog = window.mail_merge()
    assert (dialog.due_from.value(), dialog.due_to.value()) == next_month(TODAY)
    assert dialog.caseworker.currentData() == 1  # Asha Patel: me
    assert dialog.selection().reviews_due == next_month(TODAY)
    # Only letters to families, with nothing typed for each one.
    offered = [dialog.letter.itemText(i) for i in range(dialog.letter.count())]
    assert NEW_CASEWORKER in offered
    assert "Request for advice from an adviser" not in offered
    dialog.reviews.setChecked(False)
    dialog.caseworker.setCurrentIndex(0)
    qtbot.waitUntil(lambda: "Choose whom the letter goes to" in dialog.chosen.text())
    assert not dialog.issue_button.isEnabled()
    dialog.close()


def test_a_check_issues_nothing_then_the_merge_issues_and_reports(
    qtbot, window, db, monkeypatch, tmp_path
):
    dialog, chosen = open_merge(qtbot, window)
    assert chosen > 2
    before = letters_sent(db)  # the demo's own
    dialog.check()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
    assert dialog.report is not None and dialog.report.dry_run
    assert {line.outcome for line in dialog.report.lines} == {WOULD_ISSUE}
    assert dialog.table.rowCount() == chosen
    assert letters_sent(db) == before
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.issued, timeout=60_000) as issued:
        dialog.issue()
    assert len(issued.args[0]) == chosen == letters_sent(db) - before
    assert dialog.status.text().startswith(f"Your new caseworker (to the family): {chosen} letters")
    assert dialog.table.item(0, 3).text() == "Issued"
    target = tmp_path / "report.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "report"), ""))
    dialog.save_report()
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == chosen + 1 and {row[3] for row in rows[1:]} == {"Issued"}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "all.pdf"), ""))
    dialog.save_letters()
    assert len(PdfReader(tmp_path / "all.pdf").pages) >= chosen
    dialog.close()


def test_stop_leaves_the_letters_issued_and_the_rest_not_done(qtbot, window, db, monkeypatch):
    dialog, chosen = open_merge(qtbot, window, stage="plan_issued")
    before = letters_sent(db)  # the demo's own
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    dialog.issue()
    assert dialog.busy() and dialog.stop_button.isVisible()
    dialog.reject()  # Escape while merging stops it rather than closing
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
    report = dialog.report
    assert report is not None and report.stopped == "stopped by you"
    assert report.count(ISSUED) == letters_sent(db) - before <= 1  # the one under way
    assert report.count(NOT_DONE) == chosen - report.count(ISSUED)
    assert "The merge stopped part-way" in dialog.status.text()
    assert dialog.isVisible()
    dialog.close()


def test_the_letters_are_issued_in_the_format_chosen_starting_from_the_persons_own(
    qtbot, window, db, monkeypatch
):
    from caseload_app.db.models import Document

    window.ctx.settings.letter_format = "both"
    dialog, chosen = open_merge(qtbot, window)
    assert dialog.format.currentData() == "both"  # as the person last issued a letter
    dialog.format.setCurrentIndex(dialog.format.findData("docx"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.issued, timeout=60_000):
        dialog.issue()
    with db.read() as s:
        names = s.scalars(
            select(Document.file_name).where(Document.file_name.like("%change_of_caseworker%"))
        ).all()
    assert len(names) == chosen and {name.rsplit(".", 1)[1] for name in names} == {"docx"}
    assert not dialog.pdf_button.isEnabled()  # no PDF to print together
    # Run again: a family sent it since the day given is skipped; a later day, it is not.
    for since, outcome in ((TODAY + timedelta(days=1), WOULD_ISSUE), (TODAY, SKIPPED)):
        dialog.sent_since.set_date(since)
        dialog.check()
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
        assert {line.outcome for line in dialog.report.lines} == {outcome}
    dialog.close()
