import sqlite3
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from caseload_app.db.engine import open_database
from caseload_app.db.models import Assignment, Caseworker, Child, EhcpCase, Family
from caseload_app.services.importer import Importer, ImportFileError, write_template
from tests import import_race
from tests.backends import sqlite_only
from tests.helpers import HEADER, TODAY, file_digest, write_csv

GOOD = (
    "Amelia,Smith,2015-03-02,L837201500012,401 023 2137,bh1 1aa,ASD,Asha Patel,"
    "2025-03-05,plan_issued,2025-07-20,,Ms Jo Smith,01202 123456,jo@example.org",
    "Oscar,Smith,02/09/2017,,,BH1 1AA,slcn,Asha Patel,01/10/2026,Assessment — gathering advice,,,"
    "Ms Jo Smith,01202 123456,",
    "Zoë,Brontë,2012-01-31,H83720150001A,,,SEMH,Ben Okafor,2026-11-01,request_received,,,,,",
)


def importer(db):
    return Importer(db, user="tester", today=lambda: TODAY)


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_good_file_imports_every_row_with_siblings_in_one_family(db, tmp_path):
    result = importer(db).import_file(write_csv(tmp_path / "in.csv", *GOOD, bom=True))
    assert result.ok
    assert result.written
    assert (count(db, Child), count(db, Family), count(db, EhcpCase)) == (3, 2, 3)
    assert result.new_caseworkers == ["Asha Patel", "Ben Okafor"]
    with db.read() as s:
        amelia = s.scalars(select(Child).where(Child.first_name == "Amelia")).one()
        assert amelia.nhs_number == "4010232137"
        assert amelia.family.postcode == "BH1 1AA"
        oscar = s.scalars(select(Child).where(Child.first_name == "Oscar")).one()
        assert oscar.family_id == amelia.family_id
        assert oscar.date_of_birth == date(2017, 9, 2)
        case = s.scalars(select(EhcpCase).where(EhcpCase.child_id == amelia.id)).one()
        # Plan issued 20 Jul 2025 → annual review within 12 months starting with that date.
        assert (case.next_step, case.next_due) == ("annual_review", date(2026, 7, 19))
        assert s.scalar(select(func.count()).select_from(Assignment)) == 3
        assert {c.name for c in s.scalars(select(Caseworker))} == {"Asha Patel", "Ben Okafor"}


def test_columns_in_any_order_and_any_case(db, tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        "2026-11-01,Smith,Amelia,2015-03-02,Request Received",
        header="Request_Received,CHILD_LAST_NAME,child first name,date_of_birth,stage",
    )
    assert importer(db).import_file(path).written


def test_malformed_file_reports_every_bad_row_and_leaves_the_database_untouched(tmp_path):
    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    importer(db).import_file(write_csv(tmp_path / "first.csv", GOOD[0]))
    db.dispose()
    before = file_digest(path)
    bad = write_csv(
        tmp_path / "bad.csv",
        GOOD[2],
        "Ava,Jones,2031-01-01,,,,ASD,,2026-01-05,assessment,,,,,",  # row 3: future DOB
        "Noah,Taylor,2014-05-05,H837201500012,,,ASD,,2026-01-05,assessment,,,,,",  # row 4
        ",Brown,2014-05-05,,401 023 2138,QA1 1AA,NSA,,2026-13-05,flying,,,,,",  # row 5
        "Mia,Walker,2014-05-05,,,,ASD,,2026-01-05,plan_issued,,,,,not-an-email",  # row 6
    )
    db = open_database(path)
    result = importer(db).import_file(bad)
    db.dispose()
    assert not result.written
    messages = [str(p) for p in result.problems]
    assert "row 3, column date_of_birth: " in messages[0]
    assert "future" in messages[0]
    assert "row 4, column upn: UPN check letter should be L, not H" in messages
    row5 = [m for m in messages if m.startswith("row 5")]
    assert {m.split(":")[0] for m in row5} == {
        "row 5, column child_first_name",
        "row 5, column nhs_number",
        "row 5, column postcode",
        "row 5, column primary_need",
        "row 5, column request_received",
        "row 5, column stage",
    }
    assert any(m.startswith("row 6, column email") for m in messages)
    assert any(m.startswith("row 6, column final_plan_issued") for m in messages)
    assert not any(m.startswith("row 2") for m in messages)
    assert file_digest(path) == before


