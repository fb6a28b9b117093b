import json
import subprocess
import sys

import pytest

from caseload_app.cli import main
from tests.helpers import file_digest, write_csv

GOOD = (
    "Amelia,Smith,2015-03-02,L837201500012,401 023 2137,bh1 1aa,ASD,Asha Patel,"
    "2025-03-05,plan_issued,2025-07-20,,Ms Jo Smith,01202 123456,jo@example.org"
)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--received", "2025-03-05"],
            {
                "decision_to_assess_due": "2025-04-16",
                "draft_plan_target": "2025-06-11",
                "decision_not_to_issue_due": "2025-06-25",
                "final_plan_due": "2025-07-23",
            },
        ),
        (["--advice-requested", "05/03/2025"], {"advice_due": "2025-04-16"}),
        # Reg 8(1): 6 weeks from the day the adviser received it (Mon 10 Aug 2026)
        (
            ["--advice-requested", "2026-08-06", "--adviser-received", "2026-08-10"],
            {"advice_due": "2026-09-21"},
        ),
        (["--draft-served", "2025-03-05"], {"comments_end": "2025-03-19"}),
        (["--plan-made", "2024-02-29"], {"annual_review_due": "2025-02-28"}),
        (
            ["--review-meeting", "2025-06-10"],
            {
                "invitations_by": "2025-05-27",
                "papers_by": "2025-05-27",
                "report_due": "2025-06-24",
                "decision_due": "2025-07-08",
                "amendment_notice_due": "2025-07-08",
                "amended_plan_due": "2025-09-02",
            },
        ),
        (
            ["--review-meeting", "2025-06-10", "--amendment-notice", "2025-06-20"],
            {
                "invitations_by": "2025-05-27",
                "papers_by": "2025-05-27",
                "report_due": "2025-06-24",
                "decision_due": "2025-07-08",
                "amendment_notice_due": "2025-07-08",
                "amendment_comments_end": "2025-07-04",
                "amended_plan_due": "2025-08-15",
            },
        ),
        (
            ["--transfer-year", "2026", "--transfer", "school-phase"],
            {"amended_plan_due": "2026-02-14"},  # Reg 18(1)(b): *before* 15 February
        ),
        (
            ["--transfer-year", "2026", "--transfer", "secondary-post16"],
            {"amended_plan_due": "2026-03-30"},  # Reg 18(1)(a): *before* 31 March
        ),
        (["--re-assessment-requested", "2025-12-20"], {"decision_due": "2026-01-04"}),
        (
            # Asked for on Sat 20 Dec 2025 (Reg 25(1): decide within 15 days, over Christmas);
            # the family told on Fri 2 Jan 2026, so the plan is due 14 weeks on, Fri 10 Apr
            # (Reg 27(2): from the notice, not the request); last assessed 31 Aug 2025, so six
            # months have passed on 28 Feb 2026 (Reg 24).
            [
                "--re-assessment-requested",
                "2025-12-20",
                "--re-assessment-notified",
                "2026-01-02",
                "--last-assessment",
                "2025-08-31",
            ],
            {
                "decision_due": "2026-01-04",
                "may_refuse_as_too_soon_before": "2026-02-28",
                "reassessed_plan_due": "2026-04-10",
            },
        ),  # fmt: skip
        # Reg 18(2): a move between post-16 institutions on Tue 1 Sep 2026 needs the amended
        # plan at least five months before, by Wed 1 Apr 2026.
        (["--post16-move", "2026-09-01"], {"amended_plan_due": "2026-04-01"}),
        # A move on Mon 31 Jul 2028: five months back has no 31 February, so the month's last
        # day, Tue 29 Feb 2028 (a leap year).
        (["--post16-move", "2028-07-31"], {"amended_plan_due": "2028-02-29"}),
        (
            # Reg 15: transferred in on Mon 2 Nov 2026, last reviewed Tue 10 Mar 2026: tell the
            # family within 6 weeks (Mon 14 Dec); review by the later of 9 Mar 2027 (12 months
            # starting with the review) and 2 Feb 2027 (3 months after the transfer).
            ["--transferred-in", "2026-11-02", "--last-review", "2026-03-10"],
            {"family_told_by": "2026-12-14", "review_due": "2027-03-09"},
        ),
        (
            # Reg 15(2): aware Mon 15 Dec 2025 of a move on Mon 29 Dec, fewer than 15 working
            # days before it: 15 working days beginning with 15 Dec, over Christmas and New
            # Year's Day: 15-19 (5), 22-24 (8), 29-31 (11), 2 Jan (12), 5-7 Jan (15).
            ["--moved-out", "2025-12-29", "--aware", "2025-12-15"],
            {"plan_sent_by": "2026-01-07"},
        ),
        (
            # Aware Mon 1 Sep 2025, 15 working days before Mon 22 Sep: sent on the move day.
            ["--moved-out", "2025-09-22", "--aware", "2025-09-01"],
            {"plan_sent_by": "2025-09-22"},
        ),
        (
            # Reg 44(2)(b): ordered to assess on Tue 1 Feb 2028 (a leap year): tell the family
            # by Tue 15 Feb (2 weeks); decide not to issue by Tue 11 Apr (10 weeks: 1 Feb + 28
            # = 29 Feb, + 31 = 31 Mar, + 11); the final plan by Tue 9 May (14 weeks).
            ["--tribunal-order", "2028-02-01", "--order-kind", "assess"],
            {
                "notify_due": "2028-02-15",
                "not_to_issue_due": "2028-04-11",
                "final_plan_due": "2028-05-09",
            },
        ),
        (
            # Reg 44(2)(c): ordered to make a plan on Mon 3 Aug 2026: draft by Mon 7 Sep
            # (5 weeks), final by Mon 19 Oct (11 weeks: 3 Aug + 28 = 31 Aug, + 30, + 19).
            ["--tribunal-order", "03/08/2026", "--order-kind", "make_plan"],
            {"draft_plan_due": "2026-09-07", "final_plan_due": "2026-10-19"},
        ),
        (
            # Reg 44(2)(a): an appeal against ceasing dismissed on the summer bank holiday.
            ["--tribunal-order", "2026-08-31", "--order-kind", "cease_dismissed"],
            {"cease_due": "2026-08-31"},
        ),
        (
            # Reg 45(4): the council told the Tribunal on Fri 1 Aug 2025 it would not oppose a
            # contents appeal: the amended plan within 5 weeks, by Fri 5 Sep.
            ["--tribunal-order", "2025-08-01", "--order-kind", "amend_provision", "--unopposed"],
            {"amended_plan_due": "2025-09-05"},
        ),
        (
            # Reg 44(2): amend the school named, ordered Tue 22 Dec 2026: by Tue 5 Jan 2027.
            ["--tribunal-order", "2026-12-22", "--order-kind", "amend_school"],
            {"amended_plan_due": "2027-01-05"},
        ),
    ],
)
def test_timeline_json(capsys, argv, expected):
    code, out, _ = run(capsys, "timeline", "--json", *argv)
    assert code == 0
    assert json.loads(out) == expected


