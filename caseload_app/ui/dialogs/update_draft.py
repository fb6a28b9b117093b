"""Draft an update for a family (issue 25): the update caseload drafted from the case, for the
caseworker to read and edit, then send by e-mail or issue as a letter in one click; either is
logged on the case. What is still in [square brackets] is for the caseworker to write: it is
marked, and nothing goes while any is left."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes, updates
from caseload_app.domain.email_message import SUBJECT_LIMIT
from caseload_app.domain.templates import salutation
from caseload_app.services.errors import UserError
from caseload_app.services.keep_in_touch import KeepInTouchService, UpdateDraft
from caseload_app.services.letters import IssuedLetter, LetterService
from caseload_app.services.mail import MailService, OutboxInfo, Outgoing
from caseload_app.services.mail_settings import MailSettings, saved_password
from caseload_app.services.settings import TeamSettingsService
from caseload_app.ui import crash
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import ERROR_STYLE, buddy, plain_label
from caseload_app.ui.dialogs.export_dialogs import save_as
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.dialogs.printing import safe_filename, show_pdf, with_council
from caseload_app.ui.worker import Job, run_in_background

LETTER_TEMPLATE = "generic"  # "Letter to the family (write your own)": {{subject}}, {{message}}
NOTE_STYLE = "background: #fbe6b8; color: #1a1a1a; padding: 4px;"
DONE_STYLE = "background: #d5ecd4; color: #1a1a1a; padding: 4px;"
TROUBLE_STYLE = "background: #f8d0d0; color: #1a1a1a; padding: 4px;"


def channel_label(code: str) -> str:
    return codes.label_or_code(codes.channels(), code) or code


class BracketHighlighter(QSyntaxHighlighter):
    """Marks each [bracketed] gap left for the caseworker, as they type."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.mark = QTextCharFormat()
        self.mark.setBackground(QColor("#ffe14d"))
        self.mark.setForeground(QColor("#1a1a1a"))
        self.mark.setFontWeight(QFont.Weight.Bold)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        for found in updates.TO_FILL.finditer(text):
            self.setFormat(found.start(), found.end() - found.start(), self.mark)


