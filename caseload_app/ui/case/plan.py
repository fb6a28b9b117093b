"""The Plan tab: the EHC plan written in caseload, section by section (A to K), with the
checks a Tribunal would make shown as it is written.

Edits change the plan held here (the tab says "Plan *" until it is saved); **Save plan** is
one service call. Items are added and changed in small dialogs; each section has its notes.
The checks run again after every change (domain.plan_checks: a few milliseconds for a long
plan), so a vague word shows the moment it is typed into a dialog and saved there.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.access import Can
from caseload_app.domain.plan import (
    CONTRIBUTION_WAYS,
    CONTRIBUTORS,
    NEED_SECTIONS,
    PROVISION_SECTIONS,
    SECTIONS,
    Advice,
    Comment,
    Contribution,
    Need,
    Outcome,
    Placement,
    Plan,
    Provision,
)
from caseload_app.domain.plan_checks import Finding
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.plan_audit import AuditState
from caseload_app.services.plans import PlanState
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.case.lazy import ReadWhenShown
from caseload_app.ui.case.plan_audit import AuditDialog
from caseload_app.ui.case.plan_budget import BudgetBox
from caseload_app.ui.dialogs.case_dialogs import (
    CheckList,
    FormDialog,
    button,
    choice_combo,
    line_edit,
    optional_date,
    plain_label,
    text_box,
)
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.widgets.dates import DateEdit

if TYPE_CHECKING:
    from caseload_app.ui.case.view import CaseView

FINDING_COLUMNS = (
    Column("Section", lambda f: f.section + (f" {f.item}" if f.item else "")),
    Column("Finding", lambda f: _finding_text(f), tooltip=lambda f: f.explanation),
    Column("Suggestion", lambda f: f.suggestion, tooltip=lambda f: f.explanation),
    Column("Source", lambda f: f.source),
)


def _finding_text(f: Finding) -> str:
    """The words matched, with the rule's label unless the label is those words already."""
    if not f.words:
        return f.label
    return f"“{f.words}”" if f.label.startswith('"') else f"{f.label}: “{f.words}”"


# The letter that goes with an issued version (resources/templates).
COVER_LETTERS = {"draft": "draft_plan_cover", "final": "final_plan_cover"}
COMMENTS = "comments"  # the page after K: the family's comments on a draft, answered
PAGES = (*SECTIONS, COMMENTS)
RESPONSE_CHOICES = [("(not yet answered)", ""), ("We did", "did"), ("We did not", "did_not")]
RESPONSE_WORDS = {value: text for text, value in RESPONSE_CHOICES}
WHO_WORDS = {
    "child": "Child",
    "young_person": "Young person",
    "parent": "Parent",
    "carer": "Carer",
    "other": "Other",
}


