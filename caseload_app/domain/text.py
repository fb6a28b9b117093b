"""Text folding for search: case- and accent-insensitive, spacing-insensitive identifiers;
and counts in words."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Zoë' and 'ZOE' both match 'zoe'."""
    # Compatibility forms can decompose to capitals (e.g. '℡' → 'TEL'), so fold after
    # decomposing, then decompose once more for what case folding itself produces.
    folded = _strip_marks(text).casefold()
    return _strip_marks(folded)


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


def matches(query: str, key: str) -> bool:
    """A folded query against a search key; spaces in typed identifiers are optional."""
    return query in key or (" " in query and query.replace(" ", "") in key)
