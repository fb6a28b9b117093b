"""Letters in Word (issue 25), on SQLite and PostgreSQL: a text template issued as a .docx,
or as a PDF and a .docx together (one letter, two documents); a Word template an
administrator wrote (NAME.docx) listed, checked against the same placeholders (a misspelt
one with "did you mean", a missing value before anything is kept), filled as it is with
values escaped and paragraphs kept, and refused clearly when the file is damaged, not Word,
or asks the sandbox for more than a value. Each letter's text is read back with python-docx."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from sqlalchemy import func, select

from caseload_app.db.models import AuditEntry, Communication, Document
from caseload_app.domain.templates import MissingValues, TemplateError
from caseload_app.paths import resources_dir
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import UserError
from caseload_app.services.letters import PDF, WORD, LetterService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from tests.helpers import NOW, TODAY, docx_paragraphs, new_case, word_template

COUNCIL = CouncilDetails("Poole Council", "Civic Centre\nPoole\nBH15 2RU")
TYPED = {"subject": "Your visit", "message": "Thank you for the flamingo drawing Zoë sent us."}
WORD_LETTER = [
    "{{council_name}}",
    "{{ parent_carer_name }}, {{family_address}} {{postcode}}",
    "Our ref: {{case_reference}}",
    "Dear {{salutation}},",
    "{{message}}",
    "Yours sincerely, {{caseworker}}",
]


@pytest.fixture
def case(db):
    TeamSettingsService(db).set_council(COUNCIL)
    case_id, work = new_case(db)
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": "12 Oak Road\nPoole"})
    return case_id


@pytest.fixture
def admin(tmp_path):
    return tmp_path / "admin"


@pytest.fixture
def letters(db, admin):
    return LetterService(
        db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW,
        templates=TemplateLibrary(admin, resources_dir() / "templates"),
    )  # fmt: skip


def kept(db) -> list[tuple[str, int | None]]:
    with db.read() as s:
        return [(d.media_type, d.communication_id) for d in s.scalars(select(Document))]


def prints(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "print")))


def nothing_kept(db) -> bool:
    with db.read() as s:
        letters = s.scalar(select(func.count()).select_from(Communication))
        return letters == 0 and s.scalar(select(func.count()).select_from(Document)) == 0


# ---------------------------------------------------------------------- text templates
def test_a_text_template_issued_in_word_reads_back_as_the_letter(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED, format="docx")
    assert issued.pdf == b"" and issued.docx.startswith(b"PK")
    text = docx_paragraphs(issued.docx)
    at = text.index("Ms Jo Brontë\n12 Oak Road\nPoole\nBH1 1AA")  # the address, then the letter
    assert text[at + 1 : at + 5] == [
        "Dear Ms Brontë,",
        "Your visit",
        "Zoë Brontë, date of birth 4 May 2016",
        "Thank you for the flamingo drawing Zoë sent us.",
    ]
    assert "Yours sincerely" in text and "Asha Patel\nSEND Team\nPoole Council" in text
    letterhead = " ".join(text[at + 1 :])  # the letterhead's two columns: a table's cells
    assert "Poole Council" in letterhead and f"Our ref: EHCP/{case:06d}" in letterhead
    assert kept(db) == [(WORD, issued.communication_id)]
    digest = hashlib.sha256(issued.docx).hexdigest()
    assert prints(db) == [
        f"printed letter 'generic' to Ms Jo Brontë as a Word document; sha256 {digest}"
    ]
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    assert [h.document.id for h in docs.search("flamingo", case)] == [issued.document_id]
    assert issued.docx_document_id == issued.document_id
    assert letters.reprint(issued.communication_id) == issued.docx


def test_both_is_one_letter_with_the_pdf_then_the_word_file(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED, format="both")
    assert issued.pdf.startswith(b"%PDF") and issued.docx.startswith(b"PK")
    assert kept(db) == [(PDF, issued.communication_id), (WORD, issued.communication_id)]
    pdf_sum, word_sum = (hashlib.sha256(x).hexdigest() for x in (issued.pdf, issued.docx))
    assert prints(db) == [
        f"printed letter 'generic' to Ms Jo Brontë as PDF and Word; sha256 {pdf_sum} (PDF), "
        f"sha256 {word_sum} (Word)"
    ]
    files = letters.reprint_files(issued.communication_id)
    assert [(f.extension, f.data) for f in files] == [("pdf", issued.pdf), ("docx", issued.docx)]
    assert letters.reprint(issued.communication_id) == issued.pdf
    assert prints(db)[-1] == f"reprinted Letter: Your visit (sha256 {pdf_sum}, sha256 {word_sum})"


def test_a_letter_in_an_unknown_format_is_refused(db, case, letters):
    with pytest.raises(UserError, match="pdf, docx .* or both, not 'odt'"):
        letters.issue_letter(case, "generic", extra=TYPED, format="odt")
    assert nothing_kept(db)


# ---------------------------------------------------------------------- Word templates
def test_a_word_template_is_listed_and_filled_as_written(db, case, letters, admin):
    word_template(
        admin / "visit_note.docx",
        WORD_LETTER,
        title="Visit: {{child_name}}",
        comments="To: family; Name: Note after a visit; Stages: any",
    )
    (info,) = [i for i in letters.list_templates() if i.name == "visit_note"]
    assert (info.word, info.problem, info.label, info.to) == (
        True,
        None,
        "Note after a visit",
        "family",
    )
    assert (info.stages, info.typed) == (("any",), ("message",))
    message = "Thanks for <b>everything</b> & 'all'.\n\nA second paragraph,\nwith a line break."
    issued = letters.issue_letter(case, "visit_note", extra={"message": message}, format="docx")
    text = docx_paragraphs(issued.docx)
    assert text[:4] == [
        "Poole Council", "Ms Jo Brontë, 12 Oak Road, Poole BH1 1AA", f"Our ref: EHCP/{case:06d}",
        "Dear Ms Brontë,",
    ]  # fmt: skip
    # Escaped, not read as Word's markup; a blank line is a new paragraph, a line a break.
    assert text[4:6] == [
        "Thanks for <b>everything</b> & 'all'.",
        "A second paragraph,\nwith a line break.",
    ]
    assert text[6] == "Yours sincerely, Asha Patel"
    from io import BytesIO

    from docx import Document as WordDocument

    props = WordDocument(BytesIO(issued.docx)).core_properties
    assert (props.title, props.comments) == ("Visit: Zoë Brontë", "")
    with db.read() as s:
        comm = s.get(Communication, issued.communication_id)
        assert comm is not None and comm.summary == "Letter: Visit: Zoë Brontë"


def test_a_word_template_replaces_the_shipped_letter_of_its_name(db, case, letters, admin):
    word_template(admin / "generic.docx", ["Dear {{salutation}}, {{message}}"], title="{{subject}}")
    (info,) = [i for i in letters.list_templates() if i.name == "generic"]
    assert (info.word, info.origin) == (True, "admin (replaces shipped)")
    issued = letters.issue_letter(case, "generic", extra=TYPED, format="docx")
    assert docx_paragraphs(issued.docx)[0] == f"Dear Ms Brontë, {TYPED['message']}"
    with pytest.raises(TemplateError, match="'generic' is a Word template"):
        letters.save_template("generic", "Title: x\nTo: family\n\nHello.\n")


def test_a_misspelt_placeholder_is_reported_with_did_you_mean(db, case, letters, admin):
    word_template(admin / "typo.docx", ["Dear {{salutaton}}", "{{ Child_Name }}"], title="Hi")
    (info,) = [i for i in letters.list_templates() if i.name == "typo"]
    assert info.problem == (
        "typo.docx: not a placeholder: {{Child_Name}} — did you mean {{child_name}}?; "
        "{{salutaton}} — did you mean {{salutation}}?. See resources/templates/README.md for "
        "the names you can use."
    )
    with pytest.raises(MissingValues, match=r"\{\{salutaton\}\} is not a placeholder — did you"):
        letters.issue_letter(case, "typo", format="docx")
    assert nothing_kept(db)


def test_a_value_the_case_lacks_is_named_before_anything_is_kept(db, case, letters, admin):
    word_template(admin / "review.docx", ["Your review is on {{review_meeting}}."], title="Review")
    with pytest.raises(MissingValues, match=r"\{\{review_meeting\}\} \(the annual review"):
        letters.issue_letter(case, "review", format="docx")
    assert nothing_kept(db)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.write_bytes(b"not a zip at all"), "is not a Word document that can be read"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("a.txt", "hello"), "is not a Word document"),
        (
            lambda p: word_template(p, ["Dear {{ salutation"], title="Hi"),
            "a placeholder is not written as one",
        ),
        (lambda p: word_template(p, ["Dear {{salutation}}"]), "the letter has no title"),
        (
            lambda p: word_template(p, ["Dear {{salutation}}"], title="Hi", comments="To: Mars"),
            "'To:' in its Comments .* must be one of family, school",
        ),
        (
            lambda p: word_template(p, ["x"], title="Hi", comments="To: family\nColour: red"),
            "its Comments property .* found 'Colour: red'",
        ),
    ],
)
def test_a_word_template_that_cannot_be_used_says_why(db, case, letters, admin, make, says):
    admin.mkdir(parents=True, exist_ok=True)
    make(admin / "broken.docx")
    (info,) = [i for i in letters.list_templates() if i.name == "broken"]
    assert info.word and info.problem is not None
    assert info.problem.startswith("broken.docx")
    assert __import__("re").search(says, info.problem), info.problem
    with pytest.raises(TemplateError, match=says):
        letters.issue_letter(case, "broken", format="docx")
    assert nothing_kept(db)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("{{ child_name.__class__.__mro__ }}", "a dot"),
        ("{{ parent_carer_name|upper }}", "a filter"),  # it printed "O&#X27;NEIL &AMP;"
        ("{% include 'other.docx' %}", "an include"),  # nothing to load: it crashed on issue
        ("{% import 'x' as y %}{{ child_name }}", "an import"),
        ("{{ child_name.upper() }}", "a call"),
        ("{% if salutation == 'Ms' %}x{% endif %}", "a comparison"),  # never equal: escaped
    ],
)
def test_a_placeholder_doing_more_than_name_a_value_is_refused_when_read(
    db, case, letters, admin, text, what
):
    word_template(admin / "sneaky.docx", ["Dear {{salutation}},", text], title="Hi")
    (info,) = [i for i in letters.list_templates() if i.name == "sneaky"]
    assert info.problem is not None and what in info.problem, info.problem
    with pytest.raises(TemplateError, match="sneaky.docx: a placeholder does more than name"):
        letters.issue_letter(case, "sneaky", format="docx")
    assert nothing_kept(db)


def test_a_choice_on_whether_a_value_is_given_is_a_placeholder_too(db, case, letters, admin):
    word_template(
        admin / "choice.docx",
        ["{% if salutation and not child_name %}Nobody{% else %}Dear {{salutation}},{% endif %}"],
        title="Hi",
    )
    issued = letters.issue_letter(case, "choice", format="docx")
    assert "Dear Ms Brontë," in docx_paragraphs(issued.docx)


def test_a_word_template_as_a_pdf_needs_libreoffice(
    db, case, letters, admin, tmp_path, monkeypatch
):
    word_template(admin / "visit_note.docx", WORD_LETTER, title="Visit")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))  # no soffice on this computer
    for format in ("pdf", "both"):
        with pytest.raises(UserError, match="making it a PDF needs LibreOffice.*as a Word"):
            letters.issue_letter(case, "visit_note", extra=TYPED, format=format)
    with pytest.raises(UserError, match="needs LibreOffice"):
        letters.preview(case, "visit_note", extra=TYPED)
    assert nothing_kept(db)
    issued = letters.issue_letter(case, "visit_note", extra=TYPED, format="docx")
    assert kept(db) == [(WORD, issued.communication_id)]
