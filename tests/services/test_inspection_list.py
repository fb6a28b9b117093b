"""The inspection list: every child with an EHC plan or a request for one on a day, with their
main placement, as a CSV (and a PDF summary), audited.

Hand-built: the test day is Tue 24 Nov 2026; every request was received Wed 1 Jul 2026.
On that day the list holds 7 of the 8 children (Gus's request was refused on 1 Aug):

  Mainstream school            Bella Jones (request, undecided), Amir Khan (plan)
  Resourced provision          Cara Lewis (assessment)
  Special school, out of area  Dev Patel (plan)
  Elective home education      Eli Smith (draft plan)
  No placement recorded        Finn Taylor (assessment, none ever), Hana White (assessment,
                               her school place ended on 31 Jul)
"""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select

from caseload_app.db.models import AuditEntry, Caseworker, Establishment, Placement
from caseload_app.domain.establishments import establishment_search_text
from caseload_app.domain.inspection import default_columns
from caseload_app.services.errors import PermissionDenied, Stopped, UserError
from caseload_app.services.inspection import InspectionListService
from tests.helpers import NOW, TODAY, add_person, new_case

DAY = date(2026, 8, 15)  # a day in the past: before any plan, after Gus's refusal
# placement_kinds.csv's kind for a place at a school, college or other setting.
SETTING = "setting"


@dataclass
class Fixture:
    children: dict[str, int]  # first name -> child id
    cases: dict[str, int]  # first name -> case id
    worker: int


def _establishment(s, urn: int, la: int, number: int, name: str, type_name: str) -> int:
    return s.execute(
        insert(Establishment)
        .values(
            urn=urn,
            la_code=la,
            establishment_number=number,
            name=name,
            type_code="",
            type_name=type_name,
            phase="",
            postcode="",
            is_open=True,
            search_text=establishment_search_text(name, urn, la, number, ""),
            imported_at=datetime(2026, 11, 1, 9, 0),
        )
        .returning(Establishment.id)
    ).scalar_one()


def _place(s, child_id: int, kind: str, starts: date, **more) -> None:
    s.add(Placement(child_id=child_id, kind=kind, starts=starts, **more))


def _act(work, case_id: int, key: str, on: date, reason: str = "") -> None:
    version = work.get_case(case_id, opened=False).version
    work.record_action(case_id, version, key, on, reason)


def _plan(work, case_id: int) -> None:
    _act(work, case_id, "assess_agreed", date(2026, 8, 1))
    _act(work, case_id, "issue", date(2026, 9, 1))
    _act(work, case_id, "draft_served", date(2026, 10, 1))
    _act(work, case_id, "final_issued", date(2026, 11, 18))


@pytest.fixture
def cases(db) -> Fixture:
    with db.uow() as s:
        worker = Caseworker(name="Asha Patel")
        s.add(worker)
        s.flush()
        worker_id = worker.id
    people = {  # first name: (last name, primary need, UPN)
        "Amir": ("Khan", "ASD", "L837201500012"),
        "Bella": ("Jones", "SLCN", ""),
        "Cara": ("Lewis", "MLD", ""),
        "Dev": ("Patel", "SLD", ""),
        "Eli": ("Smith", "SEMH", ""),
        "Finn": ("Taylor", "", ""),
        "Gus": ("Brown", "ASD", ""),
        "Hana": ("White", "ASD", ""),
    }
    case_ids, child_ids = {}, {}
    work = None
    for first, (last, need, upn) in people.items():
        case_id, work = new_case(
            db,
            first_name=first,
            last_name=last,
            upn=upn,
            nhs_number="",
            primary_need=need,
            caseworker_id=worker_id if first == "Amir" else None,
        )
        case_ids[first] = case_id
        child_ids[first] = work.get_case(case_id, opened=False).child.id
    assert work is not None
    _plan(work, case_ids["Amir"])
    _plan(work, case_ids["Dev"])
    for first in ("Cara", "Finn", "Hana", "Eli"):
        _act(work, case_ids[first], "assess_agreed", date(2026, 8, 1))
    _act(work, case_ids["Eli"], "issue", date(2026, 9, 1))
    _act(work, case_ids["Eli"], "draft_served", date(2026, 10, 1))
    _act(work, case_ids["Gus"], "assess_refused", date(2026, 8, 1), "Needs met at SEN support")
    with db.uow() as s:
        oak = _establishment(s, 113503, 839, 2001, "Oak Hill Primary School", "Community school")
        bay = _establishment(s, 140000, 839, 4000, "Bay Academy", "Academy converter")
        park = _establishment(
            s, 201113, 838, 7001, "Queen's Park Special School", "Community special school"
        )
        c = child_ids
        _place(s, c["Amir"], SETTING, date(2025, 9, 1), establishment_id=oak)
        _place(s, c["Bella"], SETTING, date(2024, 9, 1), establishment_id=oak)
        _place(s, c["Cara"], SETTING, date(2026, 9, 1), establishment_id=bay,
               provision="resourced")  # fmt: skip
        # Dev moved from Oak Hill to the special school out of the area in September.
        _place(s, c["Dev"], SETTING, date(2022, 9, 1), establishment_id=oak,
               ends=date(2026, 8, 31))  # fmt: skip
        _place(s, c["Dev"], SETTING, date(2026, 9, 1), establishment_id=park,
               out_of_area=True)  # fmt: skip
        _place(s, c["Eli"], "ehe", date(2026, 1, 5))
        _place(s, c["Gus"], SETTING, date(2024, 9, 1), establishment_id=oak)
        _place(s, c["Hana"], SETTING, date(2023, 9, 1), establishment_id=oak,
               ends=date(2026, 7, 31))  # fmt: skip
    return Fixture(child_ids, case_ids, worker_id)


