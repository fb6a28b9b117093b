"""Power loss on a real folder: writes not yet synced are dropped, torn or garbled
(tests/powerloss.py). CI also runs `python -m tests.stress powerloss --cuts 1000`."""

import pytest

from tests.powerloss import powerloss_run

pytestmark = pytest.mark.slow


def test_no_acknowledged_save_is_lost_when_the_power_goes_off(tmp_path):
    # caseload's own settings, read from a connection its engine made.
    report = powerloss_run(200, seed=11, folder=tmp_path)
    assert report.cuts == 200
    assert report.acknowledged > 1000
    assert report.cuts_with_unsynced_wal > 100  # most cuts fell in the middle of a save
    assert report.lost == 0  # every save whose Save had returned is there after the reboot
    assert report.duplicates == 0  # the save in flight, retried with its token, is there once
    assert report.damaged == 0  # the start check and integrity_check pass after every cut
    assert report.ok
    assert (report.app_journal_mode, report.app_synchronous) == ("wal", "FULL")


def test_power_cuts_in_the_middle_of_checkpoints_lose_nothing(tmp_path):
    # A WAL copied into the database every 8 pages: many cuts land mid-checkpoint (every 10
    # left exactly 10 of these 100 cuts there once a save wrote two more index pages).
    report = powerloss_run(100, seed=13, checkpoint_pages=8, folder=tmp_path)
    assert report.cuts_during_checkpoint > 10
    assert report.lost == report.duplicates == report.damaged == 0


def test_the_power_cut_test_catches_a_database_that_does_not_sync(tmp_path):
    # The same test with synchronous=OFF must fail: proof that it can.
    report = powerloss_run(60, seed=11, synchronous="OFF", folder=tmp_path)
    assert report.lost > 0
    assert report.cuts_losing_saves > 10
    assert not report.ok
