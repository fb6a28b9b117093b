from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.text import child_search_text, fold, matches, search_key


def test_fold_removes_case_and_accents():
    assert fold("Zoë BRONTË-Łukasz") == "zoe bronte-łukasz"
    assert fold("ÉLODIE") == "elodie"


def test_search_key_keeps_identifiers_searchable_with_or_without_spaces():
    key = search_key("Amélie", "O'Brien", "401 023 2137", "BH1 1AA", None, "")
    assert "amelie" in key
    assert "4010232137" in key
    assert "401 023 2137" in key
    assert "bh11aa" in key
    assert "bh1 1aa" in key


def test_search_key_fields_do_not_run_together():
    assert "nbr" not in search_key("Ann", "Brown")


@given(st.text())
def test_fold_is_idempotent(s):
    assert fold(fold(s)) == fold(s)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_fold_of_plain_ascii_is_the_full_fold(s):
    """fold's quick way for printable ASCII gives what the Unicode passes give."""
    from caseload_app.domain.text import _strip_marks, clean_line

    full = " ".join(_strip_marks(_strip_marks(clean_line(s)).casefold()).split())
    assert fold(s) == full


def test_child_search_text_matches_full_names_and_spaced_identifiers():
    key = child_search_text("Zoë", "Brontë", "Ms Jo Brontë", None, "4010232137", "BH1 1AA", None)
    assert matches("zoe bronte", key)
    assert matches("401 023 2137", key)
    assert matches("bh11aa", key)
    assert matches("bh1 1aa", key)
    assert not matches("zoe jo", key)


def test_how_many_says_one_or_many_with_thousands_separated():
    from caseload_app.domain.text import how_many

    assert how_many(1, "child", "children") == "1 child"
    assert how_many(0, "child", "children") == "0 children"
    assert how_many(1204, "family", "families") == "1,204 families"


# --------------------------------------------------------------------------- cleaning names
import unicodedata  # noqa: E402

import pytest  # noqa: E402

from caseload_app.domain.text import (  # noqa: E402
    LIMITS,
    check_line,
    check_lines,
    check_name,
    clean_line,
    clean_lines,
)
from caseload_app.domain.validators import ValidationError  # noqa: E402

# Text as it arrives from spreadsheets and paste: invisible and control characters, all
# kinds of spacing, combining marks, any alphabet.
MESSY = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            "\x00\x1b\t\n\r\x0b\x0c\x85\xa0\u200b\u200c\u200d\u2060\ufeff\u00ad"
            "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\u3000"
            "e\u0301 aZ"
        ),
    )
)


@given(MESSY)
def test_cleaning_a_line_is_idempotent_and_leaves_nothing_invisible(text):
    clean = clean_line(text)
    assert clean_line(clean) == clean
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in clean)
    assert clean == clean.strip()
    assert "  " not in clean
    assert all(not ch.isspace() or ch == " " for ch in clean)
    assert unicodedata.is_normalized("NFC", clean)
    # Never longer than what was typed, once composed (NFC itself lengthens a few
    # compatibility characters, such as U+FB2C, which is why limits count after cleaning).
    assert len(clean) <= len(unicodedata.normalize("NFC", text))


@given(MESSY)
def test_cleaning_lines_keeps_line_breaks_only_between_clean_lines(text):
    clean = clean_lines(text)
    assert clean_lines(clean) == clean
    assert all(line and line == clean_line(line) for line in clean.split("\n") if clean)


def test_invisible_characters_and_spacing_are_cleaned_silently():
    assert clean_line("  Anna\u200b \u202eSmith\ufeff\r\n") == "Anna Smith"
    assert clean_line("Zoe\u0301\tBront\u00eb") == "Zoé Brontë"  # NFC: one character each
    assert check_name("First name", "Ann\u00a0Marie\u2029", 100) == "Ann Marie"
    assert clean_lines("1 High St\r\n\r\n  Bournemouth \u200b") == "1 High St\nBournemouth"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Zo\x00e", "contains a NUL character"),
        ("\x1b[31mZoe\x1b[0m", "contains an escape code (ESC)"),
        ("Zoe\x7f", "contains a control character"),
        ("Zoe\ud800", "broken character"),
    ],
)
def test_control_characters_are_refused_not_kept_or_dropped(typed, says):
    for check in (check_name, check_line, check_lines):
        with pytest.raises(ValidationError) as refused:
            check("First name", typed, 100)
        assert says in str(refused.value)
        assert "Zoe" not in str(refused.value)  # the message repeats nothing typed


def test_names_of_any_alphabet_are_kept_as_typed_once_clean():
    for name in ("O'Brien-Smith", "Nguyễn", "Ol·la", "D\u2019Souza", "St. John", "Łukasz",
                 "محمد", "王芳", "ʻIolani", "Henry VIII", "Child3"):  # fmt: skip
        assert check_name("First name", name, 100) == name


def test_a_name_is_limited_after_cleaning_and_the_message_gives_the_numbers():
    assert check_name("First name", "a" * 100 + "\u200b" * 50, 100) == "a" * 100
    with pytest.raises(ValidationError) as refused:
        check_name("First name", "a" * 5000, LIMITS["child.first_name"].length)
    assert str(refused.value) == "First name is 5,000 characters long; the most it can be is 100"


@given(MESSY)
def test_fold_sees_through_invisible_characters(text):
    assert fold(text) == fold(clean_line(text))
    assert fold("Anna\u200b Smith") == fold("anna  smith") == "anna smith"


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(NAMES, NAMES, NAMES, NAMES, NAMES, NAMES)
def test_stored_sort_keys_order_children_as_the_list_sorts_them(f1, l1, p1, f2, l2, p2):
    """A child's stored keys compare, as plain text, as the list's Python keys compare: the
    surname then the whole name; the family by its folded name."""
    from caseload_app.domain.text import child_sort_keys, person_sort_key, sort_key

    name1, family1 = child_sort_keys(f1, l1, p1)
    name2, family2 = child_sort_keys(f2, l2, p2)
    key1, key2 = person_sort_key(l1, f"{f1} {l1}"), person_sort_key(l2, f"{f2} {l2}")
    assert (name1 < name2) == (key1 < key2) and (name1 == name2) == (key1 == key2)
    assert (family1 < family2) == (sort_key(p1) < sort_key(p2))
    # Text a database stores: no NUL, and UTF-8 bytes order as the code points do.
    assert "\x00" not in name1 + family1
    assert (name1.encode() < name2.encode()) == (name1 < name2)
