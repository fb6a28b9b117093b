"""Letters: every shipped template filled from a real case, issue/reprint, and the CLI."""

import hashlib
from datetime import date
from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import func, select

from caseload_app import paths
from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.db.models import AuditEntry, Communication, EhcpCase
from caseload_app.domain.templates import MissingValues
from caseload_app.domain.validators import ValidationError
from caseload_app.paths import resources_dir
from caseload_app.reports.letter import LetterData, build_letter
from caseload_app.reports.pdf import Imprint
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.letters import LetterService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from tests.helpers import NOW, TODAY, new_case, services

COUNCIL = CouncilDetails(
    "Bournemouth, Christchurch and Poole Council",
    "BCP Civic Centre\nBourne Avenue\nBournemouth\nBH2 6DY",
)
MEDIATION = "Dorset Mediation Service, 01202 555 0100, mediation@example.org"
ADDRESS = "12 Oak Road\nPoole"
REASON = "The school has not yet tried the support recommended by the advisory teacher."

# The stage each letter is written at, and what the letter must say (dates with weekdays).
EXPECTED = {
    "decision_to_assess": (
        "assessment",
        ["on Wed 5 Aug 2026 we decided to carry out", "Wed 21 Oct 2026", "Wed 18 Nov 2026"],
    ),
    "decision_not_to_assess": ("refused", [REASON, "On Wed 5 Aug 2026 we decided not"]),
    "advice_request": ("advice", ["educational psychology advice", "Thu 17 Sep 2026"]),
    "advice_chase": ("advice", ["Thu 6 Aug 2026", "Thu 17 Sep 2026", "Wed 18 Nov 2026"]),
    "draft_plan_cover": ("draft", ["Please reply by Wed 2 Dec 2026", "15 days"]),
    "decision_not_to_issue": ("not_issued", [REASON, "On Tue 10 Nov 2026 we decided that"]),
    "final_plan_cover": ("final", ["issued on Tue 24 Nov 2026", "Mon 25 Jan 2027"]),
    "annual_review_invitation": (
        "review",
        ["Date: Tue 15 Dec 2026", "Place: Hillside Primary School", "Tue 12 Jan 2027"],
    ),
    "generic": ("assessment", ["Your visit on Friday", "Second paragraph."]),
    "decision_to_cease": (
        "ceased",
        [REASON, "On Tue 24 Nov 2026 we decided to cease to maintain the plan"],
    ),
}
TYPED = {
    "generic": {"subject": "Your visit", "message": "Your visit on Friday.\n\nSecond paragraph."}
}


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def act(work, case_id: int, key: str, on: date, reason: str = "", code: str | None = None):
    version = work.get_case(case_id, opened=False).version
    work.record_action(case_id, version, key, on, reason, code)


def case_at(db, stage: str, **overrides) -> int:
    """Zoë Brontë's case (request Wed 1 Jul 2026) taken to `stage` on the way to TODAY."""
    overrides.setdefault("setting", "Hillside Primary School")
    case_id, work = new_case(db, **overrides)
    family = work.get_case(case_id, opened=False).family
    if "address" not in overrides:
        work.update_family(family.id, family.version, {"address": ADDRESS})
    if stage == "request":
        return case_id
    if stage == "refused":
        act(work, case_id, "assess_refused", date(2026, 8, 5), REASON)
        return case_id
    act(work, case_id, "assess_agreed", date(2026, 8, 5))
    if stage == "advice":
        work.request_advice(case_id, "ep", date(2026, 8, 6))
    if stage in ("assessment", "advice"):
        return case_id
    if stage == "not_issued":
        act(work, case_id, "not_issue", date(2026, 11, 10), REASON)
        return case_id
    act(work, case_id, "issue", date(2026, 10, 20))
    act(work, case_id, "draft_served", date(2026, 11, 18))
    if stage == "draft":
        return case_id
    act(work, case_id, "comments_received", date(2026, 11, 23))  # before the 15 days end
    act(work, case_id, "final_issued", date(2026, 11, 24))
    if stage == "review":
        work.schedule_review(case_id, date(2026, 12, 15))
    if stage == "ceased":
        # Reg 31(1): proposed (reason 2, needs met without a plan), the family and the school
        # consulted, then decided.
        work.record_action(
            case_id,
            work.get_case(case_id, opened=False).version,
            "cease_proposed",
            date(2026, 11, 24),
            "",
            "2",
        )
        act(work, case_id, "cease_family_consulted", date(2026, 11, 24))
        act(work, case_id, "cease_school_consulted", date(2026, 11, 24))
        act(work, case_id, "ceased", date(2026, 11, 24), REASON)
    return case_id


