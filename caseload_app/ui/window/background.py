"""What the window does beside the person's work, off its thread: sends the outbox every few
minutes (and at start), and keeps the person's published calendar file up to date after
changes that move dates (and at start). Neither ever interrupts with a dialog: how they
stand is a few words in the status bar, with the reason in its tooltip.

Mixed into MainWindow (ui/main_window.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox

from caseload_app.logs import crash_report
from caseload_app.services.errors import ACTIONABLE
from caseload_app.ui.window.shell import WindowShell
from caseload_app.ui.worker import Job, run_in_background

log = logging.getLogger(__name__)

OUTBOX_EVERY_MS = 3 * 60 * 1000  # retries are due 1, 5, 15, 60 minutes on (services/mail.py)
PUBLISH_AFTER_MS = 3000  # a burst of saves makes one writing of the calendar
# Closing waits this long for an e-mail being handed over; after that it is left "sending",
# which the outbox never sends again by itself (the person checks, then resends or marks it).
CLOSE_WAIT_MS = 20_000


def _without_data(exc: Exception) -> str:
    """Where it failed, never what it said: a message can quote a child or an address."""
    return crash_report(type(exc), exc, exc.__traceback__)


def _status_label(name: str) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName(name)
    label.hide()
    return label


class BackgroundWork(WindowShell):
    def start_background(self) -> None:
        self._closing = False
        # The last job of each kind is kept (a Job must outlive its thread's last step);
        # the flags say whether one is running.
        self._outbox_job: Job | None = None
        self._publish_job: Job | None = None
        self._outbox_busy = self._publish_busy = False
        self._writes_paused = False
        self._publish_again = self._publish_failed = False
        # One thread each: never two sends at once, never two writings of the calendar.
        self._mail_pool, self._calendar_pool = QThreadPool(self), QThreadPool(self)
        for pool in (self._mail_pool, self._calendar_pool):
            pool.setMaxThreadCount(1)
        self.outbox_status = _status_label("The outbox")
        self.calendar_status = _status_label("The published calendar")
        self.statusBar().addPermanentWidget(self.outbox_status)
        self.statusBar().addPermanentWidget(self.calendar_status)
        self._outbox_timer = QTimer(self)
        self._outbox_timer.setInterval(OUTBOX_EVERY_MS)
        self._outbox_timer.timeout.connect(self._tick)
        self._outbox_timer.start()
        self._publish_timer = QTimer(self)
        self._publish_timer.setSingleShot(True)
        self._publish_timer.setInterval(PUBLISH_AFTER_MS)
        self._publish_timer.timeout.connect(self.publish_calendar)
        QTimer.singleShot(0, self.send_outbox)
        QTimer.singleShot(0, self.publish_calendar)

    def _tick(self) -> None:
        self.send_outbox()
        if self._publish_failed:  # the network drive may be back
            self.publish_calendar()

    # ------------------------------------------------------------------ the outbox
    def send_outbox(self) -> None:
        """Send what is due, then show how the outbox stands. A round still going (a slow
        server) is left to finish: never two at once."""
        if self._closing or self._outbox_busy or self._writes_paused:
            return
        self._outbox_busy = True
        mail = self.ctx.mail()
        self._outbox_job = run_in_background(
            lambda: mail.send_waiting(stop=lambda: self._closing),
            self._outbox_done,
            self._outbox_failed,
            self._mail_pool,
        )

    def pause_background_writes(self, job: Job) -> None:
        """`job` on the outbox's thread once any round of sending still going has ended and
        any calendar still being written is written, with neither started again until
        `resume_background_writes()`: a restore's copy of the database is taken while
        nothing else writes to it (an e-mail sent is a contact logged; a calendar written,
        an audit entry)."""
        self._writes_paused = True
        calendar = self._calendar_pool

        def after_both() -> None:
            calendar.waitForDone()
            job.run()

        self._paused_job = Job(after_both)  # (its own signals unused: the job's report)
        self._paused_job.setAutoDelete(False)  # kept until the next, as run_in_background's
        self._mail_pool.start(self._paused_job)

    def resume_background_writes(self) -> None:
        self._writes_paused = False
        self.send_outbox()  # what waited meanwhile
        self._publish_next()

    def _outbox_done(self, state) -> None:
        self._outbox_busy = False
        if state.cases:  # each sent e-mail is a contact logged: the list and counts follow
            self.cases_changed(state.cases)
        words = state.words()
        if state.note and state.waiting:
            words += " (not sent: no password kept)"
        self.outbox_status.setText(words)
        self.outbox_status.setToolTip(state.note or "E-mails not sent yet (caseload mail outbox)")
        self.outbox_status.setVisible(bool(words))

    def _outbox_failed(self, exc: Exception, _trace: str) -> None:
        self._outbox_busy = False
        if not isinstance(exc, ACTIONABLE):
            log.error("The outbox round failed:\n%s", _without_data(exc))
        self.outbox_status.setText("E-mail: the outbox could not be sent")
        self.outbox_status.setToolTip(str(exc) if isinstance(exc, ACTIONABLE) else "See the log.")
        self.outbox_status.show()

    # ------------------------------------------------------------------ the calendar
    def choose_calendar_file(self) -> None:
        """File → Export → Publish my calendar to…: a file on this computer (or a shared
        folder) that Outlook subscribes to, rewritten as dates change."""
        from caseload_app.ui.dialogs.export_dialogs import save_as

        if self.ctx.settings.me_caseworker_id is None:
            QMessageBox.information(
                self, "Publish my calendar", "Say who you are first: File → Settings…, I am."
            )
            return
        current = self.ctx.settings.calendar_file or "caseload calendar.ics"
        path = save_as(self, "Publish my calendar to", current, ("Calendar files", ".ics"))
        if path is None:
            return
        self.ctx.settings.calendar_file = str(path)
        self.ctx.settings_store.save(self.ctx.settings)
        self.publish_calendar()

    def stop_publishing(self) -> None:
        """The file is left as it is; caseload no longer writes it."""
        self.ctx.settings.calendar_file = ""
        self.ctx.settings_store.save(self.ctx.settings)
        self._publish_timer.stop()
        self._publish_failed = False
        self.calendar_status.hide()
        self.statusBar().showMessage("Your calendar is no longer published.", 5000)

    def calendar_changed(self) -> None:
        """After a change that may move dates: the calendar is written a moment later."""
        if self.ctx.settings.calendar_file and not self._closing:
            self._publish_timer.start()

    def publish_calendar(self) -> None:
        settings = self.ctx.settings
        me, target = settings.me_caseworker_id, settings.calendar_file
        if not target or me is None or self._closing:
            return
        if self._publish_busy or self._writes_paused:  # written once free to
            self._publish_again = True
            return
        self._publish_busy = True
        calendar, path = self.ctx.calendar(), Path(target)
        self._publish_job = run_in_background(
            lambda: calendar.publish(me, path),
            self._published,
            self._not_published,
            self._calendar_pool,
        )

    def _published(self, done) -> None:
        self._publish_busy, self._publish_failed = False, False
        self.calendar_status.hide()
        if done.written:
            self.statusBar().showMessage(f"Calendar published: {done.dates} dates", 5000)
        self._publish_next()

    def _not_published(self, exc: Exception, _trace: str) -> None:
        """Quietly: a drive offline is no reason for a dialog (nor one a save)."""
        self._publish_busy, self._publish_failed = False, True
        if not isinstance(exc, ACTIONABLE):
            log.error("The calendar could not be published:\n%s", _without_data(exc))
        why = str(exc) if isinstance(exc, ACTIONABLE) else "Something went wrong (see the log)."
        self.calendar_status.setText("Calendar not published")
        self.calendar_status.setToolTip(
            f"{why} Nothing is lost: it is written again after your next change, and every "
            "few minutes until it can be."
        )
        self.calendar_status.show()
        self._publish_next()

    def _publish_next(self) -> None:
        if self._publish_again:
            self._publish_again = False
            self.publish_calendar()

    # ------------------------------------------------------------------ closing
    def stop_background(self) -> None:
        """Closing: a calendar change not yet written is written now; an e-mail being handed
        to the server is waited for (the round stops before the next one)."""
        if self._publish_timer.isActive():
            self._publish_timer.stop()
            self.publish_calendar()
        self._closing = True
        self._outbox_timer.stop()
        self._calendar_pool.waitForDone(CLOSE_WAIT_MS)
        if self._outbox_busy:
            self.statusBar().showMessage("Finishing the e-mail being sent…")
        self._mail_pool.waitForDone(CLOSE_WAIT_MS)
