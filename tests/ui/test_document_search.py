"""View → Search documents (Ctrl+Shift+F): the words inside every case's documents, each hit
with its child and the words in context; double-click opens that case on its Documents tab."""

from __future__ import annotations

import pytest

from caseload_app.services.documents import DocumentService
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_documents import pdf

pytestmark = pytest.mark.gui


def test_a_lead_finds_words_in_any_case_and_opens_it(db, open_window, qtmodeltester, messages):
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    zoe, _ = new_case(db)
    amy, _ = new_case(db, first_name="Amy", upn=None, nhs_number=None)
    docs.add(zoe, pdf("Audiology: grommets advised."), "audiology.pdf")
    docs.add(amy, pdf("Occupational therapy: sensory diet."), "ot.pdf")
    window = open_window(db)
    view = window.search_documents()
    assert window.search_documents() is view  # one tab, brought forward
    view.words.setText("grommets")
    view.run()
    (hit,) = view.table.rows_model.rows()
    assert (hit.child_name, hit.document.case_id) == ("Zoë Brontë", zoe)
    assert "[grommets]" in hit.snippet
    qtmodeltester.check(view.table.rows_model, force_py=True)
    view.table.doubleClicked.emit(view.table.rows_model.index(0, 0))
    case = window.current_case()
    assert case.case_id == zoe and case.current_tab() == "documents"
    view.words.setText("   ")
    view.run()
    assert messages == ["Type a word to search for."]
