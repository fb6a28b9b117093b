"""Composition root: paths → database → services → main window."""

from __future__ import annotations

import contextlib
import gc
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from caseload_app import logs, paths

if TYPE_CHECKING:
    from caseload_app.db.engine import Database, WriteHold
    from caseload_app.db.safety import FileCheck
    from caseload_app.services.settings import LocalSettingsStore
    from caseload_app.ui.main_window import MainWindow


def run_gui(
    db_path: Path | str,
    demo: bool = False,
    demo_children: int = 2000,
    on_ready: Callable[[MainWindow], None] | None = None,
    *,
    may_create: bool = True,
) -> int:
    """Open the window on a laptop file (a Path), or on a team database (a URL string).

    on_ready is called once the window shows my week (the benchmark's hook); the case list
    may still be loading (MainWindow.wait_loaded waits for it). `may_create`: a missing file
    may be started afresh (the default location, or --create); otherwise the window says
    there is no database there and makes nothing.
    """
    laptop_file = db_path if isinstance(db_path, Path) and not demo else None
    refused = _location_problem(laptop_file, may_create) if laptop_file else None
    problem = _check_in_background(laptop_file) if laptop_file and refused is None else None
    logs.configure()
    from caseload_app.ui import crash

    restore_hook = crash.install()  # anything uncaught: a message, and the log
    try:
        if refused is not None:
            return _refuse(refused)
        return _open_window(db_path, demo, demo_children, on_ready, problem)
    finally:
        restore_hook()


def _location_problem(db_path: Path, may_create: bool):
    """A misspelt path, a file that is not a database or a folder caseload cannot write in,
    found before anything is made (a LocationError), or None."""
    from caseload_app.db.location import LocationError, check_laptop_file, make_database_private

    try:
        check_laptop_file(db_path, may_create=may_create, make_folder=may_create)
    except LocationError as exc:
        return exc
    make_database_private(db_path)
    return None


def _refuse(problem) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    _app = QApplication.instance() or QApplication(sys.argv)
    print(f"caseload: {problem}", file=sys.stderr)  # for whoever started it from a terminal
    QMessageBox.critical(None, problem.title, str(problem))
    return 1


def _open_window(
    db_path: Path | str,
    demo: bool,
    demo_children: int,
    on_ready: Callable[[MainWindow], None] | None,
    problem: Callable[[], str | None] | None,
) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from caseload_app.db.engine import DatabaseError
    from caseload_app.db.lock import DatabaseInUse
    from caseload_app.db.migrate import DatabaseTooNew

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("caseload")
    app.setOrganizationName("caseload")
    if isinstance(db_path, str) and not demo:
        return _run_team(app, db_path)
    # One way out, however this ends: the database, the lock and a demo's folder let go.
    with contextlib.ExitStack() as held:
        try:
            opened = (
                _open_demo(held, demo_children)
                if demo
                else _open_laptop(held, Path(db_path), demo_children, problem)
            )
        except (DatabaseError, DatabaseTooNew, DatabaseInUse, OSError) as exc:
            title = getattr(exc, "title", "caseload cannot open the database")
            QMessageBox.critical(None, title, _in_words(exc))
            return 1
        if isinstance(opened, int):
            return opened  # quit at the first question (0), or refused (1)
        return _show_window(app, held, opened, on_ready)


@dataclass
class _Opened:
    """What the window is opened on, once the start's questions are answered."""

    db: Database
    label: str
    store: LocalSettingsStore
    backups: Path
    start: str | None = None  # how a first run began (ui's Start), or None
    # The check of the tables the start left (the contact log, the case file), whose writes
    # are held until it passes; then the check of the whole file.
    check_later: _LaterCheck | None = None
    check_whole: FileCheck | None = None
    daily_backup: _DailyBackup | None = None  # today's, beside the window, if not yet taken


class _LaterCheck:
    """The check of the tables the start left, beside the window: passed, their writes
    (held by `hold`) go through; damaged, they stay held."""

    def __init__(self, db_path: Path, hold: WriteHold) -> None:
        from caseload_app.db.safety import FileCheck

        self.check = FileCheck(db_path, later=True, passed=hold.release)
        self.hold = hold

    def run(self) -> str | None:
        problem = self.check.run()
        if problem is None and not self.check.stopped:
            self.hold.release()
        elif problem is not None:
            self.hold.damaged(problem)
        return problem

    def stop(self) -> None:
        self.check.stop()


