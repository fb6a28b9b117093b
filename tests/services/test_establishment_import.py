"""Importing the DfE's register of establishments (Get Information About Schools): its own
Windows-1252 file read as it comes; by URN, so importing it again updates names, closes
schools and keeps every placement's link; bad rows skipped with their line and why; a file
that is not the register, a Cancel or a database failure changes nothing; audited once."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from caseload_app.db.engine import StorageError
from caseload_app.db.models import AuditEntry, Establishment, Placement
from caseload_app.services import establishments as register
from caseload_app.services.errors import Stopped, UserError
from caseload_app.services.establishments import EstablishmentService
from tests.backends import sqlite_only
from tests.helpers import NOW, disk_full, new_case

FIXTURE = Path(__file__).parent.parent / "fixtures" / "gias" / "edubasealldata20261201.csv"
SKIPPED = [
    (6, "URN '14A503' is not a number"),
    (8, "URN 113503 is also on line 2 (kept there)"),
    (9, "LA (code) '83X' is not a number"),
]


@pytest.fixture
def service(db):
    return EstablishmentService(db, "Asha Patel", now=lambda: NOW)


def the_register(db) -> dict[int, Establishment]:
    with db.read() as s:
        rows = s.scalars(select(Establishment)).all()
        s.expunge_all()
    return {row.urn: row for row in rows}


def audit_entries(db) -> list[AuditEntry]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
        s.expunge_all()
    return list(rows)


def edited(tmp_path: Path, name: str, *changes: tuple[str, str]) -> Path:
    """The fixture file with some text replaced, saved as the DfE saves it (Windows-1252)."""
    text = FIXTURE.read_bytes().decode("cp1252")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    return path


def test_the_fixture_is_the_dfe_s_own_encoding():
    data = FIXTURE.read_bytes()
    assert "Thérèse".encode("cp1252") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_an_import_adds_every_good_row_and_lists_the_bad_ones(service, db):
    done = service.import_register(FIXTURE)
    assert (done.added, done.updated, done.unchanged, done.closed) == (5, 0, 0, 0)
    assert done.skipped == SKIPPED
    assert done.total == 8
    rows = the_register(db)
    assert sorted(rows) == [113503, 113504, 113505, 130271, 201113]
    oak = rows[113503]
    assert (oak.name, oak.la_code, oak.establishment_number) == (
        "Oak Hill Primary School",
        839,
        2001,
    )
    assert (oak.type_code, oak.type_name, oak.phase) == ("1", "Community school", "Primary")
    assert (oak.postcode, oak.ukprn, oak.is_open, oak.closed_on) == (
        "BH1 1AA",
        10071234,
        True,
        None,
    )
    assert oak.imported_at == NOW
    assert rows[113504].name == "St Thérèse's Catholic Primary School"
    assert rows[113504].postcode == "BH2 2BB"  # the register's own spelling, tidied
    closed = rows[113505]
    assert (closed.is_open, closed.closed_on) == (False, date(2019, 8, 31))
    college = rows[130271]
    assert (college.ukprn, college.phase, college.type_name) == (
        10000840,
        "16 plus",
        "Further education",
    )
    proposed_to_close = rows[201113]  # still open until it closes
    assert (proposed_to_close.is_open, proposed_to_close.closed_on) == (True, None)


def test_an_imported_school_is_found_as_you_type_accents_or_not(service):
    service.import_register(FIXTURE)
    for typed in ("therese", "Thérèse", "ST THERESE'S", "839/3305", "113504", "bh2 2bb"):
        assert [e.urn for e in service.search(typed)] == [113504], typed
    [closed] = service.search("old mill")
    assert closed.label() == "Old Mill Infant School (URN 113505, 839/2003, BH3 3CC) — closed"


def test_importing_again_updates_and_closes_and_keeps_every_placement_link(service, db, tmp_path):
    service.import_register(FIXTURE)
    oak_id = the_register(db)[113503].id
    case_id, work = new_case(db)
    child_id = work.get_case(case_id, opened=False).child.id
    with db.uow() as s:
        s.execute(
            insert(Placement).values(
                child_id=child_id,
                kind="setting",  # placement_kinds.csv
                establishment_id=oak_id,
                starts=date(2025, 9, 1),
                version=1,
            )
        )
    newer = edited(
        tmp_path,
        "edubasealldata20270105.csv",
        ("St Thérèse's Catholic Primary School", "St Thérèse's Catholic Academy"),
        (
            "Open,0,Not applicable,,0,Not applicable,,2,Primary,4,11,10071234",
            "Closed,0,Not applicable,,99,Other,31-12-2026,2,Primary,4,11,10071234",
        ),
    )
    later = datetime(2027, 1, 6, 9, 0)
    done = EstablishmentService(db, "Asha Patel", now=lambda: later).import_register(newer)
    assert (done.added, done.updated, done.unchanged, done.closed) == (0, 2, 3, 1)
    rows = the_register(db)
    assert rows[113503].id == oak_id
    assert (rows[113503].is_open, rows[113503].closed_on) == (False, date(2026, 12, 31))
    assert rows[113504].name == "St Thérèse's Catholic Academy"
    assert {row.imported_at for row in rows.values()} == {later}  # all five still listed
    with db.read() as s:
        assert s.scalar(select(Placement.establishment_id)) == oak_id
    assert [e.urn for e in service.search("academy")] == [113504]  # search_text kept in step
    assert service.search("catholic primary") == []
    assert [e.urn for e in service.search("oak hill")] == [113503]  # closed, still found


def test_an_establishment_the_file_no_longer_lists_is_kept(service, db, tmp_path):
    service.import_register(FIXTURE)
    shorter = edited(tmp_path, "shorter.csv", ("130271,839", "999999,839"))
    done = service.import_register(shorter)
    assert (done.added, done.unchanged) == (1, 4)
    assert 130271 in the_register(db)


def test_the_import_is_audited_once_with_the_file_name_and_counts(service, db):
    service.import_register(FIXTURE)
    [entry] = audit_entries(db)
    assert (entry.who, entry.record_type, entry.at) == ("Asha Patel", "establishment", NOW)
    assert entry.detail == (
        "edubasealldata20261201.csv: register imported, 5 added, 0 updated, 0 unchanged, 3 skipped"
    )
    assert str(FIXTURE.parent) not in entry.detail


def test_a_utf8_file_is_read_as_utf8_with_or_without_a_byte_order_mark(service, db, tmp_path):
    text = FIXTURE.read_bytes().decode("cp1252")
    for bom in (b"", b"\xef\xbb\xbf"):
        saved = tmp_path / "from-excel.csv"
        saved.write_bytes(bom + text.encode("utf-8"))
        service.import_register(saved)
        assert the_register(db)[113504].name == "St Thérèse's Catholic Primary School"


WRONG_FILES = [
    (b"", "is empty"),
    (b"\r\n \r\n", "is empty"),
    (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "is not a CSV file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV file"),
    (b"Dear family,\nThank you for your letter.\n", "it has no columns URN, LA (code)"),
    (
        b"child_first_name,child_last_name,date_of_birth\nAmy,Smith,2015-01-02\n",
        "it has no columns URN, LA (code), EstablishmentNumber, EstablishmentName",
    ),
    (
        b"URN,LA (code),EstablishmentNumber\n100000,839,2001\n",
        "it has no columns EstablishmentName, TypeOfEstablishment (code)",
    ),
    (
        FIXTURE.read_bytes().replace(b",UKPRN,", b",UK PRN,"),
        "it has no column UKPRN (the DfE's file",
    ),
]


@pytest.mark.parametrize(("content", "message"), WRONG_FILES)
def test_a_file_that_is_not_the_register_is_refused_and_nothing_changes(
    service, db, tmp_path, content, message
):
    service.import_register(FIXTURE)
    before = the_register(db)
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(content)
    with pytest.raises(UserError, match=re.escape(message)) as refused:
        service.import_register(wrong)
    assert "wrong.csv" in str(refused.value)
    assert {u: (r.name, r.imported_at) for u, r in the_register(db).items()} == {
        u: (r.name, r.imported_at) for u, r in before.items()
    }
    assert len(audit_entries(db)) == 1


@pytest.mark.parametrize("batch", [1000, 2])
def test_cancel_while_writing_rolls_everything_back(service, db, monkeypatch, batch):
    monkeypatch.setattr(register, "BATCH", batch)
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(Stopped, match="nothing changed"):
        service.import_register(
            FIXTURE, progress=lambda *p: heard.append(p), cancelled=lambda: bool(heard)
        )
    assert heard and heard[0][0] == "writing"
    assert the_register(db) == {}
    assert audit_entries(db) == []


def test_cancel_while_reading_stops_before_the_database(service, db, tmp_path):
    rows = "\r\n".join(f"{100000 + i},839,{2000 + i % 8000},School {i},1,C,Open,,P,,"
                       for i in range(register.TICK + 5))  # fmt: skip
    big = tmp_path / "big.csv"
    header = "URN,LA (code),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (code),"
    header += "TypeOfEstablishment (name),EstablishmentStatus (name),CloseDate,"
    header += "PhaseOfEducation (name),Postcode,UKPRN"
    big.write_text(f"{header}\r\n{rows}\r\n", encoding="cp1252")
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(Stopped):
        service.import_register(
            big, progress=lambda *p: heard.append(p), cancelled=lambda: bool(heard)
        )
    assert [phase for phase, _, _ in heard] == ["reading"]
    assert 0 < heard[0][1] < heard[0][2]
    assert the_register(db) == {}


@sqlite_only
def test_a_database_failure_part_way_keeps_nothing(service, db, tmp_path):
    header = FIXTURE.read_bytes().decode("cp1252").splitlines()[0]
    row = FIXTURE.read_bytes().decode("cp1252").splitlines()[1]
    lines = [row.replace("113503,", f"{200000 + i},", 1) for i in range(3000)]
    many = tmp_path / "many.csv"
    many.write_bytes("\r\n".join([header, *lines]).encode("cp1252"))
    with disk_full(db), pytest.raises(StorageError):
        service.import_register(many)
    assert the_register(db) == {}
    assert audit_entries(db) == []


def test_only_team_leads_and_administrators_may_import(db):
    from tests.helpers import add_person

    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", by="Dee Admin")
    from caseload_app.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied, match="import the DfE's register of establishments"):
        EstablishmentService(db, "Asha Patel").import_register(FIXTURE)
    assert the_register(db) == {}
    EstablishmentService(db, "Dee Admin").import_register(FIXTURE)
    assert len(the_register(db)) == 5


def test_a_row_spanning_lines_is_numbered_by_the_line_it_starts_on(service, tmp_path):
    spanning = edited(
        tmp_path,
        "spanning.csv",
        ("Church Lane,Bournemouth", '"Church Lane\r\nSt Peter\'s",Bournemouth'),
    )
    assert service.import_register(spanning).skipped == [
        (7, "URN '14A503' is not a number"),
        (9, "URN 113503 is also on line 2 (kept there)"),
        (10, "LA (code) '83X' is not a number"),
    ]


def test_a_closed_establishment_counts_as_added_not_newly_closed(service, db):
    done = service.import_register(FIXTURE)
    assert done.closed == 0
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Establishment.is_open.is_(False))) == 1


def test_demo_data_goes_into_a_database_that_already_holds_the_register(db):
    from datetime import date as day

    from caseload_app.services.demo import generate_demo

    EstablishmentService(db, "Asha Patel", now=lambda: NOW).import_register(FIXTURE)
    before = the_register(db)
    generate_demo(db, children=12, seed=3, today=day(2026, 11, 24))
    after = the_register(db)
    assert {u: r.id for u, r in before.items()} == {u: after[u].id for u in before}
    assert len(after) == len(before) + 11  # the demo's own, beside the council's
