"""Who logged a contact and who saved a row are the server's to say, not the client's: a
caseworker's home-made client cannot log a contact in a colleague's name or pass a save off
as someone else's, and the audit trail shows what such an update changed. A reprint reads
only the letters folder, whatever path a row holds."""

from __future__ import annotations

import json

import pytest

from caseload_app.services.errors import UserError
from caseload_app.services.letters import LetterService
from tests.helpers import NOW, TODAY


def test_a_contact_logged_in_a_colleagues_name_is_stamped_with_the_real_author(
    team_server, tmp_path
):
    t = team_server
    asha = t.raw("asha")
    with asha.transaction():
        comm_id = asha.execute(
            "INSERT INTO communication (family_id, case_id, occurred_at, channel, direction,"
            " with_whom, summary, logged_by, letter_path, version) SELECT ch.family_id, c.id,"
            " now(), 'letter', 'out', 'Mum', 'a letter', %s, '/etc/passwd', 1"
            " FROM ehcp_case c JOIN child ch ON ch.id = c.child_id WHERE c.id = %s RETURNING id",
            [t.login("ben"), t.case_b],
        ).fetchone()[0]
        asha.execute(
            "UPDATE communication SET logged_by = %s WHERE id = %s", [t.login("lee"), comm_id]
        )
    row = asha.execute("SELECT logged_by FROM communication WHERE id = %s", [comm_id]).fetchone()
    assert row == (t.login("asha"),)
    letters = LetterService(
        t.signed_in("lee"), t.login("lee"), lambda: TODAY, lambda: NOW, letters_dir=tmp_path
    )
    with pytest.raises(UserError, match="outside the letters folder"):
        letters.reprint(comm_id)  # the row's path is never followed


def test_a_save_passed_off_as_a_colleagues_is_stamped_and_audited(team_server):
    t = team_server
    asha = t.raw("asha")
    with asha.transaction():
        asha.execute(
            "UPDATE ehcp_case SET updated_by = %s WHERE id = %s", [t.login("ben"), t.case_a]
        )
    row = asha.execute("SELECT updated_by FROM ehcp_case WHERE id = %s", [t.case_a]).fetchone()
    assert row == (t.login("asha"),)
    detail = asha.execute(
        "SELECT detail FROM audit_entry WHERE action = 'db update' AND record_type = 'ehcp_case'"
        " AND who = session_user ORDER BY id DESC LIMIT 1"
    ).fetchone()[0]
    assert json.loads(detail)["updated_by"][1] == t.login("asha")  # not '{}'


def test_a_contact_put_back_from_the_trash_keeps_who_logged_it(team_server):
    """Restoring a deleted contact is not logging it anew: its author is kept (the server
    checks its own audit trail held that contact, so no client can pass a contact off as
    a colleague's by calling it a restore)."""
    from caseload_app.db.models import Communication
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.trash import TrashService

    t = team_server
    asha = t.service(CaseworkService, "asha", t.signed_in("asha"))
    comm_id = asha.log_communication(
        t.case_a, NOW.replace(hour=9), "phone", "in", "Mum", "Asked about EP"
    )
    lee = t.service(TrashService, "lee", t.signed_in("lee"))
    restored = lee.restore(lee.delete_communication(comm_id, "by mistake"))
    with t.owner.read() as s:
        assert s.get(Communication, restored.record_id).logged_by == t.login("asha")
