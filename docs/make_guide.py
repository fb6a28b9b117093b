"""Write resources/guide/guide.md, the in-app guide, from README.md's day-to-day sections.

    python docs/make_guide.py

Run it after changing those sections of the README; a test fails while the two differ.
"""

from pathlib import Path

from caseload_app.domain.guide import guide_from_readme

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    text = guide_from_readme((ROOT / "README.md").read_text(encoding="utf-8"))
    (ROOT / "resources" / "guide" / "guide.md").write_text(text, encoding="utf-8")
    print("resources/guide/guide.md written")
