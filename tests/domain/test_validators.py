"""Validators: valid examples, normalisation, every error message, and property tests."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.gb import nhs as stdnum_nhs
from stdnum.gb import upn as stdnum_upn

from caseload_app.domain import codes
from caseload_app.domain.validators import (
    UPN_CHECK_ALPHABET,
    ValidationError,
    age_on,
    check_date_of_birth,
    format_nhs_number,
    normalise_email,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    normalise_uln,
    normalise_upn,
)


def error_of(func: Callable[[str], object], text: str) -> str:
    with pytest.raises(ValidationError) as info:
        func(text)
    return str(info.value)


def upn_check_letter(body: str) -> str:
    """The check letter as docs/statutory-rules.md states it, apart from python-stdnum."""
    total = 0
    for position, ch in enumerate(body, start=2):
        value = int(ch) if ch.isdigit() else UPN_CHECK_ALPHABET.index(ch)
        total += position * value
    return UPN_CHECK_ALPHABET[total % 23]


def nhs_check(first_nine: str) -> int:
    check = 11 - sum((10 - i) * int(d) for i, d in enumerate(first_nine)) % 11
    return 0 if check == 11 else check


# --- UPN -----------------------------------------------------------------------------------


class TestUpn:
    @pytest.mark.parametrize("upn", ["L837201500012", "H83720150001A"])
    def test_domain_examples_are_valid(self, upn: str) -> None:
        assert normalise_upn(upn) == upn

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("l837201500012", "L837201500012"),
            ("  L837 2015 00012 ", "L837201500012"),
            ("h83720150001a", "H83720150001A"),
            ("L 8 3 7 2 0 1 5 0 0 0 1 2", "L837201500012"),
            ("L837201500012\n", "L837201500012"),
        ],
    )
    def test_normalises_case_and_spaces(self, text: str, expected: str) -> None:
        assert normalise_upn(text) == expected

    def test_check_letter_matches_domain_algorithm(self) -> None:
        assert upn_check_letter("837201500012") == "L"
        assert upn_check_letter("83720150001A") == "H"

    def test_our_alphabet_is_stdnums(self) -> None:
        assert len(UPN_CHECK_ALPHABET) == 23
        # Every letter of ours is a check letter stdnum can produce, and no other.
        produced = {stdnum_upn.calc_check_digit(f"{n:012d}") for n in range(100)}
        assert produced == set(UPN_CHECK_ALPHABET)
        assert not set("IOS") & set(UPN_CHECK_ALPHABET)

    @pytest.mark.parametrize("la", [838, 839, 940, 941, 942, 943])
    def test_las_created_since_2019_are_accepted(self, la: int) -> None:
        body = f"{la}201500012"
        upn = upn_check_letter(body) + body
        assert normalise_upn(upn) == upn
        # The reason we keep our own list: python-stdnum rejects these.
        assert not stdnum_upn.is_valid(upn)

    @pytest.mark.parametrize("la", [835, 836, 837, 909, 928, 820, 875])
    def test_retired_las_still_accepted_on_older_upns(self, la: int) -> None:
        body = f"{la}200800123"
        upn = upn_check_letter(body) + body
        assert normalise_upn(upn) == upn

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "UPN is empty"),
            ("   ", "UPN is empty"),
            ("L837-2015-00012", "UPN can only contain letters and digits"),
            ("L8372015000１2", "UPN can only contain letters and digits"),  # full-width digit
            ("L837201500０12", "UPN can only contain letters and digits"),
            ("L83720150001", "UPN must be 13 characters (this has 12)"),
            ("L8372015000123", "UPN must be 13 characters (this has 14)"),
            ("ß83720150001", "UPN can only contain letters and digits"),
            ("1837201500012", "UPN must start with a letter (its check letter), not a digit"),
            ("L83720150A012", "UPN characters 2–12 must be digits"),
            ("LA37201500012", "UPN characters 2–12 must be digits"),
            ("L8372015000AB", "UPN characters 2–12 must be digits"),
            (
                "L83720150001I",
                "UPN character 13 must be a digit, or for a temporary UPN a letter other than "
                "I, O or S",
            ),
            (
                "L83720150001o",
                "UPN character 13 must be a digit, or for a temporary UPN a letter other than "
                "I, O or S",
            ),
            ("L999201500012", "UPN LA number 999 is not a known English local authority"),
            ("L000201500012", "UPN LA number 000 is not a known English local authority"),
            ("H837201500012", "UPN check letter should be L, not H"),
            ("I837201500012", "UPN check letter should be L, not I"),
            ("A83720150001A", "UPN check letter should be H, not A"),
        ],
    )
    def test_error_messages(self, text: str, message: str) -> None:
        assert error_of(normalise_upn, text) == message

    def test_message_repeats_none_of_the_upn(self) -> None:
        for text in ["H837201500012", "L83720150001", "L83720150A012"]:
            message = error_of(normalise_upn, text)
            assert "837201" not in message

    @given(
        la=st.sampled_from(sorted(codes.la_codes())),
        digits=st.text(alphabet=string.digits, min_size=8, max_size=8),
        last=st.sampled_from(string.digits + UPN_CHECK_ALPHABET),
        wrong=st.sampled_from(string.ascii_uppercase),
    )
    def test_property_check_letter(self, la: int, digits: str, last: str, wrong: str) -> None:
        body = f"{la:03d}{digits}{last}"
        expected = upn_check_letter(body)
        assert stdnum_upn.calc_check_digit(body) == expected
        assert normalise_upn(expected + body) == expected + body
        assert normalise_upn((expected + body).lower()) == expected + body
        assume(wrong != expected)
        assert error_of(normalise_upn, wrong + body) == (
            f"UPN check letter should be {expected}, not {wrong}"
        )


# --- NHS number ----------------------------------------------------------------------------


class TestUln:
    """The Learning Records Service's check, stated as HESA's field notes give it: the first
    digit is not 0, and the ten digits weighted 10 down to 1 leave 10 over when divided by 11
    (an independent statement of what normalise_uln works out from the first nine)."""

    @staticmethod
    def lrs_valid(text: str) -> bool:
        total = sum(int(d) * w for d, w in zip(text, range(10, 0, -1), strict=True))
        return text[0] != "0" and total % 11 == 10

    def test_the_published_example_is_valid(self) -> None:
        assert normalise_uln("9276308686") == "9276308686"
        assert normalise_uln(" 92763 08686 ") == "9276308686"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "ULN is empty"),
            ("   ", "ULN is empty"),
            ("927630868A", "ULN can only contain digits (a UPN goes in the UPN box)"),
            ("L837201500012", "ULN can only contain digits (a UPN goes in the UPN box)"),
            ("927-630-8686", "ULN can only contain digits (a UPN goes in the UPN box)"),
            ("927630868", "ULN must be 10 digits (this has 9)"),
            ("92763086860", "ULN must be 10 digits (this has 11)"),
            ("0276308686", "ULN cannot start with 0"),
            ("9276308687", "ULN check digit should be 6, not 7"),
            # An NHS number typed in the ULN box: the two checks were made not to agree.
            ("4010232137", "ULN check digit should be 6, not 7"),
        ],
    )
    def test_error_messages(self, text: str, message: str) -> None:
        assert error_of(normalise_uln, text) == message

    def test_a_remainder_of_0_has_no_check_digit(self) -> None:
        prefix = next(
            p
            for p in (str(n) for n in range(100000000, 100001000))
            if sum(int(d) * w for d, w in zip(p, range(10, 1, -1), strict=True)) % 11 == 0
        )
        for last in string.digits:
            assert error_of(normalise_uln, prefix + last) == (
                "Not a valid ULN: no check digit fits its first nine digits"
            )

    @given(st.text(alphabet=string.digits, min_size=10, max_size=10))
    def test_accepted_exactly_when_the_published_check_holds(self, text: str) -> None:
        try:
            accepted = normalise_uln(text) == text
        except ValidationError:
            accepted = False
        assert accepted == self.lrs_valid(text)

    @given(st.integers(100000000, 999999999))
    def test_each_nine_digits_have_at_most_one_check_digit(self, first: int) -> None:
        valid = [d for d in string.digits if self.lrs_valid(f"{first}{d}")]
        assert len(valid) <= 1
        for d in valid:
            assert normalise_uln(f"{first}{d}") == f"{first}{d}"


class TestNhsNumber:
    @pytest.mark.parametrize(
        "text", ["401 023 2137", "4010232137", " 401-023-2137 ", "401  023\t2137"]
    )
    def test_domain_example_in_any_layout(self, text: str) -> None:
        assert normalise_nhs_number(text) == "4010232137"

    def test_format(self) -> None:
        assert format_nhs_number("4010232137") == "401 023 2137"
        assert format_nhs_number("401 0232 137") == "401 023 2137"

    def test_format_validates(self) -> None:
        assert error_of(format_nhs_number, "4010232138") == (
            "NHS number check digit should be 7, not 8"
        )

    def test_check_digit_eleven_means_zero(self) -> None:
        # Find a nine-digit prefix whose weighted sum is a multiple of 11.
        prefix = next(
            p for p in (f"{n:09d}" for n in range(100000000, 100001000)) if nhs_check(p) == 0
        )
        assert normalise_nhs_number(prefix + "0") == prefix + "0"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "NHS number is empty"),
            ("  ", "NHS number is empty"),
            ("401 023 213A", "NHS number can only contain digits and spaces"),
            ("401.023.2137", "NHS number can only contain digits and spaces"),
            ("401 023 213٧", "NHS number can only contain digits and spaces"),  # Arabic-Indic 7
            ("401 023 213", "NHS number must be 10 digits (this has 9)"),
            ("401 023 21370", "NHS number must be 10 digits (this has 11)"),
            ("401 023 2138", "NHS number check digit should be 7, not 8"),
            ("401 023 2130", "NHS number check digit should be 7, not 0"),
        ],
    )
    def test_error_messages(self, text: str, message: str) -> None:
        assert error_of(normalise_nhs_number, text) == message

    def test_check_digit_ten_is_invalid(self) -> None:
        prefix = next(
            p for p in (f"{n:09d}" for n in range(100000000, 100001000)) if nhs_check(p) == 10
        )
        for last in string.digits:
            assert error_of(normalise_nhs_number, prefix + last) == (
                "Not a valid NHS number: its check digit would be 10"
            )

    @given(st.text(alphabet=string.digits, min_size=9, max_size=9))
    def test_property_generated_numbers(self, first_nine: str) -> None:
        check = nhs_check(first_nine)
        assume(check != 10)
        number = first_nine + str(check)
        assert normalise_nhs_number(number) == number
        assert normalise_nhs_number(format_nhs_number(number)) == number
        assert format_nhs_number(number).replace(" ", "") == number
        assert stdnum_nhs.is_valid(number)
        wrong = str((check + 1) % 10)
        assert error_of(normalise_nhs_number, first_nine + wrong) == (
            f"NHS number check digit should be {check}, not {wrong}"
        )


# --- Postcode ------------------------------------------------------------------------------

FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"  # not Q V X
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"  # not I J Z
A9A_THIRD = "ABCDEFGHJKPSTUW"
AA9A_FOURTH = "ABEHMNPRVWXY"
INWARD = "ABDEFGHJLNPQRSTUWXYZ"  # not C I K M O V


@st.composite
def postcodes(draw: st.DrawFn) -> str:
    """A valid postcode built from docs/statutory-rules.md's grammar, in normal form."""
    digit = st.sampled_from(string.digits)
    shape = draw(st.sampled_from(["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]))
    outward = draw(st.sampled_from(FIRST))
    if shape.startswith("AA"):
        outward += draw(st.sampled_from(SECOND))
    outward += draw(digit)
    if shape in ("A99", "AA99"):
        outward += draw(digit)
    elif shape == "A9A":
        outward += draw(st.sampled_from(A9A_THIRD))
    elif shape == "AA9A":
        outward += draw(st.sampled_from(AA9A_FOURTH))
    inward = draw(digit) + draw(st.sampled_from(INWARD)) + draw(st.sampled_from(INWARD))
    return f"{outward} {inward}"


class TestPostcode:
    @pytest.mark.parametrize(
        "postcode",
        [
            "M1 1AE",  # A9
            "B33 8TH",  # A99
            "CR2 6XH",  # AA9
            "DN55 1PT",  # AA99
            "W1A 0AX",  # A9A
            "EC1A 1BB",  # AA9A
            "SW1A 1AA",
            "BH1 1AA",
            "GIR 0AA",
        ],
    )
    def test_valid_examples(self, postcode: str) -> None:
        assert normalise_postcode(postcode) == postcode

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("bh11aa", "BH1 1AA"),
            ("  bh1   1aa ", "BH1 1AA"),
            ("Sw1a1aa", "SW1A 1AA"),
            ("S W 1 A 1 A A", "SW1A 1AA"),
            ("ec1a\t1bb", "EC1A 1BB"),
            ("gir0aa", "GIR 0AA"),
            ("GIR  0AA", "GIR 0AA"),
        ],
    )
    def test_normalisation(self, text: str, expected: str) -> None:
        assert normalise_postcode(text) == expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "Postcode is empty"),
            ("   ", "Postcode is empty"),
            ("BH1-1AA", "Postcode can only contain letters, digits and spaces"),
            ("BH1 1ÅA", "Postcode can only contain letters, digits and spaces"),
            ("BH1", "Postcode is too short: it needs 5 to 7 letters and digits (e.g. BH1 1AA)"),
            (
                "BH12 34AAA",
                "Postcode is too long: it has at most 7 letters and digits (e.g. BH1 1AA)",
            ),
            (
                "BH11 AA",
                "Postcode needs 3 characters after the space: a digit and two letters "
                "(e.g. BH1 1AA)",
            ),
            ("1A1 1AA", "Postcode outward code '1A1' must start with a letter"),
            ("QA1 1AA", "Postcode outward code 'QA1' cannot start with Q"),
            ("V1 1AA", "Postcode outward code 'V1' cannot start with V"),
            ("XA12 1AA", "Postcode outward code 'XA12' cannot start with X"),
            ("BI1 1AA", "Postcode outward code 'BI1' cannot have I as its second letter"),
            ("BJ12 1AA", "Postcode outward code 'BJ12' cannot have J as its second letter"),
            ("EZ1A 1AA", "Postcode outward code 'EZ1A' cannot have Z as its second letter"),
            ("W1I 1AA", "Postcode outward code 'W1I' cannot end with I"),
            ("W1L 1AA", "Postcode outward code 'W1L' cannot end with L"),
            ("EC1C 1AA", "Postcode outward code 'EC1C' cannot end with C"),
            ("EC1K 1AA", "Postcode outward code 'EC1K' cannot end with K"),
            (
                "ABC 1AA",
                "Postcode outward code 'ABC' is not in a valid form (it should look like B1, "
                "B12, BH1, BH12, W1A or EC1A)",
            ),
            (
                "B123 1AA",
                "Postcode outward code 'B123' is not in a valid form (it should look like B1, "
                "B12, BH1, BH12, W1A or EC1A)",
            ),
            ("BH1 AAA", "Postcode inward code 'AAA' must be a digit followed by two letters"),
            ("BH1 11A", "Postcode inward code '11A' must be a digit followed by two letters"),
            ("BH1 1CA", "Postcode inward code '1CA' cannot contain C"),
            ("BH1 1AV", "Postcode inward code '1AV' cannot contain V"),
            ("BH1 1OA", "Postcode inward code '1OA' cannot contain O"),
        ],
    )
    def test_error_messages(self, text: str, message: str) -> None:
        assert error_of(normalise_postcode, text) == message

    @given(postcodes())
    def test_property_grammar_postcodes(self, postcode: str) -> None:
        assert normalise_postcode(postcode) == postcode
        assert normalise_postcode(normalise_postcode(postcode)) == postcode
        assert normalise_postcode(postcode.lower().replace(" ", "")) == postcode
        assert normalise_postcode("  " + postcode.replace(" ", "   ") + " ") == postcode


