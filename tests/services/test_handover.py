from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.domain.deadlines import format_date
from caseload_app.services.errors import NotFound
from caseload_app.services.handover import HandoverService
from caseload_app.services.team import TeamService
from tests.helpers import NOW, TODAY, new_case

REASON = "Asha on long-term leave"


def text_of(pdf: bytes) -> str:
    pages = PdfReader(BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def build_team(db):
    """Asha holds Zoë and her sister Emily, Carys holds Child3; Dev and Ben hold nothing."""
    team = TeamService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW)
    asha, carys = team.add_caseworker("Asha Patel"), team.add_caseworker("Carys Morgan")
    dev, ben = team.add_caseworker("Dev Sharma"), team.add_caseworker("Ben Okafor")
    zoe, work = new_case(db, caseworker_id=asha)
    family = work.get_case(zoe, opened=False).family.id
    emily, _ = new_case(
        db,
        first_name="Emily",
        upn="",
        nhs_number="",
        caseworker_id=asha,
        date_of_birth=date(2018, 2, 2),
        family_id=family,
    )
    other, _ = new_case(
        db,
        first_name="Child3",
        last_name="Other3",
        upn="",
        nhs_number="",
        caseworker_id=carys,
        request_received=date(2026, 10, 1),
    )
    work.add_task(zoe, "Book EP visit", date(2026, 11, 27), None)
    done = work.add_task(zoe, "Finished task", date(2026, 11, 20), None)
    work.set_task_done(done, work.get_case(zoe, opened=False).tasks[-1].version, True)
    for day, summary in ((2, "Oldest call"), (9, "Second call"), (16, "Third call")):
        work.log_communication(zoe, datetime(2026, 11, day, 9), "phone", "out", "Mum", summary)
    work.log_communication(zoe, datetime(2026, 11, 23, 9), "email", "in", "Mum", "Newest email")
    moved = team.reassign_many([([zoe], dev), ([other], ben)], REASON)
    ids = dict(asha=asha, carys=carys, dev=dev, ben=ben, zoe=zoe, emily=emily, other=other)
    return ids, moved.batch, work


def service(db):
    return HandoverService(db, "Team Lead", today=lambda: TODAY, now=lambda: NOW)


def test_pack_lists_each_moved_case_with_step_tasks_contacts_and_origin(db):
    ids, batch, work = build_team(db)
    text = text_of(service(db).pack_for(ids["dev"], batch))
    assert "Handover — Dev Sharma" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Zoë Brontë" in text and "Emily Brontë" in text  # the sister moved with her
    assert "Child3" not in text  # went to Ben
    assert format_date(date(2016, 5, 4)) in text
    for case_id in (ids["zoe"], ids["emily"]):
        status = work.get_case(case_id, opened=False).status
        assert status.next_step.label in text
        assert format_date(status.next_step.due) in text
        assert "days left" in text or "overdue" in text or "due today" in text
    assert "Book EP visit" in text
    assert format_date(date(2026, 11, 27)) in text
    assert "Finished task" not in text
    assert "Newest email" in text
    assert "Third call" in text
    assert "Second call" in text
    assert "Oldest call" not in text  # only the last 3 contacts
    assert "Asha Patel" in text
    assert REASON in text


def test_print_is_audited_against_each_assignment(db):
    ids, batch, _ = build_team(db)
    service(db).pack_for(ids["dev"], batch)
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
        rows = [(e.record_type, e.case_id, e.detail, e.who) for e in entries]
    assert sorted(rows) == sorted(
        ("assignment", case_id, "handover pack", "Team Lead")
        for case_id in (ids["zoe"], ids["emily"])
    )


def test_a_batch_with_two_receivers_gives_two_packs(db):
    ids, batch, _ = build_team(db)
    packs = service(db).packs_for_batch(batch)
    assert set(packs) == {ids["dev"], ids["ben"]}
    ben = text_of(packs[ids["ben"]])
    assert "Handover — Ben Okafor" in ben
    assert "Child3 Other3" in ben
    assert "Carys Morgan" in ben
    assert REASON in ben
    assert "Zoë" not in ben
    assert "Zoë Brontë" in text_of(packs[ids["dev"]])
    with db.read() as s:
        audited = s.scalars(select(AuditEntry.case_id).where(AuditEntry.action == "print")).all()
    assert sorted(audited) == sorted((ids["zoe"], ids["emily"], ids["other"]))


def test_unknown_batch_or_receiver_is_not_found(db):
    ids, batch, _ = build_team(db)
    handover = service(db)
    with pytest.raises(NotFound):
        handover.packs_for_batch("no-such-batch")
    with pytest.raises(NotFound):
        handover.pack_for(ids["dev"], "no-such-batch")
    with pytest.raises(NotFound):
        handover.pack_for(ids["asha"], batch)  # nothing moved to Asha in it
    with db.read() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
