"""The Documents tab: files added (through the chooser and by dropping them) off the window's
thread, listed with an e-mail's attachment under it, found by the words inside, previewed
(a PDF's pages, an e-mail's text), saved as a copy — every look audited — on a real SQLite
file."""

from __future__ import annotations

import threading
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.bundle import NO_LIBREOFFICE
from caseload_app.services.documents import NewDocument
from caseload_app.ui.case.bundle_dialog import BundleDialog
from tests.helpers import new_case
from tests.services.test_documents import email_with_attachment, pdf, word
from tests.ui.test_case_view import fill, open_view

pytestmark = pytest.mark.gui

D = "D. The council's evidence"
E = "E. Expert reports"


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
    qtbot.waitUntil(lambda: docs.pages.currentWidget() is docs.pdf_view)
    assert docs.pdf.pageCount() == 1
    out = tmp_path / "copy.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    docs.save_copy()
    assert out.read_bytes() == report.read_bytes()
    docs.search.setText("")
    docs.run_search()
    shown = [r.document.media_type for r in docs.table.rows_model.rows()]
    mail_row = shown.index("message/rfc822")
    docs.table.select_row(mail_row)
    qtbot.waitUntil(lambda: docs.pages.currentWidget() is docs.text)
    assert "Biff and Chip" in docs.text.toPlainText()
    with db.read() as s:
        query = select(AuditEntry.action).where(AuditEntry.record_type == "document")
        actions = list(s.scalars(query))
    # the PDF (not again when the full list comes back with it still chosen), then the e-mail
    assert actions.count("view") == 2 and actions.count("download") == 1
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


def test_a_document_is_deleted_to_the_trash_with_a_reason(
    qtbot, tab, tmp_path, monkeypatch, messages
):
    from PySide6.QtCore import QThreadPool

    view, docs = tab, tab.documents
    report = tmp_path / "wrong child.pdf"
    report.write_bytes(big_pdf("Not this child's report.", 8))
    add(qtbot, view, [report], kind="report")
    docs.table.select_row(0)
    monkeypatch.setattr(view, "ask_reason", lambda title, what: f"{what}: wrong child")
    docs.delete_button.click()  # while its preview is still being read
    assert docs.table.rows_model.rowCount() == 0
    (item,) = view.work.trash().items()
    assert item.reason == "delete 'wrong child.pdf': wrong child"
    QThreadPool.globalInstance().waitForDone(20_000)
    qtbot.wait(100)
    # What the read found (or that the document was gone) is not shown: it is not chosen.
    assert docs.pages.currentWidget() is docs.nothing and messages == []


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


def add_titled(view, *documents: tuple[str, str, int]) -> dict[str, int]:
    """PDFs added through the service, each saying "The words of <title>": their ids."""
    service = view.work.documents()
    ids = {}
    for title, kind, day in documents:
        new = NewDocument(kind, date(2026, 10, day), title=title)
        (added,) = service.add(view.case_id, pdf(f"The words of {title}"), f"{title}.pdf", new)
        ids[title] = added.id
    view.documents.refresh()
    return ids


def open_bundle(qtbot, docs) -> BundleDialog:
    docs.bundle_button.click()
    dialog = docs.bundle_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.tree)
    return dialog


def titles_in(dialog: BundleDialog, section: str) -> list[str]:
    model = dialog.model
    parent = model.section_index(section)
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def choose(dialog: BundleDialog, title: str) -> None:
    model = dialog.model
    for section in range(model.rowCount()):
        parent = model.index(section, 0)
        for row in range(model.rowCount(parent)):
            if model.index(row, 0, parent).data() == title:
                dialog.tree.setCurrentIndex(model.index(row, 0, parent))
                return
    raise AssertionError(f"{title} is not in the dialog")


