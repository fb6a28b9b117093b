"""The DfE's register of establishments as caseload holds it: finding one to place a child.

Reading the register is not audited: it is public reference data, not anyone's record."""

from __future__ import annotations

from sqlalchemy import and_, case, select

from caseload_app.db.models import Establishment
from caseload_app.domain.establishments import EstablishmentChoice
from caseload_app.domain.text import fold
from caseload_app.services.base import UserService
from caseload_app.services.errors import NotFound


def choice_of(row: Establishment) -> EstablishmentChoice:
    return EstablishmentChoice(
        id=row.id,
        urn=row.urn,
        name=row.name,
        la_code=row.la_code,
        establishment_number=row.establishment_number,
        type_name=row.type_name,
        phase=row.phase,
        postcode=row.postcode,
        ukprn=row.ukprn,
        is_open=row.is_open,
    )


class EstablishmentService(UserService):
    def search(self, typed: str, limit: int = 20) -> list[EstablishmentChoice]:
        """Establishments whose name, URN, LAESTAB or postcode hold every word typed: an exact
        URN first, then open ones before closed, then by name."""
        words = fold(typed).split()
        if not words:
            return []
        exact_urn = int(words[0]) if len(words) == 1 and words[0].isdigit() else -1
        query = (
            select(Establishment)
            .where(and_(*(Establishment.search_text.contains(w, autoescape=True) for w in words)))
            .order_by(
                case((Establishment.urn == exact_urn, 0), else_=1),
                Establishment.is_open.desc(),
                Establishment.name,
                Establishment.urn,
            )
            .limit(limit)
        )
        with self._db.read() as s:
            return [choice_of(row) for row in s.scalars(query)]

    def get(self, establishment_id: int) -> EstablishmentChoice:
        with self._db.read() as s:
            row = s.get(Establishment, establishment_id)
            if row is None:
                raise NotFound("That establishment is not in the register any more.")
            return choice_of(row)