# --- Date of birth -------------------------------------------------------------------------

TODAY = date(2025, 3, 5)


class TestDateOfBirth:
    @pytest.mark.parametrize(
        "dob",
        [
            TODAY,  # a newborn
            date(2015, 6, 1),
            date(2000, 3, 5),  # 25 today
            date(1999, 3, 6),  # 25, turns 26 tomorrow
        ],
    )
    def test_valid(self, dob: date) -> None:
        assert check_date_of_birth(dob, TODAY) == dob

    def test_future(self) -> None:
        with pytest.raises(ValidationError, match=r"^Date of birth cannot be in the future$"):
            check_date_of_birth(date(2025, 3, 6), TODAY)

    def test_older_than_25(self) -> None:
        with pytest.raises(ValidationError) as info:
            check_date_of_birth(date(1999, 3, 5), TODAY)
        assert str(info.value) == (
            "Date of birth makes them 26; a child or young person on an EHCP is 25 or under"
        )

    def test_typo_year_gives_age(self) -> None:
        with pytest.raises(ValidationError, match="makes them 117"):
            check_date_of_birth(date(1908, 1, 1), TODAY)

    def test_datetimes_are_treated_as_dates(self) -> None:
        assert check_date_of_birth(datetime(2015, 6, 1, 23, 59), datetime(2025, 3, 5, 9)) == (
            date(2015, 6, 1)
        )

    def test_leap_day_birthday(self) -> None:
        dob = date(2000, 2, 29)
        assert age_on(dob, date(2025, 2, 28)) == 24
        assert age_on(dob, date(2025, 3, 1)) == 25
        assert check_date_of_birth(dob, date(2026, 2, 28)) == dob
        with pytest.raises(ValidationError, match="makes them 26"):
            check_date_of_birth(dob, date(2026, 3, 1))

    @given(dob=st.dates(), today=st.dates())
    def test_property_never_crashes(self, dob: date, today: date) -> None:
        try:
            assert check_date_of_birth(dob, today) == dob
        except ValidationError as exc:
            assert str(exc)
        else:
            assert dob <= today
            assert age_on(dob, today) <= 25


