"""Settings: this laptop's (who I am, saved views) in a JSON file, the team's in the database.

The local file carries a version so later releases can upgrade it step by step.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from caseload_app.db.engine import Database
from caseload_app.db.models import AppSetting
from caseload_app.domain.access import Can
from caseload_app.files import atomic_open
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import UserError

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
    # Hide personal data after this many minutes without input (0: never).
    idle_lock_minutes: int = 15
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
            idle_lock_minutes=_minutes(raw.get("idle_lock_minutes", 15)),
        )

    def save(self, settings: LocalSettings) -> None:
        """Atomic: a crash mid-save leaves the previous file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(settings), indent=2))


def _minutes(value: object) -> int:
    try:
        # Whatever the file holds: anything int() refuses falls back below.
        return min(max(int(value), 0), 240)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 15


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


class TeamSettingsService(UserService):
    """Settings shared by everyone on this database: the council's name and address for
    letters, and the retention period. Changing them is for administrators."""

    def __init__(
        self,
        db: Database,
        user: str = "",
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(db, user or getpass.getuser(), today=today, now=now)

    def council(self) -> CouncilDetails:
        with self._db.read() as s:
            values = dict(s.execute(select(AppSetting.key, AppSetting.value)).all())
        return CouncilDetails(**{f: values.get(key, "") for f, key in COUNCIL_KEYS.items()})

    def set_council(self, details: CouncilDetails) -> None:
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            for field_name, key in COUNCIL_KEYS.items():
                self._audited(s, key, getattr(details, field_name).strip())

    def _get(self, key: str, default: str = "") -> str:
        with self._db.read() as s:
            row = s.get(AppSetting, key)
            return row.value if row is not None else default

    def _audited(self, s, key: str, value: str) -> None:
        """Save a setting with who changed it from what, in the caller's transaction."""
        row = s.get(AppSetting, key)
        old = row.value if row is not None else ""
        if old == value:
            return
        if row is None:
            s.add(AppSetting(key=key, value=value))
        else:
            row.value = value
        shown = (old.replace("\n", ", ") or "(not set)", value.replace("\n", ", ") or "(none)")
        detail = f"{key}: {shown[0]} → {shown[1]}"
        setting = records.Named(AppSetting.__tablename__, None)
        records.audit(s, self.user, self._now(), "update", setting, None, detail)

    def retention_years(self) -> int:
        """Years after a case closed before it is listed for a retention review."""
        try:
            return max(1, int(self._get(RETENTION_YEARS, str(DEFAULT_RETENTION_YEARS))))
        except ValueError:
            return DEFAULT_RETENTION_YEARS

    def set_retention_years(self, years: int) -> None:
        if not 1 <= years <= 100:
            raise UserError("The retention period is a number of years from 1 to 100.")
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            self._audited(s, RETENTION_YEARS, str(years))


RETENTION_YEARS = "retention_years"
# Set it from the council's own retention schedule; nothing is ever deleted automatically.
DEFAULT_RETENTION_YEARS = 6
