"""Upgrading a database made before 0026, on SQLite and on PostgreSQL: advice requests keep
every date and chase and have no provider; a provider can then be added and pointed at, one
name per service, and a request cannot point at a provider that does not exist."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from caseload_app.db import migrate
from caseload_app.db.engine import StorageError
from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded

CASE = (
    "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
    "VALUES (1, 1, '2026-07-01', 'assessment', true, 1)"
)
ADVICE = (
    "INSERT INTO advice_request (id, case_id, advice_type, requested, received_by_adviser, due, "
    "chases, last_chased, version) VALUES (1, 1, 'ep', '2026-08-03', '2026-08-04', "
    "'2026-09-15', 2, '2026-09-20', 1)"
)
PROVIDER = (
    "INSERT INTO advice_provider (id, service, name, address, manager_name, manager_role, "
    "active, version) VALUES ({id}, 'ep', '{name}', '', '', '', true, 1)"
)


def test_advice_requests_keep_their_dates_and_have_no_provider_yet(empty_url, tmp_path):
    at_revision(empty_url, "0025", (*one_child(), CASE, ADVICE))
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.read() as s:
            stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            row = s.execute(
                text("SELECT due, chases, last_chased, provider_id FROM advice_request")
            ).one()
            indexes = inspect(s.connection()).get_indexes("advice_request")
        assert stamped == "0026" or migrate.HEAD > "0026"
        assert (as_date(row[0]), row[1], as_date(row[2]), row[3]) == (
            as_date("2026-09-15"), 2, as_date("2026-09-20"), None,
        )  # fmt: skip
        assert any(i["column_names"] == ["provider_id"] for i in indexes)
        with db.uow() as s:
            s.execute(text(PROVIDER.format(id=1, name="EP team North")))
            s.execute(text("UPDATE advice_request SET provider_id = 1 WHERE id = 1"))
        with db.read() as s:
            assert s.execute(text("SELECT provider_id FROM advice_request")).scalar() == 1
    finally:
        db.dispose()


def test_one_name_per_service_and_no_request_to_a_provider_that_is_not_there(empty_url, tmp_path):
    at_revision(empty_url, "0025", (*one_child(), CASE, ADVICE))
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.uow() as s:
            s.execute(text(PROVIDER.format(id=1, name="EP team North")))
        with pytest.raises((IntegrityError, StorageError)), db.uow() as s:
            s.execute(text(PROVIDER.format(id=2, name="EP team North")))
        with pytest.raises((IntegrityError, StorageError)), db.uow() as s:
            s.execute(text("UPDATE advice_request SET provider_id = 99 WHERE id = 1"))
    finally:
        db.dispose()
