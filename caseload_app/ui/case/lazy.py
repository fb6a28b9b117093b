"""A case tab that reads its own data from the database only when it is shown (the plan, the
documents): opening a case reads neither, and a reload while the tab is hidden only marks it
to be read again the next time it is shown."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from caseload_app.services.case_read import CaseDetail


class ReadWhenShown(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.stale = True  # read when first shown

    def refresh(self) -> None:
        """Read the tab's data and show it; sets `stale` False."""
        raise NotImplementedError

    def may_read(self) -> bool:
        """False while reading again would throw away what the person is doing (the plan's
        edits not saved yet): then a reload leaves the tab as it is."""
        return True

    def load(self, _detail: CaseDetail) -> None:
        """The case reloaded: read again now if the tab is shown, else when it is."""
        if not self.may_read():
            return
        self.stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.stale and self.may_read():
            self.refresh()
