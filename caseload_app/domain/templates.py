"""Letter templates: plain-text files an administrator can read and change without code.

A template is a small header, a blank line, then the body::

    Title: Draft education, health and care plan for {{child_name}}
    To: family

    Dear {{salutation}},

    Please send us your comments by {{comments_end}}.

Header lines are ``Key: value``. ``Title`` is the subject line of the letter (placeholders
allowed); ``To`` says who the letter goes to, one of ``RECIPIENTS``: ``family``, ``school``,
``health``, ``social_care``, ``ep`` (the educational psychology service) or ``adviser`` (whoever
the advice request the letter is about went to). In the body, paragraphs are separated by
blank lines and the lines of a paragraph are joined; a paragraph whose lines all start with
``- `` is a bulleted list, and a one-line paragraph starting with ``# `` is a heading.

Placeholders are ``{{name}}`` (spaces inside the braces allowed). Braces are for placeholders
only: a single or unbalanced brace is a mistake in the file, reported with its line. Filling
never prints a blank: ``fill`` refuses, naming every placeholder that has no value for the
case and every name that is not in the vocabulary (with a "did you mean" for misspellings).

A letter template may also be a Word document (.docx) an administrator writes in Word with
the same placeholders (``word_template``: its title and header come from the document's
properties); it is checked against the same vocabulary and filled as it is, letterhead and
all, by services/word_templates.py.

The vocabulary (``PLACEHOLDERS``), values built from the case record by the letter service;
dates show the weekday ("Wed 16 Apr 2025") except the date of birth ("4 May 2016"):

council_name, council_address      council details (Settings); the address on one line
mediation_adviser                  the mediation adviser's name and contact details (Settings)
today                              the date of the letter
case_reference                     our reference for the case, e.g. "EHCP/000123"
caseworker, caseworker_email       the caseworker (or whoever prints, if none is assigned)
child_name, child_first_name       the child's full name and first name
date_of_birth, upn, setting        the child's date of birth, UPN and current setting
parent_carer_name                  the parent or carer the family's letters go to
salutation                         "Ms Brontë" for "Ms Jo Brontë" (title and surname), else the name
family_address, postcode           the family's address (one line, no postcode) and postcode
request_received                   the date the request for assessment was received
decision_to_assess_due             6 weeks after the request (Reg 5(1))
decision_not_to_issue_due          16 weeks after the request (Reg 10(1))
final_plan_due                     20 weeks after the request (Reg 13(2))
date_agreed_to_assess              the date of the decision to assess (recorded on the case)
date_refused_to_assess             the date of the decision not to assess
date_decided_not_to_issue          the date of the decision not to issue a plan
date_ceased                        the date of the decision to cease the plan
cease_reason                       why the plan is to cease, from SEN2's list (or typed)
advice_type                        the advice asked for, e.g. "educational psychology"
advice_requested, advice_due       when it was asked for, and 6 weeks later (Reg 8(1))
draft_served, comments_end         draft plan served; last day of the 15 days (Reg 13(1))
final_issued                       the date the final plan was issued
draft_comments                     thanks for the family's comments on the draft, or that none came
appeal_deadline                    2 months after the date of this letter (Tribunal rules)
review_meeting                     the date of the next annual review meeting
review_decision_due                4 weeks after that meeting (Reg 20(10))
review_held, review_decided        the meeting and decision of the latest review with an outcome
amendment_comments_end             last of the 15 days from this notice's date (Reg 22(2)(c))
amended_plan_due                   8 weeks after this notice's date (Reg 22(3))
proposed_amendments                the amendments proposed, typed when printing (Reg 22(2)(a))
decision_reason                    the reasons recorded with a refusal or cease (or typed)
subject, message                   free text typed when printing (the generic letter)

The same list, with where each value comes from, is in resources/templates/README.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from caseload_app.domain.status import STAGE_ORDER
from caseload_app.domain.validators import ValidationError

__all__ = [
    "FREE_TEXT",
    "PLACEHOLDERS",
    "RECIPIENTS",
    "TEMPLATE_NAME",
    "Block",
    "MissingValues",
    "Template",
    "TemplateError",
    "TemplateInfo",
    "TemplateNotFound",
    "blocks",
    "check_values",
    "fill",
    "fill_title",
    "letters_for_stage",
    "long_date",
    "parse",
    "placeholders",
    "salutation",
    "unknown_placeholders",
    "validate",
    "word_template",
]

RECIPIENTS = ("family", "school", "health", "social_care", "ep", "adviser")

# name -> (what it is, where a missing value is put right)
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "council_name": ("the council's name", "set it in Settings → Council details"),
    "council_address": ("the council's address", "set it in Settings → Council details"),
    "mediation_adviser": (
        "the mediation adviser's contact details",
        "an administrator sets them in the council's letter settings",
    ),
    "today": ("the date of the letter", ""),
    "case_reference": ("our reference for the case", ""),
    "caseworker": ("the caseworker's name", "assign a caseworker"),
    "caseworker_email": ("the caseworker's email address", "add it to the caseworker"),
    "child_name": ("the child's full name", "edit the child's details"),
    "child_first_name": ("the child's first name", "edit the child's details"),
    "date_of_birth": ("the child's date of birth", "edit the child's details"),
    "upn": ("the child's UPN", "edit the child's details"),
    "setting": ("the child's nursery, school or college", "edit the child's details"),
    "parent_carer_name": ("the parent or carer's name", "edit the family's details"),
    "salutation": ("how the parent or carer is addressed", "edit the family's details"),
    "family_address": ("the family's address", "edit the family's details"),
    "postcode": ("the family's postcode", "edit the family's details"),
    "request_received": ("the date the request was received", ""),
    "decision_to_assess_due": ("the 6-week decision date", ""),
    "decision_not_to_issue_due": ("the 16-week date", ""),
    "final_plan_due": ("the 20-week date for the final plan", ""),
    "advice_type": ("the kind of advice", "record the advice request on the Advice tab"),
    "advice_requested": ("the date advice was asked for", "record the advice request first"),
    "advice_due": ("the date advice is due", "record the advice request first"),
    "date_agreed_to_assess": ("the date we agreed to assess", "record 'Agree to assess'"),
    "date_refused_to_assess": ("the date we refused to assess", "record 'Refuse to assess'"),
    "date_decided_not_to_issue": (
        "the date we decided not to issue a plan",
        "record 'Decide not to issue a plan'",
    ),
    "date_ceased": ("the date we decided to cease the plan", "record 'Cease the plan'"),
    "cease_reason": (
        "why the plan is to cease, from SEN2's list",
        "record 'Propose to cease the plan' with its reason, or type it",
    ),
    "draft_served": ("the date the draft plan was served", "record 'Draft plan served'"),
    "comments_end": ("the last day for comments on the draft", "record 'Draft plan served'"),
    "final_issued": ("the date the final plan was issued", "record 'Final plan issued'"),
    "draft_comments": (
        "a sentence on the family's comments on the draft",
        "record 'Final plan issued'",
    ),
    "appeal_deadline": ("the last day to appeal", ""),
    "review_meeting": ("the annual review meeting date", "book the review meeting first"),
    "review_decision_due": ("the review decision date", "book the review meeting first"),
    "review_held": (
        "the date of the review meeting decided on",
        "record the review's meeting date and outcome on the Reviews tab",
    ),
    "review_decided": (
        "the date of the review decision",
        "record the review's decision date and outcome on the Reviews tab",
    ),
    "amendment_comments_end": ("the last day for comments on the amendments", ""),
    "amended_plan_due": ("the date the final amended plan is due", ""),
    "proposed_amendments": ("the amendments proposed", "type them when printing"),
    "decision_reason": (
        "the reasons for the decision",
        "record the decision with its reasons, or type them when printing",
    ),
    "subject": ("the subject line", "type it when printing"),
    "message": ("the text of the letter", "type it when printing"),
}

# The council's own details: asked for once, when a letter first needs them.
COUNCIL_PLACEHOLDERS = frozenset({"council_name", "council_address", "mediation_adviser"})

# Placeholders a person may type when printing; every other value comes from the record.
FREE_TEXT = frozenset(
    {"decision_reason", "cease_reason", "proposed_amendments", "subject", "message"}
)

# The address block needs these whatever the body uses.
RECIPIENT_NEEDS: dict[str, tuple[str, ...]] = {
    "family": ("parent_carer_name", "family_address", "postcode"),
    "school": ("setting",),
    "health": (),
    "social_care": (),
    "ep": (),
    "adviser": ("advice_type",),
}
LETTERHEAD_NEEDS = ("council_name", "council_address", "caseworker", "child_name", "date_of_birth")

NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}")
_BRACE_RUN = re.compile(r"\{{2,}|\}{2,}")
TEMPLATE_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")
_HEADER_KEYS = ("title", "to", "name", "stages")
# Stages a letter may say it fits (``Stages:``); "any" fits every stage.
LETTER_STAGES = (*STAGE_ORDER, "any")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --------------------------------------------------------------------------- errors
class TemplateError(ValidationError):
    """A template file is malformed; the message names the file and line."""


class TemplateNotFound(ValidationError):
    pass


class MissingValues(ValidationError):
    """Placeholders with no value for this case, and names that are not placeholders."""

    def __init__(self, template: str, missing: Iterable[str], unknown: Mapping[str, str | None]):
        self.template = template
        self.missing = tuple(missing)
        self.unknown = dict(unknown)
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [f"Cannot print {self.template}: nothing was written."]
        for name in self.missing:
            what, fix = PLACEHOLDERS.get(name, (name, ""))
            lines.append(f"- {{{{{name}}}}} ({what}) has no value for this case" + _fix(fix))
        for name, suggestion in self.unknown.items():
            hint = f" — did you mean {{{{{suggestion}}}}}?" if suggestion else ""
            lines.append(f"- {{{{{name}}}}} is not a placeholder{hint}")
        return "\n".join(lines)


def _fix(fix: str) -> str:
    return f": {fix}." if fix else "."


# --------------------------------------------------------------------------- parsing
@dataclass(frozen=True)
class Template:
    name: str
    title: str
    to: str
    body: str
    source: str  # the file (or name) shown in messages
    body_line: int  # line number of the body's first line in the file
    label: str = ""  # ``Name:``, the plain name people choose it by
    stages: tuple[str, ...] = ()  # ``Stages:``, where it fits; () says nothing
    word: bool = False  # a Word document (.docx), its placeholders in `names`, no `body`
    names: tuple[str, ...] = ()  # a Word template's placeholders, as read from the document

    @property
    def plain_name(self) -> str:
        """What the letter picker shows: its ``Name:``, else its title without any
        placeholder ("Reminder: advice for the child" rather than code)."""
        return self.label or plain_title(self.title)

    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder in the title and body (a Word template's: in the document), in
        order of first use."""
        return tuple(dict.fromkeys((*placeholders(self.title + "\n" + self.body), *self.names)))

    def needs(self) -> tuple[str, ...]:
        """Every value needed to print: the placeholders, the letterhead (a Word template
        has its own, from its placeholders), the address block."""
        letterhead = () if self.word else LETTERHEAD_NEEDS
        wanted = (*self.placeholders(), *letterhead, *RECIPIENT_NEEDS.get(self.to, ()))
        return tuple(dict.fromkeys(wanted))


