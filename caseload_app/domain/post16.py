"""A young person's move from one post-16 institution to another (SEND Regs 2014 reg 18(2)).

Reg 18(2): "Where it is proposed that a young person transfers from one post-16 institution to
another post-16 institution at any other time, the local authority must review and amend,
where necessary, the young person's EHC plan at least five months before that transfer takes
place so that it names the post-16 institution that the young person will attend following
the transfer." Reg 18(1) covers only transfers between phases of education, and the one
post-16 phase transfer is from a *secondary school* to a post-16 institution (reg 2(1)(f)), so
every move between two post-16 institutions falls under 18(2), whenever in the year it is.

A post-16 institution provides education or training for those over compulsory school age and
is not a school (CFA 2014 s83(2)): a further education or sixth-form college, say; a school's
sixth form is not one. The rule is for a "young person", so the move is refused while the
child is still of compulsory school age: until the end of the school leaving date (the last
Friday in June) of the school year in which they turn 16 (Education Act 1996 s8(3)).

The last lawful day is the move date less five months (deadlines.post16_transfer_due): counted
back from the move, and clamped to the month's end where the day does not exist, so a move on
31 July needs the amended plan by 28 February (29 February in a leap year).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from caseload_app.domain import deadlines
from caseload_app.domain.status import Deadline, Rag, rag_for

__all__ = [
    "AMEND_KEY",
    "AMEND_LABEL",
    "REG",
    "amend_step",
    "amended_problem",
    "move_problem",
    "school_leaving_date",
    "young_person_from",
]

REG = "Reg 18(2)"
AMEND_KEY = "post16_amend"
AMEND_LABEL = "Amend the plan for the post-16 move"
_FRIDAY = 4


def school_leaving_date(year: int) -> date:
    """The last Friday in June of ``year`` (the school leaving date, Education Act 1996 s8(4))."""
    last = date(year, 6, calendar.monthrange(year, 6)[1])
    return last - timedelta(days=(last.weekday() - _FRIDAY) % 7)


def young_person_from(date_of_birth: date) -> date:
    """The first day a child born on ``date_of_birth`` is over compulsory school age: the day
    after the school leaving date of the school year in which they turn 16 (s8(3)).

    Born January to August: they turn 16 before the next school year begins, so that June of
    the year they turn 16 (s8(3)(a)-(c)). Born September to December: the June after. The
    school year is taken to begin on 1 September, as the year groups are (domain.phases).
    """
    year = date_of_birth.year + 16 + (1 if date_of_birth.month >= 9 else 0)
    return school_leaving_date(year) + timedelta(days=1)


def move_problem(move: date, case_began: date, date_of_birth: date) -> str | None:
    """Why a post-16 move on ``move`` cannot be recorded on this case; None if it can."""
    day = deadlines.format_date
    if move < case_began:
        return f"The move on {day(move)} is before the case began ({day(case_began)})."
    adult = young_person_from(date_of_birth)
    if move < adult:
        return (
            f"On {day(move)} they are still of compulsory school age (until the school leaving "
            f"date, {day(adult - timedelta(days=1))}; Education Act 1996 s8): {REG} is for a "
            "young person moving between post-16 institutions. A move from school to college "
            "is a phase transfer: record it under Phase transfer (Reg 18(1))."
        )
    return None


def amended_problem(amended: date, case_began: date, today: date) -> str | None:
    """Why the plan cannot be recorded as amended on ``amended``; None if it can."""
    day = deadlines.format_date
    if amended > today:
        return f"{day(amended)} is in the future: record the day the plan was amended."
    if amended < case_began:
        return f"The plan cannot be amended before the case began ({day(case_began)})."
    return None


def amend_step(move: date, amended: date | None, today: date, *, is_open: bool = True) -> Deadline:
    """Amending the plan for the move as a deadline: done on the day it was amended (met if by
    the last lawful day); missed once that day passed without it; RAG only while open."""
    due = deadlines.post16_transfer_due(move)
    if amended is not None:
        return Deadline(AMEND_KEY, AMEND_LABEL, due, REG, amended, amended <= due, Rag.NONE)
    missed = False if today > due else None
    return Deadline(
        AMEND_KEY, AMEND_LABEL, due, REG, None, missed, rag_for(due, today) if is_open else Rag.NONE
    )
