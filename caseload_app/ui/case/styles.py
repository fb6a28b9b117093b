"""What the case tabs share: the banners' words and styles, and phase-transfer labels."""

from caseload_app.domain.exceptions import LIMITS

EXCEPTION_BANNER = "‖ Exception applies — deadlines keep their dates"


def exception_banner(limits: frozenset[str]) -> str:
    """The banner naming the time limits the case's exceptions cover (the others keep
    their colours)."""
    names = ", ".join(limit.label for limit in LIMITS if limit.key in limits)
    return f"{EXCEPTION_BANNER}. Covered: {names}" if names else EXCEPTION_BANNER


BANNER_STYLE = "background: #e3e3e3; color: #1a1a1a; border: 1px solid #9a9a9a; padding: 6px;"
CONFLICT_STYLE = "background: #fbe6b8; color: #1a1a1a; border: 1px solid #c08a00; padding: 6px;"
PHASE_KIND_LABELS = {
    "school-phase": "Between school phases (amend before 15 February)",
    "secondary-post16": "Secondary school to post-16 (amend before 31 March)",
    "none": "No phase transfer (stays in own school's sixth form)",
}
