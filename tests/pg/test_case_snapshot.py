"""A case window read while someone else saves the case (issue 28 removed the read's lock):
everything it shows is from one moment, before the save or after it, never half of each."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from caseload_app.services.casework import CaseworkService
from tests.helpers import TODAY


@pytest.mark.parametrize("opened", [True, False])
@pytest.mark.parametrize("person", ["asha", "ravi"])
def test_a_save_between_the_reads_is_seen_whole_or_not_at_all(team_server, person, opened):
    case_id = team_server.case_a
    lead = team_server.service(CaseworkService, "lee", team_server.signed_in("lee"))
    reader = team_server.service(CaseworkService, person)
    before = reader.get_case(case_id, opened=False)
    saved = []

    def save_meanwhile(_conn, _cursor, statement, *_args) -> None:
        # Lee's save commits after the case row is read, before its events are.
        if "stage_event" in statement and not saved:
            saved.append(True)
            lead.record_action(case_id, before.version, "assess_agreed", TODAY)

    engine = reader._db.engine
    event.listen(engine, "before_cursor_execute", save_meanwhile)
    try:
        shown = reader.get_case(case_id, opened=opened)
    finally:
        event.remove(engine, "before_cursor_execute", save_meanwhile)
    assert saved
    after_save = "assess_agreed" in [e.action for e in shown.events]
    assert (shown.version != before.version) == after_save
    assert (shown.stage != before.stage) == after_save
    assert reader.get_case(case_id, opened=False).stage != before.stage  # it was saved
    with reader._db.uow() as s:  # the pool's next user is back to the usual level
        assert s.scalar(text("SHOW transaction_isolation")) == "read committed"
