"""Roles (DESIGN.md "Who uses it") and what each may do.

Permissions are checked in the service layer, so the command line, the web
pages, the API and the jobs enforce the same rules.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PERMISSIONS", "SCOPES", "SCOPE_OF", "Role", "allowed", "scopes_for"]


class Role(StrEnum):
    ANALYST = "analyst"
    LEGAL_REVIEWER = "legal_reviewer"
    LIAISON = "liaison"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


# action -> roles allowed. The auditor reads everything and changes nothing.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "intake": frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}),
    "capture": frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}),
    "attribute": frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}),
    "assess": frozenset({Role.ANALYST, Role.LEGAL_REVIEWER, Role.SUPERVISOR, Role.ADMIN}),
    "propose": frozenset({Role.ANALYST, Role.SUPERVISOR}),
    "review": frozenset({Role.LEGAL_REVIEWER, Role.SUPERVISOR}),
    "override": frozenset({Role.SUPERVISOR}),
    "case": frozenset({Role.ANALYST, Role.SUPERVISOR}),
    # Anyone who works items may raise (or lower) an item's priority: a threat
    # to life must never wait for the one role that could escalate it.
    "prioritise": frozenset({Role.ANALYST, Role.LEGAL_REVIEWER, Role.LIAISON, Role.SUPERVISOR}),
    "withdraw": frozenset({Role.ANALYST, Role.SUPERVISOR}),
    "dossier": frozenset({Role.LIAISON, Role.SUPERVISOR}),
    "track": frozenset({Role.LIAISON, Role.SUPERVISOR}),
    "monitor": frozenset({Role.ANALYST, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN}),
    "users": frozenset({Role.ADMIN}),
    "settings": frozenset({Role.ADMIN}),
    # Legal holds and retention runs delete what is due (issue 18).
    "retention": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    # Deconfliction holds (issue 17): liaison receives other agencies' requests;
    # a second liaison or a supervisor approves (four eyes, in the service).
    "deconflict": frozenset({Role.LIAISON, Role.SUPERVISOR}),
    # Who asked for a hold (agency, contact): need-to-know. Knowing that an agency
    # watches some content tells of an investigation; a leak could end it. Those
    # who deal with the agencies (liaison), decide overrides (supervisor) and
    # oversee (auditor) see it; analysts and reviewers see that a hold exists,
    # its date and basis, which is all their work needs; admins run the system.
    "deconflict_identity": frozenset({Role.LIAISON, Role.SUPERVISOR, Role.AUDITOR}),
    "read": frozenset(Role),
    "audit": frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN}),
}


# API token (and CLI credential) scopes: a token does an action only if its scopes
# hold the action's scope *and* its user's role holds the action.
SCOPES = ("read", "intake", "review", "dispatch", "admin")
SCOPE_OF: dict[str, str] = {
    "read": "read",
    "audit": "read",
    "intake": "intake",
    "capture": "intake",
    "attribute": "intake",
    "assess": "intake",
    "propose": "intake",
    "case": "intake",
    "prioritise": "intake",
    "withdraw": "intake",
    "monitor": "intake",
    "review": "review",
    "override": "review",
    "dossier": "dispatch",
    "track": "dispatch",
    "users": "admin",
    "settings": "admin",
    "retention": "admin",
    "deconflict": "dispatch",
    "deconflict_identity": "read",
}


def scopes_for(role: str) -> tuple[str, ...]:
    """The scopes a role can use at all (a token asking for more is refused)."""
    used = {SCOPE_OF[action] for action in PERMISSIONS if allowed(role, action)}
    return tuple(scope for scope in SCOPES if scope in used)


def allowed(role: str, action: str) -> bool:
    roles = PERMISSIONS.get(action)
    return roles is not None and role in roles
