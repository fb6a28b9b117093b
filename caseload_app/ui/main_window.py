"""The main window: my week, the case list with views and filters, and open cases as tabs."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from caseload_app import __version__, logs
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.ui.case import CaseView
from caseload_app.ui.context import AppContext
from caseload_app.ui.idle import IdleWatch
from caseload_app.ui.window.background import BackgroundWork
from caseload_app.ui.window.caseload_page import CaseloadPage
from caseload_app.ui.window.data_safety import DataSafetyCommands
from caseload_app.ui.window.keep_in_touch import KeepInTouchCommands
from caseload_app.ui.window.lock import IdleLock
from caseload_app.ui.window.printing import PrintingCommands
from caseload_app.ui.window.team_lead import TeamLeadCommands

# (menu text, shortcut, CaseView command): every case action is also in the menu.
CASE_COMMANDS = (
    ("&Save details", "Ctrl+S", "save_details"),
    ("Record e&xception…", "Ctrl+E", "record_exception"),
    ("Request &advice…", "Ctrl+Shift+A", "request_advice"),
    ("C&hase advice…", "Ctrl+Shift+C", "chase_advice"),
    ("Add &task…", "Ctrl+T", "add_task"),
    ("&Book review…", "Ctrl+Shift+B", "book_review"),
    ("Add &disagreement…", "Ctrl+Shift+D", "add_disagreement"),
    ("Add &contact…", "Ctrl+Shift+K", "add_contact"),
)


def about_text(ctx: AppContext) -> str:
    """Version and where everything is: what IT asks for first."""
    path = ctx.db.path
    if path is None:
        backups = "kept by the team database's administrator"
    else:
        backups = str(ctx.backups_folder or path.parent / "backups")
    log = logs.log_file()
    return (
        f"caseload {__version__}\n"
        "EHCP caseload manager for council SEND teams.\n\n"
        f"{ctx.db_label}\n"  # "Database: …", "Team database: …" or "Demo data …"
        f"Backups: {backups}\n"
        f"Log: {log if log else 'not being written (the log folder cannot be written)'}\n"
        f"Settings: {ctx.settings_store.path}"
    )


class MainWindow(
    PrintingCommands,
    DataSafetyCommands,
    TeamLeadCommands,
    KeepInTouchCommands,
    BackgroundWork,
    IdleLock,
    QMainWindow,
):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._caseworkers: list[CaseworkerInfo] = ctx.work().caseworkers()
        self.page = CaseloadPage(ctx, self._caseworkers)
        self.page.case_wanted.connect(lambda case_id, tab: self.open_case(case_id, tab or None))
        self.page.update_wanted.connect(self.draft_update)
        self.page.queue_wanted.connect(self.open_update_queue)
        self._name_the_page_parts()
        self.setWindowTitle("caseload — EHCP caseload manager")
        self.resize(1366, 740)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.addTab(self.page, "Caseload")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.central = QStackedWidget()
        self.central.addWidget(self.tabs)
        self.central.addWidget(self._build_lock_page())
        self.setCentralWidget(self.central)
        self._hidden_while_locked: list[QWidget] = []
        self.idle = IdleWatch(ctx.settings.idle_lock_minutes, self.lock_idle, parent=self)
        app = QApplication.instance()
        if isinstance(app, QApplication):  # this window (once shown) and every dialog
            app.focusWindowChanged.connect(self.idle.watch)

        self.db_status = QLabel(ctx.db_label)
        self.db_status.setTextFormat(Qt.TextFormat.PlainText)
        self.user_status = QLabel()
        self.user_status.setTextFormat(Qt.TextFormat.PlainText)
        self.count_status = QLabel("Loading cases…")
        self.page.status.connect(self.count_status.setText)
        self.statusBar().addWidget(self.db_status, 1)
        self.statusBar().addPermanentWidget(self.user_status)
        self.statusBar().addPermanentWidget(self.count_status)
        self._build_menus()
        self._update_user_status()
        self.sidebar.setCurrentRow(0)
        self.start_background()  # the outbox and the published calendar
        self.page.loaded.connect(self.calendar_changed)  # a reload after an import, a restore…

    def _name_the_page_parts(self) -> None:
        """The caseload page's parts under the window's names, as the commands (and the
        tests, the benchmark and the screenshots) have always reached them."""
        page = self.page
        self.week_loaded, self.loaded = page.week_loaded, page.loaded
        self.refresh, self.wait_loaded = page.refresh, page.wait_loaded
        self.save_view, self.remove_view = page.save_view, page.remove_view
        self.sidebar, self.pages, self.search = page.sidebar, page.pages, page.search
        self.model, self.table = page.model, page.table
        self.week_model, self.week_table, self.week_summary = (
            page.week_model,
            page.week_table,
            page.week_summary,
        )
        self.stage_filter, self.rag_filter = page.stage_filter, page.rag_filter
        self.need_filter, self.worker_filter = page.need_filter, page.worker_filter
        self.overdue_filter, self.week_filter = page.overdue_filter, page.week_filter
        self.contact_filter = page.contact_filter

    # ------------------------------------------------------------------ building
    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file_menu = self.menuBar().addMenu("&File")
        action(file_menu, "&New request…", self.new_request, "Ctrl+N")
        action(file_menu, "&Import a spreadsheet…", self.import_spreadsheet, "Ctrl+Shift+I")
        register_menu = file_menu.addMenu("Establishments re&gister")
        action(register_menu, "&Import from GIAS file…", self.import_register)
        action(file_menu, "&Settings…", self.open_settings, "Ctrl+,")
        action(file_menu, "Letter &templates…", self.edit_templates, "Ctrl+Shift+T")
        action(file_menu, "&Mail merge…", self.mail_merge, "Ctrl+Shift+M")
        action(file_menu, "S&tatutory return (SEN2)…", self.statutory_return)
        action(file_menu, "&Weekly leadership report…", self.weekly_report, "Ctrl+Shift+W")
        export_menu = file_menu.addMenu("E&xport")
        action(export_menu, "The &case list (CSV)…", self.export_case_list, "Ctrl+Shift+E")
        action(export_menu, "&Inspection list (area SEND inspection)…", self.export_inspection_list)
        action(export_menu, "My ca&lendar (.ics, for Outlook)…", self.export_calendar)
        action(export_menu, "&Publish my calendar to…", self.choose_calendar_file)
        action(export_menu, "Stop p&ublishing my calendar", self.stop_publishing)
        file_menu.addSeparator()
        action(file_menu, "&Backups and restore…", self.open_backups, "Ctrl+Alt+B")
        action(file_menu, "T&rash…", self.open_trash, "Ctrl+Alt+T")
        action(file_menu, "&Audit trail…", self.open_audit, "Ctrl+Alt+U")
        action(file_menu, "R&etention review…", self.open_retention, "Ctrl+Alt+R")
        action(file_menu, "&People and roles…", self.open_people, "Ctrl+Alt+P")
        action(file_menu, "&Caseworkers and absences…", self.open_team, "Ctrl+Alt+C")
        file_menu.addSeparator()
        action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        case_menu = self.menuBar().addMenu("&Case")
        action(case_menu, "&Open selected case", self.open_selected, "Ctrl+O")
        action(case_menu, "&Log contact…", self.log_contact, "Ctrl+L")
        self.stage_menu = case_menu.addMenu("Record &stage action")
        self.stage_menu.aboutToShow.connect(self._fill_stage_menu)
        for text, shortcut, name in CASE_COMMANDS:
            run = self._case_command(partial(CaseView.run_command, name=name))
            action(case_menu, text, run, shortcut)
        go_menu = case_menu.addMenu("&Go to tab")
        for number, tab in enumerate(CaseView.TABS, start=1):
            key = number % 10  # the tenth tab is Alt+0, as the keyboard runs
            action(
                go_menu,
                f"&{key} {tab.capitalize()}",
                self._case_command(partial(CaseView.show_tab, name=tab)),
                f"Alt+{key}",
            )
        case_menu.addSeparator()
        action(
            case_menu, "&Print case summary…", self.print_summary, QKeySequence.StandardKey.Print
        )
        action(case_menu, "Write l&etter…", self.write_letter, "Ctrl+Shift+L")
        action(case_menu, "&Reprint selected letter…", self.reprint_letter, "Ctrl+Shift+P")
        action(case_menu, "Reassi&gn selected cases…", self.reassign_selected, "Ctrl+R")
        action(case_menu, "Recent &moves…", self.recent_moves)
        action(case_menu, "Print s&ummaries for selected cases…", self.bulk_summaries)
        action(case_menu, "Letter &for selected cases…", self.bulk_letters)
        action(case_menu, "Subject access re&quest…", self.subject_access_request)
        case_menu.addSeparator()
        action(case_menu, "&Delete case…", self.delete_case, "Ctrl+Shift+Delete")
        action(case_menu, "&Close case tab", self.close_current_tab, "Ctrl+W")

        view_menu = self.menuBar().addMenu("&View")
        action(view_menu, "&Lock now", lambda: self.lock_screen(), "Ctrl+Alt+L")
        action(view_menu, "My &week", lambda: self.show_list(0), "Ctrl+1")
        action(view_menu, "My &caseload", lambda: self.show_list(1), "Ctrl+2")
        action(view_menu, "&All cases", lambda: self.show_list(2), "Ctrl+3")
        action(view_menu, "Workload &board", self.open_board, "Ctrl+4")
        action(view_menu, "&Phase transfers", self.open_planner, "Ctrl+5")
        action(view_menu, "&Review catch-up planner", self.open_review_plan, "Ctrl+9")
        action(view_menu, "Plan &quality", self.open_quality, "Ctrl+6")
        action(view_menu, "Families due an &update", self.open_update_queue, "Ctrl+7")
        action(view_menu, "Advice pro&viders", self.open_providers, "Ctrl+8")
        action(view_menu, "20-week f&orecast", lambda: self.open_forecast(), "Ctrl+Shift+O")
        action(view_menu, "Search &documents…", self.search_documents, "Ctrl+Shift+F")
        view_menu.addSeparator()
        action(view_menu, "&Find…", self.focus_search, QKeySequence.StandardKey.Find)
        action(view_menu, "&Refresh", self.refresh, QKeySequence.StandardKey.Refresh)
        view_menu.addSeparator()
        action(view_menu, "&Save filters as view…", self.save_view, "Ctrl+Shift+S")
        action(view_menu, "Remove saved &view", self.remove_view)

        help_menu = self.menuBar().addMenu("&Help")
        action(help_menu, "&Guide…", lambda: self.show_guide(), "F1")
        action(help_menu, "&Keyboard shortcuts…", lambda: self.show_guide(shortcuts=True))
        action(help_menu, "&About caseload…", self.show_about)

    def show_guide(self, shortcuts: bool = False) -> None:
        from caseload_app.ui.dialogs.guide_dialog import GuideDialog, menu_shortcuts

        self.guide = GuideDialog(menu_shortcuts(self.menuBar()), self, show_shortcuts=shortcuts)
        self.guide.show()

    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About caseload",
            about_text(self.ctx),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    # ------------------------------------------------------------------ views and filters
    def focus_search(self) -> None:
        if self.sidebar.currentRow() == 0:
            self.sidebar.setCurrentRow(2)
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------------ loading
    # ------------------------------------------------------------------ status
    def _update_user_status(self) -> None:
        roles = self.ctx.access().describe()
        self.user_status.setText(f"Signed in as {self.ctx.user} ({roles})")

    # ------------------------------------------------------------------ cases in tabs
    def case_views(self) -> list[CaseView]:
        """The cases open in tabs, left to right."""
        return self.tabs_of(CaseView)

    def open_case(self, case_id: int, tab: str | None = None) -> CaseView:
        for view in self.case_views():
            if view.case_id == case_id:
                self.tabs.setCurrentWidget(view)
                if tab:
                    view.show_tab(tab)
                return view
        view = CaseView(self.ctx.work(), case_id, self._caseworkers, self)
        view.changed.connect(lambda case_id, v=view: self.cases_changed({case_id}, v))
        view.open_case.connect(self.open_case)
        view.decision_recorded.connect(self.offer_decision_letter)
        view.update_wanted.connect(lambda case_id, v=view: self.draft_update(case_id, v.title()))
        if tab:  # before it is shown: only that tab is built
            view.show_tab(tab)
        index = self.tabs.addTab(view, view.title())
        self.tabs.setCurrentIndex(index)
        self.model.anchor({case_id})  # its saves that move nothing ask nothing again
        return view

    def open_selected(self) -> None:
        table, pick = (
            (self.week_table, lambda r: self.week_model.item_at(r).case_id)
            if self.pages.currentIndex() == 0
            else (self.table, self.model.case_id_at)
        )
        rows = table.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "Open case", "Select a case in the list first.")
            return
        for row in rows[:10]:  # opening hundreds of tabs by accident helps nobody
            self.open_case(pick(row.row()))

    def log_contact(self) -> None:
        current = self.current_case()
        if current is not None:
            current.log_contact()
            return
        rows = self.table.selectionModel().selectedRows() if self.pages.currentIndex() else []
        if not rows:
            QMessageBox.information(
                self, "Log contact", "Open a case, or select one in the list, to log a contact."
            )
            return
        view = self.open_case(self.model.case_id_at(rows[0].row()), "communications")
        view.log_contact()

    def current_case(self) -> CaseView | None:
        view = self.tabs.currentWidget()
        return view if isinstance(view, CaseView) else None

    def _case_command(self, do: Callable[[CaseView], None]) -> Callable[[], None]:
        """A menu command for the case in front: what it does is the case view's own."""

        def run() -> None:
            view = self.current_case()
            if view is None:
                QMessageBox.information(self, "No case open", "Open a case first.")
                return
            do(view)

        return run

    def _fill_stage_menu(self) -> None:
        self.stage_menu.clear()
        view = self.current_case()
        for key, label in view.detail.actions if view is not None else ():
            record = self._case_command(partial(CaseView.run_stage_action, key=key))
            self.stage_menu.addAction(f"{label}…").triggered.connect(record)
        if self.stage_menu.isEmpty():
            self.stage_menu.addAction("(open a case to see what can happen next)").setEnabled(False)

    def close_current_tab(self) -> None:
        if self.tabs.currentIndex() > 0:
            self.close_tab(self.tabs.currentIndex())

    def close_tab(self, index: int) -> bool:
        if index == 0:
            return False
        view = self.tabs.widget(index)
        if isinstance(view, CaseView) and view.has_unsaved_changes():  # noqa: SIM102
            if not self._confirm_discard(view.title()):
                return False
        self.tabs.removeTab(index)
        if view is not None:
            view.deleteLater()
        return True

    def cases_changed(self, case_ids: Collection[int], source: CaseView | None = None) -> None:
        """After a save: the caseload page puts right these cases (and their families'), and
        any other open tab of theirs reloads."""
        touched = self.page.update_cases(case_ids)
        if touched is None:  # the page reloads everything: these cases' tabs are still due one
            touched = set(case_ids)
        for view in self.case_views():
            if view is not source and view.case_id in touched:
                view.reload()
        self.refresh_update_queues()  # a family told drops out; a stage changed may add one
        self.calendar_changed()  # dates may have moved

    def _confirm_discard(self, what: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"You have changed {what}'s details without saving. Close and lose the changes?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.idle.watch(self.windowHandle())  # exists once shown; focus may come later

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._restoring:  # its bar has Stop: closed now, a restore might be left half-way
            self.statusBar().showMessage(
                "A backup is being restored: wait for it, or press Stop on its bar first.", 8000
            )
            event.ignore()
            return
        unsaved = [view.title() for view in self.case_views() if view.has_unsaved_changes()]
        if unsaved and not self._confirm_discard(", ".join(unsaved)):
            event.ignore()
            return
        self.stop_daily_backup()
        self.stop_whole_file_check()
        self.stop_background()
        event.accept()

    # ------------------------------------------------------------------ the selection
    def _selected_rows(self) -> list:
        return self.page.selected_rows() if self.tabs.currentIndex() == 0 else []

    def selected_cases(self) -> list[tuple[int, str]]:
        return [(row.case_id, row.child_name) for row in self._selected_rows()]

    # ------------------------------------------------------------------ dialogs
    def new_request(self) -> None:
        from caseload_app.ui.dialogs.new_request import NewRequestDialog

        dialog = NewRequestDialog(
            self.ctx.requests(),
            self._caseworkers,
            self.ctx.settings.me_caseworker_id,
            self.ctx.today(),
            self,
        )
        accepted = dialog.exec()
        existing = getattr(dialog, "open_existing_case_id", None)
        if accepted and dialog.created_case_id is not None:
            self.cases_changed({dialog.created_case_id})
            self.open_case(dialog.created_case_id, "overview")
        elif existing:
            self.open_case(existing, "overview")

    def import_spreadsheet(self) -> None:
        from caseload_app.ui.dialogs.import_dialog import ImportDialog

        ImportDialog(self.ctx.importer(), lambda _result: self.refresh(), self).exec()

    def import_register(self) -> None:
        """The DfE's register of establishments: team leads' and administrators' to keep."""
        from caseload_app.domain.access import Can
        from caseload_app.ui.dialogs.register_dialog import RegisterImportDialog

        access = self.ctx.access()
        if not access.can(Can.REGISTER):
            QMessageBox.information(
                self,
                "Establishments register",
                "Only a team lead or an administrator imports the register of establishments "
                f"(your roles: {access.describe()}).",
            )
            return
        RegisterImportDialog(self.ctx.establishments(), parent=self).exec()

    # --- data safety ------------------------------------------------------------------------

    def show_list(self, row: int) -> None:
        """My week, my caseload or all cases, brought in front of any open case tab."""
        self.tabs.setCurrentIndex(0)
        self.sidebar.setCurrentRow(row)

    def reload_caseworkers(self) -> None:
        """After the team changed: every list of caseworkers offers the team as it is now."""
        self._caseworkers = self.ctx.work().caseworkers()
        self.page.set_caseworkers(self._caseworkers)
        self.refresh()

    def open_people(self) -> None:
        from caseload_app.domain.access import Can
        from caseload_app.ui.dialogs.people_dialog import PeopleDialog

        access = self.ctx.access()
        if not access.can(Can.USERS):
            QMessageBox.information(
                self,
                "People and roles",
                f"Only an administrator manages people and roles (your roles: "
                f"{access.describe()}).",
            )
            return
        on_server = not self.ctx.db.is_sqlite
        PeopleDialog(self.ctx.people(), self._caseworkers, on_server=on_server, parent=self).exec()
        self._update_user_status()

    def open_settings(self) -> None:
        from caseload_app.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.ctx.settings_store, self.ctx.settings, self.ctx.team(), self._caseworkers, self
        )
        if dialog.exec():
            self.apply_settings(dialog.settings)

    def apply_settings(self, settings) -> None:
        self.ctx.settings = settings
        self.idle.minutes = settings.idle_lock_minutes
        self._update_user_status()
        self.page.rebuild_sidebar()
        self.refresh()
        self.calendar_changed()  # "I am" may be someone else now
