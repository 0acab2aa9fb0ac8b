"""A user's life after `user add`: end their sessions, reset their password, deactivate them.

Each is an admin's act, audited with a reason where one is asked for. Ending
sessions logs the user out of every browser; deactivating also revokes every
API token, so that nothing the user held keeps working (and a later
reactivation would not revive old tokens).
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.errors import BadInput, Refused
from comity.users.models import User
from comity.users.service import get_user, require, set_password, user_state
from comity.web.models import WebSession
from comity.web.tokens import revoke_tokens_of

__all__ = ["deactivate_user", "end_sessions", "reset_password"]


def _reason(reason: str) -> str:
    if not reason.strip():
        raise BadInput("reason: say why (kept in the audit chain)", field="reason")
    return reason.strip()


def _target(session: Session, *, name: str, actor: str | None) -> tuple[User, str]:
    acting = require(session=session, actor=actor, action="users").name
    return get_user(session=session, name=name), acting


def _drop_sessions(session: Session, user: User) -> int:
    result = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return int(cast(CursorResult[Any], result).rowcount)


def _record(session: Session, user: User, *, actor: str, action: str, data: dict[str, Any]) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.id,
        state=user_state(user),
        data=data,
    )


def end_sessions(*, session: Session, name: str, actor: str | None) -> int:
    """Log `name` out of every browser; returns how many sessions ended. Tokens stay."""
    user, acting = _target(session, name=name, actor=actor)
    ended = _drop_sessions(session, user)
    _record(session, user, actor=acting, action="user.end_sessions", data={"sessions": ended})
    return ended


def reset_password(
    *, session: Session, name: str, actor: str | None, password: str | None = None
) -> str:
    """A temporary password (given, or 20 random characters) that must be changed at log-in.

    The user's sessions end, so whoever held the old password is out too.
    """
    user, acting = _target(session, name=name, actor=actor)
    if acting == user.name:
        raise Refused("reset someone else's password; change your own at log-in")
    temporary = password or secrets.token_urlsafe(15)
    set_password(session=session, name=user.name, password=temporary, actor=acting)
    ended = _drop_sessions(session, user)
    _record(session, user, actor=acting, action="user.reset_password", data={"sessions": ended})
    return temporary


def deactivate_user(*, session: Session, name: str, actor: str | None, reason: str) -> list[int]:
    """Deactivate `name`: no log-in, no session, no token from now on. Returns revoked tokens."""
    why = _reason(reason)
    user, acting = _target(session, name=name, actor=actor)
    if acting == user.name:
        raise Refused("an admin cannot deactivate themselves; ask another admin")
    user.active = False
    ended = _drop_sessions(session, user)
    revoked = revoke_tokens_of(session=session, user=user, actor=acting, reason=why)
    data = {"reason": why, "sessions": ended, "tokens": revoked}
    _record(session, user, actor=acting, action="user.deactivate", data=data)
    return revoked
