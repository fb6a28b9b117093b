"""Keeping the data safe from the window: backups and restore, the trash, the audit trail,
retention, deleting a case, and the exports.

Mixed into MainWindow (ui/main_window.py), whose ctx, tabs and lists these use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMessageBox,
)

from caseload_app.services.errors import RESTORE_STOPPED, Stopped, UserError
from caseload_app.ui.case import CaseView
from caseload_app.ui.errors import run_action, show_failure
from caseload_app.ui.window.shell import WindowShell
from caseload_app.ui.worker import Job, StagedProgress, run_in_background

# Closing waits this long for today's backup to stop (it stops between two steps, in a
# fraction of a second; a slow disk flushing its last write may take longer): then caseload
# exits all the same, and what the backup was writing is a hidden `.partial` file.
DAILY_BACKUP_CLOSE_WAIT_S = 5


class DataSafetyCommands(WindowShell):
    def warn_no_backup(self, message: str) -> None:
        """Opened without today's backup (a full disk): said at once, and kept in sight in
        the status bar until the window closes."""
        label = QLabel("No backup today")
        label.setStyleSheet("color: #b00020; font-weight: bold")
        label.setToolTip(message)
        label.setAccessibleName("No backup could be taken today")
        self.statusBar().addPermanentWidget(label)
        QTimer.singleShot(0, lambda: QMessageBox.warning(self, "No backup today", message))

    _stop_whole_check: Callable[[], None] | None = None
    _whole_check_stopped = False
    _stop_daily: Callable[[], None] | None = None
    _daily_thread: threading.Thread | None = None

    def take_daily_backup(
        self,
        take: Callable[[Callable[[str, int, int], None]], Any],
        stop: Callable[[], None],
        then_check: tuple[Callable[[], str | None], Callable[[], None]] | None = None,
    ) -> None:
        """Today's automatic backup, once the case list is in: on a thread of its own, so
        the window never waits for it (9 s at 200,000 children), its stage in the status
        bar. `take(progress)` returns what it came to (services.backup.DailyBackup). Damage
        its full check finds is handled as the whole-file check's; no backup (a full disk)
        is the "No backup today" warning. If it took none (one was taken earlier today, or
        none could be), `then_check` (the whole-file check's run and stop) follows, as the
        backup's check of its copy would have stood for it."""
        if self._unless_restoring(lambda: self.take_daily_backup(take, stop, then_check)):
            return
        self._stop_daily = stop
        self._then_check = then_check
        self.backup_status = QLabel("Backing up…")
        self.backup_status.setAccessibleName("Today's backup")
        self.statusBar().addPermanentWidget(self.backup_status)
        progress = StagedProgress(self)
        progress.moved.connect(self._daily_backup_moved)
        job = Job(lambda: take(progress.moved.emit))
        job.signals.done.connect(self._daily_backup_done)
        job.signals.failed.connect(self._daily_backup_failed)
        self._daily_job = job  # kept (with its signals) until it reports
        # A thread that never holds the exit up: closing stops the backup and waits for it
        # at most DAILY_BACKUP_CLOSE_WAIT_S (see stop_daily_backup).
        self._daily_thread = threading.Thread(target=job.run, name="daily-backup", daemon=True)
        self._daily_thread.start()

    def stop_daily_backup(self) -> None:
        """Closing: today's backup stops between two steps and removes what
        it had written; waited for at most DAILY_BACKUP_CLOSE_WAIT_S. Whatever it had not
        finished is under a hidden `.partial` name, never listed as a backup."""
        if self._stop_daily is None or self._daily_thread is None:
            return
        self._stop_daily()
        self._daily_thread.join(DAILY_BACKUP_CLOSE_WAIT_S)

    def _daily_backup_moved(self, stage: str, done: int, total: int) -> None:
        percent = f" {100 * done // total}%" if total > 1 else ""
        self.backup_status.setText(f"Today's backup: {stage.lower()}{percent}")

    def _daily_backup_done(self, outcome) -> None:
        self._daily_ended()
        if outcome.stopped or self._whole_check_stopped:
            return
        if outcome.damage:
            self._whole_file_checked(outcome.damage)
            return
        if outcome.failed:
            self.warn_no_backup(outcome.failed)
        if outcome.taken is not None:
            self.statusBar().showMessage("Today's backup is taken and checked.", 8000)
        elif self._then_check is not None:
            self.check_whole_file(*self._then_check)

    def _daily_backup_failed(self, exc: Exception, _trace: str) -> None:
        self._daily_ended()
        show_failure(self, "Today's backup", exc)

    def _daily_ended(self) -> None:
        """Heard from the backup's thread as its last act: let it end, so that a restore
        offered for damage it found is not taken for one under a running backup."""
        if self._daily_thread is not None:
            self._daily_thread.join(DAILY_BACKUP_CLOSE_WAIT_S)
        self.backup_status.hide()

    def check_whole_file(
        self,
        run: Callable[[], str | None],
        stop: Callable[[], None],
        then: Callable[[], None] | None = None,
    ) -> None:
        """The start checked every table but the contact log and the case file: check what
        `run` checks now, beside the window (those tables first, whose writes wait for it:
        seconds at 200,000 children; then the whole file), and `then` if it passed. Damage
        found is handled as at start: restore the newest good backup, or close."""
        if self._unless_restoring(lambda: self.check_whole_file(run, stop, then)):
            return
        self._stop_whole_check = stop

        def checked(problem: str | None) -> None:
            if problem is None and not self._whole_check_stopped and then is not None:
                then()
            else:
                self._whole_file_checked(problem)

        def failed(exc: Exception, _trace: str) -> None:
            self._whole_file_checked(f"The database could not be checked: {exc}")

        self._whole_check_job = run_in_background(run, checked, failed)

    def stop_whole_file_check(self) -> None:
        """Closing: the check ends at once rather than keep the app open."""
        if self._stop_whole_check is not None:
            self._whole_check_stopped = True
            self._stop_whole_check()

    def _whole_file_checked(self, problem: str | None) -> None:
        if problem is None or self._whole_check_stopped:
            return
        if self._restoring:  # of the file the restore replaces: see _after_restore
            self._damage_during_restore = problem
            return
        label = QLabel("Database damaged")
        label.setStyleSheet("color: #b00020; font-weight: bold")
        label.setToolTip(problem)
        label.setAccessibleName("The database is damaged")
        self.statusBar().addPermanentWidget(label)
        service = self.ctx.backups()
        newest = service.newest_good() if service is not None else None
        closing = "caseload closes now, so that nothing more is written to the damaged file."
        if newest is None:
            QMessageBox.critical(
                self,
                "The database is damaged",
                f"{problem}\n\nThere is no good backup to restore. {closing} Ask your "
                "administrator for help.",
            )
        elif QMessageBox.question(
            self,
            "The database is damaged",
            f"{restore_question(problem, newest)} If not, {closing}",
        ) == QMessageBox.StandardButton.Yes and run_action(
            self, "Not restored", lambda: self._restore_backup(newest.path)
        ):
            return
        self.close()

    def open_backups(self) -> None:
        from caseload_app.ui.dialogs.data_dialogs import BackupsDialog

        found: list = []
        if not run_action(self, "Backups", lambda: found.append(self.ctx.backups())):
            return
        if found[0] is None:
            QMessageBox.information(
                self, "Backups", "The team database is backed up on its server by IT."
            )
            return
        BackupsDialog(found[0], self._restore_backup, self).exec()

    def _restore_backup(self, backup) -> None:
        """Close the case tabs and restore: made ready beside the window, behind a bar with
        Stop, then swapped in on its thread (the service closes and reopens the database),
        and the window reloaded. Raises why it was not restored."""
        service = self.ctx.backups()
        if service is None:  # a team database: BackupsDialog is never offered
            return
        if self._restoring:  # (asked from within the restore's own wait: damage found)
            raise UserError("Not restored: a restore is already under way.")
        if self._daily_thread is not None and self._daily_thread.is_alive():
            # Not stopped for it: a restore refused after would leave no backup today, and
            # one the backup outlasted the wait for would replace the file it is copying.
            raise UserError(
                "Not restored: today's backup is still being taken (see the status bar), "
                "and the database is not replaced while it is copied. Nothing was changed: "
                "restore once it is done, in a few seconds."
            )
        while self.tabs.count() > 1:
            self.tabs.removeTab(1)

        def install(db) -> None:
            self.ctx.db = db

        self._restoring, swapped = True, False
        try:
            ready = self._prepare_restore(service, backup)
            service.finish_restore(ready, self.ctx.db, install=install)
            swapped = True
        finally:
            self._restoring = False
            self.resume_background_writes()
            self.refresh()
            self._after_restore(swapped)

    _restoring = False
    _waiting_restore: list[Callable[[], None]] = []
    _damage_during_restore: str | None = None

    def _prepare_restore(self, service, backup):
        """The restore's slow part beside the window, with nothing else in the app writing
        to the database meanwhile (so the copy kept of it is all of it), waited for in an
        event loop of its own: the window paints and the bar moves. Returns the restore
        made ready; raises why not (Stopped, if the person stopped it)."""
        from caseload_app.ui.dialogs.export_dialogs import stoppable_bar

        # Over the Backups dialog when asked from it: nothing under the bar can be clicked.
        stoppable = stoppable_bar(QApplication.activeModalWidget() or self, "Restore")
        prepare, stop = service.stoppable_restore(
            backup, user=self.ctx.user, progress=stoppable.report
        )
        stoppable.bar.canceled.connect(stop)
        outcome: dict[str, Any] = {}
        loop = QEventLoop()
        job = Job(prepare)
        job.signals.done.connect(lambda ready: (outcome.update(ready=ready), loop.quit()))
        job.signals.failed.connect(lambda exc, _trace: (outcome.update(failed=exc), loop.quit()))
        self._restore_job = job  # kept (with its signals) until it reports
        self.pause_background_writes(job)
        loop.exec()
        stopped = stoppable.cancel.is_set()  # (read first: closing the bar sets it)
        stoppable.bar.close()
        stoppable.bar.deleteLater()
        if "failed" in outcome:
            raise outcome["failed"]
        if "ready" not in outcome:  # the app is quitting: its loops all end
            stop()
            raise Stopped("Stopped: the window closed, and nothing was restored.")
        if stopped:  # Stop pressed as it ended
            service.abandon(outcome["ready"])
            raise Stopped(RESTORE_STOPPED)
        return outcome["ready"]

    def _unless_restoring(self, call: Callable[[], None]) -> bool:
        """While a restore is made ready, `call` waits for it to end (today's backup, the
        whole-file check: neither reads a file about to be replaced). True if it waits."""
        if not self._restoring:
            return False
        self._waiting_restore = [*self._waiting_restore, call]
        return True

    def _after_restore(self, swapped: bool) -> None:
        """What waited for the restore. Damage the whole-file check found meanwhile was the
        replaced file's: said only if the database was not replaced."""
        waiting, self._waiting_restore = self._waiting_restore, []
        damage, self._damage_during_restore = self._damage_during_restore, None
        if damage is not None and not swapped:
            waiting.append(lambda: self._whole_file_checked(damage))
        for call in waiting:
            QTimer.singleShot(0, call)

    def open_trash(self) -> None:
        from caseload_app.ui.dialogs.data_dialogs import TrashDialog

        TrashDialog(self.ctx.trash(), self.refresh, self).exec()

    def open_audit(self) -> None:
        from caseload_app.ui.dialogs.data_dialogs import AuditDialog

        if run_action(self, "Audit trail", lambda: self.ctx.audit().choices()):
            AuditDialog(self.ctx.audit(), self).exec()

    def open_retention(self) -> None:
        from caseload_app.ui.dialogs.data_dialogs import RetentionDialog

        RetentionDialog(self.ctx.team(), self.ctx.trash(), self.open_case, self).exec()

    def delete_case(self) -> None:
        view = self.tabs.currentWidget()
        if not isinstance(view, CaseView):
            QMessageBox.information(self, "Delete case", "Open the case to delete first.")
            return
        reason = view.ask_reason(
            "Delete case", f"delete the case of {view.title()} and everything recorded on it"
        )
        if reason is not None and run_action(
            self, "Not deleted", lambda: self.ctx.trash().delete_case(view.case_id, reason)
        ):
            self.tabs.removeTab(self.tabs.indexOf(view))
            self.cases_changed({view.case_id})

    def export_case_list(self) -> None:
        from caseload_app.ui.dialogs.export_dialogs import run_export, save_as

        path = save_as(self, "Export the case list", f"caseload-{self.ctx.today():%Y-%m-%d}.csv")
        if path is not None:
            exports = self.ctx.exports()
            work = lambda: exports.export_csv(path)  # noqa: E731
            self._export_job = run_export(self, "Exporting the case list", work, path)

    def export_calendar(self) -> None:
        """My statutory dates, review meetings and tasks as an .ics file for Outlook."""
        from caseload_app.ui.dialogs.export_dialogs import run_export, save_as

        me = self.ctx.settings.me_caseworker_id
        if me is None:
            QMessageBox.information(
                self, "My calendar", "Say who you are first: File → Settings…, I am."
            )
            return
        path = save_as(self, "Export my calendar", "caseload calendar.ics",
                       ("Calendar files", ".ics"))  # fmt: skip
        if path is not None:
            calendar = self.ctx.calendar()
            work = lambda: calendar.save(calendar.make(me), path)  # noqa: E731
            self._export_job = run_export(
                self, "Exporting my calendar", work, path, ("date", "dates")
            )

    def statutory_return(self):
        """File → Statutory return (SEN2): built and checked off the window's thread; a
        finding double-clicked opens its child."""
        from caseload_app.ui.dialogs.statutory_return import StatutoryReturnDialog

        dialog = StatutoryReturnDialog(self.ctx.sen2_return(), self)
        dialog.open_case.connect(lambda case_id, tab: self.open_case(case_id, tab))
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.show()
        return dialog

    def export_inspection_list(self) -> None:
        """Every child with a plan or a request on a day, by placement type, for inspectors:
        the columns chosen are offered again next time."""
        from caseload_app.ui.dialogs.export_dialogs import (
            InspectionListDialog,
            run_stoppable_export,
        )

        remembered = self.ctx.settings.inspection_columns
        dialog = InspectionListDialog(self.ctx.today(), remembered, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        chosen = dialog.value()
        if chosen.columns != remembered:
            self.ctx.settings.inspection_columns = chosen.columns
            self.ctx.settings_store.save(self.ctx.settings)
        service = self.ctx.inspection()

        def work(progress, cancel) -> int:
            return service.export(
                chosen.csv_path, chosen.on, chosen.columns, chosen.pdf_path, progress, cancel
            )

        where = str(chosen.csv_path) + (f" and {chosen.pdf_path}" if chosen.pdf_path else "")
        self._export_job = run_stoppable_export(self, "Exporting the inspection list", work, where)


def restore_question(problem: str, newest) -> str:
    """Damage found, at start or beside the window: the newest good backup offered."""
    return (
        f"{problem}\n\nRestore the newest good backup, taken {when_text(newest.taken_at)} "
        f"({newest.children} children)? The damaged file is kept beside the backups."
    )


def when_text(value) -> str:
    return value.strftime("%a %d %b %Y %H:%M")
