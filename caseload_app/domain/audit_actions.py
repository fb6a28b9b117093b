"""The kinds of entry caseload writes to the audit trail. On a team database the server
accepts only these (db.pg_security's caseload_audit), so a home-made client cannot fill the
trail with entries of its own invention; the services check them too, so that a new kind is
added here, in one place, on both kinds of database."""

from __future__ import annotations

from caseload_app.domain.actions import ACTIONS

# Looking at children's data: anyone signed in records these, read-only people included.
READING = frozenset({"view", "open", "download", "print", "export", "search"})
# Changing something: people who may change records (or, for people, settings, templates
# and the trash, administrators). Stage actions are recorded under their own key; "send" is
# an e-mail handed to the mail server (services/mail.py).
CHANGING = frozenset(
    {"create", "update", "delete", "restore", "purge", "chase", "import", "backup", "send"}
) | frozenset(ACTIONS)
AUDIT_ACTIONS = READING | CHANGING


def check_action(action: str) -> str:
    """The action, if caseload writes entries of that kind (anything else is a bug)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(
            f"'{action}' is not a kind of audit entry caseload writes: add it to "
            "domain/audit_actions.py"
        )
    return action