# --- Email ---------------------------------------------------------------------------------


class TestEmail:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("sam.jones@example.org", "sam.jones@example.org"),
            ("  Sam.Jones@Example.GOV.UK ", "Sam.Jones@example.gov.uk"),
            ("a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk"),
            ("o'brien@x-y.org", "o'brien@x-y.org"),
            ("zoë@exämple.org", "zoë@exämple.org"),
        ],
    )
    def test_valid_and_normalised(self, text: str, expected: str) -> None:
        assert normalise_email(text) == expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "Email address is empty"),
            ("   ", "Email address is empty"),
            ("sam jones@example.org", "Email address cannot contain spaces"),
            ("sam@example,org", "Email address cannot contain ,"),
            ("Sam <sam@example.org>", "Email address cannot contain spaces"),
            ("<sam@example.org>", "Email address cannot contain <"),
            ("sam;jo@example.org", "Email address cannot contain ;"),
            ("sam\u200b@example.org", "Email address contains an invisible or control character"),
            ("sam.example.org", "Email address must contain an @"),
            ("sam@@example.org", "Email address must contain only one @"),
            ("sam@jo@example.org", "Email address must contain only one @"),
            ("@example.org", "Email address needs a name before the @"),
            ("sam@", "Email address needs a domain after the @, e.g. example.org"),
            ("sam@localhost", "Email address domain must contain a dot, e.g. example.org"),
            (
                "sam@example.",
                "Email address domain cannot start or end with a dot or have two dots together",
            ),
            (
                "sam@.example.org",
                "Email address domain cannot start or end with a dot or have two dots together",
            ),
            (
                "sam@example..org",
                "Email address domain cannot start or end with a dot or have two dots together",
            ),
            (
                "sam@exa_mple.org",
                "Email address domain can only contain letters, digits, dots and hyphens",
            ),
        ],
    )
    def test_error_messages(self, text: str, message: str) -> None:
        assert error_of(normalise_email, text) == message


