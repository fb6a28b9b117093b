"""The team lead's board: figures, drill-down, rebalance with unticking and undo, absence,
reassignment from the list."""

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from caseload_app.services.demo import generate_demo
from caseload_app.ui import board_view as board_module
from caseload_app.ui.board_view import AbsenceDialog, ReassignDialog, RebalanceDialog
from caseload_app.ui.dialogs import moves_dialogs as moves_module
from caseload_app.ui.dialogs.moves_dialogs import MovesDone, RecentMoves
from caseload_app.ui.models.rows import RagRole
from caseload_app.ui.worker import wait_for
from tests.helpers import TODAY

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=200, seed=4, today=TODAY)
    return open_window(db)


def test_board_lists_every_caseworker_with_a_model_that_passes_the_tester(window, qtmodeltester):
    board = window.open_board()
    assert board.model.rowCount() == 8
    qtmodeltester.check(board.model, force_py=True)
    listed = [window.model.row_at(r) for r in range(window.model.rowCount())]
    assert window.model.rowCount() == 200  # the list starts unfiltered: every case is in it
    allocated = sum(1 for r in listed if r.is_open and r.caseworker_id is not None)
    assert sum(r.open_cases for r in board.model.rows()) == allocated
    assert f"{sum(1 for r in listed if r.is_open and r.caseworker_id is None)} unallocated" in (
        board.summary.text()
    )
    assert [label for label, _v, _away in board.chart.bars] == [
        r.name.split()[0] for r in board.model.rows()
    ]  # a bar per caseworker
    assert window.open_board() is board  # one board tab


def test_double_click_drills_down_to_the_cases_behind_a_cell(window):
    board = window.open_board()
    worker = board.model.row_at(0)
    board.table.doubleClicked.emit(board.model.index(0, 0))
    window.wait_loaded()  # the cases behind it, listed off the thread
    assert window.tabs.currentIndex() == 0
    shown = [window.model.row_at(r) for r in range(window.model.rowCount())]
    assert {r.caseworker_id for r in shown} == {worker.worker_id}
    assert len(shown) == worker.open_cases
    window.open_board()
    overdue = board.model.column_of("Overdue steps")
    board.table.doubleClicked.emit(board.model.index(0, overdue))
    window.wait_loaded()  # the cases behind it, listed off the thread
    assert window.model.rowCount() == worker.overdue_steps
    window.open_board()
    second_week = board.workload.today() + timedelta(days=7)
    week2 = board.model.column_of(f"From\n{second_week.day} {second_week:%b}")  # dated weeks
    assert week2 > 0
    board.table.doubleClicked.emit(board.model.index(0, week2))
    window.wait_loaded()  # the cases behind it, listed off the thread
    rows = [window.model.row_at(r) for r in range(window.model.rowCount())]
    assert len(rows) == worker.weekly_deadlines[1]
    assert all(7 <= r.days_left <= 13 for r in rows)


def test_rebalance_applies_ticked_moves_and_undo_restores(window, monkeypatch):
    board = window.open_board()
    before = {r.worker_id: r.load for r in board.model.rows()}
    seen = {}

    def accept_all_but_first(dialog):
        dialog.moves.item(0, 0).setCheckState(board_module.Qt.CheckState.Unchecked)
        dialog.reason.setText("Even out before Christmas")
        return QDialog.DialogCode.Accepted

    def look_then_undo(done):
        seen["headline"] = done.findChild(board_module.QLabel).text()
        seen["rows"] = done.table.rowCount()
        seen["after"] = {r.worker_id: r.load for r in board.model.rows()}
        done.undo()  # asks first: many cases go back
        return QDialog.DialogCode.Accepted

    asked = []
    monkeypatch.setattr(RebalanceDialog, "exec", accept_all_but_first)
    monkeypatch.setattr(MovesDone, "exec", look_then_undo)
    monkeypatch.setattr(
        moves_module.QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or moves_module.QMessageBox.StandardButton.Yes,
    )
    board.propose()
    assert seen["after"] != before
    assert board.last_batch
    assert seen["headline"].startswith("Rebalance applied: ")
    assert seen["rows"] > 1
    assert asked
    assert asked[0].startswith("Put ")
    assert {r.worker_id: r.load for r in board.model.rows()} == before


