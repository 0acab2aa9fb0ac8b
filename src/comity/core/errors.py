"""Errors a person can act on.

Every domain raises these instead of bare exceptions so that the command line,
the web pages and the API can turn them into one clear line (and the right exit
status or HTTP code) without knowing where they came from.
"""

from __future__ import annotations

__all__ = ["BadInput", "ComityError", "NotFound", "Refused"]


class ComityError(Exception):
    """A failed operation: exit status 1 on the command line."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(ComityError):
    """The caller's input is not valid (bad usage): exit status 2.

    `message` names the file, row or field and, where it helps, what is valid.
    """

    exit_code = 2


class NotFound(ComityError):
    """The object asked for does not exist."""


class Refused(ComityError):
    """The operation is not allowed (state machine, role, safeguard)."""