@pytest.fixture
def letters(db, tmp_path):
    TeamSettingsService(db).set_council(COUNCIL)
    service = LetterService(
        db,
        "Asha Patel",
        today=lambda: TODAY,
        now=lambda: NOW,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "letters",
    )
    service.set_mediation_adviser(MEDIATION)
    return service


def communications(db) -> list:
    c = Communication
    columns = (c.id, c.channel, c.direction, c.with_whom, c.summary, c.logged_by, c.occurred_at)
    with db.read() as s:
        return list(s.execute(select(*columns, c.letter_path).where(c.channel == "letter")))


def prints(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).where(AuditEntry.action == "print"))


# --------------------------------------------------------------------------- content
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shipped_template_fills_and_prints_from_a_real_case(db, letters, name):
    stage, phrases = EXPECTED[name]
    case_id = case_at(db, stage)
    text = text_of(letters.preview(case_id, name, extra=TYPED.get(name)))
    assert "Zoë Brontë" in text
    assert "date of birth 4 May 2016" in text
    assert COUNCIL.name in text
    assert "BCP Civic Centre" in text
    assert "24 November 2026" in text  # the letter's date
    assert "OFFICIAL-SENSITIVE" in text
    assert "Printed by Asha Patel" in text
    assert "Yours sincerely" in text
    assert "SEND Team" in text
    for phrase in phrases:
        assert phrase in text, phrase
    assert "{{" not in text
    assert "}}" not in text


def test_family_letters_are_addressed_to_the_family(db, letters):
    text = text_of(letters.preview(case_at(db, "draft"), "draft_plan_cover"))
    assert "Ms Jo Brontë 12 Oak Road Poole BH1 1AA" in text
    assert "Dear Ms Brontë," in text


def test_the_draft_cover_gives_the_15_day_comment_deadline_and_school_naming_right(db, letters):
    # Served Wed 18 Nov 2026: 15 days beginning with that day end Wed 2 Dec 2026 (Reg 13(1)).
    text = text_of(letters.preview(case_at(db, "draft"), "draft_plan_cover"))
    assert "served on Wed 18 Nov 2026" in text
    assert "You have 15 days, beginning with the day the draft was served" in text
    assert "ask for a particular school, college or other setting to be named" in text
    assert "section 41" in text
    assert "final plan must be issued by Wed 18 Nov 2026" in text


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("decision_not_to_assess", "refused"),
        ("decision_not_to_issue", "not_issued"),
        ("final_plan_cover", "final"),
        ("decision_to_cease", "ceased"),
    ],
)
def test_decision_letters_give_appeal_and_mediation_rights(db, letters, name, stage):
    text = text_of(letters.preview(case_at(db, stage), name))
    assert "First-tier Tribunal (Special Educational Needs and Disability)" in text
    assert (
        "within 2 months of the date of this letter, or within 1 month of the date on a "
        "mediation certificate, whichever is later" in text
    )
    # Letter dated Tue 24 Nov 2026: 2 months end Sun 24 Jan 2027, so Mon 25 Jan 2027.
    assert "the last day to appeal is Mon 25 Jan 2027" in text
    assert "you must contact a mediation adviser" in text
    assert MEDIATION in text
    assert "within 3 working days" in text


def test_only_the_final_plan_letter_exempts_placement_only_appeals_from_mediation(db, letters):
    final = text_of(letters.preview(case_at(db, "final"), "final_plan_cover"))
    assert "only about the school or setting named in section I" in final


def test_advice_letters_go_to_the_adviser_of_the_type_asked_for(db, letters):
    case_id = case_at(db, "advice")
    _, work = services(db)
    health = work.request_advice(case_id, "health", date(2026, 8, 10))
    latest = text_of(letters.preview(case_id, "advice_request"))
    assert "Designated Clinical Officer for SEND" in latest
    assert "health advice" in latest
    ep = text_of(letters.preview(case_id, "advice_request", advice_type="ep"))
    assert "Principal Educational Psychologist" in ep
    assert "Thu 17 Sep 2026" in ep
    chosen = text_of(letters.preview(case_id, "advice_chase", advice_id=health))
    assert "Mon 10 Aug 2026" in chosen
    assert "Mon 21 Sep 2026" in chosen
    with pytest.raises(NotFound):
        letters.preview(case_id, "advice_request", advice_id=health + 100)