@dataclass(frozen=True)
class Block:
    kind: str  # "para", "heading" or "bullets"
    lines: tuple[str, ...]  # one line for para and heading, one per item for bullets


def placeholders(text: str) -> tuple[str, ...]:
    """The placeholder names used in `text`, each once, in order of first use."""
    names = (m.group(1).strip() for m in _PLACEHOLDER_RE.finditer(text))
    return tuple(dict.fromkeys(names))


def parse(text: str, name: str, source: str | None = None) -> Template:
    """Read a template's header and body; TemplateError names the file and line."""
    where = source or f"{name}.txt"
    lines = text.lstrip("\ufeff").splitlines()
    header, body_start = _read_header(lines, where)
    body_lines = lines[body_start:]
    while body_lines and not body_lines[-1].strip():
        body_lines.pop()
    if not any(line.strip() for line in body_lines):
        raise TemplateError(f"{where}: the letter has no text after the header.")
    for number, line in enumerate(lines, start=1):
        _check_braces(line, where, number)
    return Template(
        name=name,
        title=header["title"],
        to=header["to"],
        body="\n".join(body_lines).strip("\n"),
        source=where,
        body_line=body_start + 1,
        label=header.get("name", ""),
        stages=_stage_list(header.get("stages", "")),
    )


def word_template(
    name: str, *, title: str, comments: str, names: Iterable[str], source: str
) -> Template:
    """A Word template from what its document says of itself: the letter's title is its
    Title property; its Comments property holds the rest of a text template's header
    (``To: …``, and optionally ``Name: …``, ``Stages: …``, or a ``Title: …`` that wins over
    the property), one to a line or separated by ";". `names` are the placeholders the
    document uses."""
    header: dict[str, str] = {}
    for part in re.split(r"[\n;]", comments):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        key = key.strip().lower()
        if not sep or key not in _HEADER_KEYS:
            raise TemplateError(
                f"{source}: its Comments property (in Word: File → Info → Properties) holds "
                f"'To: …' and may hold 'Name: …', 'Stages: …' or 'Title: …'; found {_shown(part)}."
            )
        if key in header:
            raise TemplateError(f"{source}: '{key.title()}:' is given twice in its Comments.")
        header[key] = value.strip()
    title = header.get("title") or " ".join(title.split())
    if not title:
        raise TemplateError(
            f"{source}: the letter has no title. In Word, give it one under File → Info → "
            "Properties → Title (placeholders such as {{child_name}} may be used)."
        )
    _check_braces(title, f"{source} (its title)", 1)
    to = header.get("to", "")
    if to not in RECIPIENTS:
        got = f"'{to}'" if to else "nothing"
        raise TemplateError(
            f"{source}: 'To:' in its Comments property (in Word: File → Info → Properties) "
            f"must be one of {', '.join(RECIPIENTS)}; found {got}."
        )
    stages = _stage_list(header.get("stages", ""))
    wrong = [x for x in stages if x not in LETTER_STAGES]
    if wrong:
        raise TemplateError(
            f"{source}: 'Stages:' in its Comments lists {', '.join(repr(w) for w in wrong)}; "
            f"use any of {', '.join(LETTER_STAGES)}."
        )
    return Template(
        name=name,
        title=title,
        to=to,
        body="",
        source=source,
        body_line=0,
        label=header.get("name", ""),
        stages=stages,
        word=True,
        names=tuple(sorted(names)),
    )


