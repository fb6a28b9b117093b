"""The EHC plan laid out once, as plain blocks (headings, paragraphs, quotes, tables), from
which both the Word file (plan_docx.py) and the PDF (plan_pdf.py) are written, so the two
never say different things.

The order and headings follow Reg 12(1) and the section letters councils use (A to K, H split
into H1 and H2), with the child's details first; a draft says so in its title and Section I is
left empty (s38(5) Children and Families Act 2014); anything an import could not place is
printed last, never dropped.
Stdlib and the domain only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from caseload_app.domain import codes
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.plan import NEED_SECTIONS, PROVISION_SECTIONS, Budget, Plan
from caseload_app.domain.text import clean_lines

__all__ = ["Block", "PlanHeader", "plan_blocks", "plan_title", "summary_blocks"]

STATUS_TITLES = {
    "draft": "Draft Education, Health and Care plan",
    "final": "Education, Health and Care plan",
    "proposed": "Education, Health and Care plan: proposed amendments",
    "amended": "Education, Health and Care plan (amended)",
}
WHO = {"child": "Child", "young_person": "Young person", "parent": "Parent",
       "carer": "Carer", "other": "Other"}  # fmt: skip
HOW = {"meeting": "at a meeting", "form": "on a form", "drawing": "in a drawing",
       "interpreter": "through an interpreter", "conversation": "in conversation",
       "other": ""}  # fmt: skip
DRAFT_NOTE = (
    "Draft: for the family's comments. Section I names no school or college in a draft "
    "(Children and Families Act 2014, s38(5))."
)
# Column widths in mm (A4 less margins: 180): the provision itself gets the room.
WIDTHS = {8: (40, 26, 18, 18, 16, 22, 18, 22), 4: (12, 98, 42, 28)}
PROVISION_COLUMNS = ("Provision", "Who delivers it", "How often", "How long", "Group",
                     "Reviewed by", "Meets needs", "Towards outcomes")  # fmt: skip


@dataclass(frozen=True)
class PlanHeader:
    council: str
    child_name: str
    date_of_birth: date | None
    status: str  # one of STATUS_TITLES
    upn: str = ""
    version: str = ""  # "Version 3"
    issued_on: date | None = None
    caseworker: str = ""


@dataclass(frozen=True)
class Block:
    """kind: "title", "heading", "subheading", "para", "quote", "note", "table".
    A table's first row is its header."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    by: str = ""  # a quote's attribution
    widths: tuple[float, ...] = ()  # a table's columns, in mm of the 180 across an A4 page


def plan_title(header: PlanHeader) -> str:
    return STATUS_TITLES.get(header.status, STATUS_TITLES["draft"])


def plan_blocks(plan: Plan, header: PlanHeader) -> list[Block]:
    labels = {c.code: c.label for c in codes.ehcp_sections()}
    out = [Block("title", plan_title(header)), _details(header)]
    if header.status == "draft":
        out.append(Block("note", DRAFT_NOTE))
    for section in ("A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K"):
        out.append(Block("heading", f"Section {section}: {labels.get(section, '')}"))
        body = _section(plan, section, header)
        note = plan.notes.get(section, "").strip()
        if note:
            body.insert(0, Block("para", note))
        out += body or [Block("para", "Nothing recorded.")]
    if plan.comments:
        out.append(Block("heading", "What you said about the draft, and what we did"))
        out.append(_comments(plan))
    if plan.not_placed.strip():
        out.append(Block("heading", "Text not yet placed in a section"))
        out.append(Block("para", plan.not_placed))
    return [_cleaned(b) for b in out]


def _cleaned(block: Block) -> Block:
    """Control and invisible characters out (a Word file cannot hold them), paragraphs kept."""
    rows = tuple(tuple(clean_paragraphs(cell) for cell in row) for row in block.rows)
    return replace(
        block, text=clean_paragraphs(block.text), rows=rows, by=clean_paragraphs(block.by)
    )


