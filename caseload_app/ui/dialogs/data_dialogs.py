"""Keeping the data safe, in the window: backups and restore, the trash, the audit trail,
the retention review and who the administrators are.

Each dialog holds what a service returned and calls one service per button press.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.text import how_many
from caseload_app.services.audit import AuditFilter, AuditService
from caseload_app.services.backup import BackupService
from caseload_app.services.settings import TeamSettingsService
from caseload_app.services.trash import TrashService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import buddy, button, optional_date, plain_label
from caseload_app.ui.dialogs.export_dialogs import stoppable_bar
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.window.data_safety import when_text
from caseload_app.ui.worker import Job, run_in_background


def _close_box(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.rejected.connect(dialog.reject)
    return box


def _confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


# --------------------------------------------------------------------------- backups
BACKUP_COLUMNS = (
    Column("Taken", lambda b: when_text(b.taken_at), lambda b: b.taken_at),
    Column("Children", lambda b: "unreadable" if b.children is None else str(b.children)),
    Column("Cases", lambda b: "" if b.cases is None else str(b.cases)),
    Column("Size", lambda b: f"{b.size / 1_048_576:.1f} MB", lambda b: b.size),
    Column("File", lambda b: b.path.name),
)


class BackupsDialog(QDialog):
    """Back up now, and restore a chosen backup after seeing what it holds."""

    def __init__(
        self, service: BackupService, restore: Callable[[Path], object], parent=None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backups")
        self.setAccessibleName("Backups")
        self.service, self._restore = service, restore
        self.table = RowTable(BACKUP_COLUMNS, "Backups", stretch="File")
        self.backup_button = button("&Back up now", "Back up now", self.backup_now)
        self.restore_button = button("&Restore selected…", "Restore selected backup", self.restore)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(f"Backups are kept in {service.folder}, newest first."))
        layout.addLayout(button_row(self.backup_button, self.restore_button, "stretch"))
        layout.addWidget(self.table, 1)
        layout.addWidget(_close_box(self))
        self.resize(760, 420)
        self.load()

    def load(self) -> None:
        self.table.load(self.service.list_backups())
        self.table.select_row(0)

    def backup_now(self) -> Job:
        """Back up now beside the window (27 s for a 2.7 GB file, copied, checked and
        compressed), behind a bar with Stop; the list shows it once taken."""
        stoppable = stoppable_bar(self, "Back up now")
        take, stop = self.service.stoppable_backup(stoppable.report)
        stoppable.bar.canceled.connect(stop)
        # Nor a restore meanwhile: it would replace the file under the copy.
        self.backup_button.setEnabled(False)
        self.restore_button.setEnabled(False)

        def ended() -> None:
            stoppable.bar.close()
            self.backup_button.setEnabled(True)
            self.restore_button.setEnabled(True)

        def done(_made: Path) -> None:
            ended()
            self.load()

        def failed(exc: Exception, _details: str) -> None:
            ended()
            ui_errors.show_failure(self, "Back up now", exc)

        self._backup_job = run_in_background(take, done, failed)
        return self._backup_job

    def restore(self) -> None:
        chosen = self.table.selected()
        if chosen is None:
            return
        text = (
            f"Replace the database with the backup taken {when_text(chosen.taken_at)} "
            f"({chosen.children} children, {chosen.cases} cases)?\n\nEverything saved since "
            "then will not be in it. The database it replaces is kept as a backup first, and "
            "open case tabs are closed."
        )
        if _confirm(self, "Restore a backup", text) and ui_errors.run_action(
            self, "Not restored", lambda: self._restore(chosen.path)
        ):
            self.accept()


# --------------------------------------------------------------------------- trash
TRASH_COLUMNS = (
    Column("Deleted", lambda t: when_text(t.deleted_at), lambda t: t.deleted_at),
    Column("By", lambda t: t.deleted_by),
    Column("What", lambda t: t.kind),
    Column("Details", lambda t: t.label),
    Column("Why", lambda t: t.reason),
)


class TrashDialog(QDialog):
    def __init__(self, service: TrashService, on_change: Callable[[], None], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trash")
        self.setAccessibleName("Trash")
        self.service, self._on_change = service, on_change
        self.table = RowTable(TRASH_COLUMNS, "Items in the trash", stretch="Details")
        self.restore_button = button("&Restore", "Restore selected item", self.restore)
        self.purge_button = button("Remove for &good…", "Remove for good", self.purge)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Deleted contacts, tasks and cases wait here until restored. Only an "
                "administrator can remove them for good; that is recorded in the audit trail."
            )
        )
        layout.addLayout(button_row(self.restore_button, self.purge_button, "stretch"))
        layout.addWidget(self.table, 1)
        layout.addWidget(_close_box(self))
        self.resize(900, 420)
        self.load()

    def load(self) -> None:
        self.table.load(self.service.items())

    def restore(self) -> None:
        item = self.table.selected()
        if item is not None and ui_errors.run_action(
            self, "Not restored", lambda: self.service.restore(item.id)
        ):
            self.load()
            self._on_change()

    def purge(self) -> None:
        item = self.table.selected()
        if item is None:
            return
        text = f"Remove for good?\n\n{item.label}\n\nThis cannot be undone."
        if _confirm(self, "Remove for good", text) and ui_errors.run_action(
            self, "Not removed", lambda: self.service.purge(item.id)
        ):
            self.load()


# --------------------------------------------------------------------------- audit trail
AUDIT_COLUMNS = (
    Column("When", lambda r: r.at.strftime("%d %b %Y %H:%M:%S"), lambda r: r.at),
    Column("Who", lambda r: r.who),
    Column("Action", lambda r: r.action),
    Column("Record", lambda r: f"{r.record_type} {r.record_id or ''}".strip()),
    Column("Case", lambda r: "" if r.case_id is None else str(r.case_id)),
    Column("Detail", lambda r: r.detail),
)


class AuditDialog(QDialog):
    """Filter the audit trail and export what matches. Read-only: nothing here edits it."""

    def __init__(self, service: AuditService, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit trail")
        self.setAccessibleName("Audit trail")
        self.service = service
        choices = service.choices()
        self.who = self._combo("Who", choices.who)
        self.action = self._combo("Action", choices.actions)
        self.case = QLineEdit()
        self.case.setAccessibleName("Case number")
        today = service.today()
        self.since, self.until = optional_date(None, today), optional_date(None, today)
        self.since.setAccessibleName("From")
        self.until.setAccessibleName("To")
        self.text = QLineEdit()
        self.text.setAccessibleName("Containing")
        self.table = RowTable(AUDIT_COLUMNS, "Audit entries", stretch="Detail")
        self.count = plain_label(wrap=False)
        self._lay_out()
        self.resize(1000, 560)
        self.search()

    def _combo(self, name: str, values: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem("Anyone" if name == "Who" else "Any", "")
        for value in values:
            combo.addItem(value, value)
        return combo

    def _lay_out(self) -> None:
        form = QFormLayout()
        for label, widget in (
            ("&Who:", self.who),
            ("&Action:", self.action),
            ("&Case number:", self.case),
            ("&From:", self.since),
            ("&To:", self.until),
            ("C&ontaining:", self.text),
        ):
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        search = button("&Search", "Search the audit trail", self.search)
        export = button("&Export CSV…", "Export the matching entries", self.export)
        layout.addLayout(button_row(search, export, self.count, "stretch"))
        layout.addWidget(self.table, 1)
        layout.addWidget(_close_box(self))

    def wanted(self) -> AuditFilter:
        case = self.case.text().strip()
        if case and not case.isdigit():
            raise ValueError("The case number is a whole number, e.g. 1234.")
        return AuditFilter(
            who=self.who.currentData() or "",
            action=self.action.currentData() or "",
            case_id=int(case) if case else None,
            since=self.since.value(),
            until=self.until.value(),
            text=self.text.text(),
        )

    def search(self) -> None:
        def run() -> None:
            page = self.service.search(self.wanted())
            self.table.load(page.rows)
            shown = len(page.rows)
            more = f" (newest {shown:,} shown)" if page.total > shown else ""
            self.count.setText(f"{how_many(page.total, 'entry', 'entries')}{more}")

        ui_errors.run_action(self, "Audit trail", _as_user_error(run))

    def export(self) -> None:
        name = f"audit-{date.today():%Y%m%d}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export audit trail", name, "CSV (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        def run() -> None:
            count = self.service.export_csv(self.wanted(), path)
            self.count.setText(f"Exported {count} entries to {path.name}")

        ui_errors.run_action(self, "Not exported", _as_user_error(run))


# --------------------------------------------------------------------------- retention, admins
RETENTION_COLUMNS = (
    Column("Case", lambda r: str(r.case_id), lambda r: r.case_id),
    Column("Child", lambda r: r.child_name),
    Column("Born", lambda r: r.date_of_birth.strftime("%d %b %Y"), lambda r: r.date_of_birth),
    Column("Closed", lambda r: r.closed_on.strftime("%d %b %Y"), lambda r: r.closed_on),
    Column("Stage", lambda r: r.stage),
    Column("Review from", lambda r: r.review_from.strftime("%d %b %Y"), lambda r: r.review_from),
)


class RetentionDialog(QDialog):
    """Closed cases past the retention period, for a person to review (nothing is deleted
    automatically), and the period itself (administrators change it; the service refuses
    anyone else)."""

    def __init__(
        self,
        team: TeamSettingsService,
        trash: TrashService,
        open_case: Callable[[int], object],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retention review")
        self.setAccessibleName("Retention review")
        self.team, self.trash, self._open_case = team, trash, open_case
        self.years = QSpinBox()
        self.years.setRange(1, 100)
        self.years.setSuffix(" years after closing")
        self.years.setAccessibleName("Retention period")
        self.table = RowTable(RETENTION_COLUMNS, "Cases due a retention review", stretch="Child")
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.count = plain_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self._settings_group())
        layout.addWidget(self.count)
        open_button = button("&Open case", "Open the selected case", self.open_selected)
        layout.addLayout(button_row(open_button, "stretch"))
        layout.addWidget(self.table, 1)
        layout.addWidget(_close_box(self))
        self.resize(820, 560)
        self.load()

    def _settings_group(self) -> QGroupBox:
        group = QGroupBox("Retention period (shared by everyone on this database)")
        form = QFormLayout(group)
        save_years = button("Save &period", "Save the retention period", self.save_years)
        form.addRow(buddy("&Keep for:", self.years), button_row(self.years, save_years, "stretch"))
        form.addRow(
            plain_label(
                "Set it from the council's retention schedule. Only an administrator can "
                "change it, and each change is recorded in the audit trail."
            )
        )
        return group

    def load(self) -> None:
        self.years.setValue(self.team.retention_years())
        listed: list = []
        # The list names children, so it is shown only once its viewing is recorded.
        if not ui_errors.run_action(
            self, "Retention review", lambda: listed.extend(self.trash.retention_due())
        ):
            self.table.load([])
            self.count.setText("The list could not be shown.")
            return
        due = listed
        self.table.load(due)
        cases = "1 closed case is" if len(due) == 1 else f"{len(due)} closed cases are"
        self.count.setText(
            f"{cases} past the {self.years.value()}-year retention period. Review each "
            "against the council's retention schedule; nothing is deleted automatically."
        )

    def save_years(self) -> None:
        years = self.years.value()
        if ui_errors.run_action(self, "Not saved", lambda: self.team.set_retention_years(years)):
            self.load()

    def open_selected(self) -> None:
        chosen = self.table.selected()
        if chosen is not None:
            self._open_case(chosen.case_id)
            self.accept()


def _as_user_error(call: Callable[[], None]) -> Callable[[], None]:
    """A bad filter (ValueError) is a message, not a crash; OSError too (disk, folder)."""
    from caseload_app.services.errors import UserError

    def run() -> None:
        try:
            call()
        except (ValueError, OSError) as exc:
            raise UserError(str(exc)) from exc

    return run