# --- Phone ---------------------------------------------------------------------------------


class TestUkPhone:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("01202 123456", "01202 123456"),
            ("01202123456", "01202 123456"),
            ("(01202) 123-456", "01202 123456"),
            ("+44 1202 123456", "01202 123456"),
            ("+44 (0)1202 123456", "01202 123456"),
            ("0044 1202 123456", "01202 123456"),
            ("44 1202 123456", "01202 123456"),
            ("07700 900123", "07700 900123"),
            ("07700-900-123", "07700 900123"),
            ("+447700900123", "07700 900123"),
            ("020 7946 0123", "020 7946 0123"),
            ("02079460123", "020 7946 0123"),
            ("0113 496 0123", "0113 496 0123"),
            ("01214960123", "0121 496 0123"),
            ("0161.496.0123", "0161 496 0123"),
            ("0169774321", "01697 74321"),  # a 10-digit 01 number
            ("0300 123 4567", "0300 123 4567"),
            ("08001234567", "0800 123 4567"),
            ("0800 123456", "0800 123456"),  # 10-digit freephone
            ("05001234567", "0500 123 4567"),
        ],
    )
    def test_valid_and_normalised(self, text: str, expected: str) -> None:
        assert normalise_uk_phone(text) == expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "Phone number is empty"),
            ("  ", "Phone number is empty"),
            ("+", "Phone number has no digits"),
            ("()", "Phone number has no digits"),
            (
                "01202 123456 ext 12",
                "Phone number can only contain digits, spaces, dashes, brackets and a leading +",
            ),
            (
                "01202 +123456",
                "Phone number can only contain digits, spaces, dashes, brackets and a leading +",
            ),
            (
                "++441202123456",
                "Phone number can only contain digits, spaces, dashes, brackets and a leading +",
            ),
            (
                "0120２ 123456",
                "Phone number can only contain digits, spaces, dashes, brackets and a leading +",
            ),
            ("+33 1 23 45 67 89", "Only UK phone numbers can be recorded: the code must be +44"),
            ("0033 1 23 45 67 89", "Only UK phone numbers can be recorded: the code must be +44"),
            ("1202 123456", "UK phone numbers start with 0 (or +44)"),
            ("0", "UK phone numbers must be 10 or 11 digits (this has 1)"),
            ("0909 879 0000", "UK phone numbers start with 01, 02, 03, 05, 07 or 08, not 09"),
            ("04123 456789", "UK phone numbers start with 01, 02, 03, 05, 07 or 08, not 04"),
            ("06123 456789", "UK phone numbers start with 01, 02, 03, 05, 07 or 08, not 06"),
            ("00", "Only UK phone numbers can be recorded: the code must be +44"),
            ("07700 90012", "Phone numbers starting 07 must be 11 digits (this has 10)"),
            ("07700 9001234", "Phone numbers starting 07 must be 11 digits (this has 12)"),
            ("+44 7700 90012", "Phone numbers starting 07 must be 11 digits (this has 10)"),
            ("020 7946 012", "Phone numbers starting 02 must be 11 digits (this has 10)"),
            ("0300 123 456", "Phone numbers starting 03 must be 11 digits (this has 10)"),
            ("01202 1234", "UK phone numbers must be 10 or 11 digits (this has 9)"),
            ("01202 1234567", "UK phone numbers must be 10 or 11 digits (this has 12)"),
            ("0800 12345", "UK phone numbers must be 10 or 11 digits (this has 9)"),
        ],
    )
    def test_error_messages(self, text: str, message: str) -> None:
        assert error_of(normalise_uk_phone, text) == message

    @given(
        prefix=st.sampled_from(["01", "02", "03", "07", "08"]),
        rest=st.text(alphabet=string.digits, min_size=9, max_size=9),
    )
    def test_property_eleven_digit_numbers_round_trip(self, prefix: str, rest: str) -> None:
        number = prefix + rest
        formatted = normalise_uk_phone(number)
        assert formatted.replace(" ", "") == number
        assert normalise_uk_phone(formatted) == formatted
        assert normalise_uk_phone("+44 " + number[1:]) == formatted
        assert normalise_uk_phone("+44 (0)" + number[1:]) == formatted


