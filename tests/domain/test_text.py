from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.text import child_search_text, fold, matches, search_key


def test_fold_removes_case_and_accents():
    assert fold("Zoë BRONTË-Łukasz") == "zoe bronte-łukasz"
    assert fold("ÉLODIE") == "elodie"


def test_search_key_keeps_identifiers_searchable_with_or_without_spaces():
    key = search_key("Amélie", "O'Brien", "401 023 2137", "BH1 1AA", None, "")
    assert "amelie" in key
    assert "4010232137" in key and "401 023 2137" in key
    assert "bh11aa" in key and "bh1 1aa" in key


def test_search_key_fields_do_not_run_together():
    assert "nbr" not in search_key("Ann", "Brown")


@given(st.text())
def test_fold_is_idempotent(s):
    assert fold(fold(s)) == fold(s)


def test_child_search_text_matches_full_names_and_spaced_identifiers():
    key = child_search_text("Zoë", "Brontë", "Ms Jo Brontë", None, "4010232137", "BH1 1AA", None)
    assert matches("zoe bronte", key)
    assert matches("401 023 2137", key)
    assert matches("bh11aa", key) and matches("bh1 1aa", key)
    assert not matches("zoe jo", key)


def test_how_many_says_one_or_many_with_thousands_separated():
    from caseload_app.domain.text import how_many

    assert how_many(1, "child", "children") == "1 child"
    assert how_many(0, "child", "children") == "0 children"
    assert how_many(1204, "family", "families") == "1,204 families"
