"""Printing from the window: a case's summary, letters (one, a decision's, reprints), and
summaries or letters for many cases at once.

Mixed into MainWindow (ui/main_window.py), whose ctx, tabs and lists these use."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMessageBox,
)

from caseload_app.domain.templates import TemplateInfo
from caseload_app.domain.text import how_many
from caseload_app.files import write_atomically
from caseload_app.ui.dialogs.mail_merge import MailMergeDialog
from caseload_app.ui.dialogs.printing import (
    LetterDialog,
    TemplatesDialog,
    choose_folder,
    run_bulk,
    safe_filename,
    save_word,
    show_pdf,
)
from caseload_app.ui.errors import USER_ERRORS, show_user_error
from caseload_app.ui.window.shell import WindowShell


class PrintingCommands(WindowShell):
    def _target_case(self) -> tuple[int, str] | None:
        """The open case tab, else the first case selected in the list."""
        view = self.current_case()
        if view is not None:
            return view.case_id, view.title()
        chosen = self.selected_cases()
        if chosen:
            return chosen[0]
        QMessageBox.information(self, "No case chosen", "Open a case, or select one in the list.")
        return None

    def subject_access_request(self) -> None:
        """Everything held about the case's child and family, into a new folder inside the
        one chosen, for the data protection officer to review (administrators)."""
        target = self._target_case()
        if target is None:
            return
        case_id, name = target
        parent = QFileDialog.getExistingDirectory(self, "Where to put the request's folder")
        if not parent:
            return
        folder = Path(parent) / f"Subject access request {name} {self.ctx.today():%Y-%m-%d}"
        try:
            done = self.ctx.subject_access().export_for_case(case_id, folder)
        except USER_ERRORS as exc:
            show_user_error(self, "Subject access request", exc)
            return
        QMessageBox.information(
            self,
            "Subject access request",
            f"Written to {done.folder}: {done.cases} case(s), {done.records} records, "
            f"{done.documents} document(s), {done.audit_entries} audit entries. "
            f"{len(done.third_parties)} other people are named (third-parties.txt): review "
            "everything before release.",
        )

    def print_summary(self) -> None:
        target = self._target_case()
        if target is None:
            return
        case_id, name = target
        count, ok = QInputDialog.getInt(
            self, "Case summary", "How many of the latest contacts to include?", 20, 0, 100_000
        )
        if not ok:
            return
        try:
            pdf = self.ctx.printing().case_summary(case_id, count)
        except USER_ERRORS as exc:
            show_user_error(self, "Summary not printed", exc)
            return
        show_pdf(self, pdf, f"Case summary — {name}", f"{safe_filename(name)}-summary.pdf")

    def write_letter(self) -> None:
        target = self._target_case()
        if target is not None:
            self._letter(*target)

    def _letter(self, case_id: int, name: str, template: str | None = None) -> None:
        try:  # the dialog lists the letters for the case's stage: the case may be gone
            dialog = LetterDialog(
                self.ctx.letters(), case_id, name, self, template=template,
                council=self.ctx.team(), format=self.ctx.settings.letter_format,
            )  # fmt: skip
        except USER_ERRORS as exc:
            show_user_error(self, "Letter not written", exc)
            return
        if dialog.exec() and dialog.issued_communication_id:
            self._remember_letter_format(dialog.format.currentData())
            self.cases_changed({case_id})  # the letter is a contact: the family's last one

    def _remember_letter_format(self, format: str) -> None:
        """The format a letter was last issued in is offered first next time."""
        if self.ctx.settings.letter_format != format:
            self.ctx.settings.letter_format = format
            self.ctx.settings_store.save(self.ctx.settings)

    def offer_decision_letter(self, case_id: int, template: str) -> None:
        """A decision was recorded: the family must be told, so offer its letter now."""
        view = self.current_case()
        name = view.title() if view is not None and view.case_id == case_id else ""
        answer = QMessageBox.question(
            self,
            "Tell the family",
            "The decision is recorded. Write the letter that tells the family now?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._letter(case_id, name, template)

    def reprint_letter(self) -> None:
        view = self.current_case()
        comm = view.communications.table.selected() if view is not None else None
        if comm is None or not comm.has_letter:
            QMessageBox.information(
                self, "Reprint letter", "Select an issued letter on a case's Communications tab."
            )
            return
        try:
            files = self.ctx.letters().reprint_files(comm.id)
        except USER_ERRORS as exc:
            show_user_error(self, "Letter not reprinted", exc)
            return
        name = safe_filename(view.title() if view is not None else "letter")
        first = files[0]  # the PDF, when the letter was issued as one
        if first.extension == "pdf":
            show_pdf(self, first.data, comm.summary, f"{name}-letter.pdf")
        else:
            save_word(self, first.data, comm.summary, f"{name}-letter.docx")

    def bulk_summaries(self) -> None:
        cases = self._cases_for_bulk()
        folder = choose_folder(self, "Save the summaries in…") if cases else None
        if folder is None:
            return
        printing = self.ctx.printing()

        def one(case_id: int, name: str) -> None:
            target = folder / f"{safe_filename(name)}-{case_id}-summary.pdf"
            printing.summary_to_file(case_id, target, 20)

        run_bulk(self, "Printing case summaries", cases, one, saved_in=folder)

    def bulk_letters(self) -> None:
        cases = self._cases_for_bulk()
        if not cases:
            return
        letters = self.ctx.letters()
        offered = letter_choices(letters.list_templates())
        if not offered:
            QMessageBox.information(
                self,
                "Letter for selected cases",
                "No letter can go to many cases at once: each one needs something typed for "
                "its case. Write them one at a time (Case → Write letter).",
            )
            return
        label, ok = QInputDialog.getItem(
            self, "Letter for selected cases", "&Letter:", list(offered), 0, False
        )
        folder = choose_folder(self, "Save copies of the letters in…") if ok else None
        if folder is None:
            return
        template = offered[label]

        def one(case_id: int, name: str) -> None:
            issued = letters.issue_letter(case_id, template)
            target = folder / f"{safe_filename(name)}-{case_id}-{template}.pdf"
            write_atomically(target, issued.pdf)

        def finished(problems: list, cancelled: bool) -> None:
            self._bulk_done(problems, cancelled, job.made, folder)

        job = run_bulk(self, f"Issuing letters: {label}", cases, one, on_finished=finished)

    def _bulk_done(self, problems: list, cancelled: bool, made: int, folder: Path) -> None:
        self.refresh()
        text = "Cancelled part-way." if cancelled else "Done."
        letters = how_many(made, "letter", "letters")
        text += f" {letters} issued (kept and logged on each case); copies saved in {folder}."
        if problems:
            text += "\n\nNot done:\n" + "\n".join(problems[:20])
        QMessageBox.information(self, "Letters", text)

    def _cases_for_bulk(self) -> list[tuple[int, str]]:
        cases = self.selected_cases()
        if not cases:
            QMessageBox.information(self, "Bulk printing", "Select cases in a list first.")
        return cases

    def mail_merge(self) -> MailMergeDialog:
        """One letter to many families: chosen by review dates, stage, caseworker or the
        list's selection; issued off the window's thread, with a report."""
        workers = [(w.name, w.id) for w in self._caseworkers]
        dialog = MailMergeDialog(
            self.ctx.mail_merge(),
            letter_choices(self.ctx.letters().list_templates(), to_family=True),
            workers,
            [case_id for case_id, _ in self.selected_cases()],
            me=self.ctx.settings.me_caseworker_id,
            parent=self,
            format=self.ctx.settings.letter_format,
        )
        dialog.issued.connect(lambda done: self.cases_changed(set(done)))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()
        return dialog

    def edit_templates(self) -> None:
        letters = self.ctx.letters()
        TemplatesDialog(letters.templates, self, save=letters.save_template).exec()


def letter_choices(templates: Iterable[TemplateInfo], *, to_family: bool = False) -> dict[str, str]:
    """The letters one can send to many cases at once (usable, nothing to type for each
    case), by plain name; a name two templates share also says which template each is.
    `to_family`: only those addressed to the family (a mail merge's)."""
    usable = [
        t
        for t in templates
        if t.problem is None
        and not set(t.typed) - {"decision_reason"}
        and (t.to == "family" or not to_family)
    ]
    shared = Counter(t.label for t in usable)
    ordered = sorted(usable, key=lambda t: (t.label.casefold(), t.name))
    return {(t.label if shared[t.label] == 1 else f"{t.label} ({t.name})"): t.name for t in ordered}
