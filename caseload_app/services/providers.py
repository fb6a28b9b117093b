"""The advice-provider board: who gives each kind of advice, how long they take, the cases
waiting on them; and chasing a provider's overdue requests in one step, or escalating them to
the provider's manager, with the statutory duty (Reg 8(1): docs/statutory-rules.md, "Advice").

A request that names its provider is counted under it; one that names none, under its
service ("Educational psychology (no team recorded)"). The board is three queries whatever
the size of the team (the providers, the requests waiting, the advice that arrived in the last
year); the arithmetic is domain/providers.py's.

A chase or an escalation is one letter (PDF or Word) or one e-mail (an .eml draft that
Outlook opens ready to send) listing the children, written to the file the person chose only
as the chase is logged on each case: a contact that is not with the family, the request's
chases counted and its last chase dated, and an audit entry, exactly as a chase from the
case's Advice tab (CaseworkService.chase_advice), all in one transaction. The letter lists
several families' children, so it is kept on no child's case file: its sha256 is in the
audit trail.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AdviceProvider,
    AdviceRequest,
    Caseworker,
    Child,
    Communication,
    EhcpCase,
)
from caseload_app.domain import codes, deadlines, exceptions
from caseload_app.domain import email_message as em
from caseload_app.domain.access import Can
from caseload_app.domain.providers import Arrival, Spread, Trend, arrival_figures
from caseload_app.domain.templates import long_date
from caseload_app.domain.text import how_many, limit_of
from caseload_app.domain.validators import ValidationError, normalise_email
from caseload_app.files import atomic_open
from caseload_app.reports.content import Imprint, LetterData
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import FieldErrors, NotFound, UserError

# What a chase or an escalation may be written as, by the file's extension.
KINDS = {".pdf": "letter", ".docx": "letter", ".eml": "email"}
# Whom late advice is escalated to when the provider names no manager (or none is recorded):
# the council's usual officer for the service (docs/statutory-rules.md, "Advice").
DEFAULT_MANAGERS = {
    "health": "Designated Clinical Officer for SEND",
    "ep": "Principal Educational Psychologist",
    "social_care": "Team Manager, Children's Social Care",
    "sensory": "Head of Sensory Support",
}
NO_TEAM = "(no team recorded)"


@dataclass(frozen=True)
class ProviderInfo:
    id: int
    version: int
    service: str  # an advice_types code
    service_label: str
    name: str
    email: str | None
    address: str
    manager_name: str
    manager_role: str
    manager_email: str | None
    active: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.service_label})"


@dataclass(frozen=True)
class WaitingCase:
    """One advice request not yet arrived, with its child and case."""

    advice_id: int
    case_id: int
    child_name: str
    date_of_birth: date
    caseworker: str
    requested: date
    received_by_adviser: date
    due: date
    days_overdue: int  # 0 while not yet due
    chases: int
    last_chased: date | None
    # An exception to the 6 weeks (Reg 8(2)) recorded on the case: past its due day, but
    # not late, so neither chased nor escalated in one step.
    excused: bool = False

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0 and not self.excused


@dataclass(frozen=True)
class ProviderRow:
    """One line of the board: a provider, or a service's requests that name none."""

    key: str  # "provider:<id>" or "service:<code>": what chase and escalate are given
    provider_id: int | None
    service: str
    service_label: str
    name: str
    email: str | None
    active: bool
    outstanding: int
    overdue: int
    last_6_months: Spread
    last_12_months: Spread
    trend: Trend
    waiting: tuple[WaitingCase, ...]  # the most overdue first


@dataclass(frozen=True)
class ProviderBoard:
    today: date
    rows: tuple[ProviderRow, ...]  # the most overdue first

    def row(self, key: str) -> ProviderRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise NotFound("That provider is not on the board (it may have been removed).")


@dataclass(frozen=True)
class ChaseDone:
    """What a chase or an escalation did: to whom, how many requests, and the file."""

    to: str
    chased: int
    path: Path
    sha256: str


