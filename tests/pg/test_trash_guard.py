"""The trash and plan audits on a team database, as people on their own logins with a
home-made client. A plan audit is written only by a team lead: a caseworker cannot forge one
on her own case, change it, delete it, or lose it by taking her case to the trash and
bringing it back without it; through the app her case still goes and comes back whole,
audit and all. An item in the trash holds only what its maker deleted with it, and is
restored whole. A trashed document's text is not kept where anyone can read it, and its
bytes are read only by someone who may restore it."""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from caseload_app.db import pg_security
from caseload_app.db.models import Base, Document, TrashItem
from caseload_app.services.casework import CaseworkService
from caseload_app.services.documents import DocumentService
from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.plans import PlanService
from caseload_app.services.trash import TrashService, _follow, _load, _put_back
from tests.domain.test_plan import good_plan
from tests.pg.test_roles import REFUSED, attempt
from tests.services.test_documents import email_with_attachment, pdf

KEPT = "An item in the trash holds only what was deleted with it"
LEFT = "A plan audit leaves only with its case, into the trash"
WHOLE = "An item in the trash is restored whole"
RETURNED = "A case in the trash comes back only by restoring it"


def at_commit(conn: psycopg.Connection, *steps: tuple[str, dict | None]) -> str:
    """Run the statements and commit: why the database refused ('' if it did not)."""
    try:
        for sql, params in steps:
            conn.execute(sql, params or {})
        conn.commit()
    except psycopg.errors.Error as exc:
        conn.rollback()
        return str(exc).splitlines()[0]
    return ""


def audited(t) -> dict:
    """Asha's plan, and Lee's audit of it sent back for rework: the audit's row as the
    database holds it."""
    PlanService(t.signed_in("asha"), t.login("asha")).save(t.case_a, good_plan(), None, 0)
    qa = t.service(PlanAuditService, "lee", t.signed_in("lee"))
    state = qa.start(t.case_a)
    qa.decide(state.id, state.version, state.items, {"F": "Say how often."}, "rework")
    return row_of(t, state.id)


def row_of(t, audit_id: int) -> dict | None:
    with t.owner.read() as s:
        found = s.execute(text("SELECT * FROM plan_audit WHERE id = :i"), {"i": audit_id})
        row = found.mappings().first()
        return dict(row) if row else None


def test_a_caseworker_cannot_forge_change_or_delete_a_plan_audit(team_server):
    t = team_server
    audit = audited(t)
    asha = t.raw("asha")
    forged = (
        "INSERT INTO plan_audit (case_id, plan_version_id, auditor, started_on, items, "
        "comments, outcome, decided_on, score, created_by, created_at, version) VALUES "
        "(%(c)s, %(v)s, 'Lee Lead', '2026-11-24', '[]', '{}', 'signed_off', '2026-11-24', "
        "100, 'Lee Lead', now(), 1)"
    )
    params = {"c": t.case_a, "v": audit["plan_version_id"]}
    assert attempt(asha, forged, params) == REFUSED  # on her own case
    sign_off = "UPDATE plan_audit SET outcome = 'signed_off', score = 100"
    assert attempt(asha, sign_off) == 0  # no row of it is hers to change
    assert at_commit(asha, ("DELETE FROM plan_audit", None)).startswith(LEFT)
    # A trash item of her own making, holding the audit she wants, lets in nothing: it is
    # not trusted in the transaction that makes it, and not committed at all.
    wanted = {**json.loads(_json(audit)), "id": 999, "outcome": "signed_off", "score": 100}
    item = (
        "INSERT INTO trash_item (record_type, record_id, case_id, label, payload, deleted_at, "
        "deleted_by, reason) VALUES ('plan_audit', 999, %(c)s, 'x', %(p)s, now(), "
        "session_user, 'x')"
    )
    kept = {"c": t.case_a, "p": json.dumps({"plan_audit": [wanted]})}
    columns = ", ".join(wanted)
    values = ", ".join(f"%({k})s" for k in wanted)
    insert = f"INSERT INTO plan_audit ({columns}) VALUES ({values})"
    assert "row-level security" in at_commit(asha, (item, kept), (insert, wanted))
    assert at_commit(asha, (item, kept)).startswith(KEPT)
    assert row_of(t, audit["id"]) == audit
    # A lead's own work goes on: he writes and changes audits on his login.
    assert attempt(t.raw("lee"), forged, params) == 1
    assert attempt(t.raw("lee"), sign_off) == 1


