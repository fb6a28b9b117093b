"""The case file: documents added to a case (any file; an e-mail with its attachments), stored
in the database once per content (sha256), their text searched with the database's own
full-text search, and every look at one audited. Each public method is one user action, one
transaction.

A file's name comes from whoever sent it: it is kept as a label, never used as a path.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    Child,
    Disagreement,
    Document,
    EhcpCase,
    StoredFile,
)
from caseload_app.domain.access import Can
from caseload_app.domain.documents import KINDS, kind_label
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.document_files import Email, extract_text, read_email, sniff
from caseload_app.services.errors import FieldErrors, UserError

__all__ = [
    "LOOKS",
    "DocumentInfo",
    "DocumentService",
    "Hit",
    "NewDocument",
    "checked_bytes",
    "store_document",
    "store_file",
]

# How a person looked at a document, as the audit trail says it.
LOOKS = {"view": "viewed", "open": "opened", "download": "saved a copy of", "print": "printed"}
EMAILS = ("message/rfc822", "application/vnd.ms-outlook")
TITLE_LIMIT = 200
FROM_LIMIT = 200


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    version: int
    case_id: int
    kind: str
    title: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    dated: date
    came_from: str
    advice_request_id: int | None
    annual_review_id: int | None
    disagreement_id: int | None
    plan_version_id: int | None
    communication_id: int | None  # an issued letter's: its entry in the communication log
    attached_to_id: int | None
    added_by: str
    added_at: datetime

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class NewDocument:
    """What a person says about a file they add (the rest is found from the file)."""

    kind: str = "other"
    dated: date | None = None  # None: today, or an e-mail's own date
    came_from: str = ""
    title: str = ""  # "": the file's name (an e-mail: its subject)
    advice_request_id: int | None = None
    annual_review_id: int | None = None
    disagreement_id: int | None = None
    # The document is the advice itself: record the advice request as received on its date.
    advice_received: bool = False


@dataclass(frozen=True)
class _Part:
    """A document about to be stored: read, before the transaction."""

    data: bytes
    name: str
    media_type: str
    kind: str
    title: str
    dated: date
    came_from: str
    text: str
    attached: bool = False


@dataclass(frozen=True)
class Hit:
    document: DocumentInfo
    snippet: str  # the matching words in context, matches in [brackets]
    child_name: str = ""

    @property
    def id(self) -> int:
        return self.document.id


class DocumentService(UserService):
    # ------------------------------------------------------------------ adding
    def add_file(
        self, case_id: int, path: Path, new: NewDocument = NewDocument()
    ) -> list[DocumentInfo]:
        """A file from disk (its size checked before it is read)."""
        limit = self.max_bytes()
        try:
            size = path.stat().st_size
            if size > limit:
                raise UserError(_too_big(path.name, size, limit))
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(f"{path.name} cannot be read ({exc.strerror or exc}).") from None
        return self.add(case_id, data, path.name, new)

    def add(
        self, case_id: int, data: bytes, name: str, new: NewDocument = NewDocument()
    ) -> list[DocumentInfo]:
        """Add a file to the case: the document, and an e-mail's attachments after it. The
        file is read (its kind, its text, an e-mail's parts) before the transaction opens, so
        a long PDF keeps nobody else waiting."""
        _check_new(new)
        limit = self.max_bytes()
        if len(data) > limit:
            raise UserError(_too_big(name, len(data), limit))
        parts = self.parts_of(data, name, new)
        with self._db.uow() as s:
            self._case_to_edit(s, case_id)
            _check_links(s, case_id, new)
            rows = self.store_parts(s, case_id, parts, new)
            if new.advice_received and new.advice_request_id is not None:
                self._advice_arrived(s, new.advice_request_id, rows[0].dated)
            return [_info(r) for r in rows]

    def _advice_arrived(self, s: Session, advice_id: int, on: date) -> None:
        """The advice came as this document: received on its date, unless already recorded."""
        advice = records.load(s, AdviceRequest, advice_id, "advice request")
        if advice.received is not None:
            return
        if on < advice.received_by_adviser or on > self._today():
            raise FieldErrors(
                {
                    "dated": "To mark the advice received, the document's date must be between "
                    "the day the adviser received the request and today."
                }
            )
        now = self._now()
        records.apply(s, advice, {"received": on}, user=self.user, now=now, case_id=advice.case_id)

    def parts_of(self, data: bytes, name: str, new: NewDocument) -> list[_Part]:
        """The file as the documents it makes: itself, then an e-mail's attachments (read
        before any transaction: a long PDF's text keeps nobody waiting)."""
        found = sniff(data, name)
        if found.media_type not in EMAILS:
            text_found = extract_text(data, found).text
            title, dated = new.title or name, new.dated or self._today()
            return [_Part(data, name, found.media_type, new.kind, title, dated, new.came_from,
                          text_found)]  # fmt: skip
        mail = read_email(data, found)
        dated = new.dated or (mail.date.date() if mail.date else self._today())
        came_from = new.came_from or mail.sender
        body = _mail_text(mail)
        kind = new.kind if new.kind != "other" else "email"
        parts = [_Part(data, name, found.media_type, kind, new.title or mail.subject or name,
                       dated, came_from, body)]  # fmt: skip
        for attached_name, attached in mail.attachments:
            inner = sniff(attached, attached_name)
            parts.append(
                _Part(attached, attached_name, inner.media_type, "attachment", attached_name,
                      dated, came_from, extract_text(attached, inner).text, attached=True)
            )  # fmt: skip
        return parts

    def store_parts(
        self, s: Session, case_id: int, parts: list[_Part], new: NewDocument
    ) -> list[Document]:
        """The parts read by `parts_of`, stored in the caller's transaction (an e-mail sent
        from caseload is kept so, with its attachments, in the transaction that logs it)."""
        rows: list[Document] = []
        for part in parts:
            links = {} if part.attached else _links(new)
            rows.append(
                store_document(
                    s,
                    self.user,
                    self._now(),
                    case_id,
                    part.data,
                    part.name,
                    part.media_type,
                    kind=part.kind,
                    title=part.title,
                    dated=part.dated,
                    came_from=part.came_from,
                    body_text=part.text,
                    attached_to_id=rows[0].id if part.attached else None,
                    **links,
                )  # fmt: skip
            )
        return rows

    def max_bytes(self) -> int:
        """The largest document the council takes (Settings), in bytes."""
        from caseload_app.services.settings import TeamSettingsService

        return TeamSettingsService(self._db, self.user).document_max_mb() * 1024 * 1024

    # ------------------------------------------------------------------ reading
    def documents(self, case_id: int) -> list[DocumentInfo]:
        """The case's documents, the newest first (an e-mail's attachments after it)."""
        with self._db.read() as s:
            records.load(s, EhcpCase, case_id, "case")
            rows = s.scalars(
                select(Document)
                .where(Document.case_id == case_id)
                .order_by(Document.dated.desc(), Document.id)
            )
            return [_info(r) for r in rows]

    def content(self, document_id: int, look: str = "view") -> bytes:
        """A document's bytes, for a person to see (``look``: view, open, download, print);
        audited with the file's sha256 before the bytes are handed over."""
        if look not in LOOKS:
            raise UserError(f"A document is looked at by one of {', '.join(LOOKS)}.")
        with self._db.uow() as s:
            row = records.load(s, Document, document_id, "document")
            data = checked_bytes(s, row)
            detail = f"{self.user} {LOOKS[look]} {row.title!r} (sha256 {row.sha256})"
            records.audit(s, self.user, self._now(), look, row, row.case_id, detail)
            return data

    def preview(self, document_id: int) -> tuple[bytes, str]:
        """A document's bytes and the text found in it, to show in the window (one look,
        audited as a view)."""
        data = self.content(document_id, "view")
        with self._db.read() as s:
            return data, s.scalar(
                select(Document.body_text).where(Document.id == document_id)
            ) or ""

    def search(self, words: str, case_id: int | None = None, limit: int = 50) -> list[Hit]:
        """Documents whose title or text hold every word: a case's newest first, every case's
        best first (only for someone who may see every case's work: a team lead)."""
        query = _fts_query(words)
        if not query:
            raise UserError("Type a word to search for.")
        with self._db.uow() as s:  # a search shows children's documents: it is audited
            if case_id is None:
                self._require(s, Can.EDIT_ANY)
            if self._db.is_sqlite:
                found = _search_sqlite(s, query, case_id, limit)
            else:
                found = _search_pg(s, words, case_id, limit)
            named = (
                select(Document, Child.first_name, Child.last_name)
                .join(EhcpCase, Document.case_id == EhcpCase.id)
                .join(Child, EhcpCase.child_id == Child.id)
                .where(Document.id.in_([i for i, _ in found]))
            )
            rows = {d.id: (d, f"{first} {last}") for d, first, last in s.execute(named)}
            hits = [
                Hit(_info(rows[i][0]), snippet, rows[i][1]) for i, snippet in found if i in rows
            ]
            where = f"case {case_id}" if case_id else "every case"
            detail = f"Searched the documents of {where}: {len(hits)} found"
            searched = records.Named("document", None)
            records.audit(s, self.user, self._now(), "search", searched, case_id, detail)
            return hits


def checked_bytes(s: Session, row: Document) -> bytes:
    """A document's bytes, refused unless they are still the ones added (their sha256). The
    caller audits the look before handing them over."""
    data = s.scalar(select(StoredFile.data).where(StoredFile.sha256 == row.sha256))
    if data is None:
        raise UserError(f"The file of {row.title!r} is missing from the database.")
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise UserError(
            f"The file of {row.title!r} is not the one added (its sha256 differs): "
            "it has been changed in the database. Restore it from a backup."
        )
    return bytes(data)


def store_document(
    s: Session,
    user: str,
    now: datetime,
    case_id: int,
    data: bytes,
    name: str,
    media_type: str,
    *,
    kind: str,
    title: str,
    dated: date,
    came_from: str = "",
    body_text: str = "",
    advice_request_id: int | None = None,
    annual_review_id: int | None = None,
    disagreement_id: int | None = None,
    plan_version_id: int | None = None,
    communication_id: int | None = None,
    attached_to_id: int | None = None,
) -> Document:
    """Add a document in the caller's transaction (its bytes stored once per content), audited
    with its sha256."""
    digest = store_file(s, data, now)
    row = Document(
        case_id=case_id,
        kind=kind,
        title=_one_line(title, TITLE_LIMIT) or "Untitled",
        file_name=_one_line(name, 255) or "file",
        media_type=media_type,
        sha256=digest,
        size=len(data),
        dated=dated,
        came_from=_one_line(came_from, FROM_LIMIT),
        body_text=body_text,
        advice_request_id=advice_request_id,
        annual_review_id=annual_review_id,
        disagreement_id=disagreement_id,
        plan_version_id=plan_version_id,
        communication_id=communication_id,
        attached_to_id=attached_to_id,
        created_by=user,
        created_at=now,
        updated_by=user,
        updated_at=now,
    )
    detail = (
        f"Document added: {row.title!r}, {kind_label(kind)}, {len(data):,} bytes (sha256 {digest})"
    )
    records.create(s, row, user=user, now=now, case_id=case_id, detail=detail)
    return row


def file_text(data: bytes, name: str) -> str:
    """The text a file is searched by, as when it is added: an e-mail's subject, sender and
    body (its attachments are documents of their own), any other file's words."""
    found = sniff(data, name)
    if found.media_type in EMAILS:
        return _mail_text(read_email(data, found))
    return extract_text(data, found).text


def plan_words(content: str) -> str:
    """The text an issued plan's files are searched by: every piece of text in the plan's
    JSON, in order."""
    return "\n".join(_strings(json.loads(content)))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


def store_file(s: Session, data: bytes, now: datetime) -> str:
    """Keep a file's bytes, once per content, in the caller's transaction; returns their
    sha256 (what a document, or an e-mail in the outbox, holds them by)."""
    digest = hashlib.sha256(data).hexdigest()
    # Stored once: the same bytes added again (or held by a document in the trash, which a
    # team database does not let this person see) are already there.
    if s.get_bind().dialect.name == "sqlite":
        s.execute(
            sqlite_insert(StoredFile)
            .values(sha256=digest, size=len(data), data=data, created_at=now)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
    else:  # the server checks who may, and that the bytes are their sha256's
        s.execute(text("SELECT caseload_store_file(:sha, :data)"), {"sha": digest, "data": data})
    return digest


# ---------------------------------------------------------------------- helpers
def _mail_text(mail: Email) -> str:
    return "\n".join(p for p in (mail.subject, mail.sender, mail.body) if p)


LINKS = (
    ("advice_request_id", AdviceRequest, "advice request"),
    ("annual_review_id", AnnualReview, "annual review"),
    ("disagreement_id", Disagreement, "disagreement"),
)


def _check_links(s: Session, case_id: int, new: NewDocument) -> None:
    """What the document is linked to must be on the same case."""
    for field_name, model, what in LINKS:
        linked = getattr(new, field_name)
        if linked is not None and records.load(s, model, linked, what).case_id != case_id:
            raise UserError(f"That {what} belongs to another case.")
    if new.advice_received and new.advice_request_id is None:
        raise UserError("Choose the advice request this document answers, to mark it received.")


def _links(new: NewDocument) -> dict[str, int | None]:
    return {field_name: getattr(new, field_name) for field_name, _, _ in LINKS}


def _check_new(new: NewDocument) -> None:
    errors = {}
    if new.kind not in KINDS:
        errors["kind"] = f"A document's kind is one of: {', '.join(KINDS.values())}."
    if len(new.title) > TITLE_LIMIT:
        errors["title"] = f"A title is at most {TITLE_LIMIT} characters."
    if len(new.came_from) > FROM_LIMIT:
        errors["came_from"] = f"'From' is at most {FROM_LIMIT} characters."
    if errors:
        raise FieldErrors(errors)


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {size / 1024 / 1024:,.1f} MB: the most a document may be is "
        f"{limit // 1024 // 1024} MB."
    )


def _one_line(value: str, limit: int) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()[:limit]


_WORD = re.compile(r"\w+", re.UNICODE)


def _fts_query(words: str) -> str:
    """Each word quoted, so nothing a person types is read as FTS5 syntax."""
    return " ".join(f'"{w}"' for w in _WORD.findall(words)[:20])


# One case's few documents are read first and shown newest first: ranking them by relevance
# would make FTS5 weigh every matching document of every case (a common word: 300 ms at
# 500,000 documents against 1 ms). Across cases the best matches come first.
SQLITE_CASE_SEARCH = (
    "SELECT d.id, snippet(document_search, 1, '[', ']', '…', 12) "
    "FROM document d CROSS JOIN document_search ON document_search.rowid = d.id "
    "WHERE document_search MATCH :q AND d.case_id = :case "
    "ORDER BY d.dated DESC, d.id DESC LIMIT :n"
)
SQLITE_ALL_SEARCH = (
    "SELECT d.id, snippet(document_search, 1, '[', ']', '…', 12) "
    "FROM document_search JOIN document d ON d.id = document_search.rowid "
    "WHERE document_search MATCH :q ORDER BY rank LIMIT :n"
)


def _search_sqlite(s: Session, query: str, case_id: int | None, limit: int):
    sql = SQLITE_CASE_SEARCH if case_id else SQLITE_ALL_SEARCH
    return list(s.execute(text(sql), {"q": query, "case": case_id, "n": limit}))


# The same expression as migration 0020's index, so the index serves the search.
PG_SEARCH = (
    "to_tsvector('english', coalesce(title, '') || ' ' || left(coalesce(body_text, ''), 300000))"
)


def _search_pg(s: Session, words: str, case_id: int | None, limit: int):
    order = "d.dated DESC, d.id DESC" if case_id else f"ts_rank({PG_SEARCH}, q) DESC, d.id"
    sql = (
        "SELECT d.id, ts_headline('english', left(d.body_text, 300000), q, "
        "'StartSel=[, StopSel=], MaxWords=18, MinWords=6, MaxFragments=1') "
        f"FROM document d, plainto_tsquery('english', :q) q WHERE {PG_SEARCH} @@ q"
        + (" AND d.case_id = :case" if case_id else "")
        + f" ORDER BY {order} LIMIT :n"
    )
    return list(s.execute(text(sql), {"q": words, "case": case_id, "n": limit}))


def _info(row: Document) -> DocumentInfo:
    return DocumentInfo(
        row.id,
        row.version,
        row.case_id,
        row.kind,
        row.title,
        row.file_name,
        row.media_type,
        row.size,
        row.sha256,
        row.dated,
        row.came_from,
        row.advice_request_id,
        row.annual_review_id,
        row.disagreement_id,
        row.plan_version_id,
        row.communication_id,
        row.attached_to_id,
        row.created_by,
        row.created_at,
    )