def _checks() -> dict:
    return {
        "service": lambda v: codes.code_for(codes.advice_types(), str(v or "")),
        "name": records.required_text("The provider's name", limit_of("advice_provider.name")),
        "email": records.optional(normalise_email),
        "address": records.text_lines(limit_of("advice_provider.address"), "The address"),
        "manager_name": records.plain_text(limit_of("advice_provider.manager_name"), "Manager"),
        "manager_role": records.plain_text(
            limit_of("advice_provider.manager_role"), "The manager's role"
        ),
        "manager_email": records.optional(normalise_email),
        "active": lambda v: bool(v),
    }


class ProviderService(UserService):
    # ------------------------------------------------------------------ the list
    def providers(self, *, service: str | None = None, retired: bool = True) -> list[ProviderInfo]:
        """The list of providers (service, then name); everyone signed in may read it."""
        with self._db.read() as s:
            query = select(AdviceProvider).order_by(AdviceProvider.service, AdviceProvider.name)
            if service is not None:
                query = query.where(AdviceProvider.service == service)
            if not retired:
                query = query.where(AdviceProvider.active)
            return [_info(p) for p in s.scalars(query)]

    def add_provider(self, fields: Mapping[str, object], *, token: str | None = None) -> int:
        """A new provider (a team lead's or an administrator's)."""
        clean = records.validate(fields, _checks())
        missing = {f: "Fill this in." for f in ("service", "name") if not clean.get(f)}
        if missing:
            raise FieldErrors(missing)
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done
            self._require(s, Can.PROVIDERS)
            self._refuse_same_name(s, str(clean["service"]), str(clean["name"]), None)
            row = AdviceProvider(**clean, updated_by=self.user, updated_at=self._now(), version=1)
            detail = f"advice provider {clean['name']} ({clean['service']})"
            return records.create(
                s, row, user=self.user, now=self._now(), case_id=None, detail=detail, token=token
            )

    def update_provider(self, provider_id: int, version: int, changes: Mapping[str, object]):
        """Correct a provider's details, or retire it (active False): a retired provider
        keeps its requests and figures but is no longer offered for a new request."""
        clean = records.validate(changes, _checks())
        with self._db.uow() as s:
            self._require(s, Can.PROVIDERS)
            row = records.load(s, AdviceProvider, provider_id, "provider")
            records.check_version(s, row, version, "provider")
            service = str(clean.get("service", row.service))
            if service != row.service and s.scalar(
                select(AdviceRequest.id).where(AdviceRequest.provider_id == row.id).limit(1)
            ):
                raise FieldErrors(
                    {"service": "Advice requests name this provider: its service stays. Add a "
                     "new provider for the other service."}
                )  # fmt: skip
            name = str(clean.get("name", row.name))
            if not name:
                raise FieldErrors({"name": "Fill this in."})
            self._refuse_same_name(s, service, name, row.id)
            try:
                return records.apply(s, row, clean, user=self.user, now=self._now(), case_id=None)
            except IntegrityError:  # pragma: no cover - a colleague's save in between
                raise FieldErrors({"name": "There is already a provider of that name."}) from None

    def _refuse_same_name(self, s: Session, service: str, name: str, other: int | None) -> None:
        same = s.scalar(
            select(AdviceProvider.id).where(
                AdviceProvider.service == service, AdviceProvider.name == name
            )
        )
        if same is not None and same != other:
            label = codes.label_for(codes.advice_types(), service)
            raise FieldErrors({"name": f"There is already a provider '{name}' for {label}."})

    # ------------------------------------------------------------------ the board
    def board(self) -> ProviderBoard:
        """Every provider's figures and the cases waiting on it (audited: it names children)."""
        today = self._today()
        with self._db.uow() as s:
            self._require(s, Can.REPORTS)
            providers = {p.id: _info(p) for p in s.scalars(select(AdviceProvider))}
            waiting = _waiting(s, today)
            arrivals = _arrivals(s, deadlines.add_months(today, -12))
            rows = _rows(providers, waiting, arrivals, today)
            cases = sum(r.outstanding for r in rows)
            records.write_audit(
                s, at=self._now(), who=self.user, action="view", record_type="advice_provider",
                detail=f"Looked at the advice-provider board: {len(rows)} providers, "
                f"{cases} requests waiting",
            )  # fmt: skip
        return ProviderBoard(today, tuple(rows))

    # ------------------------------------------------------------------ chasing
    def chase_overdue(
        self, key: str, on: date, path: Path, confirmed: Collection[int] | None = None
    ) -> ChaseDone:
        """Every overdue request of one provider in one letter (path .pdf or .docx) or one
        e-mail (.eml, to the provider's address), logged on each case. `confirmed`: the
        advice requests the person agreed to chase; refused if the overdue ones differ now."""
        return self._write(key, on, Path(path), escalate=False, confirmed=confirmed)

    def escalate(
        self, key: str, on: date, path: Path, confirmed: Collection[int] | None = None
    ) -> ChaseDone:
        """A letter (or e-mail, to the manager's address) to the provider's manager (the
        Designated Clinical Officer, the service's manager) listing the overdue requests and
        the duty they are late against, logged on each case."""
        return self._write(key, on, Path(path), escalate=True, confirmed=confirmed)

    def _write(
        self,
        key: str,
        on: date,
        path: Path,
        *,
        escalate: bool,
        confirmed: Collection[int] | None = None,
    ) -> ChaseDone:
        kind = KINDS.get(path.suffix.lower())
        if kind is None:
            raise UserError(
                f"A chase is written as a letter (.pdf or .docx) or an e-mail (.eml), "
                f"not {path.name}."
            )
        if not path.parent.is_dir():
            raise UserError(f"The folder {path.parent} does not exist.")
        if on > self._today():
            raise ValidationError("The day of the chase cannot be in the future.")
        self._allowed(Can.LOG_CONTACT)
        board = self.board()
        row = board.row(key)
        overdue = [w for w in row.waiting if w.overdue]
        if not overdue:
            raise UserError(f"Nothing from {row.name} is overdue: there is nothing to chase.")
        if confirmed is not None and set(confirmed) != {w.advice_id for w in overdue}:
            raise UserError(
                f"The overdue advice from {row.name} has changed since the board was loaded: "
                "nothing was written. Look at the board again and chase what is overdue now."
            )
        early = [w for w in overdue if on < w.requested]
        if early:
            raise ValidationError(
                f"The day of the chase is before {early[0].child_name}'s advice was asked for "
                f"({deadlines.format_date(early[0].requested)})."
            )
        provider = self._provider(row.provider_id)
        letter = self._letter(row, provider, overdue, escalate)
        to = _to(row, provider, escalate, kind)
        data = self._render(letter, path.suffix.lower(), to)
        digest = hashlib.sha256(data).hexdigest()
        # The file is in place before the chases commit, and taken away again if they do not:
        # never chases logged for a file that is not there, nor a file nobody logged.
        placed = False
        try:
            with self._db.uow() as s:
                self._log(s, row, overdue, on, kind, to, escalate, str(path), digest)
                with atomic_open(path, "wb") as fh:
                    fh.write(data)
                placed = True
        except OSError as exc:
            if placed:
                path.unlink(missing_ok=True)
            raise UserError(f"The file could not be written to {path}: {exc.strerror}.") from exc
        except BaseException:
            if placed:
                path.unlink(missing_ok=True)
            raise
        return ChaseDone(to[0], len(overdue), path, digest)

    def _provider(self, provider_id: int | None) -> ProviderInfo | None:
        if provider_id is None:
            return None
        with self._db.read() as s:
            return _info(records.load(s, AdviceProvider, provider_id, "provider"))

    def _log(self, s, row, overdue, on, kind, to, escalate, where, digest) -> None:
        """Each request chased as the Advice tab chases one, in the caller's transaction."""
        now = self._now()
        self._require(s, Can.LOG_CONTACT)
        for waiting in overdue:
            advice = records.load(s, AdviceRequest, waiting.advice_id, "advice request")
            if advice.received is not None:
                raise UserError(
                    f"The advice for {waiting.child_name} arrived meanwhile: look at the "
                    "board again and chase what is still overdue."
                )
            case = self._case_to_edit(s, advice.case_id)
            label = codes.label_for(codes.advice_types(), advice.advice_type).lower()
            how = "one letter" if kind == "letter" else "one e-mail"
            listing = how_many(len(overdue), "child", "children")
            verb = "Escalated late" if escalate else "Chased"
            summary = (
                f"{verb} {label} advice (due {deadlines.format_date(advice.due)}): {how} "
                f"to {to[0]} listing {listing}"
            )
            comm = Communication(
                family_id=case.child.family_id, case_id=case.id,
                occurred_at=datetime.combine(on, now.time()), channel=kind, direction="out",
                with_whom=to[0][:200], with_family=False,  # no update for the family
                summary=summary, logged_by=self.user, updated_by=self.user, updated_at=now,
            )  # fmt: skip
            s.add(comm)
            advice.chases += 1
            advice.last_chased = max(advice.last_chased or on, on)  # never wound back
            advice.updated_by, advice.updated_at = self.user, now
            records.audit(s, self.user, now, "chase", advice, case.id, summary)
        what = "escalation" if escalate else "chase"
        action = "print" if kind == "letter" else "export"
        records.write_audit(
            s, at=now, who=self.user, action=action, record_type="advice_provider",
            record_id=row.provider_id,
            detail=f"{what} of {len(overdue)} overdue {row.service} advice requests to "
            f"{to[0]}: {where}, sha256 {digest}",
        )  # fmt: skip

    # ------------------------------------------------------------------ the letter
    def _letter(self, row, provider, overdue, escalate: bool) -> tuple[str, str]:
        """(title, body) of the chase or the escalation."""
        service = row.service_label.lower()
        who = row.name if row.provider_id is not None else f"the {service} service"
        listing = "\n".join(
            f"- {w.child_name}, born {long_date(w.date_of_birth)}: requested "
            f"{deadlines.format_date(w.requested)}, due {deadlines.format_date(w.due)} "
            f"({how_many(w.days_overdue, 'day', 'days')} overdue), our ref EHCP/{w.case_id:06d}"
            for w in overdue
        )
        duty = (
            "Regulation 8(1) of the Special Educational Needs and Disability Regulations 2014 "
            "requires advice to be provided within 6 weeks of the request, and binds each body "
            "whose advice the council asks for."
        )
        count = how_many(len(overdue), "child", "children")
        if not escalate:
            title = f"Overdue {service} advice: {count}"
            body = (
                "Dear colleague,\n\n"
                f"We asked {who} for {service} advice for the education, health and care (EHC) "
                f"needs assessments of the {count} below. {duty} We have not yet received it."
                f"\n\n{listing}\n\n"
                "Please send the advice as soon as you can, or let us know by return when each "
                "will arrive. If one of the exceptions in regulation 8(2) applies to a child, "
                "please tell us so that we can record it and let the family know. Waiting lists "
                "and staff shortages are not exceptions."
            )
            return title, body
        manager = _manager(row, provider)
        dear = provider.manager_name if provider and provider.manager_name else "colleague"
        title = f"Escalation: late {service} advice from {row.name}"
        body = (
            f"Dear {dear},\n\n"
            f"I am writing to you, as the {manager}, about {service} advice from {who} that "
            f"is overdue for the {count} below. {duty} Each of these has passed that limit"
            f"{_chased_words(overdue)}."
            f"\n\n{listing}\n\n"
            "Every week of delay delays the plan these children and their families are "
            "waiting for, which the council must issue within 20 weeks of the request. Please "
            "make sure that the advice is sent, and tell us by return when each will arrive "
            "and what is being done about the delay."
        )
        return title, body

    def _render(self, letter: tuple[str, str], suffix: str, to: tuple[str, ...]) -> bytes:
        """The letter as PDF or Word, or the e-mail as .eml."""
        from caseload_app.services.settings import TeamSettingsService

        title, body = letter
        council = TeamSettingsService(self._db).council()
        if suffix == ".eml":
            return self._email(title, body, to, council.name)
        data = LetterData(
            council_name=council.name, council_address=tuple(_lines(council.address)),
            letter_date=self._today(), recipient=to, child_name="", date_of_birth=None,
            reference="SEND/advice", title=title, body=body, caseworker=self._me(),
        )  # fmt: skip
        imprint = Imprint(printed_by=self.user, printed_at=self._now(), council=council.name)
        if suffix == ".docx":
            from caseload_app.reports.letter_docx import build_letter_docx

            return build_letter_docx(data, imprint)
        from caseload_app.reports.letter import build_letter

        return build_letter(data, imprint)

    def _email(self, title: str, body: str, to: tuple[str, ...], council: str) -> bytes:
        from caseload_app.services.mail_settings import MailSettingsService

        settings = MailSettingsService(self._db, self.user, now=self._now).mail()
        if not settings.from_address:
            raise UserError(
                "E-mail is not set up for this team (no address to send from): chase by "
                "letter, or ask an administrator to set it up in Settings → E-mail."
            )
        subject = em.marked(title) if settings.official_sensitive else title
        signed = f"{body}\n\nYours sincerely\n\n{self._me()}\nSEND Team\n{council}\n"
        built = em.build(
            sender=(settings.from_name, settings.from_address), to=(to[0], to[-1]),
            subject=subject, body=signed, attachments=(), now=self._now(),
        )  # fmt: skip
        return em.UNSENT + built.data

    def _me(self) -> str:
        from caseload_app.db.models import AppUser

        with self._db.read() as s:
            return s.scalar(select(AppUser.name).where(AppUser.login == self.user)) or self.user


