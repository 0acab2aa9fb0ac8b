"""`comity user` commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.users import lifecycle, service

__all__ = ["register"]

user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[
        str,
        typer.Option(
            "--role", help="analyst, legal_reviewer, liaison, supervisor, auditor or admin"
        ),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password from stdin.")
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user with a role (the first admin needs no --by)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with handle_errors(), session_scope() as session:
        user = service.add_user(
            session=session, name=name, role=role, actor=actor(by), password=password
        )
        data = service.user_state(user)
    if as_json:
        print_json(data)
    else:
        console.print(f"user {data['name']} ({data['role']}) added, id {data['id']}")


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """List users."""
    with handle_errors(), read_session() as session:
        rows = [service.user_state(u) for u in service.list_users(session=session)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "role", "active")
    for row in rows:
        table.add_row(str(row["id"]), str(row["name"]), str(row["role"]), str(row["active"]))
    console.print(table)


Name = Annotated[str, typer.Argument(metavar="NAME", help="The user's name.")]


@user_app.command("deactivate")
def user_deactivate(
    name: Name,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit chain).")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deactivate NAME: log-in, sessions and API tokens stop working (tokens are revoked)."""
    with handle_errors(), session_scope() as session:
        revoked = lifecycle.deactivate_user(
            session=session, name=name, actor=actor(by), reason=reason
        )
    if as_json:
        print_json({"name": name, "active": False, "revoked_tokens": revoked})
    else:
        console.print(f"user {name} deactivated; {len(revoked)} API token(s) revoked")


@user_app.command("reset-password")
def user_reset_password(
    name: Name,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the temporary password from stdin.")
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give NAME a temporary password (printed once) to replace at the next log-in."""
    given = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with handle_errors(), session_scope() as session:
        temporary = lifecycle.reset_password(
            session=session, name=name, actor=actor(by), password=given
        )
    if as_json:
        print_json({"name": name, "temporary_password": None if given else temporary})
    elif not given:
        console.print(temporary, markup=False, highlight=False)
        console.print(f"{name} must choose a new password at the next log-in.", style="dim")


@user_app.command("end-sessions")
def user_end_sessions(name: Name, by: ByOption = None, as_json: JsonOption = False) -> None:
    """Log NAME out of every browser (API tokens stay; revoke them with `comity token revoke`)."""
    with handle_errors(), session_scope() as session:
        ended = lifecycle.end_sessions(session=session, name=name, actor=actor(by))
    if as_json:
        print_json({"name": name, "sessions_ended": ended})
    else:
        console.print(f"{ended} session(s) of {name} ended")


@user_app.command("time-zone")
def user_time_zone(
    name: Name,
    zone: Annotated[
        str | None,
        typer.Argument(
            metavar="[ZONE]", help="An IANA time zone, e.g. Asia/Almaty.", show_default=False
        ),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Use the installation's zone (COMITY_TIME_ZONE).")
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """The time zone NAME reads dates in on the pages (your own, or anyone's as an admin)."""
    with handle_errors():
        if (zone is None) == (not default):
            raise BadInput("give a ZONE (e.g. Asia/Almaty) or --default, not both or neither")
        with session_scope() as session:
            stored = service.set_time_zone(
                session=session, name=name, time_zone=zone, actor=actor(by)
            )
    if as_json:
        print_json({"name": name, "time_zone": stored})
    else:
        shown = stored or f"the installation's ({get_settings().time_zone})"
        console.print(f"{name} reads dates in {shown}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
