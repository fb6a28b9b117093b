"""What people type, made one thing: names and other text cleaned the same way everywhere
(forms, import, search) and checked against the same limits (forms, import, the database);
text folding for search (case- and accent-insensitive, spacing-insensitive identifiers); and
counts in words."""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

from caseload_app.domain.validators import ValidationError

# --------------------------------------------------------------------------- cleaning
# Control characters that are only spacing (tab, line breaks, form feed, NEL): a name
# pasted from a cell with Alt+Enter in it means the space.
_SPACING_CONTROLS = frozenset("\t\n\r\x0b\x0c\x85")


def _kept(ch: str) -> bool:
    """Not invisible: format characters (Cf: zero-width spaces and joiners, bidi overrides
    and isolates, byte-order marks, soft hyphens) and control characters (Cc) go."""
    return unicodedata.category(ch) not in ("Cf", "Cc") or ch in _SPACING_CONTROLS


def clean_line(text: str) -> str:
    """One line as the person meant it: NFC, invisible and control characters removed,
    every run of spacing (tabs, line breaks, non-breaking spaces) one space, none at
    either end. Idempotent; never longer than the NFC form of what was typed."""
    kept = "".join(ch for ch in unicodedata.normalize("NFC", text) if _kept(ch))
    return " ".join(kept.split())


