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
from sqlalchemy.orm import Session

from caseload_app.db.engine import Database
from caseload_app.db.models import AppSetting
from caseload_app.domain import plan_checks, transfers
from caseload_app.domain.access import Can
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.text import check_line
from caseload_app.domain.updates import DEFAULT_EVERY_WEEKS
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
    # What the letter dialog issues letters as, as the person last chose: pdf, docx or both.
    letter_format: str = "pdf"
    # "Publish my calendar to…": this computer's file (a folder Outlook subscribes to), kept
    # here and not in the database, so no row ever names a path that another computer follows.
    calendar_file: str = ""
    # The inspection list's columns as last chosen, in order ([]: the code list's defaults).
    inspection_columns: list[str] = field(default_factory=list)
    version: int = SETTINGS_VERSION


def _letter_format(value: object) -> str:
    """A remembered letter format, or PDF when the file holds anything else."""
    return value if isinstance(value, str) and value in ("pdf", "docx", "both") else "pdf"


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
            letter_format=_letter_format(raw.get("letter_format")),
            calendar_file=_text(raw.get("calendar_file", "")),
            inspection_columns=_texts(raw.get("inspection_columns")),
        )

    def save(self, settings: LocalSettings) -> None:
        """Atomic: a crash mid-save leaves the previous file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(settings), indent=2))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: object) -> list[str]:
    """A remembered list of words; anything else in the file is forgotten."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


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
    la_number: int | None = None  # the council's own DfE LA number (839): the SEN2 return's


# CouncilDetails field → app_setting key (the text ones; the LA number is COUNCIL_LA).
COUNCIL_KEYS = {
    "name": "council_name",
    "address": "council_address",
    "mediation_adviser": "mediation_adviser",
}
COUNCIL_LA = "council_la"  # a current council's 3-digit number as text, "839"; absent: unset


def _la_number(stored: str) -> int | None:
    """The stored LA number, or None (unset, or not a number caseload would have saved)."""
    return int(stored) if stored.isascii() and stored.isdigit() else None


def stored_la_number(s) -> int | None:
    """The council's own LA number as saved, in the caller's session (None: not set)."""
    row = s.get(AppSetting, COUNCIL_LA)
    return _la_number(row.value.strip()) if row is not None else None


def parse_la_number(typed: str) -> int | None:
    """The council's own LA number as typed ("839"): None when left blank; UserError saying
    why when it is not a current council's DfE number."""
    if not typed.strip():
        return None
    try:
        return transfers.parse_la_code(typed)
    except ValueError as exc:
        raise UserError(f"The council's LA number: {exc}") from None


def check_la_number(number: int | None) -> int | None:
    """`parse_la_number` for a number already an int (None: not set)."""
    return None if number is None else parse_la_number(f"{number:03d}")


@dataclass(frozen=True)
class PlanRuleSetting:
    """One plan check as the council has it: on, or off with the reason recorded."""

    key: str
    sections: tuple[str, ...]
    label: str
    source: str
    explanation: str
    off: bool
    reason: str  # why it is off ("" when on)