def test_recent_moves_lists_the_batch_and_undoes_it_later(window, monkeypatch):
    board = window.open_board()
    before = {r.worker_id: r.load for r in board.model.rows()}
    proposal = board.workload.propose()
    monkeypatch.setattr(MovesDone, "exec", lambda d: QDialog.DialogCode.Rejected)
    board.apply(proposal, "Cover for leave", set())
    assert {r.worker_id: r.load for r in board.model.rows()} != before
    recent = RecentMoves(board.team, board.after_undo)
    assert recent.table.item(0, 1).text() == "Rebalance"
    assert recent.table.item(0, 5).text() == "Cover for leave"
    no = moves_module.QMessageBox.StandardButton.No
    monkeypatch.setattr(moves_module.QMessageBox, "question", lambda *a, **k: no)
    recent.undo()  # the lead said no: nothing changes
    assert {r.worker_id: r.load for r in board.model.rows()} != before
    yes = moves_module.QMessageBox.StandardButton.Yes
    monkeypatch.setattr(moves_module.QMessageBox, "question", lambda *a, **k: yes)
    recent.undo()
    assert {r.worker_id: r.load for r in board.model.rows()} == before
    assert recent.table.item(0, 1).text() == "Undo"
    assert recent.table.item(1, 4).text() == "Undone"
    told = []
    monkeypatch.setattr(moves_module.QMessageBox, "information", lambda *a: told.append(a[2]))
    recent.table.selectRow(1)
    recent.undo()
    assert told == ["That line cannot be undone: it has been undone."]


def test_marking_an_absence_shows_on_the_board(window, monkeypatch):
    board = window.open_board()
    name = board.model.row_at(0).name

    def fill(dialog):
        dialog.starts.set_date(TODAY)
        dialog.ends.set_date(TODAY.replace(day=30))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AbsenceDialog, "exec", fill)
    board.mark_absence()
    assert board.model.row_at(0).away_today
    assert board.model.row_at(0).name == name
    assert "(away)" in board.model.text(0, "Caseworker")


def test_reassign_selected_cases_from_the_list(window, monkeypatch):
    window.sidebar.setCurrentRow(2)
    window.table.selectRow(0)
    row = window.model.row_at(0)
    target = next(w for w in window._caseworkers if w.id != row.caseworker_id)
    offered = {}

    def choose(dialog):
        offered["first"] = dialog.worker.currentData()
        offered["ids"] = [dialog.worker.itemData(i) for i in range(dialog.worker.count())]
        dialog.worker.setCurrentIndex(dialog.worker.findData(target.id))
        dialog.reason.setText("Cover")
        return QDialog.DialogCode.Accepted

    shown = {}

    def summary(done):
        shown["headline"] = done.findChild(board_module.QLabel).text()
        shown["children"] = [done.table.item(r, 0).text() for r in range(done.table.rowCount())]
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ReassignDialog, "exec", choose)
    monkeypatch.setattr(MovesDone, "exec", summary)
    window.reassign_selected()
    window.wait_loaded()
    moved = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).case_id == row.case_id
    )
    assert moved.caseworker == target.name
    # Nobody is chosen at first, and the current holder is not offered.
    assert offered["first"] is None
    assert row.caseworker_id not in offered["ids"]
    assert shown["headline"].startswith(f"Moved 1 case to {target.name}") or (
        "brothers and sisters" in shown["headline"] or "brother or sister" in shown["headline"]
    )
    assert row.child_name in shown["children"]


def test_reassigning_siblings_says_so_and_can_be_undone(window, monkeypatch):
    """Three selected cases moved six (siblings) with no summary and no undo."""
    window.sidebar.setCurrentRow(2)
    window.wait_loaded()
    rows = [window.model.row_at(r) for r in range(window.model.rowCount())]
    lists = {}
    for r in rows:
        if r.is_open and r.caseworker_id:
            lists.setdefault((r.family_id, r.caseworker_id), []).append(r)
    family = next(group for group in lists.values() if len(group) > 1)
    window.table.selectRow(rows.index(family[0]))
    target = next(w for w in window._caseworkers if w.id != family[0].caseworker_id)

    def choose(dialog):
        dialog.worker.setCurrentIndex(dialog.worker.findData(target.id))
        dialog.reason.setText("Family asked for a change")
        return QDialog.DialogCode.Accepted

    shown = {}

    def undo(done):
        shown["headline"] = done.findChild(board_module.QLabel).text()
        done.undo()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ReassignDialog, "exec", choose)
    monkeypatch.setattr(MovesDone, "exec", undo)
    yes = moves_module.QMessageBox.StandardButton.Yes
    monkeypatch.setattr(moves_module.QMessageBox, "question", lambda *a, **k: yes)
    window.reassign_selected()
    window.wait_loaded()
    extra = len(family) - 1
    assert f"the 1 case you chose and {extra} " in shown["headline"]
    holders = {
        window.model.row_at(r).caseworker_id
        for r in range(window.model.rowCount())
        if window.model.row_at(r).case_id in {c.case_id for c in family}
    }
    assert holders == {family[0].caseworker_id}  # undone: all back where they were


