"""What a document or e-mail on the case file really is, its text for searching, and an
e-mail's parts. Pure reading of bytes: no database, no window.

A file is known by its content, never by the name it came with: a Word file called
report.pdf is stored as a Word file and the person is told so (Sniffed.mismatch). Every
failure is a sentence naming the file. Files come from outside the council (parents,
schools, e-mail), so every parser here meets hostile bytes: extract_text never raises, and
sniff and read_email raise only UserError."""

from __future__ import annotations

import email
import email.header
import email.utils
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from io import BytesIO

from caseload_app.services.errors import UserError

__all__ = [
    "MAX_TEXT_CHARS",
    "Email",
    "Extracted",
    "Sniffed",
    "extract_text",
    "html_to_text",
    "read_email",
    "rtf_to_text",
    "safe_file_name",
    "sniff",
]

MAX_TEXT_CHARS = 2_000_000  # about 600 pages of close type: enough to find any case's words
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # a .docx that unpacks to more is a zip bomb
MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class Sniffed:
    """What a file is by its content: `name` is the name it came with (used in messages),
    `extension` the one that fits (".pdf"; "" when none does), `mismatch` a sentence when
    the name says otherwise ("" when it agrees)."""

    name: str
    media_type: str
    label: str
    extension: str
    mismatch: str = ""


@dataclass(frozen=True)
class Extracted:
    """The text to search (no NULs, at most MAX_TEXT_CHARS) and, when the text is missing
    or incomplete, a sentence saying why ("" when all is well)."""

    text: str
    problem: str = ""


@dataclass(frozen=True)
class Email:
    subject: str
    sender: str
    to: str
    cc: str
    date: datetime | None
    body: str
    attachments: tuple[tuple[str, bytes], ...]  # (safe file name, content)


@dataclass(frozen=True)
class _Kind:
    media_type: str
    label: str
    phrase: str  # as in "… is a Word document, not a PDF"
    extensions: tuple[str, ...]  # the first is the one that fits

    def sniffed(self, name: str) -> Sniffed:
        return Sniffed(name, self.media_type, self.label, self.extension, _mismatch(name, self))

    @property
    def extension(self) -> str:
        return self.extensions[0] if self.extensions else ""


_OOXML = "application/vnd.openxmlformats-officedocument"
PDF = _Kind("application/pdf", "PDF", "a PDF", (".pdf",))
DOCX = _Kind(
    f"{_OOXML}.wordprocessingml.document",
    "Word document",
    "a Word document",
    (".docx", ".docm", ".dotx", ".dotm"),
)
XLSX = _Kind(
    f"{_OOXML}.spreadsheetml.sheet", "Excel workbook", "an Excel workbook", (".xlsx", ".xlsm")
)
PPTX = _Kind(
    f"{_OOXML}.presentationml.presentation",
    "PowerPoint presentation",
    "a PowerPoint presentation",
    (".pptx", ".ppsx"),
)
ODT = _Kind(
    "application/vnd.oasis.opendocument.text",
    "OpenDocument text",
    "an OpenDocument text",
    (".odt",),
)
ODS = _Kind(
    "application/vnd.oasis.opendocument.spreadsheet",
    "OpenDocument spreadsheet",
    "an OpenDocument spreadsheet",
    (".ods",),
)
ZIP = _Kind("application/zip", "Zip archive", "a zip archive", (".zip",))
BROKEN_ZIP = _Kind("application/zip", "Damaged zip-based file", "a damaged zip-based file", ())
MSG = _Kind("application/vnd.ms-outlook", "E-mail (Outlook)", "an Outlook e-mail", (".msg",))
EML = _Kind("message/rfc822", "E-mail", "an e-mail", (".eml",))
DOC = _Kind("application/msword", "Word 97-2003 document", "an old Word document", (".doc", ".dot"))
XLS = _Kind(
    "application/vnd.ms-excel", "Excel 97-2003 workbook", "an old Excel workbook", (".xls",)
)
PPT = _Kind(
    "application/vnd.ms-powerpoint",
    "PowerPoint 97-2003 presentation",
    "an old PowerPoint presentation",
    (".ppt", ".pps"),
)
LOCKED_OFFICE = _Kind(
    "application/x-ole-storage",
    "Password-protected Office document",
    "a password-protected Office document",
    (),
)
OLE = _Kind(
    "application/x-ole-storage", "Office 97-2003 file", "an older Microsoft Office file", ()
)
PNG = _Kind("image/png", "Image (PNG)", "a PNG image", (".png",))
JPEG = _Kind("image/jpeg", "Image (JPEG)", "a JPEG photo", (".jpg", ".jpeg", ".jpe", ".jfif"))
GIF = _Kind("image/gif", "Image (GIF)", "a GIF image", (".gif",))
TIFF = _Kind("image/tiff", "Image (TIFF)", "a TIFF image", (".tif", ".tiff"))
RTF = _Kind("application/rtf", "Rich Text document", "a Rich Text document", (".rtf",))
HTML = _Kind("text/html", "Web page", "a web page", (".html", ".htm"))
TEXT = _Kind(
    "text/plain", "Plain text", "plain text", (".txt", ".text", ".csv", ".tsv", ".log", ".md")
)
EMPTY = _Kind("application/x-empty", "Empty file", "an empty file", ())
UNKNOWN = _Kind(
    "application/octet-stream",
    "Unknown kind of file",
    "a kind of file this program does not know",
    (),
)