def test_unknown_and_missing_columns_are_reported_against_the_header(db, tmp_path):
    path = write_csv(tmp_path / "in.csv", "x,y", header="child_first_name,shoe_size")
    result = importer(db).import_file(path)
    messages = [str(p) for p in result.problems]
    assert messages[0].startswith("row 1, column shoe_size: unknown column")
    assert "row 1, column child_last_name: required column is missing" in messages
    assert count(db, Child) == 0


def test_duplicate_identifiers_in_the_file_and_in_the_database(db, tmp_path):
    importer(db).import_file(write_csv(tmp_path / "a.csv", GOOD[0]))
    twice = GOOD[2].replace("Zoë", "Zoe")
    result = importer(db).import_file(write_csv(tmp_path / "b.csv", GOOD[0], GOOD[2], twice))
    messages = [str(p) for p in result.problems]
    assert "row 2, column upn: a child with this value is already recorded" in messages
    assert "row 4, column upn: the same as row 3" in messages
    assert count(db, Child) == 1


def test_dry_run_checks_but_writes_nothing(db, tmp_path):
    result = importer(db).import_file(write_csv(tmp_path / "in.csv", *GOOD), dry_run=True)
    assert result.ok
    assert not result.written
    assert result.children == 3
    assert count(db, Child) == 0


