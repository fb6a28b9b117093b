"""Shared test helpers: real SQLite files in tmp_path, never mocks of the database."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

TODAY = date(2026, 11, 24)

HEADER = (
    "child_first_name,child_last_name,date_of_birth,upn,nhs_number,postcode,primary_need,"
    "caseworker,request_received,stage,final_plan_issued,last_review,parent_carer_name,phone,email"
)


def write_csv(path: Path, *lines: str, header: str = HEADER, bom: bool = False) -> Path:
    text = "\r\n".join((header, *lines)) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


NOW = datetime(2026, 11, 24, 10, 30)


@contextmanager
def statements_sent(engine):
    """The (statement, parameters) pairs an engine sends inside the block, in order."""
    from sqlalchemy import event

    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def services(db, user: str = "Asha Patel"):
    """A RequestService and a CaseworkService acting as `user` on the fixed test day."""
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.requests import RequestService

    return (
        RequestService(db, user, today=lambda: TODAY, now=lambda: NOW),
        CaseworkService(db, user, today=lambda: TODAY, now=lambda: NOW),
    )


def new_case(db, **overrides):
    """A new request for Zoë Brontë (received Wed 1 Jul 2026); returns (case_id, work)."""
    from caseload_app.services.requests import NewRequest

    requests, work = services(db)
    fields = dict(
        first_name="Zoë",
        last_name="Brontë",
        date_of_birth=date(2016, 5, 4),
        request_received=date(2026, 7, 1),
        upn="L837201500012",
        nhs_number="401 023 2137",
        parent_carer_name="Ms Jo Brontë",
        postcode="bh1 1aa",
        phone="01202 123456",
    )
    fields.update(overrides)
    return requests.create(NewRequest(**fields)), work


@contextmanager
def disk_full(db):
    """The database cannot grow by a single page, as on a full disk: SQLite answers
    SQLITE_FULL exactly as it does when the file system has no space left."""
    from sqlalchemy import event

    with db.read() as s:
        pages = s.connection().exec_driver_sql("PRAGMA page_count").scalar()

    def cap(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()
    event.listen(db.engine, "connect", cap)
    try:
        yield
    finally:
        event.remove(db.engine, "connect", cap)
        db.engine.dispose()


def add_person(
    db,
    login: str,
    name: str,
    *roles: str,
    caseworker_id: int | None = None,
    by: str | None = None,
    password: str | None = None,
) -> int:
    """Set someone up with roles (by an administrator, or by the first person themselves)."""
    from caseload_app.services.people import PeopleService

    people = PeopleService(db, by or name, today=lambda: TODAY, now=lambda: NOW)
    return people.add_person(login_for(db, login), name, " ".join(roles), caseworker_id, password)


def login_for(db, login: str) -> str:
    """The login a test uses for `login`: on PostgreSQL logins are the whole server's (and
    other test runs may share it), and caseload refuses one it did not create, so each test
    database has its own (asha -> asha.t1234n5, from caseload_test_1234_5; dropped with the
    database); a laptop file keeps the name."""
    if db.is_sqlite:
        return login
    return f"{login}.{login_tag(db.url)}"


def login_tag(url: str) -> str:
    """What makes a test database's logins its own: t<pid>n<number> from its name."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    return "t" + name.removeprefix("caseload_test_").replace("_", "n")


def plain_request(first_name: str, caseworker_id: int | None = None):
    """A minimal new request (no identifiers) for a child of the Brontë family."""
    from caseload_app.services.requests import NewRequest

    return NewRequest(
        first_name=first_name,
        last_name="Brontë",
        date_of_birth=date(2016, 5, 4),
        request_received=date(2026, 7, 1),
        parent_carer_name="Ms Jo Brontë",
        caseworker_id=caseworker_id,
    )


def open_main_window(qtbot, db, folder: Path, *, settings=None, login: str | None = None):
    """The main window on `db` on the fixed test day, loaded and shown: as Asha Patel
    (caseworker 1) unless other settings or a team-database login are given."""
    from caseload_app.services.settings import LocalSettings, LocalSettingsStore
    from caseload_app.ui.context import AppContext
    from caseload_app.ui.main_window import MainWindow

    ctx = AppContext(
        db=db,
        db_label=db.describe() if login else "Database: test",
        settings_store=LocalSettingsStore(folder / "settings.json"),
        settings=settings or LocalSettings(me_caseworker_id=1, me_name="Asha Patel"),
        today=lambda: TODAY,
        now=lambda: NOW,  # the window's clock agrees with its calendar
        login=login,
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    window.wait_loaded()
    return window


@contextmanager
def read_only_folder(folder: Path, fill=None):
    """`folder`, filled by `fill(folder)` while writable, then made read-only for real.

    As root (CI) permission bits are ignored, so the folder is a tmpfs remounted read-only:
    every write fails with EROFS, even root's. Anyone else gets chmod 0555 (EACCES). Skips
    only where neither can be had."""
    import os
    import shutil
    import subprocess

    import pytest

    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        if fill:
            fill(folder)
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("mount") is None:
        pytest.skip("no mount command to make a read-only folder as root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        folder.chmod(0o755)
        if fill:
            fill(folder)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def word_template(
    path: Path, paragraphs: list[str], *, title: str = "", comments: str = "To: family"
) -> Path:
    """A letter template an administrator wrote in Word: `paragraphs` of text (placeholders
    as typed in Word), the letter's title and header in the document's properties."""
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.core_properties.title = title
    doc.core_properties.comments = comments
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def docx_paragraphs(data: bytes) -> list[str]:
    """The text of a Word file's paragraphs (its tables' too), read back with python-docx."""
    from io import BytesIO

    from docx import Document

    doc = Document(BytesIO(data))
    cells = [p.text for t in doc.tables for c in t._cells for p in c.paragraphs]
    return [p.text for p in doc.paragraphs] + cells