def test_reassign_asks_who_before_moving(qtbot, monkeypatch):
    dialog = ReassignDialog(2, [(1, "Asha Patel"), (2, "Ben Okafor")], current=1)
    qtbot.addWidget(dialog)
    told = []
    monkeypatch.setattr(board_module.QMessageBox, "information", lambda *a: told.append(a[2]))
    dialog.reason.setText("Cover")
    dialog._accept()
    assert told == ["Choose the new caseworker."]
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert [dialog.worker.itemText(i) for i in range(dialog.worker.count())] == [
        "Choose who takes them…",
        "Ben Okafor",
    ]


def opened_planner(window, qtbot):
    """The planner, its list read off the window's thread."""
    planner = window.open_planner()
    qtbot.waitUntil(lambda: planner._job is None, timeout=20000)
    return planner


def test_phase_transfer_planner_lists_movers_and_creates_tasks(window, monkeypatch, qtbot):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    planner = opened_planner(window, qtbot)
    assert planner.model.rowCount() > 0
    first = planner.model.row_at(0)
    assert first.transfer
    assert first.legal_date_text[:3] in {"Sun", "Mon", "Sat", "Tue"}
    planner.table.selectRow(0)
    with qtbot.waitSignal(planner.loaded, timeout=20000):
        planner.create_tasks()
    refreshed = next(r for r in planner.model.rows() if r.case_id == first.case_id)
    assert refreshed.has_review_task
    planner.table.doubleClicked.emit(planner.model.index(0, 0))
    assert window.current_case() is not None


def test_the_planner_opens_soonest_first_with_a_caseworker_filter(window, qtmodeltester, qtbot):
    """It opened Z→A with the caseworker column off-screen and no way to see one person's."""
    planner = opened_planner(window, qtbot)
    model = planner.model
    dates = [r.legal_date for r in model.rows()]
    assert dates == sorted(dates)
    assert len(dates) > 2
    assert model.columns[1].title == "Caseworker"  # next to the child, never off-screen
    names = [planner.worker.itemText(i) for i in range(planner.worker.count())]
    assert names[0] == "Everyone"
    assert len(names) > 2
    everyone = model.rowCount()
    planner.worker.setCurrentIndex(1)
    chosen = planner.worker.currentData()
    assert 0 < model.rowCount() < everyone
    assert {(r.caseworker or "Unallocated") for r in model.rows()} == {chosen}
    with qtbot.waitSignal(planner.loaded, timeout=20000):
        planner.refresh()
    assert planner.worker.currentData() == chosen  # kept over a refresh
    qtmodeltester.check(model)


def test_weekly_report_from_the_window(window, monkeypatch, tmp_path):
    """Made off the window's thread behind a moving bar: the PDF is shown and the CSV saved
    when the job reports back."""
    from caseload_app.ui.board_view import WeekEndingDialog
    from caseload_app.ui.window import team_lead as main_window_module

    shown = []
    monkeypatch.setattr(
        main_window_module, "show_pdf", lambda _p, pdf, title, name: shown.append((name, pdf))
    )
    monkeypatch.setattr(main_window_module, "choose_folder", lambda *a: tmp_path)

    def with_csv(dialog):
        dialog.csv.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(WeekEndingDialog, "exec", with_csv)
    job = window.weekly_report()
    assert job is not None and shown == []  # not made on the window's thread
    wait_for(job.signals.done, 60_000)
    assert [name for name, _pdf in shown] == [f"weekly-report-{TODAY.isoformat()}.pdf"]
    assert shown[0][1].startswith(b"%PDF")
    assert (tmp_path / f"weekly-report-{TODAY.isoformat()}-cases.csv").exists()