_KINDS = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ZIP, MSG, EML, DOC, XLS, PPT, PNG, JPEG, GIF, TIFF)
_BY_EXTENSION = {ext: kind for kind in (*_KINDS, RTF, HTML, TEXT) for ext in kind.extensions}
_ZIP_BASED = (DOCX, XLSX, PPTX, ODT, ODS, ZIP)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- What a file is ---------------------------------------------------------------------


def sniff(data: bytes, name: str) -> Sniffed:
    """What the bytes are, whatever the name says; `name` is only compared and quoted."""
    return _kind_of(data).sniffed(name)


def _kind_of(data: bytes) -> _Kind:
    if not data:
        return EMPTY
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if data.startswith(_OLE_MAGIC):
        return _ole_kind(data)
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if b"%PDF-" in data[:1024]:  # readers accept a header anywhere in the first 1 KB
        return PDF
    if _looks_like_email(data):
        return EML
    text = _decoded_text(data)
    if text is None:
        return UNKNOWN
    start = text.lstrip("\ufeff \t\r\n")[:100].lower()
    if start.startswith("{\\rtf"):
        return RTF
    if start.startswith(("<!doctype html", "<html")):
        return HTML
    return TEXT


_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)


def _zip_kind(data: bytes) -> _Kind:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            odf = b""
            if "mimetype" in names:
                with archive.open("mimetype") as entry:  # 80 bytes, however much it unpacks to
                    odf = entry.read(80)
    except Exception:  # any failure of a hostile archive means "damaged"
        return BROKEN_ZIP
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if "ppt/presentation.xml" in names:
        return PPTX
    if odf.startswith(b"application/vnd.oasis.opendocument.text"):
        return ODT
    if odf.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return ODS
    return ZIP