class _DailyBackup:
    """Today's automatic backup, taken beside the window once its list is in (ui's
    take_daily_backup runs `take` on a thread of its own and calls `stop` on closing)."""

    def __init__(self, db_path: Path) -> None:
        from caseload_app.db.safety import BackupRun
        from caseload_app.services.backup import BackupService

        self.service = BackupService(db_path, paths.backups_dir())
        self.run = BackupRun()

    def take(self, progress: Callable[[str, int, int], None]):
        self.run.progress = progress
        return self.service.take_daily_backup(self.run)

    def stop(self) -> None:
        self.run.stop()


def _open_demo(held: contextlib.ExitStack, children: int) -> _Opened:
    from caseload_app.services.settings import LocalSettingsStore

    folder = Path(held.enter_context(tempfile.TemporaryDirectory(prefix="caseload-demo-")))
    db_path = folder / "demo.sqlite3"
    return _Opened(
        db=_demo_database(db_path, children),
        label=f"Demo data (temporary): {db_path}",
        store=LocalSettingsStore(folder / "settings.json"),
        backups=folder / "backups",
    )


def _open_laptop(
    held: contextlib.ExitStack,
    db_path: Path,
    demo_children: int,
    problem: Callable[[], str | None] | None,
) -> _Opened | int:
    """The laptop's file, locked before anything touches it; on a first run, how to begin
    (which may be the demo). An int: the start ends there with that exit code."""
    from caseload_app.db.engine import open_database
    from caseload_app.db.lock import InstanceLock
    from caseload_app.db.safety import FileCheck
    from caseload_app.services.settings import LocalSettingsStore
    from caseload_app.ui.dialogs.first_run import Start

    new_folder = not db_path.parent.exists()
    db_path.parent.mkdir(parents=True, exist_ok=True)  # first run: a new data folder
    lock = InstanceLock(db_path)
    lock.acquire()
    held.callback(lock.release)
    start = None
    if not db_path.exists():
        start = _missing_database(db_path)
        if start is None:  # Quit: no database is made, nor the folder for it
            lock.release()
            if new_folder:
                _remove_if_empty(db_path.parent)
            return 0
        if start == Start.DEMO:
            lock.release()  # the laptop's file stays as it is: nothing was made
            return _open_demo(held, demo_children)
    if not _usable_or_restored(db_path, problem() if problem else None):
        return 1
    db = open_database(db_path, backup_dir=paths.backups_dir(), checked=True)
    # The start checked every table but the contact log and the case file: until the window
    # has checked those, nothing is written to them; then it checks the whole file.
    return _Opened(
        db=db,
        label=db.describe(),
        store=LocalSettingsStore(paths.config_dir() / "settings.json"),
        backups=paths.backups_dir(),
        start=start,
        check_later=None if start else _LaterCheck(db_path, db.hold_writes()),
        check_whole=None if start else FileCheck(db_path),
        daily_backup=_DailyBackup(db_path),
    )


def _show_window(
    app,
    held: contextlib.ExitStack,
    opened: _Opened,
    on_ready: Callable[[MainWindow], None] | None,
) -> int:
    from caseload_app.ui.context import AppContext
    from caseload_app.ui.dialogs.first_run import Start
    from caseload_app.ui.main_window import MainWindow

    ctx = AppContext(
        db=opened.db,
        db_label=opened.label,
        settings_store=opened.store,
        settings=opened.store.load(),
        backups_folder=opened.backups,
    )
    held.callback(lambda: ctx.db.dispose())  # the one open at the end: a restore replaces it
    window = MainWindow(ctx)
    window.show()
    # Once the case list is in (it needs the cores first): today's backup, whose full check
    # of its copy stands for the check of the whole file; that check only if no backup is
    # taken (one was, earlier today; or the disk is full).
    check, daily, later = opened.check_whole, opened.daily_backup, opened.check_later
    whole = (check.run, check.stop) if check is not None else None

    def after_later() -> None:
        if later is not None:  # what the outbox held back while the contact log was checked
            window.send_outbox()
        if daily is not None:
            window.take_daily_backup(daily.take, daily.stop, whole)
        elif whole is not None:
            window.check_whole_file(*whole)

    _once(window.loaded, keep_the_start_out_of_full_collections)
    if later is not None:  # first the tables whose writes wait for it (seconds at most)
        _once(window.loaded, lambda: window.check_whole_file(later.run, later.stop, after_later))
    else:
        _once(window.loaded, after_later)
    if opened.start == Start.IMPORT:
        window.import_spreadsheet()
    # Straight after choosing an empty caseload there is no one to choose yet; demo data has
    # its caseworkers, so a demo asks too (its settings are thrown away with it).
    if ctx.settings.me_caseworker_id is None and opened.start != Start.EMPTY:
        _choose_me(window)
    if on_ready is not None:
        _once_loaded(window, on_ready)
    window.refresh()
    return app.exec()


