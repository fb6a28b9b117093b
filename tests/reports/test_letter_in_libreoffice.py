"""Word letters open in LibreOffice: a text template's letter issued as .docx, converted
headless to PDF, has the letterhead, address, letter and sign-off on its page, with the
marking and "Page 1 of 1", and its page renders (pdftoppm) with ink on it; a Word template
issued as a PDF goes through LibreOffice with every placeholder filled. CI installs
LibreOffice and poppler; elsewhere the test is skipped when they are missing."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from caseload_app.paths import resources_dir
from caseload_app.services.letters import PDF, LetterService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from tests.helpers import NOW, TODAY, new_case, word_template
from tests.reports.test_plan_in_libreoffice import _tool, converted, ink_on_first_page

TYPED = {"subject": "Your visit", "message": "Thank you for the flamingo drawing Zoë sent us."}


def _letters(db, tmp_path) -> tuple[LetterService, int]:
    TeamSettingsService(db).set_council(CouncilDetails("Poole Council", "Civic Centre\nPoole"))
    case_id, work = new_case(db)
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": "12 Oak Road\nPoole"})
    library = TemplateLibrary(tmp_path / "admin", resources_dir() / "templates")
    letters = LetterService(db, "Asha Patel", lambda: TODAY, lambda: NOW, templates=library)
    return letters, case_id


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_word_letter_opens_in_libreoffice_as_the_letter(db, tmp_path):
    soffice, pdftoppm = _tool("soffice"), _tool("pdftoppm")
    letters, case_id = _letters(db, tmp_path)
    issued = letters.issue_letter(case_id, "generic", extra=TYPED, format="docx")
    source = tmp_path / "letter.docx"
    source.write_bytes(issued.docx)
    pdf = converted(soffice, source)
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    text = _text(pdf)
    for words in ("OFFICIAL-SENSITIVE", "Poole Council", f"EHCP/{case_id:06d}", "Ms Jo Brontë",
                  "12 Oak Road", "BH1 1AA", "Dear Ms Brontë,", "Your visit",
                  "Zoë Brontë, date of birth 4 May 2016", TYPED["message"], "Yours sincerely",
                  "Asha Patel", "Page 1 of 1"):  # fmt: skip
        assert words in text, words
    dark = ink_on_first_page(pdftoppm, tmp_path / "letter.pdf", dpi=60, step=2)
    assert dark > 400  # the letterhead, the address and the letter, not a blank page


def test_a_word_template_issued_as_a_pdf_goes_through_libreoffice(db, tmp_path):
    _tool("soffice")
    letters, case_id = _letters(db, tmp_path)
    word_template(
        tmp_path / "admin" / "visit_note.docx",
        ["{{council_name}}", "Dear {{salutation}},", "{{message}}", "Ref {{case_reference}}"],
        title="Visit: {{child_name}}",
    )
    issued = letters.issue_letter(case_id, "visit_note", extra=TYPED, format="both")
    assert issued.pdf.startswith(b"%PDF") and issued.docx.startswith(b"PK")
    text = _text(issued.pdf)
    for words in ("Poole Council", "Dear Ms Brontë,", TYPED["message"], f"EHCP/{case_id:06d}"):
        assert words in text, words
    assert "{{" not in text
    (first, _) = letters.reprint_files(issued.communication_id)
    assert (first.media_type, first.data) == (PDF, issued.pdf)
