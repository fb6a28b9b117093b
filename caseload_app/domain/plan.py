"""The EHC plan as structured content (SEND Regs 2014 reg 12; CoP 9.61-9.69).

A plan is sections A to K (docs/statutory-rules.md, "The EHC plan"):
- A: the views, interests and aspirations of the child and the parents or young person, each
  contribution in their own words, with who gave it, how and when (co-production);
- B, C, D: needs (special educational, health related to SEN, social care), one item each;
- E: outcomes, each with the time it is meant to be reached by, and whether it is about
  preparing for adulthood (from Year 9);
- F, G, H1, H2: provision (special educational, health, social care under s2 CSDPA 1970,
  other social care), each item saying what, who delivers it, how often, for how long, in
  what group, who reviews it, and the needs it meets and the outcomes it serves;
- I: the school or college, or the type, named; blank in a draft (s38(5) CFA 2014);
- J: the personal budget;
- K: the advice and information obtained, with what each piece of provision drew on;
- per-section free text, and a "not placed" note that keeps whatever an import could not put
  anywhere (nothing is ever dropped).

Everything here is plain frozen data: JSON in and out (`plan_from_dict`, `plan_to_dict`),
with a message naming the place of any fault ("provision[2].needs: no need 'N9'").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from caseload_app.domain.errors import ValidationError

__all__ = [
    "CONTRIBUTION_WAYS",
    "CONTRIBUTORS",
    "FORMAT",
    "NEED_SECTIONS",
    "PROVISION_SECTIONS",
    "SECTIONS",
    "RESPONSES",
    "Advice",
    "Budget",
    "Comment",
    "Contribution",
    "Need",
    "Outcome",
    "Placement",
    "Plan",
    "PlanError",
    "Provision",
    "plan_from_dict",
    "plan_to_dict",
]

FORMAT = "caseload-ehc-plan/1"  # the JSON's "format": a later shape gets a new number
SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K")
NEED_SECTIONS = ("B", "C", "D")
PROVISION_SECTIONS = ("F", "G", "H1", "H2")
CONTRIBUTORS = ("child", "young_person", "parent", "carer", "other")
CONTRIBUTION_WAYS = ("meeting", "form", "drawing", "interpreter", "conversation", "other")
RESPONSES = ("did", "did_not")  # "you said — we did / we did not, because"
_MAX_TEXT = 20_000  # characters in one item: a page or so; a whole plan is many items


class PlanError(ValidationError):
    """The plan's content is not valid; the message names the place ("need[3].text")."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """Section A: what the child, young person or family said, in their own words."""

    who: str  # one of CONTRIBUTORS
    text: str
    how: str = "meeting"  # one of CONTRIBUTION_WAYS
    on: date | None = None
    name: str = ""  # e.g. "Mum", "Zoë"; optional


@dataclass(frozen=True, slots=True)
class Need:
    key: str  # stable within the plan ("N1"): provision links to it
    section: str  # B, C or D
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str  # "O1"
    text: str
    by_when: str = ""  # "by the end of Year 6 (July 2028)"
    adulthood: bool = False  # preparing for adulthood (Year 9 on)


@dataclass(frozen=True, slots=True)
class Provision:
    key: str  # "P1"
    section: str  # F, G, H1 or H2
    text: str  # what is provided
    who: str = ""  # who delivers it, and their expertise
    how_often: str = ""  # "3 times a week"
    how_long: str = ""  # "30 minutes"
    group: str = ""  # "1:1", "group of up to 4"
    reviewed_by: str = ""  # "SENCo, each term"
    needs: tuple[str, ...] = ()  # keys of the needs it meets
    outcomes: tuple[str, ...] = ()  # keys of the outcomes it serves
    advice: tuple[str, ...] = ()  # keys of the advice (Section K) it follows


@dataclass(frozen=True, slots=True)
class Placement:
    """Section I: the school or college named, or the type of school."""

    name: str = ""
    kind: str = ""  # "mainstream primary", "special school (SLD)"…


@dataclass(frozen=True, slots=True)
class Advice:
    """Section K: a piece of advice or information the plan was written from."""

    key: str  # "K1"
    title: str  # "Educational psychology advice"
    author: str = ""
    dated: date | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """The family's comment on a draft, against the section it concerns, with the council's
    response: "you said — we did / we did not, because …". Kept with every later version."""

    section: str  # one of SECTIONS
    said: str
    by: str = ""  # "Mum", "Zoë"
    received: date | None = None
    response: str = ""  # one of RESPONSES, or "" while not yet answered
    because: str = ""