def test_her_case_goes_to_the_trash_and_back_with_its_audit_through_the_app(team_server):
    t = team_server
    audit = audited(t)
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    trash.restore(trash.delete_case(t.case_a, "entered twice"))
    assert row_of(t, audit["id"]) == {**audit, "updated_by": t.login("asha")}
    # And a lead restores her deletion just as well.
    item = trash.delete_case(t.case_a, "entered twice, again")
    t.service(TrashService, "lee", t.signed_in("lee")).restore(item)
    assert row_of(t, audit["id"]) == {**audit, "updated_by": t.login("lee")}
    qa = t.service(PlanAuditService, "lee", t.signed_in("lee"))
    assert [a.outcome for a in qa.audits(t.case_a)] == ["rework"]


def test_a_case_cannot_come_back_from_the_trash_without_its_audit(team_server):
    t = team_server
    audit = audited(t)
    db = t.signed_in("asha")
    item_id = t.service(TrashService, "asha", db).delete_case(t.case_a, "entered twice")
    with t.owner.read() as s:
        payload = json.loads(s.get(TrashItem, item_id).payload)
    assert [a["id"] for a in payload["plan_audit"]] == [audit["id"]]

    def put_back(mark_restored: bool) -> str:
        """Her home-made restore: every row but the audit, the item marked or not."""
        try:
            with db.uow() as s:
                renumber: dict = {}
                for name, rows in payload.items():
                    table = Base.metadata.tables[name]
                    for raw in rows if name != "plan_audit" else ():
                        _put_back(s, table, _follow(table, _load(table, raw), renumber), renumber)
                if mark_restored:
                    s.execute(
                        text(
                            "UPDATE trash_item SET restored_at = now(), "
                            "restored_by = session_user, payload = '{}' WHERE id = :i"
                        ),
                        {"i": item_id},
                    )
        except DBAPIError as exc:
            return str(exc.orig).splitlines()[0]
        return ""

    assert put_back(mark_restored=True).startswith(WHOLE)
    assert put_back(mark_restored=False).startswith(RETURNED)
    marked = "UPDATE trash_item SET restored_at = now(), restored_by = session_user, payload = '{}'"
    assert at_commit(t.raw("asha"), (marked, None)).startswith(WHOLE)  # nothing put back
    t.service(TrashService, "asha", db).restore(item_id)  # the app's restore is whole
    assert row_of(t, audit["id"])["outcome"] == "rework"


def _json(row: dict) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()})