def test_missing_values_are_all_named_before_anything_prints(db, letters, tmp_path):
    case_id = case_at(db, "request", address="")
    with pytest.raises(MissingValues) as err:
        letters.issue(case_id, "draft_plan_cover")
    assert set(err.value.missing) == {"family_address", "draft_served", "comments_end"}
    assert "record 'Draft plan served'" in str(err.value)
    with pytest.raises(MissingValues) as err:
        letters.preview(case_at(db, "assessment", upn="", nhs_number=""), "advice_request")
    assert {"advice_type", "advice_requested", "advice_due"} <= set(err.value.missing)
    assert not (tmp_path / "letters").exists()
    assert communications(db) == []


def test_a_misspelt_placeholder_is_reported_with_a_suggestion_and_nothing_is_kept(
    db, letters, tmp_path
):
    admin = tmp_path / "admin"
    admin.mkdir()
    (admin / "welcome.txt").write_text(
        "Title: Welcome\nTo: family\n\nDear {{parent_carer_name}},\n\nHello {{chlid_name}}.\n",
        encoding="utf-8",
    )
    case_id = case_at(db, "assessment")
    before = prints(db)
    with pytest.raises(MissingValues) as err:
        letters.issue(case_id, "welcome")
    assert "{{chlid_name}} is not a placeholder — did you mean {{child_name}}?" in str(err.value)
    assert not (tmp_path / "letters").exists()
    assert communications(db) == []
    assert prints(db) == before


@pytest.mark.parametrize(
    ("name", "stage", "needs"),
    [
        ("decision_to_assess", "refused", "date_agreed_to_assess"),
        ("decision_not_to_assess", "assessment", "date_refused_to_assess"),
        ("decision_not_to_issue", "refused", "date_decided_not_to_issue"),
        ("decision_to_cease", "final", "date_ceased"),
    ],
)
def test_a_decision_letter_needs_its_decision_on_the_record(db, letters, name, stage, needs):
    with pytest.raises(MissingValues) as err:
        letters.preview(case_at(db, stage), name, extra={"decision_reason": "Typed."})
    assert needs in err.value.missing


def test_values_from_the_record_cannot_be_typed_over(db, letters):
    with pytest.raises(ValidationError, match="comes from the case record"):
        letters.preview(case_at(db, "assessment"), "generic", extra={"child_name": "Someone"})


def test_council_details_must_be_set_before_printing(db, tmp_path):
    service = LetterService(
        db,
        "Asha Patel",
        today=lambda: TODAY,
        now=lambda: NOW,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "l",
    )
    with pytest.raises(MissingValues) as err:
        service.preview(case_at(db, "assessment"), "decision_to_assess")
    assert {"council_name", "council_address"} <= set(err.value.missing)
    assert "Settings → Council details" in str(err.value)


# --------------------------------------------------------------------------- issue, reprint
# Every advice type (resources/codes/advice_types.csv) -> who its request letter is addressed
# to. Reg 6(1)(a): the family's own advice; Reg 6(3): a qualified teacher of the vision,
# hearing or multi-sensory impaired; Reg 6(1)(g): preparing for adulthood from Year 9.
ADVICE_LETTER_TO = {
    "ep": "Principal Educational Psychologist, Educational Psychology Service",
    "health": "Designated Clinical Officer for SEND, NHS Integrated Care Board",
    "social_care": "Team Manager, Children's Social Care",
    "education": "The Headteacher, Hillside Primary School",
    "other": "The adviser, c/o the SEND Team",
    "parent": "Ms Jo Brontë",
    "young_person": "Ms Jo Brontë",
    "sensory": "Head of Sensory Support, Sensory Support Service",
    "adulthood": "The adviser, c/o the SEND Team",
}


@pytest.mark.parametrize("kind", sorted(ADVICE_LETTER_TO))
def test_an_advice_request_letter_for_every_advice_type(db, letters, kind):
    from caseload_app.domain import codes

    assert sorted(c.code for c in codes.advice_types()) == sorted(ADVICE_LETTER_TO)
    case_id = case_at(db, "assessment")
    services(db)[1].request_advice(case_id, kind, date(2026, 8, 6))
    label = codes.label_for(codes.advice_types(), kind).lower()
    text = text_of(letters.preview(case_id, "advice_request", advice_type=kind))
    assert f"asking you for {label.split(' (')[0]}" in text
    letters.issue(case_id, "advice_request", advice_type=kind)
    assert [row.with_whom for row in communications(db)] == [ADVICE_LETTER_TO[kind]]


