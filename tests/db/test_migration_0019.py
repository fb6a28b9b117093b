"""Upgrading a database made before 0019, on SQLite and on PostgreSQL: the versions issued
before it are sealed as they are, one whose case was in the trash comes back from it with its
case, and from then on no issued version can be written past the app."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine
from caseload_app.db.models import EhcpCase, PlanSeal, PlanVersion
from caseload_app.services.plan_integrity import PlanIntegrityService
from caseload_app.services.plans import PlanService
from caseload_app.services.trash import TrashService
from tests.db.upgrading import at_revision, one_child, open_upgraded

WHO = "Asha Patel"
NOW = datetime(2026, 11, 24, 10, 0)


def content(n: int) -> str:
    return json.dumps({"version": n})


def sha(n: int) -> str:
    return hashlib.sha256(content(n).encode("utf-8")).hexdigest()


def issued(version_id: int, case_id: int, n: int = 1) -> tuple[str, str]:
    """Version `version_id` (number n) of the case, issued on 20 Nov 2026, and its audit."""
    return (
        "INSERT INTO plan_version (id, case_id, number, kind, content, issued_on, "
        "content_sha256, issued_by, created_by, created_at, version) VALUES "
        f"({version_id}, {case_id}, {n}, 'draft', '{content(version_id)}', '2026-11-20', "
        f"'{sha(version_id)}', '{WHO}', '{WHO}', '2026-11-20 09:00:00', 2)",
        "INSERT INTO audit_entry (at, who, action, record_type, record_id, case_id, detail) "
        f"VALUES ('2026-11-20 09:00:00', '{WHO}', 'issue', 'plan_version', {version_id}, "
        f"{case_id}, 'Plan version {n} issued as Draft plan on 2026-11-20 "
        f"(sha256 {sha(version_id)})')",
    )


def case(case_id: int, is_open: bool) -> str:
    return (
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
        f"VALUES ({case_id}, 1, '2024-0{case_id}-10', 'plan_issued', {is_open}, 1)"
    )


def put_in_the_trash(url: str, case_id: int) -> int:
    """What the trash did before 0019: the case and its version as JSON, then removed."""
    engine = make_engine(url)
    with engine.begin() as con:
        payload = {}
        for model in (EhcpCase, PlanVersion):
            table = model.__table__
            key = "id" if model is EhcpCase else "case_id"
            # The columns the table had at that revision, not the model's of today.
            found = text(f"SELECT * FROM {table.name} WHERE {key} = :c")
            rows = con.execute(found, {"c": case_id}).mappings().all()
            payload[table.name] = [
                {k: v.isoformat() if isinstance(v, date) else v for k, v in r.items()} for r in rows
            ]
        con.execute(text("DELETE FROM plan_version WHERE case_id = :c"), {"c": case_id})
        con.execute(text("DELETE FROM ehcp_case WHERE id = :c"), {"c": case_id})
        con.execute(
            text(
                "INSERT INTO trash_item (record_type, record_id, case_id, label, payload, "
                "deleted_at, deleted_by, reason) VALUES ('ehcp_case', :c, :c, 'Case', :p, "
                ":at, :who, 'entered twice')"
            ),
            {"c": case_id, "p": json.dumps(payload), "at": NOW, "who": WHO},
        )
        item = con.execute(text("SELECT max(id) FROM trash_item")).scalar_one()
    engine.dispose()
    return item


def test_versions_issued_before_0019_are_sealed_and_come_back_from_the_trash(empty_url, tmp_path):
    rows = (*one_child(), case(1, True), case(2, False), *issued(1, 1), *issued(2, 2))
    at_revision(empty_url, "0017", rows)
    item = put_in_the_trash(empty_url, 2)
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.read() as s:
            seals = [
                (x.version_id, x.case_id, x.content_sha256, x.trash_id, x.content)
                for x in s.scalars(select(PlanSeal).order_by(PlanSeal.version_id))
            ]
            stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert stamped == migrate.HEAD
        assert seals == [(1, 1, sha(1), None, None), (2, 2, sha(2), item, content(2))]
        trash = TrashService(db, WHO, today=lambda: NOW.date(), now=lambda: NOW)
        trash.restore(item)
        plans = PlanService(db, WHO)
        assert [(v.number, v.sha256) for v in plans.versions(2)] == [(1, sha(2))]
        trash.restore(trash.delete_case(1, "entered twice"))
        assert [(v.number, v.sha256) for v in plans.versions(1)] == [(1, sha(1))]
        assert PlanIntegrityService(db, WHO).verify().findings == ()
        with pytest.raises(DBAPIError, match="made only by issuing"), db.uow() as s:
            s.execute(text(issued(3, 1, n=2)[0]))
    finally:
        db.dispose()
