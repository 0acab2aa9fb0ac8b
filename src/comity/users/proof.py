"""What the command line proved about who is acting, and the scope check it implies.

`comity.users.credentials.prove` fills this in outside development mode (a
token in COMITY_TOKEN, or the password typed at a terminal); `require` asks
`check_scope` on every action, so a token's scopes bound what a command may
do exactly as they bound an API call. The web never sets it: its tokens are
checked per route (`comity.web.deps.need`).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from comity.core.errors import Refused
from comity.users.roles import SCOPE_OF

__all__ = ["CredentialRefused", "Proof", "check_scope", "current", "set_proof", "within_proof"]


class CredentialRefused(Refused):
    """`--by NAME` without NAME's credential (or beyond its scope): audited after rollback."""

    def __init__(self, message: str, *, name: str, wrong_password: bool = False) -> None:
        super().__init__(message)
        self.name = name
        self.wrong_password = wrong_password


@dataclass(frozen=True)
class Proof:
    name: str
    scopes: frozenset[str] | None  # a token's scopes; None when the password was typed


_proof: ContextVar[Proof | None] = ContextVar("comity_cli_proof", default=None)


def set_proof(proof: Proof | None) -> None:
    _proof.set(proof)


def current() -> Proof | None:
    return _proof.get()


def _token_scopes(name: str) -> frozenset[str] | None:
    proof = _proof.get()
    return proof.scopes if proof is not None and proof.name == name else None


def check_scope(name: str, action: str) -> None:
    """Refuse `action` when `name` was proven by a token without its scope (unknown: admin)."""
    scopes = _token_scopes(name)
    scope = SCOPE_OF.get(action, "admin")
    if scopes is not None and scope not in scopes:
        raise CredentialRefused(
            f"COMITY_TOKEN lacks scope {scope!r}, needed to {action}", name=name
        )


def within_proof(name: str, wanted: list[str]) -> None:
    """Refuse scopes beyond those of the token `name` was proven with."""
    scopes = _token_scopes(name)
    beyond = [scope for scope in wanted if scopes is not None and scope not in scopes]
    if beyond:
        raise CredentialRefused(
            f"COMITY_TOKEN lacks scope {', '.join(beyond)}: a token mints no wider token",
            name=name,
        )
