"""The plan's audit from the Plan tab: a team lead starts it on a plan a caseworker wrote, the
checks' scores already in, scores and comments, sends it back; the tab then says so, and a
decided audit opens read-only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QMessageBox

from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.plans import PlanService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case, services
from tests.ui.test_case_view import open_view

pytestmark = pytest.mark.gui


@pytest.fixture
def lead_view(qtbot, db):
    case_id, _ = new_case(db)
    PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).save(
        case_id, good_plan(), None, 0
    )
    _, lead = services(db, "Lee Lead")
    view = open_view(qtbot, lead, case_id)
    view.show_tab("plan")
    return view


def test_a_lead_audits_a_plan_from_the_tab_and_sends_it_back(qtbot, db, lead_view, messages):
    tab = lead_view.plan
    assert tab.audit_status.text() == "Not audited yet"
    tab.audit_button.click()
    dialog = tab.audit
    assert dialog.isVisible() and dialog.save_button.isVisible()
    scores = {i.key: i.score for i in dialog.scored_items()}
    assert scores["f_specific"] == "met" and scores["readable"] is None  # from the checks
    assert "6 item(s) not scored" in dialog.score.text()
    dialog.set_score("readable", "partly")
    dialog.set_comment("F", "Name the therapist's qualification.")
    assert dialog.save()
    assert "partly" in {i.score for i in dialog.scored_items()}
    dialog.rework_button.click()
    assert not dialog.isVisible()
    assert tab.audit_status.text().startswith("Sent back for rework by Lee Lead on 24 Nov 2026")
    audits = PlanAuditService(db, "Lee Lead").audits(lead_view.case_id)
    assert audits[0].comments == {"F": "Name the therapist's qualification."}
    assert messages == []


def test_a_refused_decision_shows_why_and_keeps_the_dialog_open(lead_view, messages):
    tab = lead_view.plan
    tab.audit_button.click()
    tab.audit.rework_button.click()  # no comment yet
    assert tab.audit.isVisible()
    assert "write a comment on at least one section" in messages[-1]


def test_a_decided_audit_opens_read_only(qtbot, db, lead_view, monkeypatch):
    qa = PlanAuditService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    state = qa.start(lead_view.case_id)
    items = [i if i.score else replace(i, score="met") for i in state.items]
    qa.decide(state.id, state.version, items, {}, "signed_off")
    monkeypatch.setattr(QMessageBox, "exec", lambda box: box.setProperty("picked", 1))
    monkeypatch.setattr(QMessageBox, "clickedButton", lambda box: None)  # "See the last one"
    tab = lead_view.plan
    tab.refresh()
    assert tab.audit_status.text().startswith("Signed off by Lee Lead on 24 Nov 2026 (")
    tab.audit_button.click()
    dialog = tab.audit
    assert not dialog.save_button.isVisible() and not dialog.sign_button.isVisible()
    assert len(qa.audits(lead_view.case_id)) == 1  # looking started nothing