# --------------------------------------------------------------------------- reading
def _info(p: AdviceProvider) -> ProviderInfo:
    return ProviderInfo(
        p.id, p.version, p.service, codes.label_for(codes.advice_types(), p.service), p.name,
        p.email, p.address, p.manager_name, p.manager_role, p.manager_email, p.active,
    )  # fmt: skip


def _waiting(s: Session, today: date) -> list[tuple[str, int | None, WaitingCase]]:
    """Every request not yet arrived on an open case, with its child and caseworker: one
    query."""
    query = (
        select(
            AdviceRequest.id,
            AdviceRequest.case_id,
            AdviceRequest.advice_type,
            AdviceRequest.provider_id,
            AdviceRequest.requested,
            AdviceRequest.received_by_adviser,
            AdviceRequest.due,
            AdviceRequest.chases,
            AdviceRequest.last_chased,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Caseworker.name,
            EhcpCase.exception_limits,
        )  # fmt: skip
        .join(EhcpCase, EhcpCase.id == AdviceRequest.case_id)
        .join(Child, Child.id == EhcpCase.child_id)
        .outerjoin(Caseworker, Caseworker.id == EhcpCase.caseworker_id)
        .where(AdviceRequest.received.is_(None), EhcpCase.is_open)
    )
    out = []
    for r in s.execute(query):
        waiting = WaitingCase(
            r[0], r[1], f"{r[9]} {r[10]}", r[11], r[12] or "—", r[4], r[5], r[6],
            max(0, (today - r[6]).days), r[7], r[8],
            exceptions.ADVICE in exceptions.parse_limits(r[13]),
        )  # fmt: skip
        out.append((r[2], r[3], waiting))
    return out


