"""`caseload --self-test`: the installation check IT runs after deploying (and CI on the bundle)."""

import io
import os
import subprocess
import sys

from caseload_app import selftest


def test_self_test_passes_in_a_fresh_process_and_leaves_no_trace(tmp_path):
    home = tmp_path / "home"
    env = os.environ | {"CASELOAD_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "caseload_app", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("ok")] == [
        f"ok      {name}" for name, _ in selftest.STEPS
    ]
    assert "final plan due 25 May 2026" in done.stdout
    assert "showing 12 cases" in done.stdout
    assert "text measured by reportlab's C accelerators" in done.stdout
    assert lines[-1] == "self-test passed"
    assert not home.exists()  # nothing in the user's own folders
    assert done.stderr == ""  # Qt's offscreen "propagateSizeHints" warning used to show


def test_a_failing_step_says_what_failed_and_stops(monkeypatch):
    made = []

    def broken_pdf(trial):
        made.append(trial.folder)
        raise OSError("fonts folder missing")

    def never(trial):
        raise AssertionError("steps after a failure must not run")

    steps = (*selftest.STEPS[:3], ("render a summary PDF", broken_pdf), ("later", never))
    out = io.StringIO()
    assert selftest.run(out, steps) == 1
    text = out.getvalue()
    assert "FAILED  render a summary PDF: OSError: fonts folder missing" in text
    assert "ok      add demo cases" in text
    assert "self-test passed" not in text
    assert not made[0].exists()  # the temporary database went with its folder


def test_printing_without_reportlab_s_accelerators_fails_the_self_test(monkeypatch):
    """A bundle that left out rl_accel prints, only slowly: the self-test says so."""
    from reportlab.lib import rl_accel

    assert selftest.reportlab_accelerated()
    monkeypatch.setattr(rl_accel, "unicode2T1", lambda utext, fonts: [])
    assert not selftest.reportlab_accelerated()
    out = io.StringIO()
    assert selftest.run(out, selftest.STEPS[:4]) == 1
    assert "rl_accel" in out.getvalue()