def keep_the_start_out_of_full_collections() -> None:
    """What the start built and the app keeps (its modules, the window, SQLAlchemy's
    compiled statements) is left out of Python's full garbage collections, which otherwise
    walk it all now and then on the window's thread: 110 ms at 50,000 children, which fell
    on the benchmark's first save after the start (180 ms where the others took 28). Only
    the young garbage is collected first (a few ms); objects frozen are still freed when
    no longer used, and only a cycle among them would stay."""
    gc.collect(1)
    gc.freeze()


def _in_words(exc: Exception) -> str:
    """The message for a failed start: an operating-system error in words, not `[Errno 13]`."""
    if isinstance(exc, OSError):
        from caseload_app.db.location import plain_os_error

        return plain_os_error(exc)
    return str(exc)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # something else is in it: not ours to remove
        folder.rmdir()


def _missing_database(db_path: Path) -> str | None:
    """No database file. With backups of one, it was lost (deleted, moved, a sync tool):
    offer the newest good backup before a first start, whose empty caseload would soon
    push the real backups out of rotation. None: quit."""
    from caseload_app.services.backup import BackupService

    service = BackupService(db_path, paths.backups_dir())
    newest = service.newest_good()
    if newest is not None:
        answer = _ask_restore_missing(db_path, newest)
        if answer == "restore":
            return "restored" if _restore_at_start(service, newest.path) else None
        if answer is None:
            return None
    return _first_run(db_path)


