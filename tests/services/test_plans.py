"""The EHC plan on a case through its service: the working copy saved and checked, issued
versions frozen (by the database itself) with their sha256, the next version started from
the last, versions compared, Word and JSON imported all or nothing, and every export audited
with its file's hash. "Today" is Tue 24 Nov 2026 (tests.helpers.TODAY)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from caseload_app.db.models import AuditEntry, PlanVersion
from caseload_app.domain.plan import plan_from_dict, plan_to_dict
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.plans import PlanService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case


@pytest.fixture
def case(db):
    case_id, work = new_case(db)
    return case_id, PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def audits(db, action: str) -> list[str]:
    query = select(AuditEntry.detail).where(
        AuditEntry.action == action, AuditEntry.record_type == "plan_version"
    )
    with db.read() as s:
        return list(s.scalars(query))


def test_a_new_plan_starts_empty_with_section_k_from_the_advice_received(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    advice = work.get_case(case_id).advice[0]
    work.advice_received(advice.id, advice.version, date(2026, 9, 10))
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    state = plans.working(case_id)
    assert (state.version_id, state.number, state.kind) == (None, 1, "draft")
    (k1,) = state.plan.advice
    assert (k1.key, k1.title, k1.dated) == (
        "K1",
        "Educational psychology advice",
        date(2026, 9, 10),
    )
    assert {f.rule for f in state.findings} >= {"a_empty", "k_not_reflected"}


def test_saving_keeps_one_working_copy_audits_what_changed_and_refuses_a_stale_save(case, db):
    case_id, plans = case
    first = plans.save(case_id, good_plan(), None, 0)
    assert (first.number, first.kind, first.findings) == (1, "draft", ())
    assert audits(db, "create") == ["Plan version 1 (Draft plan) started and saved"]
    plan = good_plan()
    p1 = replace(plan.provision[0], how_often="regularly")
    second = plans.save(case_id, replace(plan, provision=(p1, plan.provision[1])),
                        first.version_id, first.version)  # fmt: skip
    assert second.version_id == first.version_id and second.version == first.version + 1
    assert [f.rule for f in second.findings] == ["vague_regular"]
    assert audits(db, "update") == ["Plan version 1 saved: sections changed F"]
    with pytest.raises(UserError, match="Asha Patel changed this plan"):
        plans.save(case_id, good_plan(), first.version_id, first.version)  # stale
    assert plans.working(case_id).plan.provision[0].how_often == "regularly"


def test_issuing_freezes_the_version_with_its_hash_and_the_next_starts_from_it(case, db):
    case_id, plans = case
    state = plans.save(case_id, good_plan(), None, 0)
    issued = plans.issue(case_id, state.version_id, state.version, date(2026, 11, 20))
    with db.read() as s:
        content = s.scalar(select(PlanVersion.content).where(PlanVersion.id == issued.id))
    assert issued.sha256 == hashlib.sha256(content.encode("utf-8")).hexdigest()
    assert (issued.kind_label, issued.issued_on) == ("Draft plan", date(2026, 11, 20))
    assert "issued as Draft plan on 2026-11-20 (sha256 " in audits(db, "issue")[0]
    nxt = plans.working(case_id)
    saved = plan_from_dict(plan_to_dict(good_plan()))  # as stored: empty notes are not kept
    assert (nxt.version_id, nxt.number, nxt.kind, nxt.plan) == (None, 2, "final", saved)
    final = plans.save(case_id, nxt.plan.with_placement("Hillside Primary School"), None, 0)
    assert (final.number, final.kind) == (2, "final")
    changes = plans.compare(issued.id, final.version_id)
    assert [(c.section, c.field, c.after) for c in changes] == [
        ("I", "name", "Hillside Primary School"),
    ]
    assert [v.number for v in plans.versions(case_id)] == [1, 2]


@pytest.mark.parametrize("statement", [
    "UPDATE plan_version SET content = '{}' WHERE issued_on IS NOT NULL",
    "UPDATE plan_version SET issued_on = NULL WHERE issued_on IS NOT NULL",
])  # fmt: skip
def test_the_database_itself_refuses_to_change_an_issued_version(case, db, statement):
    case_id, plans = case
    state = plans.save(case_id, good_plan(), None, 0)
    plans.issue(case_id, state.version_id, state.version, date(2026, 11, 20))
    with pytest.raises(DBAPIError, match="cannot be changed"), db.uow() as s:
        s.execute(text(statement))


def test_one_working_copy_per_case_is_held_by_the_database(case, db):
    case_id, plans = case
    plans.save(case_id, good_plan(), None, 0)
    with pytest.raises(IntegrityError), db.uow() as s:
        s.add(PlanVersion(case_id=case_id, number=9, kind="draft", content="{}",
                          created_by="x", created_at=NOW))  # fmt: skip


def test_a_draft_naming_a_school_is_not_issued_and_the_day_cannot_be_ahead(case):
    """s38(5) CFA 2014: the draft leaves Section I blank."""
    case_id, plans = case
    state = plans.save(case_id, good_plan().with_placement("Hillside Primary School"), None, 0)
    with pytest.raises(
        UserError, match=r"must not name a school.*s38\(5\) Children and Families Act 2014"
    ):
        plans.issue(case_id, state.version_id, state.version, date(2026, 11, 20))
    with pytest.raises(FieldErrors):
        plans.issue(case_id, state.version_id, state.version, date(2026, 11, 25))
    assert plans.versions(case_id)[0].issued_on is None


def test_exports_in_word_pdf_and_json_are_audited_with_their_hash(case, db):
    case_id, plans = case
    state = plans.save(case_id, good_plan(), None, 0)
    docx = plans.export(case_id, None, "docx")
    assert Document(BytesIO(docx)).paragraphs[0].text == "Draft Education, Health and Care plan"
    pdf = plans.export(case_id, state.version_id, "pdf")
    assert "Zoë Brontë" in PdfReader(BytesIO(pdf)).pages[0].extract_text()
    data = plans.export(case_id, None, "json")
    assert plan_from_dict(json.loads(data)) == plan_from_dict(plan_to_dict(good_plan()))
    logged = audits(db, "export")
    assert [line.split(" (sha256 ")[1].rstrip(")") for line in logged] == [
        hashlib.sha256(x).hexdigest() for x in (docx, pdf, data)
    ]
    with pytest.raises(UserError, match="Export as one of docx, pdf, json"):
        plans.export(case_id, None, "odt")


def test_a_case_with_no_plan_has_nothing_to_export(case):
    case_id, plans = case
    with pytest.raises(UserError, match="no plan written yet"):
        plans.export(case_id, None, "pdf")


def test_importing_replaces_the_working_copy_all_or_nothing(case, db):
    case_id, plans = case
    plans.save(case_id, good_plan(), None, 0)
    doc = Document()
    doc.add_heading("Section B: Special educational needs", 1)
    doc.add_paragraph("Zoë finds reading hard.")
    out = BytesIO()
    doc.save(out)
    report = plans.import_docx(case_id, out.getvalue(), "old-plan.docx")
    assert report.startswith("Sections found: B.")
    assert [n.text for n in plans.working(case_id).plan.needs] == ["Zoë finds reading hard."]
    assert "imported from old-plan.docx" in audits(db, "update")[-1]
    before = plans.working(case_id).plan
    with pytest.raises(UserError, match="bad.docx is not a Word .docx file"):
        plans.import_docx(case_id, b"plain text", "bad.docx")
    with pytest.raises(UserError, match=r"plan.json: provision\[0\].needs: no need 'N9'"):
        bad = {"provision": [{"key": "P1", "section": "F", "text": "x", "needs": ["N9"]}]}
        plans.import_json(case_id, json.dumps(bad), "plan.json")
    with pytest.raises(UserError, match=r"plan.json is not JSON \(line 1"):
        plans.import_json(case_id, "{not json", "plan.json")
    assert plans.working(case_id).plan == before
    assert "imported" in plans.import_json(
        case_id,
        json.dumps(
            __import__("caseload_app.domain.plan", fromlist=["x"]).plan_to_dict(good_plan())
        ),
    )


def test_the_plan_commands(tmp_path, capsys):
    """`caseload plan import / check / export / versions` on a database file."""
    from caseload_app.cli import main
    from caseload_app.db.engine import open_database

    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    case_id, _ = new_case(db)
    db.dispose()
    source = tmp_path / "plan.json"
    plan = good_plan()
    p1 = replace(plan.provision[0], text="Access to phonics")
    source.write_text(json.dumps(plan_to_dict(replace(plan, provision=(p1, plan.provision[1])))))
    base = ["--db", str(path), "--case", str(case_id)]
    assert main(["plan", "import", *base, str(source)]) == 0
    assert "2 needs, 1 outcomes" in capsys.readouterr().out
    assert main(["plan", "check", *base, "--json"]) == 0
    (finding,) = json.loads(capsys.readouterr().out)
    assert (finding["section"], finding["item"], finding["rule"], finding["words"]) == (
        "F", "P1", "vague_access", "Access to",
    )  # fmt: skip
    assert main(["plan", "check", *base]) == 0
    assert 'F P1     "access to" "Access to"' in capsys.readouterr().out
    out = tmp_path / "zoe.docx"
    assert main(["plan", "export", *base, "--format", "docx", "-o", str(out)]) == 0
    assert Document(out).paragraphs[0].text == "Draft Education, Health and Care plan"
    assert main(["plan", "versions", *base]) == 0
    assert "Draft plan" in capsys.readouterr().out
    assert main(["plan", "export", *base, "--format", "pdf", "--version", "7", "-o",
                 str(tmp_path / "x.pdf")]) == 1  # fmt: skip
    assert "has no plan version 7" in capsys.readouterr().err
    assert main(["plan", "import", *base, str(tmp_path / "missing.docx")]) == 1
    assert "missing.docx cannot be read" in capsys.readouterr().err


def test_a_case_with_an_issued_plan_goes_to_the_trash_and_comes_back_whole(case, db):
    from caseload_app.services.trash import TrashService

    case_id, plans = case
    state = plans.save(case_id, good_plan(), None, 0)
    issued = plans.issue(case_id, state.version_id, state.version, date(2026, 11, 20))
    plans.save(case_id, good_plan().with_placement("Hillside Primary School"), None, 0)
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    item = trash.delete_case(case_id, "made by mistake")
    with db.read() as s:
        assert s.scalar(select(PlanVersion.id).where(PlanVersion.case_id == case_id)) is None
    trash.restore(item)
    back = plans.versions(case_id)
    assert [(v.number, v.issued_on, v.sha256) for v in back] == [
        (1, date(2026, 11, 20), issued.sha256), (2, None, None),
    ]  # fmt: skip
    assert plans.working(case_id).plan.placement.name == "Hillside Primary School"


def test_the_plan_rules_command_lists_switches_off_and_on(tmp_path, capsys):
    """`caseload plan rules [--off KEY --reason TEXT | --on KEY]` on a database file; `plan
    check` then leaves the check out."""
    import getpass

    from caseload_app.cli import main
    from caseload_app.db.engine import open_database
    from caseload_app.domain.plan_checks import rules
    from tests.helpers import add_person

    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    case_id, _ = new_case(db)
    plan = good_plan()
    p1 = replace(plan.provision[0], text="Access to phonics")
    PlanService(db, "Asha Patel").save(case_id, replace(plan, provision=(p1, plan.provision[1])),
                                       None, 0)  # fmt: skip
    db.dispose()
    on_db = ["--db", str(path)]
    assert main(["plan", "rules", *on_db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(rules()) + 1
    assert lines[0].split() == ["vague_access", "F", "G", "H1", "H2", "on"]
    assert lines[-1] == f"{len(rules())} checks, 0 switched off."
    off = ["plan", "rules", *on_db, "--off", "vague_access"]
    assert main([*off, "--reason", "Our panel's wording"]) == 0
    assert capsys.readouterr().out == "Plan check vague_access switched off.\n"
    assert main(["plan", "rules", *on_db]) == 0
    out = capsys.readouterr().out
    assert "vague_access               F G H1 H2                off: Our panel's wording" in out
    assert out.endswith("1 switched off.\n")
    assert main(["plan", "check", *on_db, "--case", str(case_id)]) == 0
    assert capsys.readouterr().out == "0 finding(s).\n"
    assert main(off) == 1  # no reason
    assert "Say why the check is switched off" in capsys.readouterr().err
    assert main(["plan", "rules", *on_db, "--off", "vague_acess", "--reason", "x"]) == 1
    assert "no plan check called 'vague_acess'" in capsys.readouterr().err
    assert main(["plan", "rules", *on_db, "--reason", "x"]) == 1
    assert "--reason goes with --off KEY" in capsys.readouterr().err
    assert main(["plan", "rules", *on_db, "--on", "vague_access"]) == 0
    assert capsys.readouterr().out == "Plan check vague_access switched on.\n"
    assert main(["plan", "check", *on_db, "--case", str(case_id)]) == 0
    assert capsys.readouterr().out.endswith("1 finding(s).\n")
    db = open_database(path)
    add_person(db, "boss", "Boss", "administrator")
    add_person(db, getpass.getuser(), "Me", "caseworker", by="Boss")
    db.dispose()
    assert main([*off, "--reason", "Mine"]) == 1
    assert "You cannot change team settings" in capsys.readouterr().err
