"""Who may do what: the access matrix, the same for a laptop file and a team database.

The services check it before every action; on PostgreSQL the database's row-level security
enforces the same rules again (db/pg_security.py), so a home-made client gets no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CASEWORKER = "caseworker"
    LEAD = "team_lead"
    ADMIN = "administrator"
    READ_ONLY = "read_only"


ROLE_LABELS = {
    Role.CASEWORKER: "Caseworker",
    Role.LEAD: "Team lead",
    Role.ADMIN: "Administrator",
    Role.READ_ONLY: "Read-only",
}


class Can(StrEnum):
    """Actions that need a role. Reading the team's cases and printing need only to be a
    signed-in, active person (every role), and are audited."""

    EDIT_ASSIGNED = "edit the cases assigned to you"
    EDIT_ANY = "edit any case"
    NEW_REQUEST = "record a new request"
    LOG_CONTACT = "log communications"
    REASSIGN = "reassign and rebalance caseloads"
    TEAM = "manage caseworkers and absences"
    REPORTS = "see the board and run team reports"
    USERS = "manage people and roles"
    TEMPLATES = "edit letter templates"
    SETTINGS = "change team settings"
    BACKUPS = "back up and restore"
    AUDIT = "read and export the audit trail"
    PURGE = "remove items from the trash for good"
    QA_PLANS = "audit the quality of plans"
    REGISTER = "import the DfE's register of establishments"
    PROVIDERS = "keep the list of advice providers"


_CASEWORKER = frozenset({Can.EDIT_ASSIGNED, Can.NEW_REQUEST, Can.LOG_CONTACT})
GRANTS: dict[Role, frozenset[Can]] = {
    Role.CASEWORKER: _CASEWORKER,
    Role.LEAD: _CASEWORKER
    | {Can.EDIT_ANY, Can.REASSIGN, Can.TEAM, Can.REPORTS, Can.QA_PLANS, Can.REGISTER}
    | {Can.PROVIDERS},
    # Not case edits: an administrator who also edits cases is given the lead role too.
    # The register is reference data, not anyone's case: leads and administrators both keep
    # it (as the team database's grants allow: db/pg_security.py REFERENCE_TABLES), and the
    # list of advice providers likewise.
    Role.ADMIN: frozenset(
        {Can.USERS, Can.TEMPLATES, Can.SETTINGS, Can.BACKUPS, Can.AUDIT, Can.PURGE, Can.REGISTER}
    )
    | {Can.PROVIDERS},
    Role.READ_ONLY: frozenset(),
}


def parse_roles(text: str) -> frozenset[Role]:
    """Roles from their stored form ("caseworker team_lead"); unknown words are an error."""
    roles = set()
    for word in text.replace(",", " ").split():
        try:
            roles.add(Role(word))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"'{word}' is not a role (the roles are {known}).") from None
    return frozenset(roles)


def roles_text(roles: frozenset[Role] | set[Role]) -> str:
    return " ".join(sorted(r.value for r in roles))


@dataclass(frozen=True)
class Access:
    """What one signed-in person may do: their roles and the caseworker they are (if any)."""

    login: str
    roles: frozenset[Role]
    caseworker_id: int | None = None
    everything: bool = False  # a single-user laptop with no people set up: its user

    def can(self, action: Can) -> bool:
        if self.everything:
            return True
        return any(action in GRANTS[role] for role in self.roles)

    def can_edit_case(self, case_caseworker_id: int | None) -> bool:
        if self.can(Can.EDIT_ANY):
            return True
        return (
            self.can(Can.EDIT_ASSIGNED)
            and self.caseworker_id is not None
            and case_caseworker_id == self.caseworker_id
        )

    def describe(self) -> str:
        if self.everything:
            return "single-user laptop: every role"
        return ", ".join(ROLE_LABELS[r] for r in sorted(self.roles)) or "no role"


def single_user(login: str) -> Access:
    """A laptop database with nobody set up: its one user may do everything."""
    return Access(login=login, roles=frozenset(Role), everything=True)
