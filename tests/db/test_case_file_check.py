"""The start checks every table but the case file's (most of a file once documents are kept);
the whole file is checked once the window shows. Damage inside the case file's tables passes
the first check and not the second, and a check asked to stop reports nothing."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from caseload_app.db import safety
from caseload_app.db.engine import open_database
from caseload_app.services.documents import DocumentService
from tests.helpers import NOW, TODAY, new_case


def add_documents(path, count: int = 40) -> None:
    db = open_database(path)
    case_id, _ = new_case(db)
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    for n in range(count):
        words = f"Speech and language therapy advice number {n}. " * 60
        docs.add(case_id, words.encode(), f"advice {n}.txt")
    db.dispose()


def damage_the_documents(path) -> None:
    damage_a_page_of(path, "document")


def damage_a_page_of(path, table: str, *, last: bool = False) -> None:
    """Scribble over the middle of one of a table's leaf pages (its first, or `last`)."""
    order = "DESC" if last else "ASC"
    with sqlite3.connect(path) as con:
        size = con.execute("PRAGMA page_size").fetchone()[0]
        (page,) = con.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
            f"ORDER BY pageno {order} LIMIT 1",
            (table,),
        ).fetchone()
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * size + 8)
        fh.write(b"\xff" * 64)  # the cell pointers: cells now point outside the page


@pytest.fixture
def damaged(tmp_path):
    path = tmp_path / "caseload.sqlite3"
    add_documents(path)
    damage_the_documents(path)
    return path


def test_damage_in_the_case_file_passes_the_start_and_not_the_whole_check(damaged):
    assert safety.problem_with(damaged, case_file=False) is None
    found = safety.problem_with(damaged)
    assert found and "damaged" in found


@pytest.mark.parametrize("page", ["first", "last"])
def test_damage_in_the_children_s_trigram_index_is_found_at_start(tmp_path, page):
    """Built from the child table, yet checked at start: damaged, it fails every save of a
    child (its triggers write to it), and it can be neither dropped nor rebuilt."""
    from caseload_app.services.demo import generate_demo

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=400, seed=1, today=TODAY)
    db.dispose()
    damage_a_page_of(path, "child_search_data", last=page == "last")
    with sqlite3.connect(path) as con, pytest.raises(sqlite3.DatabaseError):
        con.execute("UPDATE child SET search_text = search_text || ' x'")
    found = safety.problem_with(path, case_file=False)
    assert found and "damaged" in found


def test_damage_anywhere_else_is_found_at_start(tmp_path):
    path = tmp_path / "caseload.sqlite3"
    add_documents(path, 2)
    damage_a_page_of(path, "audit_entry")
    found = safety.problem_with(path, case_file=False)
    assert found and "damaged" in found


def test_a_check_stopped_from_another_thread_ends_and_reports_nothing(damaged):
    check = safety.FileCheck(damaged)
    check.stop()  # before it starts: it never reads the file
    assert check.run() is None
    assert safety.FileCheck(damaged).run()  # not stopped: the damage found


def test_a_running_check_ends_when_stopped(tmp_path):
    path = tmp_path / "caseload.sqlite3"
    add_documents(path, 400)  # a check long enough to be stopped while it runs
    damage_the_documents(path)
    check = safety.FileCheck(path)
    found = []
    worker = threading.Thread(target=lambda: found.append(check.run()))
    worker.start()
    check.stop()  # whether it has begun reading or not, it ends without a finding
    worker.join(10)
    assert found == [None]
