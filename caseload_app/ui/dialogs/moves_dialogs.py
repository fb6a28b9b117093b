"""After cases change caseworker (a rebalance or a reassignment): what moved, with undo,
handover packs and letters to families; and the moves of the past, kept in the database,
so a batch can still be undone after the app was closed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import how_many
from caseload_app.files import write_atomically
from caseload_app.services.handover import HandoverService
from caseload_app.services.letters import LetterService
from caseload_app.services.team import MoveBatch, MovedCaseInfo, TeamService, batch_kind
from caseload_app.ui.dialogs.printing import choose_folder, run_bulk, safe_filename
from caseload_app.ui.errors import run_action
from caseload_app.ui.widgets.blocks import read_only_table


def next_step_text(step: str, due) -> str:
    """ "Draft plan due Tue 8 Dec 2026", or "" when nothing is due."""
    if not step:
        return ""
    return f"{step} due {format_date(due)}" if due else step


def confirm_undo(parent: QWidget, cases: int) -> bool:
    """Putting many cases back is as big a change as moving them: ask first."""
    if cases <= 1:
        return True
    answer = QMessageBox.question(
        parent,
        "Undo these moves?",
        f"Put {how_many(cases, 'case', 'cases')} back with the caseworkers they came from? "
        "Each family is told nothing automatically; the undo is recorded in every case's "
        "history.",
    )
    return answer == QMessageBox.StandardButton.Yes


def fit_columns(table: QTableWidget, widest: int = 320) -> None:
    """Columns fit their text, none wider than ``widest`` (tooltips show the rest); the last
    takes the spare width."""
    table.resizeColumnsToContents()
    for column in range(table.columnCount() - 1):
        table.setColumnWidth(column, min(table.columnWidth(column), widest))
    table.horizontalHeader().setStretchLastSection(True)


def _fill(table: QTableWidget, headers: list[str], rows: list[list[str]]) -> None:
    table.clear()
    table.setRowCount(len(rows))
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    fit_columns(table)


def _table(name: str) -> QTableWidget:
    table = QTableWidget()
    read_only_table(table, name)
    return table


def _close_and(dialog: QDialog, actions: list[tuple[str, Callable[[], None]]]) -> QDialogButtonBox:
    """Close, and a button for each action; none of them a default that Enter would press."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    for text, slot in actions:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    return buttons


