"""The access matrix through the services, on SQLite and PostgreSQL: each role tries every
action; a refused one raises PermissionDenied and changes nothing, an allowed one works.

Asha and Ben are caseworkers (case A is Asha's, case B Ben's); Lee is a team lead, Dee an
administrator, Ravi read-only. (On PostgreSQL the database enforces the same matrix again:
tests/pg/test_roles.py.)"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from caseload_app.domain.access import Can, Role, parse_roles
from caseload_app.services.audit import AuditFilter, AuditService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.chronology import ChronologyService
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.establishments import EstablishmentService
from caseload_app.services.importer import Importer
from caseload_app.services.letters import LetterService
from caseload_app.services.people import PeopleService, access_for
from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.plans import PlanService
from caseload_app.services.printing import PrintService
from caseload_app.services.providers import ProviderService
from caseload_app.services.requests import RequestService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.team import TeamService
from caseload_app.services.trash import TrashService
from caseload_app.services.weekly import WeeklyReportService
from caseload_app.services.workload import WorkloadService
from tests.helpers import NOW, TODAY, add_person, login_for, plain_request, write_csv

PEOPLE = {
    "Asha Patel": "caseworker",
    "Ben Okafor": "caseworker",
    "Lee Lead": "team_lead",
    "Dee Admin": "administrator",
    "Ravi Reader": "read_only",
}
EVERYONE = set(PEOPLE)
CASEWORKERS_AND_LEAD = {"Asha Patel", "Ben Okafor", "Lee Lead"}
ASHA_AND_LEAD = {"Asha Patel", "Lee Lead"}
LEAD = {"Lee Lead"}
ADMIN = {"Dee Admin"}


@dataclass
class Team:
    db: object
    case_a: int  # Asha's
    case_b: int  # Ben's
    asha: int  # caseworker ids
    ben: int

    def svc(self, cls, who):
        return cls(self.db, who, today=lambda: TODAY, now=lambda: NOW)

    def new_case(self, first_name: str, caseworker_id: int | None) -> int:
        lead = self.svc(RequestService, "Lee Lead")
        return lead.create(plain_request(first_name, caseworker_id))


@pytest.fixture
def team(db) -> Team:
    lead = TeamService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    asha, ben = lead.add_caseworker("Asha Patel"), lead.add_caseworker("Ben Okafor")
    requests = RequestService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    case_a = requests.create(plain_request("Amy", asha))
    case_b = requests.create(plain_request("Bea", ben))
    add_person(db, "dee", "Dee Admin", "administrator")  # the first administrator
    workers = {"Asha Patel": asha, "Ben Okafor": ben}
    for name, roles in PEOPLE.items():
        if name != "Dee Admin":
            login = name.split()[0].lower()
            add_person(db, login, name, roles, caseworker_id=workers.get(name), by="Dee Admin")
    return Team(db, case_a, case_b, asha, ben)


def _version(t: Team, case_id: int) -> int:
    return t.svc(CaseworkService, "Lee Lead").get_case(case_id, opened=False).version


def _audit_plan(t: Team, who: str) -> None:
    from tests.domain.test_plan import good_plan

    case_id = t.new_case("Audit", t.ben)
    t.svc(PlanService, "Ben Okafor").save(case_id, good_plan(), None, 0)
    t.svc(PlanAuditService, who).start(case_id)


def _issue_letter(t: Team, who: str) -> None:
    """A letter goes on the case file: only the case's caseworker or a lead issues one."""
    t.svc(TeamSettingsService, "Dee Admin").set_council(CouncilDetails("Poole", "Civic Centre"))
    lead = t.svc(CaseworkService, "Lee Lead")
    family = lead.get_case(t.case_a, opened=False).family
    lead.update_family(family.id, family.version, {"address": "1 Quay", "postcode": "BH15 1AA"})
    typed = {"subject": "Your visit", "message": f"From {who}."}
    t.svc(LetterService, who).issue(t.case_a, "generic", extra=typed)


