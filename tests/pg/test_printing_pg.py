"""A case summary printed, and the board read, on a team database: each read as of one
moment (REPEATABLE READ, db.batch.one_snapshot), which must be chosen before anything else
the transaction does, audit entry and all."""

from sqlalchemy import text

from caseload_app.services.printing import PrintService
from caseload_app.services.workload import WorkloadService


def test_a_summary_prints_and_the_board_reads_on_a_team_database(team_server):
    for person in ("lee", "asha"):
        pdf = team_server.service(PrintService, person).case_summary(team_server.case_a)
        assert pdf[:4] == b"%PDF"
    board = team_server.service(WorkloadService, "lee").board()
    assert {r.name for r in board.rows} >= {"Asha Patel", "Ben Okafor"}
    with team_server.owner.read() as s:
        printed = s.execute(
            text("SELECT count(*) FROM audit_entry WHERE action = 'print' AND case_id = :c"),
            {"c": team_server.case_a},
        ).scalar()
    assert printed == 2  # each print recorded, in the same transaction as its read
