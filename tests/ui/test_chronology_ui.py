"""The History tab's Chronology… button: the range and the format asked in a form (a range
ending before it starts is refused under the field), then where to save; the file written and
its export audited, or nothing at all when the person cancels."""

from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.ui.case import CaseView
from caseload_app.ui.case.history import ChronologyDialog
from tests.helpers import new_case

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot, db, messages):
    """Zoë's case with a phone call on Wed 2 Sep 2026, open on its History tab."""
    case_id, work = new_case(db)
    work.log_communication(
        case_id, datetime(2026, 9, 2, 14, 5), "phone", "in", "Mum", "Asked about the EP"
    )
    shown = CaseView(work, case_id, work.caseworkers())
    qtbot.addWidget(shown)
    shown.show()
    shown.show_tab("history")
    return shown


@pytest.fixture
def saving(monkeypatch):
    """Where the save dialog answers (None: Cancel), and what the window then said."""
    asked: dict = {"answer": None, "suggested": [], "said": []}

    def save_as(_parent, _title, suggested, _filter):
        asked["suggested"].append(suggested)
        return (str(asked["answer"]) if asked["answer"] else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: asked["said"].append(text))
    return asked


def exports(db) -> list[str]:
    with db.read() as s:
        query = select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.record_type == "ehcp_case", AuditEntry.action.in_(("print", "export"))
        )
        return [f"{action}: {detail}" for action, detail in s.execute(query)]


def test_a_range_and_a_format_then_the_file_is_saved_and_audited(view, saving, db, tmp_path):
    view.history.chronology_button.click()
    dialog = view.dialog
    assert isinstance(dialog, ChronologyDialog)
    dialog.set_values(start=date(2026, 9, 1), end=date(2026, 8, 1), format="csv")
    dialog.accept()
    assert view.dialog is dialog  # still open, the problem under the field
    assert dialog.form.error("end") == (
        "The range ends (Sat 1 Aug 2026) before it starts (Tue 1 Sep 2026)."
    )
    assert saving["suggested"] == []
    saving["answer"] = tmp_path / "zoe"  # typed without its suffix
    dialog.set_values(end=None)
    dialog.accept()
    assert view.dialog is None
    assert saving["suggested"] == [f"Chronology Zoë Brontë case {view.case_id}.csv"]
    text = (tmp_path / "zoe.csv").read_text(encoding="utf-8-sig")
    assert "2026-09-02,14:05,Contact,Asha Patel,Phone from Mum: Asked about the EP" in text
    assert "Request received" not in text  # Wed 1 Jul, before the range
    assert saving["said"] == [
        f"Saved 1 entry (From Tue 1 Sep 2026 to Tue 24 Nov 2026 (the day it was made)) in "
        f"{tmp_path / 'zoe.csv'}."
    ]
    assert exports(db) == [
        "export: case chronology, 1 entry, From Tue 1 Sep 2026 to Tue 24 Nov 2026 (the day it "
        "was made), as zoe.csv"
    ]
    saving["answer"] = tmp_path / "all.pdf"
    view.history.chronology_button.click()
    view.dialog.set_values(format="pdf")
    view.dialog.accept()
    pages = PdfReader(BytesIO((tmp_path / "all.pdf").read_bytes())).pages
    printed = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Chronology — Zoë Brontë" in printed and "Asked about the EP" in printed
    assert "Everything recorded up to Tue 24 Nov 2026" in printed
    assert len(exports(db)) == 2


def test_cancelling_where_to_save_writes_and_audits_nothing(view, saving, db, tmp_path):
    view.history.chronology_button.click()
    view.dialog.accept()
    assert saving["suggested"] == [f"Chronology Zoë Brontë case {view.case_id}.pdf"]
    assert list(tmp_path.glob("*.pdf")) == [] and saving["said"] == []
    assert exports(db) == []