def _arrivals(s: Session, since: date) -> list[tuple[str, int | None, Arrival]]:
    """The advice that arrived since `since` (the board's last twelve months): one query."""
    rows = s.execute(
        select(
            AdviceRequest.advice_type, AdviceRequest.provider_id, AdviceRequest.received,
            AdviceRequest.received_by_adviser,
        ).where(AdviceRequest.received > since)
    )  # fmt: skip
    return [
        (kind, who, Arrival(got, (got - reached).days))
        for kind, who, got, reached in rows
        if got is not None  # (the query's own condition: for the type checker)
    ]


def _key(service: str, provider_id: int | None) -> str:
    return f"provider:{provider_id}" if provider_id is not None else f"service:{service}"


def _rows(providers, waiting, arrivals, today: date) -> list[ProviderRow]:
    by_key: dict[str, list[WaitingCase]] = defaultdict(list)
    came: dict[str, list[Arrival]] = defaultdict(list)
    services: dict[str, str] = {}
    for kind, provider, item in waiting:
        key = _key(kind, provider)
        by_key[key].append(item)
        services[key] = kind
    for kind, provider, arrival in arrivals:
        key = _key(kind, provider)
        came[key].append(arrival)
        services[key] = kind
    for p in providers.values():
        services[_key(p.service, p.id)] = p.service
    rows = []
    for key, service in services.items():
        provider = providers.get(int(key.split(":")[1])) if key.startswith("provider:") else None
        label = codes.label_for(codes.advice_types(), service)
        if provider is not None and not provider.active and not by_key[key] and not came[key]:
            continue  # retired and with nothing to show
        items = sorted(by_key[key], key=lambda w: (-w.days_overdue, w.due, w.advice_id))
        figures = arrival_figures(came[key], today)
        rows.append(
            ProviderRow(
                key,
                provider.id if provider else None,
                service,
                label,
                provider.name if provider else f"{label} {NO_TEAM}",
                provider.email if provider else None,
                provider.active if provider else True,
                len(items),
                sum(w.overdue for w in items),
                figures.last_6_months,
                figures.last_12_months,
                figures.trend,
                tuple(items),
            )  # fmt: skip
        )
    rows.sort(key=lambda r: (-r.overdue, -r.outstanding, r.service_label, r.name))
    return rows


