"""A bundle of a case's documents as one PDF: an index, a divider for each section, the
documents in order, page numbers stamped on every page ("Page N of M", the index's numbers),
and bookmarks. The Tribunal preset orders the case file in the Tribunal's sections; or a
person picks the documents and their order. A Word file goes in through LibreOffice when the
computer has it (otherwise it is listed as not included, with why), as does anything else
that cannot be a page. Making one is audited as an export, with the bundle's sha256.

The order: the sections always come in the preset's order, one divider each. A document goes
in the section its kind belongs to (an attachment where its e-mail goes), or in the one the
person put it in. Within a section the documents come in the order they were chosen in;
with none chosen, every document, oldest first.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from sqlalchemy import select
from sqlalchemy.orm import undefer

from caseload_app.db.models import Child, Document, EhcpCase
from caseload_app.reports.bundle import (
    IndexLine,
    divider_pdf,
    image_pdf,
    index_pdf,
    stamp_pdf,
    text_pdf,
)
from caseload_app.services import libreoffice, records
from caseload_app.services.base import UserService
from caseload_app.services.documents import DocumentInfo, DocumentService
from caseload_app.services.errors import Stopped, UserError

__all__ = ["PRESETS", "Bundle", "BundleEntry", "BundleOutline", "BundleService", "Stopped"]

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXTS = ("message/rfc822", "application/vnd.ms-outlook", "text/plain", "text/html")
# A preset: its sections in order, each with the kinds of document it takes.
Sections = tuple[tuple[str, tuple[str, ...]], ...]
# The Tribunal's order for a SEND appeal bundle, and the kinds of document each section takes.
TRIBUNAL: Sections = (
    ("A. Appeal and decision", ("letter_sent",)),
    ("B. The EHC plan", ("plan_version",)),
    ("C. The family's evidence", ("advice_parent", "email", "attachment", "letter_received")),
    ("D. The council's evidence", ("consultation_response", "report", "other")),
    ("E. Expert reports", ("advice_ep", "advice_health", "advice_social_care", "advice_school")),
)
PRESETS: dict[str, Sections] = {"tribunal": TRIBUNAL}


NO_LIBREOFFICE = "a Word file needs LibreOffice on this computer to be made into pages"
CANNOT = "caseload cannot make pages of this kind of file"
# How far a bundle has got: (documents made into pages, out of).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Bundle:
    pdf: bytes
    index: tuple[IndexLine, ...]
    pages: int


@dataclass(frozen=True)
class BundleEntry:
    """A document as a bundle would take it: the preset's section for it, and why it cannot
    be made into pages on this computer ("" when it can; a damaged PDF is found only when
    the bundle is made)."""

    document: DocumentInfo
    section: str
    why_not: str = ""


@dataclass(frozen=True)
class BundleOutline:
    """What a bundle of the case would hold, for a person to pick from and put in order: the
    preset's sections in order, and the documents in them (each section oldest first)."""

    sections: tuple[str, ...]
    entries: tuple[BundleEntry, ...]


