"""What the main window's command groups (ui/window/*) use of the window itself.

Each group is a mixin of MainWindow; this base says, for the type checker, which parts of
the window they reach: MainWindow (ui/main_window.py) builds and defines every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QMainWindow, QStackedWidget, QTabWidget, QWidget

if TYPE_CHECKING:
    from caseload_app.services.case_read import CaseworkerInfo
    from caseload_app.services.caselist import CaseRow
    from caseload_app.ui.case import CaseView
    from caseload_app.ui.context import AppContext
    from caseload_app.ui.dialogs.guide_dialog import GuideDialog
    from caseload_app.ui.idle import IdleWatch
    from caseload_app.ui.window.caseload_page import CaseloadPage
    from caseload_app.ui.worker import Job


Tab = TypeVar("Tab", bound=QWidget)


class WindowShell(QMainWindow):
    ctx: AppContext
    tabs: QTabWidget  # the caseload page first, then a tab per open case
    central: QStackedWidget  # the tabs, or the lock page
    page: CaseloadPage
    idle: IdleWatch
    _caseworkers: list[CaseworkerInfo]
    refresh: Callable[[], None]
    open_case: Callable[..., CaseView]
    current_case: Callable[[], CaseView | None]
    cases_changed: Callable[..., None]
    selected_cases: Callable[[], list[tuple[int, str]]]
    _selected_rows: Callable[[], list[CaseRow]]
    reload_caseworkers: Callable[[], None]
    show_guide: Callable[..., None]
    pause_background_writes: Callable[[Job], None]
    resume_background_writes: Callable[[], None]
    guide: GuideDialog  # the guide, once shown

    def tabs_of(self, kind: type[Tab]) -> list[Tab]:
        """The open tabs of one kind (cases, the board, the planner), left to right."""
        tabs = (self.tabs.widget(index) for index in range(1, self.tabs.count()))
        return [tab for tab in tabs if isinstance(tab, kind)]
