"""Plan quality: the team's plan audits for a month — how many, signed off or sent back, the
average score by section and by caseworker over the last six months, the commonest failures,
and each audit (double-click opens its case); the council's checklist exported, replaced from
a CSV, or put back to the shipped one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.plan_audit import QaFigures, WorkerQa, month_starts
from caseload_app.domain.text import how_many
from caseload_app.services.errors import UserError
from caseload_app.services.plan_audit import OUTCOMES, PlanAuditService
from caseload_app.ui.case.plan_audit import section_name
from caseload_app.ui.dialogs.case_dialogs import buddy, button, plain_label
from caseload_app.ui.errors import run_action
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable

MONTHS_SHOWN = 6  # each caseworker's average, month by month
MONTHS_OFFERED = 24  # how far back the month list goes

SECTION_COLUMNS = (
    Column("Section", lambda r: section_name(r[0])),
    Column("Average score", lambda r: f"{r[1]}%"),
)
FAILURE_COLUMNS = (
    Column("Section", lambda f: section_name(f.section)),
    Column("Checklist item", lambda f: f.question),
    Column("Not met or partly", lambda f: f"{f.count} of {f.of}"),
)
AUDIT_COLUMNS = (
    Column("Decided", lambda r: format_date(r.decided_on), lambda r: r.decided_on),
    Column("Child", lambda r: r.child_name),
    Column("Caseworker", lambda r: r.caseworker or "Unallocated"),
    Column("Audited by", lambda r: r.auditor),
    Column("Outcome", lambda r: OUTCOMES.get(r.outcome, r.outcome)),
    Column("Score", lambda r: f"{r.score}%" if r.score is not None else "–"),
)


def _percent(value: int | None) -> str:
    return f"{value}%" if value is not None else "–"


def _month_cell(n: int) -> Callable[[WorkerQa], str]:
    return lambda w: _percent(w.monthly[n])


def worker_columns(fig: QaFigures) -> tuple[Column, ...]:
    months = tuple(Column(f"{first:%b %Y}", _month_cell(n)) for n, first in enumerate(fig.months))
    return (
        Column("Caseworker", lambda w: w.caseworker or "Unallocated"),
        Column("Audited", lambda w: str(w.audited)),
        Column("Average", lambda w: _percent(w.average)),
        *months,
    )


class QaView(QWidget):
    open_case = Signal(int)

    def __init__(self, service: PlanAuditService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.figures: QaFigures | None = None
        self.month = QComboBox()
        self.month.setAccessibleName("Month")
        today = service.today()
        for first in reversed(month_starts(today, MONTHS_OFFERED)):
            self.month.addItem(f"{first:%B %Y}", first)
        self.month.currentIndexChanged.connect(lambda _i: self.refresh())
        self.headline = plain_label()
        self.headline.setAccessibleName("Plan quality headline")
        self.sections = RowTable(
            SECTION_COLUMNS, "Scores by section", stretch="Section", key=lambda r: r[0]
        )
        self.failures = RowTable(
            FAILURE_COLUMNS,
            "Commonest failures",
            stretch="Checklist item",
            key=lambda f: f.question,
        )
        self.workers = RowTable((), "Scores by caseworker", key=lambda w: w.caseworker)
        self.audits = RowTable(AUDIT_COLUMNS, "Audits this month", sortable=True)
        self.audits.doubleClicked.connect(self._open)
        self.export_button = button("&Export checklist…", "Export the checklist", self.export)
        self.import_button = button("&Import checklist…", "Import a checklist", self.import_csv)
        self.reset_button = button("&Reset checklist", "Put back the shipped checklist", self.reset)
        self._build()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(buddy("&Month:", self.month))
        top.addWidget(self.month)
        top.addStretch(1)
        for b in (self.export_button, self.import_button, self.reset_button):
            top.addWidget(b)
        grid = QGridLayout()
        for col, (title, table) in enumerate(
            (("By section", self.sections), ("Commonest failures", self.failures))
        ):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
            grid.addWidget(table, 1, col)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addLayout(grid, 2)
        layout.addWidget(QLabel(f"<b>By caseworker, the last {MONTHS_SHOWN} months</b>"))
        layout.addWidget(self.workers, 2)
        layout.addWidget(QLabel("<b>The month's audits</b> (double-click to open the case)"))
        layout.addWidget(self.audits, 2)

    def refresh(self) -> None:
        first: date = self.month.currentData()
        last = _month_end(first)
        found: list[QaFigures] = []
        if not run_action(
            self, "Plan quality", lambda: found.append(self.service.figures(first, last))
        ):
            return
        fig = self.figures = found[0]
        self.headline.setText(
            f"{first:%B %Y}: {how_many(fig.audited, 'plan audited', 'plans audited')}"
            f" — {fig.signed_off} signed off, {fig.sent_back} sent back for rework"
            f" · average score {_percent(fig.average)}"
        )
        self.sections.load(list(fig.by_section.items()))
        self.failures.load(list(fig.failures))
        self.workers.load(list(fig.by_worker), worker_columns(fig))
        self.audits.load(list(fig.rows))

    def _open(self, index) -> None:
        self.open_case.emit(self.audits.rows_model.row_at(index.row()).case_id)

    # ------------------------------------------------------------------ the checklist
    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the checklist", "plan QA checklist.csv", "*.csv"
        )
        if path:
            target = Path(path)
            run_action(
                self,
                "Export the checklist",
                lambda: _write(target, self.service.checklist_csv()),
            )

    def import_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a checklist", "", "*.csv")
        if not path:
            return
        source = Path(path)
        done: list[int] = []

        def call() -> None:
            try:
                text = source.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"{source.name} cannot be read ({exc}).") from None
            done.append(len(self.service.set_checklist(text, source.name)))

        if run_action(self, "Import the checklist", call):
            QMessageBox.information(
                self,
                "Checklist",
                f"{how_many(done[0], 'item', 'items')} in the checklist: new audits use it.",
            )

    def reset(self) -> None:
        if run_action(self, "Reset the checklist", self.service.reset_checklist):
            QMessageBox.information(self, "Checklist", "New audits use the shipped checklist.")


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path.name} cannot be written ({exc}).") from None