def _ask_restore_missing(db_path: Path, newest) -> str | None:
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "The database is missing", "")
    box.setText(f"There is no database at {db_path}, but there are backups of one.")
    box.setInformativeText(
        f"The newest good backup was taken {newest.taken_at:%a %d %b %Y %H:%M} and holds "
        f"{_children(newest.children)}. If the database was moved or "
        "deleted by mistake, restore this backup (anything entered after it was taken is "
        "not in it). Start a new caseload only if this laptop is meant to begin again: "
        "the backups are kept (File → Backups and restore)."
    )
    restore = box.addButton("&Restore this backup", QMessageBox.ButtonRole.AcceptRole)
    fresh = box.addButton("Start a &new caseload…", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.exec()
    clicked = box.clickedButton()
    return "restore" if clicked is restore else "fresh" if clicked is fresh else None


def _children(n: int | None) -> str:
    from caseload_app.domain.text import how_many

    return "an unknown number of children" if n is None else how_many(n, "child", "children")


def _first_run(db_path: Path) -> str | None:
    """No database yet: say where it will live and ask how to begin (None: quit)."""
    from caseload_app.ui.dialogs.first_run import FirstRunDialog

    dialog = FirstRunDialog(db_path, paths.backups_dir())
    return dialog.choice if dialog.exec() else None


def _once_loaded(window: MainWindow, call: Callable[[MainWindow], None]) -> None:
    _once(window.week_loaded, lambda: call(window))


def _once(signal, call: Callable[[], None]) -> None:
    """`call` at the signal's next emission, and not again."""

    def emitted() -> None:
        signal.disconnect(emitted)
        call()

    signal.connect(emitted)


def _run_team(app, target: str) -> int:
    """Sign in to a team database and open the window as that person."""
    from caseload_app.services.settings import LocalSettingsStore
    from caseload_app.services.signin import TeamServer
    from caseload_app.ui.context import AppContext
    from caseload_app.ui.main_window import MainWindow

    server = TeamServer.parse(target)
    signed = sign_in_interactively(server)
    if signed is None:
        return 1
    store = LocalSettingsStore(paths.config_dir() / "settings-team.json")
    settings = store.load()
    settings.me_caseworker_id, settings.me_name = signed.caseworker_id, signed.name
    ctx = AppContext(
        db=signed.db,
        db_label=signed.db.describe(),
        settings_store=store,
        settings=settings,
        login=signed.login,
    )
    window = MainWindow(ctx)
    window.show()
    _once(window.loaded, keep_the_start_out_of_full_collections)
    window.refresh()
    try:
        return app.exec()
    finally:
        signed.db.dispose()


def sign_in_interactively(server, parent=None, *, login_fixed: bool = False, heading: str = ""):
    """A remembered password first (silently), else ask; None if the person cancels."""
    from caseload_app.services import signin
    from caseload_app.ui.dialogs.signin import SignInDialog

    remembered = signin.remembered_password(server, server.login)
    if remembered and not login_fixed:
        try:
            return signin.sign_in(server, server.login, remembered)
        except signin.SignInFailed:
            signin.forget_password(server, server.login)  # changed since: ask again

    def attempt(login: str, password: str):
        signed = signin.sign_in(server, login, password)
        if dialog.remember.isChecked():
            signin.remember_password(server, login, password)
        return signed

    dialog = SignInDialog(
        server.place,
        server.login,
        attempt,
        can_remember=signin.keyring_available(),
        login_fixed=login_fixed,
        heading=heading,
        parent=parent,
    )
    return dialog.signed_in if dialog.exec() else None


def _check_in_background(path: Path) -> Callable[[], str | None]:
    """Start the file's integrity check now: SQLite reads the disk on another core while
    Python imports Qt. Returns the wait for its answer (safety.problem_with's). The case
    file's tables (most of a file with documents) are checked once the window shows."""
    from concurrent.futures import ThreadPoolExecutor

    from caseload_app.db.safety import problem_with

    if not path.exists():
        return lambda: None
    pool = ThreadPoolExecutor(1, thread_name_prefix="check")
    future = pool.submit(problem_with, path, whole=False)
    pool.shutdown(wait=False)  # the thread ends with the check
    return future.result


def _usable_or_restored(db_path: Path, problem: str | None) -> bool:
    """A damaged database is never opened for writing: offer the newest good backup."""
    from PySide6.QtWidgets import QMessageBox

    from caseload_app.services.backup import BackupService
    from caseload_app.ui.window.data_safety import restore_question

    if problem is None:
        return True
    service = BackupService(db_path, paths.backups_dir())
    newest = service.newest_good()
    if newest is None:
        QMessageBox.critical(
            None,
            "The database is damaged",
            f"{problem}\n\nThere is no good backup to restore. Nothing has been "
            "changed; ask your administrator for help.",
        )
        return False
    answer = QMessageBox.question(
        None,
        "The database is damaged",
        restore_question(problem, newest),
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    return _restore_at_start(service, newest.path)


def _restore_at_start(service, backup: Path) -> bool:
    """Restore before the window opens (this copy holds the database's lock); a refusal
    (not an administrator, the backup failed its check) is shown and nothing changes."""
    import getpass

    from PySide6.QtWidgets import QMessageBox

    from caseload_app.db.engine import DatabaseError
    from caseload_app.services.errors import UserError

    try:
        service.restore(backup, user=getpass.getuser(), holds_lock=True)
    except (UserError, DatabaseError) as exc:
        QMessageBox.critical(None, "Not restored", str(exc))
        return False
    return True


def _choose_me(window) -> None:
    """First run: ask who is using this laptop so 'My caseload' means something."""
    from caseload_app.ui.dialogs.settings_dialog import ChooseMeDialog

    dialog = ChooseMeDialog(window.ctx.work().caseworkers(), window)
    if dialog.exec() and dialog.chosen is not None:
        settings = window.ctx.settings
        settings.me_caseworker_id, settings.me_name = dialog.chosen.id, dialog.chosen.name
        window.ctx.settings_store.save(settings)
        window.apply_settings(settings)


def _demo_database(path: Path, children: int):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from caseload_app.db.engine import open_database
    from caseload_app.services.demo import generate_demo

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # a few seconds for 2,000
    try:
        db = open_database(path)
        generate_demo(db, children=children, seed=1)
    finally:
        QApplication.restoreOverrideCursor()
    return db
