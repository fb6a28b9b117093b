"""Reading a council's existing plan from a Word file into plain blocks, in the file's order
(paragraphs and tables interleaved, as the reader sees them), for domain/plan_import.py to
place into sections. Any file that is not a readable .docx is refused in words."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from caseload_app.domain.plan_import import DocBlock
from caseload_app.services.errors import UserError

__all__ = ["MAX_DOCX_BYTES", "read_docx_blocks"]

MAX_DOCX_BYTES = 50 * 1024 * 1024  # a 30-page plan is well under 1 MB; pictures add a few


def read_docx_blocks(source: Path | bytes, name: str = "") -> list[DocBlock]:
    """The file's paragraphs and tables; UserError naming the file and what is wrong."""
    label = name or (source.name if isinstance(source, Path) else "the file")
    data = _bytes(source, label)
    if not data.startswith(b"PK"):
        kind = "an old Word 97-2003 .doc" if data.startswith(b"\xd0\xcf\x11\xe0") else "not"
        raise UserError(
            f"{label} is {kind} a Word .docx file"
            + (": open it in Word and save it as .docx first." if kind != "not" else ".")
        )
    from docx import Document  # python-docx loads only when a plan is imported

    try:
        document = Document(BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UserError(
            f"{label} is damaged or not a Word document ({type(exc).__name__})."
        ) from None
    return [_block(item) for item in document.iter_inner_content()]


def _bytes(source: Path | bytes, label: str) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        try:
            if source.stat().st_size > MAX_DOCX_BYTES:
                raise UserError(f"{label} is larger than {MAX_DOCX_BYTES // 2**20} MB: not a plan.")
            data = source.read_bytes()
        except OSError as exc:
            raise UserError(f"{label} cannot be read ({exc.strerror or exc}).") from None
    if len(data) > MAX_DOCX_BYTES:
        raise UserError(f"{label} is larger than {MAX_DOCX_BYTES // 2**20} MB: not a plan.")
    return data


def _block(item) -> DocBlock:
    rows = getattr(item, "rows", None)
    if rows is not None:  # a table: merged cells repeat in python-docx, so each is kept once
        return DocBlock(rows=tuple(_row_texts(row) for row in rows))
    # A paragraph naming no style has the default one (Normal): python-docx finds it by
    # scanning every style of the file, half an import's time, so it is not asked for.
    style = item._p.style and ((item.style.name if item.style is not None else "") or "")
    heading = bool(style) and style.startswith(("Heading", "Title"))
    return DocBlock(text=item.text, heading=heading)


def _row_texts(row) -> tuple[str, ...]:
    seen: list[object] = []
    texts = []
    for cell in row.cells:
        if any(cell._tc is other for other in seen):
            continue
        seen.append(cell._tc)
        texts.append(cell.text)
    return tuple(texts)
