"""Crash safety and concurrent writers on a real file, with real processes (tests/stress.py).

CI also runs `python -m tests.stress kill --kills 1000` and `kill --kind all --kills 200` after
the suite.
"""

import pytest

from tests.stress import concurrent_run, kill_run

pytestmark = pytest.mark.slow


def test_saves_survive_sigkill_at_random_moments(tmp_path):
    report = kill_run(tmp_path / "kill.sqlite3", kills=250, seed=7)
    assert report.kills == 250
    assert report.acknowledged > 250  # every worker saved at least once before its kill
    assert report.missing == []  # every acknowledged save is there
    assert report.duplicates == 0  # a save retried after a kill is not made twice
    assert report.worker_failures == 0  # …nor refused: the retry finds the first save
    assert report.integrity == "ok"
    assert report.ok


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    report = concurrent_run(tmp_path / "two.sqlite3", each=2000)
    for tally in report.tallies.values():
        assert tally["errors"] == []  # no "database is locked" reaches anyone
        assert tally["chases"] == tally["edits"] == 1000
    assert report.chases_saved == report.chase_logs == 2000  # no increment lost
    # Forms read, then saved a moment later: colleagues' saves land in between, so the
    # stale-save path really runs, and every stale save is refused, reloaded and redone.
    assert report.conflicts > 0
    assert report.redone > 0
    assert report.attempts == report.edits + report.conflicts
    assert report.child_version_gain == report.edits == 2000
    assert report.stale_saves_let_through == 0  # no edit saved over one its form never showed
    assert report.audit_chain_breaks == 0
    assert report.lost == 0
    assert report.final_setting_is_last_edit
    assert report.integrity == "ok"
    assert report.ok


# Beyond a contact: each kind of action killed a few dozen times (CI: `kill --kind all`).
def test_a_stage_action_killed_at_any_moment_is_all_there_or_not_at_all(tmp_path):
    report = kill_run(tmp_path / "stage.sqlite3", kills=30, seed=3, kind="stage")
    assert report.kills == 30
    assert report.acknowledged > 30
    # the stage, its stage event and its audit entry: together or none, never half
    assert report.problems == []
    assert report.counts["stage actions recorded"] >= report.acknowledged
    assert report.missing == []
    assert report.duplicates == 0
    assert report.ok


def test_an_import_killed_at_any_moment_leaves_all_its_children_or_none(tmp_path):
    report = kill_run(tmp_path / "import.sqlite3", kills=30, seed=4, kind="import")
    assert report.kills == 30
    assert report.acknowledged > 30
    assert report.problems == []  # no file partly imported (40 children, 40 cases, or none)
    assert report.missing == []
    assert report.duplicates == 0
    assert report.ok


def test_a_backup_killed_at_any_moment_never_leaves_a_bad_file_named_as_a_backup(tmp_path):
    report = kill_run(tmp_path / "backup.sqlite3", kills=30, seed=5, kind="backup")
    assert report.kills == 30
    assert report.acknowledged > 30
    assert report.counts["backups checked"] > 0
    assert report.problems == []  # each passes integrity_check, schema and checksum
    assert report.ok


def test_a_restore_killed_at_any_moment_leaves_one_whole_database_with_its_record(tmp_path):
    report = kill_run(tmp_path / "restore.sqlite3", kills=30, seed=6, kind="restore")
    assert report.kills == 30
    assert report.acknowledged > 30
    # after every kill: the database it was or the backup, whole, integrity ok, and a
    # restored one has its restore in its audit trail
    assert report.problems == []
    assert report.counts.get("database A after a kill", 0) > 0
    assert report.counts.get("database B after a kill", 0) > 0
    assert report.ok
