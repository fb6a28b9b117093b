"""Finding an establishment in the register as you type: by any word of its name, its URN,
its LAESTAB (with or without the slash) or its postcode; an exact URN first, open before
closed."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert

from caseload_app.db.models import Establishment
from caseload_app.domain.establishments import establishment_search_text
from caseload_app.services.errors import NotFound
from caseload_app.services.establishments import EstablishmentService

ROWS = [  # urn, la, number, name, postcode, open
    (113503, 839, 2001, "Oak Hill Primary School", "BH1 1AA", True),
    (113504, 839, 2002, "Oakwood Academy", "BH2 2BB", False),
    (113505, 839, 2003, "Oakwood Academy", "BH2 3CC", True),
    (201113, 838, 7001, "Queen's Park Special School", "DT1 1ZZ", True),
]


@pytest.fixture
def service(db):
    with db.uow() as s:
        for urn, la, number, name, postcode, is_open in ROWS:
            s.execute(
                insert(Establishment).values(
                    urn=urn,
                    la_code=la,
                    establishment_number=number,
                    name=name,
                    type_code="",
                    type_name="",
                    phase="",
                    postcode=postcode,
                    is_open=is_open,
                    search_text=establishment_search_text(name, urn, la, number, postcode),
                    imported_at=datetime(2026, 12, 6, 9, 0),
                )
            )
    return EstablishmentService(db, "Asha Patel")


def urns(found) -> list[int]:
    return [e.urn for e in found]


def test_every_word_typed_must_match_and_open_ones_come_first(service):
    assert urns(service.search("oakwood")) == [113505, 113504]
    assert urns(service.search("OAK hill")) == [113503]
    assert urns(service.search("queens")) == []  # the apostrophe is part of the name
    assert urns(service.search("queen's")) == [201113]
    assert urns(service.search("   ")) == []


def test_by_urn_laestab_or_postcode(service):
    assert urns(service.search("113503")) == [113503]
    assert urns(service.search("11350"))[:1] == [113503]
    assert urns(service.search("839/2002")) == [113504]
    assert urns(service.search("8397001")) == []
    assert urns(service.search("8387001")) == [201113]
    assert urns(service.search("bh2 3cc")) == [113505]


def test_an_exact_urn_comes_before_one_that_only_contains_it(service):
    assert urns(service.search("113")) == [113503, 113505, 201113, 113504]
    assert urns(service.search("201113"))[0] == 201113


def test_a_like_wildcard_typed_is_a_character_not_a_wildcard(service):
    assert service.search("%") == []
    assert service.search("oak_hill") == []


def test_a_choice_says_where_it_is_and_whether_it_is_closed(service):
    closed = service.search("bh2 2bb")[0]
    assert closed.label() == "Oakwood Academy (URN 113504, 839/2002, BH2 2BB) — closed"
    assert service.get(closed.id) == closed
    with pytest.raises(NotFound):
        service.get(999_999)


def test_a_long_number_typed_is_searched_as_text_not_taken_for_a_urn(service):
    assert service.search("12345678901234567890") == []
