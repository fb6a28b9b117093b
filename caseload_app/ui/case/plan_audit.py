"""The plan's quality audit, in a dialog opened from the Plan tab: the checklist with a score
and a note per item (pre-filled by the automated checks, marked so), a comment per section,
the score as it stands, and Save / Send back for rework / Sign off / Withdraw.

A caseworker, or anyone once the audit is decided, sees the same dialog read-only: the
comments are what the rework is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.plan_audit import ALL, AUDIT_SECTIONS, SCORE_LABELS, ItemScore
from caseload_app.services.plan_audit import AuditState, PlanAuditService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import button, plain_label
from caseload_app.ui.widgets.blocks import button_row

SCORE_CHOICES = [("(not scored)", None), *((text, key) for key, text in SCORE_LABELS.items())]
ITEM_COLUMNS = ("Section", "Question", "Score", "Note")
NOTE = ITEM_COLUMNS.index("Note")


def section_name(section: str) -> str:
    if section == ALL:
        return "Whole plan"
    labels = {c.code: c.label for c in codes.ehcp_sections()}
    return f"{section}  {labels.get(section, '')}".strip()


class AuditDialog(QDialog):
    """One audit of the plan: editable while under way for someone who may audit plans."""

    def __init__(
        self,
        audits: PlanAuditService,
        state: AuditState,
        editable: bool,
        on_change: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.audits, self.state, self._on_change = audits, state, on_change
        self.editable = editable and state.outcome is None
        self.setWindowTitle(f"Audit of plan version {state.plan_number}")
        self.resize(1100, 720)
        self.status = plain_label()
        self.score = QLabel()
        self.score.setAccessibleName("Audit score")
        self.items = QTableWidget(0, len(ITEM_COLUMNS))
        self.items.setAccessibleName("Checklist items")
        self.comments = QTableWidget(len(AUDIT_SECTIONS), 2)
        self.comments.setAccessibleName("Comments per section")
        self.save_button = button("&Save", "Save the audit", self.save)
        self.rework_button = button(
            "Send back for &rework", "Send the plan back for rework", lambda: self.decide("rework")
        )
        self.sign_button = button(
            "Sign &off", "Sign the plan off", lambda: self.decide("signed_off")
        )
        self.withdraw_button = button("&Withdraw", "Withdraw this audit", self.withdraw)
        self.close_button = button("&Close", "Close", self.reject)
        self._build()
        self._show(state)

    def _build(self) -> None:
        self.items.setHorizontalHeaderLabels(ITEM_COLUMNS)
        self.items.verticalHeader().hide()
        self.items.setWordWrap(True)
        header = self.items.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NOTE, QHeaderView.ResizeMode.Stretch)
        self.comments.setHorizontalHeaderLabels(("Section", "Comment"))
        self.comments.verticalHeader().hide()
        self.comments.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.items)
        split.addWidget(self.comments)
        split.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.score)
        layout.addWidget(split, 1)
        layout.addLayout(
            button_row(
                self.save_button,
                self.rework_button,
                self.sign_button,
                self.withdraw_button,
                "stretch",
                self.close_button,
            )
        )
        for b in (self.save_button, self.rework_button, self.sign_button, self.withdraw_button):
            b.setVisible(self.editable)

    def _show(self, state: AuditState) -> None:
        self.state = state
        self.status.setText(
            state.status + (f" · caseworker {state.caseworker}" if state.caseworker else "")
        )
        self.items.setRowCount(len(state.items))
        for row, item in enumerate(state.items):
            self._put(row, 0, section_name(item.section))
            self._put(row, 1, item.question)
            combo = QComboBox()
            for text, value in SCORE_CHOICES:
                combo.addItem(text, value)
            combo.setCurrentIndex(combo.findData(item.score) if item.score else 0)
            combo.setEnabled(self.editable)
            combo.setAccessibleName(f"Score: {item.question}")
            if item.prefilled:
                combo.setToolTip("Filled in from the automated checks: change it if you disagree.")
            combo.currentIndexChanged.connect(lambda _i: self._rescore())
            self.items.setCellWidget(row, 2, combo)
            self._put(row, NOTE, item.note, editable=self.editable)
        for row, section in enumerate(AUDIT_SECTIONS):
            self._put(row, 0, section_name(section), table=self.comments)
            text = state.comments.get(section, "")
            self._put(row, 1, text, editable=self.editable, table=self.comments)
        self.items.resizeColumnToContents(0)
        self.items.resizeColumnToContents(2)
        self.items.resizeRowsToContents()
        self.comments.resizeColumnToContents(0)
        self._rescore()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.items.resizeRowsToContents()  # the questions wrap at the width now known

    def _put(self, row: int, col: int, text: str, *, editable=False, table=None) -> None:
        cell = QTableWidgetItem(text)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        cell.setFlags(flags | Qt.ItemFlag.ItemIsEditable if editable else flags)
        (table or self.items).setItem(row, col, cell)

    # ------------------------------------------------------------------ what is on screen
    def scored_items(self) -> list[ItemScore]:
        out = []
        for row, item in enumerate(self.state.items):
            combo = self.items.cellWidget(row, 2)
            assert isinstance(combo, QComboBox)
            note = self.items.item(row, NOTE)
            out.append(replace(item, score=combo.currentData(), note=note.text() if note else ""))
        return out

    def section_comments(self) -> dict[str, str]:
        out = {}
        for row, section in enumerate(AUDIT_SECTIONS):
            cell = self.comments.item(row, 1)
            if cell is not None and cell.text().strip():
                out[section] = cell.text()
        return out

    def set_score(self, key: str, score: str | None) -> None:
        """Choose an item's score (as a person would in its list)."""
        row = [i.key for i in self.state.items].index(key)
        combo = self.items.cellWidget(row, 2)
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(score) if score else 0)

    def set_comment(self, section: str, text: str) -> None:
        self.comments.item(AUDIT_SECTIONS.index(section), 1).setText(text)

    def _rescore(self) -> None:
        shown = replace(self.state, items=tuple(self.scored_items()))
        total = shown.percent
        parts = " · ".join(f"{s} {p}%" for s, p in shown.section_percents.items())
        missing = sum(1 for i in shown.items if i.score is None)
        self.score.setText(
            f"Score {total if total is not None else '–'}%"
            + (f"  ({parts})" if parts else "")
            + (f" · {missing} item(s) not scored" if missing else "")
        )

    # ------------------------------------------------------------------ actions
    def save(self) -> bool:
        saved: list[AuditState] = []
        s = self.state

        def call() -> None:
            items, notes = self.scored_items(), self.section_comments()
            saved.append(self.audits.save(s.id, s.version, items, notes))

        if not ui_errors.run_action(self, "Save the audit", call):
            return False
        self._show(saved[0])
        self._on_change()
        return True

    def decide(self, outcome: str) -> None:
        decided: list[AuditState] = []
        s = self.state

        def call() -> None:
            items, notes = self.scored_items(), self.section_comments()
            decided.append(self.audits.decide(s.id, s.version, items, notes, outcome))

        if ui_errors.run_action(self, "Decide the audit", call):
            self.state = decided[0]
            self._on_change()
            self.accept()

    def withdraw(self) -> None:
        answer = QMessageBox.question(
            self, "Withdraw the audit", "Withdraw this audit? Its scores and comments go."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        s = self.state
        if ui_errors.run_action(
            self, "Withdraw the audit", lambda: self.audits.withdraw(s.id, s.version)
        ):
            self._on_change()
            self.accept()
