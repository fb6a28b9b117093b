"""The child's placements on the Overview tab: where they are educated, from when to when,
newest first; adding, correcting, ending and withdrawing one (each one service call)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGroupBox, QVBoxLayout

from caseload_app.domain import codes
from caseload_app.domain.placements import AT_SETTING, RANKS
from caseload_app.services.case_read import CaseDetail, PlacementInfo
from caseload_app.services.errors import FieldErrors
from caseload_app.ui.dialogs.case_dialogs import (
    FormDialog,
    Submit,
    action_button,
    button,
    choice_combo,
    code_choices,
    command,
    optional_date,
    plain_label,
)
from caseload_app.ui.models.case_models import PLACEMENT_COLUMNS, day
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.widgets.establishment_picker import EstablishmentPicker, Search

if TYPE_CHECKING:
    from caseload_app.ui.case.view import CaseView

OUT_OF_AREA = [
    ("Work it out from the establishment's area", ""),
    ("Yes: in another council's area", True),
    ("No", False),
]
_INTRO = (
    "Where the child is educated, from when (and until when, once they have left). A child "
    "has one main placement at a time, and may be dual registered at a second."
)


class PlacementDialog(FormDialog):
    """Add a placement, or correct one (only what changed is sent)."""

    def __init__(self, title: str, search: Search, today: date, submit: Submit, parent=None):
        super().__init__(title, _beside_picker(submit), parent, intro=_INTRO)
        self._loaded: dict[str, object] | None = None
        self.kind = choice_combo(code_choices(codes.placement_kinds()))
        self.add("kind", "&Placement", self.kind)
        self.picker = EstablishmentPicker(search)
        self.add("establishment_id", "&School or setting", self.picker)
        self.form.layout.addRow("", self.picker.note)
        self.add("starts", "S&tarts", DateEdit(today))
        self.add("ends", "&Ends (last day)", optional_date(None, today))
        ranks = [(f"{label} ({rank})", rank) for rank, label in RANKS.items()]
        self.add("rank", "&Rank", choice_combo(ranks))
        self.provision = choice_combo(code_choices(codes.placement_provision(), blank="—"))
        self.add("provision", "Pro&vision", self.provision)
        self.add("attendance", "&Attendance", choice_combo(code_choices(codes.attendance(), "—")))
        self.add(
            "residential",
            "Res&idential",
            choice_combo(code_choices(codes.placement_residential(), "Not residential")),
        )
        self.add("work_based", "&Work-based", choice_combo(code_choices(codes.work_based(), "—")))
        self.add("out_of_area", "&Out of area", choice_combo(OUT_OF_AREA))
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self._kind_changed()
        self.setMinimumWidth(560)

    def _kind_changed(self) -> None:
        """Only a placement at a school or setting names one and has a provision type."""
        at_setting = self.kind.currentData() == AT_SETTING
        for widget in (self.picker, self.provision):
            widget.setEnabled(at_setting)
        if not at_setting:
            self.picker.set_choice(None)
            self.provision.setCurrentIndex(0)

    def load(self, p: PlacementInfo) -> None:
        self.form.set_values(
            {
                "kind": p.kind,
                "starts": p.starts,
                "ends": p.ends,
                "rank": p.rank,
                "provision": p.provision or "",
                "attendance": p.attendance or "",
                "residential": p.residential or "",
                "work_based": p.work_based or "",
                "out_of_area": p.out_of_area,
            }
        )
        self.picker.set_choice(p.establishment, p.setting_name)
        self._loaded = self.values()

    def values(self) -> dict[str, object]:
        values = self.form.values()
        values["establishment_id"], values["setting_name"] = self.picker.value()
        if values["out_of_area"] == "":
            del values["out_of_area"]  # the service works it out
        return values

    def submitted_values(self) -> dict[str, object]:
        if self._loaded is None:
            return {**self.values(), "token": self.token}
        changed = {k: v for k, v in self.values().items() if self._loaded.get(k, object()) != v}
        if "establishment_id" in changed or "setting_name" in changed:
            changed.update(
                establishment_id=self.picker.value()[0], setting_name=self.picker.value()[1]
            )
        return changed


def _beside_picker(submit: Submit) -> Submit:
    """A problem with the typed setting's name is shown under the picker, where it was typed."""

    def run(values: dict[str, object]) -> object:
        try:
            return submit(values)
        except FieldErrors as exc:
            moved = {
                ("establishment_id" if key == "setting_name" else key): message
                for key, message in exc.errors.items()
            }
            raise FieldErrors(moved) from None

    return run


