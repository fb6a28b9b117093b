"""Regenerate the README screenshots of the EHC plan: the Plan tab with its checks, a plan's
audit, and the team's Plan quality view, on demo data with plans written by each case's
caseworker and audited by a team lead over six months. And the case file on the same case:
the Documents tab, a document's preview, the Tribunal bundle dialog and the bundle's pages.

QT_QPA_PLATFORM=offscreen python docs/make_plan_screenshots.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from caseload_app.db.engine import open_database
from caseload_app.domain.plan import plan_from_dict
from caseload_app.services.caselist import CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.documents import NewDocument
from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.plans import PlanService
from caseload_app.services.settings import LocalSettings, LocalSettingsStore
from caseload_app.ui.case.view import CaseView
from caseload_app.ui.context import AppContext
from caseload_app.ui.main_window import MainWindow

HERE = Path(__file__).resolve().parent
OUT = HERE / "screenshots"
TODAY = date(2026, 11, 24)
LEAD = "Lee Lead"
VAGUE = ("regularly", "as appropriate", "up to 3 times a week")


def main() -> int:
    app = QApplication(sys.argv)
    example = plan_from_dict(json.loads((HERE / "examples" / "plan-example.json").read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=300, seed=1, today=TODAY)
        rows = CaseListService(db, today=lambda: TODAY).list_cases().rows
        rng = random.Random(7)
        cases = [r for r in rows if r.is_open and r.caseworker][:60]
        for n, row in enumerate(cases):
            day = TODAY - timedelta(days=rng.randint(0, 175))
            plan = example
            if n == 0:  # the case shown: the checks have something to say
                vague = replace(plan.provision[0], text="Access to phonics", how_often="regularly")
                plan = replace(plan, provision=(vague, *plan.provision[1:]))
            elif rng.random() < 0.45:
                vague = replace(plan.provision[0], how_often=rng.choice(VAGUE))
                plan = replace(plan, provision=(vague, *plan.provision[1:]))
            fixed = (lambda d: lambda: d)(day)
            stamp = (lambda d: lambda: datetime.combine(d, datetime.min.time()))(day)
            PlanService(db, row.caseworker, today=fixed, now=stamp).save(row.case_id, plan, None, 0)
            if n == 0:
                continue  # left for the audit shown under way
            qa = PlanAuditService(db, LEAD, today=fixed, now=stamp)
            state = qa.start(row.case_id)
            items = [
                replace(i, score=i.score or rng.choice(("met",) * 12 + ("partly", "not_met")))
                for i in state.items
            ]
            outcome = "rework" if any(i.score == "not_met" for i in items) else "signed_off"
            notes = {} if outcome == "signed_off" else {"F": "Say how often, and who delivers it."}
            qa.decide(state.id, state.version, items, notes, outcome)
        shoot(app, db, cases[0].case_id)
    return 0


def shoot(app: QApplication, db, case_id: int) -> None:
    work = CaseworkService(db, LEAD, today=lambda: TODAY)
    view = CaseView(work, case_id, work.caseworkers())
    view.resize(1366, 740)
    view.show()
    view.show_tab("plan")
    app.processEvents()
    view.grab().save(str(OUT / "plan-tab.png"))
    _documents(app, view)
    view.show_tab("plan")
    view.plan.audit_button.click()
    dialog = view.plan.audit
    dialog.set_score("readable", "partly")
    dialog.set_comment("F", "P1: say who delivers the teaching and how they are trained.")
    app.processEvents()
    dialog.grab().save(str(OUT / "plan-audit.png"))
    dialog.reject()
    view.close()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext(
            db=db,
            db_label="Demo data (temporary)",
            settings_store=LocalSettingsStore(Path(tmp) / "settings.json"),
            settings=LocalSettings(me_caseworker_id=1, me_name=LEAD),
            today=lambda: TODAY,
        )
        window = MainWindow(ctx)
        window.resize(1366, 740)
        window.show()
        window.refresh()
        window.wait_loaded()
        window.open_quality()
        app.processEvents()
        window.grab().save(str(OUT / "plan-quality.png"))
        window.close()


def _pdf(title: str, lines: list[str]) -> bytes:
    """A short report as another service would send it."""
    from io import BytesIO

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    out = BytesIO()
    sheet = getSampleStyleSheet()
    story = [Paragraph(lines[0], sheet["Title"])]
    story += [Paragraph(line, sheet["BodyText"]) for line in lines[1:]]
    SimpleDocTemplate(out, title=title).build(story)
    return out.getvalue()


def _workbook() -> bytes:
    """A school's attendance spreadsheet: the kind of file a bundle cannot make pages of."""
    import zipfile
    from io import BytesIO

    out = BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def _settle(app: QApplication, tab) -> None:
    """Until the preview is read (in the background) and its pages drawn."""
    for _ in range(200):
        app.processEvents()
        if not tab.previewing():
            break
        time.sleep(0.02)
    for _ in range(40):  # the PDF's pages are drawn in the background
        app.processEvents()
        time.sleep(0.05)