class TeamSettingsService(UserService):
    """Settings shared by everyone on this database: the council's name and address for
    letters, the retention period and the plan checks switched off. Changing them is for
    administrators."""

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
        return CouncilDetails(
            **{f: values.get(key, "") for f, key in COUNCIL_KEYS.items()},
            la_number=_la_number(values.get(COUNCIL_LA, "")),
        )

    def set_council(self, details: CouncilDetails) -> None:
        la_number = check_la_number(details.la_number)
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            for field_name, key in COUNCIL_KEYS.items():
                self._audited(s, key, getattr(details, field_name).strip())
            self._audited(s, COUNCIL_LA, "" if la_number is None else f"{la_number:03d}")

    def _get(self, key: str, default: str = "") -> str:
        with self._db.read() as s:
            row = s.get(AppSetting, key)
            return row.value if row is not None else default

    def _audited(self, s, key: str, value: str, detail: str = "") -> None:
        """Save a setting with who changed it from what (or `detail`, saying it in words), in
        the caller's transaction."""
        row = s.get(AppSetting, key)
        old = row.value if row is not None else ""
        if old == value:
            return
        if row is None:
            s.add(AppSetting(key=key, value=value))
        else:
            row.value = value
        shown = (old.replace("\n", ", ") or "(not set)", value.replace("\n", ", ") or "(none)")
        detail = detail or f"{key}: {shown[0]} → {shown[1]}"
        setting = records.Named(AppSetting.__tablename__, None)
        records.audit(s, self.user, self._now(), "update", setting, None, detail)

    def retention_years(self) -> int:
        """Years after a case closed before it is listed for a retention review."""
        try:
            return max(1, int(self._get(RETENTION_YEARS, str(DEFAULT_RETENTION_YEARS))))
        except ValueError:
            return DEFAULT_RETENTION_YEARS

    def document_max_mb(self) -> int:
        """The largest document the case file takes, in MB (domain.documents' default)."""
        from caseload_app.domain.documents import DEFAULT_MAX_MB

        try:
            return max(1, int(self._get(DOCUMENT_MAX_MB, str(DEFAULT_MAX_MB))))
        except ValueError:
            return DEFAULT_MAX_MB

    def set_document_max_mb(self, megabytes: int) -> None:
        if not 1 <= megabytes <= MAX_DOCUMENT_MB:
            raise UserError(f"The largest document is a number of MB from 1 to {MAX_DOCUMENT_MB}.")
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            self._audited(s, DOCUMENT_MAX_MB, str(megabytes))

    def update_every_weeks(self) -> int:
        """A family with an open case hears from the council at least this often."""
        with self._db.read() as s:
            return every_weeks_in(s)

    def set_update_every_weeks(self, weeks: int) -> None:
        if not 1 <= weeks <= 26:
            raise UserError("Families hear from the council every 1 to 26 weeks.")
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            self._audited(s, UPDATE_EVERY_WEEKS, str(weeks))

    def set_retention_years(self, years: int) -> None:
        if not 1 <= years <= 100:
            raise UserError("The retention period is a number of years from 1 to 100.")
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            self._audited(s, RETENTION_YEARS, str(years))

    # ------------------------------------------------------------------ plan checks
    def plan_rules_off(self) -> dict[str, str]:
        """The plan checks switched off: rule key → the reason recorded."""
        with self._db.read() as s:
            return plan_rules_off(s)

    def plan_rules(self) -> list[PlanRuleSetting]:
        """Every shipped plan check, in the list's order, on or off (with why)."""
        off = self.plan_rules_off()
        return [
            PlanRuleSetting(
                r.key,
                r.sections,
                r.label,
                r.source,
                r.explanation,
                r.key in off,
                off.get(r.key, ""),
            )
            for r in plan_checks.rules()
        ]

    def set_plan_rule(self, key: str, off: bool, reason: str = "") -> dict[str, str]:
        """Switch a plan check off (a reason is required) or back on; returns the checks now
        off. Administrators only; each change is audited with the rule and the reason."""
        rule = _rule(key)
        reason = _reason(reason, required=off)
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            row = s.get(AppSetting, PLAN_RULES_OFF, with_for_update=True, populate_existing=True)
            raw = row.value if row is not None else ""
            stored = _parse_rules_off(raw)
            now_off = dict(stored or {})
            if off:
                now_off[rule.key] = reason
            else:
                now_off.pop(rule.key, None)
            if now_off == stored:
                return now_off  # unchanged: nothing to record
            how = f"switched off: {reason}" if off else "switched back on"
            if not off and reason:
                how += f": {reason}"
            detail = f"Plan check {rule.key} ({rule.label}) {how}"
            if stored is None:  # keep what could not be read in the audit trail
                detail += f" (the list of checks off could not be read and was replaced: {raw})"
            value = json.dumps(now_off, ensure_ascii=False, sort_keys=True) if now_off else ""
            self._audited(s, PLAN_RULES_OFF, value, detail)
            return now_off


PLAN_RULES_OFF = "plan_rules_off"  # a JSON object: rule key → why the council switched it off
REASON_LIMIT = 300


def plan_rules_off(s: Session) -> dict[str, str]:
    """The plan checks switched off, read in the caller's transaction; a value that cannot be
    read counts as none off (the checks then show everything, the safe side)."""
    row = s.get(AppSetting, PLAN_RULES_OFF)
    return (_parse_rules_off(row.value) if row is not None else None) or {}


def _parse_rules_off(raw: str) -> dict[str, str] | None:
    """The stored rules off; None when the value is not what caseload writes."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return None
    return value


def _rule(key: str) -> plan_checks.Rule:
    found = {r.key: r for r in plan_checks.rules()}
    rule = found.get(key.strip())
    if rule is None:
        raise UserError(
            f"There is no plan check called '{key}': `caseload plan rules` lists each one's "
            "name (vague_access, provision_no_who…)."
        )
    return rule


def _reason(text: str, *, required: bool) -> str:
    try:
        reason = check_line("The reason", text, REASON_LIMIT)
    except ValidationError as exc:
        raise UserError(f"{exc}.") from None
    if required and not reason:
        raise UserError(
            "Say why the check is switched off: the reason is kept with the setting and in "
            "the audit trail."
        )
    return reason


UPDATE_EVERY_WEEKS = "update_every_weeks"  # the keep-in-touch promise (domain/updates.py)
RETENTION_YEARS = "retention_years"
DOCUMENT_MAX_MB = "document_max_mb"
# Beyond this a file is better kept where it is: PostgreSQL holds a value of up to 1 GB, and
# a file is read whole into memory to be stored.
MAX_DOCUMENT_MB = 500
# Set it from the council's own retention schedule; nothing is ever deleted automatically.
DEFAULT_RETENTION_YEARS = 6


def every_weeks_in(s) -> int:
    """The team's keep-in-touch promise (update_every_weeks), read in the caller's session."""
    row = s.get(AppSetting, UPDATE_EVERY_WEEKS)
    try:
        return max(1, int(row.value)) if row is not None else DEFAULT_EVERY_WEEKS
    except ValueError:
        return DEFAULT_EVERY_WEEKS
