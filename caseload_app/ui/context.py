"""What the window needs to reach the services: one object passed in by app.py."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from caseload_app.domain.access import Access, Can
from caseload_app.services.audit import AuditService
from caseload_app.services.backup import BackupService
from caseload_app.services.base import Database  # the handle; the ui never opens one
from caseload_app.services.case_window import CaseWindowService
from caseload_app.services.caselist import CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.establishments import EstablishmentService
from caseload_app.services.export import ExportService
from caseload_app.services.forecast import ForecastService
from caseload_app.services.handover import HandoverService
from caseload_app.services.importer import Importer
from caseload_app.services.inspection import InspectionListService
from caseload_app.services.keep_in_touch import KeepInTouchService
from caseload_app.services.letters import LetterService
from caseload_app.services.mail import MailService
from caseload_app.services.mail_merge import MailMergeService
from caseload_app.services.myweek import MyWeekService
from caseload_app.services.people import PeopleService
from caseload_app.services.phase_transfer import PhaseTransferService
from caseload_app.services.plan_audit import PlanAuditService
from caseload_app.services.printing import PrintService
from caseload_app.services.requests import RequestService
from caseload_app.services.review_plan import ReviewPlanService
from caseload_app.services.sar import SarService
from caseload_app.services.sen2_return import Sen2ReturnService
from caseload_app.services.settings import LocalSettings, LocalSettingsStore, TeamSettingsService
from caseload_app.services.team import TeamService
from caseload_app.services.trash import TrashService
from caseload_app.services.weekly import WeeklyReportService
from caseload_app.services.workload import WorkloadService

if TYPE_CHECKING:
    from caseload_app.services.calendar import CalendarService


@dataclass
class AppContext:
    db: Database
    db_label: str
    settings_store: LocalSettingsStore
    settings: LocalSettings
    today: Callable[[], date] = date.today
    now: Callable[[], datetime] = datetime.now
    os_user: str = field(default_factory=getpass.getuser)
    backups_folder: Path | None = None  # None: beside the database, in "backups"
    login: str | None = None  # signed in to a team database as this PostgreSQL login

    @property
    def user(self) -> str:
        """Who is recorded as doing things: on a team database the signed-in login (what
        the database's own audit and policies see); on a laptop the caseworker chosen in
        settings, else the computer's user name."""
        return self.login or self.settings.me_name or self.os_user

    def cases(self) -> CaseListService:
        return CaseListService(self.db, today=self.today)

    def case_window(self) -> CaseWindowService:
        return CaseWindowService(self.db, today=self.today)

    def exports(self) -> ExportService:
        return ExportService(self.db, self.user, today=self.today)

    def calendar(self) -> CalendarService:
        from caseload_app.services.calendar import CalendarService  # icalendar: when asked

        return CalendarService(self.db, self.user, today=self.today, now=self.now)

    def sen2_return(self) -> Sen2ReturnService:
        return Sen2ReturnService(self.db, self.user, today=self.today, now=self.now)

    def inspection(self) -> InspectionListService:
        return InspectionListService(self.db, self.user, today=self.today, now=self.now)

    def week(self) -> MyWeekService:
        return MyWeekService(self.db, today=self.today)

    def work(self) -> CaseworkService:
        return CaseworkService(self.db, self.user, today=self.today, now=self.now)

    def requests(self) -> RequestService:
        return RequestService(self.db, self.user, today=self.today, now=self.now)

    def establishments(self) -> EstablishmentService:
        return EstablishmentService(self.db, self.user, today=self.today, now=self.now)

    def importer(self) -> Importer:
        return Importer(self.db, self.user, today=self.today, now=self.now)

    def printing(self) -> PrintService:
        return PrintService(self.db, self.user, today=self.today, now=self.now)

    def letters(self) -> LetterService:
        return LetterService(self.db, self.user, today=self.today, now=self.now)

    def mail_merge(self) -> MailMergeService:
        return MailMergeService(self.db, self.user, self.today, self.now)

    def keep_in_touch(self) -> KeepInTouchService:
        return KeepInTouchService(self.db, self.user, today=self.today, now=self.now)

    def mail(self) -> MailService:
        return MailService(self.db, self.user, today=self.today, now=self.now)

    def staffing(self) -> TeamService:
        return TeamService(self.db, self.user, today=self.today, now=self.now)

    def workload(self) -> WorkloadService:
        return WorkloadService(self.db, self.user, today=self.today, now=self.now)

    def phase_transfers(self) -> PhaseTransferService:
        return PhaseTransferService(self.db, self.user, today=self.today, now=self.now)

    def review_plan(self) -> ReviewPlanService:
        return ReviewPlanService(self.db, self.user, today=self.today, now=self.now)

    def handover(self) -> HandoverService:
        return HandoverService(self.db, self.user, today=self.today, now=self.now)

    def documents(self) -> DocumentService:
        return DocumentService(self.db, self.user, today=self.today, now=self.now)

    def subject_access(self) -> SarService:
        return SarService(self.db, self.user, today=self.today, now=self.now)

    def providers(self):
        """The advice-provider board and the list of providers."""
        from caseload_app.services.providers import ProviderService

        return ProviderService(self.db, self.user, today=self.today, now=self.now)

    def forecast(self) -> ForecastService:
        return ForecastService(self.db, self.user, today=self.today, now=self.now)

    def plan_audits(self) -> PlanAuditService:
        return PlanAuditService(self.db, self.user, today=self.today, now=self.now)

    def weekly(self) -> WeeklyReportService:
        return WeeklyReportService(self.db, self.user, today=self.today, now=self.now)

    def team(self) -> TeamSettingsService:
        return TeamSettingsService(self.db, self.user, now=self.now)

    def trash(self) -> TrashService:
        return TrashService(self.db, self.user, today=self.today, now=self.now)

    def people(self) -> PeopleService:
        return PeopleService(self.db, self.user, today=self.today, now=self.now)

    def audit(self) -> AuditService:
        return AuditService(self.db, self.user, today=self.today, now=self.now)

    def access(self) -> Access:
        """What the person using the window may do (read afresh)."""
        return self.work().access()

    def backups(self) -> BackupService | None:
        """Backups of a laptop database (a team server is backed up by its administrator).
        PermissionDenied for someone whose roles do not include backups."""
        path = self.db.path
        if path is None:
            return None
        if not self.access().can(Can.BACKUPS):
            raise PermissionDenied(
                f"You cannot {Can.BACKUPS.value} (your roles: {self.access().describe()}). "
                "Ask an administrator."
            )
        return BackupService(
            path,
            self.backups_folder or path.parent / "backups",
            now=self.now,
            audit=self.audit().record_backup,  # "Back up now": a copy of every child
        )