def _ole_kind(data: bytes) -> _Kind:
    """An OLE2 compound file is an Outlook e-mail, an old Word/Excel/PowerPoint file or a
    password-protected new one: the streams inside tell which."""
    import olefile

    try:
        # Always a file object: olefile takes short bytes for a file name to open.
        with olefile.OleFileIO(BytesIO(data)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile meets hostile bytes: any failure is "damaged"
        return OLE
    if "__properties_version1.0" in streams and any(s.startswith("__substg1.0_") for s in streams):
        return MSG
    if "WordDocument" in streams:
        return DOC
    if "Workbook" in streams or "Book" in streams:
        return XLS
    if "PowerPoint Document" in streams:
        return PPT
    if "EncryptedPackage" in streams:
        return LOCKED_OFFICE
    return OLE


_HEADER_LINE = re.compile(rb"([A-Za-z0-9-]{1,76}):[ \t]*(.*)")
_EMAIL_HEADERS = {
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"received",
    b"return-path",
    b"message-id",
    b"mime-version",
    b"delivered-to",
    b"reply-to",
    b"sender",
}


def _looks_like_email(data: bytes) -> bool:
    """RFC 822 headers from the first line: at least two an e-mail has (From:, Subject:,
    Received:, MIME-Version: …), before the blank line that ends them."""
    lines = data[:65536].splitlines()
    if lines and lines[0].startswith(b"From "):  # a message saved from an mbox
        lines = lines[1:]
    seen: set[bytes] = set()
    for number, line in enumerate(lines):
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and number:  # a folded header's next line
            continue
        match = _HEADER_LINE.fullmatch(line.rstrip(b"\r"))
        if match is None:
            return False
        seen.add(match.group(1).lower())
    return len(seen & _EMAIL_HEADERS) >= 2


_ASCII_TEXT = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _decoded_text(data: bytes) -> str | None:
    """The bytes as text when they are text: UTF-8 (or UTF-16 with its mark) without NULs,
    or Windows-1252 with no control characters (what older Windows programs save)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[2:].decode(codec)
            except UnicodeDecodeError:
                return None
            return None if "\x00" in text else text
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if re.search(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]", data):
        return None
    if len(data.translate(None, _ASCII_TEXT)) > 0.3 * len(data):
        return None  # Western text is mostly ASCII; binary data is not
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _mismatch(name: str, kind: _Kind) -> str:
    """A sentence when the name's extension means another kind of file ("" otherwise)."""
    dot = name.rfind(".")
    named = _BY_EXTENSION.get(name[dot:].lower()) if dot > 0 else None
    if named is None or named is kind or name[dot:].lower() in kind.extensions:
        return ""
    if {named, kind} <= {TEXT, HTML}:  # a web page is text, and text may be a page
        return ""
    if kind is UNKNOWN:
        return (
            f"{name} is not {named.phrase}: its content is not a kind of file this program "
            "knows, so it is stored as it is."
        )
    if kind is BROKEN_ZIP and named in _ZIP_BASED:
        return f"{name} is damaged: it starts like {named.phrase} but cannot be opened as one."
    return f"{name} is {kind.phrase}, not {named.phrase}: it is stored as what it is."


# --- Text for searching -----------------------------------------------------------------


def extract_text(data: bytes, sniffed: Sniffed) -> Extracted:
    """The words in the file, for full-text search; never raises: what could not be read is
    said in `problem`."""
    reader = _TEXT_READERS.get(sniffed.media_type)
    if reader is None:
        return Extracted("", _no_text_reason(sniffed))
    try:
        found = reader(data, sniffed)
    except Exception as exc:  # hostile bytes must not stop a file being stored
        return Extracted(
            "", f"The text of {sniffed.name} could not be read for searching ({_reason(exc)})."
        )
    text = _clean(found.text)
    if len(text) <= MAX_TEXT_CHARS:
        return Extracted(text, found.problem)
    cut = (
        f"Only the first {MAX_TEXT_CHARS:,} characters of {sniffed.name} can be searched: "
        "its text is longer."
    )
    return Extracted(text[:MAX_TEXT_CHARS], " ".join(filter(None, (found.problem, cut))))


def _no_text_reason(sniffed: Sniffed) -> str:
    if sniffed.label == BROKEN_ZIP.label:
        return (
            f"{sniffed.name} is damaged (it cannot be opened), so its text cannot be read for "
            "searching. It is stored as it is."
        )
    if sniffed.label == LOCKED_OFFICE.label:
        return (
            f"{sniffed.name} is protected by a password, so its text cannot be searched. "
            "It is stored as it is."
        )
    if sniffed.media_type.startswith("image/") or sniffed.media_type in (
        EMPTY.media_type,
        UNKNOWN.media_type,
        ZIP.media_type,
    ):
        return ""  # nothing anyone would expect to search
    return (
        f"The text of {sniffed.name} ({sniffed.label}) is not read for searching: save it as "
        "a PDF or a Word .docx to make it searchable. It is stored as it is."
    )


def _clean(text: str) -> str:
    """Text any database takes: no NULs (PostgreSQL refuses them), no lone surrogates; and
    one kind of line end."""
    text = text.replace("\x00", "").replace("\r\n", "\n")
    return text.encode("utf-8", "replace").decode("utf-8")


def _pdf_text(data: bytes, sniffed: Sniffed) -> Extracted:
    from pypdf import PdfReader  # loads only when a PDF is read

    name = sniffed.name
    damaged = f"{name} is a damaged PDF, so its text cannot be read for searching"
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            return Extracted(
                "",
                f"{name} is protected by a password, so its text cannot be read for "
                "searching. It is stored as it is.",
            )
        pages = list(reader.pages)
    except Exception as exc:  # pypdf meets hostile bytes; any failure is damage
        return Extracted("", f"{damaged} ({_reason(exc)}). It is stored as it is.")
    texts: list[str] = []
    unread = length = 0
    for page in pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception:  # one damaged page leaves the others readable
            unread += 1
            continue
        length += len(texts[-1])
        if length > MAX_TEXT_CHARS:
            break  # extract_text cuts it and says so
    text = "\n\n".join(texts)
    if unread:
        return Extracted(
            text, f"The text of {unread} of {len(pages)} pages of {name} could not be read."
        )
    if not text.strip():
        return Extracted(
            "",
            f"{name} has no text to search: its pages are pictures only (a scan, perhaps). "
            "It is stored and can be viewed, but a search will not find it.",
        )
    return Extracted(text)


def _opens_without_password(reader) -> bool:
    """Many PDFs are 'encrypted' only to stop printing or copying: they open with an empty
    password, and their text is readable."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an unsupported cipher is as good as a password
        return False


def _reason(exc: Exception) -> str:
    message = " ".join(str(exc).split())[:160]
    return message or type(exc).__name__


def _docx_text(data: bytes, sniffed: Sniffed) -> Extracted:
    from docx import Document  # python-docx loads only when a Word file is read

    damaged = f"{sniffed.name} is a damaged Word document, so its text cannot be read"
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                return Extracted("", f"{damaged}: it unpacks to an impossible size.")
            try:
                lines = list(_docx_lines(Document(BytesIO(data))))
            except Exception:  # e.g. a macro-enabled file python-docx refuses
                lines = _docx_xml_lines(archive.read("word/document.xml"))
    except Exception as exc:  # hostile XML and zips fail in many ways
        return Extracted("", f"{damaged} ({_reason(exc)}). It is stored as it is.")
    return Extracted("\n".join(lines))


def _docx_xml_lines(xml: bytes) -> list[str]:
    """The paragraphs' words straight from the XML, for a Word file python-docx will not
    open (a macro-enabled document or a template)."""
    from xml.etree import ElementTree  # expat: no external entities, no entity explosions

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = ElementTree.fromstring(xml)
    texts = ("".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p"))
    return [text for text in texts if text.strip()]


def _docx_lines(document) -> Iterator[str]:
    """Paragraphs and table cells in reading order, then the headers and footers."""
    yield from _block_lines(document)
    seen: list[object] = []
    for section in document.sections:
        for part in (section.header, section.footer):
            if part.is_linked_to_previous or any(part._element is s for s in seen):
                continue
            seen.append(part._element)
            yield from _block_lines(part)


def _block_lines(container) -> Iterator[str]:
    for item in container.iter_inner_content():
        if hasattr(item, "rows"):
            yield from _table_lines(item)
        elif item.text.strip():
            yield item.text


def _table_lines(table) -> Iterator[str]:
    seen: list[object] = []  # a merged cell repeats in every row and column it spans
    for row in table.rows:
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            yield from _block_lines(cell)


def _email_text(data: bytes, sniffed: Sniffed) -> Extracted:
    try:
        mail = read_email(data, sniffed)
    except UserError as exc:
        return Extracted("", str(exc))
    heads = [
        f"{label}: {value}"
        for label, value in (
            ("Subject", mail.subject),
            ("From", mail.sender),
            ("To", mail.to),
            ("Cc", mail.cc),
        )
        if value
    ]
    names = [name for name, _ in mail.attachments]
    tail = [f"Attachments: {', '.join(names)}"] if names else []
    return Extracted("\n".join([*heads, "", mail.body.strip(), *tail]).strip())


def _plain_text(data: bytes, sniffed: Sniffed) -> Extracted:
    return Extracted(_decoded_text(data) or "")


def _html_text(data: bytes, sniffed: Sniffed) -> Extracted:
    return Extracted(html_to_text(_decoded_text(data) or ""))


def _rtf_text(data: bytes, sniffed: Sniffed) -> Extracted:
    return Extracted(rtf_to_text(_decoded_text(data) or ""))


_TEXT_READERS = {
    PDF.media_type: _pdf_text,
    DOCX.media_type: _docx_text,
    EML.media_type: _email_text,
    MSG.media_type: _email_text,
    TEXT.media_type: _plain_text,
    HTML.media_type: _html_text,
    RTF.media_type: _rtf_text,
}


class _HtmlText(HTMLParser):
    """Visible text of a web page or an HTML e-mail: a line per block, no scripts."""

    BLOCKS = frozenset(
        ("p", "div", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr")
        + ("h1", "h2", "h3", "h4", "h5", "h6", "title", "dt", "dd")
    )
    HIDDEN = frozenset(("script", "style", "head", "template"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of HTML, a line per paragraph."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # html.parser has raised on odd markup in some versions
        text = re.sub(r"<[^>]*>", " ", html)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_RTF_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+|([^\\{}\r\n]+)",
    re.DOTALL,
)
# Groups that hold no words of the document: tables of fonts and styles, pictures, metadata.
_RTF_SKIPPED = frozenset(
    ("fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "themedata", "datastore")
    + ("colorschememapping", "latentstyles", "xmlnstbl", "listtable", "listoverridetable")
    + ("rsidtbl", "generator", "filetbl")
)
_RTF_SYMBOLS = {"~": "\u00a0", "-": "", "_": "-", "\n": "\n", "\r": "\n"}
_RTF_BREAKS = {"par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "tab": "\t", "cell": "\t"}


def rtf_to_text(rtf: str) -> str:
    """The words of a Rich Text file: control words dropped, font tables and pictures
    skipped, escaped characters (\\'e9, \\u8364?) kept."""
    out: list[str] = []
    stack: list[tuple[bool, int]] = []
    skipping, skip_after_unicode, pending = False, 1, 0
    for word, arg, hexa, symbol, brace, plain in _RTF_TOKEN.findall(rtf):
        if brace == "{":
            stack.append((skipping, skip_after_unicode))
        elif brace == "}":
            skipping, skip_after_unicode = stack.pop() if stack else (False, 1)
        elif symbol == "*":
            skipping = True
        elif word:
            if word in _RTF_SKIPPED:
                skipping = True
            elif word == "uc" and arg:
                skip_after_unicode = int(arg)
            elif word == "u" and arg and not skipping:
                out.append(chr(int(arg) % 65536))
                pending = skip_after_unicode
            elif word in _RTF_BREAKS and not skipping:
                out.append(_RTF_BREAKS[word])
        elif skipping:
            continue
        elif pending and (hexa or symbol):  # the fallback for a \u character: dropped
            pending -= 1
        elif hexa:
            out.append(bytes.fromhex(hexa).decode("cp1252", "replace"))
        elif symbol:
            out.append(_RTF_SYMBOLS.get(symbol, symbol))
        elif plain:
            out.append(plain[pending:])
            pending = max(0, pending - len(plain))
    # \u gives a character beyond the first 65536 as two halves (a surrogate pair): join them
    text = "".join(out).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- E-mails ----------------------------------------------------------------------------


def read_email(data: bytes, sniffed: Sniffed) -> Email:
    """The e-mail's heads, body and attachments (an .eml or an Outlook .msg); UserError
    naming the file when it is damaged or not an e-mail."""
    if sniffed.media_type == EML.media_type:
        return _read_eml(data, sniffed.name)
    if sniffed.media_type == MSG.media_type:
        return _read_msg(data, sniffed.name)
    raise UserError(f"{sniffed.name} is not an e-mail: it is {_phrase(sniffed)}.")


def _phrase(sniffed: Sniffed) -> str:
    for kind in (*_KINDS, LOCKED_OFFICE, OLE, BROKEN_ZIP, RTF, HTML, TEXT, EMPTY, UNKNOWN):
        if kind.media_type == sniffed.media_type and kind.label == sniffed.label:
            return kind.phrase
    return sniffed.label


def _read_eml(data: bytes, name: str) -> Email:
    try:
        message = email.message_from_bytes(data, policy=policy.default)
        if not message.keys():
            raise UserError(f"{name} is not a readable e-mail: it has no From, To or Subject.")
        body_part = _body_part(message)
        body = _part_text(body_part) if body_part is not None else ""
        attachments = tuple(
            (safe_file_name(_attachment_name(part), number), _attachment_bytes(part))
            for number, part in enumerate(_attachment_parts(message, body_part), start=1)
        )
        return Email(
            subject=_header(message, "subject"),
            sender=_header(message, "from"),
            to=_header(message, "to"),
            cc=_header(message, "cc"),
            date=_date(message),
            body=_clean(body),
            attachments=attachments,
        )
    except UserError:
        raise
    except Exception as exc:  # the e-mail package meets hostile bytes
        raise UserError(f"{name} is a damaged e-mail ({_reason(exc)}).") from None


def _header(message: Message, key: str) -> str:
    try:
        value = str(message.get(key) or "")
    except Exception:  # a malformed header falls back to its raw words
        value = _raw_header(message, key)
    return _clean(" ".join(value.split()))


def _raw_header(message: Message, key: str) -> str:
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == key), "")
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:  # an unknown charset or a broken =?…?= word
        return raw


