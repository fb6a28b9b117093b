"""The Documents tab: the case file. Every document on the case (an e-mail's attachments under
it), added from a file chooser or dropped on the tab, searched by the words inside them,
previewed here (PDF pages, images, an e-mail or text) and opened in the computer's own program
from a private copy removed when caseload closes. Every look is one audited service call.

Files are read and stored off the window's thread, with progress and a way to stop between
files; what was added before stopping stays added. A preview is read off the window's thread
too (a 20 MB PDF does not freeze the window): choosing another document while one is loading
supersedes it, and what is read is shown only if its document is still the one chosen.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QThreadPool, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.documents import KINDS
from caseload_app.services.document_files import safe_file_name
from caseload_app.services.documents import DocumentInfo, DocumentService, Hit, NewDocument
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.case.bundle_dialog import BundleDialog
from caseload_app.ui.case.lazy import ReadWhenShown
from caseload_app.ui.dialogs.case_dialogs import (
    FormDialog,
    button,
    choice_combo,
    line_edit,
    optional_date,
)
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.widgets.pdf_pages import pages_view
from caseload_app.ui.worker import Job, run_in_background

if TYPE_CHECKING:
    from caseload_app.ui.case.view import CaseView

TEXT_TYPES = ("message/rfc822", "application/vnd.ms-outlook", "text/plain", "text/html")


@dataclass(frozen=True)
class Preview:
    """What a preview read off the window's thread: the bytes, the text found in them, and an
    image already decoded (None when the document is not an image)."""

    data: bytes
    text: str
    image: QImage | None


def read_preview(docs: DocumentService, doc: DocumentInfo) -> Preview:
    """Runs off the window's thread: one audited look, and an image decoded there too."""
    data, text = docs.preview(doc.id)
    image = QImage.fromData(data) if doc.media_type.startswith("image/") else None
    return Preview(data, text, image)


@dataclass(frozen=True)
class Row:
    """A line of the table: a document, with the matching words when it came from a search."""

    document: DocumentInfo
    snippet: str = ""

    @property
    def id(self) -> int:
        return self.document.id


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


COLUMNS = (
    Column("Date", lambda r: format_date(r.document.dated), lambda r: r.document.dated),
    Column("Kind", lambda r: r.document.kind_label),
    Column(
        "Title",
        lambda r: ("   ↳ " if r.document.attached_to_id else "") + r.document.title,
        tooltip=lambda r: r.document.file_name,
    ),
    Column("From", lambda r: r.document.came_from),
    Column("Size", lambda r: _size(r.document.size), lambda r: r.document.size),
    Column("Found", lambda r: r.snippet),
)


