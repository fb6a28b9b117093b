"""The SEN2 return written out: XML in the module structure of the DfE's specification
(domain/sen2.py gives the element names and order), or a CSV of one row per request for
checking in a spreadsheet. Both are written atomically and streamed (a return of 50,000
children is never held as a document tree); `before_publish(sha256)` runs once the bytes are
written and before the file appears, so the caller can record the export first."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from caseload_app.batch import no_cycle_collection
from caseload_app.domain import sen2
from caseload_app.files import atomic_open
from caseload_app.reports.csv_export import neutralise

Publish = Callable[[str], None]


class _Hashing(io.RawIOBase):
    """Bytes on their way to the file, hashed as they pass."""

    def __init__(self, out) -> None:
        self._out, self.hash = out, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self._out.write(data)
        self.hash.update(data)
        return len(data)


def cell(value: object) -> str:
    """A value as SEN2 writes it: dates YYYY-MM-DD, date-times to the second, yes/no 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_xml(built: sen2.Sen2Return, path: Path, before_publish: Publish | None = None) -> None:
    with no_cycle_collection(), atomic_open(Path(path), "wb") as fh:
        raw = _Hashing(fh)
        for chunk in xml_chunks(built):
            raw.write(chunk.encode("utf-8"))
        if before_publish is not None:
            before_publish(raw.hash.hexdigest())


PERSONS_PER_CHUNK = 500  # about 800 KB of XML written at a time


def xml_chunks(built: sen2.Sen2Return) -> Iterator[str]:
    """The document as text, a few hundred children at a time. Written by hand rather than
    through xml.sax's XMLGenerator (a method call per tag, four times the time): two spaces
    a level, every element on its own line, the text of each item escaped."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', "\n<Message>", "\n  <Header>"]
    out.append("\n    <CollectionDetails>")
    for element, value in built.header.collection_items():
        _leaf(out, 3, element, value)
    out.append("\n    </CollectionDetails>")
    _module(out, 2, built.header, "Source")
    out += ["\n  </Header>", "\n  <Persons>"]
    for n, person in enumerate(built.persons, start=1):
        _module(out, 2, person)
        if n % PERSONS_PER_CHUNK == 0:
            yield "".join(out)
            out = []
    out += ["\n  </Persons>", "\n</Message>", "\n"]
    yield "".join(out)


_PAD = tuple("\n" + "  " * depth for depth in range(16))


def _module(out: list[str], depth: int, module: sen2.Module, name: str = "") -> None:
    tag, pad, inner = name or module.NAME, _PAD[depth], _PAD[depth + 1]
    out.append(f"{pad}<{tag}>")
    for element, attribute in module.ELEMENTS:
        value = getattr(module, attribute)
        if value is None or value == "":
            continue
        as_text = _AS_TEXT.get(type(value))
        if as_text is not None:
            out.append(f"{inner}<{element}>{as_text(value)}</{element}>")
        elif isinstance(value, tuple):
            for part in value:
                _module(out, depth + 1, part)
        elif isinstance(value, sen2.Module):
            _module(out, depth + 1, value)
        else:
            _leaf(out, depth + 1, element, value)
    out.append(f"{pad}</{tag}>")


def _leaf(out: list[str], depth: int, element: str, value: object) -> None:
    text = cell(value)
    if isinstance(value, str):  # dates, numbers and yes/no need no escaping
        text = escape(text)
    out.append(f"{_PAD[depth]}<{element}>{text}</{element}>")


# The usual values' text as cell() and _leaf() make it, looked up by type: over a million
# items at 50,000 children. Only text is escaped.
_AS_TEXT: dict[type, Callable[[Any], str]] = {
    str: escape,
    int: str,
    bool: lambda value: "1" if value else "0",
    date: date.isoformat,
}


# --------------------------------------------------------------------------- CSV
PLAN_DETAILS = 2  # a plan names at most two settings (PlacementRank 1 and 2)
PLACEMENTS = 3  # the year's placements shown, latest first; the XML carries them all


def _flat(module: type[sen2.Module], prefix: str = "") -> list[str]:
    return [
        f"{prefix}{element}" for element, attribute in module.ELEMENTS if element not in _NESTED
    ]


_NESTED = {"Requests", "Assessment", "NamedPlan", "PlanDetail", "ActivePlans",
           "PlacementDetail", "SENneed"}  # fmt: skip


def csv_header() -> list[str]:
    header = ["ChildID", "CaseID", *_flat(sen2.Person), *_flat(sen2.Request)]
    header += _flat(sen2.Assessment) + _flat(sen2.NamedPlan)
    for n in range(1, PLAN_DETAILS + 1):
        header += _flat(sen2.PlanDetail, f"PlanDetail{n}_")
    header += _flat(sen2.ActivePlans)
    for n in range(1, PLACEMENTS + 1):
        header += _flat(sen2.Setting, f"Placement{n}_")
    header += ["SENtype1", "SENtype2"]
    return header


def csv_rows(built: sen2.Sen2Return) -> Iterator[list[str]]:
    for person in built.persons:
        for request in person.requests:
            yield _row(person, request)


def _values(module: sen2.Module | None, kind: type[sen2.Module]) -> list[str]:
    attributes = _FLAT_ATTRIBUTES[kind]
    if module is None:
        return [""] * len(attributes)
    values = [getattr(module, attribute) for attribute in attributes]
    return ["" if value is None else cell(value) for value in values]


# Each module's own items (not the modules nested in it), found once: the CSV has 47,000
# rows of about 90 at 50,000 children.
_FLAT_ATTRIBUTES: dict[type[sen2.Module], list[str]] = {
    kind: [attribute for element, attribute in kind.ELEMENTS if element not in _NESTED]
    for kind in (sen2.Person, sen2.Request, sen2.Assessment, sen2.NamedPlan, sen2.PlanDetail,
                 sen2.ActivePlans, sen2.Setting)
}  # fmt: skip


def _padded(modules, kind: type[sen2.Module], n: int) -> list[str]:
    out: list[str] = []
    for i in range(n):
        out += _values(modules[i] if i < len(modules) else None, kind)
    return out


def _row(person: sen2.Person, request: sen2.Request) -> list[str]:
    assessment = request.assessment
    plan = assessment.plan if assessment is not None else None
    active = request.active
    placements = sorted(
        active.placements if active else (), key=lambda p: p.entry_date or date.min, reverse=True
    )
    needs = [n.sen_type or "" for n in active.needs] if active else []
    return [
        str(person.child_id),
        str(request.case_id),
        *_values(person, sen2.Person),
        *_values(request, sen2.Request),
        *_values(assessment, sen2.Assessment),
        *_values(plan, sen2.NamedPlan),
        *_padded(plan.details if plan else (), sen2.PlanDetail, PLAN_DETAILS),
        *_values(active, sen2.ActivePlans),
        *_padded(placements, sen2.Setting, PLACEMENTS),
        *(needs + ["", ""])[:2],
    ]


def write_csv_rows(
    built: sen2.Sen2Return, path: Path, before_publish: Publish | None = None
) -> None:
    with no_cycle_collection(), atomic_open(Path(path), "wb") as fh:
        raw = _Hashing(fh)
        text = io.TextIOWrapper(
            io.BufferedWriter(raw), encoding="utf-8-sig", newline="", write_through=True
        )
        writer = csv.writer(text)
        writer.writerow(csv_header())
        for row in csv_rows(built):
            writer.writerow([neutralise(v) for v in row])
        text.flush()
        text.detach()
        if before_publish is not None:
            before_publish(raw.hash.hexdigest())
