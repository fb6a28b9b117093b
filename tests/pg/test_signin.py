"""Signing in to a team database: each failure says what is wrong; the window then shows
which database and who is signed in; a password can be kept in the OS keyring."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend

from caseload_app.services.settings import LocalSettings
from caseload_app.services.signin import SignInFailed, TeamServer, sign_in
from tests.helpers import open_main_window


def server_for(team_server) -> TeamServer:
    rest = team_server.url.split("@", 1)[1]
    return TeamServer.parse(f"postgresql://{team_server.login('asha')}@{rest}")


def test_the_right_password_signs_in_as_that_person(team_server):
    asha = team_server.login("asha")
    signed = sign_in(server_for(team_server), asha, team_server.passwords["asha"])
    try:
        assert (signed.login, signed.name, signed.caseworker_id) == (
            asha,
            "Asha Patel",
            team_server.asha,
        )
        assert signed.access.describe() == "Caseworker"
        assert signed.db.session_user() == asha
        assert signed.db.describe().startswith("Team database: caseload_test_")
    finally:
        signed.db.dispose()


def test_each_failure_says_what_is_wrong(team_server, pg_server):
    server = server_for(team_server)
    asha, ben = team_server.login("asha"), team_server.login("ben")
    with pytest.raises(SignInFailed, match=f"password for {asha} is not right"):
        sign_in(server, asha, "wrong")
    from caseload_app.services.people import PeopleService

    PeopleService(team_server.owner, "Dee Admin").set_active(ben, False)
    with pytest.raises(SignInFailed, match=f"{ben} is disabled"):
        sign_in(server, ben, team_server.passwords["ben"])
    with pytest.raises(SignInFailed, match="cannot be reached"):
        sign_in(TeamServer.parse(f"postgresql://{asha}@127.0.0.1:1/caseload"), asha, "x")
    with pytest.raises(SignInFailed, match="no team database at"):
        rest = team_server.url.split("@", 1)[1].rsplit("/", 1)[0]
        nowhere = TeamServer.parse(f"postgresql://{asha}@{rest}/nothing_here")
        sign_in(nowhere, asha, team_server.passwords["asha"])


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        self.kept.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def test_the_window_signs_in_remembers_and_shows_who(
    qtbot, team_server, memory_keyring, monkeypatch, tmp_path
):
    from PySide6.QtWidgets import QDialog

    from caseload_app import app
    from caseload_app.ui.dialogs.signin import SignInDialog

    server = server_for(team_server)
    shown = []

    def fake_exec(dialog):  # the person types a wrong password, then the right one
        shown.append(dialog)
        dialog.password.setText("wrong")
        dialog.try_sign_in()
        assert dialog.problem.isVisibleTo(dialog)
        assert "not right" in dialog.problem.text()
        dialog.password.setText(team_server.passwords["asha"])
        dialog.remember.setChecked(True)
        dialog.try_sign_in()
        return QDialog.DialogCode.Accepted if dialog.signed_in else 0

    monkeypatch.setattr(SignInDialog, "exec", fake_exec)
    signed = app.sign_in_interactively(server)
    asha = team_server.login("asha")
    assert signed is not None
    assert signed.login == asha
    assert len(shown) == 1
    assert memory_keyring.kept == {
        ("caseload", server.keyring_key(asha)): team_server.passwords["asha"]
    }
    signed.db.dispose()
    again = app.sign_in_interactively(server)  # remembered: no dialog this time
    assert again is not None
    assert len(shown) == 1
    window = open_main_window(
        qtbot,
        again.db,
        tmp_path,
        settings=LocalSettings(me_caseworker_id=again.caseworker_id, me_name=again.name),
        login=again.login,
    )
    assert window.db_status.text().startswith("Team database: caseload_test_")
    assert window.user_status.text() == f"Signed in as {asha} (Caseworker)"
    window.lock_screen()  # idle: unlocking asks the server to check asha's password again

    def type_password(dialog, password):
        assert dialog.login.isReadOnly()
        assert dialog.login.text() == asha
        dialog.password.setText(password)
        dialog.try_sign_in()
        return QDialog.DialogCode.Accepted if dialog.signed_in else 0

    monkeypatch.setattr(SignInDialog, "exec", lambda d: type_password(d, "wrong"))
    window.unlock()
    assert window.locked
    right = team_server.passwords["asha"]
    monkeypatch.setattr(SignInDialog, "exec", lambda d: type_password(d, right))
    window.unlock()
    assert not window.locked
    again.db.dispose()
