"""Validate and normalise the identifiers caseworkers type: UPN, ULN, NHS number, postcode,
email, phone number, date of birth.

Every function returns the normalised value or raises ValidationError whose message is shown
to the caseworker as it is: it says exactly what is wrong and how to fix it, and repeats no
more of what was typed than needed (these are identifiers of children).

Only ASCII letters and digits count as letters and digits here: `str.isdigit()` also accepts
"²" and Arabic-Indic digits, which no UK identifier contains.
"""

from __future__ import annotations

import string
import unicodedata
from datetime import date, datetime

from stdnum.gb import upn as _stdnum_upn

from caseload_app.domain.codes import la_codes
from caseload_app.domain.errors import ValidationError  # re-exported below

__all__ = [
    "UPN_CHECK_ALPHABET",
    "ValidationError",
    "age_on",
    "check_date_of_birth",
    "format_nhs_number",
    "normalise_email",
    "normalise_nhs_number",
    "normalise_postcode",
    "normalise_uk_phone",
    "normalise_uln",
    "normalise_upn",
]

MAX_EHCP_AGE = 25

_DIGITS = frozenset(string.digits)
_LETTERS = frozenset(string.ascii_uppercase)


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# --- UPN -----------------------------------------------------------------------------------

# Letters used for UPN check letters and temporary-UPN suffixes: A–Z without I, O and S.
UPN_CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _known_la_numbers() -> dict[int, str]:
    return la_codes()


def normalise_upn(text: str) -> str:
    """A Unique Pupil Number: 13 characters, upper case, no spaces.

    Check letter, 3-digit LA number, 4-digit establishment, 2-digit year, 3-digit serial (a
    temporary UPN ends in a letter). The LA number is checked against our own list
    (resources/codes/la_codes.csv), not python-stdnum's, which lacks 838, 839 and 940–943.
    """
    upn = "".join(text.split())
    if not upn:
        raise ValidationError("UPN is empty")
    if not all(_is_ascii_alnum(ch) for ch in upn):
        raise ValidationError("UPN can only contain letters and digits")
    upn = upn.upper()
    if len(upn) != 13:
        raise ValidationError(f"UPN must be 13 characters (this has {len(upn)})")
    if upn[0] not in _LETTERS:
        raise ValidationError("UPN must start with a letter (its check letter), not a digit")
    if not all(ch in _DIGITS for ch in upn[1:12]):
        raise ValidationError("UPN characters 2–12 must be digits")
    if upn[12] not in _DIGITS and upn[12] not in UPN_CHECK_ALPHABET:
        raise ValidationError(
            "UPN character 13 must be a digit, or for a temporary UPN a letter other than I, O or S"
        )
    la_number = int(upn[1:4])
    if la_number not in _known_la_numbers():
        raise ValidationError(f"UPN LA number {upn[1:4]} is not a known English local authority")
    # stdnum's weighting counts a digit as 23 + its value, which is the same mod 23.
    expected = _stdnum_upn.calc_check_digit(upn[1:])
    if upn[0] != expected:
        raise ValidationError(f"UPN check letter should be {expected}, not {upn[0]}")
    return upn


# --- NHS number ----------------------------------------------------------------------------