class MovesDone(QDialog):
    """What a batch of moves changed, child by child, with what to do next."""

    def __init__(
        self,
        team: TeamService,
        batch: str,
        headline: str,
        handover: HandoverService | None = None,
        letters: LetterService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.team, self.batch, self.handover, self.letters = team, batch, handover, letters
        self.undone = False
        self.cases: list[MovedCaseInfo] = team.batch_cases(batch)
        self.setWindowTitle("Cases moved")
        self.resize(900, 480)
        top = QLabel(headline)
        top.setWordWrap(True)
        top.setTextFormat(Qt.TextFormat.PlainText)
        self.table = _table("Cases moved")
        _fill(
            self.table,
            ["Child", "From", "To", "Next statutory step"],
            [
                [c.child_name, c.from_name, c.to_name, next_step_text(c.next_step, c.next_due)]
                for c in self.cases
            ],
        )
        is_undo = batch_kind(batch) == "Undo"  # cases put back: nothing to undo or announce
        actions = [] if is_undo else [("&Undo these moves", self.undo)]
        if handover is not None:
            actions.append(("Save &handover packs…", self.ask_packs))
        if letters is not None and not is_undo:
            actions.append(("&Letters to families…", self.send_letters))
        buttons = _close_and(self, actions)
        layout = QVBoxLayout(self)
        layout.addWidget(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def undo(self) -> None:
        if confirm_undo(self, len(self.cases)) and run_action(
            self, "Not undone", lambda: self.team.undo(self.batch)
        ):
            self.undone = True
            self.accept()

    def ask_packs(self) -> None:
        folder = choose_folder(self, "Save the handover packs in…")
        if folder is not None:
            written = self.save_packs(folder)
            QMessageBox.information(
                self,
                "Handover packs",
                f"{how_many(len(written), 'handover pack', 'handover packs')} saved in {folder}.",
            )

    def save_packs(self, folder: Path) -> list[Path]:
        """A PDF per caseworker receiving cases: each child, why, and what is next."""
        assert self.handover is not None
        handover, names = self.handover, {}
        for worker in self.team.workers(include_inactive=True):
            names[worker.id] = worker.name
        written: list[Path] = []

        def save() -> None:
            for worker_id, pdf in handover.packs_for_batch(self.batch).items():
                name = safe_filename(names.get(worker_id, str(worker_id)))
                path = folder / f"handover-{name}-{safe_filename(self.batch)}.pdf"
                write_atomically(path, pdf)
                written.append(path)

        run_action(self, "Handover packs not saved", save)
        return written

    def send_letters(self) -> None:
        """Tell each family who their new caseworker is (each letter kept and logged)."""
        assert self.letters is not None
        letters = self.letters
        answer = QMessageBox.question(
            self,
            "Letters to families",
            "Make a change-of-caseworker letter for each of the "
            f"{how_many(len(self.cases), 'moved case', 'moved cases')}? Each letter is kept "
            "and logged on the case, ready to print.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        run_bulk(
            self,
            "Change-of-caseworker letters",
            [(c.case_id, c.child_name) for c in self.cases],
            lambda case_id, _name: letters.issue(case_id, "change_of_caseworker"),
        )


class RecentMoves(QDialog):
    """Every batch of moves, newest first: what, when, who and why; show or undo one."""

    def __init__(
        self,
        team: TeamService,
        on_changed: Callable[[], None],
        handover: HandoverService | None = None,
        letters: LetterService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.team, self.on_changed = team, on_changed
        self.handover, self.letters = handover, letters
        self.setWindowTitle("Recent moves")
        self.resize(900, 420)
        note = QLabel(
            "Cases moved together (a rebalance, a reassignment) can be put back together, "
            "unless one has been moved again since."
        )
        note.setWordWrap(True)
        self.table = _table("Recent moves")
        self.batches: list[MoveBatch] = []
        buttons = _close_and(self, [("&Show cases…", self.show_cases), ("&Undo…", self.undo)])
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.batches = self.team.batches()
        rows = [
            [
                f"{format_date(b.at.date())} {b.at:%H:%M}",
                b.kind,
                b.by,
                how_many(b.cases, "case", "cases"),
                "Undone" if b.undone else "",
                b.reason,
            ]
            for b in self.batches
        ]
        _fill(self.table, ["When", "What", "By", "Cases", "Undone", "Reason"], rows)
        if rows:
            self.table.selectRow(0)

    def chosen(self) -> MoveBatch | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.batches):
            QMessageBox.information(self, "Recent moves", "Choose a line in the list first.")
            return None
        return self.batches[row]

    def show_cases(self) -> None:
        batch = self.chosen()
        if batch is None:
            return
        headline = (
            f"{batch.kind} by {batch.by}, {how_many(batch.cases, 'case', 'cases')}: {batch.reason}"
        )
        dialog = MovesDone(self.team, batch.batch, headline, self.handover, self.letters, self)
        dialog.exec()
        if dialog.undone:
            self.reload()
            self.on_changed()

    def undo(self) -> None:
        batch = self.chosen()
        if batch is None:
            return
        if not batch.can_undo:
            why = "it is itself an undo" if batch.kind == "Undo" else "it has been undone"
            QMessageBox.information(self, "Recent moves", f"That line cannot be undone: {why}.")
            return
        if confirm_undo(self, batch.cases) and run_action(
            self, "Not undone", lambda: self.team.undo(batch.batch)
        ):
            self.reload()
            self.on_changed()