class BundleService(UserService):
    def outline(self, case_id: int, preset: str = "tribunal") -> BundleOutline:
        """The case's documents as the preset would put them in a bundle, section by section,
        oldest first, each with why it cannot go in (when it cannot)."""
        sections = _preset(preset)
        found = DocumentService(self._db, self.user, self._today, self._now).documents(case_id)
        placed = _by_kind(sections, [(d.id, d.kind, d.attached_to_id) for d in found])
        entries = [BundleEntry(d, placed[d.id], _why_not(d.media_type)) for d in found]
        order = {title: n for n, (title, _) in enumerate(sections)}
        entries.sort(key=lambda e: (order[e.section], e.document.dated, e.document.id))
        return BundleOutline(tuple(title for title, _ in sections), tuple(entries))

    def make(
        self,
        case_id: int,
        document_ids: Sequence[int] | None = None,
        preset: str = "tribunal",
        sections: Mapping[int, str] | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Bundle:
        """The case's documents (all, or those chosen, in the order chosen) as one PDF in the
        preset's sections; `sections` may put a chosen document in another of them (by its
        title). `progress` hears how many documents are read (each audited as printed); setting
        `cancel` stops it between documents, or LibreOffice in the middle, before anything is
        recorded as exported."""
        order = _preset(preset)
        with self._db.read() as s:
            case = records.load(s, EhcpCase, case_id, "case")
            child = s.get(Child, case.child_id)
            assert child is not None  # a foreign key
            rows = [
                _Doc(d.id, d.kind, d.title, d.dated, d.media_type, d.body_text, d.attached_to_id)
                for d in s.scalars(
                    select(Document)
                    .options(undefer(Document.body_text))
                    .where(Document.case_id == case_id)
                    .order_by(Document.dated, Document.id)
                )
            ]
            heading = (
                f"{child.first_name} {child.last_name}, born {child.date_of_birth:%d %b %Y}",
                f"Case {case_id} · {MARKING_LINE}",
            )
        placed = _by_kind(order, [(r.id, r.kind, r.attached_to) for r in rows])
        rows = _chosen(case_id, rows, document_ids)
        _move(placed, rows, order, sections or {}, preset)
        if not rows:
            raise UserError("There are no documents to put in a bundle.")
        titles = [title for title, _ in order]
        rows.sort(key=lambda r: titles.index(placed[r.id]))  # stable: the order within each
        docs = DocumentService(self._db, self.user, self._today, self._now)
        datas: dict[int, bytes] = {}
        for row in rows:  # each document in a bundle is printed: audited
            _stop_if(cancel)
            datas[row.id] = docs.content(row.id, "print")
            if progress is not None:
                progress(len(datas), len(rows))
        # Every Word file in one run of LibreOffice: starting it is most of the time.
        words = _words_to_pdf({r.id: datas[r.id] for r in rows if r.media_type == WORD}, cancel)
        parts: list[_Part] = []
        for row in rows:
            _stop_if(cancel)
            parts.append(_as_pdf(placed[row.id], row, datas.pop(row.id), words.get(row.id)))
        _stop_if(cancel)
        bundle = _assemble(f"{preset.capitalize()} bundle", heading, parts)
        digest = hashlib.sha256(bundle.pdf).hexdigest()
        detail = (
            f"Bundle of case {case_id}: {sum(1 for p in parts if p.pdf)} document(s), "
            f"{bundle.pages} pages (sha256 {digest})"
        )
        with self._db.uow() as s:
            named = records.Named("ehcp_case", case_id)
            records.audit(s, self.user, self._now(), "export", named, case_id, detail)
        return bundle


MARKING_LINE = "OFFICIAL-SENSITIVE: for the Tribunal and the parties only"


@dataclass(frozen=True)
class _Doc:
    id: int
    kind: str
    title: str
    dated: date
    media_type: str
    body_text: str
    attached_to: int | None = None


@dataclass(frozen=True)
class _Part:
    section: str
    title: str
    dated: date
    pdf: bytes | None
    note: str = ""


def _preset(preset: str) -> Sections:
    if preset not in PRESETS:
        raise UserError(f"A bundle's preset is one of: {', '.join(PRESETS)}.")
    return PRESETS[preset]


def _kind_section(sections: Sections, kind: str) -> str:
    """The section a kind of document goes in (the last one takes any other kind)."""
    return next((title for title, kinds in sections if kind in kinds), sections[-1][0])


def _by_kind(sections: Sections, docs: Sequence[tuple[int, str, int | None]]) -> dict[int, str]:
    """Each document's section, by (id, kind, the e-mail it is attached to): an attachment
    goes where its e-mail goes, whether the e-mail is in the bundle or not."""
    kind_of = {doc_id: kind for doc_id, kind, _ in docs}
    return {
        doc_id: _kind_section(sections, kind_of.get(mail or 0, kind)) for doc_id, kind, mail in docs
    }


def _chosen(case_id: int, rows: list[_Doc], document_ids: Sequence[int] | None) -> list[_Doc]:
    """The documents chosen, in the order chosen (each once); all of them when none are."""
    if document_ids is None:
        return rows
    by_id = {r.id: r for r in rows}
    wanted = list(dict.fromkeys(document_ids))
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise UserError(f"Case {case_id} has no document {min(missing)}.")
    return [by_id[i] for i in wanted]


def _move(
    placed: dict[int, str],
    rows: list[_Doc],
    sections: Sections,
    moved: Mapping[int, str],
    preset: str,
) -> None:
    """Put the documents the person moved into the sections they chose."""
    titles = [title for title, _ in sections]
    chosen = {r.id for r in rows}
    for doc_id, section in moved.items():
        if section not in titles:
            raise UserError(f"A {preset} bundle's sections are: {'; '.join(titles)}.")
        if doc_id not in chosen:
            raise UserError(f"Document {doc_id} is not in the bundle, so it has no section.")
        placed[doc_id] = section


def _stop_if(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Stopped("Stopped: no bundle was made.")


def _why_not(media_type: str) -> str:
    """Why a kind of file cannot be made into pages on this computer ("" when it can)."""
    if media_type == "application/pdf" or media_type.startswith("image/") or media_type in TEXTS:
        return ""
    if media_type == WORD:
        return "" if libreoffice.soffice() else NO_LIBREOFFICE
    return CANNOT


def _as_pdf(section: str, row: _Doc, data: bytes, word: tuple[bytes | None, str] | None) -> _Part:
    """`word`: a Word file's pages as LibreOffice made them, or why not."""
    part = _Part(section, row.title, row.dated, None)
    if row.media_type == "application/pdf":
        pages = _readable(data)
        if pages is None:
            return _not(part, "not included: the PDF is damaged or locked with a password")
        return _Part(section, row.title, row.dated, pages)
    if row.media_type.startswith("image/"):
        try:
            return _Part(section, row.title, row.dated, image_pdf(row.title, data))
        except Exception:  # noqa: BLE001 (reportlab/PIL raise many kinds on a bad image)
            return _not(part, "not included: the image cannot be read")
    if row.media_type in TEXTS:
        return _Part(section, row.title, row.dated, text_pdf(row.title, row.body_text))
    if row.media_type == WORD and word is not None:
        converted, why = word
        if converted is not None:
            return _Part(section, row.title, row.dated, converted)
        return _not(part, f"not included: {why}")
    return _not(part, f"not included: {CANNOT}")


def _not(part: _Part, note: str) -> _Part:
    return _Part(part.section, part.title, part.dated, None, note)


def _readable(data: bytes) -> bytes | None:
    """The PDF's pages as a PDF a bundle can take: one locked only against printing or
    copying (an empty password, as NHS and EP reports often are) is opened; None when it is
    damaged or needs a password."""
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            if not reader.decrypt(""):
                return None
            writer = PdfWriter()
            for page in reader.pages:
                writer.add_page(page)
            out = BytesIO()
            writer.write(out)
            return out.getvalue()
        return data if len(reader.pages) > 0 else None
    except (PyPdfError, ValueError, OSError, NotImplementedError):
        return None


def _words_to_pdf(
    files: Mapping[int, bytes], cancel: threading.Event | None
) -> dict[int, tuple[bytes | None, str]]:
    """Word files' pages (by document id) through LibreOffice, when the computer has it, or
    why not. A file it cannot read gets no pages and says so; the others are made all the
    same."""
    if not files:
        return {}
    made = libreoffice.words_to_pdf(files, cancel)
    if made is None:
        return dict.fromkeys(files, (None, NO_LIBREOFFICE))
    cannot = "LibreOffice could not make it into pages"
    return {doc_id: (pdf, "") if pdf else (None, cannot) for doc_id, pdf in made.items()}


def _assemble(title: str, heading: Sequence[str], parts: list[_Part]) -> Bundle:
    """Index, dividers and documents, numbered through. ``parts`` come grouped by section.
    The index is laid out once to count its pages, then again with the page numbers (the
    same lines, so the same number of pages)."""
    counts = [len(PdfReader(BytesIO(p.pdf)).pages) if p.pdf else 0 for p in parts]
    draft = [IndexLine(p.section, p.title, p.dated, 0, 0, p.note) for p in parts]
    page = len(PdfReader(BytesIO(index_pdf(title, heading, draft))).pages) + 1
    lines: list[IndexLine] = []
    section = None
    for p, n in zip(parts, counts, strict=True):
        if p.section != section:
            section, page = p.section, page + 1  # its divider
        lines.append(IndexLine(p.section, p.title, p.dated, page if n else 0, page + n - 1, p.note))
        page += n
    total = page - 1
    writer = PdfWriter()
    _append(writer, index_pdf(title, heading, lines))
    section, mark = None, None
    for p, line in zip(parts, lines, strict=True):
        if p.section != section:
            section = p.section
            mark = writer.add_outline_item(title=p.section, page_number=len(writer.pages))
            _append(writer, divider_pdf(p.section))
        if p.pdf:
            writer.add_outline_item(title=p.title, page_number=line.first_page - 1, parent=mark)
            _append(writer, p.pdf)
    for number, each in enumerate(writer.pages, start=1):
        box = each.mediabox
        footer = f"{title}: {heading[0]}"
        stamp = stamp_pdf(float(box.width), float(box.height), number, total, footer)
        each.merge_page(PdfReader(BytesIO(stamp)).pages[0])
    out = BytesIO()
    writer.write(out)
    return Bundle(out.getvalue(), tuple(lines), total)


def _append(writer: PdfWriter, data: bytes) -> None:
    for each in PdfReader(BytesIO(data)).pages:
        writer.add_page(each)
