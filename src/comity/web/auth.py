"""Sessions, API tokens and the log-in rate limit, as keyword-only services.

Nothing here knows about HTTP: the views hand in the user name, password and
client address, and get back users, session secrets or refusals.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.users.models import User
from comity.users.service import authenticate, get_user, require
from comity.web.models import ApiToken, LoginFailure, WebSession

__all__ = [
    "FAILURE_LIMIT",
    "FAILURE_WINDOW",
    "SESSION_IDLE",
    "SESSION_MAX",
    "IssuedToken",
    "LoggedIn",
    "TooManyAttempts",
    "create_token",
    "end_session",
    "list_tokens",
    "log_in",
    "revoke_token",
    "session_user",
    "token_user",
    "touch_session",
]

# Five wrong passwords in fifteen minutes, per user name and per client address (OWASP ASVS 2.2.1).
FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=15)
# An analyst works all day: a session lives at most 12 hours and dies after 2 idle hours.
SESSION_MAX = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
# last_seen is written at most this often, so that reading pages does not write on every request.
_TOUCH_EVERY = timedelta(minutes=1)


class TooManyAttempts(Refused):
    """Too many failed log-ins for this user or address: HTTP 429."""


@dataclass(frozen=True)
class LoggedIn:
    user: User
    session_id: str  # the secret for the cookie; only its hash is stored
    csrf_token: str


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _failures(session: Session, key: str, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key == key, LoginFailure.at > now - FAILURE_WINDOW)
        )
        or 0
    )


def log_in(
    *, session: Session, name: str, password: str, client: str, replaces: str | None = None
) -> LoggedIn | None:
    """Check the password and open a new session (a fresh id: no session fixation).

    Returns None for a wrong name or password: the failure rows must be
    committed, so this is not an exception (which would roll them back).

    `replaces` is the session id the browser presented before logging in; it is
    deleted so an id planted by an attacker never becomes authenticated.
    """
    now = utcnow()
    keys = (f"user:{name[:100]}", f"ip:{client[:100]}")
    # Refuse before checking the password, so a locked-out guesser learns nothing.
    if any(_failures(session, key, now) >= FAILURE_LIMIT for key in keys):
        raise TooManyAttempts("too many failed log-ins; wait 15 minutes and try again")
    if replaces:
        session.execute(delete(WebSession).where(WebSession.id_sha256 == _sha(replaces)))
    user = authenticate(session=session, name=name, password=password)
    if user is None:
        session.add_all([LoginFailure(key=key, at=now) for key in keys])
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURE_WINDOW))
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session_id = secrets.token_urlsafe(32)  # 256 bits
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_sha256=_sha(session_id),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_MAX,
        )
    )
    audit.record(
        session=session,
        actor=user.name,
        action="user.login",
        object_type="user",
        object_id=user.id,
        state={"user": user.name},
        data={"client": client},
    )
    return LoggedIn(user=user, session_id=session_id, csrf_token=csrf)


def session_user(*, session: Session, session_id: str) -> tuple[User, str, bool] | None:
    """(user, CSRF token, stale) for a live session, or None (unknown, expired, idle, inactive).

    Read-only, so that page views never take SQLite's write lock; `stale` says
    the caller should `touch_session` (at most once a minute per session).
    """
    row = session.get(WebSession, _sha(session_id))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row.csrf_token, now - row.last_seen_at > _TOUCH_EVERY


def touch_session(*, session: Session, session_id: str) -> None:
    """Record activity, which keeps the session from idling out."""
    row = session.get(WebSession, _sha(session_id))
    if row is not None:
        row.last_seen_at = utcnow()


def end_session(*, session: Session, session_id: str) -> None:
    """Log out: the session row is deleted, so the id is worthless afterwards."""
    row = session.get(WebSession, _sha(session_id))
    if row is not None:
        session.delete(row)


class IssuedToken(NamedTuple):
    id: int  # for `comity token revoke ID`
    token: str  # shown once: only its SHA-256 is kept


def create_token(*, session: Session, user: str, name: str, actor: str | None) -> IssuedToken:
    """A new API token for `user`, returned once; only its SHA-256 is kept."""
    acting = require(session=session, actor=actor, action="users").name
    owner = get_user(session=session, name=user)
    token = "comity_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=owner.id, name=name, token_sha256=_sha(token), created_by=acting)
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=acting,
        action="token.create",
        object_type="api_token",
        object_id=row.id,
        state={"user": owner.name, "name": name},
        data={"user": owner.name, "name": name},
    )
    return IssuedToken(row.id, token)


def list_tokens(*, session: Session, actor: str | None) -> list[dict[str, Any]]:
    """Every API token's metadata (never the token itself: only its hash is stored)."""
    require(session=session, actor=actor, action="users")
    rows = session.execute(
        select(ApiToken, User.name).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    )
    return [
        {
            "id": token.id,
            "user": owner,
            "name": token.name,
            "created_at": token.created_at,
            "created_by": token.created_by,
            "revoked_at": token.revoked_at,
        }
        for token, owner in rows
    ]


def revoke_token(*, session: Session, token_id: int, actor: str | None, reason: str) -> ApiToken:
    """Revoke a token: every later request with it gets 401. Revoking twice is refused."""
    acting = require(session=session, actor=actor, action="users").name
    if not reason.strip():
        raise BadInput("reason: say why the token is revoked (kept in the audit chain)")
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"API token {token_id} does not exist")
    if row.revoked_at is not None:
        raise Refused(
            f"API token {token_id} was already revoked at {row.revoked_at:%Y-%m-%d %H:%M}"
        )
    row.revoked_at = utcnow()
    audit.record(
        session=session,
        actor=acting,
        action="token.revoke",
        object_type="api_token",
        object_id=row.id,
        state={"name": row.name, "revoked_at": row.revoked_at.isoformat()},
        data={"reason": reason.strip()},
    )
    return row


def token_user(*, session: Session, token: str) -> User:
    """The active user a bearer token acts for; refused for unknown, revoked or inactive."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _sha(token)))
    if row is None or row.revoked_at is not None:
        raise NotFound("unknown or revoked API token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotFound("the token's user is inactive")
    return user