def test_timeline_text_shows_the_weekday(capsys):
    code, out, _ = run(capsys, "timeline", "--received", "2025-03-05")
    assert code == 0
    assert "final_plan_due" in out
    assert "Wed 23 Jul 2025" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--received", "2026-01-05", "--last-assessment", "2025-08-31"], "go with"),
        (["--received", "2026-01-05", "--last-review", "2025-08-31"], "--transferred-in"),
        (["--received", "2026-01-05", "--aware", "2025-12-31"], "--moved-out"),
        (["--moved-out", "2026-01-05"], "needs --aware"),
        (["--received", "2026-01-05", "--adviser-received", "2026-01-06"], "--advice-requested"),
        (
            ["--advice-requested", "2026-08-06", "--adviser-received", "2026-08-05"],
            "before it was sent",
        ),
        (
            ["--re-assessment-requested", "2026-01-05", "--re-assessment-notified", "2026-01-02"],
            "before it was asked for",
        ),
    ],
)
def test_timeline_refuses_re_assessment_dates_that_cannot_be(capsys, argv, said):
    code, _, err = run(capsys, "timeline", *argv)
    assert code == 1
    assert said in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--tribunal-order", "2026-03-02"], "needs --order-kind"),
        (["--received", "2026-03-02", "--order-kind", "assess"], "go with --tribunal-order"),
        (["--received", "2026-03-02", "--unopposed"], "go with --tribunal-order"),
        (
            [
                "--tribunal-order",
                "2026-03-02",
                "--order-kind",
                "cease_dismissed",
                "--unopposed",
            ],
            "use maintain",
        ),
    ],
)
def test_timeline_refuses_a_tribunal_order_it_cannot_date(capsys, argv, said):
    code, out, err = run(capsys, "timeline", *argv)
    assert code == 1
    assert said in err
    assert out == ""


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--tribunal-order", "2026-03-02", "--order-kind", "amend"], "invalid choice: 'amend'"),
        (["--tribunal-order", "2026-02-30", "--order-kind", "assess"], "--tribunal-order"),
        (["--tribunal-order", "--order-kind", "assess"], "expected one argument"),
    ],
)
def test_timeline_rejects_a_bad_order_kind_or_date(capsys, argv, said):
    with pytest.raises(SystemExit) as exit_:
        main(["timeline", *argv])
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err


