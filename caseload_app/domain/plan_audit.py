"""The quality audit of an EHC plan: a second person scores the plan against the council's
checklist (resources/codes/plan_qa_checklist.csv by default, editable by the council), with a
comment per section, and sends it back for rework or signs it off.

Each checklist item may name plan-check rules (domain/plan_checks.py): when the audit starts,
an item whose rules find something is pre-filled "not met" (with what they found), one whose
rules find nothing "met"; items with no rules are left for the auditor. The auditor can change
any pre-filled score. Scores: met 2, partly met 1, not met 0; "not applicable" is left out of
the percentage.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from caseload_app.domain import codes
from caseload_app.domain.codes import CodeListError
from caseload_app.domain.plan import SECTIONS
from caseload_app.domain.plan_checks import Finding, rules

__all__ = [
    "ALL",
    "AUDIT_SECTIONS",
    "CHECKLIST_FILE",
    "SCORES",
    "SCORE_LABELS",
    "ChecklistItem",
    "ItemScore",
    "QaFigures",
    "QaRow",
    "WorkerQa",
    "checklist_to_csv",
    "default_checklist",
    "parse_checklist",
    "percent",
    "month_starts",
    "prefill",
    "qa_figures",
    "section_percents",
]

CHECKLIST_FILE = "plan_qa_checklist.csv"
COLUMNS = ("key", "section", "question", "source", "rules")
ALL = "all"  # an item about the whole plan
AUDIT_SECTIONS = (*SECTIONS, ALL)
SCORES = {"met": 2, "partly": 1, "not_met": 0}
SCORE_LABELS = {"met": "Met", "partly": "Partly met", "not_met": "Not met", "na": "Not applicable"}
TOP = max(SCORES.values())


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    key: str
    section: str  # one of AUDIT_SECTIONS
    question: str
    source: str = ""
    rules: tuple[str, ...] = ()  # plan-check rules whose findings mean "not met"


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One checklist item as scored in an audit (the question is kept with the score, so a
    later change to the checklist leaves past audits as they were)."""

    key: str
    section: str
    question: str
    score: str | None = None  # a SCORE_LABELS key; None: not scored yet
    note: str = ""
    prefilled: bool = False  # the score came from the checks (until the auditor changes it)


def parse_checklist(text: str, source: str = CHECKLIST_FILE) -> tuple[ChecklistItem, ...]:
    """The items of a checklist CSV; CodeListError naming the line of any fault."""
    known = {r.key for r in rules()}
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for line, row in codes.read_rows(text, source, ("key", "section", "question")):
        key, section = row["key"], row["section"].strip()
        if key in seen:
            raise CodeListError(f"{source} line {line}: item '{key}' appears twice")
        seen.add(key)
        if section not in AUDIT_SECTIONS:
            raise CodeListError(
                f"{source} line {line}: section '{section}' is not one of "
                f"{', '.join(AUDIT_SECTIONS)}"
            )
        named = tuple(row.get("rules", "").split())
        unknown = [r for r in named if r not in known]
        if unknown:
            raise CodeListError(
                f"{source} line {line}: no plan check is called {', '.join(unknown)}"
            )
        items.append(ChecklistItem(key, section, row["question"], row.get("source", ""), named))
    if not items:
        raise CodeListError(f"{source}: the checklist has no items")
    return tuple(items)


@cache
def default_checklist() -> tuple[ChecklistItem, ...]:
    return parse_checklist(codes.shipped_text(CHECKLIST_FILE, parsed_by=default_checklist))


