"""Advice providers: per provider, the requests waiting and overdue, the days advice takes
to arrive and the trend; the cases waiting on the one selected (double-click opens the case);
chase every overdue request of it in one letter or e-mail, or escalate them to its manager;
and the list of providers itself (add, correct, retire). The board loads off the window's
thread (about two thirds of a second at 50,000 children)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import how_many
from caseload_app.services.providers import (
    ChaseDone,
    ProviderBoard,
    ProviderInfo,
    ProviderRow,
    ProviderService,
)
from caseload_app.ui.dialogs.case_dialogs import (
    EditDialog,
    FormDialog,
    button,
    choice_combo,
    code_choices,
    line_edit,
    plain_label,
    text_box,
)
from caseload_app.ui.errors import run_action, show_failure
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.worker import Job, run_in_background


def _rag(r: ProviderRow) -> str | None:
    return "red" if r.overdue else None


PROVIDER_COLUMNS = (
    Column("Provider", lambda r: r.name + ("" if r.active else " (retired)"), rag=_rag),
    Column("Service", lambda r: r.service_label),
    Column("Waiting", lambda r: str(r.outstanding), lambda r: r.outstanding),
    Column("Overdue", lambda r: str(r.overdue), lambda r: r.overdue, rag=_rag),
    Column("Last 6 months", lambda r: r.last_6_months.words()),
    Column("Last 12 months", lambda r: r.last_12_months.words()),
    Column("Trend", lambda r: r.trend.words()),
)
WAITING_COLUMNS = (
    Column("Child", lambda w: w.child_name),
    Column("Born", lambda w: format_date(w.date_of_birth), lambda w: w.date_of_birth),
    Column("Case", lambda w: str(w.case_id), lambda w: w.case_id),
    Column("Caseworker", lambda w: w.caseworker),
    Column("Requested", lambda w: format_date(w.requested), lambda w: w.requested),
    Column("Due", lambda w: format_date(w.due), lambda w: w.due),
    Column(
        "Days overdue",
        lambda w: str(w.days_overdue) if w.overdue else "—",
        lambda w: w.days_overdue,
        rag=lambda w: "red" if w.overdue else None,
    ),
    Column("Chases", lambda w: str(w.chases), lambda w: w.chases),
)
LIST_COLUMNS = (
    Column("Provider", lambda p: p.name + ("" if p.active else " (retired)")),
    Column("Service", lambda p: p.service_label),
    Column("E-mail", lambda p: p.email or "—"),
    Column("Manager", lambda p: ", ".join(x for x in (p.manager_name, p.manager_role) if x)),
)
FILES = "Letter (PDF) (*.pdf);;Word document (*.docx);;E-mail for Outlook (*.eml)"


class ProvidersView(QWidget):
    open_case = Signal(int)
    loaded = Signal()  # the board has been shown (tests, screenshots)

    def __init__(self, service: ProviderService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.board: ProviderBoard | None = None
        self._job: Job | None = None
        self.headline = plain_label("Loading…")
        self.headline.setAccessibleName("Advice providers headline")
        self.providers = RowTable(
            PROVIDER_COLUMNS, "Advice providers", stretch="Trend", key=lambda r: r.key
        )
        self.waiting = RowTable(
            WAITING_COLUMNS, "Cases waiting", stretch="Child", sortable=True,
            key=lambda w: w.advice_id,
        )  # fmt: skip
        # The most overdue first, as the service lists them.
        self.waiting.sortByColumn(6, Qt.SortOrder.DescendingOrder)
        self.providers.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.waiting.doubleClicked.connect(self._open)
        self.chase_button = button("C&hase overdue…", "Chase overdue advice", self.chase)
        self.escalate_button = button("&Escalate…", "Escalate to the manager", self.escalate)
        self.list_button = button("&Providers…", "The list of providers", self.edit_list)
        self.refresh_button = button("Re&fresh", "Refresh the board", self.refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                self.chase_button, self.escalate_button, "stretch", self.list_button,
                self.refresh_button,
            )
        )  # fmt: skip
        layout.addWidget(self.headline)
        layout.addWidget(self.providers, 2)
        layout.addWidget(QLabel("<b>Cases waiting</b> (double-click to open the case)"))
        layout.addWidget(self.waiting, 3)
        layout.addWidget(
            plain_label(
                "Advice is due within 6 weeks of the day the adviser received the request "
                "(Reg 8(1)). Days to arrive count from that day. A chase or an escalation is "
                "logged on each case it lists."
            )
        )
        self._selected()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self._job is not None:
            return  # one load at a time
        self.refresh_button.setEnabled(False)
        self._job = run_in_background(self.service.board, self._loaded, self._failed)

    def _loaded(self, board: ProviderBoard) -> None:
        self._job = None
        self.refresh_button.setEnabled(True)
        self.board = board
        self.providers.load(list(board.rows))
        waiting = sum(r.outstanding for r in board.rows)
        overdue = sum(r.overdue for r in board.rows)
        self.headline.setText(
            f"{how_many(waiting, 'advice request', 'advice requests')} waiting, "
            f"{overdue:,} overdue, from {how_many(len(board.rows), 'provider', 'providers')}."
        )
        if self.providers.selected() is None and board.rows:
            self.providers.select_row(0)
        self._selected()
        self.loaded.emit()

    def _failed(self, exc: Exception, _details: str) -> None:
        self._job = None
        self.refresh_button.setEnabled(True)
        self.headline.setText("The board could not be loaded.")
        show_failure(self, "Advice providers", exc)
        self.loaded.emit()

    def _selected(self) -> None:
        row = self.providers.selected()
        self.waiting.load(list(row.waiting) if row else [])
        late = bool(row and row.overdue)
        self.chase_button.setEnabled(late)
        self.escalate_button.setEnabled(late)

    def _open(self, index) -> None:
        item = self.waiting.rows_model.row_at(index.row())
        if item is not None:
            self.open_case.emit(item.case_id)

    # ------------------------------------------------------------------ chasing
    def chase(self) -> None:
        self._send("Chase overdue advice", self.service.chase_overdue, escalate=False)

    def escalate(self) -> None:
        self._send("Escalate late advice", self.service.escalate, escalate=True)

    def _send(self, title: str, act: Callable, *, escalate: bool) -> None:
        row = self.providers.selected()
        if row is None or not row.overdue:
            return
        count = how_many(row.overdue, "overdue request", "overdue requests")
        to = "its manager" if escalate else row.name
        path = self.ask_file(title, row)
        if path is None:
            return
        asked = QMessageBox.question(
            self, title,
            f"Write one {'e-mail' if path.suffix == '.eml' else 'letter'} to {to} listing "
            f"{count}, and log it on each of their cases?",
        )  # fmt: skip
        if asked != QMessageBox.StandardButton.Yes:
            return
        done: list[ChaseDone] = []
        confirmed = [w.advice_id for w in row.waiting if w.overdue]  # what was asked about

        def send() -> None:
            done.append(act(row.key, self.service.today(), path, confirmed))

        if run_action(self, title, send):
            QMessageBox.information(
                self, title,
                f"Written to {done[0].path.name} for {done[0].to}: "
                f"{how_many(done[0].chased, 'request', 'requests')} chased and logged.",
            )  # fmt: skip
            self.refresh()

    def ask_file(self, title: str, row: ProviderRow) -> Path | None:
        """Where to write the letter or e-mail (a test replaces this)."""
        name = "".join(ch if ch.isalnum() else "_" for ch in row.name)[:60]
        chosen, _ = QFileDialog.getSaveFileName(self, title, f"{name}.pdf", FILES)
        return Path(chosen) if chosen else None

    # ------------------------------------------------------------------ the list
    def edit_list(self) -> None:
        ProvidersDialog(self.service, self).exec()
        self.refresh()


class ProvidersDialog(QDialog):
    """The list of advice providers: add, correct, retire (team leads and administrators)."""

    def __init__(self, service: ProviderService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Advice providers")
        self.setAccessibleName("Advice providers")
        self.table = RowTable(LIST_COLUMNS, "Advice providers list", stretch="Manager")
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.add_button = button("&Add…", "Add a provider", self.add)
        self.edit_button = button("&Edit…", "Correct or retire the provider", self.edit)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "The teams and named advisers who give each kind of advice, and their manager "
                "(late advice is escalated to them). Retire one that no longer gives advice: "
                "its requests and figures stay."
            )
        )
        layout.addWidget(self.table, 1)
        layout.addLayout(button_row(self.add_button, self.edit_button, "stretch"))
        self.resize(760, 420)
        self.reload()

    def reload(self) -> None:
        found: list[list[ProviderInfo]] = []
        if run_action(self, "Advice providers", lambda: found.append(self.service.providers())):
            self.table.load(found[0])

    def add(self) -> None:
        def submit(v: dict) -> object:
            token = v.pop("token", None)
            return self.service.add_provider(v, token=str(token) if token else None)

        if ProviderDialog("Add an advice provider", submit, self, new=True).exec():
            self.reload()

    def edit(self) -> None:
        p = self.table.selected()
        if p is None:
            return

        def submit(v: dict) -> object:
            return self.service.update_provider(p.id, p.version, v)

        dialog = ProviderDialog(f"Provider: {p.name}", submit, self, new=False)
        dialog.load(
            {
                "service": p.service, "name": p.name, "email": p.email or "",
                "address": p.address, "manager_name": p.manager_name,
                "manager_role": p.manager_role, "manager_email": p.manager_email or "",
                "active": p.active,
            }
        )  # fmt: skip
        if dialog.exec():
            self.reload()


class ProviderDialog(EditDialog):
    def __init__(self, title: str, submit, parent=None, *, new: bool) -> None:
        FormDialog.__init__(self, title, submit, parent)
        self.add("service", "&Service", choice_combo(code_choices(codes.advice_types())))
        self.add("name", "&Name (team or adviser)", line_edit(max_length=120))
        self.add("email", "E-&mail", line_edit(max_length=254))
        self.add("address", "A&ddress", text_box(4))
        self.add("manager_name", "&Manager's name", line_edit(max_length=120))
        self.add("manager_role", "Manager's &role", line_edit(max_length=120))
        self.add("manager_email", "Manager's e-ma&il", line_edit(max_length=254))
        active = QCheckBox("Gives advice now (untick to retire)")
        active.setChecked(True)
        self.add("active", "&Active", active)
        self._new = new

    def submitted_values(self) -> dict[str, object]:
        if self._new:
            return FormDialog.submitted_values(self)
        return super().submitted_values()
