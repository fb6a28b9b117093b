"""The case window: one child's EHCP case in eight tabs, a module per tab (view.py builds
them; styles.py holds what they share)."""

from caseload_app.ui.case.styles import EXCEPTION_BANNER
from caseload_app.ui.case.view import CaseView

__all__ = ["EXCEPTION_BANNER", "CaseView"]
