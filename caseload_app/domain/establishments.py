"""Establishments from the DfE's register (Get Information About Schools): how one is shown
and found. Pure: the register's rows come from services.establishments."""

from __future__ import annotations

from dataclasses import dataclass

from caseload_app.domain.text import search_key


@dataclass(frozen=True)
class EstablishmentChoice:
    """One establishment as a picker offers it."""

    id: int
    urn: int
    name: str
    la_code: int | None
    establishment_number: int | None
    type_name: str
    phase: str
    postcode: str | None
    ukprn: int | None
    is_open: bool

    @property
    def laestab(self) -> str:
        """The DfE's LA and establishment number, "839/2001" ("" when the register has none)."""
        return laestab(self.la_code, self.establishment_number)

    def label(self) -> str:
        """'Oak Hill Primary (URN 123456, 839/2001, BH1 1AA)', with '— closed' when it is."""
        where = ", ".join(p for p in (f"URN {self.urn}", self.laestab, self.postcode or "") if p)
        return f"{self.name} ({where})" + ("" if self.is_open else " — closed")


def laestab(la_code: int | None, number: int | None) -> str:
    if la_code is None or number is None:
        return ""
    return f"{la_code:03d}/{number:04d}"


def establishment_search_text(
    name: str, urn: int, la_code: int | None, number: int | None, postcode: str | None
) -> str:
    """The folded text search-as-you-type matches: name, URN, LAESTAB (with and without its
    slash) and postcode."""
    code = laestab(la_code, number)
    return search_key(name, str(urn), code, code.replace("/", ""), postcode)
