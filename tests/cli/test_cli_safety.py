"""The audit, trash and retention commands."""

import csv
from datetime import date

from caseload_app.cli import main
from caseload_app.services.settings import TeamSettingsService
from caseload_app.services.trash import TrashService
from tests.helpers import add_person, new_case


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_lists_filters_and_exports(db, capsys, tmp_path):
    case_id, work = new_case(db)
    work.add_task(case_id, "Ring school", None, None)
    code, out, _ = run(capsys, "audit", "--db", str(db.path), "--case", str(case_id))
    assert code == 0
    assert "Ring school" in out
    assert "new request" in out
    assert out.strip().endswith("2 entries (newest first)")
    target = tmp_path / "audit.csv"
    code, out, _ = run(
        capsys, "audit", "--db", str(db.path), "--action", "create", "-o", str(target)
    )
    assert code == 0
    assert out.startswith("Exported 2 audit entries")
    with open(target, encoding="utf-8-sig", newline="") as fh:
        assert [r["detail"] for r in csv.DictReader(fh)] == ["new request", "Ring school"]


def test_audit_is_refused_to_someone_not_an_administrator(db, capsys):
    new_case(db)
    add_person(db, "dee.admin", "Dee Admin", "administrator")
    code, _, err = run(capsys, "audit", "--db", str(db.path))
    assert code == 1
    assert "You cannot read and export the audit trail" in err
    code, _, err = run(
        capsys, "audit", "--db", str(db.path), "--from", "2026-12-01", "--to", "2026-11-01"
    )
    assert code == 1


def test_trash_lists_restores_and_purges(db, capsys):
    case_id, work = new_case(db)
    task_id = work.add_task(case_id, "Ring school", None, None)
    item = TrashService(db, "Asha Patel").delete_task(task_id, "typo")
    code, out, _ = run(capsys, "trash", "--db", str(db.path))
    assert code == 0
    assert "Task: Ring school" in out
    assert "1 items in the trash" in out
    code, out, _ = run(capsys, "trash", "--db", str(db.path), "--restore", str(item))
    assert code == 0
    assert out.strip() == f"Restored task {task_id}"
    item = TrashService(db, "Asha Patel").delete_task(task_id)
    code, out, _ = run(capsys, "trash", "--db", str(db.path), "--purge", str(item))
    assert code == 0
    assert "for good" in out
    code, _, err = run(capsys, "trash", "--db", str(db.path), "--restore", str(item))
    assert code == 1
    assert "no longer exists" in err


def test_retention_lists_and_deletes_nothing(db, capsys):
    case_id, work = new_case(db, request_received=date(2018, 1, 8))
    work.record_action(
        case_id, work.get_case(case_id).version, "assess_refused", date(2018, 2, 1), "x"
    )
    code, out, _ = run(capsys, "retention", "--db", str(db.path))
    assert code == 0
    assert f"case {case_id:>6}  closed 01 Feb 2018" in out
    assert "1 closed cases are past the 6-year retention period (nothing deleted)" in out
    code, out, _ = run(capsys, "retention", "--db", str(db.path), "--set-years", "9")
    assert code == 0
    assert out.startswith("Retention period set to 9 years")
    assert "0 closed cases are past the 9-year retention period" in out
    code, _, err = run(capsys, "retention", "--db", str(db.path), "--set-years", "0")
    assert code == 1
    assert "from 1 to 100" in err
    assert TeamSettingsService(db).retention_years() == 9
