"""Who the child is and where the case stands, above the tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
)

from caseload_app.domain.codes import request_date_label
from caseload_app.domain.validators import age_on
from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.dialogs.case_dialogs import plain_label
from caseload_app.ui.models.case_models import (
    RAG_TEXT,
    day,
    days_left_text,
)
from caseload_app.ui.models.rows import RAG_COLOUR


class CaseHeader(QFrame):
    """Who the child is and where the case stands, above the tabs."""

    def __init__(self) -> None:
        super().__init__()
        self.name = plain_label(wrap=False)
        font = QFont(self.name.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.name.setFont(font)
        self.facts = plain_label()
        self.step = plain_label()
        self.rag = plain_label(wrap=False)
        self.note = plain_label()
        for label, name in (
            (self.name, "Child"),
            (self.facts, "Child and case facts"),
            (self.step, "Next statutory step"),
            (self.rag, "Next step RAG"),
            (self.note, "Case note"),
        ):
            label.setAccessibleName(name)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 0, 4, 4)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.facts, 0, 1)
        grid.addWidget(self.rag, 1, 0)
        grid.addWidget(self.step, 1, 1)
        grid.addWidget(self.note, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def load(self, d: CaseDetail) -> None:
        child = d.child
        self.name.setText(f"{child.first_name} {child.last_name}")
        facts = [f"Born {day(child.date_of_birth)} (age {age_on(child.date_of_birth, d.today)})"]
        facts += [x for x in (child.year_group and f"Year {child.year_group}", child.setting) if x]
        facts.append(f"Caseworker: {d.caseworker or 'unassigned'}")
        facts.append(f"{request_date_label(d.request_source)} {day(d.request_received)}")
        self.facts.setText("  ·  ".join(facts))
        self._status(d)

    def _status(self, d: CaseDetail) -> None:
        step, status = d.status.next_step, d.status
        text = f"Stage: {d.stage_label}"
        if step is not None:
            text += f"  ·  Next: {step.label}, due {day(step.due)} ({step.regulation})"
            if status.days_left is not None:
                text += f" — {days_left_text(step.due, d.today)}"
        elif not d.is_open:
            text += "  ·  Case closed"
        self.step.setText(text)
        words = RAG_TEXT.get(status.rag, "") or ("Closed" if not d.is_open else "")
        self.rag.setText(f" {words} " if words else "")
        colour = RAG_COLOUR.get(status.rag)
        self.rag.setStyleSheet(
            f"background: {colour.name()}; color: #1a1a1a; padding: 2px 6px;" if colour else ""
        )
        self.note.setText(status.note or "")
        self.note.setVisible(bool(status.note))
