"""Families due an update (View → Families due an update): the keep-in-touch promise's queue,
mine or the whole team's, soonest first, overdue in red. Enter or a double-click drafts the
update (ui/dialogs/update_draft.py); it loads off the window's thread."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Rag
from caseload_app.domain.text import days_text, how_many
from caseload_app.services.keep_in_touch import DueUpdate, KeepInTouchService
from caseload_app.ui import crash
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import buddy, button, plain_label
from caseload_app.ui.dialogs.update_draft import channel_label
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable
from caseload_app.ui.worker import Job, run_in_background, wait_for

DAYS_AHEAD = 7  # as My week: due within the week, or overdue already

COLUMNS = (
    Column("Child", lambda d: d.child_name),
    Column(
        "Due",
        lambda d: f"{format_date(d.due)} · {days_text(d.days_left)}",
        lambda d: d.due,
        rag=lambda d: Rag.RED if d.days_left < 0 else None,
    ),
    Column("Why", lambda d: d.reason),
    Column("How they like to hear", lambda d: channel_label(d.channel)),
    Column("Language", lambda d: d.note),
)


class UpdateQueueView(QWidget):
    open_case = Signal(int, str)  # case_id, the tab to show
    draft_wanted = Signal(int, str)  # case_id, the child's name
    loaded = Signal()  # a load ended (done or not)

    def __init__(
        self,
        service: KeepInTouchService,
        me: tuple[int, str] | None,
        *,
        lead: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self._job: Job | None = None
        self._again = False  # asked to load while a load was under way
        self.whose = QComboBox()
        self.whose.setAccessibleName("Whose families")
        if me is not None:
            self.whose.addItem(f"My families ({me[1]})", me[0])
        if lead or me is None:
            self.whose.addItem("The whole team", None)
            self.whose.setCurrentIndex(self.whose.count() - 1 if lead else 0)
        self.whose.currentIndexChanged.connect(lambda _i: self.refresh())
        self.summary = plain_label()
        self.summary.setAccessibleName("Families due an update")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self.table = RowTable(
            COLUMNS, "Families due an update", stretch="Why", key=lambda d: d.case_id
        )
        self.table.activated.connect(self._draft_at)  # Enter, or a double-click
        self.draft_button = button("Draft &update…", "Draft the selected family's update",
                                   self.draft_selected)  # fmt: skip
        self.open_button = button("&Open the case", "Open the selected child's case",
                                  self.open_selected)  # fmt: skip
        self.reload_button = button("Re&load", "Load the list again", self.refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self._lay_out()
        self._enable()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(buddy("&Whose:", self.whose))
        top.addWidget(self.whose)
        top.addWidget(self.busy)
        top.addStretch(1)
        for b in (self.draft_button, self.open_button, self.reload_button):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Load the queue again without blocking the window (after any case changed: a
        family told drops out, a stage changed may bring one in)."""
        if self._job is not None:
            self._again = True
            return
        self._set_busy(True)
        worker, keep = self.whose.currentData(), self.service

        def load() -> tuple[list[DueUpdate], tuple[int, int]]:
            return keep.due(worker, DAYS_AHEAD), keep.on_time_share(worker)

        self._job = run_in_background(load, self._loaded, self._failed)

    def _loaded(self, found: tuple[list[DueUpdate], tuple[int, int]]) -> None:
        self._job = None
        rows, (kept, families) = found
        self.table.load(rows)
        self._set_busy(False)
        overdue = sum(1 for d in rows if d.days_left < 0)
        share = f" ({kept * 100 // families}%)" if families else ""
        self.summary.setText(
            f"{how_many(len(rows), 'family', 'families')} due an update in the next "
            f"{DAYS_AHEAD} days, {overdue:,} overdue. {kept:,} of "
            f"{how_many(families, 'family', 'families')} with an open case{share} are not "
            "overdue one. Enter or double-click drafts the update."
        )
        self._ended()

    def _failed(self, exc: Exception, _details: str) -> None:
        self._job = None
        self._set_busy(False)
        self.summary.setText("The families due an update could not be loaded.")
        self._ended()
        if isinstance(exc, ui_errors.USER_ERRORS):
            ui_errors.show_user_error(self, "Families due an update", exc)
        else:
            crash.report(exc, self)

    def _ended(self) -> None:
        if self._again:
            self._again = False
            self.refresh()
            return
        self.loaded.emit()

    def _set_busy(self, loading: bool) -> None:
        self.busy.setVisible(loading)
        self.table.setEnabled(not loading)
        self.whose.setEnabled(not loading)
        if loading:
            self.summary.setText("Loading the families due an update…")
        self._enable()

    def _enable(self) -> None:
        chosen = self.table.isEnabled() and self.table.selected() is not None
        self.draft_button.setEnabled(chosen)
        self.open_button.setEnabled(chosen)
        self.reload_button.setEnabled(self._job is None)

    def wait_loaded(self, timeout_ms: int = 30_000) -> None:
        """For tests and the screenshots: wait until the load has ended."""
        if self._job is not None:
            wait_for(self.loaded, timeout_ms)

    # ------------------------------------------------------------------ acting
    def rows(self) -> list[DueUpdate]:
        return self.table.rows_model.rows()

    def _draft_at(self, index: QModelIndex) -> None:
        due: DueUpdate = self.table.rows_model.row_at(index.row())
        self.draft_wanted.emit(due.case_id, due.child_name)

    def draft_selected(self) -> None:
        due: DueUpdate | None = self.table.selected()
        if due is not None:
            self.draft_wanted.emit(due.case_id, due.child_name)

    def open_selected(self) -> None:
        due: DueUpdate | None = self.table.selected()
        if due is not None:
            self.open_case.emit(due.case_id, "communications")
