"""Sign in to a team database: login and password, with a clear reason when it fails and
the option to keep the password in this computer's keyring."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.signin import SignedIn, SignInFailed
from caseload_app.ui.dialogs.case_dialogs import buddy, plain_label


class SignInDialog(QDialog):
    """After exec() == Accepted, ``signed_in`` holds the open database and the person."""

    def __init__(
        self,
        place: str,
        login: str,
        attempt: Callable[[str, str], SignedIn],
        *,
        can_remember: bool,
        heading: str = "",
        login_fixed: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to the team database")
        self._attempt = attempt
        self.signed_in: SignedIn | None = None
        self.login = QLineEdit(login)
        self.login.setAccessibleName("Login")
        self.login.setReadOnly(login_fixed)
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("&Remember the password on this computer")
        self.remember.setEnabled(can_remember)
        if not can_remember:
            self.remember.setToolTip(
                "This computer has no password keyring: you are asked each time."
            )
        self.problem = plain_label()
        self.problem.setStyleSheet("color: #a00000")
        self.problem.hide()
        form = QFormLayout()
        for text, widget in (("&Login:", self.login), ("&Password:", self.password)):
            form.addRow(buddy(text, widget), widget)
        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("&Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(heading or f"Team database: {place}"))
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        (self.login if not login else self.password).setFocus()

    def try_sign_in(self) -> None:
        login = self.login.text().strip()
        if not login:
            self._show("Give your login (your PostgreSQL user name).")
            return
        try:
            self.signed_in = self._attempt(login, self.password.text())
        except SignInFailed as exc:
            self._show(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        self.accept()

    def _show(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