def _manager(row: ProviderRow, provider: ProviderInfo | None) -> str:
    """How the escalation names the manager's role: as recorded, else the usual officer."""
    if provider is not None and provider.manager_role:
        return provider.manager_role
    return DEFAULT_MANAGERS.get(row.service, f"the manager of the {row.service_label} service")


def _to(row: ProviderRow, provider: ProviderInfo | None, escalate: bool, kind: str):
    """The recipient's lines: name first, then the address (or, for an e-mail, the address
    last)."""
    address = _lines(provider.address) if provider else []
    if escalate:
        role = _manager(row, provider)
        name = provider.manager_name if provider and provider.manager_name else role
        lines = (name, role) if name != role else (name,)
        email = provider.manager_email if provider else None
        team = (row.name,) if provider else ()
        if kind == "email" and not email:
            raise UserError(
                f"No e-mail address is recorded for the manager of {row.name}: add it to "
                "the provider's details (Advice providers → Providers…), or escalate by letter."
            )
        return (*lines, email) if kind == "email" else (*lines, *team, *address)
    if kind == "email":
        if provider is None or not provider.email:
            raise UserError(
                f"{row.name} has no e-mail address on record: add it to the provider's details "
                "(Advice providers → Providers…), or chase by letter (.pdf or .docx)."
            )
        return (row.name, provider.email)
    return (row.name, *address) if provider else (f"The {row.service_label} service",)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _chased_words(overdue) -> str:
    """What the escalation may truly say of the chasing so far."""
    chased = [w for w in overdue if w.chases > 0]
    if not chased:
        return ", and this is the first time we have written about it"
    if len(chased) == len(overdue):
        return ", and we have chased each of them"
    return f"; we have chased {how_many(len(chased), 'of them', 'of them')} already"
