"""The Tasks tab: follow-ups with a due date and who does them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.dialogs.case_dialogs import (
    TaskDialog,
    TaskEditDialog,
    action_button,
    button,
    command,
)
from caseload_app.ui.models.case_models import task_columns
from caseload_app.ui.widgets.blocks import RowTable, button_row

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class TasksTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(task_columns(view.detail.today), "Tasks", stretch="Task")
        self.add_action = command(self, "&Add task…", self.add)
        self.add_button = action_button(self.add_action, "Add task")
        self.done_button = button("&Complete", "Complete task", lambda: self.set_done(True))
        self.reopen_button = button("Re&open", "Reopen task", lambda: self.set_done(False))
        self.delete_button = button("&Delete…", "Delete task", self.delete)
        self.edit_button = button("&Edit…", "Edit the selected task", self.edit)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                self.add_button, self.edit_button, self.done_button, self.reopen_button,
                self.delete_button,
            )
        )  # fmt: skip
        layout.addWidget(self.table, 1)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.tasks, task_columns(d.today))
        self._update_buttons()

    def _update_buttons(self) -> None:
        task = self.table.selected()
        self.done_button.setEnabled(task is not None and task.done_on is None)
        self.reopen_button.setEnabled(task is not None and task.done_on is not None)
        self.delete_button.setEnabled(task is not None)
        self.edit_button.setEnabled(task is not None)

    def edit(self) -> None:
        task, work = self.table.selected(), self.view.work
        if task is None:
            return

        def submit(v: dict) -> object:
            return work.update_task(task.id, task.version, v)

        dialog = TaskEditDialog(self.view.caseworkers, self.view.detail.today, submit, self.view)
        dialog.load({"title": task.title, "due": task.due, "owner_id": task.owner_id or ""})
        self.view.open_dialog(dialog)

    def delete(self) -> None:
        task = self.table.selected()
        if task is None:
            return
        self.view.to_trash(
            "Delete task",
            f"move the task '{task.title}' to the trash",
            lambda trash, why: trash.delete_task(task.id, why),
        )

    def add(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            owner = v["owner_id"] if isinstance(v["owner_id"], int) else None
            return self.view.work.add_task(d.case_id, v["title"], v["due"], owner, token=v["token"])

        dialog = TaskDialog(self.view.caseworkers, d.caseworker_id, d.today, submit, self.view)
        self.view.open_dialog(dialog)

    def set_done(self, done: bool) -> None:
        task = self.table.selected()
        if task is None:
            return
        title = "Complete task" if done else "Reopen task"
        self.view.act(title, lambda: self.view.work.set_task_done(task.id, task.version, done))
