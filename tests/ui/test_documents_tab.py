"""The Documents tab: files added (through the chooser and by dropping them) off the window's
thread, listed with an e-mail's attachment under it, found by the words inside, previewed
(a PDF's pages, an e-mail's text), saved as a copy — every look audited — on a real SQLite
file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from tests.helpers import new_case
from tests.services.test_documents import email_with_attachment, pdf
from tests.ui.test_case_view import fill, open_view

pytestmark = pytest.mark.gui


@pytest.fixture
def tab(qtbot, db, monkeypatch, tmp_path):
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    view.show_tab("documents")
    view.documents.told = told
    return view


def add(qtbot, view, paths, **values) -> None:
    tab = view.documents
    tab.ask_and_add(paths)
    fill(view, **values)
    qtbot.waitUntil(lambda: tab._job is None and bool(tab.told), timeout=20_000)


def test_files_are_added_found_previewed_and_every_look_audited(
    qtbot, tab, db, tmp_path, monkeypatch, messages, qtmodeltester
):
    view, docs = tab, tab.documents
    report = tmp_path / "EP advice.pdf"
    report.write_bytes(pdf("Working memory: 4th centile."))
    mail = tmp_path / "from mum.eml"
    mail.write_bytes(email_with_attachment())
    add(qtbot, view, [report, mail], kind="advice_ep", came_from="Dr A Patel")
    assert docs.told[-1] == "EP advice.pdf: added\nfrom mum.eml: added with 1 attachment(s)"
    rows = [r.document for r in docs.table.rows_model.rows()]
    at = next(i for i, d in enumerate(rows) if d.media_type == "message/rfc822")
    assert rows[at + 1].attached_to_id == rows[at].id  # the attachment under its e-mail
    qtmodeltester.check(docs.table.rows_model, force_py=True)
    docs.search.setText("centile")
    docs.run_search()
    (hit,) = docs.table.rows_model.rows()
    assert hit.document.file_name == "EP advice.pdf" and "[centile]" in hit.snippet
    docs.table.select_row(0)
    assert docs.pages.currentWidget() is docs.pdf_view and docs.pdf.pageCount() == 1
    out = tmp_path / "copy.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    docs.save_copy()
    assert out.read_bytes() == report.read_bytes()
    docs.search.setText("")
    docs.run_search()
    shown = [r.document.media_type for r in docs.table.rows_model.rows()]
    mail_row = shown.index("message/rfc822")
    docs.table.select_row(mail_row)
    assert docs.pages.currentWidget() is docs.text
    assert "Biff and Chip" in docs.text.toPlainText()
    with db.read() as s:
        query = select(AuditEntry.action).where(AuditEntry.record_type == "document")
        actions = list(s.scalars(query))
    # the PDF, again when the full list comes back with it still chosen, then the e-mail
    assert actions.count("view") == 3 and actions.count("download") == 1
    assert messages == []


def test_a_dropped_file_is_added_and_a_bad_one_says_why(qtbot, tab, tmp_path):
    view, docs = tab, tab.documents
    note = tmp_path / "note.txt"
    note.write_text("Phone call with school: SENCo to send the provision map.", encoding="utf-8")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(note)), QUrl.fromLocalFile(str(tmp_path / "gone.pdf"))])
    drop = QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)  # fmt: skip
    docs.dropEvent(drop)
    fill(view, kind="other")
    qtbot.waitUntil(lambda: docs._job is None and bool(docs.told), timeout=20_000)
    assert docs.told[-1].startswith("note.txt: added\ngone.pdf: not added: gone.pdf cannot be read")
    assert [r.document.file_name for r in docs.table.rows_model.rows()] == ["note.txt"]


def test_a_document_is_deleted_to_the_trash_with_a_reason(qtbot, tab, tmp_path, monkeypatch):
    view, docs = tab, tab.documents
    report = tmp_path / "wrong child.pdf"
    report.write_bytes(pdf("Not this child's report."))
    add(qtbot, view, [report], kind="report")
    docs.table.select_row(0)
    monkeypatch.setattr(view, "ask_reason", lambda title, what: f"{what}: wrong child")
    docs.delete_button.click()
    assert docs.table.rows_model.rowCount() == 0
    (item,) = view.work.trash().items()
    assert item.reason == "delete 'wrong child.pdf': wrong child"


def test_the_advice_itself_is_linked_and_marked_received_from_the_dialog(qtbot, tab, tmp_path):
    from datetime import date

    view, docs = tab, tab.documents
    work = view.work
    work.record_action(view.case_id, work.get_case(view.case_id).version, "assess_agreed",
                       date(2026, 8, 5))  # fmt: skip
    work.request_advice(view.case_id, "ep", date(2026, 8, 6))
    view.reload()
    advice = view.detail.advice[0]
    report = tmp_path / "EP advice.pdf"
    report.write_bytes(pdf("Educational psychology advice."))
    add(qtbot, view, [report], kind="advice_ep", dated=date(2026, 9, 10), advice=advice.id,
        advice_received=True)  # fmt: skip
    assert view.detail.advice[0].received == date(2026, 9, 10)  # the Advice tab shows it
    (row,) = docs.table.rows_model.rows()
    assert row.document.advice_request_id == advice.id


def test_a_tribunal_bundle_is_made_in_the_background_and_saved(qtbot, tab, tmp_path, monkeypatch):
    from io import BytesIO

    from pypdf import PdfReader

    view, docs = tab, tab.documents
    report = tmp_path / "EP advice.pdf"
    report.write_bytes(pdf("Educational psychology advice."))
    add(qtbot, view, [report], kind="advice_ep")
    out = tmp_path / "bundle.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    docs.told.clear()
    docs.bundle_button.click()
    qtbot.waitUntil(lambda: docs._job is None and bool(docs.told), timeout=60_000)
    pages = PdfReader(BytesIO(out.read_bytes())).pages
    assert docs.told[-1] == f"bundle.pdf: {len(pages)} pages."
    assert "Educational psychology advice" in pages[-1].extract_text()


def test_a_subject_access_request_is_written_from_the_case_menu(
    db, open_window, tmp_path, monkeypatch
):
    from caseload_app.services.documents import DocumentService

    case_id, _ = new_case(db)
    DocumentService(db, "Asha Patel").add(case_id, pdf("Report"), "report.pdf")
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window = open_window(db)
    window.open_case(case_id)
    window.subject_access_request()
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("Subject access request")]
    assert (folder / "documents" / "00001 report.pdf").exists()
    assert told[-1].startswith(f"Written to {folder}: 1 case(s)")