# Each action as (what it is, who may, how a person does it). Every call is repeatable.
def _stage_action(t: Team, who: str) -> None:
    case_id = t.new_case("Stage", t.asha)  # still at request: the decision is possible
    t.svc(CaseworkService, who).record_action(
        case_id, _version(t, case_id), "assess_agreed", date(2026, 8, 10)
    )


def _edit_child(t: Team, who: str) -> None:
    work = t.svc(CaseworkService, who)
    child = t.svc(CaseworkService, "Lee Lead").get_case(t.case_a, opened=False).child
    work.update_child(child.id, child.version, {"setting": f"School of {who}"})


def _delete_case(t: Team, who: str) -> None:
    case_id = t.new_case("Del", t.asha)
    try:
        t.svc(TrashService, who).delete_case(case_id, "entered by mistake")
    except PermissionDenied:
        t.svc(TrashService, "Lee Lead").delete_case(case_id, "tidy")  # keep the next try clean
        raise


def _import(t: Team, who: str) -> None:
    folder = Path(tempfile.mkdtemp())
    sheet = write_csv(
        folder / "sheet.csv",
        f"Imp,{who.split()[0]},2015-03-02,,,,,,2026-11-01,request_received,,,,,",
    )
    result = t.svc(Importer, who).import_file(sheet)
    assert result.written, result.problems


def _import_register(t: Team, who: str) -> None:
    from tests.services.test_establishment_import import FIXTURE

    t.svc(EstablishmentService, who).import_register(FIXTURE)


def _purge(t: Team, who: str) -> None:
    task = t.svc(CaseworkService, "Lee Lead").add_task(t.case_a, "To purge", None, None)
    item = t.svc(TrashService, "Lee Lead").delete_task(task)
    t.svc(TrashService, who).purge(item)


def _lead_records_exception(t: Team) -> int:
    return t.svc(CaseworkService, "Lee Lead").record_exception(
        t.case_a,
        "absent_from_area",
        ["decide_assess"],
        date(2026, 11, 2),
        None,
        None,
        "holiday abroad",
    )


def _correct_exception(t: Team, who: str) -> None:
    exception_id = _lead_records_exception(t)
    t.svc(CaseworkService, who).update_exception(exception_id, 1, {"period_end": date(2026, 11, 9)})


def _withdraw_exception(t: Team, who: str) -> None:
    exception_id = _lead_records_exception(t)
    t.svc(TrashService, who).withdraw_exception(exception_id, "recorded on the wrong case")


def _correct_contact(t: Team, who: str) -> None:
    lead = t.svc(CaseworkService, "Lee Lead")
    comm = lead.log_communication(
        t.case_a, datetime(2026, 11, 20, 9), "phone", "in", "Mum", "Asked about EP"
    )
    t.svc(CaseworkService, who).update_communication(comm, 1, {"summary": f"Corrected by {who}"})


def _edit_task(t: Team, who: str) -> None:
    task = t.svc(CaseworkService, "Lee Lead").add_task(t.case_a, "Ring school", None, None)
    t.svc(CaseworkService, who).update_task(task, 1, {"title": f"Ring school ({who})"})


def _rename_caseworker(t: Team, who: str) -> None:
    lead = t.svc(TeamService, "Lee Lead")
    worker = lead.add_caseworker(f"Temp {abs(hash(who)) % 10_000}")
    t.svc(TeamService, who).rename_caseworker(worker, f"Temp {abs(hash(who)) % 10_000} X")


def _chronology(t: Team, who: str) -> None:
    chronology = t.svc(ChronologyService, who)
    chronology.to_pdf(chronology.entries(t.case_b))