def _date(message: Message) -> datetime | None:
    raw = _raw_header(message, "date")
    try:
        return email.utils.parsedate_to_datetime(raw) if raw.strip() else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # a date no one can read is no date


def _body_part(message: Message) -> Message | None:
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            return part
    return None


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        text = payload.decode("utf-8", "replace")
    return html_to_text(text) if part.get_content_subtype() == "html" else text


def _leaves(part: Message) -> Iterator[Message]:
    """Every part, down the tree; an attached e-mail is one part, not opened."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else ():
        if isinstance(child, Message):
            yield from _leaves(child)


def _attachment_parts(message: Message, body_part: Message | None) -> Iterator[Message]:
    for part in _leaves(message):
        if part is body_part or part is message:
            continue
        named = part.get_filename() is not None
        attached = part.get_content_disposition() == "attachment"
        alternative = part.get_content_type() in ("text/plain", "text/html")
        if named or attached or not alternative:
            yield part


def _attachment_name(part: Message) -> str:
    filename = part.get_filename()
    if filename:
        return str(filename)
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        subject = _header(inner, "subject") if isinstance(inner, Message) else ""
        plain = re.sub(r"[/\\]", "-", subject)  # a subject's slash is no folder
        return f"{plain or 'e-mail'}.eml"
    return ""


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return inner.as_bytes(policy=policy.compat32) if isinstance(inner, Message) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _read_msg(data: bytes, name: str) -> Email:
    import extract_msg  # loads only when an Outlook e-mail is read

    try:
        message = extract_msg.openMsg(BytesIO(data), strict=False)
    except Exception as exc:  # extract-msg meets hostile bytes
        raise UserError(
            f"{name} is a damaged Outlook e-mail and cannot be opened ({_reason(exc)})."
        ) from None
    try:
        return _msg_email(message)
    except Exception as exc:  # a damaged stream fails when it is read
        raise UserError(
            f"{name} is a damaged Outlook e-mail: part of it cannot be read ({_reason(exc)})."
        ) from None
    finally:
        message.close()


def _msg_email(message) -> Email:
    body = getattr(message, "body", None) or ""
    if not body.strip():
        html = getattr(message, "htmlBody", None) or b""
        body = html_to_text(html.decode("utf-8", "replace"))
    when = getattr(message, "date", None)
    return Email(
        subject=_clean(" ".join(str(getattr(message, "subject", None) or "").split())),
        sender=_clean(str(getattr(message, "sender", None) or "")),
        to=_clean(str(getattr(message, "to", None) or "")),
        cc=_clean(str(getattr(message, "cc", None) or "")),
        date=when if isinstance(when, datetime) else None,
        body=_clean(body),
        attachments=tuple(_msg_attachments(message)),
    )


def _msg_attachments(message) -> Iterator[tuple[str, bytes]]:
    for number, attachment in enumerate(getattr(message, "attachments", ()), start=1):
        data = attachment.data
        raw_name = (
            getattr(attachment, "longFilename", None)
            or getattr(attachment, "shortFilename", None)
            or getattr(attachment, "displayName", None)
            or ""
        )
        if hasattr(data, "exportBytes"):  # an e-mail attached to the e-mail
            data = data.exportBytes()
            if not raw_name.lower().endswith(".msg"):
                raw_name = f"{raw_name or 'e-mail'}.msg"
        if isinstance(data, bytes):  # a link to a file elsewhere (OneDrive…) has no bytes
            yield safe_file_name(raw_name, number), data


_WINDOWS_DEVICES = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?", re.IGNORECASE)


def safe_file_name(raw: str | None, number: int, fallback: str = "attachment") -> str:
    """A sender's name for a file (an attachment's; a document's, to write a copy) as a plain
    file name: the last part of any path, no control or invisible characters (a right-to-left
    mark can disguise 'exe'), nothing Windows refuses, no leading dots, at most
    MAX_NAME_CHARS; "<fallback>-N" when nothing is left. A name, never a path to follow."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = " ".join(name.split()).lstrip(". ").rstrip(". ")
    if _WINDOWS_DEVICES.fullmatch(name):
        name = f"_{name}"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = f"{stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip('. ')}.{ext}"
        else:
            name = name[:MAX_NAME_CHARS].rstrip(". ")
    return name or f"{fallback}-{number}"
