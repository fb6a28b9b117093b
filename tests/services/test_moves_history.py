"""Moves are kept: every rebalance and reassignment is a batch in the database, listed with
what, when, who and why, shown child by child, and undone later, even after a restart."""

import pytest

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.services.errors import PermissionDenied, UserError
from caseload_app.services.team import TeamService, batch_kind
from tests.helpers import NOW, TODAY, add_person
from tests.services.test_workload_board import build_team, service


def team(db, user="Team Lead"):
    return TeamService(db, user, today=lambda: TODAY, now=lambda: NOW)


def test_a_rebalance_is_listed_shown_and_undone_from_a_fresh_start(tmp_path):
    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    ids = build_team(db)
    batch = service(db).apply(service(db).propose(), "Before Christmas")
    db.dispose()  # the app is closed; nothing is held in memory

    db = open_database(path)
    try:
        [listed] = team(db).batches()
        assert (listed.batch, listed.kind, listed.by) == (batch, "Rebalance", "Team Lead")
        assert listed.reason == "Before Christmas"
        assert not listed.undone
        assert listed.can_undo
        cases = team(db).batch_cases(batch)
        assert len(cases) == listed.cases
        urgent = next(c for c in cases if c.child_name == "Urgent Case")
        assert urgent.from_name == "Ben Okafor"
        assert urgent.to_name != "Ben Okafor"
        assert urgent.next_step == "Decide whether to assess"
        assert urgent.next_due
        team(db).undo(batch)
        first, second = team(db).batches()
        assert first.kind == "Undo"
        assert not first.can_undo
        assert second.batch == batch
        assert second.undone
        assert not second.can_undo
        with pytest.raises(UserError, match="already been undone"):
            team(db).undo(batch)
        with pytest.raises(UserError, match="An undo cannot itself be undone"):
            team(db).undo(first.batch)
        assert ids["due_soon"] in {c.case_id for c in team(db).batch_cases(batch)}
    finally:
        db.dispose()


def test_a_reassignment_is_its_own_kind_and_names_the_siblings_it_took(db):
    ids = build_team(db)
    lead = team(db)
    done = lead.reassign([ids["due_soon"]], ids["dev"], "Cover")
    assert done.batch.startswith("reassign-")
    assert batch_kind(done.batch) == "Reassignment"
    assert batch_kind("0123456789ab") == "Moves"  # batches made before kinds were kept
    with pytest.raises(ValueError):
        lead.reassign_many([([ids["due_soon"]], ids["asha"])], "x", kind="shuffle")


def test_only_a_lead_sees_or_undoes_moves(db):
    ids = build_team(db)
    batch = service(db).apply(service(db).propose(), "Even")
    add_person(db, "dee", "Dee Admin", "administrator")  # roles now count on a laptop too
    add_person(db, "asha", "Asha Patel", "caseworker", caseworker_id=ids["asha"], by="Dee Admin")
    caseworker = team(db, "Asha Patel")
    with pytest.raises(PermissionDenied):
        caseworker.undo(batch)
    with pytest.raises(PermissionDenied):
        caseworker.batches()
    with pytest.raises(PermissionDenied):
        caseworker.batch_cases(batch)
    with pytest.raises(UserError, match="no longer on record"):
        team(db).batch_cases("rebalance-000000000000")


def test_moves_command_lists_shows_and_undoes(tmp_path, capsys):
    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    build_team(db)
    db.dispose()
    assert main(["rebalance", "--db", str(path), "--apply", "--reason", "Cover", "--json"]) == 0
    batch = __import__("json").loads(capsys.readouterr().out)["batch"]
    assert main(["moves", "--db", str(path)]) == 0
    listing = capsys.readouterr().out
    assert batch in listing
    assert "Rebalance" in listing
    assert "Cover" in listing
    assert main(["moves", "--db", str(path), "--show", batch]) == 0
    assert "Urgent Case: Ben Okafor →" in capsys.readouterr().out
    assert main(["moves", "--db", str(path), "--undo", batch]) == 0
    assert "put back" in capsys.readouterr().out
    assert main(["moves", "--db", str(path), "--undo", batch]) == 1
    assert "already been undone" in capsys.readouterr().err