def service(db, user: str = "Lee Lead") -> InspectionListService:
    return InspectionListService(db, user, today=lambda: TODAY, now=lambda: NOW)


KEYS = [c.key for c in default_columns()]


def by_name(rows: list[list]) -> dict[str, dict[str, object]]:
    return {f"{r[KEYS.index('first_name')]}": dict(zip(KEYS, r, strict=True)) for r in rows}


# --------------------------------------------------------------------------- who, in what order
def test_who_is_in_the_list_and_in_what_order(db, cases):
    rows = service(db).rows()
    names = [(r[KEYS.index("placement_type")], r[KEYS.index("last_name")]) for r in rows]
    assert names == [
        ("Mainstream school", "Jones"),
        ("Mainstream school", "Khan"),
        ("Resourced provision in mainstream", "Lewis"),
        ("Special school", "Patel"),
        ("Elective home education", "Smith"),
        ("No placement recorded", "Taylor"),
        ("No placement recorded", "White"),
    ]  # and not Gus Brown, whose request was refused


def test_each_row_says_what_the_inspectors_asked_for(db, cases):
    rows = by_name(service(db).rows())
    assert rows["Amir"] == {
        "child_id": cases.children["Amir"],
        "upn": "L837201500012",
        "first_name": "Amir",
        "last_name": "Khan",
        "date_of_birth": "2016-05-04",
        "age": 10,
        "year_group": "Y6",
        "sex": "",
        "ethnicity": "",
        "postcode": "BH1 1AA",
        "primary_need": "Autistic spectrum disorder",
        "secondary_need": "",
        "stage": "Final plan issued / maintained",
        "request_received": "2026-07-01",
        "final_plan_issued": "2026-11-18",
        "last_annual_review": "",
        "caseworker": "Asha Patel",
        "placement_type": "Mainstream school",
        "establishment": "Oak Hill Primary School",
        "urn": 113503,
        "laestab": "839/2001",
        "out_of_area": "N",
        "placement_start": "2025-09-01",
        "recorded_setting": "",
    }
    dev = rows["Dev"]
    assert (dev["establishment"], dev["laestab"], dev["out_of_area"], dev["placement_start"]) == (
        "Queen's Park Special School", "838/7001", "Y", "2026-09-01"
    )  # fmt: skip
    assert rows["Bella"]["stage"] == "Request received"
    assert rows["Bella"]["caseworker"] == "Unallocated"
    assert rows["Eli"]["stage"] == "Draft plan issued — consultation"
    assert (rows["Eli"]["establishment"], rows["Eli"]["out_of_area"]) == ("", "N")
    hana = rows["Hana"]
    assert (hana["placement_type"], hana["establishment"], hana["out_of_area"]) == (
        "No placement recorded", "", ""
    )  # fmt: skip


def test_on_a_past_day_the_list_is_as_it_stood_then(db, cases):
    rows = by_name(service(db).rows(DAY))
    assert set(rows) == {"Amir", "Bella", "Cara", "Dev", "Eli", "Finn", "Hana"}
    # Gus was refused on 1 Aug: closed by 15 Aug. Amir's plan came later.
    amir = rows["Amir"]
    assert (amir["stage"], amir["final_plan_issued"]) == ("Assessment — gathering advice", "")
    assert (rows["Dev"]["establishment"], rows["Dev"]["out_of_area"]) == (
        "Oak Hill Primary School", "N"
    )  # fmt: skip
    assert rows["Cara"]["placement_type"] == "No placement recorded"  # starts in September
    # The day before any request: nobody; the day Gus was refused: Gus no longer.
    assert service(db).rows(date(2026, 6, 30)) == []
    assert "Gus" not in by_name(service(db).rows(date(2026, 8, 1)))
    assert "Gus" in by_name(service(db).rows(date(2026, 7, 31)))


