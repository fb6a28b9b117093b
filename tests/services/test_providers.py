"""The advice-provider board on SQLite and PostgreSQL: the list of providers, a request naming
its provider, the board's figures and waiting cases, and a chase or an escalation of every
overdue request of one provider in one step, logged on each case, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from caseload_app.db.models import AdviceRequest, AuditEntry, Communication
from caseload_app.services.errors import FieldErrors, PermissionDenied, UserError
from caseload_app.services.providers import ProviderService
from tests.helpers import NOW, TODAY, add_person, new_case

NORTH = {
    "service": "ep",
    "name": "EP team North",
    "email": "ep.north@council.example",
    "address": "Civic Centre\nPoole\nBH15 2RU",
    "manager_name": "Dr A Khan",
    "manager_role": "Principal Educational Psychologist",
}


def providers(db, user: str = "Asha Patel") -> ProviderService:
    return ProviderService(db, user, today=lambda: TODAY, now=lambda: NOW)


def assessing(db, first_name: str, **overrides):
    """A case agreed for assessment on 5 Aug 2026: (case id, its CaseworkService)."""
    case_id, work = new_case(db, first_name=first_name, upn=None, nhs_number=None, **overrides)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    return case_id, work


@pytest.fixture
def team(db):
    """EP team North with two overdue requests (Amy's, Bea's) and one not yet due (Cal's);
    one health request naming no provider; and advice from North that arrived."""
    board = providers(db)
    north = board.add_provider(NORTH)
    south = board.add_provider({"service": "ep", "name": "EP team South"})
    amy, work = assessing(db, "Amy")
    bea, _ = assessing(db, "Bea")
    cal, _ = assessing(db, "Cal")
    ids = {
        "amy": work.request_advice(amy, "ep", date(2026, 8, 6), provider_id=north),
        "bea": work.request_advice(bea, "ep", date(2026, 9, 1), provider_id=north),
        "cal": work.request_advice(cal, "ep", date(2026, 11, 2), provider_id=north),
        "amy_health": work.request_advice(amy, "health", date(2026, 8, 6)),
    }
    done = work.request_advice(bea, "ep", date(2026, 8, 10), provider_id=north)
    info = next(a for a in work.get_case(bea).advice if a.id == done)
    work.advice_received(done, info.version, date(2026, 9, 30))  # 51 days
    return {"north": north, "south": south, "work": work, **ids}


def test_a_provider_is_added_corrected_and_retired(db):
    board = providers(db)
    north = board.add_provider(NORTH)
    (info,) = board.providers()
    assert (info.name, info.service_label, info.email) == (
        "EP team North", "Educational psychology", "ep.north@council.example",
    )  # fmt: skip
    with pytest.raises(FieldErrors) as same:
        board.add_provider({"service": "ep", "name": "EP team North"})
    assert "already a provider 'EP team North'" in same.value.errors["name"]
    with pytest.raises(FieldErrors) as bad:
        board.add_provider({"service": "ep", "name": "X", "email": "not an address"})
    assert "email" in bad.value.errors
    board.update_provider(north, info.version, {"active": False, "email": ""})
    (info,) = board.providers()
    assert (info.active, info.email) == (False, None)
    assert board.providers(retired=False) == []


def test_only_leads_and_administrators_keep_the_list(db):
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", by="Dee Admin")
    add_person(db, "lee", "Lee Lead", "team_lead", by="Dee Admin")
    with pytest.raises(PermissionDenied):
        providers(db, "Asha Patel").add_provider(NORTH)
    providers(db, "Lee Lead").add_provider(NORTH)
    providers(db, "Dee Admin").add_provider({**NORTH, "name": "EP team East"})
    assert len(providers(db, "Asha Patel").providers()) == 2  # everyone reads it
    with pytest.raises(PermissionDenied):
        providers(db, "Asha Patel").board()  # the board is for leads


def test_a_request_names_a_provider_of_its_own_service(db):
    board = providers(db)
    north = board.add_provider(NORTH)
    health = board.add_provider({"service": "health", "name": "Community paediatrics"})
    case_id, work = assessing(db, "Amy")
    with pytest.raises(FieldErrors) as wrong:
        work.request_advice(case_id, "ep", date(2026, 8, 6), provider_id=health)
    assert "gives health advice" in wrong.value.errors["provider_id"]
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6), provider_id=north)
    (advice,) = work.get_case(case_id).advice
    assert (advice.provider_id, advice.provider) == (north, "EP team North")
    work.update_advice(advice_id, advice.version, {"provider_id": None})
    assert work.get_case(case_id).advice[0].provider == ""
    board.update_provider(north, board.providers()[1].version, {"active": False})
    with pytest.raises(FieldErrors) as retired:
        work.update_advice(advice_id, advice.version + 1, {"provider_id": north})
    assert "retired" in retired.value.errors["provider_id"]


def test_the_board_counts_each_provider_and_lists_its_cases(db, team):
    board = providers(db).board()
    north = board.row(f"provider:{team['north']}")
    assert (north.outstanding, north.overdue) == (3, 2)
    assert [w.child_name for w in north.waiting] == ["Amy Brontë", "Bea Brontë", "Cal Brontë"]
    amy = north.waiting[0]
    assert amy.due == date(2026, 9, 17)
    assert amy.days_overdue == (TODAY - date(2026, 9, 17)).days
    assert north.waiting[2].days_overdue == 0
    assert (north.last_6_months.count, north.last_6_months.median) == (1, 51)
    assert north.trend.word == "not known"
    health = board.row("service:health")
    assert health.name == "Health (no team recorded)"
    assert (health.outstanding, health.overdue) == (1, 1)
    south = board.row(f"provider:{team['south']}")
    assert south.outstanding == 0  # listed, with nothing waiting
    assert board.rows[0].key == north.key  # the most overdue first
    with db.read() as s:
        seen = s.scalar(
            select(AuditEntry.detail).where(
                AuditEntry.record_type == "advice_provider", AuditEntry.action == "view"
            )
        )
    assert seen.startswith("Looked at the advice-provider board")


def _counts(db):
    with db.read() as s:
        chases = {i: n for i, n in s.execute(select(AdviceRequest.id, AdviceRequest.chases))}
        comms = s.scalar(select(func.count()).select_from(Communication))
    return chases, comms


def test_chasing_a_provider_writes_one_letter_and_logs_each_case(db, team, tmp_path):
    service = providers(db)
    key = f"provider:{team['north']}"
    done = service.chase_overdue(key, TODAY, tmp_path / "chase.pdf")
    assert (done.to, done.chased) == ("EP team North", 2)
    assert (tmp_path / "chase.pdf").read_bytes().startswith(b"%PDF")
    chases, _ = _counts(db)
    assert (chases[team["amy"]], chases[team["bea"]], chases[team["cal"]]) == (1, 1, 0)
    work = team["work"]
    for advice_id in (team["amy"], team["bea"]):
        case_id = next(
            c for c in range(1, 10) if any(a.id == advice_id for a in work.get_case(c).advice)
        )
        detail = work.get_case(case_id)
        (advice,) = [a for a in detail.advice if a.id == advice_id]
        assert advice.last_chased == TODAY
        chase = detail.communications[0]
        assert chase.summary.startswith("Chased educational psychology advice (due ")
        assert "one letter to EP team North listing 2 children" in chase.summary
        assert (chase.with_family, chase.channel, chase.with_whom) == (
            False, "letter", "EP team North",
        )  # fmt: skip
    with db.read() as s:
        printed = s.scalar(
            select(AuditEntry.detail).where(
                AuditEntry.record_type == "advice_provider", AuditEntry.action == "print"
            )
        )
    assert done.sha256 in printed


def test_the_letter_lists_the_children_and_the_duty(db, team, tmp_path):
    from tests.helpers import docx_paragraphs

    providers(db).chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "chase.docx")
    text = "\n".join(docx_paragraphs((tmp_path / "chase.docx").read_bytes()))
    assert "Amy Brontë, born 4 May 2016: requested Thu 6 Aug 2026" in text
    assert "Bea Brontë" in text and "Cal Brontë" not in text  # Cal's is not yet due
    assert "Regulation 8(1)" in text
    providers(db).escalate(f"provider:{team['north']}", TODAY, tmp_path / "escalate.docx")
    text = "\n".join(docx_paragraphs((tmp_path / "escalate.docx").read_bytes()))
    assert "Dear Dr A Khan" in text
    assert "Principal Educational Psychologist" in text and "Regulation 8(1)" in text
    chases, _ = _counts(db)
    assert chases[team["amy"]] == 2  # chased, then escalated


def test_an_email_needs_the_providers_address(db, team, tmp_path):
    service = providers(db)
    before = _counts(db)
    with pytest.raises(UserError, match="no e-mail address on record.*chase by letter"):
        service.chase_overdue("service:health", TODAY, tmp_path / "health.eml")
    (north,) = [p for p in service.providers() if p.id == team["north"]]
    service.update_provider(north.id, north.version, {"email": None})
    before = _counts(db)
    with pytest.raises(UserError, match="EP team North has no e-mail address on record"):
        service.chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "north.eml")
    assert _counts(db) == before
    assert not list(tmp_path.glob("*.eml"))


def test_a_failed_chase_logs_nothing_and_leaves_no_file(db, team, tmp_path):
    """One request's advice arrives between the board and the chase: nothing is logged on
    any case, and no letter appears (all or nothing)."""
    service = providers(db)
    work = team["work"]
    before = _counts(db)
    original = service.board

    def board_then_arrival():
        seen = original()
        bea = next(a for c in (2,) for a in work.get_case(c).advice if a.id == team["bea"])
        work.advice_received(team["bea"], bea.version, TODAY)
        return seen

    service.board = board_then_arrival  # type: ignore[method-assign]
    with pytest.raises(UserError, match="arrived meanwhile"):
        service.chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "chase.pdf")
    chases, comms = _counts(db)
    assert (chases[team["amy"]], comms) == (0, before[1])
    assert not (tmp_path / "chase.pdf").exists()


def test_nothing_overdue_and_wrong_files_are_refused(db, team, tmp_path):
    service = providers(db)
    with pytest.raises(UserError, match="nothing to chase"):
        service.chase_overdue(f"provider:{team['south']}", TODAY, tmp_path / "x.pdf")
    with pytest.raises(UserError, match=r"\.pdf or \.docx"):
        service.chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "x.txt")
    with pytest.raises(UserError, match="does not exist"):
        service.chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "no" / "x.pdf")


# ------------------------------------------------------------------ found in review


def test_advice_with_an_exception_recorded_is_not_chased_as_late(db, team, tmp_path):
    from caseload_app.services.casework import CaseworkService

    work: CaseworkService = team["work"]
    amy_case = next(
        c for c in range(1, 10) if any(a.id == team["amy"] for a in work.get_case(c).advice)
    )
    work.record_exception(
        amy_case, "exceptional_circumstances", ["advice"], date(2026, 9, 1), date(2026, 10, 1),
        date(2026, 9, 2), "In hospital",
    )  # fmt: skip
    row = providers(db).board().row(f"provider:{team['north']}")
    amy = next(w for w in row.waiting if w.advice_id == team["amy"])
    assert amy.excused and not amy.overdue and amy.days_overdue > 0
    done = providers(db).chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "c.pdf")
    assert done.chased == 1  # Bea's only


def test_a_chase_whose_file_cannot_be_written_logs_nothing(db, team, tmp_path):
    before = _counts(db)
    (tmp_path / "chase.pdf").mkdir()  # a folder where the letter should go
    with pytest.raises(UserError, match="could not be written"):
        providers(db).chase_overdue(f"provider:{team['north']}", TODAY, tmp_path / "chase.pdf")
    assert _counts(db) == before
    with db.read() as s:
        assert not s.scalar(
            select(func.count()).where(AuditEntry.record_type == "advice_provider",
                                       AuditEntry.action == "print")
        )  # fmt: skip


def test_a_chase_dated_before_the_request_is_refused(db, team, tmp_path):
    from caseload_app.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="before Bea Brontë's advice was asked for"):
        providers(db).chase_overdue(
            f"provider:{team['north']}", date(2026, 8, 20), tmp_path / "c.pdf"
        )


def test_the_chase_is_refused_when_the_overdue_list_changed_since_it_was_confirmed(
    db, team, tmp_path
):
    before = _counts(db)
    with pytest.raises(UserError, match="has changed since the board was loaded"):
        providers(db).chase_overdue(
            f"provider:{team['north']}", TODAY, tmp_path / "c.pdf", confirmed=[team["amy"]]
        )
    assert _counts(db) == before and not (tmp_path / "c.pdf").exists()
    done = providers(db).chase_overdue(
        f"provider:{team['north']}", TODAY, tmp_path / "c.pdf",
        confirmed=[team["amy"], team["bea"]],
    )  # fmt: skip
    assert done.chased == 2


def test_a_providers_service_stays_while_requests_name_it(db, team):
    service = providers(db)
    (north,) = [p for p in service.providers() if p.id == team["north"]]
    with pytest.raises(FieldErrors) as refused:
        service.update_provider(north.id, north.version, {"service": "health"})
    assert "its service stays" in refused.value.errors["service"]


def test_an_escalation_says_only_what_was_done(db, team, tmp_path):
    from tests.helpers import docx_paragraphs

    providers(db).escalate(f"provider:{team['north']}", TODAY, tmp_path / "e.docx")
    text = "\n".join(docx_paragraphs((tmp_path / "e.docx").read_bytes()))
    assert "as the Principal Educational Psychologist" in text
    assert "this is the first time we have written about it" in text
    assert "we have chased each of them" not in text