def test_a_tribunal_bundle_is_picked_ordered_by_keyboard_made_and_saved(
    qtbot, tab, tmp_path, monkeypatch
):
    view, docs = tab, tab.documents
    ids = add_titled(
        view,
        ("Report one", "report", 1),
        ("Report two", "report", 2),
        ("Report three", "report", 3),
        ("EP advice", "advice_ep", 4),
    )
    dialog = open_bundle(qtbot, docs)
    assert titles_in(dialog, D) == ["Report one", "Report two", "Report three"]  # oldest first
    assert titles_in(dialog, E) == ["EP advice"]
    assert dialog.tree.currentIndex().data() == "Report one"
    tree = dialog.tree
    qtbot.keyClick(tree, Qt.Key.Key_Space)  # leave it out
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    qtbot.keyClick(tree, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert titles_in(dialog, D) == ["Report one", "Report three", "Report two"]
    dialog.down_button.click()  # past the end of its section: into the next one
    assert titles_in(dialog, E) == ["Report two", "EP advice"]
    assert tree.currentIndex().data() == "Report two"  # the choice goes with it
    choose(dialog, "Report three")
    qtbot.keyClick(tree, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert titles_in(dialog, D) == ["Report three", "Report one"]
    order = [ids["Report three"], ids["Report two"], ids["EP advice"]]
    assert dialog.model.chosen() == (order, {ids["Report two"]: E})
    assert dialog.summary.text() == "3 of 4 documents ticked."
    out = tmp_path / "bundle.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out)[:-4], ""))
    docs.told.clear()
    dialog.make_button.click()
    assert dialog.busy() and not dialog.tree.isEnabled()
    qtbot.waitUntil(lambda: docs.bundle_dialog is None and bool(docs.told), timeout=60_000)
    reader = PdfReader(BytesIO(out.read_bytes()))  # ".pdf" added to the name chosen
    pages = [p.extract_text() for p in reader.pages]
    assert docs.told[-1] == f"bundle.pdf: {len(pages)} pages."
    index = pages[0]
    places = [index.index(t) for t in ("Report three", "Report two", "EP advice")]
    assert places == sorted(places) and "Report one" not in index
    starts = [
        next(n for n, text in enumerate(pages) if f"The words of {t}" in text)
        for t in ("Report three", "Report two", "EP advice")
    ]
    assert starts == sorted(starts)
    assert not any("Report one" in text for text in pages)
    marks = [[each.title for each in item] for item in reader.outline if isinstance(item, list)]
    assert marks == [["Report three"], ["Report two", "EP advice"]]


def test_the_bundle_dialog_says_what_cannot_go_in_and_reads_in_order(
    qtbot, tab, monkeypatch, qtmodeltester
):
    view, docs = tab, tab.documents
    monkeypatch.setenv("PATH", "")  # a computer without LibreOffice
    add_titled(view, ("Report one", "report", 1))
    view.work.documents().add(view.case_id, word("School report"), "school.docx",
                              NewDocument("report", date(2026, 10, 2)))  # fmt: skip
    dialog = open_bundle(qtbot, docs)
    qtmodeltester.check(dialog.model, force_py=True)
    model = dialog.model
    school = model.index(1, 0, model.section_index(D))
    assert school.data() == "school.docx"
    assert not model.flags(school) & Qt.ItemFlag.ItemIsUserCheckable
    assert school.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    note = school.siblingAtColumn(3).data()
    assert note == f"Cannot go in: {NO_LIBREOFFICE}"
    assert dialog.summary.text() == "1 of 2 documents ticked. 1 cannot go in: see why beside it."
    section = model.section_index(D)
    assert section.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    model.setData(section, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert model.chosen() == ([], {}) and not dialog.make_button.isEnabled()
    assert section.siblingAtColumn(3).data() == "0 of 2 ticked"
    assert dialog.summary.text().startswith("0 of 2 documents ticked.")
    # Every control has a name, and Tab goes tree, up, down, make, close.
    for widget in (dialog.tree, dialog.up_button, dialog.down_button, dialog.make_button,
                   dialog.close_button):  # fmt: skip
        assert widget.accessibleName()
    model.setData(section, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    seen = [dialog.focusWidget()]
    for _ in range(4):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        seen.append(dialog.focusWidget())
    assert seen == [dialog.tree, dialog.up_button, dialog.down_button, dialog.make_button,
                    dialog.close_button]  # fmt: skip


def test_the_bundle_model_keeps_qt_s_rules_through_moves_and_ticks(qtbot, tab, qtmodeltester):
    view = tab
    add_titled(view, ("Report one", "report", 1), ("Report two", "report", 2),
               ("EP advice", "advice_ep", 3))  # fmt: skip
    outline = view.work.bundles().outline(view.case_id)
    dialog = BundleDialog(outline, lambda *a: None, "bundle.pdf", view)  # never made here
    qtbot.addWidget(dialog)
    model = dialog.model
    qtmodeltester.check(model, force_py=True)
    sections = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert sections == list(outline.sections)
    ep = model.index(0, 0, model.section_index(E))
    ep = model.move_document(ep, 1)
    assert not ep.isValid()  # the last document of the last section goes no further
    ep = model.index(0, 0, model.section_index(E))
    for _ in range(4):  # up through D and into C, which was empty
        ep = model.move_document(ep, -1)
    assert ep.parent().data() == "C. The family's evidence" and titles_in(dialog, E) == []
    assert titles_in(dialog, D) == ["Report one", "Report two"]
    ep = model.move_document(model.move_document(ep, -1), -1)  # B, then A
    assert ep.parent().data() == "A. Appeal and decision"
    assert not model.move_document(ep, -1).isValid()  # nowhere above A
    assert not model.move_document(model.section_index(D), 1).isValid()  # a section stays
    model.setData(ep, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    section = model.section_index(D)
    model.setData(model.index(0, 0, section), Qt.CheckState.Unchecked,
                  Qt.ItemDataRole.CheckStateRole)  # fmt: skip
    assert section.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.PartiallyChecked
    model.setData(section, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    ids = {r.document.title: r.document.id for r in outline.entries}
    assert model.chosen() == ([ids["Report one"], ids["Report two"]], {})


def test_stop_makes_no_bundle_and_the_dialog_stays_open(qtbot, tab, tmp_path, monkeypatch):
    view = tab
    add_titled(view, ("Report one", "report", 1), ("Report two", "report", 2))
    bundles = view.work.bundles()
    gate = threading.Event()

    def make(ids, moved, progress, cancel):
        def then_wait(done: int, total: int) -> None:
            progress(done, total)
            gate.wait(20)  # holds the bundle after its first document until Stop is pressed

        return bundles.make(view.case_id, ids, "tribunal", moved, then_wait, cancel)

    dialog = BundleDialog(bundles.outline(view.case_id), make, "bundle.pdf", view)
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "bundle.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    dialog.make_button.click()
    qtbot.waitUntil(lambda: dialog.bar.value() == 1)
    assert dialog.status.text() == "Made 1 of 2 documents into pages…"
    dialog.reject()  # Escape while making stops it; the dialog stays
    gate.set()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
    assert dialog.status.text() == "Stopped: no bundle was made."
    assert dialog.isVisible() and dialog.tree.isEnabled() and not out.exists()


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


def big_pdf(title: str, megabytes: int) -> bytes:
    """A PDF of one page saying `title`, carrying `megabytes` of a scan it does not show."""
    import os

    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf(title))))
    writer.add_attachment("scan.bin", os.urandom(megabytes * 1024 * 1024))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def views_of(db, document_id: int) -> int:
    with db.read() as s:
        return len(
            s.scalars(
                select(AuditEntry.id).where(
                    AuditEntry.action == "view",
                    AuditEntry.record_type == "document",
                    AuditEntry.record_id == document_id,
                )
            ).all()
        )


def test_a_big_pdf_is_read_off_the_window_s_thread_and_looked_at_once(qtbot, tab, db):
    from PySide6.QtCore import QTimer

    view, docs = tab, tab.documents
    (big,) = view.work.documents().add(view.case_id, big_pdf("A scanned report", 20), "scan.pdf")
    docs.refresh()
    ticks: list[int] = []
    clock = QTimer()
    clock.setInterval(1)
    clock.timeout.connect(lambda: ticks.append(docs.pages.currentWidget() is docs.pdf_view))
    clock.start()
    docs.table.select_row(0)
    # Choosing it returns at once: the 20 MB are read in the background.
    assert docs.previewing() and docs.pages.currentWidget() is not docs.pdf_view
    qtbot.waitUntil(lambda: docs.pages.currentWidget() is docs.pdf_view, timeout=20_000)
    clock.stop()
    assert False in ticks  # the window went on working while it was read
    assert docs.pdf.pageCount() == 1 and not docs.previewing()
    docs.refresh()  # the list comes back with it still chosen: not read again
    assert not docs.previewing() and docs.pages.currentWidget() is docs.pdf_view
    assert views_of(db, big.id) == 1


def test_a_second_choice_supersedes_the_first_and_only_the_chosen_one_is_shown(qtbot, tab, db):
    from PySide6.QtCore import QThreadPool

    view, docs = tab, tab.documents
    service = view.work.documents()
    (first,) = service.add(view.case_id, big_pdf("The first", 8), "first.pdf",
                           NewDocument("report", date(2026, 10, 2)))  # fmt: skip
    second_pdf = PdfWriter()
    for text in ("The second", "Its page two"):
        second_pdf.append(PdfReader(BytesIO(pdf(text))))
    two_pages = BytesIO()
    second_pdf.write(two_pages)
    (second,) = service.add(view.case_id, two_pages.getvalue(), "second.pdf",
                            NewDocument("report", date(2026, 10, 1)))  # fmt: skip
    docs.refresh()
    rows = [r.document.id for r in docs.table.rows_model.rows()]
    docs.table.select_row(rows.index(first.id))
    docs.table.select_row(rows.index(second.id))  # before the first has come
    qtbot.waitUntil(lambda: docs.pages.currentWidget() is docs.pdf_view, timeout=20_000)
    QThreadPool.globalInstance().waitForDone(20_000)
    qtbot.wait(100)  # anything the first read hands back has arrived by now
    assert docs.pdf.pageCount() == 2  # the second, never the first
    assert not docs._reading  # each read was let go once it had reported
    assert views_of(db, second.id) == 1 and views_of(db, first.id) <= 1
    # Chosen, then unchosen before it comes: nothing is shown.
    docs.table.select_row(rows.index(first.id))
    docs.table.clearSelection()
    QThreadPool.globalInstance().waitForDone(20_000)
    qtbot.wait(100)
    assert docs.pages.currentWidget() is docs.nothing and not docs.previewing()


def test_the_documents_are_read_when_their_tab_is_shown(qtbot, db):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    docs = view.documents
    assert docs.stale  # opening the case did not read them
    work.documents().add(case_id, pdf("Report"), "report.pdf")
    view.reload()  # hidden: only marked to be read
    assert docs.stale and docs.table.rows_model.rowCount() == 0
    view.show_tab("documents")
    assert not docs.stale and docs.table.rows_model.rowCount() == 1
    work.documents().add(case_id, pdf("Another"), "another.pdf")
    view.reload()  # shown: read now
    assert docs.table.rows_model.rowCount() == 2


SIZES_PROBE = """
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication

from caseload_app.ui.widgets.pdf_pages import pages_view
from tests.services.test_documents import pdf

app = QApplication([])
document = QPdfDocument()
data = QBuffer()
data.setData(QByteArray(pdf("One page")))
data.open(QIODevice.OpenModeFlag.ReadOnly)
document.load(data)
view = pages_view(document)
view.show()
for width in range(300, 700, 3):
    view.resize(width, round(width * 1.4))  # about where an A4 page just needs a scroll bar
    for _ in range(5):
        app.processEvents()
print("done")
"""


def test_a_pdf_s_pages_never_keep_the_window_busy_at_any_size():
    """At some sizes a page fitted to the width needs a scroll bar only with no scroll bar
    there: without one always shown, the view relaid itself out for ever (a 340 by 460
    preview froze the window)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SIZES_PROBE], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("done")