class UpdateDraftDialog(FieldsFirst, QDialog):
    """One family's update: To, how they like to hear and their language; the subject and
    message to edit; then Send by e-mail (or save a draft for Outlook, where the council
    allows no SMTP) or Issue as a letter."""

    told = Signal(int)  # case_id: a letter issued, or an e-mail sent or kept in the outbox

    def __init__(
        self,
        keep: KeepInTouchService,
        mail: MailService,
        letters: LetterService,
        case_id: int,
        child_name: str,
        parent: QWidget | None = None,
        *,
        council: TeamSettingsService | None = None,
    ) -> None:
        super().__init__(parent)
        self.mail, self.letters, self.council = mail, letters, council
        self.case_id, self.child_name = case_id, child_name
        self.made: UpdateDraft = keep.draft(case_id)  # audited as a look at the case
        self.settings: MailSettings = mail.settings()
        self.token = uuid.uuid4().hex  # one e-mail per dialog, however often Send is pressed
        self._job: Job | None = None
        self.outcome: OutboxInfo | None = None  # the e-mail, once sent or kept
        self.issued: IssuedLetter | None = None
        self.setWindowTitle(f"Update for the family — {child_name}")
        self._build()
        self._show_left()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        made = self.made
        self.to = plain_label(self._to_text())
        self.to.setAccessibleName("To")
        self.channel = plain_label(channel_label(made.channel))
        self.channel.setAccessibleName("How they like to hear")
        self.language = plain_label(made.note or "No language need recorded")
        self.language.setAccessibleName("Language")
        if made.note:
            self.language.setStyleSheet(NOTE_STYLE)
        self.subject = QLineEdit(made.draft.subject)
        self.subject.setMaxLength(SUBJECT_LIMIT)
        self.subject.setAccessibleName("Subject")
        self.message = QPlainTextEdit(made.draft.message)
        self.message.setAccessibleName("Message")
        self.message.setTabChangesFocus(True)
        self.message.setMinimumHeight(280)
        self.highlighter = BracketHighlighter(self.message.document())
        self.message.textChanged.connect(self._show_left)
        self.subject.textChanged.connect(self._show_left)
        self.left = plain_label()
        self.left.setAccessibleName("Still to write in")
        greeting = salutation(made.name) or "parent or carer"
        hint = plain_label(
            f"The letter or e-mail begins “Dear {greeting},” and ends with the signing-off: "
            "write only the message. Words in [square brackets] are yours to write."
        )
        self.how = plain_label(self._how_text())
        self.how.setAccessibleName("How it can go")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no steps to count: the mail server answers or not
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = plain_label()
        self.status.setAccessibleName("What happened")
        self.status.hide()
        form = QFormLayout()
        form.addRow("To:", self.to)
        form.addRow("How they like to hear:", self.channel)
        form.addRow("Language:", self.language)
        form.addRow(buddy("S&ubject:", self.subject), self.subject)
        form.addRow(buddy("&Message:", self.message), self.message)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for widget in (self.left, hint, self.how, self.busy, self.status):
            layout.addWidget(widget)
        layout.addWidget(self._buttons())
        self.resize(760, 640)

    def _buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole.ActionRole  # Ctrl+Enter sends nothing by accident
        self.email_button = self._add(box, "Send by &e-mail", "Send by e-mail", self.send_email)
        self.draft_button = self._add(
            box, "Save as .e&ml draft…", "Save as an e-mail draft for Outlook", self.save_draft
        )
        self.letter_button = self._add(box, "Issue as a &letter", "Issue as a letter", self.issue)
        self.close_button = box.addButton(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        for b in (self.email_button, self.draft_button, self.letter_button):
            box.addButton(b, role)
        mode, email = self.settings.mode, bool(self.made.email)
        self.email_button.setVisible(mode != "drafts")
        self.email_button.setEnabled(mode == "smtp" and email)
        self.draft_button.setVisible(mode == "drafts")
        self.draft_button.setEnabled(email)
        return box

    @staticmethod
    def _add(box: QDialogButtonBox, text: str, accessible: str, slot) -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(accessible)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    def _to_text(self) -> str:
        made = self.made
        name = made.name or "the parent or carer"
        if made.email:
            return f"{name} <{made.email}>"
        return f"{name} (no e-mail address on record)"

    def _how_text(self) -> str:
        """Why the e-mail button is or is not there: the family's address, the team's settings."""
        mode = self.settings.mode
        if not self.made.email:
            return (
                "The family has no e-mail address on record: issue the update as a letter, or "
                "add their address on the case's Overview tab first."
            )
        if mode == "smtp":
            how = self.settings.describe()  # "Through host:port (STARTTLS), signed in as …"
            return f"E-mail goes {how[:1].lower()}{how[1:]}."
        if mode == "drafts":
            return (
                "This team saves e-mails as drafts for Outlook (the council allows no SMTP): "
                "save it as a draft, open it in Outlook and send it from there."
            )
        return (
            "E-mail is not set up for this team (an administrator sets it up: caseload mail "
            "settings): issue the update as a letter."
        )

    def start_field(self) -> QWidget | None:
        """The first gap to write in, if any; else the subject."""
        if self._select_first_gap():
            return self.message
        return self.subject

    # ------------------------------------------------------------------ the gaps
    def texts(self) -> tuple[str, str]:
        """The subject (one line) and the message, as edited."""
        return " ".join(self.subject.text().split()), self.message.toPlainText().strip()

    def unfilled(self) -> list[str]:
        return updates.unfilled(*self.texts())

    def _show_left(self) -> None:
        left = self.unfilled()
        if left:
            self.left.setText("Still to write in: " + ", ".join(left))
            self.left.setStyleSheet(ERROR_STYLE)
        else:
            self.left.setText("Nothing is left in square brackets.")
            self.left.setStyleSheet("")

    def _select_first_gap(self) -> bool:
        found = updates.TO_FILL.search(self.message.toPlainText())
        if found is None:
            return False
        cursor = self.message.textCursor()
        cursor.setPosition(found.start())
        cursor.setPosition(found.end(), cursor.MoveMode.KeepAnchor)
        self.message.setTextCursor(cursor)
        return True

    def ready(self, title: str) -> tuple[str, str] | None:
        """The subject and message, when they may go; else None, and the person is told
        what is missing (every bracketed gap by its words)."""
        subject, message = self.texts()
        problem = ""
        if left := self.unfilled():
            problem = (
                f"Write in what is still in square brackets: {', '.join(left)}. Replace each "
                "with your own words; nothing has been sent."
            )
        elif not subject:
            problem = "Give the update a subject."
        elif not message:
            problem = "Write the message."
        if not problem:
            return subject, message
        ui_errors.show_user_error(self, title, UserError(problem))
        if self._select_first_gap():
            self.message.setFocus()
        return None

    # ------------------------------------------------------------------ e-mail
    def outgoing(self, subject: str, message: str) -> Outgoing:
        greeting = salutation(self.made.name)
        body = updates.email_text(greeting, message, self.settings.from_name)
        return Outgoing(self.case_id, subject=subject, body=body)

    def send_email(self) -> None:
        texts = self.ready("Not sent")
        if texts is None or self.sending():
            return
        given, typed = self._password()
        if not given:
            return
        out, mail, token = self.outgoing(*texts), self.mail, self.token
        self._set_busy(f"Sending to {self.made.email}… (the mail server may take up to "
                       f"{mail.timeout:.0f} seconds to answer)")  # fmt: skip
        # Bound methods, not lambdas, to report back: Qt drops them if the dialog is gone.
        self._job = run_in_background(
            lambda: mail.send(out, token=token, password=typed), self._sent, self._not_sent
        )

    def _password(self) -> tuple[bool, str | None]:
        """(whether to go on, the password typed): typed when this computer's keyring keeps
        none (used for this e-mail only); None when none is needed or the keyring has it."""
        settings = self.mail.settings()
        if not settings.username or saved_password(settings) is not None:
            return True, None
        typed, ok = QInputDialog.getText(
            self,
            "Mail server password",
            f"The password for {settings.username} on {settings.where} (used for this e-mail "
            "only; caseload mail password keeps it on this computer):",
            QLineEdit.EchoMode.Password,
        )
        return bool(ok and typed), typed or None

    def _sent(self, info: OutboxInfo) -> None:
        self._job = None
        self.outcome = info
        if info.status == "sent":
            text, style = (
                f"Sent to {info.to}. It is logged on the case's Communications tab and kept "
                "on its file.",
                DONE_STYLE,
            )
        elif info.status in ("queued", "retry"):  # the server could not take it just now
            text, style = (
                f"Kept in the outbox. {info.state} (caseload mail send-due sends it then.)",
                NOTE_STYLE,
            )
        else:  # refused, or it may have gone: a person looks (the service says what to do)
            where = f"It is e-mail {info.id} in the outbox (caseload mail outbox)."
            text, style = f"{info.state} {where}", TROUBLE_STYLE
        self._finish(text, style)
        self.told.emit(self.case_id)

    def _not_sent(self, exc: Exception, _details: str) -> None:
        self._job = None
        self._set_busy("")
        if not isinstance(exc, ui_errors.USER_ERRORS):
            crash.report(exc, self)
            return
        self.status.setText(f"Not sent: {exc}")
        self.status.setStyleSheet(TROUBLE_STYLE)
        self.status.show()
        ui_errors.show_user_error(self, "Not sent", exc)

    def save_draft(self) -> None:
        texts = self.ready("Draft not saved")
        if texts is None:
            return
        path = save_as(
            self,
            "Save the e-mail as a draft for Outlook",
            f"{safe_filename(self.child_name)}-update.eml",
            ("E-mail drafts", ".eml"),
        )
        if path is None:
            return
        out, kept = self.outgoing(*texts), []
        if ui_errors.run_action(
            self, "Draft not saved", lambda: kept.append(self.mail.save_draft(out, Path(path)))
        ):
            info = self.outcome = kept[0]
            self._finish(
                f"Saved as {path}. Open it in Outlook and send it; then mark it sent (caseload "
                f"mail mark-sent {info.id}), which logs it on the case.",
                DONE_STYLE,
            )
            self.told.emit(self.case_id)

    # ------------------------------------------------------------------ a letter
    def issue(self) -> None:
        texts = self.ready("Letter not issued")
        if texts is None or self.sending():
            return
        subject, message = texts
        extra = {"subject": subject, "message": message}
        issued = with_council(
            self,
            self.council,
            "Letter not issued",
            lambda: self.letters.issue_letter(self.case_id, LETTER_TEMPLATE, extra=extra),
        )
        if issued is None:
            return
        self.issued = issued
        self.told.emit(self.case_id)
        self.accept()
        show_pdf(
            self.parentWidget() or self,
            issued.pdf,
            f"{subject} — {self.child_name}",
            f"{safe_filename(self.child_name)}-update.pdf",
        )

    # ------------------------------------------------------------------ state
    def _set_busy(self, text: str) -> None:
        """While the e-mail is being sent: nothing to press or edit, and why."""
        sending = bool(text)
        self.busy.setVisible(sending)
        self.status.setVisible(sending)
        self.status.setText(text)
        self.status.setStyleSheet("")
        for widget in (self.email_button, self.draft_button, self.letter_button):
            widget.setEnabled(not sending and self._may(widget))
        self.close_button.setEnabled(not sending)
        self.subject.setReadOnly(sending)
        self.message.setReadOnly(sending)

    def _may(self, widget: QPushButton) -> bool:
        if widget is self.email_button:
            return self.settings.mode == "smtp" and bool(self.made.email)
        if widget is self.draft_button:
            return bool(self.made.email)
        return True

    def _finish(self, text: str, style: str) -> None:
        """The update has gone (or is in the outbox): say so, and leave only Close."""
        self._set_busy("")
        self.status.setText(text)
        self.status.setStyleSheet(style)
        self.status.show()
        for widget in (self.email_button, self.draft_button, self.letter_button):
            widget.setEnabled(False)
        self.subject.setReadOnly(True)
        self.message.setReadOnly(True)
        self.close_button.setFocus()

    def sending(self) -> bool:
        return self._job is not None

    def reject(self) -> None:
        if self.sending():  # the answer is on its way: it must be shown, and recorded
            return
        super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self.sending():
            event.ignore()
            return
        super().closeEvent(event)
