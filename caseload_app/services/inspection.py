"""The inspection list (domain.inspection): every child with an EHC plan or a request for one
on a day, with their main placement, as a CSV and optionally a PDF summary. Names are in
it (the inspectors need them), so it is exported and audited like the case list.

At 50,000 children: four queries (cases, placements, reviews, stage labels), Core rows, no
ORM objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select

from caseload_app.db.models import (
    AnnualReview,
    Caseworker,
    Child,
    EhcpCase,
    Establishment,
    Family,
    Placement,
)
from caseload_app.db.queries import as_date, join_child_family_worker
from caseload_app.domain import codes, inspection, phases
from caseload_app.domain.access import Can
from caseload_app.domain.establishments import laestab
from caseload_app.domain.inspection import InspectionChild, InspectionList, PlacementFacts
from caseload_app.domain.text import how_many
from caseload_app.domain.validators import ValidationError
from caseload_app.files import atomic_open
from caseload_app.services.base import UserService
from caseload_app.services.errors import Stopped, UserError
from caseload_app.services.settings import TeamSettingsService

Progress = Callable[[str, int, int], None]

_CASE_COLUMNS = (
    EhcpCase.id,
    EhcpCase.child_id,
    EhcpCase.stage,
    EhcpCase.is_open,
    EhcpCase.request_received,
    EhcpCase.transferred_in,
    EhcpCase.withdrawn_date,
    EhcpCase.ceased_date,
    EhcpCase.assess_decision,
    EhcpCase.assess_decision_date,
    EhcpCase.issue_decision,
    EhcpCase.issue_decision_date,
    EhcpCase.draft_served,
    EhcpCase.final_issued,
    EhcpCase.last_review,
    Child.first_name,
    Child.last_name,
    Child.date_of_birth,
    Child.upn,
    Child.nhs_number,
    Child.uln,
    Child.sex,
    Child.ethnicity,
    Child.year_group,
    Child.primary_need,
    Child.secondary_need,
    Child.setting,
    Family.postcode,
    Caseworker.name,
)


@dataclass(frozen=True, slots=True)
class _Case:
    """One case's row, named as domain.inspection's CaseDays wants."""

    id: int
    child_id: int
    stage: str
    is_open: bool
    request_received: date
    transferred_in: date | None
    withdrawn_date: date | None
    ceased_date: date | None
    assess_decision: str | None
    assess_decision_date: date | None
    issue_decision: str | None
    issue_decision_date: date | None
    draft_served: date | None
    final_issued: date | None
    last_review: date | None
    first_name: str
    last_name: str
    date_of_birth: date
    upn: str | None
    nhs_number: str | None
    uln: str | None
    sex: str | None
    ethnicity: str | None
    year_group: str | None
    primary_need: str | None
    secondary_need: str | None
    setting: str | None
    postcode: str | None
    caseworker: str | None


class InspectionListService(UserService):
    def inspection_list(
        self, on: date | None = None, columns: Iterable[str] | None = None
    ) -> InspectionList:
        """Who is in the list on `on` (default today) and their rows, sorted by placement
        type then name. `columns`: keys from inspection_columns.csv (default: its defaults)."""
        chosen = _columns(columns)
        self._allowed(Can.REPORTS)
        on = on or self._today()
        with self._db.read() as s:
            cases = self._open_cases(s, on)
            placements = _placements(s, on, set(cases))
            reviews = _reviews(s, on, {c.id for c in cases.values()})
        stage_labels = {st.code: st.label for st in codes.stages()}
        needs = codes.primary_needs()
        children = [
            _child(case, on, placements.get(child_id), reviews.get(case.id), stage_labels, needs)
            for child_id, case in cases.items()
        ]
        children.sort(key=inspection.sort_key)
        council = TeamSettingsService(self._db, self.user).council().name
        return InspectionList(on, chosen, tuple(children), council)

    def rows(self, on: date | None = None, columns: Iterable[str] | None = None) -> list[list]:
        """The rows the CSV holds (cells as they appear in the file), in its order."""
        return self.inspection_list(on, columns).rows()

    def export(
        self,
        path_csv: Path,
        on: date | None = None,
        columns: Iterable[str] | None = None,
        pdf_path: Path | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """Write the CSV (and the PDF summary, if asked for) and audit who exported it.
        Both files appear only once the audit trail holds the entry; Stop (`cancel`) before
        that leaves neither. Returns how many children are in the list."""
        path_csv = Path(path_csv)
        pdf_path = Path(pdf_path) if pdf_path is not None else None
        if pdf_path is not None and pdf_path.resolve() == path_csv.resolve():
            raise UserError("The PDF and the CSV need different file names.")
        _report(progress, cancel, "Reading the cases", 0, 1)
        made = self.inspection_list(on, columns)
        total = len(made.children)
        pdf = None
        if pdf_path is not None:
            _report(progress, cancel, "Making the PDF", 0, total)
            pdf = self._pdf(
                made, lambda done: _report(progress, cancel, "Making the PDF", done, total)
            )
        _report(progress, cancel, "Writing the CSV", 0, total)
        if pdf is None or pdf_path is None:
            return self._write(made, path_csv, None)
        with atomic_open(pdf_path, "wb") as fh:  # renamed into place after the CSV
            fh.write(pdf)
            return self._write(made, path_csv, pdf_path)

    def _pdf(self, made: InspectionList, check: Callable[[int], None] | None) -> bytes:
        # Imported here: reportlab loads only when something is printed.
        from caseload_app.reports.inspection_pdf import build_inspection_pdf
        from caseload_app.reports.pdf import Imprint

        imprint = Imprint(printed_by=self.user, printed_at=self._now(), council=made.council)
        return build_inspection_pdf(made, imprint, check)

    def _write(self, made: InspectionList, path_csv: Path, pdf_path: Path | None) -> int:
        also = f" and {pdf_path.name}" if pdf_path is not None else ""

        def detail(count: int) -> str:
            return (
                f"Inspection list of {how_many(count, 'child', 'children')} on "
                f"{made.on.isoformat()}, "
                f"{len(made.columns)} columns, to {path_csv.name}{also}"
            )

        return self._write_audited_csv(
            path_csv, made.header(), made.rows(), "inspection_list", detail
        )

    def _open_cases(self, s, on: date) -> dict[int, _Case]:
        """Each child's case open on `on` (the latest request, should two overlap)."""
        query = join_child_family_worker(select(*_CASE_COLUMNS)).where(
            or_(EhcpCase.request_received <= on, EhcpCase.transferred_in <= on)
        )
        query = query.order_by(EhcpCase.child_id, EhcpCase.request_received, EhcpCase.id)
        found: dict[int, _Case] = {}
        for row in s.connection().execute(query):
            case = _Case(*row)
            if inspection.open_on(case, on):
                found[case.child_id] = case  # ordered: the last one is the latest
        return found


