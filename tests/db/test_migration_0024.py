"""Upgrading a database made before 0024, on SQLite and on PostgreSQL: each contact is marked
with the family or not from what it is (a chase or a letter to an adviser is not), and the
family's last update is still sought on one index that holds the flag."""

from __future__ import annotations

from sqlalchemy import inspect, text

from caseload_app.db import migrate
from tests.db.upgrading import CHILD, at_revision, open_upgraded

FAMILY = (
    "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
    "VALUES (1, 'Ms Jo Brontë', '', false, 1)"
)
CASE = (
    "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
    "VALUES (1, 1, '2026-07-01', 'assessment', true, 1)"
)
CONTACT = (
    "INSERT INTO communication (id, family_id, case_id, occurred_at, channel, direction, "
    "with_whom, summary, logged_by, version) VALUES ({id}, 1, 1, '2026-11-0{id} 10:00:00', "
    "'{channel}', 'out', '{whom}', '{summary}', 'Asha Patel', 1)"
)
# (with whom, summary, channel) as caseload wrote them, or a caseworker typed them
CONTACTS = {
    1: ("", "Phoned about the assessment", "phone", True),
    2: ("Ms Jo Brontë", "Letter: The decision to assess", "letter", True),  # the family's name
    3: ("Educational psychology adviser", "Chased educational psychology advice", "email", False),
    4: (
        "Principal Educational Psychologist, Educational Psychology Service",
        "Letter: Request for advice",
        "letter",
        False,
    ),  # fmt: skip
    5: ("The Headteacher, Harbourside Primary", "Letter: Consultation", "letter", False),
    6: ("Mum and the SENCo", "Meeting at school", "meeting", True),  # the family was there
    7: ("Jo", "Text about the visit", "text", True),  # a first name: the benefit of the doubt
    8: ("School SENCo", "Asked for views", "phone", False),
}


def test_contacts_are_marked_with_the_family_from_what_they_are(empty_url, tmp_path):
    rows = [
        CONTACT.format(id=i, whom=whom, summary=summary, channel=channel)
        for i, (whom, summary, channel, _told) in CONTACTS.items()
    ]
    at_revision(empty_url, "0023", (FAMILY, CHILD.format(born="2016-05-04"), CASE, *rows))
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.read() as s:
            stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            flags = dict(s.execute(text("SELECT id, with_family FROM communication")).all())
            indexes = inspect(s.connection()).get_indexes("communication")
        assert stamped == migrate.HEAD
        assert {i: bool(v) for i, v in flags.items()} == {i: c[3] for i, c in CONTACTS.items()}
        (seek,) = [i for i in indexes if i["name"] == "ix_communication_family_out"]
        assert seek["column_names"] == ["family_id", "direction", "with_family", "occurred_at"]
        with db.uow() as s:  # a row written without it is with the family
            s.execute(text(CONTACT.format(id=9, whom="Dad", summary="Call", channel="phone")))
            assert s.execute(text("SELECT with_family FROM communication WHERE id = 9")).scalar()
    finally:
        db.dispose()
