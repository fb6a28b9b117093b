"""Documents on a team database, as people on their own logins with a home-made client: the
bytes of a document are readable only while a document holds them (not once it is in the
trash), nobody changes stored bytes, only an administrator removes them, and a read-only
person cannot store any."""

from __future__ import annotations

import hashlib

import pytest

from caseload_app.services.documents import DocumentService
from caseload_app.services.trash import TrashService
from tests.pg.test_roles import REFUSED, attempt
from tests.services.test_documents import pdf


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def visible_files(conn) -> int:
    count = conn.execute("SELECT count(*) FROM stored_file").fetchone()[0]
    conn.rollback()
    return count


def test_trashed_documents_bytes_cannot_be_read_through_sql(team_server):
    t = team_server
    docs = t.service(DocumentService, "asha", t.signed_in("asha"))
    docs.add(t.case_a, pdf("Confidential health advice"), "health.pdf")
    asha, ben = t.raw("asha"), t.raw("ben")
    assert (visible_files(asha), visible_files(ben)) == (1, 1)  # the team reads its cases
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    trash.delete_case(t.case_a, "wrong child")
    assert (visible_files(asha), visible_files(ben)) == (0, 0)


def test_stored_bytes_are_never_changed_and_removed_only_by_an_administrator(team_server):
    t = team_server
    t.service(DocumentService, "asha", t.signed_in("asha")).add(t.case_a, pdf("A"), "a.pdf")
    asha = t.raw("asha")
    assert attempt(asha, "UPDATE stored_file SET data = %(d)s", {"d": pdf("B")}) in (0, REFUSED)
    assert attempt(asha, "DELETE FROM stored_file") in (0, REFUSED)
    insert = (
        "INSERT INTO stored_file (sha256, size, data, created_at) "
        "VALUES (encode(sha256(%(d)s), 'hex'), 1, %(d)s, now())"
    )
    assert attempt(asha, insert, {"d": b"x"}) == REFUSED  # only through the server's function
    store = "SELECT caseload_store_file(%(s)s, %(d)s)"
    assert attempt(t.raw("ravi"), store, {"s": sha(b"x"), "d": b"x"}) == REFUSED  # read-only
    assert attempt(asha, store, {"s": "0" * 64, "d": b"x"}) == REFUSED  # not the bytes' sha256
    assert attempt(asha, store, {"s": sha(b"x"), "d": b"x"}) == 1
    assert visible_files(asha) == 1


def test_an_administrator_empties_the_trash_and_the_bytes_go_too(team_server):
    from sqlalchemy import func, select

    from caseload_app.db.models import StoredFile

    t = team_server
    t.service(DocumentService, "asha", t.signed_in("asha")).add(t.case_a, pdf("Gone"), "g.pdf")
    item = t.service(TrashService, "asha", t.signed_in("asha")).delete_case(t.case_a, "wrong")
    t.service(TrashService, "dee", t.signed_in("dee")).purge(item)
    with t.owner.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert attempt(t.raw("asha"), "SELECT caseload_forget_file('x')") == REFUSED  # admins only


def test_a_documents_file_cannot_be_swapped_for_another(team_server):
    t = team_server
    docs = t.service(DocumentService, "asha", t.signed_in("asha"))
    (first,) = docs.add(t.case_a, pdf("Mine"), "mine.pdf")
    (second,) = docs.add(t.case_a, pdf("Other"), "other.pdf")
    swap = "UPDATE document SET sha256 = %(s)s WHERE id = %(d)s"
    assert attempt(t.raw("asha"), swap, {"s": second.sha256, "d": first.id}) == REFUSED


def test_a_trashed_documents_bytes_cannot_be_claimed_by_another_document(team_server):
    t = team_server
    ben_docs = t.service(DocumentService, "ben", t.signed_in("ben"))
    (secret,) = ben_docs.add(t.case_b, pdf("Bea's health advice"), "health.pdf")
    t.service(TrashService, "ben", t.signed_in("ben")).delete_case(t.case_b, "wrong child")
    claim = (
        "INSERT INTO document (case_id, kind, title, file_name, media_type, sha256, size, "
        "dated, came_from, body_text, created_by, created_at, version) VALUES (%(c)s, 'other', "
        "'x', 'x.pdf', 'application/pdf', %(s)s, 1, '2026-11-24', '', '', 'x', now(), 1)"
    )
    asha = t.raw("asha")
    assert attempt(asha, claim, {"c": t.case_a, "s": secret.sha256}) == REFUSED
    assert visible_files(asha) == 0
    # Her own new file, added through the app, is of course allowed.
    t.service(DocumentService, "asha", t.signed_in("asha")).add(t.case_a, pdf("A"), "a.pdf")
    assert visible_files(asha) == 1


def test_a_caseworker_issues_a_letter_onto_her_own_case_file_only(team_server, tmp_path):
    """The letter's copy goes through the server's own checks (caseload_store_file, the
    document's row security) on her own login; on a colleague's case she is told why not,
    and neither the letter nor its copy is kept."""
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.errors import PermissionDenied
    from caseload_app.services.letters import LetterService
    from caseload_app.services.settings import CouncilDetails, TeamSettingsService

    t = team_server
    t.service(TeamSettingsService, "dee", t.signed_in("dee")).set_council(
        CouncilDetails("Poole Council", "Civic Centre\nPoole")
    )
    lead = t.service(CaseworkService, "lee", t.signed_in("lee"))
    for case_id in (t.case_a, t.case_b):
        family = lead.get_case(case_id, opened=False).family
        lead.update_family(family.id, family.version, {"address": "1 Quay", "postcode": "BH15 1AA"})
    letters = t.service(LetterService, "asha", t.signed_in("asha"))
    letters.letters_dir = tmp_path / "letters"
    typed = {"subject": "Your visit", "message": "Thank you for coming in."}
    issued = letters.issue_letter(t.case_a, "generic", extra=typed)
    docs = t.service(DocumentService, "ben", t.signed_in("ben"))  # the team reads its cases
    (kept,) = docs.documents(t.case_a)
    assert (kept.id, kept.communication_id, kept.sha256) == (
        issued.document_id, issued.communication_id, sha(issued.pdf),
    )  # fmt: skip
    assert letters.reprint(issued.communication_id) == issued.pdf
    assert visible_files(t.raw("asha")) == 1
    with pytest.raises(PermissionDenied, match="Only the caseworker assigned"):
        letters.issue_letter(t.case_b, "generic", extra=typed)
    assert docs.documents(t.case_b) == []
    assert not (tmp_path / "letters").exists()
    # Past the app, her own client cannot put a letter's copy on Ben's case either.
    claim = (
        "INSERT INTO document (case_id, kind, title, file_name, media_type, sha256, size, "
        "dated, came_from, body_text, communication_id, created_by, created_at, version) "
        "VALUES (%(c)s, 'letter_sent', 'x', 'x.pdf', 'application/pdf', %(s)s, 1, "
        "'2026-11-24', '', '', %(m)s, 'x', now(), 1)"
    )
    values = {"c": t.case_b, "s": kept.sha256, "m": issued.communication_id}
    assert attempt(t.raw("asha"), claim, values) == REFUSED
