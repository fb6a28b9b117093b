"""The case window: one child's EHCP case in nine tabs.

Everything shown comes from one `CaseworkService.get_case` call (a CaseDetail); every button
is one service call, after which the view reloads the detail and emits `changed(case_id)`.
The tabs hold no state of their own beyond the two overview forms, whose unsaved typing
survives a reload (it is only replaced when the person saves, reverts or asks to reload).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QInputDialog,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseDetail, CaseworkerInfo
from caseload_app.services.casework import CaseworkService
from caseload_app.services.trash import TrashService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.case.advice import AdviceTab
from caseload_app.ui.case.communications import CommunicationsTab
from caseload_app.ui.case.disagreements import DisagreementsTab
from caseload_app.ui.case.documents import DocumentsTab
from caseload_app.ui.case.header import CaseHeader
from caseload_app.ui.case.history import HistoryTab
from caseload_app.ui.case.overview import OverviewTab
from caseload_app.ui.case.plan import PlanTab
from caseload_app.ui.case.reviews import ReviewsTab
from caseload_app.ui.case.tasks import TasksTab
from caseload_app.ui.case.timeline import TimelineTab
from caseload_app.ui.dialogs.case_dialogs import FormDialog


class _Tab(Protocol):
    def load(self, detail: CaseDetail) -> None: ...


class CaseView(QWidget):
    """One case in nine tabs. The main window opens one per case and listens to `changed`."""

    changed = Signal(int)  # case_id, after any successful save
    open_case = Signal(int)  # case_id of a sibling to open
    decision_recorded = Signal(int, str)  # case_id, the letter that tells the family
    update_wanted = Signal(int)  # case_id: draft the family's update (the window opens it)
    TABS = (
        "overview",
        "timeline",
        "advice",
        "communications",
        "tasks",
        "reviews",
        "plan",
        "documents",
        "disagreements",
        "history",
    )
    # What the Case menu can do to an open case: the tab it is done on, and that tab's action
    # (a QAction the tab owns; its button is bound to the same action).
    COMMANDS = {
        "save_details": ("overview", "save_action"),
        "record_exception": ("timeline", "exception_action"),
        "request_advice": ("advice", "request_action"),
        "chase_advice": ("advice", "chase_action"),
        "add_task": ("tasks", "add_action"),
        "book_review": ("reviews", "book_action"),
        "add_disagreement": ("disagreements", "add_action"),
        "add_contact": ("overview", "add_contact_action"),
    }

    def __init__(
        self,
        work: CaseworkService,
        case_id: int,
        caseworkers: list[CaseworkerInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.work, self.case_id = work, case_id
        self.caseworkers = list(caseworkers)
        self.dialog: FormDialog | None = None  # the dialog open now, if any
        self.detail: CaseDetail = work.get_case(case_id)
        self.header = CaseHeader()
        self.overview = OverviewTab(self)
        self.timeline = TimelineTab(self)
        self.advice = AdviceTab(self)
        self.communications = CommunicationsTab(self)
        self.tasks = TasksTab(self)
        self.reviews = ReviewsTab(self)
        self.plan = PlanTab(self)
        self.documents = DocumentsTab(self)
        self.disagreements = DisagreementsTab(self)
        self.history = HistoryTab(self)
        self._build()
        self._show(self.detail)

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case tabs")
        self.tabs.setDocumentMode(True)
        for name in self.TABS:
            self.tabs.addTab(self.page(name), name.capitalize())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)

    # --- the contract the main window uses ------------------------------------------------
    def title(self) -> str:
        child = self.detail.child
        return f"{child.first_name} {child.last_name}"

    def run_command(self, name: str) -> None:
        """A Case menu command: show its tab, then trigger the tab's own action (which does
        nothing while the tab has it disabled, exactly as its button)."""
        tab, action = self.COMMANDS[name]
        self.show_tab(tab)
        getattr(self.page(tab), action).trigger()

    def run_stage_action(self, key: str) -> None:
        """Record what happened next (a key of detail.actions), from the Case menu."""
        self.show_tab("timeline")
        self.timeline.stage_actions[key].trigger()

    def show_tab(self, name: str) -> None:
        if name not in self.TABS:
            raise ValueError(f"unknown case tab {name!r}; expected one of {self.TABS}")
        self.tabs.setCurrentWidget(self.page(name))

    def reload(self) -> None:
        self.detail = self.work.get_case(self.case_id, opened=False)
        self._show(self.detail)

    def has_unsaved_changes(self) -> bool:
        return self.overview.has_unsaved_changes() or self.plan.dirty

    def log_contact(self) -> None:
        self.communications.log_contact()

    def ask_reason(self, title: str, what: str) -> str | None:
        """Ask why something is being deleted; None if the person cancels."""
        text, ok = QInputDialog.getText(
            self, title, f"Why {what}? (It can be restored from File → Trash.)"
        )
        return text if ok else None

    def to_trash(self, title: str, what: str, move: Callable[[TrashService, str], object]) -> None:
        """Ask why, then move something into the trash with that reason (one service call)."""
        reason = self.ask_reason(title, what)
        if reason is not None:
            trash = self.work.trash()
            self.act(title, lambda: move(trash, reason))

    # --- for the tabs -----------------------------------------------------------------------
    def page(self, name: str) -> QWidget:
        return getattr(self, name)

    def act(self, title: str, call: Callable[[], object]) -> bool:
        """Run one service call; on success reload and tell the main window."""
        if ui_errors.run_action(self, title, call):
            self.saved()
            return True
        return False

    def saved(self) -> None:
        self.reload()
        self.changed.emit(self.case_id)

    def open_dialog(self, dialog: FormDialog, *, reload: bool = True) -> None:
        """Show a dialog without blocking; when its service call succeeds, reload (unless
        the dialog only changed something held in the window, such as the plan being written)."""
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if reload:
            dialog.accepted.connect(self.saved)
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        self.dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: FormDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def dirty_changed(self) -> None:
        index = self.tabs.indexOf(self.overview)
        dirty = self.overview.has_unsaved_changes()
        self.tabs.setTabText(index, "Overview *" if dirty else "Overview")

    def plan_dirty_changed(self) -> None:
        if hasattr(self, "tabs"):  # the plan loads once before the tabs are built
            index = self.tabs.indexOf(self.plan)
            self.tabs.setTabText(index, "Plan *" if self.plan.dirty else "Plan")

    def _show(self, detail: CaseDetail) -> None:
        self.header.load(detail)
        for name in self.TABS:
            tab: _Tab = getattr(self, name)
            tab.load(detail)
        self.dirty_changed()