def clean_paragraphs(text: str) -> str:
    paragraphs = (clean_lines(p) for p in text.replace("\r\n", "\n").split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _details(h: PlanHeader) -> Block:
    rows = [("Date of birth", format_date(h.date_of_birth) if h.date_of_birth else ""),
            ("Unique pupil number", h.upn), ("Council", h.council),
            ("Version", h.version), ("Issued", format_date(h.issued_on) if h.issued_on else ""),
            ("Contact", h.caseworker)]  # fmt: skip
    shown = tuple(r for r in rows if r[1])
    return Block("table", rows=(("Name", h.child_name), *shown), widths=(45, 135))


def _section(plan: Plan, section: str, header: PlanHeader) -> list[Block]:
    if section == "A":
        return [_quote(c) for c in plan.contributions]
    if section in NEED_SECTIONS:
        return [Block("para", f"{n.key}. {n.text}") for n in plan.needs_in(section)]
    if section == "I":
        return _placement(plan, header)
    if section == "J":
        facts = budget_facts(plan.budget)
        text = [plan.personal_budget] if plan.personal_budget.strip() else []
        return [Block("para", line) for line in (*facts, *text)]
    head, rows = _table_rows(plan, section)
    widths = WIDTHS[len(head)]
    return [Block("table", rows=(head, *rows), widths=widths)] if rows else []


def budget_facts(budget: Budget) -> list[str]:
    """Section J's facts in a sentence, before its words; nothing when no budget was taken up
    (a plan from before they were recorded says it in words, if at all)."""
    if not budget.taken_up:
        return []
    parts = ["A personal budget is in place"]
    if budget.organised:
        parts.append("some of it through organised arrangements")
    if budget.direct_payments:
        label = codes.label_or_code(codes.sen2_direct_payments(), budget.direct_payments)
        parts.append(f"direct payments: {label}")
    return ["; ".join(parts) + "."]


def _table_rows(plan: Plan, section: str) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The header and rows of a section printed as a table: E, F to H2, K."""
    if section == "E":
        head = ("", "Outcome", "By when", "Preparing for adulthood")
        return head, [(o.key, o.text, o.by_when, "Yes" if o.adulthood else "")
                      for o in plan.outcomes]  # fmt: skip
    if section in PROVISION_SECTIONS:
        return PROVISION_COLUMNS, [
            (f"{p.key}. {p.text}", p.who, p.how_often, p.how_long, p.group, p.reviewed_by,
             ", ".join(p.needs), ", ".join(p.outcomes))
            for p in plan.provision_in(section)
        ]  # fmt: skip
    head = ("", "Advice and information", "From", "Dated")
    return head, [(a.key, a.title, a.author, format_date(a.dated) if a.dated else "")
                  for a in plan.advice]  # fmt: skip


RESPONSE_WORDS = {"did": "We did", "did_not": "We did not", "": "Not yet answered"}


def _comments(plan: Plan) -> Block:
    """Co-production's record: each comment on a draft, with the council's response."""
    rows = [
        (c.section, c.said + (f" ({c.by})" if c.by else ""), RESPONSE_WORDS[c.response],
         c.because)
        for c in plan.comments
    ]  # fmt: skip
    head = ("Section", "You said", "We did / did not", "Because")
    return Block("table", rows=(head, *rows), widths=(16, 78, 28, 58))


def _quote(c) -> Block:
    how = HOW.get(c.how, "")
    when = f", {format_date(c.on)}" if c.on else ""
    who = f"{c.name} ({WHO.get(c.who, c.who).lower()})" if c.name else WHO.get(c.who, c.who)
    return Block("quote", c.text, by=f"{who}{', ' + how if how else ''}{when}")


def _placement(plan: Plan, header: PlanHeader) -> list[Block]:
    if header.status == "draft":
        return [
            Block("para", "Left blank in a draft plan (Children and Families Act 2014, s38(5)).")
        ]
    named = [x for x in (plan.placement.name, plan.placement.kind) if x.strip()]
    return [Block("para", " — ".join(named))] if named else []


def summary_blocks(plan: Plan, header: PlanHeader) -> list[Block]:
    """A one-page summary in plain words for the family and the child, from Sections A and E:
    what they told us, and what everyone is working towards, by when."""
    first = header.child_name.split()[0] if header.child_name.strip() else "your child"
    out = [Block("title", f"{first}'s plan: a summary")]
    out.append(Block("para", f"This is a short summary of {first}'s education, health and care "
                             "plan. The plan itself says what help will be given, by whom and "
                             "how often; ask us if you would like another copy."))  # fmt: skip
    if plan.contributions:
        out.append(Block("heading", "What you told us"))
        out += [_quote(c) for c in plan.contributions]
    if plan.outcomes:
        out.append(Block("heading", "What we are all working towards"))
        for o in plan.outcomes:
            when = f" ({o.by_when})" if o.by_when.strip() else ""
            out.append(Block("para", f"• {o.text}{when}"))
    if header.caseworker:
        out.append(Block("heading", "Who to contact"))
        out.append(Block("para", f"{header.caseworker}, {header.council}"))
    return [_cleaned(b) for b in out]