def plain_title(title: str) -> str:
    """A title without code, for a template with no ``Name:``: "{{child_name}}" reads
    "the child", any other placeholder "…"."""
    words = {"child_name": "the child", "child_first_name": "the child", "subject": "any subject"}
    text = _PLACEHOLDER_RE.sub(lambda m: words.get(m.group(1).strip(), "…"), title)
    return re.sub(r"\s+", " ", text).strip() or title


def _read_header(lines: list[str], where: str) -> tuple[dict[str, str], int]:
    header: dict[str, str] = {}
    number = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in _HEADER_KEYS:
            raise TemplateError(
                f"{where} line {number}: expected 'Title: …', 'To: …', 'Name: …' or "
                f"'Stages: …' (then a blank line before the letter), found {_shown(line)}."
            )
        if key in header:
            raise TemplateError(f"{where} line {number}: '{key.title()}:' is given twice.")
        header[key] = value.strip()
    else:
        raise TemplateError(f"{where}: put a blank line between the header and the letter.")
    if not header.get("title"):
        raise TemplateError(f"{where} line 1: the header needs a 'Title: …' line with a title.")
    to = header.get("to", "")
    if to not in RECIPIENTS:
        line_no = _line_of(lines, "to") or number
        got = f"'{to}'" if to else "nothing"
        raise TemplateError(
            f"{where} line {line_no}: 'To:' must be one of {', '.join(RECIPIENTS)}; found {got}."
        )
    wrong = [x for x in _stage_list(header.get("stages", "")) if x not in LETTER_STAGES]
    if wrong:
        raise TemplateError(
            f"{where} line {_line_of(lines, 'stages') or number}: 'Stages:' lists "
            f"{', '.join(repr(w) for w in wrong)}; use any of {', '.join(LETTER_STAGES)}."
        )
    return header, number