def _documents(app: QApplication, view: CaseView) -> None:
    """The Documents tab with an EP's report, a parent's e-mail and its attachment, and the
    school's attendance spreadsheet, the report previewed; then the e-mail's preview, the
    bundle dialog and the bundle's pages."""
    from email.message import EmailMessage

    docs = view.work.documents()
    report = _pdf(
        "Educational psychology advice",
        [
            "Educational psychology advice (Reg 6(1)(b))",
            "Working memory is at the 4th centile; phonological skills are emerging.",
            "Recommended: Precision Teaching of high-frequency words, 5 times a week.",
        ],
    )
    docs.add(view.case_id, report, "EP advice.pdf",
             NewDocument("advice_ep", date(2026, 10, 1), "Dr A Patel, EP"))  # fmt: skip
    mail = EmailMessage()
    mail["From"], mail["To"] = "Jo Smith <jo@example.org>", "send@council.example"
    mail["Subject"], mail["Date"] = "Reading at home", "Mon, 16 Nov 2026 09:30:00 +0000"
    mail.set_content(
        "Dear Ms Patel,\n\nHe now reads with us every evening, and he has started asking "
        "for the next book himself. The audiology letter is attached.\n\nJo Smith"
    )
    letter = _pdf("Audiology", ["Audiology clinic letter", "Moderate glue ear."])
    mail.add_attachment(letter, maintype="application", subtype="pdf", filename="audiology.pdf")
    docs.add(view.case_id, mail.as_bytes(), "Reading at home.eml")
    docs.add(view.case_id, _workbook(), "Attendance autumn term.xlsx",
             NewDocument("report", date(2026, 11, 2), "Harbourside Primary"))  # fmt: skip
    tab = view.documents
    view.show_tab("documents")
    tab.refresh()
    rows = tab.table.rows_model.rows()
    tab.table.select_row(
        next(i for i, r in enumerate(rows) if r.document.file_name == "EP advice.pdf")
    )
    _settle(app, tab)
    view.grab().save(str(OUT / "case-documents.png"))
    tab.table.select_row(
        next(i for i, r in enumerate(rows) if r.document.file_name == "Reading at home.eml")
    )
    _settle(app, tab)
    view.grab().save(str(OUT / "document-preview.png"))
    _bundle_dialog(app, tab)
    _bundle_pages(view.work.bundles().make(view.case_id).pdf)


def _bundle_dialog(app: QApplication, tab) -> None:
    """The bundle dialog: the e-mail left out, its audiology letter moved to the expert
    reports, the spreadsheet saying why it cannot go in."""
    from PySide6.QtCore import Qt

    ids = {r.document.title: r.document.id for r in tab.table.rows_model.rows()}
    tab.bundle()
    dialog = tab.bundle_dialog
    model = dialog.model
    model.setData(
        model.find(ids["Reading at home"]), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    dialog.tree.setCurrentIndex(model.find(ids["audiology.pdf"]))
    for _ in range(3):  # the end of C, past the spreadsheet in D, into E
        dialog.move_document(1)
    dialog.resize(1000, 420)
    app.processEvents()
    dialog.grab().save(str(OUT / "bundle-dialog.png"))
    dialog.reject()


def _bundle_pages(pdf: bytes) -> None:
    """The bundle's index and its first stamped document page, drawn with QtPdf."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    pages = [document.render(n, QSize(620, 877)) for n in (0, 2)]
    sheet = QImage(1260, 877, QImage.Format.Format_RGB32)
    sheet.fill(0xFFFFFF)
    painter = QPainter(sheet)
    painter.drawImage(0, 0, pages[0])
    painter.drawImage(640, 0, pages[1])
    painter.end()
    sheet.save(str(OUT / "bundle-pages.png"))


if __name__ == "__main__":
    sys.exit(main())