def _nhs_check_digit(first_nine: str) -> int:
    """11 − (Σ weight × digit mod 11) with weights 10…2; 11 means 0; 10 means no valid number."""
    weights = range(10, 1, -1)
    total = sum(w * int(digit) for w, digit in zip(weights, first_nine, strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def normalise_nhs_number(text: str) -> str:
    """An NHS number as 10 digits with no spaces (spaces and dashes are accepted on input)."""
    cleaned = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if not cleaned:
        raise ValidationError("NHS number is empty")
    if not all(ch in _DIGITS for ch in cleaned):
        raise ValidationError("NHS number can only contain digits and spaces")
    if len(cleaned) != 10:
        raise ValidationError(f"NHS number must be 10 digits (this has {len(cleaned)})")
    check = _nhs_check_digit(cleaned[:9])
    if check == 10:
        raise ValidationError("Not a valid NHS number: its check digit would be 10")
    if int(cleaned[9]) != check:
        raise ValidationError(f"NHS number check digit should be {check}, not {cleaned[9]}")
    return cleaned


def format_nhs_number(text: str) -> str:
    """An NHS number as people read it, 3-3-4: "401 023 2137". Validates first."""
    number = normalise_nhs_number(text)
    return f"{number[:3]} {number[3:6]} {number[6:]}"


# --- ULN -----------------------------------------------------------------------------------


def _uln_check_digit(first_nine: str) -> int | None:
    """The Learning Records Service's check: weights 10 down to 2 on the first nine digits,
    the check digit 10 minus the sum's remainder by 11; a remainder of 0 gives no valid
    number (the same as: all ten digits weighted 10 down to 1 leave 10 over, by 11)."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def normalise_uln(text: str) -> str:
    """A Unique Learner Number (given to young people from 14 by the Learning Records
    Service): 10 digits, the first not 0, the last a check digit; spaces are accepted."""
    cleaned = "".join(ch for ch in text if not ch.isspace())
    if not cleaned:
        raise ValidationError("ULN is empty")
    if not all(ch in _DIGITS for ch in cleaned):
        raise ValidationError("ULN can only contain digits (a UPN goes in the UPN box)")
    if len(cleaned) != 10:
        raise ValidationError(f"ULN must be 10 digits (this has {len(cleaned)})")
    if cleaned[0] == "0":
        raise ValidationError("ULN cannot start with 0")
    check = _uln_check_digit(cleaned[:9])
    if check is None:
        raise ValidationError("Not a valid ULN: no check digit fits its first nine digits")
    if int(cleaned[9]) != check:
        raise ValidationError(f"ULN check digit should be {check}, not {cleaned[9]}")
    return cleaned


# --- Postcode ------------------------------------------------------------------------------

_POSTCODE_FIRST_NOT = "QVX"
_POSTCODE_SECOND_NOT = "IJZ"
_POSTCODE_A9A_THIRD = frozenset("ABCDEFGHJKPSTUW")
_POSTCODE_AA9A_FOURTH = frozenset("ABEHMNPRVWXY")
_POSTCODE_INWARD_NOT = "CIKMOV"
_OUTWARD_SHAPES = frozenset({"A9", "A99", "AA9", "AA99", "A9A", "AA9A"})
_POSTCODE_EXAMPLE = "e.g. BH1 1AA"


def _shape(text: str) -> str:
    return "".join("9" if ch in _DIGITS else "A" for ch in text)


def _check_outward(outward: str) -> None:
    prefix = f"Postcode outward code '{outward}'"
    if outward[0] not in _LETTERS:
        raise ValidationError(f"{prefix} must start with a letter")
    if outward[0] in _POSTCODE_FIRST_NOT:
        raise ValidationError(f"{prefix} cannot start with {outward[0]}")
    shape = _shape(outward)
    if shape not in _OUTWARD_SHAPES:
        raise ValidationError(
            f"{prefix} is not in a valid form (it should look like B1, B12, BH1, BH12, W1A or EC1A)"
        )
    if shape.startswith("AA") and outward[1] in _POSTCODE_SECOND_NOT:
        raise ValidationError(f"{prefix} cannot have {outward[1]} as its second letter")
    if shape == "A9A" and outward[2] not in _POSTCODE_A9A_THIRD:
        raise ValidationError(f"{prefix} cannot end with {outward[2]}")
    if shape == "AA9A" and outward[3] not in _POSTCODE_AA9A_FOURTH:
        raise ValidationError(f"{prefix} cannot end with {outward[3]}")


def _check_inward(inward: str) -> None:
    prefix = f"Postcode inward code '{inward}'"
    if _shape(inward) != "9AA":
        raise ValidationError(f"{prefix} must be a digit followed by two letters")
    for ch in inward[1:]:
        if ch in _POSTCODE_INWARD_NOT:
            raise ValidationError(f"{prefix} cannot contain {ch}")


def normalise_postcode(text: str) -> str:
    """A UK postcode in upper case with one space before the 3-character inward code."""
    parts = text.split()
    compact = "".join(parts)
    if not compact:
        raise ValidationError("Postcode is empty")
    if not (compact.isascii() and compact.isalnum()):  # every character (compact is not empty)
        raise ValidationError("Postcode can only contain letters, digits and spaces")
    compact = compact.upper()
    if compact == "GIR0AA":  # Girobank's historic code, still in use and outside the rules
        return "GIR 0AA"
    if len(compact) < 5:
        raise ValidationError(
            f"Postcode is too short: it needs 5 to 7 letters and digits ({_POSTCODE_EXAMPLE})"
        )
    if len(compact) > 7:
        raise ValidationError(
            f"Postcode is too long: it has at most 7 letters and digits ({_POSTCODE_EXAMPLE})"
        )
    # A space typed in the wrong place is more likely a typo than a postcode to guess at.
    if len(parts) == 2 and len(parts[1]) != 3:
        raise ValidationError(
            "Postcode needs 3 characters after the space: a digit and two letters "
            f"({_POSTCODE_EXAMPLE})"
        )
    outward, inward = compact[:-3], compact[-3:]
    _check_outward(outward)
    _check_inward(inward)
    return f"{outward} {inward}"


# --- Date of birth -------------------------------------------------------------------------


def age_on(dob: date, today: date) -> int:
    """Age in completed years. A 29 February birthday is reached on 1 March in other years."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def check_date_of_birth(dob: date, today: date) -> date:
    """A plausible date of birth for a child or young person on an EHCP (aged 0–25)."""
    # A datetime cannot be compared with a date; only the day matters here.
    if isinstance(dob, datetime):
        dob = dob.date()
    if isinstance(today, datetime):
        today = today.date()
    if dob > today:
        raise ValidationError("Date of birth cannot be in the future")
    age = age_on(dob, today)
    if age > MAX_EHCP_AGE:
        raise ValidationError(
            f"Date of birth makes them {age}; a child or young person on an EHCP is "
            f"{MAX_EHCP_AGE} or under"
        )
    return dob


# --- Email ---------------------------------------------------------------------------------

_EMAIL_FORBIDDEN = ',;:<>()[]\\"'


def normalise_email(text: str) -> str:
    """An email address, pragmatically checked; the domain is lower-cased (the name is not,
    because in principle it is case-sensitive)."""
    address = text.strip()
    if not address:
        raise ValidationError("Email address is empty")
    if any(ch.isspace() for ch in address):
        raise ValidationError("Email address cannot contain spaces")
    for ch in address:
        if ch in _EMAIL_FORBIDDEN:
            raise ValidationError(f"Email address cannot contain {ch}")
        if unicodedata.category(ch).startswith("C"):
            raise ValidationError("Email address contains an invisible or control character")
    at_signs = address.count("@")
    if at_signs == 0:
        raise ValidationError("Email address must contain an @")
    if at_signs > 1:
        raise ValidationError("Email address must contain only one @")
    local, domain = address.split("@")
    if not local:
        raise ValidationError("Email address needs a name before the @")
    if not domain:
        raise ValidationError("Email address needs a domain after the @, e.g. example.org")
    # Checked as it will be stored: lower-casing can add characters ("İ" -> "i" + a dot).
    domain = domain.lower()
    if "." not in domain:
        raise ValidationError("Email address domain must contain a dot, e.g. example.org")
    if any(not label for label in domain.split(".")):
        raise ValidationError(
            "Email address domain cannot start or end with a dot or have two dots together"
        )
    if not all(ch.isalnum() or ch in ".-" for ch in domain):
        raise ValidationError(
            "Email address domain can only contain letters, digits, dots and hyphens"
        )
    return f"{local}@{domain}"


# --- UK phone ------------------------------------------------------------------------------

_PHONE_PUNCTUATION = "-()./"
_PHONE_PREFIXES = ("01", "02", "03", "05", "07", "08")
_PHONE_ELEVEN_ONLY = ("02", "03", "07")  # every number in these ranges has 11 digits


def _phone_digits(text: str) -> tuple[bool, str]:
    """(had a leading +, the digits) or ValidationError for anything else typed."""
    plus = False
    digits: list[str] = []
    for ch in text:
        if ch in _DIGITS:
            digits.append(ch)
        elif ch.isspace() or ch in _PHONE_PUNCTUATION:
            continue
        elif ch == "+" and not plus and not digits:
            plus = True
        else:
            raise ValidationError(
                "Phone number can only contain digits, spaces, dashes, brackets and a leading +"
            )
    return plus, "".join(digits)


def _national(plus: bool, digits: str) -> str:
    """Turn +44 / 0044 / 44 forms into the national 0… form."""
    if plus or digits.startswith("00"):
        international = digits[2:] if digits.startswith("00") and not plus else digits
        if not international.startswith("44"):
            raise ValidationError("Only UK phone numbers can be recorded: the code must be +44")
    elif digits.startswith("44") and len(digits) in (12, 13):
        international = digits  # "44 7700 900123": +44 typed without the +
    else:
        return digits
    rest = international[2:]
    # "+44 (0)1202 …": the bracketed national 0 is dropped after +44.
    return "0" + (rest[1:] if rest.startswith("0") else rest)


def _format_phone(number: str) -> str:
    """Readable national grouping as used by Ofcom / BT directories."""
    if number.startswith("02"):
        return f"{number[:3]} {number[3:7]} {number[7:]}"  # 020 7946 0123
    if number.startswith("01"):
        if len(number) == 11 and "1" in (number[2], number[3]):
            return f"{number[:4]} {number[4:7]} {number[7:]}"  # 0113 / 0121 …: 0121 496 0123
        return f"{number[:5]} {number[5:]}"  # 01202 123456, 016977 areas: 01697 74321
    if number.startswith("07"):
        return f"{number[:5]} {number[5:]}"  # 07700 900123
    if len(number) == 11:
        return f"{number[:4]} {number[4:7]} {number[7:]}"  # 0300 123 4567
    return f"{number[:4]} {number[4:]}"  # 0800 123456


def normalise_uk_phone(text: str) -> str:
    """A UK phone number in readable national form, e.g. "01202 123456", "07700 900123"."""
    if not text.strip():
        raise ValidationError("Phone number is empty")
    plus, digits = _phone_digits(text)
    if not digits:
        raise ValidationError("Phone number has no digits")
    number = _national(plus, digits)
    if not number.startswith("0"):
        raise ValidationError("UK phone numbers start with 0 (or +44)")
    if len(number) < 2:
        raise ValidationError("UK phone numbers must be 10 or 11 digits (this has 1)")
    prefix = number[:2]
    if prefix not in _PHONE_PREFIXES:
        raise ValidationError(f"UK phone numbers start with 01, 02, 03, 05, 07 or 08, not {prefix}")
    if prefix in _PHONE_ELEVEN_ONLY and len(number) != 11:
        raise ValidationError(
            f"Phone numbers starting {prefix} must be 11 digits (this has {len(number)})"
        )
    if len(number) not in (10, 11):
        raise ValidationError(f"UK phone numbers must be 10 or 11 digits (this has {len(number)})")
    return _format_phone(number)
