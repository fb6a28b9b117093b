"""Printing from the window: letters for one case, bulk output for many, template editing."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.templates import (
    COUNCIL_PLACEHOLDERS,
    MissingValues,
    TemplateInfo,
)
from caseload_app.domain.text import how_many
from caseload_app.files import write_atomically
from caseload_app.services.letters import IssuedLetter, LetterService
from caseload_app.services.settings import TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.print_preview import PrintPreviewDialog
from caseload_app.ui.errors import USER_ERRORS, run_action, show_user_error

FREE_TEXT = (
    ("decision_reason", "&Reason for the decision"),
    ("proposed_amendments", "Proposed &changes"),
    ("subject", "S&ubject"),
    ("message", "&Message"),
)
# What a letter is issued as (LetterService FORMATS), as the dialog offers it.
FORMAT_CHOICES = (("PDF", "pdf"), ("Word document (.docx)", "docx"), ("PDF and Word", "both"))
T = TypeVar("T")
TYPED_HINT = {
    "decision_reason": "Leave blank to print the reasons recorded with the decision",
    "proposed_amendments": "The amendments proposed to the plan, section by section",
    "subject": "The letter's subject line",
    "message": "What the letter says",
}


def safe_filename(text: str) -> str:
    """A file name from a person's name. Letters of every alphabet stay (Łukasz, Zoë: file
    systems take them, and dropping them made 'ukasz' and 'Zo'); anything else that could
    trouble a file system or a shell (slashes, colons, quotes, dots, spaces) becomes '-'."""
    name = re.sub(r"[^\w-]+", "-", unicodedata.normalize("NFC", text))
    return name.strip("-_")[:80].strip("-") or "document"


def show_pdf(parent: QWidget, pdf: bytes, title: str, filename: str) -> PrintPreviewDialog:
    dialog = PrintPreviewDialog(pdf, title, filename, parent)
    dialog.open()
    return dialog


def save_word(parent: QWidget, data: bytes, title: str, filename: str) -> Path | None:
    """Offer to save a copy of a Word letter (to open and print in Word); None when the
    person chose not to. The letter is kept on the case file either way."""
    chosen, _ = QFileDialog.getSaveFileName(
        parent, f"Save a copy of the Word letter — {title}", filename, "Word documents (*.docx)"
    )
    if not chosen:
        return None
    path = Path(chosen) if chosen.lower().endswith(".docx") else Path(chosen + ".docx")
    try:
        write_atomically(path, data)
    except OSError as exc:
        QMessageBox.warning(
            parent,
            "Copy not saved",
            f"The copy could not be saved ({exc.strerror or exc}); the letter is kept on "
            "the case file, where it can be saved from the Documents tab.",
        )
        return None
    return path


def with_council(
    parent: QWidget, council: TeamSettingsService | None, title: str, make: Callable[[], T]
) -> T | None:
    """Run ``make`` (a letter made); when the letter lacks the council's details, ask for
    them once and try again. None when it could not be made (the reason was shown)."""
    for attempt in (1, 2):
        try:
            return make()
        except MissingValues as exc:
            needs_council = COUNCIL_PLACEHOLDERS.intersection(exc.missing)
            if attempt == 1 and needs_council and council is not None:
                from caseload_app.ui.dialogs.settings_dialog import CouncilDetailsDialog

                if CouncilDetailsDialog(council, parent).exec():
                    continue
            show_user_error(parent, title, exc)
            return None
        except USER_ERRORS as exc:
            show_user_error(parent, title, exc)
            return None
    return None


class LetterDialog(FieldsFirst, QDialog):
    """Choose a letter by its plain name (those that fit the case's stage first), fill only
    what that letter needs typed; preview it, or issue it (kept and logged). When the letter
    needs the council's details and they are not set, they are asked for once."""

    def __init__(
        self,
        letters: LetterService,
        case_id: int,
        child_name: str,
        parent=None,
        *,
        template: str | None = None,
        council: TeamSettingsService | None = None,
        format: str = "pdf",
    ):
        super().__init__(parent)
        self.setWindowTitle(f"Letter — {child_name}")
        self.letters, self.case_id, self.child_name = letters, case_id, child_name
        self.council = council
        self.issued_communication_id: int | None = None
        self.preview_dialog: PrintPreviewDialog | None = None
        self.template = QComboBox()
        self.template.setAccessibleName("Letter")
        fitting, others = letters.letters_for(case_id)
        self.infos: dict[str, TemplateInfo] = {}
        for info in fitting:
            self._add(info)
        if fitting and others:
            self.template.insertSeparator(self.template.count())
        for info in others:
            self._add(info, " (another stage)")
        if template is not None and self.template.findData(template) >= 0:
            self.template.setCurrentIndex(self.template.findData(template))
        self.advice = QComboBox()
        self.advice.setAccessibleName("Advice type")
        for code in codes.advice_types():
            self.advice.addItem(code.label, code.code)
        self.texts = {key: QPlainTextEdit() for key, _label in FREE_TEXT}
        self.format = QComboBox()
        self.format.setAccessibleName("Issue as")
        for label, kind in FORMAT_CHOICES:
            self.format.addItem(label, kind)
        self.format.setCurrentIndex(max(self.format.findData(format), 0))
        self.form = QFormLayout()
        self._row("&Letter", self.template)
        self._row("&Advice", self.advice)
        for key, label in FREE_TEXT:
            self.texts[key].setAccessibleName(label.replace("&", ""))
            self.texts[key].setPlaceholderText(TYPED_HINT[key])
            self.texts[key].setMaximumHeight(70)
            self._row(label, self.texts[key])
        self._row("Issue a&s", self.format)
        self.template.currentIndexChanged.connect(self._update_fields)
        buttons = QDialogButtonBox()
        preview = buttons.addButton("&Preview…", QDialogButtonBox.ButtonRole.ActionRole)
        issue = buttons.addButton("&Issue letter…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        preview.clicked.connect(self.preview)
        issue.clicked.connect(self.issue)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "Issuing keeps the letter on the case file (as a PDF, a Word document, or both) "
            "and logs it in the communication log."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self._update_fields()

    def _add(self, info: TemplateInfo, suffix: str = "") -> None:
        self.template.addItem(info.label + suffix, info.name)
        self.infos[info.name] = info

    def _row(self, label: str, widget: QWidget) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, widget)

    def chosen(self) -> TemplateInfo | None:
        return self.infos.get(self.template.currentData())

    def _update_fields(self) -> None:
        """Only the boxes this letter uses are shown (Reason, Subject, Message, Advice)."""
        info = self.chosen()
        typed = info.typed if info is not None else ()
        self.form.setRowVisible(self.advice, "advice_type" in typed)
        for key, widget in self.texts.items():
            self.form.setRowVisible(widget, key in typed)
        self.adjustSize()

    def choice(self) -> dict:
        typed = self.chosen().typed if self.chosen() is not None else ()
        extra = {
            k: w.toPlainText().strip()
            for k, w in self.texts.items()
            if k in typed and w.toPlainText().strip()
        }
        advice = self.advice.currentData() if "advice_type" in typed else None
        return {"advice_type": advice, "extra": extra}

    def _with_council(self, title: str, make):
        return with_council(self, self.council, title, make)

    def preview(self) -> None:
        name, label = self.template.currentData(), self.chosen_label()
        pdf = self._with_council(
            "Letter not ready", lambda: self.letters.preview(self.case_id, name, **self.choice())
        )
        if pdf is None:
            return
        self.preview_dialog = show_pdf(
            self,
            pdf,
            f"Preview (not issued) — {label}",
            f"{safe_filename(self.child_name)}-{name}-preview.pdf",
        )

    def issue(self) -> None:
        name, label = self.template.currentData(), self.chosen_label()
        format = self.format.currentData()

        def make() -> IssuedLetter:
            return self.letters.issue_letter(self.case_id, name, **self.choice(), format=format)

        issued = self._with_council("Letter not issued", make)
        if issued is None:
            return
        self.issued_communication_id = issued.communication_id
        self.accept()
        parent = self.parentWidget() or self
        filename = f"{safe_filename(self.child_name)}-{name}"
        title = f"{label} — {self.child_name}"
        if issued.docx:
            save_word(parent, issued.docx, title, f"{filename}.docx")
        if issued.pdf:
            show_pdf(parent, issued.pdf, title, f"{filename}.pdf")

    def chosen_label(self) -> str:
        info = self.chosen()
        return info.label if info is not None else self.template.currentText()


# --------------------------------------------------------------------------- bulk output
class _BulkSignals(QObject):
    progress = Signal(int, str)
    finished = Signal(list, bool)  # problems, cancelled


class BulkJob(QRunnable):
    """Runs one service call per case off the UI thread; stops between cases when cancelled."""

    def __init__(self, items: Sequence[tuple[int, str]], one: Callable[[int, str], None]):
        super().__init__()
        self.items, self.one = list(items), one
        self.signals = _BulkSignals()
        self.cancel = threading.Event()
        self.made = 0  # how many came out right
        self.setAutoDelete(False)

    def run(self) -> None:
        problems: list[str] = []
        for done, (case_id, name) in enumerate(self.items):
            if self.cancel.is_set():
                break
            self.signals.progress.emit(done, name)
            try:
                self.one(case_id, name)
                self.made += 1
            except USER_ERRORS as exc:
                problems.append(f"{name}: {exc}")
        self.signals.finished.emit(problems, self.cancel.is_set())


_RUNNING: set[BulkJob] = set()  # bulk jobs under way, kept from the garbage collector


def run_bulk(
    parent: QWidget, title: str, items, one, on_finished=None, saved_in: Path | None = None
) -> BulkJob:
    """Show progress with a Cancel button while `one(case_id, name)` runs for each item;
    at the end, say how many were made and, for files, where they went."""
    progress = QProgressDialog(title, "Cancel", 0, len(items), parent)
    progress.setWindowTitle(title)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    job = BulkJob(items, one)
    progress.canceled.connect(job.cancel.set)

    def step(done: int, name: str) -> None:
        progress.setValue(done)
        progress.setLabelText(f"{title}: {name} ({done + 1} of {len(items)})")

    def finished(problems: list, cancelled: bool) -> None:
        progress.reset()
        progress.close()
        summary = f"{title}: {'cancelled part-way' if cancelled else 'done'}."
        if saved_in is not None:
            summary += f" {how_many(job.made, 'file', 'files')} saved in {saved_in}."
        if problems:
            summary += "\n\nNot done:\n" + "\n".join(problems[:20])
        if on_finished:
            on_finished(problems, cancelled)
        else:
            QMessageBox.information(parent, title, summary)

    job.signals.progress.connect(step)
    job.signals.finished.connect(finished)
    _RUNNING.add(job)  # kept alive until it reports
    job.signals.finished.connect(lambda *_: _RUNNING.discard(job))
    QThreadPool.globalInstance().start(job)
    return job


def choose_folder(parent: QWidget, title: str) -> Path | None:
    from PySide6.QtWidgets import QFileDialog

    folder = QFileDialog.getExistingDirectory(parent, title)
    return Path(folder) if folder else None


# --------------------------------------------------------------------------- templates
class TemplatesDialog(QDialog):
    """An administrator's editor for letter templates: checked before they are saved."""

    def __init__(self, library: TemplateLibrary, parent=None, *, save=None):
        super().__init__(parent)
        self.setWindowTitle("Letter templates")
        self.resize(900, 620)
        self.library = library
        # The window saves through LetterService (administrators only, audited).
        self._save = save or library.save_template
        self._new_name: str | None = None  # a template being written, not yet saved
        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        self.list.setMaximumWidth(280)
        self.list.currentItemChanged.connect(self._load_current)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Template text")
        self.origin = QLabel()
        self.origin.setTextFormat(Qt.TextFormat.PlainText)
        new_button = QPushButton("&New template…")
        new_button.clicked.connect(self.new_template)
        save_button = QPushButton("&Save template")
        save_button.clicked.connect(self.save)
        close = QPushButton("&Close")
        close.clicked.connect(self.reject)
        help_text = QLabel(
            "First lines: 'Title: …' and 'To: family|school|health|social_care|ep|adviser', a "
            "blank line, then the letter. Placeholders like {{child_name}} are checked when you "
            "save; saved templates go to your council's own folder and replace the shipped ones."
        )
        help_text.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.origin)
        right.addWidget(self.editor, 1)
        right.addWidget(help_text)
        row = QHBoxLayout()
        row.addWidget(new_button)
        row.addStretch(1)
        row.addWidget(save_button)
        row.addWidget(close)
        right.addLayout(row)
        body = QHBoxLayout(self)
        body.addWidget(self.list)
        body.addLayout(right, 1)
        self._fill_list()

    def _fill_list(self, select: str | None = None) -> None:
        self.list.clear()
        for info in self.library.list_templates():
            item = QListWidgetItem(f"{info.name}  —  {info.title}")
            item.setData(Qt.ItemDataRole.UserRole, info)
            self.list.addItem(item)
            if info.name == select:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)

    def _load_current(self, item, _previous=None) -> None:
        if item is None:
            return
        info = item.data(Qt.ItemDataRole.UserRole)
        self.editor.setReadOnly(info.word)
        if info.word:  # a Word document is edited in Word; caseload reads and checks it
            self.editor.setPlainText(
                f"A Word template: open {Path(info.path).name} in Word to change it.\n\n"
                "Its title is the document's Title property; its Comments property says "
                "who it goes to ('To: family'), and may give 'Name:' and 'Stages:'. "
                "Placeholders such as {{child_name}} are checked every time the letters "
                "are listed, and before a letter is issued."
            )
        else:
            self.editor.setPlainText(Path(info.path).read_text(encoding="utf-8"))
        where = f"{info.origin} · {info.path}"
        self.origin.setText(f"{where}\nProblem: {info.problem}" if info.problem else where)

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole).name if item else None

    def new_template(self) -> None:
        name, ok = QInputDialog.getText(
            self, "New template", "Name (letters, digits, _):", QLineEdit.EchoMode.Normal, ""
        )
        if ok and name.strip():
            self.editor.setReadOnly(False)
            self.editor.setPlainText("Title: \nTo: family\n\nDear {{salutation}},\n\n")
            self._new_name = name.strip()
            self.list.clearSelection()
            self.origin.setText(f"New template '{self._new_name}' (not saved yet)")

    def save(self) -> None:
        name = self._new_name or self.current_name()
        if not name:
            return
        if run_action(
            self,
            "Template not saved",
            lambda: self._save(name, self.editor.toPlainText()),
        ):
            self._new_name = None
            self._fill_list(select=name)
