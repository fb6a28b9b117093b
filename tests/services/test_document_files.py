"""Documents and e-mails on the case file, read from real files the tests write themselves
(PDFs with reportlab, Word files with python-docx, e-mails with the email package, images
with zlib or Pillow) and two real Outlook e-mails from Apache POI (tests/fixtures/outlook):
each known by its content, whatever its name says; its text found for searching; every
failure a sentence naming the file, never a traceback."""

from __future__ import annotations

import os
import struct
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from caseload_app.services.document_files import (
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    Email,
    Extracted,
    Sniffed,
    extract_text,
    read_email,
    rtf_to_text,
    safe_file_name,
    sniff,
)
from caseload_app.services.errors import UserError

OUTLOOK = Path(__file__).resolve().parent.parent / "fixtures" / "outlook"
SENT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


# --- Files the tests write -------------------------------------------------------------


def make_pdf(*pages: str, text: bool = True) -> bytes:
    """A PDF a page per string (drawn as text), each with a filled box; with text=False the
    boxes only, as a scan has no text."""
    buffer = BytesIO()
    sheet = canvas.Canvas(buffer)
    for words in pages:
        if text:
            sheet.drawString(72, 720, words)
        sheet.rect(72, 500, 200, 100, fill=1)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def locked(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.encrypt(user_password, owner_password, algorithm="AES-256")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    document = Document()
    document.add_paragraph("Advice from the educational psychologist for Zoë Brontë")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "Outcome"
    table.rows[0].cells[1].text = "Provision"
    table.rows[1].cells[0].text = "Reads aloud with confidence"
    table.rows[1].cells[1].text = "Daily phonics in a small group"
    document.sections[0].header.paragraphs[0].text = "OFFICIAL-SENSITIVE"
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG: signature, header, one compressed image chunk, end."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + b"\xc0\x10\x10" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pillow_image(kind: str) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 3), (200, 20, 20)).save(buffer, format=kind)
    return buffer.getvalue()


def make_eml(*, attachments: tuple[tuple[str, bytes], ...] = (), html: bool = True) -> bytes:
    message = EmailMessage()
    message["From"] = "Ann Clerk <ann.clerk@council.example>"
    message["To"] = "Ben Officer <ben.officer@council.example>"
    message["Cc"] = "Head Teacher <head@school.example>"
    message["Subject"] = "Draft plan for Zoë: comments"
    message["Date"] = format_datetime(SENT)
    message.set_content("Please find the parents' comments attached.\nKind regards, Ann")
    if html:
        message.add_alternative(
            "<html><body><p>Please find the <b>parents' comments</b> attached.</p></body></html>",
            subtype="html",
        )
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


def make_html_only_eml() -> bytes:
    message = EmailMessage()
    message["From"] = "school.office@school.example"
    message["To"] = "send.team@council.example"
    message["Subject"] = "Attendance figures"
    message["MIME-Version"] = "1.0"
    message.set_content(
        "<!DOCTYPE html><html><head><title>x</title><style>p {color: red}</style>"
        "<script>var secret = 'never shown';</script></head><body>"
        "<h1>Attendance &amp; exclusions</h1><p>Attendance this term: 87&nbsp;%</p>"
        "<table><tr><td>Autumn</td><td>91 %</td></tr></table></body></html>",
        subtype="html",
    )
    return message.as_bytes()


def outlook(name: str) -> bytes:
    return (OUTLOOK / name).read_bytes()


def read(data: bytes, name: str) -> tuple[Sniffed, Extracted]:
    sniffed = sniff(data, name)
    return sniffed, extract_text(data, sniffed)


# --- PDFs -------------------------------------------------------------------------------


def test_a_pdf_is_known_and_the_text_of_every_page_found():
    sniffed, found = read(make_pdf("Annual review for Zoe Bronte", "Section F: speech"), "a.pdf")
    assert (sniffed.media_type, sniffed.label) == ("application/pdf", "PDF")
    assert sniffed.extension == ".pdf"
    assert sniffed.mismatch == ""
    assert "Annual review for Zoe Bronte" in found.text
    assert "Section F: speech" in found.text
    assert found.problem == ""


def test_a_pdf_of_pictures_only_has_no_text_and_says_so():
    sniffed, found = read(make_pdf("never drawn", text=False), "scan.pdf")
    assert sniffed.label == "PDF"
    assert found.text == ""
    assert "scan.pdf has no text to search" in found.problem


@pytest.mark.parametrize("kept", [0.1, 0.5, 0.9, 0.98])
def test_a_damaged_pdf_says_so_and_names_the_file(kept):
    whole = make_pdf("Annual review")
    sniffed, found = read(whole[: int(len(whole) * kept)], "review.pdf")
    assert sniffed.label == "PDF"
    assert found.text == ""
    assert found.problem.startswith("review.pdf is a damaged PDF")


def test_a_pdf_locked_with_a_password_says_so():
    sniffed, found = read(locked(make_pdf("Confidential report"), "secret"), "locked.pdf")
    assert sniffed.label == "PDF"
    assert found.text == ""
    assert found.problem.startswith("locked.pdf is protected by a password")


def test_a_pdf_locked_only_against_printing_and_copying_is_read():
    data = locked(make_pdf("Report anyone may open"), "", owner_password="owner")
    assert PdfReader(BytesIO(data)).is_encrypted
    _, found = read(data, "restricted.pdf")
    assert "Report anyone may open" in found.text
    assert found.problem == ""


# --- Word files -------------------------------------------------------------------------


def test_a_word_file_gives_its_paragraphs_table_cells_and_header():
    sniffed, found = read(make_docx(), "advice.docx")
    assert sniffed.label == "Word document"
    assert sniffed.extension == ".docx"
    assert sniffed.mismatch == ""
    for words in (
        "Advice from the educational psychologist for Zoë Brontë",
        "Reads aloud with confidence",
        "Daily phonics in a small group",
        "OFFICIAL-SENSITIVE",
    ):
        assert words in found.text
    assert found.problem == ""


def test_a_word_file_named_pdf_is_stored_as_what_it_is_and_the_person_told():
    sniffed, found = read(make_docx(), "report.pdf")
    assert sniffed.label == "Word document"
    assert sniffed.extension == ".docx"
    assert sniffed.mismatch == (
        "report.pdf is a Word document, not a PDF: it is stored as what it is."
    )
    assert "Daily phonics in a small group" in found.text


def test_a_truncated_word_file_is_damaged_in_words():
    whole = make_docx()
    sniffed, found = read(whole[: len(whole) // 2], "advice.docx")
    assert sniffed.label == "Damaged zip-based file"
    assert sniffed.mismatch == (
        "advice.docx is damaged: it starts like a Word document but cannot be opened as one."
    )
    assert found.text == ""
    assert found.problem.startswith("advice.docx is damaged")


# --- E-mails written with the email package ---------------------------------------------


def test_an_eml_gives_its_heads_body_and_attached_pdf():
    pdf = make_pdf("Parents' comments on the draft plan")
    data = make_eml(attachments=(("comments.pdf", pdf),))
    sniffed = sniff(data, "comments.eml")
    assert (sniffed.media_type, sniffed.label, sniffed.extension) == (
        "message/rfc822",
        "E-mail",
        ".eml",
    )
    mail = read_email(data, sniffed)
    assert mail == Email(
        subject="Draft plan for Zoë: comments",
        sender="Ann Clerk <ann.clerk@council.example>",
        to="Ben Officer <ben.officer@council.example>",
        cc="Head Teacher <head@school.example>",
        date=SENT,
        body="Please find the parents' comments attached.\nKind regards, Ann\n",
        attachments=(("comments.pdf", pdf),),  # the HTML alternative is no attachment
    )
    attached = sniff(*mail.attachments[0][::-1])
    assert "Parents' comments on the draft plan" in extract_text(pdf, attached).text
    found = extract_text(data, sniffed)
    for words in ("Draft plan for Zoë", "Ann Clerk", "Kind regards", "comments.pdf"):
        assert words in found.text
    assert found.problem == ""


def test_an_eml_of_html_only_gives_the_visible_text():
    data = make_html_only_eml()
    sniffed = sniff(data, "attendance.eml")
    mail = read_email(data, sniffed)
    assert mail.subject == "Attendance figures"
    assert mail.date is None
    assert mail.attachments == ()
    assert "Attendance & exclusions" in mail.body
    assert "Attendance this term: 87 %" in mail.body  # &nbsp; is a space to search
    assert "Autumn" in mail.body and "91 %" in mail.body
    assert "never shown" not in mail.body
    assert "color: red" not in mail.body
    assert "<p>" not in extract_text(data, sniffed).text


def test_an_e_mail_attached_to_an_e_mail_is_one_attachment_named_by_its_subject():
    inner = EmailMessage()
    inner["From"] = "gp@practice.example"
    inner["Subject"] = "Health advice / Zoë"
    inner.set_content("Health advice follows.")
    outer = EmailMessage()
    outer["From"] = "ann.clerk@council.example"
    outer["Subject"] = "Fwd: health advice"
    outer.set_content("Forwarding the GP's advice.")
    outer.add_attachment(inner)
    data = outer.as_bytes()
    mail = read_email(data, sniff(data, "fwd.eml"))
    [(name, attached)] = mail.attachments
    assert name == "Health advice - Zoë.eml"  # a subject's slash is no folder
    again = read_email(attached, sniff(attached, name))
    assert again.subject == "Health advice / Zoë"
    assert again.body.strip() == "Health advice follows."


def test_an_attachment_named_as_a_path_is_stored_under_a_plain_name():
    hostile = (
        ("../../../etc/passwd", b"a"),
        ("..\\..\\Windows\\win.ini", b"b"),
        ("\u202egpj.exe", b"c"),
        (".profile", b"d"),
    )
    data = make_eml(attachments=hostile, html=False)
    mail = read_email(data, sniff(data, "hostile.eml"))
    assert [name for name, _ in mail.attachments] == ["passwd", "win.ini", "gpj.exe", "profile"]
    assert [content for _, content in mail.attachments] == [b"a", b"b", b"c", b"d"]


@pytest.mark.parametrize(
    ("raw", "number", "expected"),
    [
        ("report.pdf", 1, "report.pdf"),
        ("C:\\Users\\ann\\Desktop\\report.pdf", 1, "report.pdf"),
        ("/etc/shadow", 1, "shadow"),
        ("..", 2, "attachment-2"),
        ("", 3, "attachment-3"),
        (None, 4, "attachment-4"),
        ("...hidden", 1, "hidden"),
        ("line\nbreak\x07.txt", 1, "linebreak.txt"),
        ("invoice\u202efdp.exe", 1, "invoicefdp.exe"),
        ('what?<>:"|*.doc', 1, "what_______.doc"),
        ("CON.txt", 1, "_CON.txt"),
        ("name. . .", 1, "name"),
        ("Zoe\u0308 plan.docx", 1, "Zoë plan.docx"),
    ],
)
def test_a_sender_s_file_name_becomes_a_plain_safe_name(raw, number, expected):
    assert safe_file_name(raw, number) == expected


def test_a_document_with_no_name_left_is_named_by_its_number():
    # The Documents tab's "Save a copy" and a subject access request's documents/ folder.
    assert safe_file_name("..", 7, "document") == "document-7"


def test_a_long_file_name_is_cut_keeping_its_extension():
    name = safe_file_name("a" * 500 + ".pdf", 1)
    assert len(name) == MAX_NAME_CHARS
    assert name.endswith("a.pdf")


@given(st.text(max_size=300), st.integers(min_value=1, max_value=99))
def test_any_file_name_from_a_sender_is_safe(raw, number):
    name = safe_file_name(raw, number)
    assert name
    assert len(name) <= MAX_NAME_CHARS
    assert "/" not in name and "\\" not in name
    assert not name.startswith((".", " "))
    assert not any(ord(c) < 32 or c in '<>:"|?*' for c in name)
    assert os.path.basename(name) == name


def test_something_that_is_no_e_mail_is_refused_naming_it():
    pdf = make_pdf("Not a letter")
    with pytest.raises(UserError, match=r"^notes\.eml is not an e-mail: it is a PDF\.$"):
        read_email(pdf, sniff(pdf, "notes.eml"))


def test_bytes_with_no_e_mail_heads_are_refused_as_an_e_mail_naming_the_file():
    labelled = Sniffed("photo.eml", "message/rfc822", "E-mail", ".eml")
    with pytest.raises(UserError, match=r"^photo\.eml is not a readable e-mail: it has no From"):
        read_email(make_png(), labelled)
    assert extract_text(make_png(), labelled).problem.startswith("photo.eml is not a readable")


# --- Outlook e-mails (Apache POI's test files) -------------------------------------------


def test_an_outlook_e_mail_gives_its_heads_body_and_attachments():
    data = outlook("attachment_msg_pdf.msg")
    sniffed = sniff(data, "pdf attached.msg")
    assert (sniffed.media_type, sniffed.label, sniffed.extension) == (
        "application/vnd.ms-outlook",
        "E-mail (Outlook)",
        ".msg",
    )
    mail = read_email(data, sniffed)
    assert mail.subject == "test email"
    assert mail.sender == "Nick Booth <nick.booth@pof.com.au>"
    assert mail.to == "Nick Booth <nick.booth@pof.com.au>"
    assert mail.cc == ""
    assert mail.date == datetime(2010, 6, 17, 23, 54, 19, tzinfo=UTC)
    assert mail.body.startswith("Test email with 1 msg attachment, 1 pdf")
    assert [name for name, _ in mail.attachments] == [
        "Test Attachment.msg",
        "smbprn.00009008.KdcPjl.pdf",
    ]
    pdf_name, pdf = mail.attachments[1]
    assert pdf.startswith(b"%PDF-")
    assert "Nick Booth" in extract_text(pdf, sniff(pdf, pdf_name)).text
    found = extract_text(data, sniffed)
    assert "Test email with 1 msg attachment" in found.text
    assert "smbprn.00009008.KdcPjl.pdf" in found.text


def test_an_outlook_e_mail_attached_to_one_is_itself_readable():
    data = outlook("attachment_msg_pdf.msg")
    mail = read_email(data, sniff(data, "x.msg"))
    name, attached = mail.attachments[0]
    sniffed = sniff(attached, name)
    assert sniffed.label == "E-mail (Outlook)"
    assert read_email(attached, sniffed).subject == "Test Attachment"


def test_an_outlook_e_mail_with_a_non_ascii_subject_and_an_old_word_file():
    data = outlook("attachment_test_msg.msg")
    mail = read_email(data, sniff(data, "pièce jointe.msg"))
    assert mail.subject == "test pièce jointe 1"
    assert mail.body.strip() == "contenu"
    assert [name for name, _ in mail.attachments] == ["test-unicode.doc", "pj1.txt"]
    doc_name, doc = mail.attachments[0]
    word = sniff(doc, doc_name)
    assert (word.media_type, word.label, word.mismatch) == (
        "application/msword",
        "Word 97-2003 document",
        "",
    )
    assert "is not read for searching" in extract_text(doc, word).problem
    text_name, text = mail.attachments[1]
    plain = sniff(text, text_name)
    assert plain.label == "Plain text"
    assert "euro : €" in extract_text(text, plain).text


def test_an_old_word_file_named_msg_is_not_taken_for_an_outlook_e_mail():
    data = outlook("attachment_test_msg.msg")
    doc = read_email(data, sniff(data, "x.msg")).attachments[0][1]
    sniffed = sniff(doc, "letter.msg")
    assert sniffed.label == "Word 97-2003 document"
    assert sniffed.mismatch == (
        "letter.msg is an old Word document, not an Outlook e-mail: it is stored as what it is."
    )
    with pytest.raises(UserError, match="letter.msg is not an e-mail"):
        read_email(doc, sniffed)


@pytest.mark.parametrize("kept", [0.3, 0.6, 0.9])
def test_a_damaged_outlook_e_mail_is_refused_naming_it(kept):
    whole = outlook("attachment_msg_pdf.msg")
    sniffed = Sniffed("broken.msg", "application/vnd.ms-outlook", "E-mail (Outlook)", ".msg")
    with pytest.raises(UserError, match=r"^broken\.msg is a damaged Outlook e-mail"):
        read_email(whole[: int(len(whole) * kept)], sniffed)
    found = extract_text(whole[: int(len(whole) * kept)], sniffed)
    assert found.text == ""
    assert found.problem.startswith("broken.msg is a damaged Outlook e-mail")


# --- Images, text and the rest -----------------------------------------------------------


def test_a_png_is_an_image_with_no_text_to_search():
    sniffed, found = read(make_png(), "photo.png")
    assert (sniffed.media_type, sniffed.label, sniffed.extension) == (
        "image/png",
        "Image (PNG)",
        ".png",
    )
    assert found == Extracted("", "")


@pytest.mark.parametrize(
    ("kind", "media_type", "label", "extension"),
    [
        ("JPEG", "image/jpeg", "Image (JPEG)", ".jpg"),
        ("GIF", "image/gif", "Image (GIF)", ".gif"),
        ("TIFF", "image/tiff", "Image (TIFF)", ".tif"),
    ],
)
def test_photos_and_other_images_are_known(kind, media_type, label, extension):
    sniffed, found = read(pillow_image(kind), "picture.png")
    assert (sniffed.media_type, sniffed.label, sniffed.extension) == (media_type, label, extension)
    assert sniffed.mismatch.startswith(f"picture.png is a {kind} ")
    assert found.text == ""


@pytest.mark.parametrize(
    "data",
    [
        "Notes from the meeting: £40 for travel, café at 10.".encode(),
        "\ufeffNotes from the meeting: £40 for travel, café at 10.".encode(),
        "Notes from the meeting: £40 for travel, café at 10.".encode("cp1252"),
        "\ufeffNotes from the meeting: £40 for travel, café at 10.".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with mark", "windows-1252", "utf-16"],
)
def test_plain_text_in_any_usual_encoding_is_read(data):
    sniffed, found = read(data, "notes.txt")
    assert (sniffed.media_type, sniffed.label, sniffed.mismatch) == ("text/plain", "Plain text", "")
    assert found.text.lstrip("\ufeff") == "Notes from the meeting: £40 for travel, café at 10."


def test_random_bytes_are_an_unknown_file_and_a_pdf_name_does_not_make_them_one():
    data = bytes(range(256)) * 8
    sniffed, found = read(data, "data.pdf")
    assert (sniffed.media_type, sniffed.label, sniffed.extension) == (
        "application/octet-stream",
        "Unknown kind of file",
        "",
    )
    assert sniffed.mismatch == (
        "data.pdf is not a PDF: its content is not a kind of file this program knows, "
        "so it is stored as it is."
    )
    assert found == Extracted("", "")


def test_an_empty_file_is_said_to_be_empty():
    sniffed, found = read(b"", "letter.docx")
    assert sniffed.label == "Empty file"
    assert sniffed.mismatch == (
        "letter.docx is an empty file, not a Word document: it is stored as what it is."
    )
    assert found == Extracted("", "")


def test_a_rich_text_file_gives_its_words_without_the_markup():
    rtf = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}{\colortbl;\red0\green0\blue0;}"
        r"{\*\generator Riched20}\uc1\pard\f0\fs22 Caf\'e9 meeting\par "
        r"Cost: \u8364? 40\tab paid\par {\b Bold} words\par}"
    )
    sniffed, found = read(rtf.encode("ascii"), "minutes.rtf")
    assert (sniffed.label, sniffed.mismatch) == ("Rich Text document", "")
    assert found.text == "Café meeting\nCost: € 40\tpaid\nBold words"
    assert rtf_to_text(r"{\rtf1 \u-10179?\u-8704? smile}") == "\U0001f600 smile"


def test_a_web_page_gives_its_visible_text():
    page = b"<!DOCTYPE html><html><body><p>School&nbsp;report</p><script>x=1</script></body>"
    sniffed, found = read(page, "report.htm")
    assert (sniffed.label, sniffed.mismatch) == ("Web page", "")
    assert found.text == "School report"


def test_text_longer_than_the_cap_is_cut_and_the_cut_said():
    data = ("word " * (MAX_TEXT_CHARS // 5 + 1000)).encode()
    _, found = read(data, "huge.txt")
    assert len(found.text) == MAX_TEXT_CHARS
    assert found.problem == (
        f"Only the first {MAX_TEXT_CHARS:,} characters of huge.txt can be searched: "
        "its text is longer."
    )


def test_text_for_the_database_has_no_nul_and_one_kind_of_line_end():
    data = make_eml(html=False).replace(b"attached.", b"attached.\x00")
    found = extract_text(data, sniff(data, "mail.eml"))
    assert "\x00" not in found.text and "\r" not in found.text
    assert "Please find the parents' comments attached." in found.text


# --- Hostile bytes: only sentences come out ----------------------------------------------

SEEDS = {
    "pdf": make_pdf("Annual review"),
    "docx": make_docx(),
    "eml": make_eml(attachments=(("a.pdf", make_pdf("Attached")),)),
    "msg": outlook("attachment_test_msg.msg"),
    "png": make_png(),
}
MAGICS = [b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"From: a\nTo: b\n"]


def check_never_more_than_sentences(data: bytes, name: str) -> None:
    try:
        sniffed = sniff(data, name)
    except UserError:
        return
    assert isinstance(sniffed, Sniffed)
    found = extract_text(data, sniffed)
    assert isinstance(found, Extracted)
    assert "\x00" not in found.text and len(found.text) <= MAX_TEXT_CHARS
    found.text.encode("utf-8")  # no lone surrogates: any database takes it
    if sniffed.media_type in ("message/rfc822", "application/vnd.ms-outlook"):
        try:
            mail = read_email(data, sniffed)
        except UserError as exc:
            assert name in str(exc)
        else:
            assert all(safe_file_name(n, 1) == n for n, _ in mail.attachments)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["x.pdf", "x.docx", "x.msg", "x", "x.eml"]))
def test_random_bytes_give_only_a_sniff_and_sentences(data, name):
    check_never_more_than_sentences(data, name)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MAGICS), st.binary(max_size=4096))
def test_random_bytes_behind_a_known_start_give_only_sentences(magic, rest):
    check_never_more_than_sentences(magic + rest, "file.bin")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=12),
    st.floats(0.05, 1),
)
def test_damaged_real_files_give_only_sentences(kind, changes, kept):
    data = bytearray(SEEDS[kind])
    for where, value in changes:
        data[int(where * len(data))] = value
    check_never_more_than_sentences(bytes(data[: max(1, int(len(data) * kept))]), f"x.{kind}")
