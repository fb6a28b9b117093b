"""Settings: this laptop's (who I am, saved views) in a JSON file, the team's in the database.

The local file carries a version so later releases can upgrade it step by step.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from caseload_app.db.engine import Database
from caseload_app.db.models import AppSetting
from caseload_app.files import atomic_open

SETTINGS_VERSION = 1


@dataclass
class SavedView:
    name: str
    filters: dict[str, object]


@dataclass
class LocalSettings:
    me_caseworker_id: int | None = None
    me_name: str = ""
    saved_views: list[SavedView] = field(default_factory=list)
    version: int = SETTINGS_VERSION


class LocalSettingsStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> LocalSettings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return LocalSettings()
        except (OSError, ValueError):
            # A damaged settings file must not stop the app: start afresh, keep the old one.
            self.path.replace(self.path.with_suffix(".damaged.json"))
            return LocalSettings()
        views = [
            SavedView(v["name"], dict(v.get("filters", {})))
            for v in raw.get("saved_views", [])
            if isinstance(v, dict) and "name" in v
        ]
        return LocalSettings(
            me_caseworker_id=raw.get("me_caseworker_id"),
            me_name=raw.get("me_name", ""),
            saved_views=views,
        )

    def save(self, settings: LocalSettings) -> None:
        """Atomic: a crash mid-save leaves the previous file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(settings), indent=2))


@dataclass(frozen=True)
class CouncilDetails:
    name: str = ""
    address: str = ""
    mediation_adviser: str = ""  # name and contact, printed on decision letters


# CouncilDetails field → app_setting key.
COUNCIL_KEYS = {
    "name": "council_name",
    "address": "council_address",
    "mediation_adviser": "mediation_adviser",
}


class TeamSettingsService:
    """Council name and address for letters, shared by everyone on this database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def council(self) -> CouncilDetails:
        with self._db.read() as s:
            values = dict(s.execute(select(AppSetting.key, AppSetting.value)).all())
        return CouncilDetails(**{f: values.get(key, "") for f, key in COUNCIL_KEYS.items()})

    def set_council(self, details: CouncilDetails) -> None:
        with self._db.uow() as s:
            for field_name, key in COUNCIL_KEYS.items():
                value = getattr(details, field_name).strip()
                row = s.get(AppSetting, key)
                if row is None:
                    s.add(AppSetting(key=key, value=value))
                else:
                    row.value = value
