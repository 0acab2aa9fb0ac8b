"""`comity user` commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import read_session, session_scope
from comity.users import service

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


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
