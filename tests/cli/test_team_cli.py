"""A team lead sets up the team from the command line: caseworkers (add, list, FTE, rename,
retire) and absences (add, list, remove). A team that starts empty can allocate a case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.models import AuditEntry, Caseworker
from caseload_app.services.team import TeamService
from tests.backends import sqlite_only
from tests.helpers import new_case


def run(capsys, db, *args) -> tuple[int, str, str]:
    code = main([*args, "--db", str(db.path)])
    out, err = capsys.readouterr()
    return code, out, err


@sqlite_only
def test_caseworkers_are_added_listed_changed_and_retired(db, capsys):
    assert run(capsys, db, "caseworker", "add", "Asha  Patel", "--fte", "0.6")[0] == 0
    assert run(capsys, db, "caseworker", "add", "Ben Okafor")[0] == 0
    for same in ("Asha Patel", "asha  PATEL", "Ásha Patel"):  # one person to anyone choosing
        code, _, err = run(capsys, db, "caseworker", "add", same)
        assert code == 1
        assert "There is already a caseworker called Asha Patel" in err
    assert run(capsys, db, "caseworker", "set-fte", "ASHA PATEL", "0.8")[1] == (
        "Asha Patel: 0.8 FTE (was 0.6).\n"
    )
    code, _, err = run(capsys, db, "caseworker", "set-fte", "Asha Patel", "3")
    assert code == 1
    assert "full-time equivalents" in err
    assert run(capsys, db, "caseworker", "rename", "Ben Okafor", "Ben Okafor-Smith")[0] == 0
    code, out, _ = run(capsys, db, "caseworker", "list")
    assert code == 0
    assert out.splitlines() == [
        "Asha Patel                     0.80 FTE      0 open cases",
        "Ben Okafor-Smith               1.00 FTE      0 open cases",
    ]
    code, _, err = run(capsys, db, "caseworker", "retire", "Nobody")
    assert code == 1
    assert "There is no caseworker called 'Nobody'." in err
    with db.read() as s:  # every change is audited, old → new
        details = " ".join(s.scalars(select(AuditEntry.detail)))
    assert "Ben Okafor" in details
    assert "Ben Okafor-Smith" in details


@sqlite_only
def test_a_caseworker_with_open_cases_cannot_be_retired_until_they_are_moved(db, capsys):
    team = TeamService(db, "Lee Lead")
    asha = team.add_caseworker("Asha Patel")
    ben = team.add_caseworker("Ben Okafor")
    case_id, _ = new_case(db, caseworker_id=asha)
    code, _, err = run(capsys, db, "caseworker", "retire", "Asha Patel")
    assert code == 1
    assert "Asha Patel still holds 1 open case. Reassign them first" in err
    team.reassign([case_id], ben, "Asha is leaving")
    assert run(capsys, db, "caseworker", "retire", "Asha Patel")[0] == 0
    assert [w.name for w in team.workers()] == ["Ben Okafor"]  # not offered any more
    assert [w.name for w in team.workers(include_inactive=True)] == ["Asha Patel", "Ben Okafor"]
    assert run(capsys, db, "caseworker", "reinstate", "Asha Patel")[0] == 0
    assert [w.name for w in team.workers()] == ["Asha Patel", "Ben Okafor"]


@sqlite_only
def test_absences_are_added_listed_and_removed(db, capsys):
    TeamService(db, "Lee Lead").add_caseworker("Asha Patel")
    code, out, _ = run(
        capsys, db, "absence", "add", "Asha Patel", "--from", "21/12/2026", "--to", "01/01/2027",
        "--note", "annual leave",
    )  # fmt: skip
    assert code == 0
    assert out == "Recorded absence 1: Asha Patel away Mon 21 Dec 2026 to Fri 1 Jan 2027.\n"
    code, out, _ = run(capsys, db, "absence", "list", "Asha Patel")
    assert out.split() == [
        "1",
        "Asha",
        "Patel",
        "Mon",
        "21",
        "Dec",
        "2026",
        "to",
        "Fri",
        "1",
        "Jan",
        "2027",
        "annual",
        "leave",
    ]
    code, _, err = run(capsys, db, "absence", "add", "Asha Patel", "--from", "2027-01-02",
                       "--to", "2027-01-01")  # fmt: skip
    assert code == 1
    assert "ends before it starts" in err
    assert run(capsys, db, "absence", "remove", "1")[0] == 0
    assert run(capsys, db, "absence", "list")[1] == "No absences recorded.\n"
    code, _, err = run(capsys, db, "absence", "remove", "1")
    assert code == 1
    assert "Traceback" not in err


def test_renaming_keeps_names_unique_and_clean(db):
    team = TeamService(db, "Lee Lead")
    asha = team.add_caseworker("Asha Patel")
    team.add_caseworker("Ben Okafor")
    with pytest.raises(Exception, match="already a caseworker called Ben Okafor"):
        team.rename_caseworker(asha, " Ben\u200b  Okafor ")
    team.rename_caseworker(asha, "Asha\u00a0 Khan")
    with db.read() as s:
        assert s.scalar(select(Caseworker.name).where(Caseworker.id == asha)) == "Asha Khan"
    assert team.open_cases(asha) == 0
