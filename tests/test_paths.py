"""Where the app keeps things: platformdirs by default, one folder under CASELOAD_HOME."""

from caseload_app import paths


def test_caseload_home_puts_data_settings_and_logs_in_one_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_VARIABLE, str(tmp_path))
    assert paths.data_dir() == tmp_path / "data"
    assert paths.default_db_path() == tmp_path / "data" / "caseload.sqlite3"
    assert paths.backups_dir() == tmp_path / "data" / "backups"
    assert paths.config_dir() == tmp_path / "config"
    assert paths.log_dir() == tmp_path / "logs"


def test_without_caseload_home_the_platform_folders_are_used(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.HOME_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir() == tmp_path / "xdg" / "caseload"
