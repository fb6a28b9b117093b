"""The first start on a laptop: where the caseload will be kept, and how to begin."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.backup import DAILY_DAYS, WEEKLY_WEEKS
from caseload_app.ui.dialogs.case_dialogs import plain_label


class Start(StrEnum):
    EMPTY = "empty"
    IMPORT = "import"
    DEMO = "demo"


CHOICES = (
    (
        Start.EMPTY,
        "Start with an &empty caseload",
        "Add each request as it arrives (File → New request). You can import a spreadsheet "
        "later too (File → Import a spreadsheet).",
    ),
    (
        Start.IMPORT,
        "&Import a spreadsheet of existing cases",
        "Choose a CSV file; every row is checked and nothing is imported until all of it is right.",
    ),
    (
        Start.DEMO,
        "&Look around with demo data",
        "Made-up children in a temporary database, deleted when you close caseload. Nothing "
        "is saved, and you will be asked again next time.",
    ),
)


def where_text(db_path: Path, backups: Path) -> str:
    return (
        "caseload keeps your caseload in one file on this computer:\n"
        f"    {db_path}\n"
        f"and a copy each day you use it (one a day for {DAILY_DAYS} days, then one a week "
        f"for {WEEKLY_WEEKS} weeks) in:\n"
        f"    {backups}\n\n"
        "Nothing is sent over the network. Help → About shows these places again."
    )


class FirstRunDialog(QDialog):
    """``choice`` after exec() == Accepted; Quit (reject) leaves nothing behind."""

    def __init__(self, db_path: Path, backups: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to caseload")
        self.setAccessibleName("Welcome to caseload")
        self.choice: Start | None = None
        heading = plain_label("Welcome to caseload")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        where = plain_label(where_text(db_path, backups))
        where.setAccessibleName("Where your data lives")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(where)
        layout.addWidget(plain_label("How would you like to start?"))
        self.group = QButtonGroup(self)
        self.options: dict[Start, QRadioButton] = {}
        for start, text, explained in CHOICES:
            option = QRadioButton(text)
            option.setAccessibleName(text.replace("&", ""))
            option.setAccessibleDescription(explained)
            self.group.addButton(option)
            self.options[start] = option
            layout.addWidget(option)
            note = plain_label(explained)
            note.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(note)
        self.options[Start.EMPTY].setChecked(True)
        buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole
        self.continue_button = buttons.addButton("&Continue", role.AcceptRole)
        buttons.addButton("&Quit", role.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.continue_button.setDefault(True)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.options[Start.EMPTY].setFocus()

    def chosen(self) -> Start:
        return next(start for start, option in self.options.items() if option.isChecked())

    def accept(self) -> None:
        self.choice = self.chosen()
        super().accept()