def test_a_trash_item_holds_only_what_its_maker_deleted_with_it(team_server):
    t = team_server
    work = t.service(CaseworkService, "asha", t.signed_in("asha"))
    work.add_task(t.case_a, "Ring school", None, None)
    asha = t.raw("asha")
    (task_id,) = asha.execute("SELECT id FROM task WHERE case_id = %s", (t.case_a,)).fetchone()
    task = asha.execute("SELECT to_jsonb(t) FROM task t WHERE id = %s", (task_id,)).fetchone()[0]
    asha.rollback()
    item = (
        "INSERT INTO trash_item (record_type, record_id, case_id, label, payload, deleted_at, "
        "deleted_by, reason) VALUES ('task', %(i)s, %(c)s, 'Task', %(p)s, now(), "
        "session_user, 'x')"
    )
    delete = ("DELETE FROM task WHERE id = %(i)s", {"i": task_id})

    def kept(row: dict) -> tuple[str, dict]:
        return item, {"i": task_id, "c": t.case_a, "p": json.dumps({"task": [row]})}

    assert at_commit(asha, kept(task)).startswith(KEPT)  # not deleted at all
    assert at_commit(asha, kept({**task, "title": "Other"}), delete).startswith(KEPT)
    part = {k: task[k] for k in ("id", "case_id")}  # the rest left for a restore to make up
    assert at_commit(asha, kept(part), delete).startswith(KEPT)
    assert at_commit(asha, kept({"id": task_id + 1}), delete).startswith("An item in the trash")
    assert at_commit(asha, kept(task), delete) == ""  # as the app does it: accepted
    change = "UPDATE trash_item SET payload = %(p)s, restored_by = session_user"
    assert attempt(asha, change, {"p": json.dumps({"task": [{**task, "title": "x"}]})}) == (
        REFUSED
    )  # nor changed afterwards, only marked restored
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    (mine,) = [i for i in trash.items() if i.label == "Task"]
    trash.restore(mine.id)
    assert [x.title for x in work.get_case(t.case_a).tasks] == ["Ring school"]


def test_the_trash_keeps_no_documents_text_and_a_restore_reads_it_again(team_server):
    t = team_server
    docs = t.service(DocumentService, "asha", t.signed_in("asha"))
    docs.add(t.case_a, pdf("Quillwort assessment: confidential."), "health.pdf")
    docs.add(t.case_a, email_with_attachment(), "from mum.eml")
    with t.owner.read() as s:
        before = dict(s.execute(select(Document.id, Document.body_text)).all())
    assert any("Quillwort" in words for words in before.values())
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    item = trash.delete_case(t.case_a, "wrong child")
    ben = t.raw("ben")
    found = ben.execute(
        "SELECT (SELECT count(*) FROM trash_item WHERE payload LIKE '%%Quillwort%%'),"
        " (SELECT count(*) FROM trash_item WHERE payload LIKE '%%Biff and Chip%%'),"
        " (SELECT count(*) FROM audit_entry WHERE detail LIKE '%%Quillwort%%'),"
        " (SELECT count(*) FROM trash_item)"
    ).fetchone()
    ben.rollback()
    assert found == (0, 0, 0, 1)  # the item is there for all to see, its text is not
    trash.restore(item)
    with t.owner.read() as s:
        assert dict(s.execute(select(Document.id, Document.body_text)).all()) == before
    assert docs.search("Quillwort", t.case_a)


def test_a_colleague_cannot_read_a_trashed_documents_bytes_by_faking_its_restore(team_server):
    t = team_server
    ben_db = t.signed_in("ben")
    (secret,) = t.service(DocumentService, "ben", ben_db).add(
        t.case_b, pdf("Bea's health advice"), "health.pdf"
    )
    item_id = t.service(TrashService, "ben", ben_db).delete_case(t.case_b, "wrong child")
    with t.owner.read() as s:
        payload = json.loads(s.get(TrashItem, item_id).payload)
    # Asha writes Ben's case back as hers, then a document holding its bytes, to roll back.
    with t.signed_in("asha").engine.connect() as conn:
        conn.begin()
        renumber: dict = {}
        for name in ("family", "child", "ehcp_case"):
            table = Base.metadata.tables[name]
            for raw in payload[name]:
                values = _load(table, raw)
                if name == "ehcp_case":
                    values["caseworker_id"] = t.asha
                _put_back(conn, table, values, renumber)
        doc = {**payload["document"][0], "body_text": ""}
        table = Base.metadata.tables["document"]
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(table.insert().values(**_load(table, doc)))
        conn.rollback()
    read = "SELECT caseload_trashed_file(%(i)s, %(s)s) IS NOT NULL"
    params = {"i": item_id, "s": secret.sha256}

    def reads(person: str) -> bool:
        conn = t.raw(person)
        got = conn.execute(read, params).fetchone()[0]
        conn.rollback()
        return got

    # Ben deleted it and a lead may restore it: they may read it, to restore it.
    assert (reads("ben"), reads("lee"), reads("asha"), reads("ravi")) == (
        True,
        True,
        False,
        False,
    )


