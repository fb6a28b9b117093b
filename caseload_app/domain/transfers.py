"""A plan moving between councils with its child or young person (SEND Regs 2014 reg 15).

- Reg 15(2): the old council sends ("transfers") the plan to the new one on the day of the
  move or, where it did not become aware of the move at least 15 working days before it,
  within 15 working days beginning with the day it did (``deadlines.transfer_out_due``).
- Reg 15(3)(a): from the transfer the plan is treated as made by the new council on the day
  the old one made it, and the new council must maintain it.
- Reg 15(4): within 6 weeks of the transfer the new council tells the family that the plan
  has been transferred, whether it proposes to make an EHC needs assessment, and when it
  proposes to review the plan.
- Reg 15(5): it reviews the plan by the later of 12 months from the plan being made or last
  reviewed and 3 months from the transfer (``deadlines.transfer_in_review_due``).

Here are the checks on what a caseworker records; the dates live in domain.deadlines.
"""

from __future__ import annotations

from datetime import date

from caseload_app.domain import codes
from caseload_app.domain.deadlines import format_date

__all__ = ["check_transfer_in", "check_transfer_out", "la_name", "parse_la_code"]


def parse_la_code(text: str | int | None) -> int:
    """A current council's 3-digit DfE LA number (resources/codes/la_codes.csv); ValueError
    with a message a caseworker can act on otherwise."""
    typed = str(text if text is not None else "").strip()
    if not typed:
        raise ValueError("Enter the other council's 3-digit LA number (for example 202).")
    if not (typed.isascii() and typed.isdigit() and len(typed) == 3):
        raise ValueError(f"'{typed}' is not a 3-digit LA number (for example 202).")
    known = {la.code: la for la in codes.local_authorities()}
    council = known.get(int(typed))
    if council is None:
        raise ValueError(f"{typed} is not an LA number on the DfE list.")
    if not council.current:
        raise ValueError(f"{typed} ({council.name}) is a retired LA number: use the current one.")
    return council.code


def la_name(code: int | None) -> str | None:
    """'202 Camden' for a stored LA number; the number alone if the list no longer has it."""
    if code is None:
        return None
    name = codes.la_codes().get(code)
    return f"{code:03d} {name}" if name else f"{code:03d}"


def _not_future(errors: dict[str, str], field: str, on: date | None, what: str, today: date):
    if on is not None and on > today and field not in errors:
        errors[field] = f"{what} ({format_date(on)}) cannot be in the future."


def check_transfer_in(
    transferred: date | None,
    last_review: date | None,
    family_told: date | None,
    today: date,
) -> dict[str, str]:
    """What is wrong with a transfer in as typed, by field (empty: nothing)."""
    errors: dict[str, str] = {}
    if transferred is None:
        errors["transferred_in"] = "Enter the day the plan was transferred to this council."
    if last_review is None:
        errors["transfer_last_review"] = (
            "Enter the plan's last review under the old council, or the day it was made "
            "if it was never reviewed (Reg 15(5))."
        )
    _not_future(errors, "transferred_in", transferred, "The transfer", today)
    _not_future(errors, "transfer_last_review", last_review, "The last review", today)
    _not_future(errors, "transfer_family_told", family_told, "The day the family was told", today)
    if transferred is not None and last_review is not None and last_review > transferred:
        errors.setdefault(
            "transfer_last_review",
            f"The old council's last review ({format_date(last_review)}) is after the "
            f"transfer ({format_date(transferred)}): a review since is this council's own.",
        )
    if transferred is not None and family_told is not None and family_told < transferred:
        errors.setdefault(
            "transfer_family_told",
            f"The family cannot be told of the transfer ({format_date(transferred)}) "
            f"before it happened ({format_date(family_told)}).",
        )
    return errors


def check_transfer_out(
    moved: date | None,
    aware: date | None,
    sent: date | None,
    today: date,
) -> dict[str, str]:
    """What is wrong with a move out of the area as typed, by field (empty: nothing). The move
    may be ahead (a family often says so in advance); what was done may not."""
    errors: dict[str, str] = {}
    if moved is None:
        errors["moved_out"] = "Enter the day the child or young person moves (or moved)."
    if aware is None:
        errors["move_aware"] = "Enter the day this council became aware of the move."
    _not_future(errors, "move_aware", aware, "The day the council became aware", today)
    _not_future(errors, "plan_sent", sent, "The day the plan was sent", today)
    if aware is not None and sent is not None and sent < aware:
        errors.setdefault(
            "plan_sent",
            f"The plan cannot be sent ({format_date(sent)}) before the council knew of the "
            f"move ({format_date(aware)}).",
        )
    return errors
