"""Shared output helpers: JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console

from comity.core.errors import ComityError
from comity.users.proof import CredentialRefused

__all__ = ["console", "err_console", "fail", "handle_errors", "print_json", "to_jsonable"]

console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def to_jsonable(value: Any) -> Any:
    """Dates become ISO strings; everything else must already be JSON-friendly."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(value: Any, *, lines: bool = False) -> None:
    """Print `value` as JSON (or each element as a JSON line when `lines`)."""
    if lines:
        for element in value:
            sys.stdout.write(json.dumps(element, default=to_jsonable, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(
            json.dumps(value, default=to_jsonable, ensure_ascii=False, indent=2) + "\n"
        )
    sys.stdout.flush()


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print one actionable line on stderr and exit with `code`."""
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn domain errors into one line on stderr and the right exit status."""
    try:
        yield
    except ComityError as exc:
        if isinstance(exc, CredentialRefused):
            # Imported here: it loads SQLAlchemy, which commands that touch no
            # database (url canonical, --help) should not pay for at start-up.
            from comity.users.credentials import record_refusal

            record_refusal(exc)  # the command's own transaction has rolled back by now
        fail(exc.message, code=exc.exit_code)


def command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator form of `handle_errors` for Typer command functions."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with handle_errors():
            return func(*args, **kwargs)

    return wrapper