def test_issue_keeps_the_pdf_logs_the_letter_and_reprints_identical_bytes(db, letters, tmp_path):
    case_id = case_at(db, "draft")
    before = prints(db)
    issued = letters.issue_letter(case_id, "draft_plan_cover")
    [comm] = communications(db)
    assert comm.id == issued.communication_id
    assert (comm.channel, comm.direction, comm.with_whom) == ("letter", "out", "Ms Jo Brontë")
    assert comm.summary == "Letter: Draft education, health and care plan for Zoë Brontë"
    assert comm.logged_by == "Asha Patel"
    assert comm.occurred_at == NOW
    assert comm.letter_path is None  # kept on the case file, not in a folder
    assert not (tmp_path / "letters").exists()
    kept = DocumentService(db, "Asha Patel").documents(case_id)
    assert [(d.id, d.communication_id, d.file_name) for d in kept] == [
        (issued.document_id, comm.id, "20261124-103000-draft_plan_cover.pdf")
    ]
    assert prints(db) == before + 1
    assert letters.reprint(comm.id) == issued.pdf
    assert letters.reprint(comm.id) == issued.pdf
    assert prints(db) == before + 3  # a reprint is a print too
    case = letters_case_log(db, case_id)
    assert case[0].summary.startswith("Letter: Draft education")
    assert case[0].has_letter


def letters_case_log(db, case_id):
    _, work = services(db)
    return work.get_case(case_id, opened=False).communications


def test_two_letters_in_the_same_second_are_both_kept(db, letters):
    case_id = case_at(db, "draft")
    first = letters.issue_letter(case_id, "draft_plan_cover")
    second = letters.issue_letter(case_id, "draft_plan_cover")
    assert first.document_id != second.document_id
    assert letters.reprint(first.communication_id) == first.pdf
    assert letters.reprint(second.communication_id) == second.pdf


def kept_before_0021(db, letters, case_id: int, pdf: bytes) -> int:
    """A letter as issue kept it before migration 0021 (and as a team database still has
    one): a file in the letters folder, its path on the contact, its sha256 in the audit."""
    path = letters.letters_dir / str(case_id) / "20261001-090000-draft_plan_cover.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    with db.uow() as s:
        case = s.get(EhcpCase, case_id)
        comm = Communication(
            family_id=case.child.family_id, case_id=case_id, occurred_at=NOW, channel="letter",
            direction="out", with_whom="Ms Jo Brontë", summary="Letter: Draft plan",
            logged_by="Asha Patel", letter_path=str(path.resolve()),
        )  # fmt: skip
        s.add(comm)
        s.flush()
        detail = f"printed letter 'draft_plan_cover'; sha256 {hashlib.sha256(pdf).hexdigest()}"
        s.add(
            AuditEntry(at=NOW, who="Asha Patel", action="print", record_type="communication",
                       record_id=comm.id, case_id=case_id, detail=detail)
        )  # fmt: skip
        return comm.id


def test_a_letter_kept_before_0021_is_reprinted_from_the_letters_folder(db, letters):
    case_id = case_at(db, "draft")
    pdf = letters.preview(case_id, "draft_plan_cover")
    comm_id = kept_before_0021(db, letters, case_id, pdf)
    assert letters_case_log(db, case_id)[0].has_letter
    assert letters.reprint(comm_id) == pdf


def test_a_changed_or_missing_kept_copy_is_not_reprinted(db, letters):
    case_id = case_at(db, "draft")
    comm_id = kept_before_0021(db, letters, case_id, letters.preview(case_id, "draft_plan_cover"))
    kept = next(letters.letters_dir.rglob("*.pdf"))
    kept.write_bytes(kept.read_bytes() + b"%tampered")
    with pytest.raises(UserError, match="has changed since it was issued"):
        letters.reprint(comm_id)
    kept.unlink()
    with pytest.raises(NotFound, match="is missing"):
        letters.reprint(comm_id)


