"""The case window: one child's EHCP case in ten tabs.

Everything shown comes from one `CaseworkService.get_case` call (a CaseDetail); every button
is one service call, after which the view reloads the detail and emits `changed(case_id)`.
The tabs hold no state of their own beyond the two overview forms, whose unsaved typing
survives a reload (it is only replaced when the person saves, reverts or asks to reload).

A tab is built the first time it is shown or used (`view.plan`, a Case menu command): most
cases are opened to read the overview, and building all ten took half of opening one (the
plan's thirteen sections and eleven tables alone a fifth).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Generic, Protocol, TypeVar, cast, overload

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


class _Loads(Protocol):
    def load(self, detail: CaseDetail) -> None: ...


T = TypeVar("T", bound=QWidget)


class _Tab(Generic[T]):
    """`view.plan`: the tab, built on first use."""

    def __init__(self, make: Callable[[CaseView], T]) -> None:
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, view: None, owner: type) -> _Tab[T]: ...
    @overload
    def __get__(self, view: CaseView, owner: type) -> T: ...
    def __get__(self, view: CaseView | None, owner: type) -> _Tab[T] | T:
        if view is None:
            return self
        return view.built(self)


class _Page(QWidget):
    """Where a tab goes in the tab bar: empty until the tab is first shown or used."""

    def __init__(self, shown: Callable[[], object]) -> None:
        super().__init__()
        self._shown = shown
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._shown()
        super().showEvent(event)


class CaseView(QWidget):
    """One case in ten tabs. The main window opens one per case and listens to `changed`."""

    changed = Signal(int)  # case_id, after any successful save
    open_case = Signal(int)  # case_id of a sibling to open
    decision_recorded = Signal(int, str)  # case_id, the letter that tells the family
    update_wanted = Signal(int)  # case_id: draft the family's update (the window opens it)
    overview = _Tab(OverviewTab)
    timeline = _Tab(TimelineTab)
    advice = _Tab(AdviceTab)
    communications = _Tab(CommunicationsTab)
    tasks = _Tab(TasksTab)
    reviews = _Tab(ReviewsTab)
    plan = _Tab(PlanTab)
    documents = _Tab(DocumentsTab)
    disagreements = _Tab(DisagreementsTab)
    history = _Tab(HistoryTab)
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
        self._built: dict[str, QWidget] = {}  # the tabs built so far, by name
        self._pages = {name: _Page(partial(self.page, name)) for name in self.TABS}
        self._build()
        self._show(self.detail)

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case tabs")
        self.tabs.setDocumentMode(True)
        for name in self.TABS:
            self.tabs.addTab(self._pages[name], name.capitalize())
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
        self.tabs.setCurrentIndex(self.TABS.index(name))

    def current_tab(self) -> str:
        return self.TABS[self.tabs.currentIndex()]

    def reload(self) -> None:
        self.detail = self.work.get_case(self.case_id, opened=False)
        self._show(self.detail)

    def has_unsaved_changes(self) -> bool:
        return self._overview_dirty() or self._plan_dirty()

    def _overview_dirty(self) -> bool:
        overview = self._built.get("overview")  # (a tab never built holds no edits)
        return isinstance(overview, OverviewTab) and overview.has_unsaved_changes()

    def _plan_dirty(self) -> bool:
        plan = self._built.get("plan")
        return isinstance(plan, PlanTab) and plan.dirty

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
        if name not in self.TABS:
            raise ValueError(f"unknown case tab {name!r}; expected one of {self.TABS}")
        return self.built(getattr(type(self), name))

    def built(self, described: _Tab[T]) -> T:
        """The tab, built now if it was not yet: it shows the case as it is read now."""
        name = described.name
        if name in self._built:
            return cast(T, self._built[name])
        tab = described.make(self)
        self._built[name] = tab
        page = self._pages[name]
        page.layout().addWidget(tab)
        cast(_Loads, tab).load(self.detail)
        if page.isVisible():  # shown now, not after the next turn of the event loop
            tab.show()
        return tab

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
        dirty = self._overview_dirty()
        self.tabs.setTabText(self.TABS.index("overview"), "Overview *" if dirty else "Overview")

    def plan_dirty_changed(self) -> None:
        dirty = self._plan_dirty()
        self.tabs.setTabText(self.TABS.index("plan"), "Plan *" if dirty else "Plan")

    def _show(self, detail: CaseDetail) -> None:
        self.header.load(detail)
        for tab in list(self._built.values()):
            cast(_Loads, tab).load(detail)
        self.dirty_changed()
