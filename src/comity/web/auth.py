"""Sessions and the log-in throttle, as keyword-only services (API tokens: comity.web.tokens).

Nothing here knows about HTTP: the views hand in the user name, password and
client address, and get back users, session secrets or refusals.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.users.models import User
from comity.users.service import authenticate, set_password
from comity.web.models import LoginFailure, WebSession

__all__ = [
    "ACCOUNT_CAP",
    "ADDRESS_CAP",
    "FAILURE_WINDOW",
    "FREE_FAILURES",
    "SESSION_IDLE",
    "SESSION_MAX",
    "LoggedIn",
    "PasswordChangeNeeded",
    "TooManyAttempts",
    "end_session",
    "log_in",
    "record_failure",
    "session_user",
    "throttle_wait",
    "touch_session",
]

# Growing delays, not a lock (NIST SP 800-63B 5.2.2): a lock that five wrong
# passwords trigger lets anyone lock anyone out. After FREE_FAILURES failures
# for a user name or a client address, each attempt must wait 2^(n - 3)
# seconds after the last failure: 1, 2, 4, 8 ... capped. The cap per user name
# is short, because the real user shares it with the guesser; the cap per
# address is long, because only the guesser's own address pays it.
FREE_FAILURES = 3
ACCOUNT_CAP = timedelta(seconds=60)
ADDRESS_CAP = timedelta(minutes=15)
FAILURE_WINDOW = timedelta(hours=1)
# An analyst works all day: a session lives at most 12 hours and dies after 2 idle hours.
SESSION_MAX = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
# last_seen is written at most this often, so that reading pages does not write on every request.
_TOUCH_EVERY = timedelta(minutes=1)


class PasswordChangeNeeded(Refused):
    """The password is right but was set by an admin: the user must choose a new one."""


class TooManyAttempts(Refused):
    """Too many failed log-ins for this user or address: HTTP 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoggedIn:
    user: User
    session_id: str  # the secret for the cookie; only its hash is stored
    csrf_token: str


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _wait(session: Session, key: str, now: datetime, cap: timedelta) -> timedelta:
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.key == key, LoginFailure.at > now - FAILURE_WINDOW
        )
    ).one()
    if count < FREE_FAILURES or last is None:
        return timedelta(0)
    # The exponent is bounded so that a flood of failures cannot overflow timedelta.
    delay = min(timedelta(seconds=2 ** min(count - FREE_FAILURES, 30)), cap)
    return max(timedelta(0), last + delay - now)


def _keys(name: str, client: str) -> tuple[str, str]:
    return f"user:{name[:100]}", f"ip:{client[:100]}"


def throttle_wait(*, session: Session, name: str, client: str) -> int:
    """Whole seconds to wait before the next attempt for `name` from `client` (0: go ahead)."""
    now = utcnow()
    user_key, ip_key = _keys(name, client)
    wait = max(_wait(session, user_key, now, ACCOUNT_CAP), _wait(session, ip_key, now, ADDRESS_CAP))
    return math.ceil(wait.total_seconds())


def record_failure(*, session: Session, name: str, client: str) -> None:
    """Count one failed attempt against the user name and the address."""
    now = utcnow()
    session.add_all([LoginFailure(key=key, at=now) for key in _keys(name, client)])
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURE_WINDOW))


def log_in(
    *,
    session: Session,
    name: str,
    password: str,
    client: str,
    replaces: str | None = None,
    new_password: str | None = None,
) -> LoggedIn | None:
    """Check the password and open a new session (a fresh id: no session fixation).

    Returns None for a wrong name or password: the failure rows must be
    committed, so this is not an exception (which would roll them back).

    `replaces` is the session id the browser presented before logging in; it is
    deleted so an id planted by an attacker never becomes authenticated.
    After `comity user reset-password` the right password alone is not enough:
    `new_password` must replace it (PasswordChangeNeeded until it does).
    """
    # Refuse before checking the password, so a throttled guesser learns nothing;
    # a refused attempt is not counted, so waiting is never made longer.
    wait = throttle_wait(session=session, name=name, client=client)
    if wait:
        raise TooManyAttempts(wait)
    now = utcnow()
    if replaces:
        session.execute(delete(WebSession).where(WebSession.id_sha256 == _sha(replaces)))
    user = authenticate(session=session, name=name, password=password)
    if user is None:
        record_failure(session=session, name=name, client=client)
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.key == _keys(name, client)[0]))
    if user.must_change_password:
        if not new_password:
            raise PasswordChangeNeeded("your password was reset: choose a new one")
        if new_password == password:
            raise BadInput("new password: must differ from the temporary one", field="password")
        set_password(session=session, name=user.name, password=new_password, actor=user.name)
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