def test_chosen_columns_come_in_the_order_asked(db, cases):
    rows = service(db).rows(columns=["last_name", "out_of_area", "nhs_number", "last_name"])
    assert rows[3] == ["Patel", "Y", ""]


def test_an_unknown_column_is_refused_naming_the_known_ones(db, cases):
    with pytest.raises(UserError) as refused:
        service(db).rows(columns=["last_name", "shoe_size"])
    message = str(refused.value)
    assert "'shoe_size'" in message
    assert "placement_type" in message and "laestab" in message
    with pytest.raises(UserError, match="at least one column"):
        service(db).rows(columns=[" "])


# --------------------------------------------------------------------------- the files
def test_the_csv_and_pdf_are_written_and_the_export_audited(db, cases, tmp_path):
    out, pdf = tmp_path / "inspection.csv", tmp_path / "inspection.pdf"
    assert service(db).export(out, pdf_path=pdf) == 7
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        read = list(csv.reader(fh))
    assert read[0] == KEYS
    assert [r[KEYS.index("last_name")] for r in read[1:]] == [
        "Jones", "Khan", "Lewis", "Patel", "Smith", "Taylor", "White"
    ]  # fmt: skip
    assert read[4][KEYS.index("urn")] == "201113"
    with db.read() as s:
        entries = s.execute(
            select(AuditEntry.who, AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.record_type == "inspection_list"
            )
        ).all()
    assert entries == [
        (
            "Lee Lead",
            "export",
            "Inspection list of 7 children on 2026-11-24, 24 columns, to inspection.csv and "
            "inspection.pdf",
        )
    ]
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf.read_bytes())).pages)
    flat = " ".join(text.split())
    assert "Inspection list on Tue 24 Nov 2026" in flat  # the footer
    assert re.search(r"Printed by Lee Lead on 24 Nov 2026 at 10:30 · Page 1 of \d", flat)
    for line in (
        "Mainstream school 2 0",
        "Resourced provision in mainstream 1 0",
        "Special school 1 1",
        "Elective home education 1 0",
        "No placement recorded 2 0",
        "All placements 7 1",
        "Request received 1",
        "Assessment — gathering advice 3",
        "Draft plan issued — consultation 1",
        "Final plan issued / maintained 2",
        "Autistic spectrum disorder 2",
        "Not recorded 1",
        "All needs 7",
    ):
        assert line in flat, line
    assert "Queen's Park Special School" in flat
    assert "Brown" not in flat


def test_a_csv_alone_names_only_itself(db, cases, tmp_path):
    out = tmp_path / "list.csv"
    service(db).export(out, on=DAY, columns=["child_id", "last_name"])
    assert not (tmp_path / "list.pdf").exists()
    with db.read() as s:
        detail = s.scalar(
            select(AuditEntry.detail).where(AuditEntry.record_type == "inspection_list")
        )
    assert detail == "Inspection list of 7 children on 2026-08-15, 2 columns, to list.csv"


def test_stopping_leaves_no_file_and_no_audit(db, cases, tmp_path):
    stop = threading.Event()
    seen = []

    def progress(phase: str, done: int, total: int) -> None:
        seen.append(phase)
        if phase == "Making the PDF" and done > 0:
            stop.set()

    folder = tmp_path / "out"
    folder.mkdir()
    out, pdf = folder / "a.csv", folder / "a.pdf"
    with pytest.raises(Stopped):
        service(db).export(out, pdf_path=pdf, progress=progress, cancel=stop)
    assert seen[:2] == ["Reading the cases", "Making the PDF"]
    assert list(folder.iterdir()) == []  # not even a temporary file
    with db.read() as s:
        assert (
            s.scalar(select(AuditEntry.id).where(AuditEntry.record_type == "inspection_list"))
            is None
        )


def test_only_someone_who_runs_team_reports_may_export_it(db, cases, tmp_path):
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", caseworker_id=cases.worker, by="Dee Admin")
    add_person(db, "lee", "Lee Lead", "team_lead", by="Dee Admin")
    with pytest.raises(PermissionDenied):
        service(db, "Asha Patel").export(tmp_path / "no.csv")
    assert not (tmp_path / "no.csv").exists()
    assert service(db, "Lee Lead").export(tmp_path / "yes.csv") == 7


def test_the_pdf_lies_on_its_side_only_when_the_columns_are_many(db, cases, tmp_path):
    def page(columns) -> tuple[float, float]:
        pdf = tmp_path / "p.pdf"
        service(db).export(tmp_path / "p.csv", columns=columns, pdf_path=pdf)
        box = PdfReader(BytesIO(pdf.read_bytes())).pages[-1].mediabox
        return float(box.width), float(box.height)

    wide, high = page(["first_name", "last_name", "placement_type", "establishment"])
    assert wide < high  # A4 upright
    wide, high = page(None)
    assert wide > high  # the 23 default columns beside the placement type: on its side