# --- Robustness: arbitrary text never crashes a validator ----------------------------------

TEXT_VALIDATORS: list[Callable[[str], str]] = [
    normalise_upn,
    normalise_nhs_number,
    format_nhs_number,
    normalise_postcode,
    normalise_email,
    normalise_uk_phone,
]

# Characters that reach the deeper branches more often than fully random text does.
NEAR_MISS = st.text(alphabet=string.ascii_letters + string.digits + " +-()@.٣ßİ\u200b", max_size=16)


def test_an_email_domain_is_checked_as_it_will_be_stored():
    """'İ' lower-cases to 'i' and a combining dot, which no domain may hold (found by the
    property below): refused, rather than stored as something it would refuse next time."""
    with pytest.raises(ValidationError, match="letters, digits, dots and hyphens"):
        normalise_email("0@0.İ")


@pytest.mark.parametrize("validator", TEXT_VALIDATORS, ids=lambda f: f.__name__)
@given(text=st.one_of(st.text(), NEAR_MISS))
def test_property_arbitrary_text(validator: Callable[[str], str], text: str) -> None:
    try:
        result = validator(text)
    except ValidationError as exc:
        assert str(exc).strip()
    else:
        assert isinstance(result, str)
        assert validator(result) == result  # a normalised value is a fixed point
