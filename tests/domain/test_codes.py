"""Code lists: the shipped CSVs load, lookups accept codes or labels, broken files are named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from caseload_app.code_lists import codes_dir, load_codes, load_local_authorities, load_stages
from caseload_app.domain import codes
from caseload_app.domain.codes import (
    Code,
    CodeListError,
    Stage,
    code_for,
    label_for,
)
from caseload_app.domain.validators import ValidationError

LISTS: dict[str, tuple[Callable[[], tuple[Code, ...]], list[str]]] = {
    "primary_need.csv": (
        codes.primary_needs,
        [
            "SPLD",
            "MLD",
            "SLD",
            "PMLD",
            "SEMH",
            "SLCN",
            "HI",
            "VI",
            "MSI",
            "PD",
            "ASD",
            "OTH",
            "DS",
        ],  # Down syndrome: SEN2 from 2025
    ),
    # Saved advice requests keep these codes; the last four are Reg 6(1)(a), 6(1)(a),
    # 6(3) and 6(1)(g) (docs/statutory-rules.md, "Advice").
    "advice_types.csv": (
        codes.advice_types,
        [
            "ep",
            "health",
            "social_care",
            "education",
            "other",
            "parent",
            "young_person",
            "sensory",
            "adulthood",
        ],
    ),
    "channels.csv": (
        codes.channels,
        ["phone", "email", "letter", "meeting", "visit", "text", "other"],
    ),
    "stages.csv": (
        codes.stages,
        [
            "request_received",
            "assessment",
            "draft_issued",
            "plan_issued",
            "refused_to_assess",
            "not_issued",
            "ceased",
            "withdrawn",
        ],
    ),
    "exception_grounds.csv": (
        codes.exception_grounds,
        [
            "school_closed",
            "early_years_closed",
            "exceptional_circumstances",
            "absent_from_area",
            "missed_appointment",
            "not_recorded",
        ],
    ),
    "review_outcomes.csv": (codes.review_outcomes, ["maintain", "amend", "cease"]),
    # SEN2 <CeaseReason> (2025 return, item 4.6): 1 maximum age ... 9 other
    "cease_reasons.csv": (codes.cease_reasons, [str(n) for n in range(1, 10)]),
    "ehcp_sections.csv": (
        codes.ehcp_sections,
        ["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K"],
    ),
    "request_sources.csv": (
        codes.request_sources,
        # became_responsible: the clock starts when the council becomes responsible (s24)
        [
            "parent",
            "young_person",
            "school",
            "health",
            "social_care",
            "other",
            "became_responsible",
        ],
    ),
    # SEN2's placements: SENsetting codes, SEN unit / resourced provision, WBP (the sen2 column)
    "placement_kinds.csv": (
        codes.placement_kinds,
        ["setting", "eotas", "ehe", "neet", "other"],
    ),
    "placement_provision.csv": (
        codes.placement_provision,
        ["mainstream", "sen_unit", "resourced"],
    ),
    "attendance.csv": (codes.attendance, ["full_time", "part_time"]),
    "work_based.csv": (
        codes.work_based,
        ["apprenticeship", "supported_internship", "traineeship"],
    ),
    "placement_residential.csv": (
        codes.placement_residential,
        ["up_to_38_weeks", "39_to_52_weeks"],
    ),
    "sen2_officers.csv": (lambda: codes.listed("sen2_officers.csv"), ["Y", "N", "R"]),
    # SEN2 person details (2026 return): <Sex>, <Ethnicity> (CBDS main codes), <UPNunknown>
    "sen2_sex.csv": (codes.sen2_sexes, ["M", "F"]),
    "sen2_ethnicity.csv": (
        codes.sen2_ethnicities,
        [
            "WBRI",
            "WIRI",
            "WIRT",
            "WOTH",
            "WROM",
            "MWBC",
            "MWBA",
            "MWAS",
            "MOTH",
            "AIND",
            "APKN",
            "ABAN",
            "AOTH",
            "BCRB",
            "BAFR",
            "BOTH",
            "CHNE",
            "OOTH",
            "REFU",
            "NOBT",
        ],
    ),
    "sen2_upn_unknown.csv": (
        codes.sen2_upn_unknown_reasons,
        ["UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10"],
    ),
    # SEN2 <DP>: a plan's direct payments (Section J)
    "sen2_direct_payments.csv": (codes.sen2_direct_payments, ["E", "S", "H", "I"]),
    # Saved disagreements keep these (disagreement.about is at most 12 characters).
    "disagreement_about.csv": (
        codes.disagreement_abouts,
        ["not_assess", "not_issue", "plan_content", "cease", "review", "other"],
    ),
}


# --- the shipped lists ---------------------------------------------------------------------


@pytest.mark.parametrize("filename", sorted(LISTS))
def test_each_list_loads_with_the_expected_codes(filename: str) -> None:
    loader, expected = LISTS[filename]
    loaded = loader()
    assert isinstance(loaded, tuple)
    assert [entry.code for entry in loaded] == expected
    assert all(isinstance(entry, Code) and entry.label.strip() for entry in loaded)
    assert loader() is loaded  # read once


def test_every_shipped_csv_has_a_loader() -> None:
    shipped = {path.name for path in codes_dir().glob("*.csv")}
    # plan_checks.csv is the plan's rule list, loaded and tested in test_plan_checks.py, and
    # plan_qa_checklist.csv the audit's default checklist, in test_plan_audit.py.
    # sen2_checks.csv: the return's rules, loaded and tested in test_sen2_checks.py;
    # inspection_columns.csv, the inspection list's columns, in test_inspection.py.
    extra = {"la_codes.csv", "plan_checks.csv", "plan_qa_checklist.csv", "sen2_checks.csv",
             "inspection_columns.csv"}  # fmt: skip
    assert shipped == set(LISTS) | extra


def test_nsa_is_not_a_primary_need_on_an_ehcp() -> None:
    needs = codes.primary_needs()
    assert "NSA" not in {need.code for need in needs}
    with pytest.raises(ValidationError):
        code_for(needs, "NSA")
    with pytest.raises(ValidationError):
        code_for(needs, "No specialist assessment of type of need")


def test_primary_need_labels_are_sen2s() -> None:
    needs = codes.primary_needs()
    assert label_for(needs, "SEMH") == "Social, emotional and mental health"
    assert label_for(needs, "ASD") == "Autistic spectrum disorder"
    assert label_for(needs, "SLCN") == "Speech, language and communication needs"


def test_advice_type_ep_label() -> None:
    assert label_for(codes.advice_types(), "ep") == "Educational psychology"


def test_stages_say_whether_open() -> None:
    stages = codes.stages()
    assert all(isinstance(stage, Stage) for stage in stages)
    assert {stage.code for stage in stages if stage.open} == {
        "request_received",
        "assessment",
        "draft_issued",
        "plan_issued",
    }
    assert codes.open_stage_codes() == {
        "request_received",
        "assessment",
        "draft_issued",
        "plan_issued",
    }
    assert label_for(stages, "assessment") == "Assessment — gathering advice"


def test_ehcp_sections_split_h() -> None:
    sections = {section.code for section in codes.ehcp_sections()}
    assert {"H1", "H2"} <= sections
    assert "H" not in sections


# --- LA numbers ----------------------------------------------------------------------------


def test_la_codes_are_a_dict_of_names() -> None:
    las = codes.la_codes()
    assert las[839] == "Bournemouth, Christchurch and Poole"
    assert las[838] == "Dorset"
    assert las[940] == "North Northamptonshire"
    assert las[941] == "West Northamptonshire"
    assert las[942] == "Cumberland"
    assert las[943] == "Westmorland and Furness"
    assert all(100 <= number <= 999 for number in las)
    las[999] = "mutating a copy"
    assert 999 not in codes.la_codes()


def test_la_list_includes_everything_stdnum_knows() -> None:
    known = getattr(stdnum_upn, "_la_numbers", None)  # private: skip if stdnum reorganises
    if known is None:
        pytest.skip("python-stdnum no longer exposes its LA list")
    assert known <= set(codes.la_codes())


@pytest.mark.parametrize(
    ("number", "current"),
    [(835, False), (836, False), (837, False), (909, False), (928, False), (839, True)],
)
def test_retired_las_are_marked(number: int, current: bool) -> None:
    by_code = {la.code: la for la in codes.local_authorities()}
    assert by_code[number].current is current


def test_new_authorities_replace_retired_ones() -> None:
    current = {la.code for la in codes.local_authorities() if la.current}
    assert {838, 839, 940, 941, 942, 943} <= current
    assert not {835, 836, 837, 909, 928} & current


# --- lookups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("MLD", "MLD"),
        ("mld", "MLD"),
        ("  Mld ", "MLD"),
        ("Moderate learning difficulty", "MLD"),
        ("MODERATE   LEARNING DIFFICULTY", "MLD"),
        ("social, emotional and mental health", "SEMH"),
        ("Autistic spectrum disorder", "ASD"),
    ],
)
def test_code_for_accepts_code_or_label(text: str, code: str) -> None:
    assert code_for(codes.primary_needs(), text) == code


def test_code_for_ignores_dash_style() -> None:
    stages = codes.stages()
    assert code_for(stages, "Assessment - gathering advice") == "assessment"
    assert code_for(stages, "assessment – gathering advice") == "assessment"
    assert code_for(stages, "Draft plan issued — consultation") == "draft_issued"


def test_code_for_unknown_lists_accepted_values() -> None:
    with pytest.raises(ValidationError) as info:
        code_for(codes.review_outcomes(), "Discontinue")
    assert str(info.value) == (
        "'Discontinue' is not an accepted value; use one of: "
        "maintain (Maintain the plan as it is), amend (Amend the plan), "
        "cease (Cease to maintain the plan)"
    )


def test_code_for_empty() -> None:
    with pytest.raises(ValidationError, match=r"^A value is needed; use one of: ep \("):
        code_for(codes.advice_types(), "   ")


def test_code_for_shortens_long_input() -> None:
    with pytest.raises(ValidationError) as info:
        code_for(codes.channels(), "x" * 500)
    assert "x" * 41 not in str(info.value)
    assert "…" in str(info.value)


def test_accepted_values_omit_labels_equal_to_codes() -> None:
    toy = (Code("A", "a"), Code("B", "Bee"))
    with pytest.raises(ValidationError, match=r"use one of: A, B \(Bee\)$"):
        code_for(toy, "C")


def test_label_for() -> None:
    channels = codes.channels()
    assert label_for(channels, "text") == "Text message"
    assert label_for(channels, "TEXT") == "Text message"
    with pytest.raises(ValidationError, match=r"^'fax' is not a known code; use one of: phone"):
        label_for(channels, "fax")


def test_lookups_accept_any_iterable() -> None:
    assert code_for(iter(codes.channels()), "Email") == "email"
    assert label_for(list(codes.channels()), "email") == "Email"


@given(st.text())
def test_property_code_for_never_crashes(text: str) -> None:
    try:
        result = code_for(codes.primary_needs(), text)
    except ValidationError as exc:
        assert str(exc)
    else:
        assert result in {need.code for need in codes.primary_needs()}


@pytest.mark.parametrize("filename", sorted(LISTS))
def test_every_label_and_code_round_trips(filename: str) -> None:
    loaded = LISTS[filename][0]()
    for entry in loaded:
        assert code_for(loaded, entry.code) == entry.code
        assert code_for(loaded, entry.label) == entry.code
        assert code_for(loaded, entry.label.upper()) == entry.code
        assert label_for(loaded, entry.code) == entry.label


# --- broken files --------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "list.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def load_error(loader: Callable[[Path], object], path: Path) -> str:
    with pytest.raises(CodeListError) as info:
        loader(path)
    return str(info.value)


def test_loader_reads_a_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, "code,label,notes\n\nA,Alpha,first\n  B , Beta ,\n\n")
    assert load_codes(path) == (Code("A", "Alpha"), Code("B", "Beta"))
    assert load_codes(str(path)) == load_codes(path)


def test_loader_accepts_excel_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "code,label\nA,Alpha\n", encoding="utf-8-sig")
    assert load_codes(path) == (Code("A", "Alpha"),)


def test_loader_accepts_quoted_commas(tmp_path: Path) -> None:
    path = write(tmp_path, 'code,label\nA,"Alpha, the first"\n')
    assert load_codes(path) == (Code("A", "Alpha, the first"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "code,name\nA,Alpha\n",
            "line 1: missing column 'label' (header should start code,label; found code,name)",
        ),
        ("\n\nlabel\nAlpha\n", "line 3: missing column 'code'"),
        ("code,label,code\nA,Alpha,A\n", "line 1: column 'code' appears twice"),
        (
            "code,label\nA,Alpha\nB,Beta\nA,Again\n",
            "line 4: duplicate code 'A' (already used as a code on line 2)",
        ),
        (
            "code,label\nA,Alpha\nb,Beta\nB,Bee\n",
            "line 4: duplicate code 'B' (already used as a code on line 3)",
        ),
        (
            "code,label\nA,Alpha\nB,alpha\n",
            "line 3: duplicate label 'alpha' (already used as a label on line 2)",
        ),
        (
            "code,label\nA,Alpha\nalpha,Other\n",
            "line 3: duplicate code 'alpha' (already used as a label on line 2)",
        ),
        ("code,label\nA,Alpha\nB\n", "line 3: expected 2 values (code,label), found 1"),
        ("code,label\nA,Alpha,extra\n", "line 2: expected 2 values (code,label), found 3"),
        ("code,label\nA,\n", "line 2: 'label' is empty"),
        ("code,label\n ,Alpha\n", "line 2: 'code' is empty"),
        ('code,label\nA,"Alpha\n', "line 2: unexpected end of data"),
    ],
)
def test_malformed_file_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    assert load_error(load_codes, path).startswith(f"{path} {message}")


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "\n  \n")
    assert load_error(load_codes, path) == (
        f"{path}: file is empty; expected a header line code,label"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    assert load_error(load_codes, path) == f"Code list file {path} is missing"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("code,label\nA,Caf\xe9\n".encode("latin-1"))
    assert load_error(load_codes, path).startswith(f"{path}: not UTF-8 text")


def test_code_list_error_is_not_a_validation_error() -> None:
    # A broken shipped file is a fault to fix, not a caseworker's typing mistake.
    assert not issubclass(CodeListError, ValidationError)
    assert issubclass(CodeListError, ValueError)


def test_stage_loader(tmp_path: Path) -> None:
    path = write(tmp_path, "code,label,open\nlive,Live,1\nshut,Shut,0\n")
    assert load_stages(path) == (Stage("live", "Live", True), Stage("shut", "Shut", False))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,label\nlive,Live\n", "line 1: missing column 'open'"),
        ("code,label,open\nlive,Live,yes\n", "line 2: 'open' must be 1 or 0, not 'yes'"),
        ("code,label,open\nlive,Live,\n", "line 2: 'open' is empty"),
        ("code,label,open\nlive,Live,1\nlive,Again,0\n", "line 3: duplicate code 'live'"),
    ],
)
def test_stage_loader_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text, name="stages.csv")
    assert load_error(load_stages, path).startswith(f"{path} {message}")


def test_la_loader(tmp_path: Path) -> None:
    path = write(tmp_path, "code,name,status\n839,BCP,current\n837,Bournemouth,retired\n")
    las = load_local_authorities(path)
    assert [(la.code, la.name, la.current) for la in las] == [
        (839, "BCP", True),
        (837, "Bournemouth", False),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name\n839,BCP\n", "line 1: missing column 'status'"),
        ("code,name,status\n83,BCP,current\n", "line 2: LA code '83' must be a 3-digit number"),
        ("code,name,status\n83A,BCP,current\n", "line 2: LA code '83A' must be a 3-digit number"),
        (
            "code,name,status\n839,BCP,old\n",
            "line 2: status must be 'current' or 'retired', not 'old'",
        ),
        (
            "code,name,status\n839,BCP,current\n839,Again,current\n",
            "line 3: duplicate code '839' (first on line 2)",
        ),
    ],
)
def test_la_loader_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text, name="la_codes.csv")
    assert load_error(load_local_authorities, path).startswith(f"{path} {message}")


def test_the_domain_parses_the_lists_it_is_given_and_opens_no_file():
    from caseload_app import code_lists

    asked: list[str] = []

    def reader(name: str) -> str:
        asked.append(name)
        return "code,label\nXYZ,A need only this test knows\n"

    try:
        codes.use_reader(reader)
        assert codes.primary_needs() == (Code("XYZ", "A need only this test knows"),)
        assert codes.primary_needs() == codes.primary_needs()
        assert asked == ["primary_need.csv"]  # parsed once
    finally:
        code_lists.install()  # the shipped files again, for every other test
    assert "ASD" in {c.code for c in codes.primary_needs()}


def test_the_start_date_is_named_by_what_started_the_clock() -> None:
    """Regs 5(1)(b), 10(1), 13(2) count from the request, or from the day the council became
    responsible for the child under CFA s24 (e.g. moving into the area)."""
    assert codes.BECAME_RESPONSIBLE in {c.code for c in codes.request_sources()}
    assert codes.request_date_label("became_responsible") == "Council became responsible (s24)"
    for source in ("parent", "school", None, ""):
        assert codes.request_date_label(source) == "Request received"


def test_every_code_fits_the_column_it_is_saved_in() -> None:
    """An advice type or request source longer than its String(20) column cannot be saved
    (PostgreSQL refuses it; SQLite would keep it silently)."""
    from caseload_app.db.models import AdviceRequest, EhcpCase

    for loader, column in (
        (codes.advice_types, AdviceRequest.__table__.c.advice_type),
        (codes.request_sources, EhcpCase.__table__.c.request_source),
    ):
        width = column.type.length
        assert width is not None
        assert [c.code for c in loader() if len(c.code) > width] == []