class EndPlacementDialog(FormDialog):
    def __init__(self, p: PlacementInfo, today: date, submit: Submit, parent=None) -> None:
        super().__init__(
            f"End placement: {p.label}",
            submit,
            parent,
            intro=f"Started {day(p.starts)}. The end date is the child's last day there.",
        )
        self.add("ends", "&Last day", DateEdit(today))


class PlacementsGroup(QGroupBox):
    """The Placements group: a table newest first, and its buttons."""

    def __init__(self, view: CaseView) -> None:
        super().__init__("Placements")
        self.view = view
        self.table = RowTable(PLACEMENT_COLUMNS, "Placements", stretch="Where")
        self.table.activated.connect(lambda _index: self.edit())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.none_yet = plain_label("No placements recorded yet.")
        self.add_action = command(self, "Add &placement…", self.add_placement)
        self.add_button = action_button(self.add_action, "Add placement")
        self.edit_button = button("Edit…", "Edit placement", self.edit)
        self.end_button = button("End…", "End placement", self.end)
        self.withdraw_button = button("Withdraw…", "Withdraw placement", self.withdraw)
        column = QVBoxLayout(self)
        column.addWidget(self.table)
        column.addWidget(self.none_yet)
        column.addLayout(
            button_row(self.add_button, self.edit_button, self.end_button, self.withdraw_button)
        )
        self._selected()

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.placements)
        self.table.setVisible(bool(d.placements))
        self.none_yet.setVisible(not d.placements)
        self._selected()

    def _selected(self) -> None:
        row = self.table.selected()
        for b in (self.edit_button, self.withdraw_button):
            b.setEnabled(row is not None)
        self.end_button.setEnabled(row is not None and row.ends is None)

    # --- actions ----------------------------------------------------------------------------
    def _dialog(self, title: str, submit: Submit) -> PlacementDialog:
        search = self.view.work.establishments().search
        return PlacementDialog(title, search, self.view.detail.today, submit, self.view)

    def add_placement(self) -> None:
        child_id, places = self.view.detail.child.id, self.view.work.placements()

        def submit(values: dict) -> object:
            token = values.pop("token", None)
            return places.add(child_id, values, token=token)

        self.view.open_dialog(self._dialog("Add a placement", submit))

    def edit(self) -> None:
        row = self.table.selected()
        if row is None:
            return
        places = self.view.work.placements()

        def submit(values: dict) -> object:
            return places.update(row.id, row.version, values)

        dialog = self._dialog(f"Edit placement: {row.label}", submit)
        dialog.load(row)
        self.view.open_dialog(dialog)

    def end(self) -> None:
        row = self.table.selected()
        if row is None:
            return
        places = self.view.work.placements()

        def submit(values: dict) -> object:
            return places.end(row.id, row.version, values["ends"])

        today = self.view.detail.today
        self.view.open_dialog(EndPlacementDialog(row, today, submit, self.view))

    def withdraw(self) -> None:
        row = self.table.selected()
        if row is None:
            return
        places = self.view.work.placements()
        self.view.to_trash(
            "Withdraw placement",
            f"withdraw the placement at {row.label} from {day(row.starts)}",
            lambda _trash, why: places.withdraw(row.id, row.version, why),
        )
