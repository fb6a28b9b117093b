"""The built-in guide: the README's day-to-day sections, carried in resources/guide/ so the
app can show them (an installed app has no README beside it).

``guide_from_readme`` picks the sections; ``docs/make_guide.py`` writes them and a test
checks the copy in resources matches the README, so the two never drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The README's "##" sections a caseworker or team lead needs day to day, in this order.
GUIDE_SECTIONS = (
    "Using it day to day",
    "Printing: case summaries and letters",
    "For the team lead: workload board and rebalancing",
    "Statutory dates",
    "People and roles",
    "Where your data lives",
)
_IMAGE = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\((?!https?:)[^)]*\)")  # links into the repository


@dataclass(frozen=True)
class Heading:
    level: int  # 2 for "##", 3 for "###"
    title: str


def guide_from_readme(readme: str) -> str:
    """The guide's Markdown: the chosen sections, without pictures or links into the
    repository (the app has neither beside it). ValueError names a section gone missing."""
    sections = _sections(readme)
    missing = [title for title in GUIDE_SECTIONS if title not in sections]
    if missing:
        raise ValueError(f"README.md has no section {', '.join(map(repr, missing))}")
    parts = ["# caseload guide", ""]
    for title in GUIDE_SECTIONS:
        lines = [_LINK.sub(r"\1", line) for line in sections[title] if not _IMAGE.match(line)]
        parts.append("\n".join(lines).strip() + "\n")
    return "\n".join(parts)


def headings(guide: str) -> list[Heading]:
    """The "##" and "###" headings of the guide, in order (outside code blocks)."""
    found, in_code = [], False
    for line in guide.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith(("## ", "### ")):
            level = 2 if line.startswith("## ") else 3
            found.append(Heading(level, line.lstrip("#").strip()))
    return found


def _sections(readme: str) -> dict[str, list[str]]:
    """Each "##" section's lines (its heading included), keyed by its title."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_code = False
    for line in readme.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif not in_code and line.startswith("# "):
            current = None
        if current is not None:
            current.append(line)
    return sections