def test_case_for_child_prefers_the_live_case(db, letters):
    case_id = case_at(db, "assessment")
    with db.read() as s:
        child_id = s.get(EhcpCase, case_id).child_id
    assert letters.case_for_child(child_id) == case_id
    with pytest.raises(NotFound, match="no child with id 999"):
        letters.case_for_child(999)


# --------------------------------------------------------------------------- layout
def _data(**overrides) -> LetterData:
    fields = dict(
        council_name=COUNCIL.name,
        council_address=tuple(COUNCIL.address.splitlines()),
        letter_date=TODAY,
        recipient=("Ms Jo Brontë", "12 Oak Road", "Poole", "BH1 1AA"),
        child_name="Zoë Brontë",
        date_of_birth=date(2016, 5, 4),
        reference="EHCP/000001",
        title="A letter",
        body="Dear Ms Jo Brontë,\n\nHello.",
        caseworker="Asha Patel",
    )
    fields.update(overrides)
    return LetterData(**fields)


def _positions(pdf: bytes) -> dict[str, tuple[float, float]]:
    found: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.setdefault(text.strip(), (cm[4] + tm[4], cm[5] + tm[5]))

    pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def test_the_address_sits_in_a_dl_window(tmp_path):
    mm = 72 / 25.4
    pdf = build_letter(_data(), Imprint("Asha Patel", NOW, COUNCIL.name))
    where = _positions(pdf)
    page_height = 297 * mm
    for line in ("Ms Jo Brontë", "12 Oak Road", "Poole", "BH1 1AA"):
        x, y = where[line]
        assert 20 * mm <= x <= 30 * mm, line
        assert 50 * mm <= page_height - y <= 82 * mm, line  # window: 50–82 mm from the top


