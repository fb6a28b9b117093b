"""Placing a council's existing plan (a Word file read into plain blocks by a service) into
the sections of the structured plan, by its section headings.

Councils head sections in many ways: "Section A", "SECTION H1", "A:", "B – Special educational
needs", "F. Provision", a bare "E", or only the words ("Special educational provision",
"Personal budget"), as a heading style or in a table's first cell. Text is placed under the
last heading seen: needs, outcomes and provision item by item (a table's rows read by its
header: "Who", "How often", "Duration"…), the school in I, the budget in J, the advice in K.
Whatever comes before the first heading, or cannot be read as an item, goes to the plan's
"not placed" note: nothing is ever dropped, and the report says what went where.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from caseload_app.domain.plan import (
    NEED_SECTIONS,
    PROVISION_SECTIONS,
    SECTIONS,
    Advice,
    Need,
    Outcome,
    Placement,
    Plan,
    Provision,
)
from caseload_app.domain.text import clean_line
from caseload_app.domain.validators import normalise_upn

__all__ = [
    "DocBlock",
    "Identity",
    "PlacedPlan",
    "identity_of",
    "place_blocks",
    "section_of_heading",
]


@dataclass(frozen=True, slots=True)
class DocBlock:
    """A paragraph (``rows`` empty) or a table (``rows``: its cells' text) from the file;
    ``heading``: the file styled it as a heading."""

    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    heading: bool = False


@dataclass(frozen=True)
class PlacedPlan:
    plan: Plan
    placed: Counter[str] = field(default_factory=Counter)  # items per section
    headings: tuple[str, ...] = ()  # the sections found, in the file's order
    not_placed: int = 0  # paragraphs or rows kept in the "not placed" note

    def report(self) -> str:
        found = ", ".join(f"{s} ({self.placed[s]})" for s in SECTIONS if self.placed[s])
        missing = [s for s in SECTIONS if s not in self.headings]
        lines = [f"Sections found: {', '.join(self.headings) or 'none'}."]
        lines.append(f"Items placed: {found or 'none'}.")
        if missing:
            lines.append(f"No heading found for: {', '.join(missing)}.")
        if self.not_placed:
            lines.append(f"{self.not_placed} paragraph(s) or row(s) kept as text not placed.")
        return " ".join(lines)


# --------------------------------------------------------------------------- headings

_LETTER = r"(h\s*1|h\s*2|[a-k])"
_WITH_WORD = re.compile(rf"^\s*section\s+{_LETTER}\b", re.IGNORECASE)
_WITH_MARK = re.compile(rf"^\s*{_LETTER}\s*(?:[:.)\-–—]|\s*$)", re.IGNORECASE)
# Headings by their words alone, most specific first (so "social care provision" is not D).
_BY_WORDS = (
    ("H1", r"section 2 of the chronically sick|csdpa|social care provision.*under 18"),
    ("H2", r"other social care provision"),
    ("A", r"views,? interests and aspirations|all about me"),
    ("F", r"special educational provision"),
    ("G", r"health (?:care )?provision"),
    ("H1", r"social care provision"),
    ("B", r"special educational needs"),
    ("C", r"health (?:care )?needs"),
    ("D", r"social care needs"),
    ("E", r"outcomes"),
    ("I", r"placement|name of (?:the )?(?:school|institution|setting)|school or college"),
    ("J", r"personal budget|direct payments?"),
    ("K", r"advice and information"),
)
_LONGEST_HEADING = 120  # characters: a longer paragraph is text, not a heading


def section_of_heading(text: str, *, styled: bool = False) -> str | None:
    """The section a heading names ("A" … "K", "H1", "H2"), or None when it is not one."""
    line = clean_line(text)
    if not line or len(line) > _LONGEST_HEADING:
        return None
    for pattern in (_WITH_WORD, _WITH_MARK):
        m = pattern.match(line)
        if m and (pattern is _WITH_WORD or _looks_like_heading(line, styled)):
            return m.group(1).upper().replace(" ", "")
    if styled or line.isupper() or len(line) <= 60:
        lowered = line.lower()
        for section, words in _BY_WORDS:
            if re.search(words, lowered) and not lowered.endswith("."):
                return section
    return None


def _looks_like_heading(line: str, styled: bool) -> bool:
    """ "A: Views…" is a heading; "I am happy at school." is not (a pronoun, not a section)."""
    if styled or re.fullmatch(rf"{_LETTER}\s*[:.)]?", line, re.IGNORECASE):
        return True  # a bare "I", "E.", "H2:" is the section's letter alone
    first, _, rest = line.partition(" ")
    if len(first) == 1 and first.upper() == "I" and not re.match(r"^I\s*[:.)\-–—]", line):
        return False
    return not line.endswith(".") or bool(re.match(r"^\w\s*[:.)\-–—]\s*\w", line))


# --------------------------------------------------------------------------- placing


@dataclass
class _Builder:
    section: str | None = None
    needs: list[Need] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    provision: list[Provision] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    placement: list[str] = field(default_factory=list)
    budget: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)
    placed: Counter[str] = field(default_factory=Counter)
    headings: list[str] = field(default_factory=list)

    def heading(self, section: str) -> None:
        self.section = section
        if section not in self.headings:
            self.headings.append(section)

    def text(self, line: str) -> None:
        s = self.section
        if s is None:
            self.loose.append(line)
        elif s in NEED_SECTIONS:
            self.needs.append(Need(f"N{len(self.needs) + 1}", s, line))
        elif s == "E":
            self.outcomes.append(Outcome(f"O{len(self.outcomes) + 1}", line))
        elif s in PROVISION_SECTIONS:
            self.provision.append(Provision(f"P{len(self.provision) + 1}", s, line))
        elif s == "I":
            self.placement.append(line)
        elif s == "J":
            self.budget.append(line)
        elif s == "K":
            self.advice.append(Advice(f"K{len(self.advice) + 1}", line))
        else:  # A: the family's words, kept as written (who said what is for the caseworker)
            self.notes.setdefault(s, []).append(line)
        if s is not None:
            self.placed[s] += 1

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        rows = [tuple(clean_line(c) for c in r) for r in rows if any(clean_line(c) for c in r)]
        if not rows:
            return
        first = section_of_heading(rows[0][0]) if len(rows[0]) <= 2 else None
        if first is not None:  # a table whose first cell heads a section ("Section F")
            self.heading(first)
            rest = " ".join(c for c in rows[0][1:] if c)
            if rest:
                self.text(rest)
            rows = rows[1:]
        columns = _columns(rows[0]) if rows else {}
        if self.section in PROVISION_SECTIONS and "text" in columns:
            for row in rows[1:]:
                self._provision_row(row, columns)
        elif self.section == "E" and "text" in columns:
            for row in rows[1:]:
                self._outcome_row(row, columns)
        else:
            for row in rows:
                self.text(" | ".join(c for c in row if c))

    def _provision_row(self, row: Sequence[str], columns: dict[str, int]) -> None:
        def cell(name: str) -> str:
            at = columns.get(name)
            return row[at] if at is not None and at < len(row) else ""

        if not cell("text"):
            self.text(" | ".join(c for c in row if c))
            return
        extra = _unused(row, columns, _PROVISION_FIELDS)
        assert self.section is not None
        self.provision.append(
            Provision(
                f"P{len(self.provision) + 1}",
                self.section,
                cell("text") + "".join(f" ({c})" for c in extra),
                who=cell("who"),
                how_often=cell("how_often"),
                how_long=cell("how_long"),
                group=cell("group"),
                reviewed_by=cell("reviewed_by"),
            )
        )
        self.placed[self.section] += 1

    def _outcome_row(self, row: Sequence[str], columns: dict[str, int]) -> None:
        text = row[columns["text"]] if columns["text"] < len(row) else ""
        at = columns.get("by_when")
        when = row[at] if at is not None and at < len(row) else ""
        extra = _unused(row, columns, ("text", "by_when"))
        if not text:
            self.text(" | ".join(c for c in row if c))
            return
        full = text + "".join(f" ({c})" for c in extra)
        self.outcomes.append(Outcome(f"O{len(self.outcomes) + 1}", full, when))
        self.placed["E"] += 1

    def plan(self) -> Plan:
        notes = {s: "\n\n".join(lines) for s, lines in self.notes.items()}
        placement = Placement(self.placement[0] if self.placement else "")
        if len(self.placement) > 1:
            notes["I"] = "\n\n".join(self.placement[1:])
        return Plan(
            needs=tuple(self.needs),
            outcomes=tuple(self.outcomes),
            provision=tuple(self.provision),
            placement=placement,
            personal_budget="\n\n".join(self.budget),
            advice=tuple(self.advice),
            notes=notes,
            not_placed="\n\n".join(self.loose),
        )


# A provision table's header cells by their words.
_HEADER_WORDS = (
    ("who", r"\bwho\b|deliver|staff|by whom|provider"),
    ("how_often", r"often|frequen"),
    ("how_long", r"how long|duration|length|minutes|\btime\b"),
    ("group", r"group|ratio|size"),
    ("reviewed_by", r"review|monitor"),
    ("by_when", r"by when|when|timescale|date"),
    ("text", r"provision|support|what|outcome|description|intervention"),
)


_PROVISION_FIELDS = ("text", "who", "how_often", "how_long", "group", "reviewed_by")


def _unused(row: Sequence[str], columns: dict[str, int], used: Sequence[str]) -> list[str]:
    """The row's cells no field takes: added to the item's text, never dropped."""
    taken = {columns[name] for name in used if name in columns}
    return [c for i, c in enumerate(row) if i not in taken and c]


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        lowered = cell.lower()
        for name, words in _HEADER_WORDS:
            if name not in found and re.search(words, lowered):
                found[name] = i
                break
    return found


def place_blocks(blocks: Iterable[DocBlock]) -> PlacedPlan:
    """The plan made from the file's blocks, with what went where."""
    b = _Builder()
    for block in blocks:
        if block.rows:
            b.table(block.rows)
            continue
        line = clean_line(block.text)
        if not line:
            continue
        section = section_of_heading(line, styled=block.heading)
        if section is not None:
            b.heading(section)  # its words are the section's title, which the plan prints
        else:
            b.text(line)
    return PlacedPlan(b.plan(), b.placed, tuple(b.headings), len(b.loose))


# --------------------------------------------------------------------------- whose plan


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a plan is about, as its own text says: a UPN, or a name and a date of birth."""

    upn: str = ""
    name: str = ""
    date_of_birth: date | None = None


_UPN = re.compile(r"\b[A-Za-z]\d{11}[A-Za-z0-9]\b")
_LABELLED = re.compile(r"^\s*(name|full name|child'?s name|young person'?s name|date of birth|"
                       r"dob|d\.o\.b\.?)\s*[:\-–]?\s*(.*)$", re.IGNORECASE)  # fmt: skip
_MONTHS = {m: n for n, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"), start=1)}  # fmt: skip


def identity_of(blocks: Iterable[DocBlock]) -> Identity:
    """The first valid UPN anywhere in the plan, and the first "Name" and "Date of birth" given
    as "Name: …" lines or as two-cell table rows."""
    upn, name, born = "", "", None
    for label, value, text in _labelled_pairs(blocks):
        if not upn:
            upn = _first_upn(text)
        if label in ("date of birth", "dob", "d.o.b", "d.o.b.") and born is None:
            born = _loose_date(value)
        elif "name" in label and not name and value:
            name = value
    return Identity(upn, name, born)


def _labelled_pairs(blocks: Iterable[DocBlock]) -> Iterator[tuple[str, str, str]]:
    for block in blocks:
        lines = list(block.rows) if block.rows else [(block.text,)]
        for row in lines:
            cells = [clean_line(c) for c in row]
            text = " ".join(cells)
            if len(cells) >= 2 and cells[0]:
                m = _LABELLED.match(cells[0])
                if m and not m.group(2):
                    yield m.group(1).lower(), cells[1], text
                    continue
            m = _LABELLED.match(text)
            yield (m.group(1).lower(), m.group(2), text) if m else ("", "", text)


def _first_upn(text: str) -> str:
    for m in _UPN.finditer(text):
        try:
            return normalise_upn(m.group(0))
        except ValueError:
            continue
    return ""


def _loose_date(text: str) -> date | None:
    """ "04/03/2017", "2017-03-04", "4 March 2017", "Sat 4 Mar 2017": None if it is none."""
    value = text.strip()
    m = re.search(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", value)
    parts = (int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None
    if m is None and (m := re.search(r"(\d{4})-(\d{2})-(\d{2})", value)):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m is None and (m := re.search(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})", value)):
        month = next((n for k, n in _MONTHS.items() if k.startswith(m.group(2).lower())), 0)
        parts = (int(m.group(3)), month, int(m.group(1)))
    try:
        return date(*parts) if parts else None
    except ValueError:
        return None
