"""A subject access request on SQLite and PostgreSQL: a new folder with the child's and the
family's records, every contact, every document's file under a safe name, who looked at the
case, and the other people named for review before release; for administrators only, never
over an existing folder, and audited."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.documents import DocumentService, NewDocument
from caseload_app.services.errors import PermissionDenied, UserError
from caseload_app.services.sar import SarService
from tests.helpers import NOW, TODAY, add_person, new_case
from tests.services.test_documents import email_with_attachment, pdf


def test_everything_held_is_written_for_review(db, tmp_path):
    case_id, work = new_case(db)
    work.log_communication(case_id, datetime(2026, 11, 2, 10, 0), "phone", "in",
                           "Ms Jo Brontë", "Asked when the draft plan will come.")  # fmt: skip
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    advice = pdf("EP advice")
    docs.add(case_id, advice, "../EP advice.pdf",
             NewDocument("advice_ep", date(2026, 10, 1), "Dr A Patel"))  # fmt: skip
    docs.add(case_id, email_with_attachment(), "mum.eml")
    work.get_case(case_id)  # a look: in the audit trail
    sar = SarService(db, "Dee Admin", today=lambda: TODAY, now=lambda: NOW)
    out = tmp_path / "SAR Zoë"
    done = sar.export_for_case(case_id, out)
    held = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert held["child"]["first_name"] == "Zoë"
    (case,) = held["cases"]
    assert case["case"]["id"] == case_id and len(case["document"]) == 3
    assert "body_text" not in case["document"][0]
    files = sorted(p.name for p in (out / "documents").iterdir())
    # The name as safe_file_name makes it: the last part of a path, never a path.
    assert files == ["00001 EP advice.pdf", "00002 mum.eml", "00003 audiology.pdf"]
    assert (out / "documents" / "00001 EP advice.pdf").read_bytes() == advice
    with (out / "communications.csv").open(encoding="utf-8-sig") as fh:
        assert [r["summary"] for r in csv.DictReader(fh)] == [
            "Asked when the draft plan will come."
        ]
    with (out / "audit.csv").open(encoding="utf-8-sig") as fh:
        assert {"view", "create"} <= {r["action"] for r in csv.DictReader(fh)}
    third = (out / "third-parties.txt").read_text(encoding="utf-8")
    assert "Dr A Patel" in third and "Asha Patel" in third
    assert "Ms Jo Brontë" not in third.splitlines()  # the parent is the requester's side
    assert done.documents == 3 and "review before release" in (out / "README.txt").read_text()
    with db.read() as s:
        logged = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export")).all()
    assert logged[-1].startswith(f"Subject access request for child 1 written to {out.name}")
    with pytest.raises(UserError, match="already exists"):
        sar.export_for_case(case_id, out)


def test_only_an_administrator_makes_one(db, tmp_path):
    case_id, _ = new_case(db)
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "lee", "Lee Lead", "team_lead", by="Dee Admin")
    with pytest.raises(PermissionDenied):
        SarService(db, "Lee Lead").export_for_case(case_id, tmp_path / "x")
    assert not (tmp_path / "x").exists()