def _columns(keys: Iterable[str] | None) -> tuple[inspection.InspectionColumn, ...]:
    try:
        return inspection.choose_columns(keys)
    except ValidationError as exc:
        raise UserError(str(exc)) from exc


def _report(progress: Progress | None, cancel, phase: str, done: int, total: int) -> None:
    if cancel is not None and cancel.is_set():
        raise Stopped("Stopped: nothing was exported.")
    if progress is not None:
        progress(phase, done, total)


def _placements(s, on: date, child_ids: set[int]) -> dict[int, PlacementFacts]:
    """Each child's main placement on `on`: the lowest rank, then the latest start. A
    placement ending on `on` is still the child's that day."""
    query = (
        select(
            Placement.child_id,
            Placement.kind,
            Placement.setting_name,
            Placement.starts,
            Placement.ends,
            Placement.rank,
            Placement.provision,
            Placement.attendance,
            Placement.residential,
            Placement.work_based,
            Placement.out_of_area,
            Establishment.id,
            Establishment.name,
            Establishment.urn,
            Establishment.la_code,
            Establishment.establishment_number,
            Establishment.type_name,
        )
        .outerjoin(Establishment, Placement.establishment_id == Establishment.id)
        .where(Placement.starts <= on, or_(Placement.ends.is_(None), Placement.ends >= on))
        .order_by(Placement.child_id, Placement.rank.desc(), Placement.starts, Placement.id)
    )
    found: dict[int, PlacementFacts] = {}
    for row in s.connection().execute(query):
        (child_id, kind, typed, starts, ends, _rank, provision, attendance, residential,
         work_based, away, est_id, name, urn, la, number, type_name) = row  # fmt: skip
        if child_id not in child_ids:
            continue
        kind_words = inspection.placement_type(
            kind,
            provision=provision,
            work_based=work_based,
            type_name=type_name or "",
            on_register=est_id is not None,
        )
        found[child_id] = PlacementFacts(  # ordered: the last is the main one
            kind=kind,
            type=kind_words,
            establishment=name if est_id is not None else (typed or ""),
            urn=urn,
            laestab=laestab(la, number) if est_id is not None else "",
            out_of_area=bool(away),
            starts=starts,
            ends=ends,
            provision=provision,
            attendance=attendance,
            residential=bool(residential),
        )
    return found


def _reviews(s, on: date, case_ids: set[int]) -> dict[int, date]:
    """Each case's last annual review meeting held by `on`."""
    query = (
        select(AnnualReview.case_id, func.max(AnnualReview.meeting_date))
        .where(AnnualReview.meeting_date <= on)
        .group_by(AnnualReview.case_id)
    )
    return {
        case_id: day
        for case_id, held in s.connection().execute(query)
        if case_id in case_ids and (day := as_date(held)) is not None
    }


def _by(value: date | None, on: date) -> date | None:
    return value if value is not None and value <= on else None


def _child(
    case: _Case,
    on: date,
    placement: PlacementFacts | None,
    review: date | None,
    stage_labels: dict[str, str],
    needs: tuple[codes.Code, ...],
) -> InspectionChild:
    stage = inspection.stage_on(case, on)
    group, _source = phases.current_year_group(case.date_of_birth, on, case.year_group)
    last_review = max((d for d in (_by(case.last_review, on), review) if d), default=None)
    return InspectionChild(
        child_id=case.child_id,
        case_id=case.id,
        first_name=case.first_name,
        last_name=case.last_name,
        date_of_birth=case.date_of_birth,
        age=inspection.age_on(case.date_of_birth, on),
        year_group=phases.year_group_label(group),
        upn=case.upn,
        nhs_number=case.nhs_number,
        uln=case.uln,
        sex=case.sex,
        ethnicity=case.ethnicity,
        postcode=case.postcode,
        primary_need=codes.label_or_code(needs, case.primary_need) or "",
        secondary_need=codes.label_or_code(needs, case.secondary_need) or "",
        stage=stage,
        stage_label=stage_labels.get(stage, stage),
        request_received=case.request_received,
        final_plan_issued=_by(case.final_issued, on),
        last_annual_review=last_review,
        caseworker=case.caseworker or "Unallocated",
        recorded_setting=case.setting or "",
        placement=placement,
    )
