"""Crash safety and concurrent writers on a real file, with real processes (tests/stress.py).

CI also runs `python -m tests.stress kill --kills 1000` after the suite.
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
    assert report.child_version_gain == report.edits == 2000  # no edit silently lost
    assert report.integrity == "ok"