def test_a_logo_replaces_the_council_name_at_the_top(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGBA", (300, 90), (31, 58, 95, 255)).save(logo)
    pdf = build_letter(_data(logo=logo), Imprint("Asha Patel", NOW, COUNCIL.name))
    page = pypdf.PdfReader(BytesIO(pdf)).pages[0]
    assert len(page.images) == 1


def test_a_long_letter_runs_on_to_more_pages_with_the_sign_off_kept_together():
    body = "Dear Ms Jo Brontë,\n\n" + "\n\n".join(["A paragraph of text. " * 12] * 14)
    pdf = build_letter(_data(body=body), Imprint("Asha Patel", NOW, COUNCIL.name))
    reader = pypdf.PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 2
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Yours sincerely" in last
    assert "Asha Patel SEND Team" in last


def test_names_that_look_like_markup_print_as_typed():
    data = _data(recipient=("Ms A & B <Smith>", "1 Road", "BH1 1AA"), title="Fish & chips")
    text = text_of(build_letter(data, Imprint("Asha Patel", NOW, COUNCIL.name)))
    assert "Ms A & B <Smith>" in text
    assert "Fish & chips" in text


# --------------------------------------------------------------------------- command line
@pytest.fixture
def cli_db(db, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path / "data")  # no real admin folder
    TeamSettingsService(db).set_council(COUNCIL)
    LetterService(db, "Asha Patel").set_mediation_adviser(MEDIATION)
    case_id = case_at(db, "draft")
    with db.read() as s:
        child_id = s.get(EhcpCase, case_id).child_id
    return db.path, child_id


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_letter_writes_the_pdf_and_keeps_a_copy(cli_db, tmp_path, capsys):
    path, child_id = cli_db
    out_file = tmp_path / "out.pdf"
    code, out, err = run(
        capsys, "letter", "--db", path, "--child", child_id, "--template", "draft_plan_cover",
        "-o", out_file,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert f"Wrote {out_file}" in out
    assert "Kept on the case file as document 1" in out
    assert not (tmp_path / "letters").exists()  # no copy beside the database file
    db = open_database(path)
    (kept,) = DocumentService(db, "Asha Patel").documents(1)
    assert kept.kind == "letter_sent"
    assert out_file.read_bytes() == DocumentService(db, "Asha Patel").content(kept.id)
    db.dispose()
    assert "Please reply by Wed 2 Dec 2026" in text_of(out_file.read_bytes())


def test_cli_letter_fails_cleanly(cli_db, tmp_path, capsys):
    path, child_id = cli_db
    out_file = tmp_path / "out.pdf"
    base = ("letter", "--db", path, "-o", out_file)
    code, out, err = run(capsys, *base, "--child", child_id, "--template", "draft_plan_covr")
    assert code == 1
    assert out == ""
    assert "no letter template called 'draft_plan_covr'" in err
    assert "draft_plan_cover" in err
    code, _, err = run(capsys, *base, "--child", 999, "--template", "draft_plan_cover")
    assert code == 1
    assert "There is no child with id 999" in err
    code, _, err = run(capsys, *base, "--child", child_id, "--template", "final_plan_cover")
    assert code == 1
    assert "{{final_issued}}" in err
    code, _, err = run(capsys, *base, "--child", child_id, "--template", "generic")
    assert code == 1
    assert "{{subject}}" in err
    assert "{{message}}" in err
    code, _, err = run(capsys, "letter", "--db", path, "--template", "generic")
    assert code == 1
    assert "give --child, -o" in err
    assert not out_file.exists()
    assert not (tmp_path / "letters").exists()


def test_cli_letter_with_typed_text(cli_db, tmp_path, capsys):
    path, child_id = cli_db
    out_file = tmp_path / "g.pdf"
    code, out, err = run(
        capsys, "letter", "--db", path, "--child", child_id, "--template", "generic",
        "-o", out_file, "--set", "subject=Your visit", "--set", "message=See you on Friday.",
    )  # fmt: skip
    assert code == 0, err
    assert "See you on Friday." in text_of(out_file.read_bytes())


def test_cli_lists_templates(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path / "data")
    code, out, _ = run(capsys, "letter", "--list-templates")
    assert code == 0
    assert "draft_plan_cover" in out
    assert "decision_not_to_issue" in out
    assert "adviser" in out


def test_a_reprint_reads_only_from_the_letters_folder(db, letters, tmp_path):
    """A contact's stored path (a letter kept before 0021) is never followed out of the
    letters folder: not to another file, not up through '..', not through a link that points
    outside; and the refusal does not repeat the row's path. A letter on the case file is
    never read from a path at all."""
    case_id = case_at(db, "draft")
    comm_id = kept_before_0021(db, letters, case_id, letters.preview(case_id, "draft_plan_cover"))
    secret = tmp_path / "secret.txt"
    secret.write_text("not a letter: a file of the council's")
    folder = letters.letters_dir / str(case_id)  # the case's folder in the letters folder
    link = folder / "link.pdf"
    link.symlink_to(secret)
    issued = letters.issue_letter(case_id, "draft_plan_cover")
    before = prints(db)
    for path in (secret, folder / ".." / ".." / "secret.txt", link, Path("/etc/passwd")):
        with db.uow() as s:
            s.get(Communication, comm_id).letter_path = str(path)
            s.get(Communication, issued.communication_id).letter_path = str(path)
        with pytest.raises(UserError, match="outside the letters folder") as refused:
            letters.reprint(comm_id)
        assert str(path) not in str(refused.value)
    assert prints(db) == before  # nothing was printed
    assert letters.reprint(issued.communication_id) == issued.pdf


def test_the_final_plan_letter_thanks_for_comments_only_if_they_came(db, letters):
    """Comments recorded before the final plan: thanks. None within the 15 days: it says so
    (it used to thank the family for comments they never sent)."""
    thanked = text_of(letters.preview(case_at(db, "final"), "final_plan_cover"))
    assert "Thank you for your comments on the draft, which we have taken into account." in thanked
    case_id, work = new_case(db, upn="", nhs_number="", first_name="Oscar")
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": ADDRESS})
    for key, on in (
        ("assess_agreed", date(2026, 7, 10)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 9, 2)),  # the 15 days end Wed 16 Sep 2026
        ("final_issued", date(2026, 9, 17)),
    ):
        act(work, case_id, key, on)
    silent = text_of(letters.preview(case_id, "final_plan_cover"))
    assert "We did not receive comments from you on the draft within the 15 days allowed." in silent
    assert "Thank you for your comments" not in silent


# --------------------------------------------------------------------------- review outcomes
PROPOSED = (
    "- Section F: speech and language therapy, 1 hour a week.\n- Section I: name Oak Academy."
)


def case_reviewed(db, outcome: str, *, notice: date | None = None) -> int:
    """Zoë Brontë with a plan issued Mon 24 Nov 2025, reviewed at a meeting on Tue 10 Nov 2026
    and decided on Mon 23 Nov 2026 (4 weeks end Tue 8 Dec 2026); the letter is dated TODAY,
    Tue 24 Nov 2026."""
    case_id, work = new_case(db, request_received=date(2025, 7, 1), setting="Hillside Primary")
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": ADDRESS})
    act(work, case_id, "assess_agreed", date(2025, 8, 5))
    act(work, case_id, "issue", date(2025, 10, 20))
    act(work, case_id, "draft_served", date(2025, 11, 3))
    act(work, case_id, "final_issued", date(2025, 11, 24))
    work.schedule_review(case_id, date(2026, 11, 10))
    if outcome == "cease":  # proposed, then family and school consulted at the meeting
        act(work, case_id, "cease_proposed", date(2026, 11, 10), code="2")
        act(work, case_id, "cease_family_consulted", date(2026, 11, 10))
        act(work, case_id, "cease_school_consulted", date(2026, 11, 10))
    review = work.get_case(case_id, opened=False).reviews[-1]
    changes: dict = {"decision_date": date(2026, 11, 23), "outcome": outcome}
    if notice is not None:
        changes["amendment_notice"] = notice
    work.update_review(review.id, review.version, changes)
    return case_id


def test_the_decision_to_keep_the_plan_gives_the_dates_and_the_reg_20_11_rights(db, letters):
    text = text_of(letters.preview(case_reviewed(db, "maintain"), "decision_to_maintain"))
    assert "The review meeting was held on Tue 10 Nov 2026" in text
    assert (
        "On Mon 23 Nov 2026 we decided to keep Zoë’s plan as it is" in text
    )  # typographic apostrophe
    # Reg 20(11): the right to appeal and its time limit, mediation, information and advice,
    # and disagreement resolution. 2 months from Tue 24 Nov 2026 end on Sun 24 Jan 2027.
    assert "First-tier Tribunal (Special Educational Needs and Disability)" in text
    assert "the last day to appeal is Mon 25 Jan 2027" in text
    assert "you must contact a mediation adviser" in text
    assert MEDIATION in text
    assert "disagreement resolution" in text
    assert "Information, Advice and Support Service" in text


def test_the_amendment_notice_gives_the_changes_the_15_days_and_the_rights_of_reg_22_2(db, letters):
    case_id = case_reviewed(db, "amend")
    with pytest.raises(MissingValues) as err:  # the proposed changes must be typed
        letters.preview(case_id, "amendment_notice")
    assert list(err.value.missing) == ["proposed_amendments"]
    text = text_of(
        letters.preview(case_id, "amendment_notice", extra={"proposed_amendments": PROPOSED})
    )
    assert "on Mon 23 Nov 2026 we decided to amend the plan" in text
    assert "speech and language therapy, 1 hour a week" in text
    assert "name Oak Academy" in text
    assert "copies of the evidence that supports them" in text  # Reg 22(2)(a)
    # Reg 22(2)(c): 15 days beginning with Tue 24 Nov 2026 (the letter is the notice): day 15
    # is Tue 8 Dec 2026. Reg 22(3): 8 weeks later, Tue 19 Jan 2027.
    assert "Please reply by Tue 8 Dec 2026" in text
    assert "15 days, beginning with the day this notice is served" in text
    assert "ask for a particular school, college or other setting to be named" in text  # (b)
    assert "ask to meet one of our officers" in text  # (c)(iii)
    assert "Local Offer website" in text  # (d)
    assert "by Tue 19 Jan 2027 at the latest" in text
    # The appeal comes with the final amended plan, and mediation before it.
    assert "There is no appeal against this notice" in text
    assert "When we send you the final amended plan, you can appeal" in text
    assert MEDIATION in text


def test_ceasing_at_a_review_prints_the_cease_letter_with_the_review_decision(db, letters):
    case_id = case_reviewed(db, "cease")
    text = text_of(letters.preview(case_id, "decision_to_cease", extra={"decision_reason": REASON}))
    assert "On Mon 23 Nov 2026 we decided to cease to maintain the plan" in text
    assert "The plan stays in place until the time for appealing has passed" in text
    assert "the last day to appeal is Mon 25 Jan 2027" in text
    assert MEDIATION in text


def test_a_review_letter_needs_the_review_decision_on_the_record(db, letters):
    case_id = case_at(db, "review")  # booked, not decided
    with pytest.raises(MissingValues) as err:
        letters.preview(case_id, "decision_to_maintain")
    assert {"review_held", "review_decided"} <= set(err.value.missing)
