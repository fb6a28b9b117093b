"""Importing a file of any size: checked a line at a time, written in batches inside one
transaction, with progress, cancel and a bounded list of problems (memory is measured by
`caseload bench`, not here)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from caseload_app.cli import main
from caseload_app.db.models import AuditEntry, Caseworker, Child, EhcpCase, Family
from caseload_app.services import import_staging
from caseload_app.services.importer import Importer
from tests.helpers import HEADER, TODAY
from tests.services.test_importer import GOOD


def importer(db):
    return Importer(db, user="tester", today=lambda: TODAY)


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def many(path, rows: int, bad_every: int = 0):
    """`rows` different children (siblings in pairs); every `bad_every`th row has a bad date."""
    lines = [HEADER]
    for i in range(rows):
        day = "2026-13-01" if bad_every and i % bad_every == 0 else "2026-01-05"
        lines.append(
            f"Child{i},Family{i // 2},2014-05-05,,,,ASD,Worker {i % 3},{day},assessment,,,"
            f"Parent{i // 2},,"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 7, so a file of a few dozen rows crosses many batch edges."""
    monkeypatch.setattr(import_staging, "BATCH", 7)
    monkeypatch.setattr(import_staging, "PROGRESS_EVERY", 5)


def test_rows_written_in_batches_keep_siblings_and_links(db, tmp_path, small_batches):
    result = importer(db).import_file(many(tmp_path / "in.csv", 40))
    assert result.written
    assert (result.children, result.families) == (40, 20)
    assert (count(db, Child), count(db, EhcpCase), count(db, Family)) == (40, 40, 20)
    with db.read() as s:
        pairs = s.execute(
            select(Child.first_name, Child.family_id, Caseworker.name)
            .join(EhcpCase, EhcpCase.child_id == Child.id)
            .join(Caseworker, Caseworker.id == EhcpCase.caseworker_id)
            .order_by(Child.id)
        ).all()
        assert [p.first_name for p in pairs] == [f"Child{i}" for i in range(40)]
        assert all(pairs[i].family_id == pairs[i + 1].family_id for i in range(0, 40, 2))
        assert len({p.family_id for p in pairs}) == 20
        assert [p.name for p in pairs[:4]] == ["Worker 0", "Worker 1", "Worker 2", "Worker 0"]
        detail = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "import")).one()
        assert detail == "imported from in.csv: 40 children"


def test_progress_is_reported_while_checking_and_writing(db, tmp_path, small_batches):
    heard = []
    importer(db).import_file(
        many(tmp_path / "in.csv", 40), progress=lambda *step: heard.append(step)
    )
    phases = [phase for phase, _, _ in heard]
    assert phases == sorted(phases)  # "checking" … then "writing" …
    checking = [(done, total) for phase, done, total in heard if phase == "checking"]
    writing = [(done, total) for phase, done, total in heard if phase == "writing"]
    assert len(checking) > 2
    assert len(writing) > 2
    assert checking[-1][0] == checking[-1][1] == (tmp_path / "in.csv").stat().st_size
    assert writing[-1] == (40, 40)
    for steps in (checking, writing):
        assert [d for d, _ in steps] == sorted(d for d, _ in steps)


@pytest.mark.parametrize("phase", ["checking", "writing"])
def test_cancel_writes_nothing_whenever_it_comes(db, tmp_path, small_batches, phase):
    cancel = threading.Event()

    def press_cancel(now_doing, done, total):
        if now_doing == phase and done:
            cancel.set()

    result = importer(db).import_file(
        many(tmp_path / "in.csv", 40), progress=press_cancel, cancel=cancel
    )
    assert result.cancelled
    assert not result.written
    assert not result.ok
    assert (count(db, Child), count(db, Family), count(db, Caseworker)) == (0, 0, 0)
    assert count(db, AuditEntry) == 0
    assert importer(db).import_file(tmp_path / "in.csv").written  # and it can be run again
    assert count(db, Child) == 40


def test_thousands_of_problems_are_counted_and_the_first_thousand_listed(db, tmp_path, capsys):
    path = many(tmp_path / "in.csv", 3000, bad_every=1)
    result = importer(db).import_file(path)
    assert not result.written
    assert count(db, Child) == 0
    assert (result.problem_count, result.problem_rows) == (3000, 3000)
    assert len(result.problems) == 1000
    assert [p.row for p in result.problems] == list(range(2, 1002))
    assert main(["import", "--db", _target(db), str(path)]) == 1
    err = capsys.readouterr().err
    assert "… and 2,000 more." in err
    assert err.rstrip().endswith("Nothing was imported: 3,000 problems in 3,000 rows.")


def test_a_file_without_line_breaks_is_refused_without_reading_it_whole(db, tmp_path, monkeypatch):
    monkeypatch.setattr(import_staging, "LINE_LIMIT", 1000)
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n" + GOOD[0] + "\n" + "x," * 5000, encoding="utf-8")
    result = importer(db).import_file(path)
    assert not result.written
    assert count(db, Child) == 0
    (problem,) = result.problems
    assert problem.row == 3
    assert "has a line longer than 1,000 characters" in problem.message


def test_the_byte_that_is_not_utf8_is_named_exactly(db, tmp_path):
    from caseload_app.services.importer import ImportFileError

    good = (HEADER + "\n" + GOOD[0] + "\n").encode() * 3000  # far past the first read
    path = tmp_path / "in.csv"
    path.write_bytes("\ufeff".encode() + good + b"Zo\xeb,Smith\n")
    with pytest.raises(ImportFileError, match=f"byte {len(good) + 3 + 3:,}\\)"):
        importer(db).import_file(path)


def test_a_dry_run_and_the_import_agree_on_the_fingerprint(db, tmp_path, small_batches):
    path = many(tmp_path / "in.csv", 30)
    checked = importer(db).import_file(path, dry_run=True)
    result = importer(db).import_file(path, expect=checked.fingerprint)
    assert result.written
    assert result.fingerprint == checked.fingerprint


def _target(db) -> str:
    return str(db.path) if db.is_sqlite else db.engine.url.render_as_string(hide_password=False)


def test_an_unknown_column_is_reported_and_every_row_still_checked(db, tmp_path):
    """A "notes" column used to stop the check there, hiding every other problem."""
    path = tmp_path / "in.csv"
    path.write_text(
        HEADER + ",notes\n"
        + GOOD[0] + ",called mum\n"
        + "Ava,Jones,31/02/2013,,,,ASD,,2026-01-05,assessment,,,,,,\n",
        encoding="utf-8",
    )  # fmt: skip
    result = importer(db).import_file(path)
    assert not result.written
    assert count(db, Child) == 0
    assert [str(p) for p in result.problems] == [
        "row 1, column notes: unknown column (expected: " + HEADER.replace(",", ", ") + ")",
        "row 3, column date_of_birth: '31/02/2013' is not a real date: February 2013 has 28 days",
    ]