class PlanTab(ReadWhenShown):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.plans = view.work.plans()
        self.audits = view.work.plan_audits()
        self.state: PlanState | None = None
        self.plan = Plan()
        self.dirty = False
        self.status = plain_label()
        self.save_button = button("&Save plan", "Save plan", self.save)
        self.issue_button = button("&Issue…", "Issue this version", self.issue)
        self.word_button = button("&Word…", "Export the plan as Word", lambda: self.export("docx"))
        self.pdf_button = button("&PDF…", "Export the plan as PDF", lambda: self.export("pdf"))
        self.import_button = button("I&mport…", "Import a plan from Word or JSON", self.import_file)
        self.compare_button = button("&Compare…", "Compare two versions of the plan", self.compare)
        self.audit_button = button("A&udit…", "The plan's quality audit", self.open_audit)
        self.audit_status = plain_label()
        self.audit_status.setAccessibleName("Audit status")
        self.sections = QListWidget()
        self.sections.setAccessibleName("Plan sections")
        self.stack = QStackedWidget()
        self.editors: dict[str, _SectionEditor] = {}
        for section in PAGES:
            editor = _SectionEditor(self, section)
            self.editors[section] = editor
            self.stack.addWidget(editor)
            self.sections.addItem(section)
        self.sections.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.findings = RowTable(
            FINDING_COLUMNS,
            "Plan checks",
            stretch="Suggestion",
            key=lambda f: (f.rule, f.section, f.item, f.start),
        )
        self.findings.doubleClicked.connect(lambda _i: self._go_to_finding())
        self._checks = QTimer(self)  # typing in a note: check once it pauses
        self._checks.setSingleShot(True)
        self._checks.setInterval(150)
        self._checks.timeout.connect(self._recheck)
        self._build()

    def _build(self) -> None:
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.sections)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 1000])
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(split)
        vertical.addWidget(self.findings)
        vertical.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.audit_status)
        layout.addLayout(
            button_row(
                self.save_button,
                self.issue_button,
                self.word_button,
                self.pdf_button,
                self.import_button,
                self.compare_button,
                "stretch",
                self.audit_button,
            )
        )
        layout.addWidget(vertical, 1)

    # ------------------------------------------------------------------ loading
    def may_read(self) -> bool:
        """A reload leaves edits not saved yet as they are."""
        return not self.dirty

    def refresh(self) -> None:
        """Read the working copy and the latest audit."""
        self.stale = False
        self.state = self.plans.working(self.view.case_id)
        self._show(self.state.plan, dirty=False)
        self._show_audit()

    def _show_audit(self) -> None:
        latest = self.audits.latest(self.view.case_id)
        self.audit_status.setText(latest.status if latest else "Not audited yet")

    def _show(self, plan: Plan, *, dirty: bool) -> None:
        self.plan, self.dirty = plan, dirty
        for editor in self.editors.values():
            editor.load(plan)
        self._recheck()
        self.view.plan_dirty_changed()

    def change(self, plan: Plan) -> None:
        """An edit made in this tab (not saved yet)."""
        self._show(plan, dirty=True)

    def _recheck(self) -> None:
        state = self.state
        found = state.check(self.plan) if state is not None else ()
        self.findings.load(list(found))
        counts: dict[str, int] = {}
        for f in found:
            counts[f.section] = counts.get(f.section, 0) + 1
        labels = {c.code: c.label for c in codes.ehcp_sections()}
        for row, section in enumerate(SECTIONS):
            n = counts.get(section, 0)
            text = f"{section}  {labels.get(section, '')}" + (f"  ⚠ {n}" if n else "")
            self.sections.item(row).setText(text)
        open_ = sum(1 for f in found if f.rule.startswith("comment_"))
        comments = "The family's comments on the draft" + (f"  ⚠ {open_}" if open_ else "")
        self.sections.item(len(SECTIONS)).setText(comments)
        if self.sections.currentRow() < 0:
            self.sections.setCurrentRow(0)
        if state is not None:
            saved = "working copy" if state.version_id else "working copy, not saved yet"
            self.status.setText(
                f"Version {state.number} · {state.kind_label} · {saved}"
                + (" · changes not saved" if self.dirty else "")
                + f" · {len(found)} check finding(s)"
            )

    def note_typed(self) -> None:
        self._checks.start()

    def _go_to_finding(self) -> None:
        finding: Finding | None = self.findings.selected()
        if finding is None:
            return
        if finding.rule.startswith("comment_"):
            self.sections.setCurrentRow(PAGES.index(COMMENTS))
        elif finding.section in SECTIONS:
            self.sections.setCurrentRow(SECTIONS.index(finding.section))

    # ------------------------------------------------------------------ actions
    def save(self) -> bool:
        state = self.state
        if state is None:
            return False
        saved: list[PlanState] = []

        def call() -> None:
            saved.append(self.plans.save(state.case_id, self.plan, state.version_id, state.version))

        if not ui_errors.run_action(self, "Save plan", call):
            return False
        self.state = saved[0]
        self._show(self.plan, dirty=False)
        self.view.saved()
        return True

    def issue(self) -> None:
        state = self.state
        if state is None:
            return
        if self.dirty or state.version_id is None:
            QMessageBox.information(self, "Issue", "Save the plan before issuing it.")
            return

        def submit(v: dict) -> object:
            return self.plans.issue(state.case_id, state.version_id, state.version, v["on"])  # type: ignore[arg-type]

        dialog = FormDialog(
            f"Issue version {state.number} as the {state.kind_label.lower()}",
            submit,
            self.view,
            intro=_ISSUE_INTRO,
        )
        dialog.add("on", "&Issued on", DateEdit(self.view.detail.today))
        self.view.open_dialog(dialog)  # on Save: the case reloads first…
        letter = COVER_LETTERS.get(state.kind)
        if letter is not None:  # …then the cover letter is offered, as for a stage decision
            case_id = state.case_id
            dialog.accepted.connect(lambda: self.view.decision_recorded.emit(case_id, letter))

    def export(self, fmt: str) -> None:
        state = self.state
        if state is None:
            return
        child = self.view.detail.child
        suggested = f"EHC plan {child.first_name} {child.last_name}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export the plan as {fmt.upper()}", suggested, f"*.{fmt}"
        )
        if not path:
            return
        target = Path(path)

        def call() -> None:
            target.write_bytes(self.plans.export(state.case_id, state.version_id, fmt))

        if self.dirty:
            QMessageBox.information(self, "Export", "The export is of the plan as last saved.")
        ui_errors.run_action(self, "Export the plan", call)

    def import_file(self) -> None:
        state = self.state
        if state is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import a plan", "", "Plans (*.docx *.json)")
        if not path:
            return
        source = Path(path)
        report: list[str] = []

        def call() -> None:
            if source.suffix.lower() == ".json":
                try:
                    text = source.read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError) as exc:
                    raise UserError(f"{source.name} cannot be read ({exc}).") from None
                report.append(self.plans.import_json(state.case_id, text, source.name))
            else:
                report.append(self.plans.import_docx(state.case_id, source, source.name))

        if ui_errors.run_action(self, "Import a plan", call):
            self.dirty = False
            self.refresh()
            self.view.saved()
            QMessageBox.information(self, "Plan imported", report[0])

    def compare(self) -> None:
        versions = self.plans.versions(self.view.case_id)
        if len(versions) < 2:
            QMessageBox.information(self, "Compare", "There is only one version of this plan.")
            return
        self.comparison = CompareDialog(self.plans, versions, self.view)
        self.comparison.open()

    def open_audit(self) -> None:
        """The latest audit (read-only unless under way and this person audits plans), or a
        new one for someone who may audit plans."""
        case_id = self.view.case_id
        may = self.view.work.access().can(Can.QA_PLANS)
        latest = self.audits.latest(case_id)
        if latest is None and not may:
            QMessageBox.information(self, "Audit", "This plan has not been audited yet.")
            return
        if may and (latest is None or latest.outcome is not None):
            if self.dirty:
                QMessageBox.information(self, "Audit", "Save the plan before auditing it.")
                return
            if latest is None or self._start_new(latest.status):
                started: list[AuditState] = []
                if not ui_errors.run_action(
                    self, "Start an audit", lambda: started.append(self.audits.start(case_id))
                ):
                    return
                latest = started[0]
                self._show_audit()
        assert latest is not None
        self.audit = AuditDialog(self.audits, latest, may, self._show_audit, self.view)
        self.audit.setWindowModality(Qt.WindowModality.WindowModal)
        self.audit.open()

    def _start_new(self, last: str) -> bool:
        """Ask whether to start a new audit or look at the last one."""
        box = QMessageBox(QMessageBox.Icon.Question, "Audit", f"Last audit: {last}.", parent=self)
        start = box.addButton("Start a new audit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("See the last one", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is start


class CompareDialog(QDialog):
    """Two versions of the plan side by side in one list: each change with its section and
    item, the words removed struck through in red and those added underlined in green."""

    def __init__(self, plans, versions, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare versions of the plan")
        self.setAccessibleName("Compare versions of the plan")
        self.plans = plans
        choices = [(_version_text(v), v.id) for v in versions]
        self.old, self.new = choice_combo(choices), choice_combo(choices)
        self.old.setAccessibleName("Earlier version")
        self.new.setAccessibleName("Later version")
        self.old.setCurrentIndex(len(choices) - 2)
        self.new.setCurrentIndex(len(choices) - 1)
        self.old.currentIndexChanged.connect(lambda _i: self.show_changes())
        self.new.currentIndexChanged.connect(lambda _i: self.show_changes())
        self.text = QTextBrowser()
        self.text.setAccessibleName("Changes between the versions")
        close = button("C&lose", "Close", self.accept)
        row = QHBoxLayout()
        for label, combo in (("&From", self.old), ("&To", self.new)):
            caption = QLabel(label)
            caption.setBuddy(combo)
            row.addWidget(caption)
            row.addWidget(combo)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        layout.addLayout(button_row("stretch", close))
        self.resize(900, 600)
        self.show_changes()

    def show_changes(self) -> None:
        old, new = self.old.currentData(), self.new.currentData()
        found: list = []

        def call() -> None:
            found.extend(self.plans.compare(old, new))

        if ui_errors.run_action(self, "Compare", call):
            self.changes = found
            self.text.setHtml(changes_html(found))


def changes_html(changes) -> str:
    if not changes:
        return "<p>The two versions say the same.</p>"
    parts = []
    for c in changes:
        where = " · ".join(x for x in (f"Section {c.section}" if c.section else "Not placed",
                                       c.item, c.field.replace("_", " ")) if x)  # fmt: skip
        parts.append(f"<h4>{escape(where)} ({c.kind})</h4><p>{_spans_html(c)}</p>")
    return "".join(parts)


def _spans_html(change) -> str:
    out = []
    for span in change.spans():
        text = escape(span.text).replace("\n", "<br/>")
        if span.kind == "removed":
            out.append(f'<span style="color:#a00000; text-decoration:line-through">{text}</span>')
        elif span.kind == "added":
            out.append(f'<span style="color:#006400; text-decoration:underline">{text}</span>')
        else:
            out.append(text)
    return "".join(out)


def _version_text(v) -> str:
    when = f"issued {v.issued_on.isoformat()}" if v.issued_on else "working copy"
    return f"Version {v.number} · {v.kind_label} · {when}"


_ISSUE_INTRO = (
    "Issuing freezes this version as it was saved: it can be read, printed and compared, "
    "never changed. The next version starts from it."
)


class _SectionEditor(QWidget):
    """One section: its items (a table with Add, Edit, Remove) or its fields, and its notes."""

    def __init__(self, tab: PlanTab, section: str) -> None:
        super().__init__()
        self.tab, self.section = tab, section
        self.table: RowTable | None = None
        layout = QVBoxLayout(self)
        columns = _columns(section)
        if columns is not None:
            self.table = RowTable(
                columns, f"Section {section}", stretch=columns[1].title, key=_item_key
            )
            self.table.doubleClicked.connect(lambda _i: self.edit())
            self.add_button = button("&Add…", f"Add to section {section}", self.add)
            self.edit_button = button(
                "&Edit…", f"Edit the selected item of section {section}", self.edit
            )
            self.remove_button = button(
                "&Remove", f"Remove the selected item of section {section}", self.remove
            )
            layout.addLayout(
                button_row(self.add_button, self.edit_button, self.remove_button, "stretch")
            )
            layout.addWidget(self.table, 1)
        elif section == "I":
            self.school, self.school_type = QLineEdit(), QLineEdit()
            self.school.setAccessibleName("School or college named")
            self.school_type.setAccessibleName("Type of school")
            for label, field in (
                ("School or college named (blank in a draft, s38(5) CFA 2014)", self.school),
                ("Or the type of school", self.school_type),
            ):
                layout.addWidget(plain_label(label))
                layout.addWidget(field)
                field.textEdited.connect(lambda _t: self._placement_typed())
        elif section == "J":
            self.budget_box = BudgetBox()
            self.budget_box.changed.connect(self._budget_facts_typed)
            layout.addWidget(plain_label("For the SEN2 return:"))
            layout.addWidget(self.budget_box)
            self.budget = QPlainTextEdit()
            self.budget.setAccessibleName("Personal budget")
            self.budget.textChanged.connect(self._budget_typed)
            layout.addWidget(plain_label("Personal budget, including direct payments"))
            layout.addWidget(self.budget, 1)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName(f"Notes for section {section}")
        self.notes.setPlaceholderText("Notes for this section (printed above its items)")
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(self._notes_typed)
        if section == COMMENTS:  # the comments are the record itself: no notes of their own
            self.notes.hide()
        else:
            layout.addWidget(self.notes)
        self._loading = False

    def load(self, plan: Plan) -> None:
        self._loading = True
        try:
            if self.table is not None:
                self.table.load(_items(plan, self.section))
            elif self.section == "I":
                _set_text(self.school, plan.placement.name)
                _set_text(self.school_type, plan.placement.kind)
            elif self.section == "J":
                if self.budget_box.value() != plan.budget:
                    self.budget_box.set_value(plan.budget)
                if self.budget.toPlainText() != plan.personal_budget:
                    self.budget.setPlainText(plan.personal_budget)
            note = plan.notes.get(self.section, "")
            if self.section != COMMENTS and self.notes.toPlainText() != note:
                self.notes.setPlainText(note)
        finally:
            self._loading = False

    # --- typing ----------------------------------------------------------------------------
    def _notes_typed(self) -> None:
        if self._loading or self.section == COMMENTS:
            return
        notes = dict(self.tab.plan.notes)
        notes[self.section] = self.notes.toPlainText()
        self._typed(replace(self.tab.plan, notes={k: v for k, v in notes.items() if v}))

    def _placement_typed(self) -> None:
        placement = Placement(self.school.text(), self.school_type.text())
        self._typed(replace(self.tab.plan, placement=placement))

    def _budget_typed(self) -> None:
        if not self._loading:
            self._typed(replace(self.tab.plan, personal_budget=self.budget.toPlainText()))

    def _budget_facts_typed(self) -> None:
        if not self._loading:
            self._typed(replace(self.tab.plan, budget=self.budget_box.value()))

    def _typed(self, plan: Plan) -> None:
        self.tab.plan, first = plan, not self.tab.dirty
        self.tab.dirty = True
        if first:
            self.tab.view.plan_dirty_changed()
        self.tab.note_typed()

    # --- items -----------------------------------------------------------------------------
    def add(self) -> None:
        self._dialog(None)

    def edit(self) -> None:
        item = self.table.selected() if self.table is not None else None
        if item is not None:
            self._dialog(item)

    def remove(self) -> None:
        item = self.table.selected() if self.table is not None else None
        if item is None:
            return
        self.tab.change(_without(self.tab.plan, self.section, item))

    def _dialog(self, item) -> None:
        plan, section = self.tab.plan, self.section
        title = f"{'Edit' if item is not None else 'Add to'} section {section}"

        def submit(v: dict) -> object:
            self.tab.change(_with(plan, section, item, v))
            return None

        dialog = FormDialog(title, submit, self.tab.view)
        _fields(dialog, plan, section, self.tab.view.detail.today)
        if item is not None:
            dialog.form.set_values(_values(item, dialog.form.fields))
        self.tab.view.open_dialog(dialog, reload=False)


def _set_text(edit: QLineEdit, text: str) -> None:
    if edit.text() != text:
        edit.setText(text)


def _item_key(item) -> object:
    return getattr(item, "key", None) or id(item)


# --------------------------------------------------------------------------- per section


def _columns(section: str) -> tuple[Column, ...] | None:
    if section == "A":
        return (
            Column(
                "Who", lambda c: WHO_WORDS.get(c.who, c.who) + (f" ({c.name})" if c.name else "")
            ),
            Column("In their words", lambda c: c.text, tooltip=lambda c: c.text),
            Column("How", lambda c: c.how),
            Column("When", lambda c: c.on.isoformat() if c.on else ""),
        )
    if section in NEED_SECTIONS:
        return (
            Column("", lambda n: n.key),
            Column("Need", lambda n: n.text, tooltip=lambda n: n.text),
        )
    if section == "E":
        return (
            Column("", lambda o: o.key),
            Column("Outcome", lambda o: o.text, tooltip=lambda o: o.text),
            Column("By when", lambda o: o.by_when),
            Column("Adulthood", lambda o: "Yes" if o.adulthood else ""),
        )
    if section in PROVISION_SECTIONS:
        return (
            Column("", lambda p: p.key),
            Column("Provision", lambda p: p.text, tooltip=lambda p: p.text),
            Column("Who", lambda p: p.who),
            Column("How often", lambda p: p.how_often),
            Column("How long", lambda p: p.how_long),
            Column("Group", lambda p: p.group),
            Column("Reviewed by", lambda p: p.reviewed_by),
            Column("Needs", lambda p: ", ".join(p.needs)),
            Column("Outcomes", lambda p: ", ".join(p.outcomes)),
        )
    if section == COMMENTS:
        return (
            Column("Section", lambda c: c.section),
            Column("You said", lambda c: c.said, tooltip=lambda c: c.said),
            Column("By", lambda c: c.by),
            Column("Received", lambda c: c.received.isoformat() if c.received else ""),
            Column("We did / did not", lambda c: RESPONSE_WORDS[c.response]),
            Column("Because", lambda c: c.because, tooltip=lambda c: c.because),
        )
    if section == "K":
        return (
            Column("", lambda a: a.key),
            Column("Advice and information", lambda a: a.title),
            Column("From", lambda a: a.author),
            Column("Dated", lambda a: a.dated.isoformat() if a.dated else ""),
        )
    return None


def _items(plan: Plan, section: str) -> list:
    if section == COMMENTS:
        return list(plan.comments)
    if section == "A":
        return list(plan.contributions)
    if section in NEED_SECTIONS:
        return list(plan.needs_in(section))
    if section == "E":
        return list(plan.outcomes)
    if section in PROVISION_SECTIONS:
        return list(plan.provision_in(section))
    return list(plan.advice)


def _fields(dialog: FormDialog, plan: Plan, section: str, today) -> None:
    if section == COMMENTS:
        dialog.add("section", "&Section it is about", choice_combo([(s, s) for s in SECTIONS]))
        dialog.add("said", "What they &said", text_box(4))
        dialog.add("by", "&By (optional)", line_edit())
        dialog.add("received", "&Received", optional_date(today, today))
        dialog.add("response", "Our &response", choice_combo(RESPONSE_CHOICES))
        dialog.add("because", "Be&cause", text_box(3))
    elif section == "A":
        dialog.add("who", "&Who", choice_combo([(WHO_WORDS[w], w) for w in CONTRIBUTORS]))
        dialog.add("name", "&Name (optional)", line_edit())
        dialog.add("how", "H&ow", choice_combo([(w, w) for w in CONTRIBUTION_WAYS]))
        dialog.add("on", "Wh&en", optional_date(today, today))
        dialog.add("text", "In their own wo&rds", text_box(5))
    elif section in NEED_SECTIONS:
        dialog.add("text", "&Need", text_box(4))
    elif section == "E":
        dialog.add("text", "&Outcome (what the child will achieve)", text_box(3))
        dialog.add("by_when", "&By when", line_edit())
        dialog.add("adulthood", "&Preparing for adulthood", _check_box())
    elif section in PROVISION_SECTIONS:
        dialog.add("text", "&Provision (what is provided)", text_box(3))
        for key, label in (
            ("who", "&Who delivers it"),
            ("how_often", "How &often"),
            ("how_long", "How &long"),
            ("group", "&Group"),
            ("reviewed_by", "&Reviewed by"),
        ):
            dialog.add(key, label, line_edit())
        dialog.add(
            "needs",
            "Meets &needs",
            CheckList([(n.key, f"{n.key} {n.text[:60]}") for n in plan.needs]),
        )
        dialog.add(
            "outcomes",
            "Towards o&utcomes",
            CheckList([(o.key, f"{o.key} {o.text[:60]}") for o in plan.outcomes]),
        )
        dialog.add(
            "advice",
            "Follows &advice",
            CheckList([(a.key, f"{a.key} {a.title[:60]}") for a in plan.advice]),
        )
    else:
        dialog.add("title", "&Advice or information", line_edit())
        dialog.add("author", "&From", line_edit())
        dialog.add("dated", "&Dated", optional_date(None, today))


def _check_box():
    from PySide6.QtWidgets import QCheckBox

    return QCheckBox()


def _values(item, fields) -> dict[str, object]:
    """The item's values for the dialog's fields (a need's key and section are not asked)."""
    return {k: getattr(item, k) for k in item.__slots__ if k in fields}


def _next_key(prefix: str, keys) -> str:
    taken = set(keys)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _with(plan: Plan, section: str, old, v: dict) -> Plan:
    """The plan with the dialog's item added (old None) or put in place of ``old``."""
    text_field = {"K": "title", COMMENTS: "said"}.get(section, "text")
    if not str(v.get(text_field, "")).strip():
        raise FieldErrors({text_field: "Write something, or Cancel."})
    if section == COMMENTS:
        new_c = Comment(
            str(v["section"]),
            str(v["said"]),
            str(v["by"]),
            v.get("received"),  # type: ignore[arg-type]
            str(v["response"]),
            str(v["because"]),
        )
        return replace(plan, comments=_put(plan.comments, old, new_c))
    if section == "A":
        new = Contribution(
            str(v["who"]), str(v["text"]), str(v["how"]), v.get("on"), str(v["name"])
        )  # type: ignore[arg-type]
        return replace(plan, contributions=_put(plan.contributions, old, new))
    if section in NEED_SECTIONS:
        key = old.key if old else _next_key("N", (n.key for n in plan.needs))
        return replace(plan, needs=_put(plan.needs, old, Need(key, section, str(v["text"]))))
    if section == "E":
        key = old.key if old else _next_key("O", (o.key for o in plan.outcomes))
        new_o = Outcome(key, str(v["text"]), str(v["by_when"]), bool(v["adulthood"]))
        return replace(plan, outcomes=_put(plan.outcomes, old, new_o))
    if section in PROVISION_SECTIONS:
        key = old.key if old else _next_key("P", (p.key for p in plan.provision))
        new_p = Provision(
            key,
            section,
            str(v["text"]),
            str(v["who"]),
            str(v["how_often"]),
            str(v["how_long"]),
            str(v["group"]),
            str(v["reviewed_by"]),
            tuple(v["needs"]),
            tuple(v["outcomes"]),
            tuple(v["advice"]),
        )  # type: ignore[arg-type]
        return replace(plan, provision=_put(plan.provision, old, new_p))
    key = old.key if old else _next_key("K", (a.key for a in plan.advice))
    new_a = Advice(key, str(v["title"]), str(v["author"]), v.get("dated"))  # type: ignore[arg-type]
    return replace(plan, advice=_put(plan.advice, old, new_a))


def _put(items: tuple, old, new) -> tuple:
    if old is None:
        return (*items, new)
    return tuple(new if x is old else x for x in items)


def _without(plan: Plan, section: str, item) -> Plan:
    """The plan without ``item``; links to a removed need, outcome or advice go with it."""
    if section == "A":
        return replace(plan, contributions=tuple(c for c in plan.contributions if c is not item))
    if section == COMMENTS:
        return replace(plan, comments=tuple(c for c in plan.comments if c is not item))
    key = item.key
    unlinked = tuple(
        replace(
            p,
            needs=tuple(k for k in p.needs if k != key),
            outcomes=tuple(k for k in p.outcomes if k != key),
            advice=tuple(k for k in p.advice if k != key),
        )
        for p in plan.provision
        if p is not item
    )
    return replace(
        plan,
        needs=tuple(n for n in plan.needs if n is not item),
        outcomes=tuple(o for o in plan.outcomes if o is not item),
        advice=tuple(a for a in plan.advice if a is not item),
        provision=unlinked,
    )
