"""Silent damage: a byte flipped anywhere in the middle of a database never crashes the
start check (it said UnicodeDecodeError once, with no backup offered), and a backup with
any flipped byte is never good (its recorded checksum)."""

from __future__ import annotations

import random

import pytest

from caseload_app.db import safety
from caseload_app.db.engine import open_database
from caseload_app.services.backup import BackupService
from caseload_app.services.demo import generate_demo
from tests.helpers import TODAY


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flips")
    path = folder / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=60, seed=3, today=TODAY)
    db.dispose()
    backup = BackupService(path, folder / "backups").backup_now()
    return backup


def flipped(original, tmp_path, seed: int):
    data = bytearray(original.read_bytes())
    rng = random.Random(seed)
    at = rng.randrange(len(data) // 4, 3 * len(data) // 4)
    data[at] ^= 1 << rng.randrange(8)
    copy = tmp_path / original.name
    copy.write_bytes(bytes(data))
    safety.checksum_path(copy).write_bytes(safety.checksum_path(original).read_bytes())
    return copy


def test_a_hundred_flipped_bytes_never_crash_the_check_and_no_backup_passes(original, tmp_path):
    quick_missed = 0
    for seed in range(100):
        copy = flipped(original, tmp_path, seed)
        found = safety.problem_with(copy)  # the start check: must never raise
        assert found is None or isinstance(found, str)
        quick_missed += found is None
        assert safety.problem_with(copy, backup=True), f"flip {seed} passed as a good backup"
    print(f"quick_check missed {quick_missed} of 100 flips; the backup check missed 0")
