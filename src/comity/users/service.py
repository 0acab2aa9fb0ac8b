"""User management and the check that an actor may do something."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.errors import BadInput, NotFound, Refused
from comity.users.models import User
from comity.users.passwords import check_password
from comity.users.proof import check_scope
from comity.users.roles import PERMISSIONS, Role, allowed
from comity.users.zones import canonical_zone

__all__ = [
    "SYSTEM",
    "add_user",
    "authenticate",
    "get_user",
    "list_users",
    "require",
    "set_password",
    "set_time_zone",
    "user_state",
]

SYSTEM = "system"
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
_hasher = PasswordHasher()


def user_state(user: User) -> dict[str, object]:
    return {"id": user.id, "name": user.name, "role": user.role, "active": user.active}


def get_user(*, session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None or not user.active:
        raise NotFound(
            f"user {name!r} does not exist (add it with: comity user add {name} --role ROLE)"
        )
    return user


def require(*, session: Session, actor: str | None, action: str) -> User:
    """The acting user, if they may do `action`; else a refusal that says who may."""
    if not actor:
        raise BadInput("who is acting? give --by USER or set COMITY_USER")
    user = get_user(session=session, name=actor)
    if not allowed(user.role, action):
        who = ", ".join(sorted(PERMISSIONS.get(action, ())))
        raise Refused(f"{actor} ({user.role}) may not {action}; allowed roles: {who}")
    check_scope(actor, action)
    return user


def add_user(
    *, session: Session, name: str, role: str, actor: str | None, password: str | None = None
) -> User:
    """Create a user. The first admin may be created by `system`; later ones need an admin."""
    if not _NAME.match(name):
        raise BadInput(
            f"user name {name!r}: use 2-64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    try:
        role = Role(role).value
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise BadInput(f"role {role!r}: valid roles are {valid}") from None
    admins = session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN))
    if admins:
        acting = require(session=session, actor=actor, action="users").name
    else:
        acting = actor or SYSTEM  # bootstrap: nobody can vouch yet
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise Refused(f"user {name!r} already exists")
    user = User(name=name, role=role)
    if password is not None:
        user.password_hash = _hash(password, user=name)
    session.add(user)
    session.flush()
    audit.record(
        session=session,
        actor=acting,
        action="user.add",
        object_type="user",
        object_id=user.id,
        state=user_state(user),
        data={"name": name, "role": role},
    )
    return user


def _hash(password: str, *, user: str) -> str:
    check_password(password, user=user)
    return _hasher.hash(password)


def set_password(*, session: Session, name: str, password: str, actor: str) -> None:
    """A new password for `name`: by the user (which ends a forced change) or by an admin."""
    user = get_user(session=session, name=name)
    if actor != name:
        require(session=session, actor=actor, action="users")
    user.password_hash = _hash(password, user=name)
    # A password someone else chose is known to them: the user must replace it.
    user.must_change_password = actor != name
    audit.record(
        session=session,
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.id,
        state=user_state(user),
    )


def set_time_zone(
    *, session: Session, name: str, time_zone: str | None, actor: str | None
) -> str | None:
    """The IANA zone `name` reads dates in (None: the installation's); returns what is stored.

    A user sets their own; an admin anyone's. The name is the tz database's own
    spelling ("asia/almaty" is stored as "Asia/Almaty"); anything else is refused
    naming the field, so a bad name never reaches a page.
    """
    # Who may, before whether `name` exists: a refusal tells nobody who the users are.
    acting = require(session=session, actor=actor, action="read" if actor == name else "users")
    user = get_user(session=session, name=name)
    zone = None
    if time_zone is not None:
        zone = canonical_zone(time_zone)
        if zone is None:
            shown = time_zone if len(time_zone) <= 64 else time_zone[:64] + "…"
            raise BadInput(
                f"time_zone: {shown!r} is not an IANA time zone (e.g. Asia/Almaty, "
                "Europe/Berlin, UTC); leave it unset for the installation's zone",
                field="time_zone",
            )
    if zone != user.time_zone:
        was, user.time_zone = user.time_zone, zone
        audit.record(
            session=session,
            actor=acting.name,
            action="user.time_zone",
            object_type="user",
            object_id=user.id,
            state=user_state(user) | {"time_zone": zone},
            data={"time_zone": zone, "was": was},
        )
    return zone


def authenticate(*, session: Session, name: str, password: str) -> User | None:
    """The user if the password is right; None otherwise (never says which part was wrong)."""
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None or user.password_hash is None:
        _hasher.hash(password)  # spend the same time either way
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except VerifyMismatchError:
        return None
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))
