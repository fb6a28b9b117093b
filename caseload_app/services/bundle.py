"""A bundle of a case's documents as one PDF: an index, a divider for each section, the
documents in order, page numbers stamped on every page ("Page N of M", the index's numbers),
and bookmarks. The Tribunal preset orders the case file in the Tribunal's sections; or a
person picks the documents. A Word file goes in through LibreOffice when the computer has it
(otherwise it is listed as not included, with why), as does anything else that cannot be a
page. Making one is audited as an export, with the bundle's sha256.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from pathlib import Path

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
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import UserError

__all__ = ["PRESETS", "Bundle", "BundleService"]

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXTS = ("message/rfc822", "application/vnd.ms-outlook", "text/plain", "text/html")
# The Tribunal's order for a SEND appeal bundle, and the kinds of document each section takes.
TRIBUNAL = (
    ("A. Appeal and decision", ("letter_sent",)),
    ("B. The EHC plan", ("plan_version",)),
    ("C. The family's evidence", ("advice_parent", "email", "attachment", "letter_received")),
    ("D. The council's evidence", ("consultation_response", "report", "other")),
    ("E. Expert reports", ("advice_ep", "advice_health", "advice_social_care", "advice_school")),
)
PRESETS = {"tribunal": TRIBUNAL}


@dataclass(frozen=True)
class Bundle:
    pdf: bytes
    index: tuple[IndexLine, ...]
    pages: int


class BundleService(UserService):
    def make(
        self,
        case_id: int,
        document_ids: Sequence[int] | None = None,
        preset: str = "tribunal",
    ) -> Bundle:
        """The case's documents (all, or those chosen, in the preset's sections) as one PDF."""
        if preset not in PRESETS:
            raise UserError(f"A bundle's preset is one of: {', '.join(PRESETS)}.")
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
        if document_ids is not None:
            chosen = set(document_ids)
            missing = chosen - {r.id for r in rows}
            if missing:
                raise UserError(f"Case {case_id} has no document {min(missing)}.")
            rows = [r for r in rows if r.id in chosen]
        if not rows:
            raise UserError("There are no documents to put in a bundle.")
        docs = DocumentService(self._db, self.user, self._today, self._now)
        parts = self._parts(docs, rows, PRESETS[preset])
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

    def _parts(self, docs: DocumentService, rows: list[_Doc], sections) -> list[_Part]:
        """Each document as PDF pages (or why not), in the sections' order; an attachment
        goes where its e-mail goes."""
        kind_of = {r.id: r.kind for r in rows}
        rows = [
            replace(r, kind=kind_of.get(r.attached_to, r.kind)) if r.attached_to else r
            for r in rows
        ]
        placed: list[_Part] = []
        for section, kinds in sections:
            for row in rows:
                if row.kind in kinds:
                    placed.append(_as_pdf(docs, section, row))
        left = [r for r in rows if not any(r.kind in k for _, k in sections)]
        placed += [_as_pdf(docs, sections[-1][0], r) for r in left]
        return placed


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


def _as_pdf(docs: DocumentService, section: str, row: _Doc) -> _Part:
    data = docs.content(row.id, "print")  # each document in a bundle is printed: audited
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
    if row.media_type == WORD:
        converted, why = _word_to_pdf(data)
        if converted is not None:
            return _Part(section, row.title, row.dated, converted)
        return _not(part, f"not included: {why}")
    return _not(part, "not included: caseload cannot make pages of this kind of file")


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


def _word_to_pdf(data: bytes) -> tuple[bytes | None, str]:
    """A Word file's pages through LibreOffice, when the computer has it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None, "a Word file needs LibreOffice on this computer to be made into pages"
    with tempfile.TemporaryDirectory(prefix="caseload-bundle-") as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(data)
        profile = (Path(folder) / "profile").as_uri()
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                 "pdf", "--outdir", folder, str(source)],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            return (Path(folder) / "document.pdf").read_bytes(), ""
        except (subprocess.SubprocessError, OSError):
            return None, "LibreOffice could not make it into pages"


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
