"""Upgrading a database made before 0029, on SQLite and on PostgreSQL: the children it holds
are found through the new trigram index, which follows every later change to a child; and on
a team server that will not add pg_trgm the upgrade still ends, search reading every child."""

from __future__ import annotations

import logging
import os

import pytest
from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine
from caseload_app.services.case_window import CaseWindowService
from tests import pg_cluster
from tests.db.upgrading import FAMILY, at_revision, open_upgraded
from tests.helpers import TODAY

CHILDREN = tuple(
    "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
    f"version) VALUES ({n}, 1, 'A', 'B', '2016-05-04', '{words}', 1)"
    for n, words in ((1, "amara okafor\x1fbh2 8tu"), (2, "finley singh\x1fbh23ne"))
)
CASES = tuple(
    "INSERT INTO ehcp_case (id, child_id, stage, is_open, request_received, version) "
    f"VALUES ({n}, {n}, 'request_received', true, '2026-11-02', 1)"
    for n in (1, 2)
)


def found(db, words: str) -> list[int]:
    return CaseWindowService(db, today=lambda: TODAY).case_ids(text=words)


def test_the_children_held_are_found_through_the_index_and_it_follows_changes(empty_url, tmp_path):
    at_revision(empty_url, "0028", (FAMILY, *CHILDREN, *CASES))
    db = open_upgraded(empty_url, tmp_path)
    try:
        sqlite = db.engine.dialect.name == "sqlite"
        with db.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0029"
            if sqlite:
                indexed = "SELECT rowid FROM child_search WHERE child_search MATCH '\"oka\"'"
            else:
                indexed = "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_child_search'"
            assert s.execute(text(indexed)).all()
        assert migrate.HEAD == "0029"
        assert found(db, "okaf") == [1] and found(db, "bh2 3") == [2]
        with db.engine.begin() as con:  # as a save writes them
            con.execute(text("UPDATE child SET search_text = 'amara obi' WHERE id = 1"))
            con.execute(text("DELETE FROM ehcp_case WHERE id = 2"))
            con.execute(text("DELETE FROM child WHERE id = 2"))
            con.execute(
                text(CHILDREN[1].replace("(2,", "(3,").replace("finley singh", "okafor jr"))
            )
            con.execute(text(CASES[1].replace("(2, 2,", "(3, 3,")))
        assert found(db, "okaf") == [3] and found(db, "obi") == [1] and found(db, "sin") == []
        if sqlite:  # the index and the children it is built from agree, row for row
            with db.engine.begin() as con:
                con.execute(
                    text("INSERT INTO child_search(child_search) VALUES ('integrity-check')")
                )
    finally:
        db.dispose()


def test_a_team_server_that_will_not_add_pg_trgm_still_upgrades(request, tmp_path, caplog):
    if not os.environ.get("CASELOAD_TEST_PG_URL") and pg_cluster.bin_dir() is None:
        pytest.skip("PostgreSQL is not installed here")
    server = request.getfixturevalue("pg_server")
    name, role = f"caseload_notrgm_{os.getpid()}", f"notrgm_{os.getpid()}"
    pg_cluster.create_database(server, name)
    owner_url = pg_cluster.database_url(server, name)
    try:
        at_revision(owner_url, "0028", (FAMILY, *CHILDREN, *CASES))
        # An owner of the tables who may not add extensions to the database (no CREATE on
        # it), as on a council server run by its DBA.
        for sql in (
            f"CREATE ROLE {role} LOGIN PASSWORD 'x'",
            f"ALTER TABLE alembic_version OWNER TO {role}",
            f"ALTER TABLE child OWNER TO {role}",
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
        ):
            pg_cluster.run_in(owner_url, sql)
        role_url = owner_url.replace(owner_url.split("//")[1].split("@")[0], f"{role}:x")
        engine = make_engine(role_url)
        with caplog.at_level(logging.WARNING):  # the migration alone, run as that owner
            command.upgrade(migrate.alembic_config(engine), "0029")
        engine.dispose()
        db = open_upgraded(owner_url, tmp_path)
        try:
            with db.read() as s:
                stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
                indexes = s.execute(text("SELECT indexname FROM pg_indexes")).scalars().all()
            assert stamped == "0029" and "ix_child_search" not in indexes
            assert "pg_trgm" in caplog.text and "okafor" not in caplog.text
            assert found(db, "okaf") == [1]  # search reads every child, and still finds it
        finally:
            db.dispose()
    finally:
        pg_cluster.drop_database(server, name)
        pg_cluster.drop_roles(server, [role])