class DocumentsTab(ReadWhenShown):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.docs = view.work.documents()
        self._job: Job | None = None
        self.bundle_dialog: BundleDialog | None = None
        self._private = tempfile.TemporaryDirectory(prefix="caseload-open-")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the words inside this case's documents…")
        self.search.setAccessibleName("Search this case's documents")
        self.search.returnPressed.connect(self.run_search)
        self.table = RowTable(COLUMNS, "Documents", stretch="Title", key=lambda r: r.id)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.preview())
        self.table.doubleClicked.connect(lambda _i: self.open_outside())
        self.add_button = button("&Add files…", "Add files to the case", self.add_files)
        self.open_button = button("&Open", "Open in its own program", self.open_outside)
        self.save_button = button("Sa&ve a copy…", "Save a copy of the document", self.save_copy)
        self.delete_button = button("&Delete…", "Move the document to the trash", self.delete)
        self.bundle_button = button(
            "&Tribunal bundle…", "Make a Tribunal bundle of the case's documents", self.bundle
        )
        self.summary = QLabel()
        self.pages = QStackedWidget()
        self.pdf = QPdfDocument(self)
        self.pdf_view = pages_view(self.pdf)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pictures = QScrollArea()
        pictures.setWidget(self.picture)
        pictures.setWidgetResizable(True)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.nothing = QLabel("Choose a document to see it here.")
        self.nothing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading = _loading_page()
        for page in (self.nothing, self.pdf_view, pictures, self.text, self.loading):
            self.pages.addWidget(page)
        self._buffer: QBuffer | None = None
        # Each preview is numbered: only the latest is shown. Every read still running is
        # kept here until it reports (a job dropped while it runs would be freed under it).
        # The document shown now is not read again when the list comes back with it chosen.
        self._reading: dict[int, Job] = {}
        self._preview_number = 0
        self._loading_id: int | None = None
        self._shown_id: int | None = None
        self._busy_soon = QTimer(self)  # "Opening…" only when it takes more than a moment
        self._busy_soon.setSingleShot(True)
        self._busy_soon.setInterval(150)
        self._busy_soon.timeout.connect(lambda: self.pages.setCurrentWidget(self.loading))
        self.setAcceptDrops(True)
        self._build()

    def _build(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addLayout(
            button_row(
                self.add_button,
                self.open_button,
                self.save_button,
                self.bundle_button,
                "stretch",
                self.delete_button,
            )
        )
        column.addWidget(self.table, 1)
        column.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.pages)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 560])  # room to read a page in the preview
        layout = QHBoxLayout(self)
        layout.addWidget(split)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.stale = False
        found = self.docs.documents(self.view.case_id)
        self.table.load([Row(d) for d in _grouped(found)])
        self.summary.setText(f"{len(found)} document(s). Drop files here to add them.")
        self.preview()  # the document shown may have gone from the list (no signal says so)

    def run_search(self) -> None:
        words = self.search.text()
        if not words.strip():
            self.refresh()
            return
        hits: list[Hit] = []

        def call() -> None:
            hits.extend(self.docs.search(words, self.view.case_id))

        if ui_errors.run_action(self, "Search", call):
            self.table.load([Row(h.document, h.snippet) for h in hits])
            self.summary.setText(f"{len(hits)} document(s) hold those words. Clear to list all.")
            self.preview()

    # ------------------------------------------------------------------ adding
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.ask_and_add(paths)

    def add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add files to the case")
        if names:
            self.ask_and_add([Path(n) for n in names])

    def ask_and_add(self, paths: list[Path]) -> None:
        """Ask what the files are, then add them off the window's thread."""

        detail = self.view.detail

        def submit(v: dict) -> object:
            new = NewDocument(
                v["kind"],
                v["dated"],
                v["came_from"],
                advice_request_id=v["advice"],
                annual_review_id=v["review"],
                disagreement_id=v["disagreement"],
                advice_received=bool(v["advice_received"]) and v["advice"] is not None,
            )
            self.add_in_background(paths, new)
            return None

        dialog = FormDialog(f"Add {len(paths)} file(s)", submit, self.view)
        dialog.add("kind", "&Kind", choice_combo([(t, k) for k, t in KINDS.items()]))
        # Blank: an e-mail's own date, else today.
        dialog.add("dated", "&Dated", optional_date(None, detail.today))
        dialog.add("came_from", "&From", line_edit())
        advice = [
            (f"{a.type_label}, asked {format_date(a.requested)}", a.id) for a in detail.advice
        ]
        dialog.add("advice", "&Advice request", choice_combo([("(none)", None), *advice]))
        dialog.add("advice_received", "Received", QCheckBox("It is that advice: mark it &received"))
        reviews = [(f"Review due {format_date(r.due)}", r.id) for r in detail.reviews]
        dialog.add("review", "Annual re&view", choice_combo([("(none)", None), *reviews]))
        disputes = [
            (f"Disagreement, decision of {format_date(d.decision_letter)}", d.id)
            for d in detail.disagreements
        ]
        dialog.add("disagreement", "Disa&greement", choice_combo([("(none)", None), *disputes]))
        self.view.open_dialog(dialog, reload=False)

    def add_in_background(self, paths: list[Path], new: NewDocument) -> None:
        progress = QProgressDialog("Adding files…", "Stop", 0, len(paths), self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        self.progress, self._queue, self._new = progress, list(paths), new
        self._done: list[str] = []
        self._next_file()

    def _next_file(self) -> None:
        progress = self.progress
        if not self._queue or progress.wasCanceled():
            progress.close()
            self._finished()
            return
        path = self._queue.pop(0)
        progress.setLabelText(f"Adding {path.name}…")
        case_id, new = self.view.case_id, self._new
        self._job = run_in_background(
            lambda: self.docs.add_file(case_id, path, new),
            lambda added: self._added(path, added),
            lambda exc, _tb: self._failed(path, exc),
        )

    def _added(self, path: Path, added) -> None:
        self._done.append(
            f"{path.name}: added"
            + (f" with {len(added) - 1} attachment(s)" if len(added) > 1 else "")
        )
        self._step()

    def _failed(self, path: Path, exc: Exception) -> None:
        if not isinstance(exc, ui_errors.USER_ERRORS):
            self.progress.close()
            self._job = None
            raise exc
        self._done.append(f"{path.name}: not added: {exc}")
        self._step()

    def _step(self) -> None:
        self.progress.setValue(self.progress.value() + 1)
        self._next_file()

    def _finished(self) -> None:
        self._job = None
        if self._new.advice_received:  # the Advice tab shows it received
            self.view.reload()
        self.refresh()
        self.view.changed.emit(self.view.case_id)
        QMessageBox.information(self, "Add files", "\n".join(self._done) or "Nothing added.")

    # ------------------------------------------------------------------ looking
    def _chosen(self) -> DocumentInfo | None:
        row: Row | None = self.table.selected()
        return row.document if row is not None else None

    def _bytes(self, doc: DocumentInfo, look: str) -> bytes | None:
        got: list[bytes] = []
        if ui_errors.run_action(
            self, "Document", lambda: got.append(self.docs.content(doc.id, look))
        ):
            return got[0]
        return None

    def preview(self) -> None:
        """Show the chosen document on the right, read off the window's thread."""
        doc = self._chosen()
        if doc is not None and doc.id in (self._shown_id, self._loading_id):
            return  # the list came back with it still chosen: it is shown, or on its way
        self._drop_preview()
        if doc is None:
            self.pages.setCurrentWidget(self.nothing)
            return
        self._preview_number += 1
        number, docs = self._preview_number, self.docs
        self._loading_id = doc.id
        self._reading[number] = run_in_background(
            lambda: read_preview(docs, doc),
            lambda got: self._previewed(number, doc, got),
            lambda exc, _tb: self._preview_failed(number, doc, exc),
        )
        self._busy_soon.start()

    def previewing(self) -> bool:
        return self._preview_number in self._reading

    def _drop_preview(self) -> None:
        """Forget the preview being read: not read at all (nor audited) if it has not
        started yet; if it has, what it reads is not shown."""
        job = self._reading.get(self._preview_number)
        if job is not None and QThreadPool.globalInstance().tryTake(job):
            del self._reading[self._preview_number]
        self._loading_id, self._shown_id = None, None
        self._preview_number += 1
        self._busy_soon.stop()

    def _previewed(self, number: int, doc: DocumentInfo, got: Preview) -> None:
        self._reading.pop(number, None)
        if number != self._preview_number:
            return  # another document was chosen meanwhile
        self._loading_id = None
        self._busy_soon.stop()
        chosen = self._chosen()
        if chosen is None or chosen.id != doc.id:
            self.pages.setCurrentWidget(self.nothing)
            return
        self._shown_id = doc.id
        if doc.media_type == "application/pdf":
            self._show_pdf(got.data)
        elif got.image is not None:
            self.picture.setPixmap(QPixmap.fromImage(got.image))
            self.pages.setCurrentIndex(2)
        else:
            self.text.setPlainText(got.text or "Nothing to show here: open it in its own program.")
            self.pages.setCurrentWidget(self.text)

    def _show_pdf(self, data: bytes) -> None:
        self.pdf.close()
        if self._buffer is not None:  # the last PDF's bytes are let go
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf.load(self._buffer)
        self.pages.setCurrentWidget(self.pdf_view)

    def _preview_failed(self, number: int, doc: DocumentInfo, exc: Exception) -> None:
        """Said only while the document is still the one chosen (one deleted meanwhile, say,
        has gone from the list: nothing to say)."""
        self._reading.pop(number, None)
        latest = number == self._preview_number
        if latest:
            self._loading_id = None
            self._busy_soon.stop()
            self.pages.setCurrentWidget(self.nothing)
        if not isinstance(exc, ui_errors.USER_ERRORS):
            raise exc
        chosen = self._chosen()
        if latest and chosen is not None and chosen.id == doc.id:
            ui_errors.show_user_error(self, "Document", exc)

    def open_outside(self) -> None:
        """Open in the computer's own program, from a private copy named by what the file
        really is (a sender's "report.pdf.exe" never opens as a program)."""
        doc = self._chosen()
        if doc is None:
            return
        extension = OPENED_AS.get(doc.media_type)
        if extension is None:
            QMessageBox.information(
                self,
                "Open",
                "caseload opens PDFs, Word files, images, e-mails and text in their own "
                "programs; this kind of file is only saved as a copy (Save a copy…).",
            )
            return
        data = self._bytes(doc, "open")
        if data is None:
            return
        folder = Path(self._private.name) / str(doc.id)
        copy = folder / f"{_safe_stem(doc)}{extension}"
        try:
            folder.mkdir(exist_ok=True)
            copy.write_bytes(data)
        except OSError as exc:
            QMessageBox.warning(
                self, "Open", f"The copy to open cannot be written ({exc.strerror or exc})."
            )
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(copy)))

    def save_copy(self) -> None:
        doc = self._chosen()
        if doc is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save a copy", _safe_name(doc))
        if not path:
            return
        data = self._bytes(doc, "download")
        if data is None:
            return
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            QMessageBox.warning(
                self, "Save a copy", f"{Path(path).name} cannot be written ({exc.strerror or exc})."
            )

    def bundle(self) -> None:
        """Pick the documents for a Tribunal bundle and their order, then make it in the
        background (bundle_dialog.py)."""
        child = self.view.detail.child
        case_id, bundles = self.view.case_id, self.view.work.bundles()
        got: list = []
        if not ui_errors.run_action(self, "Bundle", lambda: got.append(bundles.outline(case_id))):
            return
        if not got[0].entries:
            QMessageBox.information(self, "Bundle", "There are no documents to put in a bundle.")
            return

        def make(ids, moved, progress, cancel):
            return bundles.make(case_id, ids, "tribunal", moved, progress, cancel)

        name = f"Tribunal bundle {child.first_name} {child.last_name}.pdf"
        dialog = BundleDialog(got[0], make, name, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(lambda _result: self._bundle_closed(dialog))
        self.bundle_dialog = dialog
        dialog.open()

    def _bundle_closed(self, dialog: BundleDialog) -> None:
        if self.bundle_dialog is dialog:
            self.bundle_dialog = None
        dialog.deleteLater()

    def delete(self) -> None:
        doc = self._chosen()
        if doc is None:
            return
        self.view.to_trash(
            "Delete document",
            f"delete {doc.title!r}",
            lambda trash, reason: trash.delete_document(doc.id, reason),
        )


def _grouped(found: list[DocumentInfo]) -> list[DocumentInfo]:
    """Newest first, each e-mail's attachments straight after it."""
    inside: dict[int, list[DocumentInfo]] = {}
    for d in found:
        if d.attached_to_id is not None:
            inside.setdefault(d.attached_to_id, []).append(d)
    out: list[DocumentInfo] = []
    for d in found:
        if d.attached_to_id is None:
            out += [d, *inside.pop(d.id, [])]
    return out + [d for rest in inside.values() for d in rest]


# What a file is opened as, by what it really is; anything else is only saved as a copy.
OPENED_AS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "message/rfc822": ".eml",
    "application/vnd.ms-outlook": ".msg",
    "text/plain": ".txt",
    "application/rtf": ".rtf",
}


def _safe_stem(doc: DocumentInfo) -> str:
    stem = _safe_name(doc).split(".")[0].strip(" ._")
    return stem[:80] or f"document-{doc.id}"


def _safe_name(doc: DocumentInfo) -> str:
    """The document's own name, made safe to write (the stored name is a label only)."""
    return safe_file_name(doc.file_name, doc.id, "document")


def _loading_page() -> QWidget:
    """What the preview shows while a document is read: a busy bar."""
    page = QWidget()
    column = QVBoxLayout(page)
    column.addStretch(1)
    label = QLabel("Opening the document…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    bar = QProgressBar()
    bar.setRange(0, 0)  # busy: no way to tell how far
    bar.setAccessibleName("Opening the document")
    column.addWidget(label)
    column.addWidget(bar)
    column.addStretch(1)
    return page