ACTIONS = [
    ("open a case", EVERYONE, lambda t, w: t.svc(CaseworkService, w).get_case(t.case_b)),
    ("print a summary", EVERYONE, lambda t, w: t.svc(PrintService, w).case_summary(t.case_b)),
    ("make a case chronology", EVERYONE, _chronology),
    ("stage action on Asha's case", ASHA_AND_LEAD, _stage_action),
    ("edit the child on Asha's case", ASHA_AND_LEAD, _edit_child),
    (
        "add a task on Asha's case",
        ASHA_AND_LEAD,
        lambda t, w: t.svc(CaseworkService, w).add_task(t.case_a, "Ring school", None, None),
    ),
    (
        "log a contact on Ben's case",
        CASEWORKERS_AND_LEAD,
        lambda t, w: t.svc(CaseworkService, w).log_communication(
            t.case_b, datetime(2026, 11, 20, 9), "phone", "in", "Mum", "Asked about EP"
        ),
    ),
    (
        "record an unallocated new request",
        CASEWORKERS_AND_LEAD,
        lambda t, w: t.svc(RequestService, w).create(plain_request(f"New {w}", None)),
    ),
    (
        "allocate a new request to Ben",
        {"Ben Okafor", "Lee Lead"},
        lambda t, w: t.svc(RequestService, w).create(plain_request(f"For Ben {w}", t.ben)),
    ),
    ("delete a case of Asha's", ASHA_AND_LEAD, _delete_case),
    ("issue a letter on Asha's case", ASHA_AND_LEAD, _issue_letter),
    ("correct or end an exception on Asha's case", ASHA_AND_LEAD, _correct_exception),
    ("withdraw an exception on Asha's case", ASHA_AND_LEAD, _withdraw_exception),
    ("rename a caseworker", LEAD, _rename_caseworker),
    ("correct a contact Lee logged on Asha's case", ASHA_AND_LEAD, _correct_contact),
    ("edit a task on Asha's case", ASHA_AND_LEAD, _edit_task),
    (
        "reassign Asha's case",
        LEAD,
        lambda t, w: t.svc(TeamService, w).reassign(
            [t.case_a], t.ben, "cover", split_families=True
        ),
    ),
    (
        "add a caseworker",
        LEAD,
        lambda t, w: t.svc(TeamService, w).add_caseworker(f"Worker {len(w)}{w[:3]}"),
    ),
    ("import a spreadsheet", LEAD, _import),
    ("import the register of establishments", LEAD | ADMIN, _import_register),
    ("see the workload board", LEAD, lambda t, w: t.svc(WorkloadService, w).board()),
    ("see the advice-provider board", LEAD, lambda t, w: t.svc(ProviderService, w).board()),
    (
        "run the weekly report",
        LEAD,
        lambda t, w: t.svc(WeeklyReportService, w).report(date(2026, 11, 20)),
    ),
    (
        "change the council details",
        ADMIN,
        lambda t, w: t.svc(TeamSettingsService, w).set_council(CouncilDetails(f"Council {w}")),
    ),
    (
        "change the retention period",
        ADMIN,
        lambda t, w: t.svc(TeamSettingsService, w).set_retention_years(7),
    ),
    (
        "switch a plan check off",
        ADMIN,
        lambda t, w: t.svc(TeamSettingsService, w).set_plan_rule("vague_up_to", True, f"By {w}"),
    ),
    (
        "add a person",
        ADMIN,
        lambda t, w: t.svc(PeopleService, w).add_person(
            login_for(t.db, f"p{abs(hash(w)) % 10_000}"), "New Person", "caseworker"
        ),
    ),
    (
        "read the audit trail",
        ADMIN,
        lambda t, w: t.svc(AuditService, w).search(AuditFilter()),
    ),
    ("remove from the trash for good", ADMIN, _purge),
    ("audit a plan", LEAD, _audit_plan),
    (
        "search every case's documents",
        LEAD,
        lambda t, w: t.svc(DocumentService, w).search("advice"),
    ),
    (
        "change the plans' QA checklist",
        LEAD,
        lambda t, w: t.svc(PlanAuditService, w).set_checklist(
            f"key,section,question\nq,A,Is Section A by the family ({w})?\n"
        ),
    ),
    (
        "keep the list of advice providers",
        LEAD | ADMIN,
        lambda t, w: t.svc(ProviderService, w).add_provider({"service": "ep", "name": f"EP {w}"}),
    ),
    (
        "edit a letter template",
        ADMIN,
        lambda t, w: t.svc(LetterService, w).save_template(
            "welcome_note", "Title: Welcome\nTo: family\n\nDear {{salutation}},\n"
        ),
    ),
]


