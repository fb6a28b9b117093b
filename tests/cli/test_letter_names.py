"""A letter template is named, never given as a path: `caseload letter --template ../../evil`
loads nothing from outside the template folders and writes no PDF anywhere; a letter kept
before 0021 is handed out only from the letters folder."""

import os
import subprocess
import sys
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.db.engine import open_database
from caseload_app.db.models import EhcpCase
from caseload_app.domain.templates import TemplateNotFound
from caseload_app.paths import resources_dir
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from tests.helpers import new_case

EVIL = "Title: {{subject}}\nTo: family\n\nEVIL TEMPLATE {{message}}\n"


@pytest.fixture
def laptop(tmp_path):
    """A database with one case, its own CASELOAD_HOME, and an evil template outside both."""
    home = tmp_path / "home"
    (home / "data" / "templates").mkdir(parents=True)
    db_path = home / "data" / "caseload.sqlite3"
    db = open_database(db_path)
    TeamSettingsService(db).set_council(CouncilDetails("Test Council", "1 Civic Way\nPoole"))
    case_id, _ = new_case(db, address="12 Oak Road\nPoole")
    with db.read() as s:
        child_id = s.get(EhcpCase, case_id).child_id
    db.dispose()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.txt").write_text(EVIL, encoding="utf-8")
    return home, db_path, child_id, outside


def letter(home, db_path, child_id, template, out, *more):
    return subprocess.run(
        [sys.executable, "-m", "caseload_app", "letter", "--db", str(db_path)]
        + ["--child", str(child_id), "--template", template, "-o", str(out)]
        + ["--set", "subject=Hello", "--set", "message=Text", *more],
        capture_output=True,
        text=True,
        env={**os.environ, "CASELOAD_HOME": str(home)},
    )


def _pdfs(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.pdf"))


@pytest.mark.parametrize("how", ["relative", "absolute", "backslashes"])
def test_a_template_given_as_a_path_is_refused_and_nothing_is_written(laptop, tmp_path, how):
    home, db_path, child_id, outside = laptop
    admin = home / "data" / "templates"
    up = os.path.relpath(outside, admin)  # ../../outside
    template = {
        "relative": f"{up}/evil",
        "absolute": str(outside / "evil"),
        "backslashes": up.replace("/", "\\") + "\\evil",
    }[how]
    out = tmp_path / "copy.pdf"
    done = letter(home, db_path, child_id, template, out)
    assert done.returncode == 1, done.stdout
    assert "is not a template name" in done.stderr
    assert "Traceback" not in done.stderr
    assert _pdfs(tmp_path) == []  # no copy, no kept PDF anywhere, inside or out
    assert sorted(p.name for p in outside.iterdir()) == ["evil.txt"]


def test_a_named_template_still_prints_and_is_kept_on_the_case_file(laptop, tmp_path):
    from caseload_app.services.documents import DocumentService

    home, db_path, child_id, _ = laptop
    out = tmp_path / "copy.pdf"
    done = letter(home, db_path, child_id, "generic", out)
    assert done.returncode == 0, done.stderr
    assert _pdfs(home) == []  # nothing beside the database: the letter is in it
    db = open_database(db_path)
    (kept,) = DocumentService(db, "Asha Patel").documents(1)
    assert kept.file_name.endswith("-generic.pdf")
    assert out.read_bytes() == DocumentService(db, "Asha Patel").content(kept.id)
    db.dispose()


def test_a_template_that_links_outside_its_folder_is_not_loaded(tmp_path):
    admin = tmp_path / "templates"
    admin.mkdir()
    (tmp_path / "evil.txt").write_text(EVIL, encoding="utf-8")
    (admin / "sneaky.txt").symlink_to(tmp_path / "evil.txt")
    library = TemplateLibrary(admin, resources_dir() / "templates")
    with pytest.raises(TemplateNotFound, match="outside the template folders"):
        library.load("sneaky")
    assert library.load("generic").name == "generic"  # the shipped ones still load


@given(st.text(max_size=20), st.sampled_from(["/", "\\", "..", ":", "\x00"]), st.text(max_size=20))
def test_no_name_with_a_separator_or_dots_is_looked_for_on_disk(before, sep, after):
    library = TemplateLibrary(resources_dir() / "no-such-folder", resources_dir() / "templates")
    with pytest.raises(TemplateNotFound, match="is not a template name"):
        library.path_for(before + sep + after)


def test_a_kept_copy_named_outside_the_letters_folder_is_not_handed_out(laptop, tmp_path):
    from caseload_app.db.models import Communication
    from caseload_app.services.errors import UserError
    from caseload_app.services.letters import LetterService

    home, db_path, _, outside = laptop
    db = open_database(db_path)
    letters = LetterService(db, "Asha Patel")
    issued = letters.issue_letter(1, "generic", extra={"subject": "Hi", "message": "Text"})
    with db.uow() as s:  # rows changed by hand, or by someone's own client
        s.get(Communication, issued.communication_id).letter_path = str(outside / "evil.txt")
        older = Communication(
            family_id=1, case_id=1, occurred_at=datetime(2026, 1, 5, 9), channel="letter",
            direction="out", with_whom="Mum", summary="Letter: Hi", logged_by="Asha Patel",
            letter_path=str(outside / "evil.txt"),
        )  # fmt: skip
        s.add(older)
        s.flush()
        older_id = older.id
    with pytest.raises(UserError, match="outside the letters folder"):
        letters.reprint(older_id)  # a letter kept before 0021: its path is checked
    assert letters.reprint(issued.communication_id) == issued.pdf  # the path is not read
    db.dispose()


def test_format_docx_writes_and_keeps_the_word_letter(laptop, tmp_path):
    """`caseload letter … --format docx`: the copy is the Word file kept on the case file,
    from a text template and from an administrator's Word template; a .pdf name is refused."""
    from caseload_app.services.documents import DocumentService
    from tests.helpers import docx_paragraphs, word_template

    home, db_path, child_id, _ = laptop
    word = ["--format", "docx"]
    refused = letter(home, db_path, child_id, "generic", tmp_path / "copy.pdf", *word)
    assert refused.returncode == 1 and "a Word letter goes in a file ending .docx" in refused.stderr
    out = tmp_path / "copy.docx"
    done = letter(home, db_path, child_id, "generic", out, *word)
    assert done.returncode == 0, done.stderr
    assert "Text" in docx_paragraphs(out.read_bytes())
    word_template(home / "data" / "templates" / "visit.docx", ["Hello {{message}}"], title="Hi")
    done = letter(home, db_path, child_id, "visit", tmp_path / "visit.docx", *word)
    assert done.returncode == 0, done.stderr
    assert docx_paragraphs((tmp_path / "visit.docx").read_bytes()) == ["Hello Text"]
    db = open_database(db_path)
    docs = DocumentService(db, "Asha Patel")
    kept = docs.documents(1)
    assert len(kept) == 2
    by_name = {d.file_name.rsplit("-", 1)[1]: d for d in kept}
    assert docs.content(by_name["generic.docx"].id) == out.read_bytes()
    assert docs.content(by_name["visit.docx"].id) == (tmp_path / "visit.docx").read_bytes()
    db.dispose()
