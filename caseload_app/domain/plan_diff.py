"""What changed between two versions of a plan, section by section and item by item, with the
words that changed marked, for showing an issued version beside the one before it (and for the
amendment notice, which carries the proposed changes: Reg 22(2)).

Items are matched by their key (N1, O2, P3…), so a reworded provision shows as changed, not
as one removed and another added; Section A's contributions, which have no keys, by position.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, fields

from caseload_app.domain.plan import SECTIONS, Plan

__all__ = ["Change", "Span", "plan_diff", "word_spans"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of words: "same", "removed" (only in the old text) or "added"."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Change:
    section: str
    item: str  # "P3"; "" for a section's own text
    field: str  # "text", "how_often", … ; "" when the whole item was added or removed
    kind: str  # "added", "removed", "changed"
    before: str
    after: str

    def spans(self) -> list[Span]:
        return word_spans(self.before, self.after)


def plan_diff(old: Plan, new: Plan) -> list[Change]:
    """Every difference, in section order; an empty list when the plans say the same."""
    changes: list[Change] = []
    for section in SECTIONS:
        changes += _items(section, _keyed(old, section), _keyed(new, section))
        before, after = old.notes.get(section, ""), new.notes.get(section, "")
        if before != after:
            changes.append(_change(section, "", "notes", before, after))
    if old.not_placed != new.not_placed:
        changes.append(_change("", "", "not_placed", old.not_placed, new.not_placed))
    old_c = {f"C{i + 1}": _texts(c) for i, c in enumerate(old.comments)}
    new_c = {f"C{i + 1}": _texts(c) for i, c in enumerate(new.comments)}
    return changes + _items("comments", old_c, new_c)


def _keyed(plan: Plan, section: str) -> dict[str, dict[str, str]]:
    """The section's items as {key: {field: text}}."""
    if section == "A":
        return {f"A{i + 1}": _texts(c) for i, c in enumerate(plan.contributions)}
    if section == "E":
        return {o.key: _texts(o) for o in plan.outcomes}
    if section == "I":
        return {"": _texts(plan.placement)}
    if section == "J":
        return {"": {"personal_budget": plan.personal_budget, **_texts(plan.budget)}}
    if section == "K":
        return {a.key: _texts(a) for a in plan.advice}
    needs = {n.key: _texts(n) for n in plan.needs_in(section)}
    return needs | {p.key: _texts(p) for p in plan.provision_in(section)}


def _texts(item: object) -> dict[str, str]:
    out = {}
    for f in fields(item):  # type: ignore[arg-type]
        value = getattr(item, f.name)
        if f.name in ("key", "section"):
            continue
        if isinstance(value, tuple):
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        out[f.name] = "" if value is None else str(value)
    return out


def _items(section: str, old: dict, new: dict) -> list[Change]:
    out = []
    for key in list(old) + [k for k in new if k not in old]:
        if key not in new:
            out.append(Change(section, key, "", "removed", _whole(old[key]), ""))
        elif key not in old:
            out.append(Change(section, key, "", "added", "", _whole(new[key])))
        else:
            for name, before in old[key].items():
                after = new[key].get(name, "")
                if before != after:
                    out.append(_change(section, key, name, before, after))
    return out


def _whole(texts: dict[str, str]) -> str:
    return (
        texts.get("text")
        or texts.get("title")
        or texts.get("name")
        or " · ".join(v for v in texts.values() if v)
    )


def _change(section: str, item: str, field: str, before: str, after: str) -> Change:
    kind = "added" if not before else "removed" if not after else "changed"
    return Change(section, item, field, kind, before, after)


_TOKEN = re.compile(r"\S+|\s+")  # words and the spaces between them, each a token


def word_spans(before: str, after: str) -> list[Span]:
    """The two texts as runs of words kept, removed and added (for highlighting)."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _extend(spans, "same", "".join(b[j1:j2]))
            continue
        _extend(spans, "removed", "".join(a[i1:i2]))
        _extend(spans, "added", "".join(b[j1:j2]))
    return spans


def _extend(spans: list[Span], kind: str, text: str) -> None:
    """Add a run, joined to the last one when of the same kind."""
    if not text:
        return
    if spans and spans[-1].kind == kind:
        spans[-1] = Span(kind, spans[-1].text + text)
    else:
        spans.append(Span(kind, text))
