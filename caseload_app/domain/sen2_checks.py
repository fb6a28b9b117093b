"""The SEN2 return's checks before sending: rules as data (resources/codes/sen2_checks.csv),
run on a built return (domain/sen2.py). Each rule names a module, an element, a kind of check
and its argument, its severity, the message and how to fix it; the kinds are the functions in
CHECKS below. An error stops the return being written; a warning is listed and allowed.

The DfE's own rule numbers and wording could not be read (docs/SEN2.md): the codes here are
caseload's, and each rule says which item of the specification or which regulation it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from caseload_app.domain import codes
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.sen2 import (
    Assessment,
    Module,
    NamedPlan,
    Person,
    Request,
    Sen2Return,
    Setting,
)
from caseload_app.domain.validators import age_on, normalise_postcode

SEVERITIES = ("error", "warning")
RULES_FILE = "sen2_checks.csv"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    module: str
    check: str
    element: str
    argument: str
    message: str
    fix: str
    source: str


@dataclass(frozen=True)
class Finding:
    """One failed check: which child and request, what is wrong and how to put it right."""

    code: str
    severity: str
    child_id: int | None
    name: str  # the child's name ("" for the header)
    case_id: int | None
    element: str  # "Requests/Assessment/Week20"
    message: str
    fix: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class Context:
    """Where a module sits in the return: its census day and the modules above it."""

    census: date
    person: Person | None = None
    request: Request | None = None
    assessment: Assessment | None = None
    plan: NamedPlan | None = None
    path: list[str] = field(default_factory=list)

    def ancestor(self, name: str) -> Module | None:
        attribute = _ANCESTORS.get(name)
        return getattr(self, attribute) if attribute is not None else None


_ANCESTORS = {"Person": "person", "Requests": "request", "Assessment": "assessment",
              "NamedPlan": "plan"}  # fmt: skip


Check = Callable[[Module, Rule, Context], bool]  # True: passes


# --------------------------------------------------------------------------- the checks
def _present(value: object) -> bool:
    return value not in (None, "", ())


def _required(module: Module, rule: Rule, ctx: Context) -> bool:
    return _present(module.value(rule.element))


def _in_list(module: Module, rule: Rule, ctx: Context) -> bool:
    value = module.value(rule.element)
    return value is None or str(value) in _codes_in(rule.argument)


@cache
def _codes_in(file_name: str) -> frozenset[str]:
    return frozenset(c.code for c in codes.listed(file_name))


def _pattern(module: Module, rule: Rule, ctx: Context) -> bool:
    value = module.value(rule.element)
    return value is None or _compiled(rule.argument).fullmatch(str(value)) is not None


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _postcode(module: Module, rule: Rule, ctx: Context) -> bool:
    value = module.value(rule.element)
    if value is None:
        return True
    try:
        return normalise_postcode(str(value)) == value
    except ValidationError:
        return False


def _one_identifier(module: Module, rule: Rule, ctx: Context) -> bool:
    return any(_present(module.value(e)) for e in ("UPN", "UniqueLearnerNumber", "UPNunknown"))


def _absent_if(module: Module, rule: Rule, ctx: Context) -> bool:
    return not (_present(module.value(rule.element)) and _present(module.value(rule.argument)))


def _age_over(module: Module, rule: Rule, ctx: Context) -> bool:
    born = module.value(rule.element)
    return not isinstance(born, date) or age_on(born, ctx.census) <= int(rule.argument)


def _required_if(module: Module, rule: Rule, ctx: Context) -> bool:
    other, wanted = _condition(rule.argument)
    value = module.value(other)
    applies = _present(value) if wanted is None else str(value) in wanted
    return not applies or _present(module.value(rule.element))


@cache
def _condition(argument: str) -> tuple[str, frozenset[str] | None]:
    """'Element=A|B': the other element and the values that make this one required (None:
    any value at all, written '*')."""
    other, _, wanted = argument.partition("=")
    return other, None if wanted == "*" else frozenset(wanted.split("|"))


def _not_before(module: Module, rule: Rule, ctx: Context) -> bool:
    value = module.value(rule.element)
    owner_name, _, element = rule.argument.rpartition(".")
    owner = ctx.ancestor(owner_name) if owner_name else module
    other = owner.value(element) if owner is not None else None
    return not (isinstance(value, date) and isinstance(other, date)) or value >= other


def _overdue(module: Module, rule: Rule, ctx: Context) -> bool:
    waiting, _, days = rule.argument.partition(":")
    if module.value(rule.element) != waiting or ctx.request is None:
        return True
    return ctx.census <= ctx.request.received + timedelta(days=int(days))


def _noted(module: Module, rule: Rule, ctx: Context) -> bool:
    return ctx.request is None or rule.argument not in ctx.request.noted


def _has_any(module: Module, rule: Rule, ctx: Context) -> bool:
    return bool(module.value(rule.element))


def _equals(module: Module, rule: Rule, ctx: Context) -> bool:
    return str(module.value(rule.element)) != rule.argument


def _identified(module: Module, rule: Rule, ctx: Context) -> bool:
    return any(_present(module.value(e)) for e in ("URN", "UKPRN", "SENsetting"))


def _distinct(module: Module, rule: Rule, ctx: Context) -> bool:
    kinds = [n.sen_type for n in module.value(rule.element)]  # type: ignore[attr-defined]
    return len(kinds) == len(set(kinds))


def _review_overdue(module: Module, rule: Rule, ctx: Context) -> bool:
    """A plan a year old or more has had a review meeting within the year before the census."""
    started = ctx.plan.start_date if ctx.plan is not None else None
    a_year_ago = _year_before(ctx.census)
    if started is None or started > a_year_ago:
        return True
    held = module.value(rule.element)
    return isinstance(held, date) and held > a_year_ago


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


CHECKS: dict[str, Check] = {
    "required": _required,
    "in_list": _in_list,
    "pattern": _pattern,
    "postcode": _postcode,
    "one_identifier": _one_identifier,
    "absent_if": _absent_if,
    "age_over": _age_over,
    "required_if": _required_if,
    "not_before": _not_before,
    "overdue": _overdue,
    "noted": _noted,
    "has_any": _has_any,
    "equals": _equals,
    "identified": _identified,
    "distinct": _distinct,
    "review_overdue": _review_overdue,
}
MODULES = ("Header", "Person", "Requests", "Assessment", "NamedPlan", "PlanDetail",
           "ActivePlans", "PlacementDetail", "SENneed")  # fmt: skip


# --------------------------------------------------------------------------- the rules
def parse_rules(text: str, source: str) -> tuple[Rule, ...]:
    """The rules file's rows; CodeListError naming the line for an unknown check, module,
    severity or element, or a repeated code."""
    from caseload_app.domain.sen2 import ELEMENTS_OF  # the modules' element names

    required = ("code", "severity", "module", "check", "element", "message", "fix", "source")
    rules: list[Rule] = []
    seen: set[str] = set()
    for line, row in codes.read_rows(text, source, required):
        rule = Rule(**{k: row.get(k, "") for k in Rule.__dataclass_fields__})
        problem = _problem(rule, seen, ELEMENTS_OF)
        if problem:
            raise codes.CodeListError(f"{source} line {line}: {problem}")
        seen.add(rule.code)
        rules.append(rule)
    return tuple(rules)


def _problem(rule: Rule, seen: set[str], elements: dict[str, frozenset[str]]) -> str:
    if rule.code in seen:
        return f"the code {rule.code} is used twice"
    if rule.severity not in SEVERITIES:
        return f"severity must be error or warning, not '{rule.severity}'"
    if rule.check not in CHECKS:
        return f"there is no check called '{rule.check}' (known: {', '.join(sorted(CHECKS))})"
    if rule.module not in MODULES:
        return f"there is no module called '{rule.module}'"
    if rule.element not in elements[rule.module]:
        return f"{rule.module} has no element '{rule.element}'"
    return ""


@cache
def shipped_rules() -> tuple[Rule, ...]:
    return parse_rules(codes.shipped_text(RULES_FILE, shipped_rules), RULES_FILE)


# --------------------------------------------------------------------------- running them
def check_return(
    built: Sen2Return,
    rules: tuple[Rule, ...] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Finding]:
    """Every failed rule on the return, in the order of the return."""
    by_module: dict[str, list[tuple[Rule, Check]]] = {m: [] for m in MODULES}
    for rule in rules if rules is not None else shipped_rules():
        by_module[rule.module].append((rule, CHECKS[rule.check]))
    census = built.header.reference_date
    findings: list[Finding] = []
    _run(built.header, by_module, Context(census, path=["Header"]), findings)
    for n, person in enumerate(built.persons):
        if n % 500 == 0 and cancelled():
            raise InterruptedError("The checks were stopped.")
        _person(person, by_module, census, findings)
    return findings


# Failures are added to one list as they are found (not yielded up through generators: the
# checks run over a million times at 50,000 children, nearly always passing).
def _person(person: Person, by_module, census: date, found: list[Finding]) -> None:
    _run(person, by_module, Context(census, person=person, path=["Person"]), found)
    for request in person.requests:
        ctx = Context(census, person=person, request=request, path=["Requests"])
        _run(request, by_module, ctx, found)
        assessment = request.assessment
        if assessment is not None:
            ctx.assessment, ctx.path = assessment, ["Requests", "Assessment"]
            _run(assessment, by_module, ctx, found)
            plan = assessment.plan
            if plan is not None:
                ctx.plan, ctx.path = plan, ["Requests", "Assessment", "NamedPlan"]
                _run(plan, by_module, ctx, found)
                _each(plan.details, by_module, ctx, found)
        if request.active is not None:
            ctx.path = ["Requests", "ActivePlans"]
            ctx.plan = assessment.plan if assessment is not None else None
            _run(request.active, by_module, ctx, found)
            _each(request.active.placements, by_module, ctx, found)
            _each(request.active.needs, by_module, ctx, found)


def _each(modules, by_module, ctx: Context, found: list[Finding]) -> None:
    for module in modules:
        _run(module, by_module, ctx, found, extra=module.NAME)


def _run(module: Module, by_module, ctx: Context, found: list[Finding], extra: str = "") -> None:
    for rule, check in by_module[module.NAME]:
        if not check(module, rule, ctx):
            found.append(_finding(module, rule, ctx, extra))


def _finding(module: Module, rule: Rule, ctx: Context, extra: str) -> Finding:
    value = module.value(rule.element)
    if rule.check == "overdue" and ctx.request is not None:
        value = ctx.request.received
    where = module.where if isinstance(module, Setting) else ""
    shown = value.strftime("%a %d %b %Y") if isinstance(value, date) else value
    path = "/".join([*ctx.path, *([extra] if extra else []), rule.element])
    person = ctx.person
    return Finding(
        code=rule.code,
        severity=rule.severity,
        child_id=person.child_id if person else None,
        name=person.name if person else "",
        case_id=_case_of(ctx),
        element=path,
        message=rule.message.format(value=shown, where=where or "unnamed"),
        fix=rule.fix,
    )


def _case_of(ctx: Context) -> int | None:
    """The case to open for a finding: its request's, or the child's latest."""
    if ctx.request is not None:
        return ctx.request.case_id
    if ctx.person is not None and ctx.person.requests:
        return ctx.person.requests[-1].case_id
    return None
