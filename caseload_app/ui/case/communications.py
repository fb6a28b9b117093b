"""The Communications tab: every contact with the family, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.dialogs.case_dialogs import (
    ContactEditDialog,
    LogContactDialog,
    button,
    choice_combo,
    plain_label,
)
from caseload_app.ui.models.case_models import (
    COMMUNICATION_COLUMNS,
    code_label,
    when,
)
from caseload_app.ui.widgets.blocks import RowTable, button_row

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class CommunicationsTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(COMMUNICATION_COLUMNS, "Communications", stretch="Summary")
        self.filter = choice_combo([("All", "")] + [(c.label, c.code) for c in codes.channels()])
        self.filter.setAccessibleName("Show channel")
        self.filter.currentIndexChanged.connect(lambda _n: self._apply_filter())
        self.count = plain_label(wrap=False)
        self.count.setAccessibleName("Communications shown")
        self.log_button = button("&Log contact…", "Log contact", self.log_contact)
        self.delete_button = button("&Delete…", "Delete contact", self.delete)
        self.edit_button = button("&Edit…", "Correct the selected contact", self.edit)
        self.update_button = button(
            "Draft an &update…",
            "Draft an update for the family",
            lambda: self.view.update_wanted.emit(self.view.case_id),
        )
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("Selected communication")
        self.summary.setMaximumHeight(self.summary.fontMetrics().lineSpacing() * 5 + 14)
        self.summary.setPlaceholderText("Select a contact to read all of it.")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self._lay_out()

    def _lay_out(self) -> None:
        caption = QLabel("C&hannel:")
        caption.setBuddy(self.filter)
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                caption,
                self.filter,
                self.count,
                "stretch",
                self.update_button,
                self.log_button,
                self.edit_button,
                self.delete_button,
            )  # fmt: skip
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.communications)
        self._update_count()
        self._show_selected()

    def edit(self) -> None:
        comm, d = self.table.selected(), self.view.detail
        if comm is None:
            return
        work = self.view.work
        people = [d.family.parent_carer_name] + [c.name for c in d.family.contacts]

        def submit(v: dict) -> object:
            return work.update_communication(comm.id, comm.version, v)

        dialog = ContactEditDialog([p for p in people if p], submit, self.view)
        dialog.load(
            {
                "occurred_at": comm.occurred_at,
                "channel": comm.channel,
                "direction": comm.direction,
                "with_whom": comm.with_whom,
                "with_family": comm.with_family,
                "summary": comm.summary,
            }
        )
        self.view.open_dialog(dialog)

    def delete(self) -> None:
        comm = self.table.selected()
        if comm is None:
            return
        self.view.to_trash(
            "Delete contact",
            "move this contact to the trash",
            lambda trash, why: trash.delete_communication(comm.id, why),
        )

    def _apply_filter(self) -> None:
        code = self.filter.currentData()
        self.table.rows_model.set_filter((lambda c: c.channel == code) if code else None)
        self._update_count()
        self._show_selected()

    def _update_count(self) -> None:
        shown, total = self.table.rows_model.rowCount(), len(self.view.detail.communications)
        self.count.setText(
            f"{shown:,} of {total:,} shown" if shown != total else f"{total:,} in all"
        )

    def _show_selected(self) -> None:
        c = self.table.selected()
        self.edit_button.setEnabled(c is not None)
        if c is None:
            self.summary.clear()
            return
        direction = "from" if c.direction == "in" else "to"
        channel = code_label(codes.channels(), c.channel)
        head = f"{when(c.occurred_at)} · {channel} {direction} {c.with_whom} · by {c.logged_by}"
        self.summary.setPlainText(f"{head}\n{c.summary}")

    def log_contact(self) -> None:
        d = self.view.detail
        people = [d.family.parent_carer_name] + [c.name for c in d.family.contacts]
        channel = d.family.preferred_channel or "phone"
        now = self.view.work.now().replace(second=0, microsecond=0)

        def submit(v: dict) -> object:
            when_, whom = v["occurred_at"], v["with_whom"]
            return self.view.work.log_communication(
                d.case_id,
                when_,
                v["channel"],
                v["direction"],
                whom,
                v["summary"],
                with_family=v["with_family"],
                token=v["token"],
            )

        dialog = LogContactDialog(now, [p for p in people if p], channel, submit, self.view)
        self.view.open_dialog(dialog)
