"""The plan's Word file opens in LibreOffice: converted headless to PDF, every section heading
and the provision are on its pages, with the draft's marking, and its first page renders
(pdftoppm) with ink on it. CI installs LibreOffice and poppler; elsewhere the test is skipped
when they are missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from caseload_app.domain.plan import SECTIONS
from caseload_app.services.plans import PlanService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must check the plan in LibreOffice: {name} is not installed")
        pytest.skip(f"{name} is not installed")
    return found


def converted(soffice: str, source: Path) -> bytes:
    """The Word file made into a PDF by LibreOffice, headless, with a profile of its own (it
    runs beside any other LibreOffice)."""
    profile = (source.parent / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(source.parent), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return source.with_suffix(".pdf").read_bytes()


def ink_on_first_page(pdftoppm: str, pdf: Path, dpi: int, step: int) -> int:
    """How many of every `step`th pixel of the first page, drawn at `dpi`, are dark: more
    than a few hundred is a page with something on it."""
    from PySide6.QtGui import QImage

    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(pdf),
         str(pdf.parent / "page")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    image = QImage(str(pdf.parent / "page-1.png"))
    assert not image.isNull()
    return sum(
        1
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
        if image.pixelColor(x, y).lightness() < 128
    )


def test_the_word_plan_opens_in_libreoffice_with_every_section(db, tmp_path):
    soffice, pdftoppm = _tool("soffice"), _tool("pdftoppm")
    case_id, _ = new_case(db)
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    plans.save(case_id, good_plan(), None, 0)
    source = tmp_path / "plan.docx"
    source.write_bytes(plans.export(case_id, None, "docx"))
    pdf = converted(soffice, source)
    pages = PdfReader(BytesIO(pdf)).pages
    text = " ".join(p.extract_text() for p in pages)
    assert "Draft Education, Health and Care plan" in text and "DRAFT" in text
    for section in SECTIONS:
        assert f"Section {section}:" in text, section
    assert "Precision Teaching" in text and f"Page {len(pages)} of {len(pages)}" in text
    dark = ink_on_first_page(pdftoppm, tmp_path / "plan.pdf", dpi=40, step=4)
    assert dark > 200  # headings, tables and text, not a blank page
