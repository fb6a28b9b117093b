"""The in-app guide is the README's day-to-day sections, kept in step with it."""

from pathlib import Path

import pytest

from caseload_app.domain.guide import GUIDE_SECTIONS, guide_from_readme, headings

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_in_resources_matches_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shipped = (ROOT / "resources" / "guide" / "guide.md").read_text(encoding="utf-8")
    assert shipped == guide_from_readme(readme), "run: python docs/make_guide.py"


def test_the_guide_keeps_its_sections_and_drops_pictures_and_repository_links():
    readme = (
        "# caseload\n\nintro\n\n## Using it day to day\n\n![My week](docs/x.png)\n\n"
        "See [the rules](docs/RULES.md) and [gov.uk](https://www.gov.uk/x).\n\n### A case\n\n"
        "```\n## not a heading\n```\n\n## Developing\n\nhidden\n"
    )
    for title in GUIDE_SECTIONS[1:]:
        readme += f"\n## {title}\n\nAbout {title}.\n"
    guide = guide_from_readme(readme)
    assert "docs/x.png" not in guide
    assert "hidden" not in guide
    assert "See the rules and [gov.uk](https://www.gov.uk/x)." in guide
    found = headings(guide)
    assert [h.title for h in found if h.level == 2] == list(GUIDE_SECTIONS)
    assert [h.title for h in found if h.level == 3] == ["A case"]


def test_a_section_gone_from_the_readme_is_named():
    with pytest.raises(ValueError, match="'Statutory dates'"):
        guide_from_readme("## Using it day to day\n\ntext\n")
