"""Upgrading a database made before 0027, on SQLite and on PostgreSQL: every child gets the
folded keys the case list sorts its Child and Family columns by, the same keys a child saved
afterwards gets."""

from __future__ import annotations

from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.domain.text import child_sort_keys
from tests.db.upgrading import at_revision, open_upgraded

FAMILIES = (
    "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
    "VALUES (1, 'Żaneta Ørsted', '', false, 1), (2, '', '', false, 1)"
)
CHILDREN = (
    "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
    "version) VALUES (1, 1, 'Zoë', 'Brontë', '2016-05-04', '', 1), "
    "(2, 1, 'ANNA', 'de la Cruz', '2017-05-04', '', 1), "
    "(3, 2, 'Łukasz', 'Æther', '2018-05-04', '', 1)"
)


def test_every_child_gets_its_sort_keys(empty_url, tmp_path):
    at_revision(empty_url, "0026", (FAMILIES, CHILDREN))
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.read() as s:
            stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            keys = s.execute(
                text("SELECT id, sort_name, family_sort_name FROM child ORDER BY id")
            ).all()
            if s.get_bind().dialect.name == "sqlite":
                index = "SELECT name FROM sqlite_master WHERE name = 'ix_ehcp_case_arrival'"
            else:
                index = "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_ehcp_case_arrival'"
            arrival = s.execute(text(index)).scalar()
        assert stamped == migrate.HEAD
        assert arrival == "ix_ehcp_case_arrival"  # the list's order, read from an index
        assert [tuple(k) for k in keys] == [
            (1, *child_sort_keys("Zoë", "Brontë", "Żaneta Ørsted")),
            (2, *child_sort_keys("ANNA", "de la Cruz", "Żaneta Ørsted")),
            (3, *child_sort_keys("Łukasz", "Æther", "")),
        ]
        assert keys[0][1] == "bronte\x01zoe bronte" and keys[0][2] == "zaneta orsted"
        assert keys[2][1] == "aether\x01lukasz aether" and keys[2][2] == ""
    finally:
        db.dispose()