def clean_lines(text: str) -> str:
    """Several lines (an address, an outcome): each cleaned as `clean_line`, blank lines
    dropped, joined with a line break."""
    lines = (clean_line(line) for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def junk_in(text: str) -> str | None:
    """What is wrong if `text` holds a character no one types: a control character (NUL,
    an escape code from a terminal, DEL…) other than spacing, or half a surrogate pair.
    Invisible format characters are not junk: cleaning removes them."""
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cc" and ch not in _SPACING_CONTROLS:
            what = {"\x00": "a NUL character", "\x1b": "an escape code (ESC)"}
            return f"contains {what.get(ch, 'a control character')}, which no one types"
        if kind == "Cs":
            return "contains a broken character (half a surrogate pair)"
    return None


def check_name(label: str, text: str, limit: int) -> str:
    """A person's name, cleaned, then checked: not empty, no control characters, at most
    `limit` characters. Any alphabet, and whatever else people's names hold (apostrophes,
    hyphens, digits in "Henry VIII"-like or placeholder names): what the forms always took.
    Raises ValidationError with a message that repeats none of what was typed."""
    return _checked_line(label, text, limit, required=True)


def check_line(label: str, text: str, limit: int, *, required: bool = False) -> str:
    """One line of free text (a parent's name, a setting, a language), cleaned, then
    checked: no control characters, at most `limit` characters (empty allowed unless
    `required`)."""
    return _checked_line(label, text, limit, required=required)


def check_lines(label: str, text: str, limit: int) -> str:
    """Several lines of free text (an address), cleaned, then checked like `check_line`."""
    problem = junk_in(text)
    if problem:
        raise ValidationError(f"{label} {problem}: retype it")
    value = clean_lines(text)
    _check_length(label, value, limit)
    return value


def _checked_line(label: str, text: str, limit: int, *, required: bool) -> str:
    problem = junk_in(text)
    if problem:
        raise ValidationError(f"{label} {problem}: retype it")
    value = clean_line(text)
    if required and not value:
        raise ValidationError(f"{label} cannot be empty")
    _check_length(label, value, limit)
    return value


def _check_length(label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValidationError(
            f"{label} is {len(value):,} characters long; the most it can be is {limit}"
        )


# --------------------------------------------------------------------------- limits
class Limit(NamedTuple):
    label: str  # as a message names the field
    length: int  # characters, after cleaning


# The longest each typed text column may be: the forms, the import and the database (a
# CHECK constraint, migration 0007) all hold the same numbers.
LIMITS: dict[str, Limit] = {
    "child.first_name": Limit("First name", 100),
    "child.last_name": Limit("Last name", 100),
    "child.upn": Limit("UPN", 13),
    "child.nhs_number": Limit("NHS number", 10),
    "child.setting": Limit("Setting", 200),
    "child.year_group": Limit("Year group", 10),
    "family.parent_carer_name": Limit("Parent/carer name", 200),
    "family.address": Limit("Address", 500),
    "family.postcode": Limit("Postcode", 8),
    "family.phone": Limit("Phone", 20),
    "family.email": Limit("Email", 254),
    "family.language": Limit("Language", 60),
    "contact.name": Limit("Name", 200),
    "contact.relation": Limit("Relation", 60),
    "contact.phone": Limit("Phone", 20),
    "contact.email": Limit("Email", 254),
    "contact.language": Limit("Language", 60),
    "caseworker.name": Limit("Caseworker", 120),
    "placement.setting_name": Limit("Setting", 200),
    "advice_provider.name": Limit("Provider", 120),
    "advice_provider.email": Limit("Email", 254),
    "advice_provider.address": Limit("Address", 500),
    "advice_provider.manager_name": Limit("Manager", 120),
    "advice_provider.manager_role": Limit("Manager's role", 120),
    "advice_provider.manager_email": Limit("Manager's email", 254),
}


def limit_of(column: str) -> int:
    """The limit of "table.column" (KeyError for a column without one: a bug)."""
    return LIMITS[column].length


# --------------------------------------------------------------------------- search
def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Zoë' and 'ZOE' both match 'zoe'; cleaned first, so
    a zero-width space or a doubled space typed into a name does not hide it."""
    if text.isascii() and text.isprintable():
        # Most text is plain ASCII (a register of 50,000 schools is folded on import):
        # nothing to normalise or strip, so the same answer without the Unicode passes.
        return " ".join(text.lower().split())
    # Compatibility forms can decompose to capitals (e.g. '℡' → 'TEL'), so fold after
    # decomposing, then decompose once more for what case folding itself produces.
    folded = _strip_marks(_strip_marks(clean_line(text)).casefold())
    return " ".join(folded.split())  # decomposing can make spaces too ('´' is ' ' + accent)


def how_many(n: int, one: str, many: str) -> str:
    """'1 child', '1,204 children'."""
    return f"{n:,} {one if n == 1 else many}"


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_key(*parts: str | None) -> str:
    """One searchable string for a child: names folded; identifiers also without spaces.

    Parts are joined with a separator no query contains, so a match never straddles fields.
    """
    words: list[str] = []
    for part in parts:
        if not part:
            continue
        folded = fold(part).strip()
        words.append(folded)
        squashed = folded.replace(" ", "")
        if squashed != folded:
            words.append(squashed)
    return "\x1f".join(words)


def child_search_text(
    first_name: str,
    last_name: str,
    parent_carer_name: str | None,
    upn: str | None,
    nhs_number: str | None,
    postcode: str | None,
    phone: str | None,
) -> str:
    """The stored search key for a child: full name as one part so "ann smith" matches."""
    return search_key(
        f"{first_name} {last_name}", parent_carer_name, upn, nhs_number, postcode, phone
    )


def child_keys(
    first_name: str,
    last_name: str,
    parent_carer_name: str | None,
    upn: str | None,
    nhs_number: str | None,
    postcode: str | None,
    phone: str | None,
) -> dict[str, str]:
    """Every key stored with a child, by column: what the list searches and sorts by."""
    sort_name, family_sort_name = child_sort_keys(first_name, last_name, parent_carer_name)
    return {
        "search_text": child_search_text(
            first_name, last_name, parent_carer_name, upn, nhs_number, postcode, phone
        ),
        "sort_name": sort_name,
        "family_sort_name": family_sort_name,
    }


def matches(query: str, key: str) -> bool:
    """A folded query against a search key; spaces in typed identifiers are optional."""
    return query in key or (" " in query and query.replace(" ", "") in key)


def days_text(days: int | None) -> str:
    """Days to a deadline in words, one way everywhere: "3 days left", "Due today",
    "11 days overdue" (never "-11")."""
    if days is None:
        return ""
    if days == 0:
        return "Due today"
    if days > 0:
        return how_many(days, "day", "days") + " left"
    return how_many(-days, "day", "days") + " overdue"


# Letters that carry no separable accent, so folding leaves them after "z"; in an English
# list people look for Łukasz among the Ls and Øyvind among the Os.
_BASE_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
     "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ĳ": "ij"}
)  # fmt: skip


def sort_key(text: str) -> str:
    """How a name sorts in a list: without case or accents, Ł with L, Æ as AE."""
    return fold(text).translate(_BASE_LETTERS)


def person_sort_key(last_name: str, full_name: str) -> tuple[str, str]:
    """A person's place in a list: by surname, then by the whole name."""
    return sort_key(last_name), sort_key(full_name)


# Between a stored key's parts: below every character a sort key holds (fold drops control
# characters), so the joined text sorts as the tuple of its parts does.
KEY_PARTS = "\x01"


def child_sort_keys(
    first_name: str, last_name: str, parent_carer_name: str | None
) -> tuple[str, str]:
    """The keys stored with a child that the case list sorts its Child and Family columns
    by in SQL, compared code point by code point as Python compares person_sort_key and
    sort_key."""
    last, whole = person_sort_key(last_name, f"{first_name} {last_name}")
    return f"{last}{KEY_PARTS}{whole}", sort_key(parent_carer_name or "")
