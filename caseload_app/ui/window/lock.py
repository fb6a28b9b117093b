"""The lock: after a spell without use (or Lock now) the window hides every child's details
until the person unlocks it, with their password on a team database.

Mixed into MainWindow (ui/main_window.py), whose ctx, tabs and lists these use."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.text import how_many
from caseload_app.ui.window.shell import WindowShell


class IdleLock(WindowShell):
    def _build_lock_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.lock_note = QLabel()
        self.lock_note.setTextFormat(Qt.TextFormat.PlainText)
        self.lock_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unlock_button = QPushButton("&Unlock…")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.clicked.connect(self.unlock)
        layout.addWidget(self.lock_note)
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    @property
    def locked(self) -> bool:
        return self.central.currentIndex() == 1

    def lock_idle(self) -> None:
        minutes = how_many(self.idle.minutes, "minute", "minutes")
        self.lock_screen(f"Locked after {minutes} without use")

    def lock_screen(self, why: str = "Locked") -> None:
        """Hide every child's details (the tabs and any open dialog) until unlocked."""
        if self.locked:
            return
        self.lock_note.setText(
            f"{why}: children's details are hidden.\n"
            f"{self.ctx.user}, unlock to carry on where you were."
        )
        self._hidden_while_locked = [
            w for w in QApplication.topLevelWidgets() if w is not self and w.isVisible()
        ]
        for widget in self._hidden_while_locked:
            widget.hide()
        self.central.setCurrentIndex(1)
        self.menuBar().setEnabled(False)
        # Shortcuts too (Ctrl+N would open a form over the lock): remember which were on.
        self._enabled_actions = [a for a in self.findChildren(QAction) if a.isEnabled()]
        for act in self._enabled_actions:
            act.setEnabled(False)
        self.unlock_button.setFocus()

    def unlock(self) -> None:
        if self.ctx.login and not self._password_again():
            return
        self.central.setCurrentIndex(0)
        self.menuBar().setEnabled(True)
        for act in getattr(self, "_enabled_actions", []):
            act.setEnabled(True)
        self._enabled_actions = []
        for widget in self._hidden_while_locked:
            widget.show()
        self._hidden_while_locked = []
        self.idle.reset()

    def _password_again(self) -> bool:
        """On a team database: the signed-in person's password, checked by the server."""
        from caseload_app.services.signin import TeamServer, sign_in
        from caseload_app.ui.dialogs.signin import SignInDialog

        server = TeamServer.parse(self.ctx.db.url)

        def check(login: str, password: str):
            signed = sign_in(server, login, password)
            signed.db.dispose()  # only a check: the window keeps its own connection
            return signed

        dialog = SignInDialog(
            server.place,
            self.ctx.login or "",
            check,
            can_remember=False,
            login_fixed=True,
            heading="Type your password to unlock.",
            parent=self,
        )
        return bool(dialog.exec())
