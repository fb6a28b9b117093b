"""The plan's Word file opens in LibreOffice: converted headless to PDF, every section heading
and the provision are on its pages, with the draft's marking, and its first page renders
(pdftoppm) with ink on it. CI installs LibreOffice and poppler; elsewhere the test is skipped
when they are missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from io import BytesIO

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


def test_the_word_plan_opens_in_libreoffice_with_every_section(db, tmp_path):
    soffice, pdftoppm = _tool("soffice"), _tool("pdftoppm")
    case_id, _ = new_case(db)
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    plans.save(case_id, good_plan(), None, 0)
    source = tmp_path / "plan.docx"
    source.write_bytes(plans.export(case_id, None, "docx"))
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: runs beside any other
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = (tmp_path / "plan.pdf").read_bytes()
    pages = PdfReader(BytesIO(pdf)).pages
    text = " ".join(p.extract_text() for p in pages)
    assert "Draft Education, Health and Care plan" in text and "DRAFT" in text
    for section in SECTIONS:
        assert f"Section {section}:" in text, section
    assert "Precision Teaching" in text and f"Page {len(pages)} of {len(pages)}" in text
    subprocess.run(
        [pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "plan.pdf"),
         str(tmp_path / "page")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    from PySide6.QtGui import QImage

    image = QImage(str(tmp_path / "page-1.png"))
    assert not image.isNull()
    dark = sum(
        1
        for y in range(0, image.height(), 4)
        for x in range(0, image.width(), 4)
        if image.pixelColor(x, y).lightness() < 128
    )
    assert dark > 200  # headings, tables and text, not a blank page
