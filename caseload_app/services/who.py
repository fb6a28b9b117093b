"""Who someone is and what their roles let them do, read from the database: the one rule
every service checks before it acts (services/base.py) and the people service manages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import AppUser, Caseworker
from caseload_app.domain.access import Access, Role, parse_roles, single_user

# Everyone a laptop file does not name, once it names an administrator (issue 7's rule).
UNNAMED_ON_A_LAPTOP = frozenset({Role.CASEWORKER, Role.LEAD})


def access_for(s: Session, user: str) -> Access:
    """What `user` (a login, or a caseworker's name on a laptop) may do now."""
    people = list(s.scalars(select(AppUser)))
    person = next((p for p in people if p.login == user), None) or next(
        (p for p in people if p.name == user), None
    )
    if person is not None:
        roles = parse_roles(person.roles) if person.active else frozenset()
        return Access(login=person.login, roles=roles, caseworker_id=person.caseworker_id)
    if not any(Role.ADMIN in parse_roles(p.roles) for p in people if p.active):
        return single_user(user)
    worker = s.scalar(select(Caseworker.id).where(Caseworker.name == user))
    return Access(login=user, roles=UNNAMED_ON_A_LAPTOP, caseworker_id=worker)
