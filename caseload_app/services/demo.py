"""Realistic, clearly fictional sample data: same seed and same day give the same data.

Fictional on purpose: NHS numbers from the 999 range (never issued), Ofcom's drama phone
numbers (07700 900xxx, 01632 960xxx), example.org e-mail, invented streets.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import func, insert, select
from stdnum.gb import upn as stdnum_upn

from caseload_app.db.engine import Database
from caseload_app.db.ids import reserve_ids
from caseload_app.db.models import (
    AdviceProvider,
    AdviceRequest,
    AnnualReview,
    AppSetting,
    Assignment,
    Caseworker,
    Child,
    Communication,
    EhcpCase,
    Establishment,
    Family,
    Placement,
    StageEvent,
    Task,
)
from caseload_app.db.next_step import set_step_columns
from caseload_app.domain import deadlines
from caseload_app.domain.establishments import establishment_search_text
from caseload_app.domain.text import child_keys
from caseload_app.paths import resources_dir

CASEWORKERS = (
    ("Asha Patel", 1.0),
    ("Ben Okafor", 1.0),
    ("Carys Morgan", 0.6),
    ("Dev Sharma", 1.0),
    ("Ewa Nowak", 1.0),
    ("Finn Gallagher", 0.8),
    ("Grace Adeyemi", 1.0),
    ("Harry Whitlock", 1.0),
)
STREETS = [
    "Acacia Avenue",
    "Harbour View",
    "Lindenfield Road",
    "Quarry Lane",
    "Saltmarsh Close",
    "Tern Way",
]
TOWNS = ("Bournemouth", "Christchurch", "Poole")
POSTCODE_AREAS = ("BH1", "BH2", "BH5", "BH6", "BH8", "BH9", "BH11", "BH12", "BH14", "BH23")
# Settings by the age (in years) a child starts there; a special school takes any age.
SETTINGS_BY_AGE = (
    (0, ("Little Acorns Nursery", "Seahorses Pre-school")),
    (4, ("Riverside Infant School", "Harbourside Primary")),
    (7, ("Heathland Junior School", "Harbourside Primary")),
    (11, ("Bay Secondary School", "Cliff Top Academy")),
    (16, ("Quayside College", "Cliff Top Academy Sixth Form")),
)
SPECIAL_SCHOOL = "Oak Tree Special School"
OUT_OF_AREA_SCHOOL = "Heathfield Independent Special School"  # in Dorset (838)
DEMO_LA = 839  # Bournemouth, Christchurch & Poole: the demo's UPNs carry it too
# The demo's establishments: fictional, with URNs from 990001 up (the register's real URNs are
# far below), each with its type and phase as the DfE's register words them.
ESTABLISHMENTS = (
    ("Little Acorns Nursery", "Local authority nursery school", "Nursery", DEMO_LA),
    ("Seahorses Pre-school", "Local authority nursery school", "Nursery", DEMO_LA),
    ("Riverside Infant School", "Community school", "Primary", DEMO_LA),
    ("Harbourside Primary", "Academy converter", "Primary", DEMO_LA),
    ("Heathland Junior School", "Community school", "Primary", DEMO_LA),
    ("Bay Secondary School", "Academy converter", "Secondary", DEMO_LA),
    ("Cliff Top Academy", "Academy sponsor led", "Secondary", DEMO_LA),
    ("Quayside College", "Further education", "16 plus", DEMO_LA),
    ("Cliff Top Academy Sixth Form", "Academy sponsor led", "16 plus", DEMO_LA),
    (SPECIAL_SCHOOL, "Community special school", "Not applicable", DEMO_LA),
    (OUT_OF_AREA_SCHOOL, "Other independent special school", "Not applicable", 838),
)
# The children's ethnicity (the DfE's codes), weighted roughly as in England's EHCP figures.
ETHNICITY = (("WBRI",) * 70 + ("WOTH",) * 5 + ("MOTH",) * 3 + ("MWBC", "MWAS", "APKN", "BAFR")
             * 2 + ("WIRI", "WROM", "MWBA", "AIND", "ABAN", "AOTH", "BCRB", "BOTH", "CHNE",
             "OOTH", "REFU") + ("NOBT",) * 2)  # fmt: skip
NEEDS = (
    ("ASD",) * 6
    + ("SEMH",) * 3
    + ("SLCN",) * 3
    + ("MLD", "SPLD", "SLD", "PMLD", "HI", "VI", "MSI", "PD", "OTH")
)
CHANNELS = ("phone", "email", "letter", "meeting", "visit", "text")
ADVICE = ("ep", "health", "social_care", "education")
# The demo's advice providers (service, name, manager's role): two or three teams a service.
PROVIDERS = (
    ("ep", "EP team North", "Principal Educational Psychologist"),
    ("ep", "EP team South", "Principal Educational Psychologist"),
    ("ep", "EP team East", "Principal Educational Psychologist"),
    ("health", "Community paediatrics", "Designated Clinical Officer for SEND"),
    ("health", "Speech and language therapy", "Designated Clinical Officer for SEND"),
    ("health", "CAMHS", "Designated Medical Officer for SEND"),
    ("social_care", "Disabled children's team", "Head of Children's Social Care"),
    ("social_care", "Early help", "Head of Children's Social Care"),
)
# Days since the request for cases still in each early stage (a few run overdue).
OPEN_WINDOW_DAYS = {"request_received": (1, 50), "assessment": (30, 150), "draft_issued": (85, 160)}
INLETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # postcode inward letters (no C I K M O V)


@cache
def _names(kind: str) -> tuple[str, ...]:
    """Fictional-use name lists, kept as data in resources/demo/."""
    text = (resources_dir() / "demo" / f"{kind}_names.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class DemoTargetNotEmpty(Exception):
    pass


@dataclass(frozen=True)
class DemoResult:
    children: int
    families: int
    cases: int
    communications: int
    advice_requests: int
    reviews: int
    tasks: int
    updates: int = 0  # the families' regular updates, besides the communications


def generate_demo(
    db: Database,
    *,
    children: int = 2000,
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    contact_scale: float = 1.0,
    caseworkers: int | None = None,
) -> DemoResult:
    """Fill an empty database with sample data in one transaction. `contact_scale`
    multiplies each family's communications (about 5 per child at 1.0; the benchmark
    asks for 20). `caseworkers`: how many share the cases (default the eight of
    CASEWORKERS; the benchmark gives each about 200 open cases, as a real team holds)."""
    today = today or date.today()
    rng = random.Random(seed)
    with db.uow() as session:
        if session.scalar(select(func.count()).select_from(Child)):
            raise DemoTargetNotEmpty("That database already holds children: choose a new file.")
        # A register imported already keeps its rows: the demo's establishments take fresh ids.
        ids = reserve_ids(session, Establishment, len(ESTABLISHMENTS))
        gen = _Generator(rng, today, contact_scale, ids, team(caseworkers))
        gen.build(children, progress)
        gen.give_providers(reserve_ids(session, AdviceProvider, len(PROVIDERS)))
        for model, rows in gen.tables():
            for start in range(0, len(rows), 20_000):
                session.execute(insert(model), rows[start : start + 20_000])
        if session.get(AppSetting, "council_la") is None:  # the demo council's, unless set
            session.add(AppSetting(key="council_la", value=str(DEMO_LA)))
    return gen.result()


class _Generator:
    def __init__(
        self,
        rng: random.Random,
        today: date,
        contact_scale: float = 1.0,
        establishment_ids: list[int] | None = None,
        workers: tuple[tuple[str, float], ...] = CASEWORKERS,
    ) -> None:
        self.rng = rng
        self.contact_scale = contact_scale
        self.today = today
        self.now = datetime.combine(today, time(9, 0))
        self.workers = [
            dict(id=i, name=name, capacity_fte=fte, email=_email(name), active=True)
            for i, (name, fte) in enumerate(workers, start=1)
        ]
        self.families: list[dict] = []
        self.children: list[dict] = []
        self.cases: list[dict] = []
        self.events: list[dict] = []
        self.assignments: list[dict] = []
        self.comms: list[dict] = []
        self.updates: list[dict] = []  # the families' regular updates (communications too)
        self.updates_rng = random.Random(repr(rng.getstate()[1][:4]))
        # SEN2's details (sex, ethnicity, placements) from a stream of their own: the rest of
        # the demo stays exactly as it was before they were added.
        self.sen2_rng = random.Random(repr(rng.getstate()[1][4:8]))
        # The advice behind plans already made (the forecast's history): a stream of its own
        # so the rest of the demo stays as it was.
        self.history_rng = random.Random(repr(rng.getstate()[1][12:16]))
        self.advice: list[dict] = []
        # The advice providers, and which request went to which, from a stream of their own
        # (drawn after everything else): the rest of the demo stays as it was without them.
        self.providers_rng = random.Random(repr(rng.getstate()[1][8:12]))
        self.providers: list[dict] = []
        self.reviews: list[dict] = []
        self.tasks: list[dict] = []
        self.placements: list[dict] = []
        self.establishments = [
            dict(
                id=establishment_ids[n - 1] if establishment_ids else n,
                urn=990_000 + n,
                la_code=la,
                establishment_number=2000 + n if la == DEMO_LA else 7000 + n,
                name=name,
                type_code="",
                type_name=kind,
                phase=phase,
                ukprn=None,
                postcode=f"BH{n % 9 + 1} {n % 10}AB" if la == DEMO_LA else "DT1 1ZZ",
                is_open=True,
                closed_on=None,
                search_text=establishment_search_text(
                    name, 990_000 + n, la, 2000 + n if la == DEMO_LA else 7000 + n, None
                ),
                imported_at=self.now,
            )
            for n, (name, kind, phase, la) in enumerate(ESTABLISHMENTS, start=1)
        ]
        self._establishment_of = {e["name"]: e for e in self.establishments}
        self._nhs_counter = 0

    def tables(self):
        return (
            (Caseworker, self.workers),
            (Family, [{k: v for k, v in f.items() if k != "_surname"} for f in self.families]),
            (Establishment, self.establishments),
            (Child, self.children),
            (Placement, self.placements),
            (EhcpCase, self.cases),
            (StageEvent, self.events),
            (Assignment, self.assignments),
            (Communication, self.comms + self.updates),
            (AdviceProvider, self.providers),
            (AdviceRequest, self.advice),
            (AnnualReview, self.reviews),
            (Task, self.tasks),
        )

    def result(self) -> DemoResult:
        return DemoResult(
            children=len(self.children),
            families=len(self.families),
            cases=len(self.cases),
            communications=len(self.comms),
            advice_requests=len(self.advice),
            reviews=len(self.reviews),
            tasks=len(self.tasks),
            updates=len(self.updates),
        )

    def build(self, n_children: int, progress) -> None:
        while len(self.children) < n_children:
            siblings = min(
                self.rng.choice((1, 1, 1, 1, 1, 2, 2, 3)), n_children - len(self.children)
            )
            family = self._family()
            worker = self.rng.choice(self.workers)
            for _ in range(siblings):
                self._child_with_case(family, worker)
            self._communications(family)
            self._updates(family, [c for c in self.cases[-siblings:] if c["is_open"]])
            if progress and len(self.children) % 1000 < siblings:
                progress(len(self.children), n_children)

    def _nhs(self) -> str | None:
        # Walk the never-issued 999 range in a scrambled but one-to-one order: no repeats
        # (the database refuses a second child with one NHS number). Past a million
        # children the range is used up: the rest have none.
        while self._nhs_counter < 999_999:
            self._nhs_counter += 1
            body = f"999{(self._nhs_counter * 7919) % 1_000_000:06d}"
            check = _nhs_check_digit(body)
            if check is not None:
                return body + str(check)
        return None

    def _family(self) -> dict:
        rng = self.rng
        fid = len(self.families) + 1
        surname = rng.choice(_names("last"))
        parent = (
            f"{rng.choice(('Ms', 'Mr', 'Mx', 'Mrs', 'Dr'))} {rng.choice(_names('first'))} {surname}"
        )
        area = rng.choice(POSTCODE_AREAS)
        postcode = f"{area} {rng.randint(1, 9)}{rng.choice(INLETTERS)}{rng.choice(INLETTERS)}"
        family = dict(
            id=fid,
            parent_carer_name=parent,
            address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}\n{rng.choice(TOWNS)}",
            postcode=postcode,
            phone=rng.choice(("07700 900", "01632 960")) + f"{rng.randint(0, 999):03d}",
            email=f"family{fid}@example.org",
            preferred_channel=rng.choice(("phone", "email", "letter")),
            language="Polish" if rng.random() < 0.04 else "English",
            interpreter_needed=False,
            version=1,
            _surname=surname,
        )
        family["interpreter_needed"] = family["language"] != "English" and rng.random() < 0.5
        self.families.append(family)
        return family

    def _child_with_case(self, family: dict, worker: dict) -> None:
        rng = self.rng
        cid = len(self.children) + 1
        age_days = rng.randint(2 * 365, 19 * 365)
        dob = self.today - timedelta(days=age_days)
        first = rng.choice(_names("first"))
        upn = _upn(rng, cid)
        nhs = self._nhs()
        child = dict(
            id=cid,
            family_id=family["id"],
            first_name=first,
            last_name=family["_surname"],
            date_of_birth=dob,
            upn=upn,
            nhs_number=nhs,
            setting=_setting(rng, age_days // 365),
            year_group=_year_group(age_days),
            primary_need=rng.choice(NEEDS),
            secondary_need=rng.choice((None, None, "SLCN", "SEMH")),
            sex="M" if self.sen2_rng.random() < 0.72 else "F",  # 7 in 10 plans are boys'
            ethnicity=self.sen2_rng.choice(ETHNICITY),
            version=1,
        )
        if child["secondary_need"] == child["primary_need"]:
            child["secondary_need"] = None
        child.update(
            child_keys(
                first,
                family["_surname"],
                family["parent_carer_name"],
                upn,
                nhs,
                family["postcode"],
                family["phone"],
            )
        )
        self.children.append(child)
        self._case(child, worker)
        case = self.cases[-1]
        # A plan ended names where the child was then: a closed case's placement began by it.
        self._placement(child, age_days // 365, case["request_received"], not case["is_open"])

    def _placement(self, child: dict, age: int, requested: date, closed: bool) -> None:
        """The child's placement now: at their setting since the September they started
        there; a few at home (elective home education) or educated otherwise than at school,
        and a few at a special school outside the area."""
        rng = self.sen2_rng
        roll = rng.random()
        kind, est, provision = "setting", self._establishment_of.get(child["setting"]), None
        if roll < 0.02:
            kind, est, child["setting"] = "ehe", None, "Elective home education"
        elif roll < 0.03:
            kind, est, child["setting"] = "eotas", None, "Education otherwise than at school"
        elif roll < 0.06:
            est = self._establishment_of[OUT_OF_AREA_SCHOOL]
            child["setting"] = OUT_OF_AREA_SCHOOL
        elif est is not None and est["name"] != SPECIAL_SCHOOL:
            provision = rng.choices(("mainstream", "resourced", "sen_unit"), (88, 8, 4))[0]
        start_age = next(a for a, names in reversed(SETTINGS_BY_AGE) if age >= a)
        began = date(child["date_of_birth"].year + start_age, 9, 1)
        if kind != "setting" or est is None or est["name"] in (SPECIAL_SCHOOL, OUT_OF_AREA_SCHOOL):
            began = requested - timedelta(days=rng.randint(0, 400))  # there when it was asked
        if closed:
            began = min(began, requested)
        began = min(max(began, child["date_of_birth"] + timedelta(days=365)), self.today)
        self.placements.append(
            dict(
                child_id=child["id"],
                kind=kind,
                establishment_id=est["id"] if est else None,
                setting_name="",
                starts=began,
                ends=None,
                rank=1,
                provision=provision,
                attendance="full_time",
                residential=None,
                work_based=None,
                out_of_area=est is not None and est["la_code"] != DEMO_LA,
                version=1,
            )
        )

    def _case(self, child: dict, worker: dict) -> None:
        rng = self.rng
        case_id = len(self.cases) + 1
        # Most cases hold a maintained plan; a steady stream of new requests keeps every stage.
        stage = rng.choices(
            (
                "request_received",
                "assessment",
                "draft_issued",
                "plan_issued",
                "refused_to_assess",
                "not_issued",
                "ceased",
            ),
            weights=(6, 10, 4, 70, 4, 2, 4),
        )[0]
        earliest = max(
            child["date_of_birth"] + timedelta(days=400), self.today - timedelta(days=9 * 365)
        )
        if stage in OPEN_WINDOW_DAYS:
            # Live requests are recent, with a tail running late as in a real backlog.
            low, high = OPEN_WINDOW_DAYS[stage]
            received = self.today - timedelta(days=rng.randint(low, high))
        else:
            # Old enough for the final plan (up to 25 weeks after the request) to be in the past.
            received = _between(rng, earliest, self.today - timedelta(days=176))
        case = dict(
            id=case_id,
            child_id=child["id"],
            caseworker_id=worker["id"],
            request_received=received,
            request_source=rng.choice(("parent", "parent", "school", "health", "young_person")),
            stage=stage,
            is_open=stage not in ("refused_to_assess", "not_issued", "ceased"),
            version=1,
        )
        self._fill_stage_dates(case)
        set_step_columns(case, child["date_of_birth"])
        self.cases.append(case)
        self.assignments.append(
            dict(
                case_id=case_id,
                from_id=None,
                to_id=worker["id"],
                assigned_at=datetime.combine(received, time(10, 0)),
                by="Team lead",
                reason="New request allocated",
            )
        )
        self._advice(case)
        self._reviews(case)
        self._task(case, worker)

    def _fill_stage_dates(self, case: dict) -> None:
        rng = self.rng
        received = case["request_received"]
        stage = case["stage"]
        self._event(case, "request_received", received)
        if stage == "request_received":
            return
        decided = received + timedelta(days=rng.randint(20, 50))
        case["assess_decision_date"] = min(decided, self.today)
        case["assess_decision"] = "refused" if stage == "refused_to_assess" else "agreed"
        self._event(case, f"assess_{case['assess_decision']}", case["assess_decision_date"])
        if stage in ("assessment", "refused_to_assess"):
            return
        issue_on = min(received + timedelta(days=rng.randint(80, 112)), self.today)
        case["issue_decision_date"] = issue_on
        case["issue_decision"] = "not_issue" if stage == "not_issued" else "issue"
        self._event(case, case["issue_decision"], issue_on)
        if stage == "not_issued":
            return
        case["draft_served"] = min(issue_on + timedelta(days=rng.randint(0, 10)), self.today)
        self._event(case, "draft_served", case["draft_served"])
        if stage == "draft_issued":
            return
        # About half of plans arrive within 20 weeks, as nationally.
        comments_close = deadlines.comments_end(case["draft_served"])
        final = max(
            received + timedelta(days=rng.randint(110, 175)), comments_close + timedelta(days=1)
        )
        case["final_issued"] = final
        self._event(case, "final_issued", final)
        last = final
        # Hold each yearly review a little early; leave some overdue by up to two months.
        cutoff = self.today - timedelta(days=rng.randint(-20, 60))
        while deadlines.annual_review_due(last) < cutoff:
            held = deadlines.annual_review_due(last) - timedelta(days=rng.randint(0, 40))
            last = min(held, self.today)
        case["last_review"] = last if last != final else None
        if stage == "ceased":
            case["ceased_date"] = min(last + timedelta(days=rng.randint(30, 200)), self.today)
            # SEN2's reasons, roughly as councils report them: most leave education or move.
            weights = (20, 30, 5, 8, 20, 5, 3, 1, 8)
            case["cease_reason"] = self.sen2_rng.choices("123456789", weights)[0]
            case["outcome_reason"] = rng.choice(
                ("Moved out of area", "Needs now met at SEN support")
            )
            self._event(case, "ceased", case["ceased_date"])

    def _event(self, case: dict, action: str, on: date) -> None:
        self.events.append(
            dict(
                case_id=case["id"],
                action=action,
                on_date=on,
                by=self.rng.choice(self.workers)["name"],
                recorded_at=datetime.combine(on, time(12, 0)),
                note=None,
            )
        )

    def give_providers(self, ids: list[int]) -> None:
        """The demo's providers; most requests of their services name one (some, as in
        life, were recorded without)."""
        rng = self.providers_rng
        for n, (service, name, role) in enumerate(PROVIDERS):
            slug = name.lower().replace("'", "").replace(" ", ".")
            self.providers.append(
                dict(
                    id=ids[n], service=service, name=name, email=f"{slug}@demo-council.example",
                    address=f"{name}\nCivic Centre\nDemo Town\nBH1 1AA", manager_name="",
                    manager_role=role, manager_email=None, active=True, version=1,
                    updated_by="demo", updated_at=self.now,
                )
            )  # fmt: skip
        by_service: dict[str, list[int]] = {}
        for provider in self.providers:
            by_service.setdefault(provider["service"], []).append(provider["id"])
        for advice in self.advice:
            choices = by_service.get(advice["advice_type"])
            recorded = choices is not None and rng.random() < 0.8
            advice["provider_id"] = rng.choice(choices) if recorded and choices else None

    def _advice(self, case: dict) -> None:
        if case.get("draft_served") and case["stage"] != "draft_issued":
            self._past_advice(case)
            return
        if case["stage"] != "assessment" and case["stage"] != "draft_issued":
            return
        requested = case["assess_decision_date"] + timedelta(days=self.rng.randint(0, 5))
        for kind in ADVICE:
            due = deadlines.advice_due(requested)
            received = None
            if case["stage"] == "draft_issued" or self.rng.random() < 0.5:
                got = requested + timedelta(days=self.rng.randint(20, 60))
                received = got if got <= self.today else None
            chased = not received and due < self.today
            self._advice_row(case, kind, requested, received, chased)

    def _past_advice(self, case: dict) -> None:
        """Advice in before the draft, for assessments of the last two years."""
        decided = case["assess_decision_date"]
        if decided < self.today - timedelta(days=730):
            return
        rng = self.history_rng
        requested = decided + timedelta(days=rng.randint(0, 5))
        latest = max(case["draft_served"], requested)
        for kind in ADVICE:
            got = min(requested + timedelta(days=rng.randint(20, 60)), latest)
            self._advice_row(case, kind, requested, got, got > deadlines.advice_due(requested))

    def _advice_row(
        self, case: dict, kind: str, requested: date, received: date | None, chased: bool
    ) -> None:
        """One advice request, sent and received by the adviser the same day; a late one
        chased once, on its due day."""
        due = deadlines.advice_due(requested)
        self.advice.append(
            dict(
                case_id=case["id"],
                advice_type=kind,
                requested=requested,
                received_by_adviser=requested,
                due=due,
                received=received,
                chases=1 if chased else 0,
                last_chased=due if chased else None,
                version=1,
            )
        )

    def _reviews(self, case: dict) -> None:
        if case["stage"] != "plan_issued" or not case.get("last_review"):
            return
        meeting = case["last_review"]
        self.reviews.append(
            dict(
                case_id=case["id"],
                due=meeting,
                meeting_date=meeting,
                invitations_sent=meeting - timedelta(days=15),
                papers_sent=meeting - timedelta(days=14),
                report_sent=meeting + timedelta(days=self.rng.randint(3, 20)),
                decision_date=meeting + timedelta(days=self.rng.randint(10, 40)),
                outcome=self.rng.choice(("maintain", "maintain", "amend")),
                version=1,
            )
        )

    def _task(self, case: dict, worker: dict) -> None:
        if not case["is_open"] or self.rng.random() > 0.3:
            return
        self.tasks.append(
            dict(
                case_id=case["id"],
                title=self.rng.choice(
                    (
                        "Call parent about draft",
                        "Chase school for views",
                        "Book review meeting",
                        "Send consultation to setting",
                        "Check EP report received",
                    )
                ),
                due=self.today + timedelta(days=self.rng.randint(-10, 21)),
                owner_id=worker["id"],
                done_on=None,
                version=1,
            )
        )

    def _office_hours(self, day: date) -> datetime:
        """A weekday between 08:30 and 17:00, as contacts with the council are."""
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        return datetime.combine(day, time(8, 30)) + timedelta(minutes=self.rng.randint(0, 510))

    def _communications(self, family: dict) -> None:
        rng = self.rng
        # Two years of contact, with some families not heard from in weeks.
        for _ in range(round(rng.choice((0, 2, 4, 6, 8, 12, 20)) * self.contact_scale)):
            when = self._office_hours(self.today - timedelta(days=rng.randint(1, 730)))
            self.comms.append(
                dict(
                    family_id=family["id"],
                    occurred_at=when,
                    channel=rng.choice(CHANNELS),
                    direction=rng.choice(("in", "out")),
                    with_whom=family["parent_carer_name"],
                    with_family=True,
                    summary=rng.choice(
                        (
                            "Discussed progress at school",
                            "Parent asked about timescales",
                            "Update on advice requests",
                            "Agreed date for meeting",
                        )
                    ),
                    logged_by=rng.choice(self.workers)["name"],
                    version=1,
                )
            )

    def _updates(self, family: dict, open_cases: list[dict]) -> None:
        """The keep-in-touch promise kept as a working team keeps it: an update to the family
        every 3 to 4 weeks since the request, the last one lapsed for about one family in
        eight (domain/updates.py)."""
        if not open_cases:
            return
        rng = self.updates_rng  # its own: the rest of the data is as it was before updates
        since = min(c["request_received"] for c in open_cases)
        gap = rng.randint(29, 60) if rng.random() < 0.12 else rng.randint(0, 24)
        day = self.today - timedelta(days=gap)
        for _ in range(12):  # the last year at most
            if day < since:
                break
            weekday = day - timedelta(days=max(0, day.weekday() - 4))
            self.updates.append(
                dict(
                    family_id=family["id"],
                    occurred_at=datetime.combine(weekday, time(9, rng.randint(0, 59))),
                    channel=family["preferred_channel"],
                    direction="out",
                    with_whom=family["parent_carer_name"],
                    with_family=True,
                    summary="Update: where the case is and what happens next",
                    logged_by=rng.choice(self.workers)["name"],
                    version=1,
                )
            )
            day -= timedelta(days=rng.randint(21, 28))


def _between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return end
    return start + timedelta(days=rng.randint(0, (end - start).days))


FTE_CYCLE = (1.0, 1.0, 0.8, 1.0, 0.6, 1.0)


def team(size: int | None) -> tuple[tuple[str, float], ...]:
    """The eight of CASEWORKERS, then as many more as asked, each a different name made
    from the demo's name lists (in a fixed order: the same team on every machine)."""
    if size is None or size <= len(CASEWORKERS):
        return CASEWORKERS[: size or len(CASEWORKERS)]
    taken = {name for name, _ in CASEWORKERS}
    firsts, lasts = _names("first"), _names("last")
    more: list[tuple[str, float]] = []
    for n in range(len(firsts) * len(lasts)):
        name = f"{firsts[n % len(firsts)]} {lasts[(n * 7 + n // len(firsts)) % len(lasts)]}"
        if name not in taken:
            taken.add(name)
            more.append((name, FTE_CYCLE[len(more) % len(FTE_CYCLE)]))
            if len(CASEWORKERS) + len(more) == size:
                return CASEWORKERS + tuple(more)
    raise ValueError(f"The demo's name lists make at most {len(taken)} caseworkers.")


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@council.example.org"


def _upn(rng: random.Random, serial: int) -> str:
    # Establishment and serial together come from the child's number, so UPNs never repeat.
    establishment, number = 2000 + serial // 1000, serial % 1000
    body = f"839{establishment:04d}{rng.randint(10, 24):02d}{number:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def _nhs_check_digit(digits: str) -> int | None:
    check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    return None if check == 10 else check % 11


def _setting(rng: random.Random, age: int) -> str:
    if rng.random() < 0.15:
        return SPECIAL_SCHOOL
    options = next(names for start, names in reversed(SETTINGS_BY_AGE) if age >= start)
    return rng.choice(options)


def _year_group(age_days: int) -> str:
    years = age_days // 365 - 5
    if years < 0:
        return "N"
    if years == 0:
        return "R"
    return str(min(years, 14))
