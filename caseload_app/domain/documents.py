"""The kinds of document a case file holds, and the rules for a document's details.

A document's kind says what it is to the case (advice, a letter, a plan version…); what the
file itself is (PDF, Word, an e-mail) is found from its content when it is added.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_MB", "KINDS", "kind_label"]

KINDS: dict[str, str] = {
    "advice_ep": "Advice: educational psychology",
    "advice_health": "Advice: health",
    "advice_social_care": "Advice: social care",
    "advice_school": "Advice: school or college",
    "advice_parent": "Advice: parent or young person",
    "plan_version": "Plan version",
    "letter_sent": "Letter sent",
    "letter_received": "Letter received",
    "consultation_response": "Consultation response",
    "email": "E-mail",
    "attachment": "E-mail attachment",
    "report": "Report",
    "other": "Other",
}
# The largest file caseload takes by default (a council may set another in Settings): a
# scanned report of a few hundred pages fits; a video does not belong on a case file.
DEFAULT_MAX_MB = 100


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)