def test_timeline_help_lists_the_tribunal_options(capsys):
    with pytest.raises(SystemExit):
        main(["timeline", "--help"])
    out = capsys.readouterr().out
    for text in ("--tribunal-order DATE", "--order-kind KIND", "--unopposed", "maintain_amend"):
        assert text in out


def test_timeline_help_lists_the_move_away_options(capsys):
    with pytest.raises(SystemExit):
        main(["timeline", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in ("--moved-out DATE", "--aware DATE", "Reg 15(2)", "15 working days"):
        assert text in out


def test_timeline_transfer_year_needs_a_kind(capsys):
    code, _, err = run(capsys, "timeline", "--transfer-year", "2026")
    assert code == 1
    assert "--transfer" in err


@pytest.mark.parametrize(
    ("kind", "value", "normalised"),
    [
        ("upn", "l837 2015 0001 2", "L837201500012"),
        ("upn", "H83720150001A", "H83720150001A"),
        ("upn", "A839230513582", "A839230513582"),  # BCP (839) is accepted
        ("nhs", "4010232137", "401 023 2137"),
        ("postcode", "bh11aa", "BH1 1AA"),
        ("postcode", "gir0aa", "GIR 0AA"),
    ],
)
def test_check_accepts_and_normalises(capsys, kind, value, normalised):
    code, out, _ = run(capsys, "check", kind, value)
    assert (code, out.strip()) == (0, normalised)


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("upn", "H837201500012", "check letter should be L, not H"),
        ("nhs", "401 023 2138", "check digit"),
        ("postcode", "QA1 1AA", "Q"),
    ],
)
def test_check_rejects_with_the_reason(capsys, kind, value, reason):
    code, out, err = run(capsys, "check", kind, value)
    assert code == 1
    assert out == ""
    assert reason in err


def test_import_export_round_trip_with_formula_cells_neutralised(capsys, tmp_path):
    db = tmp_path / "c.sqlite3"
    danger = GOOD.replace("Ms Jo Smith", "=HYPERLINK(1)")
    src = write_csv(tmp_path / "in.csv", danger)
    code, out, err = run(capsys, "import", "--db", str(db), "--create", str(src))
    assert code == 0, err
    assert "Imported 1 children in 1 families" in out
    code, out, _ = run(capsys, "export", "--db", str(db), "-o", str(tmp_path / "out.csv"))
    assert code == 0
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(",next_step,next_due,rag")
    assert ",'=HYPERLINK(1)," in lines[1]
    assert lines[1].endswith(",annual_review,2026-07-19,green") or ",annual_review," in lines[1]
    # The export can be imported again elsewhere (computed columns are recalculated).
    code, out, err = run(
        capsys,
        "import",
        "--db",
        str(tmp_path / "d.sqlite3"),
        "--create",
        "--dry-run",
        str(tmp_path / "out.csv"),
    )
    assert code == 0, err


def test_import_of_a_bad_file_lists_problems_and_changes_nothing(capsys, tmp_path):
    db = tmp_path / "c.sqlite3"
    run(capsys, "import", "--db", str(db), "--create", str(write_csv(tmp_path / "ok.csv", GOOD)))
    before = file_digest(db)
    bad = write_csv(tmp_path / "bad.csv", GOOD.replace("L837", "H837").replace("Amelia", "Ava"))
    code, out, err = run(capsys, "import", "--db", str(db), str(bad))
    assert code == 1
    assert "row 2, column upn: UPN check letter should be L, not H" in err
    assert "Nothing was imported" in err
    assert file_digest(db) == before


def test_import_template(capsys, tmp_path):
    code, _, _ = run(capsys, "import", "--template", str(tmp_path / "t.csv"))
    assert code == 0
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("child_first_name,")


def test_demo_needs_an_explicit_database(capsys):
    code, _, err = run(capsys, "demo")
    assert code == 1
    assert "--db" in err


def test_demo_refuses_a_database_with_children(capsys, tmp_path):
    db = str(tmp_path / "d.sqlite3")
    assert run(capsys, "demo", "--db", db, "--children", "20")[0] == 0
    code, _, err = run(capsys, "demo", "--db", db, "--children", "20")
    assert code == 1
    assert "already holds children" in err


def test_errors_exit_non_zero_with_a_message_on_stderr(tmp_path):
    not_db = tmp_path / "notes.sqlite3"
    not_db.write_text("not a database")
    out = subprocess.run(
        [sys.executable, "-m", "caseload_app", "export", "--db", str(not_db), "-o", "x.csv"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "is not a caseload database (it looks like a text file)" in out.stderr
    assert "Traceback" not in out.stderr