def _stage_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


def _line_of(lines: list[str], key: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if line.partition(":")[0].strip().lower() == key:
            return number
    return None


def _check_braces(line: str, where: str, number: int) -> None:
    for match in _PLACEHOLDER_RE.finditer(line):
        inner = match.group(1).strip()
        if not NAME_RE.fullmatch(inner):
            raise TemplateError(
                f"{where} line {number}: {match.group(0)!r} is not a placeholder; names are "
                "lower-case letters, digits and underscores, like {{child_name}}."
            )
    rest = _PLACEHOLDER_RE.sub("", line)
    if "{" in rest or "}" in rest:
        column = next(i for i, ch in enumerate(line, start=1) if ch in "{}")
        raise TemplateError(
            f"{where} line {number}, column {column}: unbalanced braces in {_shown(line)}; "
            "a placeholder is written {{name}}, and braces are used for nothing else."
        )


def _shown(line: str) -> str:
    line = line.strip()
    return repr(line if len(line) <= 60 else line[:59] + "…")


def _suggest(name: str) -> str | None:
    close = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_placeholders(template: Template) -> dict[str, str | None]:
    """Names used that are not in the vocabulary, each with the closest known name (or None)."""
    return {n: _suggest(n) for n in template.placeholders() if n not in PLACEHOLDERS}


def validate(template: Template) -> Template:
    """Parse-level checks plus the vocabulary: every placeholder must be a known one."""
    unknown = unknown_placeholders(template)
    if unknown:
        problems = []
        for name, suggestion in unknown.items():
            hint = f" — did you mean {{{{{suggestion}}}}}?" if suggestion else ""
            # A Word document has no lines to point to: the name is found with Find.
            where = "" if template.word else f"line {_first_line(template, name)}: "
            problems.append(f"{where}{{{{{name}}}}}{hint}")
        raise TemplateError(
            f"{template.source}: not a placeholder: " + "; ".join(problems) + ". "
            "See resources/templates/README.md for the names you can use."
        )
    return template


def _first_line(template: Template, name: str) -> int:
    pattern = re.compile(r"\{\{\s*" + re.escape(name) + r"\s*\}\}")
    if pattern.search(template.title):
        return 1
    for offset, line in enumerate(template.body.splitlines()):
        if pattern.search(line):
            return template.body_line + offset
    return template.body_line


# --------------------------------------------------------------------------- filling
def _present(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def check_values(template: Template, values: Mapping[str, object]) -> None:
    """Raise MissingValues naming every needed placeholder without a value and every unknown
    name; return quietly when the letter can be printed."""
    unknown = unknown_placeholders(template)
    missing = [n for n in template.needs() if n in PLACEHOLDERS and not _present(values.get(n))]
    if missing or unknown:
        raise MissingValues(f"'{_title_for_message(template)}' ({template.name})", missing, unknown)


def _title_for_message(template: Template) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: "…", template.title)


def _substitute(text: str, values: Mapping[str, object]) -> str:
    out = _PLACEHOLDER_RE.sub(lambda m: str(values[m.group(1).strip()]).strip(), text)
    # Braces in the output can only come from values (a template has none outside its
    # placeholders): collapse runs so that no value can ever print as a placeholder.
    return _BRACE_RUN.sub(lambda m: m.group(0)[0], out)


def fill(template: Template, values: Mapping[str, object]) -> str:
    """The body with every placeholder replaced; MissingValues lists every problem at once."""
    check_values(template, values)
    return _substitute(template.body, values)


def fill_title(template: Template, values: Mapping[str, object]) -> str:
    """The subject line, filled and on one line."""
    check_values(template, values)
    return " ".join(_substitute(template.title, values).split())


def blocks(text: str) -> list[Block]:
    """Split a filled body into paragraphs, headings and bulleted lists."""
    out: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].startswith("# "):
            out.append(Block("heading", (lines[0][2:].strip(),)))
        elif all(line.startswith("- ") for line in lines):
            out.append(Block("bullets", tuple(line[2:].strip() for line in lines)))
        else:
            out.append(Block("para", (" ".join(lines),)))
    return out


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev"})


