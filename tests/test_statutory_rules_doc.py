"""The project carries its own statement of the law (docs/statutory-rules.md) and the code
cites it, never a document outside the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "statutory-rules.md"
CITATION = re.compile(r'docs/statutory-rules\.md,\s+"([^"]+)"')


def sources() -> list[Path]:
    return sorted([*(ROOT / "caseload_app").rglob("*.py"), *(ROOT / "tests").rglob("*.py")])


def test_nothing_cites_a_rules_page_outside_the_repository():
    outside = "DOMAIN" + ".md"  # spelt in two halves so this file does not match itself
    offences = [str(p.relative_to(ROOT)) for p in sources() if outside in p.read_text("utf-8")]
    assert offences == []


def test_every_section_the_code_cites_is_in_the_rules_page():
    headings = {
        line[3:].strip() for line in RULES.read_text("utf-8").splitlines() if line.startswith("## ")
    }
    cited = {
        (str(p.relative_to(ROOT)), name)
        for p in sources()
        for name in CITATION.findall(" ".join(p.read_text("utf-8").split()))
    }
    assert cited, "the code cites the rules page"
    assert [c for c in cited if c[1] not in headings] == []
