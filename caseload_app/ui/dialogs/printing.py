"""Printing from the window: letters for one case, bulk output for many, template editing."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
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
from caseload_app.domain.templates import TemplateLibrary
from caseload_app.domain.text import how_many
from caseload_app.services.letters import LetterService
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.print_preview import PrintPreviewDialog
from caseload_app.ui.errors import USER_ERRORS, run_action, show_user_error

ADVICE_LETTERS = ("advice_request", "advice_chase")
FREE_TEXT = (
    ("decision_reason", "&Reason for the decision"),
    ("subject", "S&ubject (generic letter)"),
    ("message", "&Message (generic letter)"),
)


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


class LetterDialog(FieldsFirst, QDialog):
    """Choose a template and fill the free text; preview it, or issue it (kept and logged)."""

    def __init__(self, letters: LetterService, case_id: int, child_name: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Letter — {child_name}")
        self.letters, self.case_id, self.child_name = letters, case_id, child_name
        self.issued_communication_id: int | None = None
        self.preview_dialog: PrintPreviewDialog | None = None
        self.template = QComboBox()
        self.template.setAccessibleName("Letter template")
        for info in letters.list_templates():
            if info.problem is None:
                self.template.addItem(f"{info.title} ({info.name})", info.name)
        self.advice = QComboBox()
        self.advice.setAccessibleName("Advice type")
        for code in codes.advice_types():
            self.advice.addItem(code.label, code.code)
        self.texts = {key: QPlainTextEdit() for key, _label in FREE_TEXT}
        form = QFormLayout()
        self._row(form, "&Template", self.template)
        self._row(form, "&Advice (advice letters)", self.advice)
        for key, label in FREE_TEXT:
            self.texts[key].setAccessibleName(label.replace("&", ""))
            self.texts[key].setMaximumHeight(70)
            self._row(form, label, self.texts[key])
        self.template.currentIndexChanged.connect(self._update_fields)
        buttons = QDialogButtonBox()
        preview = buttons.addButton("&Preview…", QDialogButtonBox.ButtonRole.ActionRole)
        issue = buttons.addButton("&Issue letter…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        preview.clicked.connect(self.preview)
        issue.clicked.connect(self.issue)
        buttons.rejected.connect(self.reject)
        note = QLabel("Issuing keeps the PDF and logs the letter in the communication log.")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._update_fields()

    @staticmethod
    def _row(form: QFormLayout, label: str, widget: QWidget) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        form.addRow(caption, widget)

    def _update_fields(self) -> None:
        self.advice.setEnabled(self.template.currentData() in ADVICE_LETTERS)

    def choice(self) -> dict:
        extra = {
            k: w.toPlainText().strip() for k, w in self.texts.items() if w.toPlainText().strip()
        }
        advice = self.advice.currentData() if self.advice.isEnabled() else None
        return {"advice_type": advice, "extra": extra}

    def preview(self) -> None:
        name = self.template.currentData()
        try:
            pdf = self.letters.preview(self.case_id, name, **self.choice())
        except USER_ERRORS as exc:
            show_user_error(self, "Letter not ready", exc)
            return
        self.preview_dialog = show_pdf(
            self,
            pdf,
            f"Preview (not issued) — {self.template.currentText()}",
            f"{safe_filename(self.child_name)}-{name}-preview.pdf",
        )

    def issue(self) -> None:
        name = self.template.currentData()
        try:
            comm_id = self.letters.issue(self.case_id, name, **self.choice())
            pdf = self.letters.reprint(comm_id)
        except USER_ERRORS as exc:
            show_user_error(self, "Letter not issued", exc)
            return
        self.issued_communication_id = comm_id
        self.accept()
        show_pdf(
            self.parentWidget(),
            pdf,
            self.template.currentText(),
            f"{safe_filename(self.child_name)}-{name}.pdf",
        )


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
    parent._bulk_job = job  # keep it alive until it reports
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
            self.editor.setPlainText("Title: \nTo: family\n\nDear {{salutation}},\n\n")
            self._new_name = name.strip()
            self.list.clearSelection()
            self.origin.setText(f"New template '{self._new_name}' (not saved yet)")

    def save(self) -> None:
        name = getattr(self, "_new_name", None) or self.current_name()
        if not name:
            return
        if run_action(
            self,
            "Template not saved",
            lambda: self._save(name, self.editor.toPlainText()),
        ):
            self._new_name = None
            self._fill_list(select=name)
