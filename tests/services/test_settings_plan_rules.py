"""A council switches a plan check off, with its reason, and back on (issue 23): the checks on
every plan then leave it out, only an administrator may switch one, each switch is audited,
and a damaged stored list neither crashes nor vanishes unrecorded. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from caseload_app.db.models import AppSetting, AuditEntry
from caseload_app.domain.plan_checks import rules
from caseload_app.services.errors import PermissionDenied, UserError
from caseload_app.services.plans import PlanService
from caseload_app.services.settings import PLAN_RULES_OFF, TeamSettingsService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, add_person, new_case


def team(db, who: str = "Asha Patel") -> TeamSettingsService:
    return TeamSettingsService(db, who, today=lambda: TODAY, now=lambda: NOW)


def setting_audits(db) -> list[tuple[str, str]]:
    query = (
        select(AuditEntry.who, AuditEntry.detail)
        .where(AuditEntry.record_type == "app_setting")
        .order_by(AuditEntry.id)
    )
    with db.read() as s:
        return [tuple(row) for row in s.execute(query)]


def stored(db) -> str | None:
    with db.read() as s:
        row = s.get(AppSetting, PLAN_RULES_OFF)
        return None if row is None else row.value


def store(db, value: str) -> None:
    with db.uow() as s:
        s.add(AppSetting(key=PLAN_RULES_OFF, value=value))


def vague_plan():
    """good_plan with "regularly" in its first provision: one vague_regular finding."""
    plan = good_plan()
    p1 = replace(plan.provision[0], how_often="regularly")
    return replace(plan, provision=(p1, *plan.provision[1:]))


def test_a_check_switched_off_is_left_out_of_every_plan_and_comes_back_when_on(db):
    case_id, _ = new_case(db)
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    saved = plans.save(case_id, vague_plan(), None, 0)
    assert [f.rule for f in saved.findings] == ["vague_regular"]
    assert team(db).set_plan_rule("vague_regular", True, "Our panel accepts it") == {
        "vague_regular": "Our panel accepts it"
    }
    state = plans.working(case_id)
    assert (state.findings, state.rules_off) == ((), frozenset({"vague_regular"}))
    assert state.check(vague_plan()) == ()  # the Plan tab's live checks leave it out too
    assert state.check(replace(vague_plan(), contributions=())) != ()  # the others still run
    again = plans.save(case_id, vague_plan(), state.version_id, state.version)
    assert again.findings == ()
    team(db).set_plan_rule("vague_regular", False)
    state = plans.working(case_id)
    assert [f.rule for f in state.findings] == ["vague_regular"]
    assert [f.rule for f in state.check(vague_plan())] == ["vague_regular"]


def test_the_list_gives_every_check_on_or_off_with_why(db):
    team(db).set_plan_rule("a_written_about", True, "  Section A is written by our officers  ")
    listed = team(db).plan_rules()
    assert [r.key for r in listed] == [r.key for r in rules()]
    off = [(r.key, r.sections, r.reason) for r in listed if r.off]
    assert off == [("a_written_about", ("A",), "Section A is written by our officers")]
    assert all(r.reason == "" for r in listed if not r.off)
    assert team(db).plan_rules_off() == {"a_written_about": "Section A is written by our officers"}


def test_switching_is_for_administrators_and_each_change_is_audited(db):
    add_person(db, "asha", "Asha Patel", "administrator")
    add_person(db, "ben", "Ben Okafor", "caseworker", by="Asha Patel")
    admin = team(db)
    admin.set_plan_rule("vague_up_to", True, "Transport is 'up to' by policy")
    admin.set_plan_rule("vague_up_to", True, "Transport is 'up to' by policy")  # unchanged
    admin.set_plan_rule("vague_up_to", True, "Agreed at panel, 3 March")  # a new reason
    admin.set_plan_rule("vague_may", False)  # already on: nothing to record
    with pytest.raises(PermissionDenied, match="change team settings"):
        team(db, "Ben Okafor").set_plan_rule("vague_up_to", False)
    with pytest.raises(PermissionDenied, match="change team settings"):
        team(db, "Ben Okafor").set_plan_rule("vague_may", True, "I do not like it")
    admin.set_plan_rule("vague_up_to", False, "Panel changed its mind")
    label = '"up to"'
    assert setting_audits(db) == [
        ("Asha Patel", f"Plan check vague_up_to ({label}) switched off: "
                       "Transport is 'up to' by policy"),
        ("Asha Patel", f"Plan check vague_up_to ({label}) switched off: Agreed at panel, 3 March"),
        ("Asha Patel", f"Plan check vague_up_to ({label}) switched back on: "
                       "Panel changed its mind"),
    ]  # fmt: skip
    assert admin.plan_rules_off() == {}
    assert stored(db) == ""


@pytest.mark.parametrize(
    ("key", "off", "reason", "message"),
    [
        ("vague_maybe", True, "why", "There is no plan check called 'vague_maybe'"),
        ("", False, "", "There is no plan check called ''"),
        ("vague_may", True, "", "Say why the check is switched off"),
        ("vague_may", True, "   ", "Say why the check is switched off"),
        ("vague_may", True, "bad\x1b[2J", "The reason contains an escape code"),
        ("vague_may", True, "x" * 301, "The reason is 301 characters long; the most it can be"),
    ],
)
def test_an_unknown_check_or_a_missing_reason_is_refused_in_words(db, key, off, reason, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        team(db).set_plan_rule(key, off, reason)
    assert stored(db) is None
    assert setting_audits(db) == []


@pytest.mark.parametrize(
    "damaged",
    ["{not json", '["vague_may"]', '{"vague_may": 3}', "null"],
)
def test_a_damaged_stored_list_counts_as_none_off_and_is_kept_in_the_audit_trail(db, damaged):
    store(db, damaged)
    case_id, _ = new_case(db)
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    assert team(db).plan_rules_off() == {}
    assert not any(r.off for r in team(db).plan_rules())
    assert [f.rule for f in plans.save(case_id, vague_plan(), None, 0).findings] == [
        "vague_regular"
    ]  # every check runs: the safe side
    assert stored(db) == damaged  # reading does not touch it
    team(db).set_plan_rule("vague_regular", True, "Accepted by our panel")
    assert team(db).plan_rules_off() == {"vague_regular": "Accepted by our panel"}
    ((who, detail),) = setting_audits(db)
    assert detail == (
        'Plan check vague_regular ("regular") switched off: Accepted by our panel (the list of '
        f"checks off could not be read and was replaced: {damaged})"
    )


def test_switching_a_check_on_replaces_a_damaged_list_and_says_so(db):
    store(db, "{not json")
    team(db).set_plan_rule("vague_may", False)
    assert stored(db) == ""
    ((_, detail),) = setting_audits(db)
    assert detail.endswith("switched back on (the list of checks off could not be read and was "
                           "replaced: {not json)")  # fmt: skip
