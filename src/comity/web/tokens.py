"""API tokens: minted by their own user only, scoped, expiring, stored as SHA-256.

A token acts for the user who made it and nobody else: an admin who could mint
a token for a colleague could act as that colleague, and the audit chain would
believe it. Each token carries scopes (`comity.users.roles.SCOPES`) and an
expiry; the API checks both on every call (`comity.web.deps.need`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.users.models import User
from comity.users.proof import within_proof
from comity.users.roles import SCOPES, allowed, scopes_for
from comity.users.service import require
from comity.web.models import ApiToken

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "IssuedToken",
    "TokenHolder",
    "create_token",
    "list_tokens",
    "revoke_token",
    "revoke_tokens_of",
    "token_holder",
]

DEFAULT_DAYS = 90
MAX_DAYS = 365


class IssuedToken(NamedTuple):
    id: int  # for `comity token revoke ID`
    token: str  # shown once: only its SHA-256 is kept


class TokenHolder(NamedTuple):
    user: User
    scopes: frozenset[str]


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scopes(role: str, wanted: list[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(wanted or ["read"]))
    for scope in chosen:
        if scope not in SCOPES:
            raise BadInput(f"scope {scope!r}: valid scopes are {', '.join(SCOPES)}", field="scope")
    usable = scopes_for(role)
    beyond = [s for s in chosen if s not in usable]
    if beyond:
        raise Refused(
            f"role {role} cannot use scope {', '.join(beyond)}; usable: {', '.join(usable)}"
        )
    return [s for s in SCOPES if s in chosen]


def create_token(
    *,
    session: Session,
    actor: str | None,
    name: str,
    scopes: list[str] | None = None,
    days: int = DEFAULT_DAYS,
    user: str | None = None,
) -> IssuedToken:
    """A new token for the acting user, returned once. `user`, if given, must be the actor."""
    owner = require(session=session, actor=actor, action="read")
    if user is not None and user != owner.name:
        raise Refused(
            f"a token belongs to its user: {owner.name} may mint tokens only for "
            f"{owner.name}; {user} must run `comity token create --by {user}`"
        )
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"--days {days}: between 1 and {MAX_DAYS}", field="days")
    chosen = _scopes(owner.role, scopes)
    within_proof(owner.name, chosen)  # a token given on the command line mints no wider one
    token = "comity_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=owner.id,
        name=name,
        token_sha256=_sha(token),
        created_by=owner.name,
        scopes=" ".join(chosen),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=owner.name,
        action="token.create",
        object_type="api_token",
        object_id=row.id,
        state={"user": owner.name, "name": name},
        data={
            "user": owner.name,
            "name": name,
            "scopes": chosen,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return IssuedToken(row.id, token)


def list_tokens(*, session: Session, actor: str | None) -> list[dict[str, Any]]:
    """Tokens' metadata (never the token: only its hash is kept); an admin sees everyone's."""
    acting = require(session=session, actor=actor, action="read")
    query = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
    if not allowed(acting.role, "users"):
        query = query.where(ApiToken.user_id == acting.id)
    return [
        {
            "id": token.id,
            "user": owner,
            "name": token.name,
            "scopes": token.scopes.split(),
            "created_at": token.created_at,
            "created_by": token.created_by,
            "expires_at": token.expires_at,
            "revoked_at": token.revoked_at,
        }
        for token, owner in session.execute(query.order_by(ApiToken.id))
    ]


def revoke_token(*, session: Session, token_id: int, actor: str | None, reason: str) -> ApiToken:
    """Revoke a token (its user, or an admin): later requests get 401. Twice is refused."""
    acting = require(session=session, actor=actor, action="read")
    if not reason.strip():
        raise BadInput("reason: say why the token is revoked (kept in the audit chain)")
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != acting.id and not allowed(acting.role, "users")):
        raise NotFound(f"API token {token_id} does not exist")
    if row.revoked_at is not None:
        raise Refused(
            f"API token {token_id} was already revoked at {row.revoked_at:%Y-%m-%d %H:%M}"
        )
    row.revoked_at = utcnow()
    audit.record(
        session=session,
        actor=acting.name,
        action="token.revoke",
        object_type="api_token",
        object_id=row.id,
        state={"name": row.name, "revoked_at": row.revoked_at.isoformat()},
        data={"reason": reason.strip()},
    )
    return row


def revoke_tokens_of(*, session: Session, user: User, actor: str, reason: str) -> list[int]:
    """Revoke every live token of `user` (deactivation); one audit event per token."""
    now = utcnow()
    rows = list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )
    for row in rows:
        row.revoked_at = now
        audit.record(
            session=session,
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=row.id,
            state={"name": row.name, "revoked_at": now.isoformat()},
            data={"reason": reason},
        )
    ids = [row.id for row in rows]
    return ids


def token_holder(*, session: Session, token: str, now: datetime | None = None) -> TokenHolder:
    """The active user a bearer token acts for, with its scopes; refused otherwise."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _sha(token)))
    if row is None or row.revoked_at is not None:
        raise NotFound("unknown or revoked API token")
    if row.expires_at <= (now or utcnow()):
        raise NotFound(f"API token expired on {row.expires_at:%Y-%m-%d %H:%M} UTC")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotFound("the token's user is inactive")
    return TokenHolder(user, frozenset(row.scopes.split()))