def test_the_weekly_report_can_be_stopped_and_makes_nothing(window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton

    from caseload_app.services.weekly import WeeklyReportService
    from caseload_app.ui.board_view import WeekEndingDialog
    from caseload_app.ui.window import team_lead as main_window_module

    real = WeeklyReportService.report

    def pressed_stop_while_running(self, week_ending, *, cancel, **kw):
        cancel.wait(30)  # the person presses Stop while it runs
        return real(self, week_ending, cancel=cancel, **kw)

    monkeypatch.setattr(WeeklyReportService, "report", pressed_stop_while_running)
    shown, told = [], []
    monkeypatch.setattr(main_window_module, "show_pdf", lambda *a: shown.append(a))
    monkeypatch.setattr(QMessageBox, "information", lambda _w, _t, text: told.append(text))
    monkeypatch.setattr(WeekEndingDialog, "exec", lambda _d: QDialog.DialogCode.Accepted)
    job = window.weekly_report()
    assert job is not None
    bars = [b for b in window.findChildren(QProgressDialog) if b.isVisible()]
    assert len(bars) == 1
    stop = [b for b in bars[0].findChildren(QPushButton) if b.text() == "&Stop"]
    stop[0].click()
    wait_for(job.signals.failed, 60_000)
    assert shown == [] and told == ["Stopped: no report was made."]


def test_weights_dialog_changes_the_board_loads(window):
    from caseload_app.ui.board_view import WeightsDialog

    board = window.open_board()
    before = sum(r.load for r in board.model.rows())
    dialog = WeightsDialog(board.workload)
    dialog.fields["plan_issued"].setValue(2.0)  # maintained plans count double
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    board.refresh()
    assert sum(r.load for r in board.model.rows()) > before
    assert board.workload.weights().to_dict()["plan_issued"] == 2.0


def test_handover_packs_after_a_rebalance(window, monkeypatch, tmp_path):
    from pypdf import PdfReader

    board = window.open_board()

    def accept(dialog):
        dialog.reason.setText("Cover for leave")
        return QDialog.DialogCode.Accepted

    letters_for, packs = [], []

    def packs_and_letters(done):
        packs.extend(done.save_packs(tmp_path))
        done.send_letters()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RebalanceDialog, "exec", accept)
    monkeypatch.setattr(MovesDone, "exec", packs_and_letters)
    yes = moves_module.QMessageBox.StandardButton.Yes
    monkeypatch.setattr(moves_module.QMessageBox, "question", lambda *a, **k: yes)
    monkeypatch.setattr(
        moves_module, "run_bulk", lambda _p, _t, items, one: letters_for.extend(items)
    )
    board.propose()
    moved = {c.case_id for c in board.team.batch_cases(board.last_batch)}
    assert {case_id for case_id, _ in letters_for} == moved
    assert all(not name.startswith("case ") for _id, name in letters_for)  # children's names
    assert packs
    assert sorted(tmp_path.glob("handover-*.pdf")) == sorted(packs)
    text = PdfReader(packs[0]).pages[0].extract_text()
    assert "Handover" in text
    assert "Cover for leave" in text


def test_change_of_caseworker_letter_names_the_new_caseworker(db, tmp_path):
    from pypdf import PdfReader

    from caseload_app.paths import resources_dir
    from caseload_app.services.letters import LetterService
    from caseload_app.services.settings import CouncilDetails, TeamSettingsService
    from caseload_app.services.template_files import TemplateLibrary

    generate_demo(db, children=5, seed=1, today=TODAY)
    TeamSettingsService(db).set_council(CouncilDetails("BCP Council", "Civic Centre"))
    letters = LetterService(
        db,
        "Team Lead",
        today=lambda: TODAY,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "letters",
    )
    comm = letters.issue(1, "change_of_caseworker")
    path = tmp_path / "letter.pdf"
    path.write_bytes(letters.reprint(comm))
    text = PdfReader(path).pages[0].extract_text()
    assert "Your new SEND caseworker" in text
    assert "council.example.org" in text


def test_rebalance_dialog_shows_load_and_weeks_before_and_after(window, qtbot):
    board = window.open_board()
    proposal = board.workload.propose()
    names = {r.worker_id: r.name for r in board.model.rows()}
    today = board.workload.today()
    dialog = RebalanceDialog(board.workload, proposal, names)
    qtbot.addWidget(dialog)
    assert dialog.moves.rowCount() == len(proposal.moves)
    headers = {dialog.loads.horizontalHeaderItem(c).text() for c in range(11)}
    last = today + timedelta(days=49)
    assert {"Load before", "Load after", f"From\n{today.day} {today:%b}"} <= headers
    assert f"From\n{last.day} {last:%b}" in headers
    assert board.model.column_of("Assessing") > 0  # open cases by stage on the board


