"""File → Export: the case list and the calendar from the window (they were on the command
line only), with a file chooser, off the window's thread, audited, and saying where."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.demo import generate_demo
from tests.helpers import TODAY

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=60, seed=4, today=TODAY)
    return open_window(db)


def menu(window, text: str) -> QAction:
    return next(a for a in window.findChildren(QAction) if a.text() == text)


def test_the_case_list_is_exported_where_chosen_and_said_so(
    qtbot, db, window, tmp_path, monkeypatch
):
    chosen = tmp_path / "cases"  # no extension typed: .csv is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(chosen), "CSV"))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    menu(window, "The &case list (CSV)…").trigger()
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    written = tmp_path / "cases.csv"
    with written.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert told == [f"Exported {len(rows)} children to {written}."]
    assert len(rows) == 60
    with db.read() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "export")) is not None


def test_cancelling_the_file_chooser_exports_nothing(window, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    menu(window, "The &case list (CSV)…").trigger()
    assert getattr(window, "_export_job", None) is None  # nothing was started


def test_my_calendar_is_exported_for_who_i_am(qtbot, db, window, tmp_path, monkeypatch):
    from icalendar import Calendar

    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    chosen = tmp_path / "mine"  # no extension typed: .ics is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(chosen), "Calendar"))
    window.ctx.settings.me_caseworker_id = None
    menu(window, "My ca&lendar (.ics, for Outlook)…").trigger()
    assert told == ["Say who you are first: File → Settings…, I am."]  # and nothing asked
    assert not (tmp_path / "mine.ics").exists()
    me = window.ctx.work().caseworkers()[0]
    window.ctx.settings.me_caseworker_id = me.id
    menu(window, "My ca&lendar (.ics, for Outlook)…").trigger()
    qtbot.waitUntil(lambda: len(told) == 2, timeout=20_000)
    events = Calendar.from_ical((tmp_path / "mine.ics").read_bytes()).walk("VEVENT")
    assert told[1] == f"Exported {len(events)} dates to {tmp_path / 'mine.ics'}."
    with db.read() as s:
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.record_type == "calendar"))
    assert detail == f"Calendar of {me.name}: {len(events)} dates, to mine.ics"
