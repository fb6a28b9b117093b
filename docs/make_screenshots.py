"""Regenerate the README screenshots of the main window: run under Xvfb at 1366x768.

xvfb-run -a -s "-screen 0 1366x768x24" python docs/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from caseload_app.db.engine import open_database
from caseload_app.services.demo import generate_demo
from caseload_app.services.mail_settings import MailSettings, MailSettingsService
from caseload_app.services.settings import LocalSettings, LocalSettingsStore
from caseload_app.ui.board_view import RebalanceDialog
from caseload_app.ui.context import AppContext
from caseload_app.ui.dialogs.printing import LetterDialog
from caseload_app.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent / "screenshots"
TODAY = date(2026, 11, 24)


def main() -> int:
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=2000, seed=1, today=TODAY)
        ctx = AppContext(
            db=db,
            db_label="Demo data (temporary)",
            settings_store=LocalSettingsStore(Path(tmp) / "settings.json"),
            settings=LocalSettings(me_caseworker_id=1, me_name="Asha Patel"),
            today=lambda: TODAY,
        )
        window = MainWindow(ctx)
        window.resize(1366, 740)
        window.show()
        window.refresh()
        window.wait_loaded()
        app.processEvents()
        window.grab().save(str(OUT / "my-week.png"))
        window.sidebar.setCurrentRow(1)
        app.processEvents()
        window.grab().save(str(OUT / "main-window.png"))
        window.sidebar.setCurrentRow(2)
        window.search.setText("smith")
        app.processEvents()
        window.grab().save(str(OUT / "search.png"))
        window.search.setText("")
        board = window.open_board()
        while not board.shares:  # the families updated on time load after the board shows
            app.processEvents()
        app.processEvents()
        window.grab().save(str(OUT / "workload-board.png"))
        _dialog_shots(app, window, board)
        planner = window.open_planner()
        while planner._job is not None:  # its list is read off the window's thread
            app.processEvents()
        app.processEvents()
        window.grab().save(str(OUT / "planner.png"))
        _update_shots(app, window)
        window.close()
        db.dispose()
    return 0


def _dialog_shots(app: QApplication, window: MainWindow, board) -> None:
    """The rebalance proposal and the letter picker (its list open), as a lead sees them."""
    names = {r.worker_id: r.name for r in board.model.rows()}
    rebalance = RebalanceDialog(board.workload, board.workload.propose(), names, window)
    rebalance.resize(1366, 740)
    rebalance.show()
    app.processEvents()
    rebalance.grab().save(str(OUT / "rebalance.png"))
    rebalance.close()
    window.sidebar.setCurrentRow(2)
    window.wait_loaded()
    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).stage == "assessment"
    )
    window.open_case(row.case_id)
    letter = LetterDialog(window.ctx.letters(), row.case_id, row.child_name, window)
    letter.show()
    letter.move(window.geometry().center() - letter.rect().center())
    letter.template.showPopup()
    for _ in range(5):
        app.processEvents()
    # The whole screen: the dialog and its open list are windows of their own.
    screen = app.primaryScreen().grabWindow(0)
    screen.copy(window.geometry()).save(str(OUT / "letter-picker.png"))
    letter.template.hidePopup()
    letter.close()


def _update_shots(app: QApplication, window: MainWindow) -> None:
    """The families due an update, and one family's update drafted: one with something late
    (the apology's gaps marked), who likes e-mail and needs an interpreter if there is one."""
    mail = MailSettings(
        mode="smtp", host="smtp.council.example", port=587, security="starttls",
        username="send-team", from_address="send@council.example", from_name="SEND Team",
    )  # fmt: skip
    MailSettingsService(window.ctx.db, window.ctx.user).set_mail(mail)
    queue = window.open_update_queue()
    queue.wait_loaded()
    app.processEvents()
    window.grab().save(str(OUT / "update-queue.png"))
    keep = window.ctx.keep_in_touch()
    drafts = (keep.draft(d.case_id) for d in queue.rows()[:60])
    late = [m for m in drafts if m.draft.delay and m.email and m.channel == "email"]
    made = next((m for m in late if "interpreter" in m.note), late[0])
    child = next(d.child_name for d in queue.rows() if d.case_id == made.case_id)
    dialog = window.draft_update(made.case_id, child)
    assert dialog is not None
    dialog.resize(820, 700)
    dialog.message.moveCursor(dialog.message.textCursor().MoveOperation.Start)  # marks shown
    for _ in range(5):
        app.processEvents()
    dialog.grab().save(str(OUT / "update-draft.png"))
    dialog.reject()


if __name__ == "__main__":
    sys.exit(main())
