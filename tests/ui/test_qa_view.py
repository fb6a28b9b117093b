"""The Plan quality view (View → Plan quality): the month's audits, scores by section and by
caseworker over six months, the commonest failures, each audit opening its case; and the
council's checklist exported, replaced from a CSV (a faulty one refused, naming the line) and
put back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.plans import PlanService
from caseload_app.services.team import TeamService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case

pytestmark = pytest.mark.gui


def _audited(db, first_name: str, worker: int, outcome: str, vague: bool) -> int:
    case_id, work = new_case(db, first_name=first_name, upn=None, nhs_number=None)
    with_lead = TeamService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    with_lead.reassign([case_id], worker, "allocation", split_families=True)
    plan = good_plan()
    if vague:
        vague_p1 = replace(plan.provision[0], how_often="regularly")
        plan = replace(plan, provision=(vague_p1, *plan.provision[1:]))
    PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).save(case_id, plan, None, 0)
    qa = PlanAuditService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    state = qa.start(case_id)
    items = [i if i.score else replace(i, score="met") for i in state.items]
    qa.decide(state.id, state.version, items, {"F": "Frequency"}, outcome)
    return case_id


@pytest.fixture
def audited(db):
    team = TeamService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    asha, ben = team.add_caseworker("Asha Patel"), team.add_caseworker("Ben Okafor")
    return [
        _audited(db, "Amy", asha, "signed_off", vague=False),
        _audited(db, "Bea", ben, "rework", vague=True),
    ]


def test_the_month_shows_counts_sections_caseworkers_failures_and_audits(
    audited, db, open_window, qtmodeltester
):
    window = open_window(db)
    view = window.open_quality()
    assert window.open_quality() is view  # one tab, brought forward
    assert view.month.currentData() == date(2026, 11, 1)
    assert view.headline.text() == (
        "November 2026: 2 plans audited — 1 signed off, 1 sent back for rework"
        f" · average score {view.figures.average}%"
    )
    workers = view.workers.rows_model
    qtmodeltester.check(workers, force_py=True)
    assert [
        workers.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(workers.columnCount())
    ][-2:] == [
        "Oct 2026",
        "Nov 2026",
    ]
    assert [w.caseworker for w in workers.rows()] == ["Asha Patel", "Ben Okafor"]
    assert view.failures.rows_model.row_at(0).section == "F"
    for table in (view.sections, view.failures, view.audits):
        qtmodeltester.check(table.rows_model, force_py=True)
    view.audits.doubleClicked.emit(view.audits.rows_model.index(0, 0))
    assert window.current_case() is not None
    view.month.setCurrentIndex(1)  # October: nothing decided
    assert view.headline.text().startswith("October 2026: 0 plans audited")


def test_the_checklist_is_exported_replaced_and_put_back(
    audited, db, open_window, tmp_path, monkeypatch, messages
):
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    view = open_window(db).open_quality()
    out = tmp_path / "checklist.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    view.export_button.click()
    assert out.read_text(encoding="utf-8").startswith("key,section,question,source,rules\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("key,section,question\nx,Q,Is it?\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    view.import_button.click()
    assert messages == [
        "bad.csv line 2: section 'Q' is not one of A, B, C, D, E, F, G, H1, H2, I, J, K, all"
    ]
    good = tmp_path / "good.csv"
    good.write_text("key,section,question\nx,A,Is Section A theirs?\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    view.import_button.click()
    assert told[-1] == "1 item in the checklist: new audits use it."
    assert [i.key for i in PlanAuditService(db, "x").checklist()] == ["x"]
    view.reset_button.click()
    assert len(PlanAuditService(db, "x").checklist()) > 1
