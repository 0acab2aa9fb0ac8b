"""`--by NAME` outside development mode: NAME's token or password, or a refusal.

Anyone with a shell could otherwise act as anyone by typing their name. In
development mode (`COMITY_MODE=development`, the default for `make demo` and
the tests) `--by` alone is still believed. Elsewhere the command needs
COMITY_TOKEN holding one of NAME's API tokens (its scopes then bound the
command), or, at a terminal, NAME's password. Refusals are written to the
audit chain after the command's transaction has rolled back.
"""

from __future__ import annotations

import getpass
import os
import sys

from comity.core import audit
from comity.core.db import read_session, session_scope
from comity.core.errors import ComityError
from comity.core.settings import get_settings
from comity.users.models import User
from comity.users.proof import CredentialRefused, Proof, set_proof
from comity.users.service import authenticate, user_state

__all__ = ["CLIENT", "TOKEN_ENV", "prove", "record_refusal"]

TOKEN_ENV = "COMITY_TOKEN"  # noqa: S105 - the name of the variable, not a secret
# Failed passwords typed at a terminal count against this address in the log-in throttle.
CLIENT = "cli"


def prove(name: str | None) -> str | None:
    """`name`, once proven (or in development mode); CredentialRefused otherwise."""
    set_proof(None)
    if name is None or get_settings().mode == "development":
        return name
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        set_proof(_by_token(name, token))
    elif sys.stdin.isatty():
        set_proof(_by_password(name))
    else:
        raise CredentialRefused(
            f"--by {name}: outside development mode, prove it: set {TOKEN_ENV} to one of "
            f"{name}'s API tokens, or run at a terminal to be asked for {name}'s password",
            name=name,
        )
    return name


def _by_token(name: str, token: str) -> Proof:
    from comity.web.tokens import token_holder

    with read_session() as session:
        try:
            holder = token_holder(session=session, token=token)
        except ComityError as exc:
            raise CredentialRefused(f"{TOKEN_ENV}: {exc.message}", name=name) from None
        owner = holder.user.name
    if owner != name:
        raise CredentialRefused(f"{TOKEN_ENV} is a token of {owner}, not of {name}", name=name)
    return Proof(name, holder.scopes)


def _by_password(name: str) -> Proof:
    from comity.web.auth import TooManyAttempts, throttle_wait

    with read_session() as session:
        wait = throttle_wait(session=session, name=name, client=CLIENT)
        if wait:
            raise TooManyAttempts(wait)
        password = getpass.getpass(f"password for {name}: ")
        user = authenticate(session=session, name=name, password=password)
        if user is None:
            raise CredentialRefused(f"--by {name}: wrong password", name=name, wrong_password=True)
        if user.must_change_password:
            raise CredentialRefused(
                f"--by {name}: the password was reset; choose a new one at the web log-in first",
                name=name,
            )
    return Proof(name, None)


def record_refusal(exc: CredentialRefused) -> None:
    """Audit a refusal (and count a wrong password), in a transaction of its own."""
    from sqlalchemy import select

    from comity.web.auth import record_failure

    with session_scope() as session:
        if exc.wrong_password:
            record_failure(session=session, name=exc.name, client=CLIENT)
        user = session.scalar(select(User).where(User.name == exc.name))
        if user is None:
            return  # nobody to impersonate; the command failed on the unknown name anyway
        audit.record(
            session=session,
            actor=exc.name,
            action="cli.refused",
            object_type="user",
            object_id=user.id,
            state=user_state(user),
            data={"via": "cli", "reason": exc.message},
        )
