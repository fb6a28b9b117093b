"""Keeping families informed, in the window: the queue of families due an update, and the
update drafted for one family (from the queue, a case's Communications tab, or a My week
line), sent by e-mail or issued as a letter.

Mixed into MainWindow (ui/main_window.py), whose ctx, tabs and lists these use."""

from __future__ import annotations

from PySide6.QtCore import Qt

from caseload_app.domain.access import Can
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.update_draft import UpdateDraftDialog
from caseload_app.ui.updates_view import UpdateQueueView
from caseload_app.ui.window.shell import WindowShell


class KeepInTouchCommands(WindowShell):
    update_dialog: UpdateDraftDialog | None = None  # the update being written, if any

    def open_update_queue(self) -> UpdateQueueView:
        for open_view in self.tabs_of(UpdateQueueView):
            self.tabs.setCurrentWidget(open_view)
            open_view.refresh()
            return open_view
        settings = self.ctx.settings
        me = (settings.me_caseworker_id, settings.me_name) if settings.me_caseworker_id else None
        view = UpdateQueueView(
            self.ctx.keep_in_touch(), me, lead=self.ctx.access().can(Can.REPORTS), parent=self
        )
        view.open_case.connect(self.open_case)
        view.draft_wanted.connect(self.draft_update)
        self.tabs.setCurrentIndex(self.tabs.addTab(view, "Families due an update"))
        view.refresh()
        return view

    def draft_update(self, case_id: int, child_name: str = "") -> UpdateDraftDialog | None:
        """The update drafted from the case, to read, edit and send. One at a time: asked
        again (a second click, another line) while one is open, that one comes forward."""
        open_now = self.update_dialog
        if open_now is not None and open_now.isVisible():
            open_now.raise_()
            open_now.activateWindow()
            return open_now
        try:
            dialog = UpdateDraftDialog(
                self.ctx.keep_in_touch(), self.ctx.mail(), self.ctx.letters(), case_id,
                child_name or "the child", self, council=self.ctx.team(),
            )  # fmt: skip
        except ui_errors.USER_ERRORS as exc:
            ui_errors.show_user_error(self, "Update not drafted", exc)
            return None
        dialog.told.connect(self.family_told)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(lambda _result, d=dialog: self._update_closed(d))
        self.update_dialog = dialog
        dialog.open()
        return dialog

    def family_told(self, case_id: int) -> None:
        """A letter or an e-mail went: the case's Communications, My week and the list show
        it (cases_changed), and the queue loses the family."""
        self.cases_changed({case_id})

    def refresh_update_queues(self) -> None:
        for view in self.tabs_of(UpdateQueueView):
            view.refresh()

    def _update_closed(self, dialog: UpdateDraftDialog) -> None:
        if self.update_dialog is dialog:
            self.update_dialog = None
        dialog.deleteLater()