def test_file_that_is_not_utf8_gets_a_clear_message(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes((HEADER + "\r\nZo\xeb,Smith\r\n").encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8.*CSV UTF-8"):
        importer(db).import_file(path)


def test_template_has_exactly_the_import_columns(tmp_path, db):
    write_template(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").strip() == HEADER
    result = importer(db).import_file(tmp_path / "t.csv")
    assert result.ok
    assert not result.written
    assert result.children == 0


def test_import_is_one_transaction(tmp_path, monkeypatch):
    """A failure half-way through the writes leaves nothing behind."""
    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    from caseload_app.services import importer as module

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(module, "_case_values", explode)
    with pytest.raises(RuntimeError):
        importer(db).import_file(write_csv(tmp_path / "in.csv", *GOOD))
    db.dispose()
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM family").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM caseworker").fetchone() == (0,)


def test_second_import_adds_to_existing_records_with_correct_links(db, tmp_path):
    importer(db).import_file(write_csv(tmp_path / "a.csv", GOOD[0], GOOD[1]))
    importer(db).import_file(write_csv(tmp_path / "b.csv", GOOD[2]))
    with db.read() as s:
        children = s.scalars(select(Child).order_by(Child.id)).all()
        assert [c.first_name for c in children] == ["Amelia", "Oscar", "Zoë"]
        assert [c.family.parent_carer_name for c in children] == ["Ms Jo Smith"] * 2 + [""]
        cases = s.scalars(select(EhcpCase).order_by(EhcpCase.id)).all()
        assert [c.child.first_name for c in cases] == ["Amelia", "Oscar", "Zoë"]
        assert [c.caseworker.name for c in cases] == ["Asha Patel", "Asha Patel", "Ben Okafor"]


NO_IDS = "Ava,Jones,2014-05-05,,,,ASD,,2026-01-05,assessment,,,,,"


def test_a_sheet_without_identifiers_cannot_be_imported_twice(db, tmp_path):
    assert importer(db).import_file(write_csv(tmp_path / "a.csv", NO_IDS)).written
    again = write_csv(tmp_path / "b.csv", NO_IDS.replace("Ava,Jones", "AVA, jones "))
    result = importer(db).import_file(again)
    assert not result.written
    assert count(db, Child) == 1
    (problem,) = result.problems
    assert (problem.row, problem.column) == (2, "child_first_name")
    assert problem.message.startswith("the same name and date of birth as child 1, already")
    assert "fill in their UPN or NHS number" in problem.message


def test_same_name_and_birth_date_twice_in_one_file(db, tmp_path):
    result = importer(db).import_file(write_csv(tmp_path / "a.csv", NO_IDS, GOOD[0], NO_IDS))
    assert [str(p).split(";")[0] for p in result.problems] == [
        "row 4, column child_first_name: the same name and date of birth as row 2"
    ]


def test_different_identifiers_tell_two_children_with_one_name_apart(db, tmp_path):
    first = NO_IDS.replace(",,,,ASD", ",,401 023 2137,,ASD")
    other = NO_IDS.replace(",,,,ASD", ",,943 476 5919,,ASD")
    assert importer(db).import_file(write_csv(tmp_path / "a.csv", first)).written
    result = importer(db).import_file(write_csv(tmp_path / "b.csv", other, other))
    # the two rows in the file share an NHS number, so they are one child, but not the
    # child already recorded with another NHS number
    assert [(p.row, p.column) for p in result.problems] == [
        (3, "nhs_number"),
        (3, "child_first_name"),
    ]
    assert "as row 2" in result.problems[1].message
    assert importer(db).import_file(write_csv(tmp_path / "c.csv", other)).written
    assert count(db, Child) == 2


def test_import_refuses_a_file_changed_since_it_was_checked(db, tmp_path):
    path = write_csv(tmp_path / "in.csv", GOOD[0])
    checked = importer(db).import_file(path, dry_run=True)
    write_csv(path, GOOD[0], GOOD[1])  # someone saves more rows in Excel meanwhile
    result = importer(db).import_file(path, expect=checked.fingerprint)
    assert result.changed
    assert not result.written
    assert result.children == 2
    assert count(db, Child) == 0
    assert importer(db).import_file(path, expect=result.fingerprint).written
    assert count(db, Child) == 2


def test_imported_records_carry_the_services_clock(db, tmp_path):
    from caseload_app.db.models import AuditEntry, StageEvent
    from tests.helpers import NOW

    service = Importer(db, user="tester", today=lambda: TODAY, now=lambda: NOW)
    service.import_file(write_csv(tmp_path / "in.csv", GOOD[0]))
    with db.read() as s:
        event = s.scalars(select(StageEvent).where(StageEvent.action == "imported")).one()
        assert (event.on_date, event.recorded_at) == (NOW.date(), NOW)
        assert s.scalars(select(AuditEntry.at).where(AuditEntry.action == "import")).one() == NOW


def test_roles_are_checked_again_when_the_import_writes(db, tmp_path, monkeypatch):
    """A lead demoted while the file was being checked cannot then write it."""
    from caseload_app.services.errors import PermissionDenied
    from caseload_app.services.people import PeopleService
    from tests.helpers import add_person, login_for

    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "lee", "Lee Lead", "team_lead", by="Dee Admin")
    lead = Importer(db, user="Lee Lead", today=lambda: TODAY)
    from caseload_app.services import importer as module

    checking = module.check_file

    def demote_meanwhile(*args):
        people = PeopleService(db, "Dee Admin", today=lambda: TODAY)
        people.set_roles(login_for(db, "lee"), "caseworker")
        return checking(*args)

    monkeypatch.setattr(module, "check_file", demote_meanwhile)
    with pytest.raises(PermissionDenied):
        lead.import_file(write_csv(tmp_path / "in.csv", GOOD[0]))
    assert count(db, Child) == 0


@pytest.mark.slow
@sqlite_only
def test_two_imports_of_one_sheet_at_once_record_each_child_once(db, tmp_path):
    """Two `caseload import` processes start together while a colleague's save holds the
    database: both have read the sheet before either may write. One imports all 3,000
    children; the other is refused, plainly, and adds none."""
    sheet = import_race.sheet(tmp_path / "caseload.csv")
    colleague = sqlite3.connect(db.path, isolation_level=None)
    colleague.execute("BEGIN IMMEDIATE")  # a save in progress: writers queue behind it
    both = [import_race.start_import(str(db.path), sheet) for _ in range(2)]
    time.sleep(5)  # each has started, read and checked the sheet, and waits to write
    colleague.execute("COMMIT")
    colleague.close()
    (won, won_out, _), (lost, _, lost_err) = import_race.outcomes(both)
    assert (won, lost) == (0, 1)
    assert "Imported 3000 children" in won_out
    assert "Nothing was imported: " in lost_err
    assert " in 3,000 rows." in lost_err
    assert "row 2, column upn: a child with this value is already recorded" in lost_err
    assert "Traceback" not in lost_err
    assert count(db, Child) == import_race.ROWS
    with db.read() as s:
        assert s.scalar(select(func.count(func.distinct(Child.upn)))) == import_race.ROWS


def test_the_database_refuses_a_second_child_with_a_recorded_upn_or_nhs_number(db, tmp_path):
    """Past every service check (a statement of its own): the database keeps the rule."""
    from sqlalchemy import insert

    from caseload_app.db.engine import RefusedValue

    importer(db).import_file(write_csv(tmp_path / "a.csv", GOOD[0]))
    with db.read() as s:
        family_id, upn, nhs = s.execute(select(Child.family_id, Child.upn, Child.nhs_number)).one()
    for column, value in (("upn", upn), ("nhs_number", nhs)):
        row = dict(family_id=family_id, first_name="Someone", last_name="Else", version=1)
        row.update(date_of_birth=date(2016, 1, 1), search_text="", **{column: value})
        with pytest.raises(RefusedValue, match="already recorded") as refused, db.uow() as s:
            s.execute(insert(Child).values(**row))
        assert refused.value.column == f"child.{column}"
        assert value not in str(refused.value)
    assert count(db, Child) == 1


# --------------------------------------------------------------------------- bad names
ROW = "{first},{last},2014-05-05,,,,ASD,{worker},2026-01-05,assessment,,,{parent},,"


def a_row(first="Ava", last="Jones", worker="", parent="") -> str:
    return ROW.format(first=first, last=last, worker=worker, parent=parent)


def test_junk_in_a_name_is_refused_naming_row_and_column(db, tmp_path):
    """NUL bytes, terminal escape codes, names no form allows (5,000 characters; the form
    takes 100) are each an error at their row and column: nothing is imported."""
    path = write_csv(
        tmp_path / "in.csv",
        a_row(first="Av\x00a"),  # row 2
        a_row(last="\x1b[31mJones\x1b[0m"),  # row 3
        a_row(first="A" * 5000),  # row 4
        a_row(worker="W" * 5000),  # row 5
        a_row(parent="Ms\x00Jones"),  # row 6
        a_row(first="\u200b\u202e"),  # row 7: nothing but invisible characters
    )
    result = importer(db).import_file(path)
    assert not result.written
    assert count(db, Child) == 0
    assert [str(p) for p in result.problems] == [
        "row 2, column child_first_name: First name contains a NUL character, which no one "
        "types: retype it",
        "row 3, column child_last_name: Last name contains an escape code (ESC), which no one "
        "types: retype it",
        "row 4, column child_first_name: First name is 5,000 characters long; the most it can "
        "be is 100",
        "row 5, column caseworker: Caseworker is 5,000 characters long; the most it can be is 120",
        "row 6, column parent_carer_name: Parent/carer name contains a NUL character, which no "
        "one types: retype it",
        "row 7, column child_first_name: First name cannot be empty",
    ]


def test_invisible_characters_and_line_breaks_in_names_are_cleaned(db, tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        a_row(first='"Ava\nMay"', last="\u202eJo\u200bnes\u200f", worker=" Asha\u00a0 Patel "),
    )
    assert importer(db).import_file(path).written
    with db.read() as s:
        child = s.scalars(select(Child)).one()
        assert (child.first_name, child.last_name) == ("Ava May", "Jones")
        assert "ava may jones" in child.search_text
        assert s.scalars(select(Caseworker.name)).one() == "Asha Patel"


def test_a_zero_width_space_does_not_hide_a_child_already_recorded(db, tmp_path):
    """A name stored with an invisible character (before names were cleaned) is still the
    same name: importing the child again is refused."""
    from sqlalchemy import update

    importer(db).import_file(write_csv(tmp_path / "a.csv", NO_IDS))
    with db.uow() as s:  # as an older version stored it
        s.execute(update(Child).values(first_name="A\u200bva", last_name="Jones\u2060"))
    result = importer(db).import_file(write_csv(tmp_path / "b.csv", NO_IDS))
    assert not result.written
    assert count(db, Child) == 1
    assert result.problems[0].message.startswith("the same name and date of birth as child 1")


def test_a_cell_over_the_csv_limit_is_a_problem_on_its_row_not_a_crash(db, tmp_path, capsys):
    from caseload_app.cli import main

    huge = "x" * 200_000  # over the CSV reader's 131,072-character limit
    path = write_csv(tmp_path / "in.csv", GOOD[0], f'"{huge}",Smith,2015-03-02,,,,,,2026-11-01,'
                     "request_received,,,,,")  # fmt: skip
    result = importer(db).import_file(path)
    assert not result.written
    assert count(db, Child) == 0
    (problem,) = result.problems
    assert problem.row == 3
    assert "longer than 131,072 characters" in problem.message
    target = str(db.path) if db.is_sqlite else db.engine.url.render_as_string(hide_password=False)
    assert main(["import", "--db", target, str(path)]) == 1
    err = capsys.readouterr().err
    assert "row 3" in err
    assert "Traceback" not in err
    assert huge[:50] not in err
