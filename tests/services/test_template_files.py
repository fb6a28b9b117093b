"""The template files: the administrator's folder first, then the shipped one; saving."""

import pytest

from caseload_app.domain.templates import TemplateError, TemplateNotFound
from caseload_app.paths import resources_dir
from caseload_app.services.template_files import TemplateLibrary

SHIPPED = resources_dir() / "templates"


def test_every_shipped_letter_has_a_plain_name_and_says_where_it_fits():
    """The picker showed "Reminder: {{advice_type}} advice for {{child_name}} (advice_chase)"."""
    library = TemplateLibrary(SHIPPED / "none", SHIPPED)
    for info in library.list_templates():
        assert info.problem is None
        assert info.label
        assert "{" not in info.label
        assert info.stages, info.name
    listed = {info.name: info for info in library.list_templates()}
    assert listed["advice_chase"].label == "Reminder to an adviser whose advice is late"
    assert listed["advice_chase"].typed == ("advice_type",)
    assert listed["generic"].typed == ("subject", "message")
    assert listed["generic"].stages == ("any",)
    assert listed["decision_not_to_assess"].typed == ("decision_reason",)
    assert listed["decision_to_cease"].stages == ("ceased",)
    # The review outcome letters: the amendment notice needs the proposed changes typed.
    assert listed["amendment_notice"].typed == ("proposed_amendments",)
    assert listed["decision_to_maintain"].typed == ()


def test_admin_templates_come_first_and_are_listed(tmp_path):
    admin = tmp_path / "admin"
    admin.mkdir()
    (admin / "generic.txt").write_text("Title: Ours\nTo: family\n\nDear {{parent_carer_name}},\n")
    (admin / "broken.txt").write_text("Title: B\nTo: nobody\n\nDear,\n")
    library = TemplateLibrary(admin, SHIPPED)
    assert library.load("generic").title == "Ours"
    listed = {info.name: info for info in library.list_templates()}
    assert listed["generic"].origin == "admin (replaces shipped)"
    assert listed["draft_plan_cover"].origin == "shipped"
    assert listed["draft_plan_cover"].to == "family"
    assert "'To:' must be one of" in listed["broken"].problem


def test_an_unknown_template_suggests_the_closest_name(tmp_path):
    with pytest.raises(TemplateNotFound) as err:
        TemplateLibrary(tmp_path, SHIPPED).load("draft_plan_cove")
    assert "Did you mean 'draft_plan_cover'?" in str(err.value)


def test_save_template_rejects_a_broken_template_and_writes_nothing(tmp_path):
    library = TemplateLibrary(tmp_path / "admin", SHIPPED)
    with pytest.raises(TemplateError, match="did you mean {{child_name}}"):
        library.save_template("welcome", "Title: W\nTo: family\n\nDear {{chlid_name}},\n")
    with pytest.raises(TemplateError, match="unbalanced braces"):
        library.save_template("welcome", "Title: W\nTo: family\n\nDear {{child_name},\n")
    with pytest.raises(TemplateError, match="cannot be a template name"):
        library.save_template("../evil", "Title: W\nTo: family\n\nDear,\n")
    assert "welcome" not in library.names()
    assert not (tmp_path / "admin").exists()  # checked before the folder is even made


def test_save_template_accepts_a_good_one_which_then_is_listed(tmp_path):
    library = TemplateLibrary(tmp_path / "admin", SHIPPED)
    saved = library.save_template("welcome", "Title: Welcome\nTo: family\n\nDear {{child_name}},")
    assert saved.title == "Welcome"
    info = {i.name: i for i in library.list_templates()}["welcome"]
    assert (info.origin, info.problem) == ("admin", None)
    assert library.load("welcome").body == "Dear {{child_name}},"
    assert not list((tmp_path / "admin").glob(".*.tmp"))