def test_a_trash_item_made_in_the_same_transaction_unlocks_no_bytes(team_server):
    t = team_server
    ben_db = t.signed_in("ben")
    (secret,) = t.service(DocumentService, "ben", ben_db).add(
        t.case_b, pdf("Bea's health advice"), "health.pdf"
    )
    t.service(TrashService, "ben", ben_db).delete_document(secret.id, "wrong child")
    asha = t.raw("asha")
    with asha.transaction(force_rollback=True):
        (forged,) = asha.execute(
            "INSERT INTO trash_item (record_type, record_id, case_id, label, payload, "
            "deleted_at, deleted_by, reason) VALUES ('document', 1, %(c)s, 'x', %(p)s, now(), "
            "session_user, 'x') RETURNING id",
            {"c": t.case_a, "p": json.dumps({"document": [{"id": 1, "sha256": secret.sha256}]})},
        ).fetchone()
        claim = (
            "INSERT INTO document (case_id, kind, title, file_name, media_type, sha256, size, "
            "dated, came_from, body_text, created_by, created_at, version) VALUES (%(c)s, "
            "'other', 'x', 'x.pdf', 'application/pdf', %(s)s, 1, '2026-11-24', '', '', 'x', "
            "now(), 1)"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege), asha.transaction():
            asha.execute(claim, {"c": t.case_a, "s": secret.sha256})
        got = asha.execute(
            "SELECT caseload_trashed_file(%(i)s, %(s)s)", {"i": forged, "s": secret.sha256}
        ).fetchone()[0]
        assert got is None


def test_items_trashed_before_keep_no_text_once_the_server_is_brought_up_to_date(team_server):
    t = team_server
    docs = t.service(DocumentService, "asha", t.signed_in("asha"))
    (doc,) = docs.add(t.case_a, pdf("Quillwort assessment."), "health.pdf")
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    item_id = trash.delete_document(doc.id, "wrong child")
    with t.owner.uow() as s:  # as an earlier version kept it: with the document's text
        item = s.get(TrashItem, item_id)
        old = json.loads(item.payload)
        old["document"][0]["body_text"] = "Quillwort assessment."
        item.payload = json.dumps(old)
    with t.owner.engine.begin() as conn:  # `caseload admin init` after the upgrade
        pg_security.apply(conn)
    with t.owner.read() as s:
        assert "Quillwort" not in s.get(TrashItem, item_id).payload
    trash.restore(item_id)
    assert docs.search("Quillwort", t.case_a)


def test_a_laptop_files_trash_moves_to_the_server_without_documents_text(tmp_path, pg_database):
    from caseload_app.db.engine import open_database
    from caseload_app.services.transfer import move_laptop_file
    from tests.helpers import NOW, TODAY, new_case

    laptop = open_database(tmp_path / "caseload.sqlite3")
    case_id, _ = new_case(laptop)
    docs = DocumentService(laptop, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    (doc,) = docs.add(case_id, pdf("Quillwort assessment."), "health.pdf")
    trash = TrashService(laptop, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    item_id = trash.delete_document(doc.id, "wrong child")
    with laptop.uow() as s:  # as an earlier version kept it: with the document's text
        item = s.get(TrashItem, item_id)
        old = json.loads(item.payload)
        old["document"][0]["body_text"] = "Quillwort assessment."
        item.payload = json.dumps(old)
    laptop.dispose()
    move_laptop_file(tmp_path / "caseload.sqlite3", pg_database)
    team = open_database(pg_database)
    try:
        with team.read() as s:
            assert "Quillwort" not in s.get(TrashItem, item_id).payload
        TrashService(team, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).restore(item_id)
        found = DocumentService(team, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
        assert found.search("Quillwort", case_id)
    finally:
        team.dispose()