def test_rebalance_moves_name_children_and_next_steps_and_can_be_capped(window, qtbot):
    """Moves read "3 case(s), family 803"; now the children and what is next, and a cap."""
    board = window.open_board()
    proposal = board.workload.propose()
    names = {r.worker_id: r.name for r in board.model.rows()}
    dialog = RebalanceDialog(board.workload, proposal, names)
    qtbot.addWidget(dialog)
    details = board.workload.moved_cases(proposal)
    first = proposal.moves[0]
    children = dialog.moves.item(0, 0).text()
    assert children == ", ".join(dict.fromkeys(details[i].child_name for i in first.case_ids))
    assert "family" not in children
    headers = [dialog.moves.horizontalHeaderItem(c).text() for c in range(5)]
    assert headers == ["Children", "From", "To", "Next step", "Why"]
    assert any(" due " in dialog.moves.item(r, 3).text() for r in range(dialog.moves.rowCount()))
    assert proposal.left
    assert proposal.left in dialog.summary.text()
    balancing = sum(1 for m in proposal.moves if m.kind == "balance")
    assert balancing > 1
    dialog.cap.setValue(1)
    dialog.propose_again()
    assert sum(1 for m in dialog.proposal.moves if m.kind == "balance") == 1
    assert dialog.moves.rowCount() == len(dialog.proposal.moves)
    assert "Stopped at the cap of 1 balancing move. " in dialog.summary.text()


def test_the_chart_has_round_ticks_and_the_team_average(window):
    board = window.open_board()
    chart = board.chart
    ticks = chart.ticks
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0
    assert all(t == round(t) for t in ticks)  # not 139.4, 278.9…
    assert all(abs((b - a) - step) < 1e-9 for a, b in zip(ticks, ticks[1:], strict=False))
    rows = board.model.rows()
    assert ticks[-1] >= max(r.load_per_fte for r in rows)
    present = [r for r in rows if not r.away_today]
    average = sum(r.load for r in present) / sum(r.capacity for r in present)
    assert chart.reference == pytest.approx(average)
    assert "Weighted load per full-time equivalent" in chart.accessibleDescription()


def test_applying_with_every_move_unticked_is_refused_in_words(window, qtbot, monkeypatch):
    """It went on to an empty batch and the crash dialog."""
    board = window.open_board()
    proposal = board.workload.propose()
    names = {r.worker_id: r.name for r in board.model.rows()}
    dialog = RebalanceDialog(board.workload, proposal, names)
    qtbot.addWidget(dialog)
    for row in range(dialog.moves.rowCount()):
        dialog.moves.item(row, 0).setCheckState(board_module.Qt.CheckState.Unchecked)
    dialog.reason.setText("Even out")
    told = []
    monkeypatch.setattr(board_module.QMessageBox, "information", lambda *a: told.append(a[2]))
    dialog._accept()
    assert told == ["Tick at least one move to apply."]
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_tribunal_steps_have_their_own_column_and_list_the_cases_behind_them(window, db):
    """An order to make a plan dated Mon 7 Sep 2026 on a case of the first caseworker: the
    draft (Mon 12 Oct) and the final (Mon 23 Nov) are both late on Tue 24 Nov: "2 (2 late)",
    red; double-clicking lists that case, even though its own next step may be elsewhere."""
    board = window.open_board()
    column = board.model.column_of(board_module.TRIBUNAL_COLUMN)
    first = board.model.row_at(0)
    cases = [window.model.row_at(r) for r in range(window.model.rowCount())]
    case_id = next(r.case_id for r in cases if r.caseworker_id == first.worker_id and r.is_open)
    assert board.model.index(0, column).data() == "0"
    work = window.ctx.work()
    work.record_tribunal_order(case_id, date(2026, 9, 7), "make_plan")
    board.refresh()
    rows = range(board.model.rowCount())
    row = next(n for n in rows if board.model.row_at(n).worker_id == first.worker_id)
    cell = board.model.index(row, column)
    assert cell.data() == "2 (2 late)"
    assert cell.data(RagRole) == "red"
    assert "2 open, 2 past their date" in cell.data(Qt.ItemDataRole.ToolTipRole)
    board.table.doubleClicked.emit(cell)
    window.wait_loaded()  # the cases behind it, listed off the thread
    assert [window.model.row_at(r).case_id for r in range(window.model.rowCount())] == [case_id]


def test_the_board_shows_each_caseworker_s_families_updated_on_time(window, qtbot):
    from caseload_app.services.keep_in_touch import KeepInTouchService

    board = window.open_board()
    if not board.shares:
        with qtbot.waitSignal(board.shares_loaded, timeout=20_000):
            pass
    keep = KeepInTouchService(window.ctx.db, "Team Lead", today=lambda: TODAY)
    column = board.model.column_of("Updated on time")
    for row, worker in enumerate(board.model.rows()):
        kept, families = keep.on_time_share(worker.worker_id)  # the update queue's own figure
        shown = board.model.index(row, column).data()
        assert shown == f"{kept * 100 // families}%"
        assert f"{kept:,} of {families:,} families" in board.model.index(row, column).data(
            Qt.ItemDataRole.ToolTipRole
        )
    kept, families = keep.on_time_share()
    assert f"Families updated on time (the team): {kept:,} of {families:,}" in board.summary.text()
