"""`comity holds add|approve|release|list|expire`: the deconfliction hold register."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from comity.cli.common import ByOption, JsonOption, actor, optional_day
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput

__all__ = ["register"]

holds_app = typer.Typer(
    help="Deconfliction holds: content another agency asks to stay online until a date.",
    no_args_is_help=True,
)
_SCOPES = ("sha256", "pdq", "url", "url_prefix", "domain", "org")


def _print(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(row)
        return
    who = row["agency"] or "(withheld)"
    console.print(
        f"deconfliction hold {row['id']} {row['state']}: {row['scope_kind']} "
        f"{row['scope_value']} until {row['until']} at the request of {who} "
        f"({row['legal_basis']})",
        markup=False,
    )


def _scope(given: dict[str, str | None]) -> tuple[str, str]:
    named = [(kind, value) for kind, value in given.items() if value]
    if len(named) != 1:
        options = ", ".join(f"--{k.replace('_', '-')}" for k in _SCOPES)
        raise BadInput(f"give exactly one scope: {options}")
    return named[0][0], str(named[0][1])


@holds_app.command("add")
def add(
    until: Annotated[str, typer.Option("--until", help="Keep online until YYYY-MM-DD.")],
    agency: Annotated[str, typer.Option("--agency", help="Who asked (withheld from most).")],
    basis: Annotated[str, typer.Option("--basis", help="The legal basis of the request.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the content must stay online.")],
    contact: Annotated[
        str | None, typer.Option("--contact", help="The requester's contact.")
    ] = None,
    sha256: Annotated[str | None, typer.Option("--sha256", help="Content: a SHA-256.")] = None,
    pdq: Annotated[
        str | None, typer.Option("--pdq", help="Content: a PDQ hash (near copies too).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="One URL.")] = None,
    url_prefix: Annotated[
        str | None, typer.Option("--url-prefix", help="An account or channel: its URL prefix.")
    ] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="A registrable domain.")] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="An organisation of the register.")
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Enter a deconfliction hold; it blocks proposals once another person approves it."""
    from comity.holds import service

    with handle_errors():
        kind, value = _scope(
            {
                "sha256": sha256,
                "pdq": pdq,
                "url": url,
                "url_prefix": url_prefix,
                "domain": domain,
                "org": org,
            }
        )
        day = optional_day(until, "--until")
        assert day is not None  # the option is required
        with session_scope() as s:
            hold = service.add_hold(
                session=s,
                actor=actor(by),
                scope_kind=kind,
                scope_value=value,
                agency=agency,
                contact=contact,
                legal_basis=basis,
                reason=reason,
                until=day,
            )
            row = service.hold_dict(hold, identity=True)
    _print(row, as_json)


@holds_app.command("approve")
def approve(
    hold_id: Annotated[int, typer.Argument(metavar="HOLD")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a pending deconfliction hold (not by the person who entered it)."""
    from comity.holds import service

    with handle_errors(), session_scope() as s:
        hold = service.approve_hold(session=s, actor=actor(by), hold_id=hold_id)
        row = service.hold_dict(hold, identity=True)
    _print(row, as_json)


@holds_app.command("release")
def release(
    hold_id: Annotated[int, typer.Argument(metavar="HOLD")],
    reason: Annotated[str, typer.Option("--reason", help="Why the hold ends early.")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """End a deconfliction hold before its date."""
    from comity.holds import service

    with handle_errors(), session_scope() as s:
        hold = service.release_hold(session=s, actor=actor(by), hold_id=hold_id, reason=reason)
        row = service.hold_dict(hold, identity=True)
    _print(row, as_json)


@holds_app.command("list")
def list_(
    state: Annotated[
        str | None, typer.Option("--state", help="pending, active, released or expired.")
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """The deconfliction holds, newest first (who asked only for those who may see it)."""
    from comity.holds import service

    with handle_errors(), read_session() as s:
        rows = service.list_holds(session=s, actor=actor(by), state=state)
    if as_json:
        print_json({"holds": rows})
        return
    for row in rows:
        _print(row, False)


@holds_app.command("expire")
def expire(by: ByOption = None, as_json: JsonOption = False) -> None:
    """Record as expired the holds whose date has passed (the daily job does this too)."""
    from comity.holds import service
    from comity.users.service import SYSTEM, require

    with handle_errors(), session_scope() as s:
        who = actor(by)
        if who:
            who = require(session=s, actor=who, action="deconflict").name
        expired = service.expire_holds(session=s, now=utcnow(), actor=who or SYSTEM)
    if as_json:
        print_json({"expired": expired})
    else:
        console.print(f"{len(expired)} deconfliction hold(s) expired")


def register(app: typer.Typer) -> None:
    app.add_typer(holds_app, name="holds")