def checklist_to_csv(items: Iterable[ChecklistItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow((item.key, item.section, item.question, item.source, " ".join(item.rules)))
    return out.getvalue()


def prefill(
    items: Sequence[ChecklistItem], findings: Iterable[Finding], off: Collection[str] = ()
) -> tuple[ItemScore, ...]:
    """The audit's starting scores: what the automated checks can tell, with why. An item
    whose every rule the council switched ``off`` is left for the auditor."""
    found: dict[str, list[Finding]] = {}
    for f in findings:
        found.setdefault(f.rule, []).append(f)
    out = []
    for item in items:
        score = ItemScore(item.key, item.section, item.question)
        running = [rule for rule in item.rules if rule not in off]
        if running:
            hits = [f for rule in running for f in found.get(rule, ())]
            if hits:
                labels = sorted({f.label for f in hits})
                note = f"The checks found {len(hits)}: {'; '.join(labels)}"
                score = replace(score, score="not_met", note=note, prefilled=True)
            else:
                score = replace(score, score="met", prefilled=True)
        out.append(score)
    return tuple(out)


def percent(scores: Iterable[ItemScore]) -> int | None:
    """The share of the most the scored items could get, rounded; None with nothing scored."""
    points = [SCORES[s.score] for s in scores if s.score in SCORES]
    if not points:
        return None
    return round(100 * sum(points) / (TOP * len(points)))


def section_percents(scores: Sequence[ItemScore]) -> dict[str, int]:
    """Each section's percentage (sections with nothing scored left out), in plan order."""
    out: dict[str, int] = {}
    for section in AUDIT_SECTIONS:
        value = percent(s for s in scores if s.section == section)
        if value is not None:
            out[section] = value
    return out


# --------------------------------------------------------------------------- the team's figures


@dataclass(frozen=True, slots=True)
class QaRow:
    """One decided audit, as the team's figures need it."""

    case_id: int
    child_id: int
    child_name: str
    caseworker: str  # "" if the case had none
    auditor: str
    decided_on: date
    outcome: str  # rework or signed_off
    items: tuple[ItemScore, ...]

    @property
    def score(self) -> int | None:
        return percent(self.items)


@dataclass(frozen=True, slots=True)
class WorkerQa:
    caseworker: str
    audited: int  # in the period
    average: int | None  # in the period
    monthly: tuple[int | None, ...]  # average score per month (QaFigures.months)


@dataclass(frozen=True, slots=True)
class Failure:
    section: str
    question: str
    count: int  # audits in the period scoring it not met or partly met
    of: int  # audits in the period that scored it at all


@dataclass(frozen=True)
class QaFigures:
    start: date
    end: date
    months: tuple[date, ...] = ()  # first day of each month shown by caseworker
    audited: int = 0
    signed_off: int = 0
    sent_back: int = 0
    average: int | None = None
    by_section: dict[str, int] = field(default_factory=dict)
    by_worker: tuple[WorkerQa, ...] = ()
    failures: tuple[Failure, ...] = ()
    rows: tuple[QaRow, ...] = ()  # the period's audits


def qa_figures(
    rows: Sequence[QaRow], start: date, end: date, months: int = 6, top: int = 5
) -> QaFigures:
    """The period's audits (``start`` to ``end``) summed up, with each caseworker's average
    score for the ``months`` months up to ``end`` (``rows`` may reach back that far)."""
    firsts = month_starts(end, months)
    period = tuple(r for r in rows if start <= r.decided_on <= end)
    outcomes = Counter(r.outcome for r in period)
    by_section = {
        section: value
        for section in AUDIT_SECTIONS
        if (value := _mean(section_percents(r.items).get(section) for r in period)) is not None
    }
    workers = sorted({r.caseworker for r in rows} | {r.caseworker for r in period})
    by_worker = tuple(_worker(name, rows, period, firsts) for name in workers)
    return QaFigures(
        start,
        end,
        firsts,
        len(period),
        outcomes["signed_off"],
        outcomes["rework"],
        _mean(r.score for r in period),
        by_section,
        by_worker,
        _failures(period, top),
        period,
    )


def _worker(name: str, rows: Sequence[QaRow], period: Sequence[QaRow], firsts) -> WorkerQa:
    mine = [r for r in period if r.caseworker == name]
    monthly = tuple(
        _mean(r.score for r in rows if r.caseworker == name and _month(r.decided_on) == first)
        for first in firsts
    )
    return WorkerQa(name, len(mine), _mean(r.score for r in mine), monthly)


def _failures(period: Sequence[QaRow], top: int) -> tuple[Failure, ...]:
    failed: Counter[tuple[str, str]] = Counter()
    scored: Counter[tuple[str, str]] = Counter()
    for row in period:
        for item in row.items:
            if item.score in SCORES:
                scored[item.section, item.question] += 1
                if item.score != "met":
                    failed[item.section, item.question] += 1
    ranked = sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return tuple(Failure(sec, q, n, scored[sec, q]) for (sec, q), n in ranked)


def _mean(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known)) if known else None


def _month(day: date) -> date:
    return day.replace(day=1)


def month_starts(end: date, months: int) -> tuple[date, ...]:
    last = end.year * 12 + end.month - 1
    return tuple(date(i // 12, i % 12 + 1, 1) for i in range(last - months + 1, last + 1))
