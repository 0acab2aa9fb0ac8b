"""Options and helpers shared by the domain command modules."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from comity.core.errors import BadInput
from comity.core.settings import get_settings

__all__ = ["ByOption", "JsonOption", "actor", "optional_day"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who is acting (default: COMITY_USER).", show_default=False),
]


def actor(by: str | None) -> str | None:
    """The acting user: `--by`, else the COMITY_USER setting; proven outside development mode."""
    from comity.users.credentials import prove

    return prove(by or get_settings().user)


def optional_day(value: str | None, field: str) -> date | None:
    """A YYYY-MM-DD option's date (None when not given), or BadInput naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{field}: '{value}' is not a date; write YYYY-MM-DD") from None
