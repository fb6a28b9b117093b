"""Regenerate the dialog screenshots (new request, settings): run under Xvfb at 1366x768.

    xvfb-run -a -s "-screen 0 1366x768x24" python docs/make_dialog_screenshots.py

Pass a folder to write somewhere else (for example to look at a change before keeping it);
there it also saves the form showing validation messages (new-request-errors.png).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog

from caseload_app.db.engine import open_database
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.requests import RequestService
from caseload_app.services.settings import (
    CouncilDetails,
    LocalSettings,
    LocalSettingsStore,
    TeamSettingsService,
)
from caseload_app.ui.dialogs.new_request import NewRequestDialog
from caseload_app.ui.dialogs.settings_dialog import SettingsDialog

OUT = Path(__file__).resolve().parent / "screenshots"
TODAY = date(2026, 11, 24)
TYPED = {
    "first_name": "Amara",
    "last_name": "Okonkwo-Hughes",
    "upn": "L837201500012",
    "nhs_number": "401 023 2137",
    "setting": "St Mary's CE Primary School",
    "parent_carer_name": "Ms Grace Okonkwo",
    "postcode": "bh1 1aa",
    "phone": "01202 123456",
    "email": "grace.okonkwo@example.org",
    "language": "English",
}
COUNCIL = CouncilDetails(
    "Bournemouth, Christchurch and Poole Council",
    "BCP Civic Centre\nBourne Avenue\nBournemouth\nBH2 6DY",
)


def fill(dialog: NewRequestDialog) -> None:
    for key, text in TYPED.items():
        dialog.fields[key].setText(text)
    dialog.fields["date_of_birth"].set_date(date(2017, 9, 14))
    dialog.fields["request_received"].set_date(date(2026, 11, 18))
    dialog.fields["address"].setPlainText("Flat 2, 14 Holdenhurst Road\nBournemouth")
    need = dialog.fields["primary_need"]
    need.setCurrentIndex(need.findData("SLCN"))
    channel = dialog.fields["preferred_channel"]
    channel.setCurrentIndex(channel.findData("email"))


def shoot(app: QApplication, dialog: QDialog, name: str, out: Path) -> None:
    dialog.show()
    app.processEvents()
    dialog.grab().save(str(out / name))
    size = dialog.frameGeometry()
    print(f"{name}: {size.width()}x{size.height()}")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=60, seed=1, today=TODAY)
        work = CaseworkService(db, "Screenshot", today=lambda: TODAY)
        caseworkers = work.caseworkers()
        requests = RequestService(db, "Screenshot", today=lambda: TODAY)
        dialog = NewRequestDialog(requests, caseworkers, caseworkers[0].id, TODAY)
        fill(dialog)
        shoot(app, dialog, "new-request.png", out)
        if out != OUT:
            show_errors(app, dialog, out)
        QDialog.reject(dialog)

        team = TeamSettingsService(db)
        team.set_council(COUNCIL)
        store = LocalSettingsStore(Path(tmp) / "settings.json")
        me = caseworkers[1]
        settings = LocalSettings(me_caseworker_id=me.id, me_name=me.name)
        shoot(app, SettingsDialog(store, settings, team, caseworkers), "settings.png", out)
        db.dispose()
    return 0


def show_errors(app: QApplication, dialog: NewRequestDialog, out: Path) -> None:
    dialog.fields["upn"].setText("L837201500013")
    dialog.fields["date_of_birth"].set_date(date(2027, 1, 1))
    dialog.fields["email"].setText("grace.okonkwo@")
    dialog.save()
    shoot(app, dialog, "new-request-errors.png", out)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
