"""The checks a Tribunal would make of an EHC plan, as data (resources/codes/plan_checks.csv).

Each rule has a key, the sections it looks at, the field it reads, its source (CoP 9.69…),
a short label, a plain explanation and a suggestion. A rule with a pattern flags wording (every
match, with where it is, so an editor can underline it); a rule without one is a structural
check the code knows by its key (provision with no one to deliver it, a need nothing meets, an
outcome with no time frame…). A council may switch any rule off, with a reason, without
touching this list (`run_checks(..., off=...)`). The checks suggest; they never rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache

from caseload_app.domain import codes
from caseload_app.domain.codes import CodeListError
from caseload_app.domain.plan import NEED_SECTIONS, SECTIONS, Plan

__all__ = ["Finding", "Rule", "parse_rules", "rules", "run_checks"]

RULES_FILE = "plan_checks.csv"
_COLUMNS = ("key", "section", "field", "pattern", "source", "label", "explanation", "suggestion")


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    sections: tuple[str, ...]
    fields: tuple[str, ...]
    pattern: re.Pattern[str] | None
    source: str
    label: str
    explanation: str
    suggestion: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to look at: the rule, the section and item (its key; "" for the section),
    the field, and for wording the span matched within that field's text."""

    rule: str
    section: str
    item: str
    field: str
    start: int
    end: int
    words: str  # the wording matched ("" for a structural finding)
    label: str
    explanation: str
    suggestion: str
    source: str


# --------------------------------------------------------------------------- the rule list


def parse_rules(text: str, source: str = RULES_FILE) -> tuple[Rule, ...]:
    """The rules in a plan_checks.csv text; CodeListError naming the line of any fault."""
    found: list[Rule] = []
    seen: set[str] = set()
    for line, row in codes.read_rows(text, source, ("key", "section", "field", "label")):
        key = row["key"]
        if key in seen:
            raise CodeListError(f"{source} line {line}: rule '{key}' appears twice")
        seen.add(key)
        pattern = _compile(row.get("pattern", ""), source, line)
        if pattern is None and key not in _STRUCTURAL:
            raise CodeListError(
                f"{source} line {line}: rule '{key}' has no pattern and is not one of the "
                f"checks caseload knows ({', '.join(sorted(_STRUCTURAL))})"
            )
        if pattern is None and key in _NEEDS_PATTERN:
            raise CodeListError(f"{source} line {line}: rule '{key}' needs a pattern")
        found.append(
            Rule(
                key=key,
                sections=tuple(row["section"].split()),
                fields=tuple(row["field"].split()),
                pattern=pattern,
                source=row.get("source", ""),
                label=row["label"],
                explanation=row.get("explanation", ""),
                suggestion=row.get("suggestion", ""),
            )
        )
    return tuple(found)


def _compile(pattern: str, source: str, line: int) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise CodeListError(f"{source} line {line}: pattern is not valid ({exc})") from exc


@cache
def rules() -> tuple[Rule, ...]:
    """The shipped rules (read through the code lists' reader, once per process)."""
    return parse_rules(codes.shipped_text(RULES_FILE, parsed_by=rules))


# --------------------------------------------------------------------------- running them


def run_checks(
    plan: Plan,
    *,
    draft: bool = True,
    adulthood_due: bool = False,
    off: Collection[str] = (),
    rule_list: tuple[Rule, ...] | None = None,
) -> list[Finding]:
    """Every finding of every rule not switched ``off``, in section order. ``draft``: the plan
    is a draft (Section I must be blank); ``adulthood_due``: the child is in Year 9 or above."""
    context = _Context(plan, draft, adulthood_due)
    out: list[Finding] = []
    for rule in rule_list if rule_list is not None else rules():
        if rule.key in off:
            continue
        check = _STRUCTURAL.get(rule.key)
        out.extend(check(rule, context) if check else _wording(rule, plan))
    out.sort(key=lambda f: (_ORDER.get(f.section, 99), f.item, f.field, f.start))
    return out


_ORDER = {section: n for n, section in enumerate(SECTIONS)}


@dataclass(frozen=True, slots=True)
class _Context:
    plan: Plan
    draft: bool
    adulthood_due: bool


def _finding(rule: Rule, section: str, item: str, field: str, start=0, end=0, words="") -> Finding:
    return Finding(
        rule.key, section, item, field, start, end, words,
        rule.label, rule.explanation, rule.suggestion, rule.source,
    )  # fmt: skip


def _texts(plan: Plan, section: str) -> Iterator[tuple[str, object]]:
    """(item key, item) for the items of a section that wording rules read."""
    if section == "A":
        for i, c in enumerate(plan.contributions):
            yield f"A{i + 1}", c
    elif section in NEED_SECTIONS:
        for n in plan.needs_in(section):
            yield n.key, n
    elif section == "E":
        for o in plan.outcomes:
            yield o.key, o
    else:
        for p in plan.provision_in(section):
            yield p.key, p


def _wording(rule: Rule, plan: Plan) -> Iterator[Finding]:
    assert rule.pattern is not None
    for section in rule.sections:
        for key, item in _texts(plan, section):
            for field in rule.fields:
                text = getattr(item, field, None)
                if not isinstance(text, str):
                    continue
                for m in rule.pattern.finditer(text):
                    yield _finding(rule, section, key, field, m.start(), m.end(), m.group(0))


# --------------------------------------------------------------------------- structural checks


def _blank_field(rule: Rule, c: _Context) -> Iterator[Finding]:
    """Provision with the rule's field empty (who, how often, how long, group, reviewer,
    needs, outcomes)."""
    field = rule.fields[0]
    for section in rule.sections:
        for p in c.plan.provision_in(section):
            value = getattr(p, field)
            if not (value.strip() if isinstance(value, str) else value):
                yield _finding(rule, section, p.key, field)