def salutation(name: str) -> str:
    """How to address someone after "Dear": "Ms Jo Brontë" -> "Ms Brontë"; a name without a
    title, or naming two people ("Mr and Mrs Smith"), is used as it is."""
    words = name.split()
    if len(words) >= 3 and words[0].lower().rstrip(".") in _TITLES and "and" not in words:
        return f"{words[0]} {words[-1]}"
    return " ".join(words)


def long_date(d: date) -> str:
    """A date as written at the top of a letter: "24 November 2026"."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


# --------------------------------------------------------------------------- finding files
@dataclass(frozen=True)
class TemplateInfo:
    name: str
    title: str
    to: str
    origin: str  # "shipped", "admin" or "admin (replaces shipped)"
    path: Path
    problem: str | None = None  # why the file cannot be used, if it cannot
    label: str = ""  # the plain name the letter picker shows
    stages: tuple[str, ...] = ()  # where it fits ("any": every stage); () says nothing
    typed: tuple[str, ...] = ()  # what is typed when printing (FREE_TEXT, advice_type)
    word: bool = False  # a Word template (.docx), edited in Word rather than in caseload


def letters_for_stage(
    infos: Iterable[TemplateInfo], stage: str
) -> tuple[list[TemplateInfo], list[TemplateInfo]]:
    """The usable letters that fit a case at ``stage`` (those made for the stage, then those
    for any stage), and the others; each part by plain name."""
    usable = [i for i in infos if i.problem is None]
    by_name = sorted(usable, key=lambda i: (i.label or i.name).casefold())
    made_for = [i for i in by_name if stage in i.stages]
    general = [i for i in by_name if "any" in i.stages and stage not in i.stages]
    fitting = made_for + general
    return fitting, [i for i in by_name if i not in fitting]


def issued_file_name(when: datetime, template: str, extension: str) -> str:
    """The name an issued letter's file is kept under: when and which template, never whom
    (it shows in the case file and on a saved copy)."""
    return f"{when:%Y%m%d-%H%M%S}-{template}.{extension}"


def template_of(file_name: str) -> str:
    """The template an issued letter's file was made from (see issued_file_name; a template's
    name has no hyphen or dot)."""
    return file_name.rsplit("-", 1)[-1].split(".", 1)[0]
