"""Two people save the same case at the same moment, 1,000 times, each on their own login:
exactly one save of each pair wins, the other is refused with who changed it, and no save
is ever silently overwritten."""

from __future__ import annotations

import threading

from caseload_app.db.models import Child
from caseload_app.services.casework import CaseworkService
from caseload_app.services.errors import ConflictError

ROUNDS = 1000


def child_version(db, child_id: int) -> int:
    with db.read() as s:
        return s.get(Child, child_id).version


def test_two_logins_racing_on_one_case_never_overwrite_each_other(team_server):
    t = team_server
    dbs = {login: t.database(login) for login in ("asha", "lee")}
    workers = {login: t.service(CaseworkService, login, dbs[login]) for login in dbs}
    start = workers["lee"].get_case(t.case_a, opened=False)
    child_id = start.child.id
    both_read = threading.Barrier(2, timeout=30)  # a crashed side fails fast
    outcomes: dict[str, list] = {login: [] for login in workers}

    def race(login: str) -> None:
        work = workers[login]
        for n in range(ROUNDS):
            version = child_version(dbs[login], child_id)
            both_read.wait()  # both hold the same version: both saves are now "stale-able"
            try:
                work.update_child(child_id, version, {"setting": f"{login} {n}"})
                outcomes[login].append(("saved", version))
            except ConflictError as exc:
                assert exc.by in {t.login(p) for p in workers}, exc  # who saved in between
                outcomes[login].append(("refused", version))
            both_read.wait()  # the round is over for both before anyone reads again

    threads = [threading.Thread(target=race, args=(login,)) for login in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    saved = [v for rows in outcomes.values() for kind, v in rows if kind == "saved"]
    refused = [v for rows in outcomes.values() for kind, v in rows if kind == "refused"]
    assert len(saved) == ROUNDS
    assert len(refused) == ROUNDS  # one winner per round
    assert len(set(saved)) == ROUNDS  # never two saves from the same version: 0 overwrites
    end = workers["lee"].get_case(t.case_a, opened=False).child
    assert end.version == start.child.version + ROUNDS