def _need_no_provision(rule: Rule, c: _Context) -> Iterator[Finding]:
    met = {key for p in c.plan.provision for key in p.needs}
    for n in c.plan.needs:
        if n.section in rule.sections and n.key not in met:
            yield _finding(rule, n.section, n.key, "text")


def _outcome_no_provision(rule: Rule, c: _Context) -> Iterator[Finding]:
    served = {key for p in c.plan.provision for key in p.outcomes}
    for o in c.plan.outcomes:
        if o.key not in served:
            yield _finding(rule, "E", o.key, "text")


def _outcome_no_time(rule: Rule, c: _Context) -> Iterator[Finding]:
    for o in c.plan.outcomes:
        if not o.by_when.strip() and not _TIME.search(o.text):
            yield _finding(rule, "E", o.key, "by_when")


# "by July 2028", "by the end of Year 6", "within 12 months", "at the end of Key Stage 2"…
_TIME = re.compile(
    r"\b(?:by|within|before|at the end of|by the end of)\b.{0,40}?"
    r"(?:\b(?:19|20)\d\d\b|\byear \d+\b|\bkey stage \d\b|\bterm\b|\bweeks?\b|\bmonths?\b"
    r"|\byears?\b|\bjanuary|february|march|april|may|june|july|august|september|october"
    r"|november|december)",
    re.IGNORECASE,
)


def _outcome_not_measurable(rule: Rule, c: _Context) -> Iterator[Finding]:
    """The pattern's vague verbs ("improve", "develop"), in an outcome with no measure."""
    assert rule.pattern is not None
    for o in c.plan.outcomes:
        if _MEASURE.search(o.text):
            continue
        for m in rule.pattern.finditer(o.text):
            yield _finding(rule, "E", o.key, "text", m.start(), m.end(), m.group(0))


# A number, a share, or an observable "able to… / without / independently".
_MEASURE = re.compile(
    r"\d|%|\bable to\b|\bwithout\b|\bindependently\b|\bconsistently\b|\bout of\b",
    re.IGNORECASE,
)


def _a_child_in_third_person(rule: Rule, c: _Context) -> Iterator[Finding]:
    """The pattern ("he likes", "she wants") in what is recorded as the child's own words: a
    parent may speak of the child so, the child does not."""
    assert rule.pattern is not None
    for i, x in enumerate(c.plan.contributions):
        if x.who not in ("child", "young_person"):
            continue
        for m in rule.pattern.finditer(x.text):
            yield _finding(rule, "A", f"A{i + 1}", "text", m.start(), m.end(), m.group(0))


def _a_empty(rule: Rule, c: _Context) -> Iterator[Finding]:
    if not c.plan.contributions and not c.plan.notes.get("A", "").strip():
        yield _finding(rule, "A", "", "text")


def _a_no_child_voice(rule: Rule, c: _Context) -> Iterator[Finding]:
    if c.plan.contributions and not any(
        x.who in ("child", "young_person") for x in c.plan.contributions
    ):
        yield _finding(rule, "A", "", "text")


def _i_in_draft(rule: Rule, c: _Context) -> Iterator[Finding]:
    if c.draft and (c.plan.placement.name.strip() or c.plan.placement.kind.strip()):
        yield _finding(rule, "I", "", "name")


def _i_empty_final(rule: Rule, c: _Context) -> Iterator[Finding]:
    if not c.draft and not (c.plan.placement.name.strip() or c.plan.placement.kind.strip()):
        yield _finding(rule, "I", "", "name")


def _k_not_reflected(rule: Rule, c: _Context) -> Iterator[Finding]:
    drawn_on = {key for p in c.plan.provision for key in p.advice}
    for a in c.plan.advice:
        if a.key not in drawn_on:
            yield _finding(rule, "K", a.key, "title")


def _comment_no_response(rule: Rule, c: _Context) -> Iterator[Finding]:
    for i, comment in enumerate(c.plan.comments):
        if not comment.response:
            yield _finding(rule, comment.section, f"C{i + 1}", "response")


def _comment_no_reason(rule: Rule, c: _Context) -> Iterator[Finding]:
    for i, comment in enumerate(c.plan.comments):
        if comment.response == "did_not" and not comment.because.strip():
            yield _finding(rule, comment.section, f"C{i + 1}", "because")


def _e_no_adulthood(rule: Rule, c: _Context) -> Iterator[Finding]:
    if c.adulthood_due and not any(o.adulthood for o in c.plan.outcomes):
        yield _finding(rule, "E", "", "adulthood")


_NEEDS_PATTERN = frozenset({"outcome_not_measurable", "a_child_in_third_person"})
_STRUCTURAL: dict[str, Callable[[Rule, _Context], Iterator[Finding]]] = {
    "provision_no_who": _blank_field,
    "provision_no_how_often": _blank_field,
    "provision_no_how_long": _blank_field,
    "provision_no_group": _blank_field,
    "provision_no_reviewer": _blank_field,
    "provision_no_need": _blank_field,
    "provision_no_outcome": _blank_field,
    "need_no_provision": _need_no_provision,
    "outcome_no_provision": _outcome_no_provision,
    "outcome_no_time": _outcome_no_time,
    "outcome_not_measurable": _outcome_not_measurable,
    "a_child_in_third_person": _a_child_in_third_person,
    "a_empty": _a_empty,
    "a_no_child_voice": _a_no_child_voice,
    "i_in_draft": _i_in_draft,
    "i_empty_final": _i_empty_final,
    "k_not_reflected": _k_not_reflected,
    "e_no_adulthood": _e_no_adulthood,
    "comment_no_response": _comment_no_response,
    "comment_no_reason": _comment_no_reason,
}