@pytest.mark.parametrize(("what", "allowed", "act"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_each_role_can_do_exactly_what_the_matrix_allows(team, what, allowed, act):
    for who in sorted(EVERYONE - allowed):  # the refusals first: nothing may change
        with pytest.raises(PermissionDenied):
            act(team, who)
    for who in sorted(allowed):
        act(team, who)


def test_every_permission_is_tried_by_the_matrix():
    """A new kind of action must get a row above (and in the PostgreSQL role tests)."""
    tried = {
        Can.EDIT_ASSIGNED,
        Can.EDIT_ANY,
        Can.NEW_REQUEST,
        Can.LOG_CONTACT,
        Can.REASSIGN,
        Can.TEAM,
        Can.REPORTS,
        Can.USERS,
        Can.SETTINGS,
        Can.AUDIT,
        Can.PURGE,
        Can.TEMPLATES,
        Can.QA_PLANS,
        Can.REGISTER,
        Can.PROVIDERS,
    }
    # Backups are of the laptop file, not through a database service: tests/ui checks them.
    assert set(Can) - tried == {Can.BACKUPS}


def test_a_refused_change_leaves_the_case_as_it_was(team):
    before = team.svc(CaseworkService, "Lee Lead").get_case(team.case_a, opened=False)
    with pytest.raises(PermissionDenied, match=r"Only the caseworker assigned to case \d+"):
        team.svc(CaseworkService, "Ben Okafor").record_action(
            team.case_a, before.version, "assess_agreed", date(2026, 8, 10)
        )
    after = team.svc(CaseworkService, "Lee Lead").get_case(team.case_a, opened=False)
    assert after.version == before.version
    assert after.stage == before.stage


def test_a_disabled_person_can_do_nothing_and_roles_change_at_once(team):
    people = team.svc(PeopleService, "Dee Admin")
    people.set_active(login_for(team.db, "asha"), False)
    with pytest.raises(PermissionDenied):
        _stage_action(team, "Asha Patel")
    people.set_active(login_for(team.db, "asha"), True)
    people.set_roles(login_for(team.db, "ben"), {Role.CASEWORKER, Role.LEAD})
    _stage_action(team, "Ben Okafor")  # a lead now: any case


def test_nobody_can_lock_the_team_out_of_administration(team):
    people = team.svc(PeopleService, "Dee Admin")
    with pytest.raises(Exception, match="your own administrator role"):
        people.set_roles(login_for(team.db, "dee"), {Role.CASEWORKER})
    with pytest.raises(Exception, match="your own administrator role"):
        people.set_active(login_for(team.db, "dee"), False)
    with team.db.read() as s:
        assert Role.ADMIN in access_for(s, "Dee Admin").roles


def test_a_laptop_with_nobody_set_up_lets_its_user_do_everything(db):
    with db.read() as s:
        access = access_for(s, "anyone")
    assert access.everything
    assert all(access.can(c) for c in Can)


def test_a_laptop_user_not_named_once_there_is_an_administrator(db):
    """Issue 7's rule kept: everyone else on a laptop file works as caseworker and lead."""
    add_person(db, "dee", "Dee Admin", "administrator")
    with db.read() as s:
        other = access_for(s, "someone")
    assert other.roles == parse_roles("caseworker team_lead")
    assert other.can(Can.EDIT_ANY)
    assert not other.can(Can.AUDIT)


def test_logins_and_roles_are_checked(db):
    people = PeopleService(db, "Dee Admin")
    for login, message in (("A B", "lower-case"), ("x", "2 to 63")):
        with pytest.raises(ValueError, match=message):
            people.add_person(login, "Someone", "caseworker")
    with pytest.raises(ValueError, match="not a role"):
        people.add_person("someone", "Someone", "boss")
    with pytest.raises(ValueError, match="on its own"):
        people.add_person("someone", "Someone", "read_only caseworker")