@dataclass(frozen=True, slots=True)
class Budget:
    """Section J as SEN2 counts it (<PB>, <OA>, <DP>): a personal budget taken up; part of it
    through organised arrangements (the council or a third party holds the money); direct
    payments, by the code of the services they are for (resources/codes/
    sen2_direct_payments.csv; "" for none). Kept as saved: a code dropped from the list in a
    later year still loads."""

    taken_up: bool = False
    organised: bool = False
    direct_payments: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    contributions: tuple[Contribution, ...] = ()
    needs: tuple[Need, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    provision: tuple[Provision, ...] = ()
    placement: Placement = field(default_factory=Placement)
    personal_budget: str = ""  # Section J, in words (amounts, direct payments)
    advice: tuple[Advice, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)  # free text per section
    not_placed: str = ""  # what an import could not place: kept, shown, never lost
    comments: tuple[Comment, ...] = ()  # the family's comments on drafts, answered
    budget: Budget = field(default_factory=Budget)  # Section J's facts for SEN2

    def needs_in(self, section: str) -> tuple[Need, ...]:
        return tuple(n for n in self.needs if n.section == section)

    def provision_in(self, section: str) -> tuple[Provision, ...]:
        return tuple(p for p in self.provision if p.section == section)

    def with_placement(self, name: str, kind: str = "") -> Plan:
        return replace(self, placement=Placement(name, kind))


# --------------------------------------------------------------------------- JSON


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (dates as ISO text), with its format's name."""
    return {
        "format": FORMAT,
        "contributions": [_item(c) for c in plan.contributions],
        "needs": [_item(n) for n in plan.needs],
        "outcomes": [_item(o) for o in plan.outcomes],
        "provision": [_item(p) for p in plan.provision],
        "placement": _item(plan.placement),
        "personal_budget": plan.personal_budget,
        "budget": _item(plan.budget),
        "advice": [_item(a) for a in plan.advice],
        "notes": {k: plan.notes[k] for k in SECTIONS if plan.notes.get(k)},
        "not_placed": plan.not_placed,
        "comments": [_item(c) for c in plan.comments],
    }


def _item(obj: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def plan_from_dict(data: object) -> Plan:
    """A plan from JSON data; PlanError naming the first fault's place otherwise. Unknown
    keys are refused (a misspelt "provison" would otherwise lose a section silently)."""
    top = _mapping(data, "plan")
    fmt = top.get("format", FORMAT)
    if fmt != FORMAT:
        raise PlanError(f"plan: format {fmt!r} is not one caseload reads (expected {FORMAT}).")
    _known(top, "plan", {f.name for f in fields(Plan)} | {"format"})
    plan = Plan(
        contributions=_many(top, "contributions", _contribution),
        needs=_many(top, "needs", _need),
        outcomes=_many(top, "outcomes", _outcome),
        provision=_many(top, "provision", _provision),
        placement=_placement(top.get("placement", {}), "placement"),
        personal_budget=_text(top.get("personal_budget", ""), "personal_budget"),
        budget=_budget(top.get("budget", {}), "budget"),  # absent in plans saved before it
        advice=_many(top, "advice", _advice),
        notes=_notes(top.get("notes", {})),
        not_placed=_text(top.get("not_placed", ""), "not_placed"),
        comments=_many(top, "comments", _comment),
    )
    check_plan(plan)
    return plan


def check_plan(plan: Plan) -> None:
    """Keys unique and every link pointing at something in the plan."""
    need_keys = _unique((n.key for n in plan.needs), "needs")
    outcome_keys = _unique((o.key for o in plan.outcomes), "outcomes")
    advice_keys = _unique((a.key for a in plan.advice), "advice")
    _unique((p.key for p in plan.provision), "provision")
    for i, p in enumerate(plan.provision):
        for name, keys in (("needs", need_keys), ("outcomes", outcome_keys),
                           ("advice", advice_keys)):  # fmt: skip
            for key in getattr(p, name):
                if key not in keys:
                    kind = {"needs": "need", "outcomes": "outcome", "advice": "advice"}[name]
                    raise PlanError(f"provision[{i}].{name}: no {kind} {key!r} in the plan.")


def _unique(keys: Iterable[str], where: str) -> set[str]:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise PlanError(f"{where}[{i}].key: {key!r} is used twice.")
        seen.add(key)
    return seen


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PlanError(f"{where}: expected an object, found {type(value).__name__}.")
    return value


def _known(obj: Mapping[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise PlanError(
            f"{where}: unknown {'field' if len(unknown) == 1 else 'fields'} "
            f"{', '.join(map(repr, unknown))} (expected some of {', '.join(sorted(allowed))})."
        )


def _many(top: Mapping[str, Any], name: str, build) -> tuple:
    items = top.get(name, [])
    if not isinstance(items, list):
        raise PlanError(f"{name}: expected a list, found {type(items).__name__}.")
    return tuple(
        build(_mapping(item, f"{name}[{i}]"), f"{name}[{i}]") for i, item in enumerate(items)
    )


def _text(value: object, where: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise PlanError(f"{where}: expected text, found {type(value).__name__}.")
    if len(value) > _MAX_TEXT:
        raise PlanError(f"{where}: {len(value):,} characters; at most {_MAX_TEXT:,} in one item.")
    if required and not value.strip():
        raise PlanError(f"{where}: empty; write something or remove the item.")
    return value


def _key(value: object, where: str) -> str:
    text = _text(value, where, required=True).strip()
    if len(text) > 20 or not all(ch.isalnum() or ch in "-_." for ch in text):
        raise PlanError(f"{where}: {text[:30]!r} is not a key (letters and digits, up to 20).")
    return text


def _choice(value: object, where: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PlanError(f"{where}: {value!r} is not one of {', '.join(allowed)}.")
    return str(value)


def _date(value: object, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PlanError(f"{where}: {value!r} is not a date (YYYY-MM-DD).")


def _keys(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise PlanError(f"{where}: expected a list of keys, found {type(value).__name__}.")
    return tuple(_key(v, f"{where}[{i}]") for i, v in enumerate(value))


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise PlanError(f"{where}: expected true or false, found {value!r}.")
    return value


def _contribution(obj: Mapping[str, Any], where: str) -> Contribution:
    _known(obj, where, {f.name for f in fields(Contribution)})
    return Contribution(
        who=_choice(obj.get("who"), f"{where}.who", CONTRIBUTORS),
        text=_text(obj.get("text", ""), f"{where}.text", required=True),
        how=_choice(obj.get("how", "meeting"), f"{where}.how", CONTRIBUTION_WAYS),
        on=_date(obj.get("on"), f"{where}.on"),
        name=_text(obj.get("name", ""), f"{where}.name"),
    )


def _need(obj: Mapping[str, Any], where: str) -> Need:
    _known(obj, where, {f.name for f in fields(Need)})
    return Need(
        key=_key(obj.get("key"), f"{where}.key"),
        section=_choice(obj.get("section"), f"{where}.section", NEED_SECTIONS),
        text=_text(obj.get("text", ""), f"{where}.text", required=True),
    )


def _outcome(obj: Mapping[str, Any], where: str) -> Outcome:
    _known(obj, where, {f.name for f in fields(Outcome)})
    return Outcome(
        key=_key(obj.get("key"), f"{where}.key"),
        text=_text(obj.get("text", ""), f"{where}.text", required=True),
        by_when=_text(obj.get("by_when", ""), f"{where}.by_when"),
        adulthood=_bool(obj.get("adulthood", False), f"{where}.adulthood"),
    )


def _provision(obj: Mapping[str, Any], where: str) -> Provision:
    _known(obj, where, {f.name for f in fields(Provision)})
    texts = {
        name: _text(obj.get(name, ""), f"{where}.{name}")
        for name in ("who", "how_often", "how_long", "group", "reviewed_by")
    }
    return Provision(
        key=_key(obj.get("key"), f"{where}.key"),
        section=_choice(obj.get("section"), f"{where}.section", PROVISION_SECTIONS),
        text=_text(obj.get("text", ""), f"{where}.text", required=True),
        needs=_keys(obj.get("needs", []), f"{where}.needs"),
        outcomes=_keys(obj.get("outcomes", []), f"{where}.outcomes"),
        advice=_keys(obj.get("advice", []), f"{where}.advice"),
        **texts,
    )


def _placement(value: object, where: str) -> Placement:
    obj = _mapping(value, where)
    _known(obj, where, {"name", "kind"})
    return Placement(
        name=_text(obj.get("name", ""), f"{where}.name"),
        kind=_text(obj.get("kind", ""), f"{where}.kind"),
    )


def _budget(value: object, where: str) -> Budget:
    obj = _mapping(value, where)
    _known(obj, where, {f.name for f in fields(Budget)})
    code = _text(obj.get("direct_payments", ""), f"{where}.direct_payments").strip()
    if len(code) > 4:
        raise PlanError(f"{where}.direct_payments: {code[:30]!r} is not a code.")
    return Budget(
        taken_up=_bool(obj.get("taken_up", False), f"{where}.taken_up"),
        organised=_bool(obj.get("organised", False), f"{where}.organised"),
        direct_payments=code,
    )


def _advice(obj: Mapping[str, Any], where: str) -> Advice:
    _known(obj, where, {f.name for f in fields(Advice)})
    return Advice(
        key=_key(obj.get("key"), f"{where}.key"),
        title=_text(obj.get("title", ""), f"{where}.title", required=True),
        author=_text(obj.get("author", ""), f"{where}.author"),
        dated=_date(obj.get("dated"), f"{where}.dated"),
    )


def _comment(obj: Mapping[str, Any], where: str) -> Comment:
    _known(obj, where, {f.name for f in fields(Comment)})
    response = obj.get("response", "")
    return Comment(
        section=_choice(obj.get("section"), f"{where}.section", SECTIONS),
        said=_text(obj.get("said", ""), f"{where}.said", required=True),
        by=_text(obj.get("by", ""), f"{where}.by"),
        received=_date(obj.get("received"), f"{where}.received"),
        response=_choice(response, f"{where}.response", ("", *RESPONSES)),
        because=_text(obj.get("because", ""), f"{where}.because"),
    )


def _notes(value: object) -> dict[str, str]:
    obj = _mapping(value, "notes")
    _known(obj, "notes", set(SECTIONS))
    return {k: _text(v, f"notes.{k}") for k, v in obj.items() if v}
