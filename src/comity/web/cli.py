"""`comity serve` and `comity token create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput

__all__ = ["register"]

token_app = typer.Typer(help="API tokens for machines.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="Processes sharing the port (default 1).")
    ] = 1,
) -> None:
    """Run the web application and REST API (log-in page at /login)."""
    with handle_errors():
        if not 0 < port < 65536:
            raise BadInput(f"--port {port}: between 1 and 65535", field="port")
        if not 1 <= workers <= 64:
            raise BadInput(f"--workers {workers}: between 1 and 64", field="workers")
        import uvicorn

        from comity.core.settings import get_settings
        from comity.web.app import create_app
        from comity.web.serving import uvicorn_config

        settings = get_settings()
        if workers == 1:
            config = uvicorn_config(create_app(settings), host=host, port=port, settings=settings)
        else:
            # Each process builds its own application from the same environment.
            config = uvicorn_config(
                "comity.web.serving:app_from_environment",
                host=host,
                port=port,
                settings=settings,
                workers=workers,
            )
        shown = f"[{host}]" if ":" in host else host
        console.print(f"Comity on http://{shown}:{port}/login", highlight=False)
        if workers == 1:
            uvicorn.Server(config).run()
        else:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[config.bind_socket()]).run()


@token_app.command("create")
def token_create(
    user: Annotated[
        str | None,
        typer.Argument(metavar="[USER]", help="Only yourself: a token belongs to its user."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "api",
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope", help="read, intake, review, dispatch or admin (repeat; default read)."
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Valid for this many days (1-365).")] = 90,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API token for yourself; it is printed once and never again."""
    from comity.web.tokens import create_token

    with handle_errors(), session_scope() as session:
        owner = actor(by)
        issued = create_token(
            session=session, actor=owner, user=user, name=name, scopes=scope, days=days
        )
    if as_json:
        print_json({"id": issued.id, "user": owner, "name": name, "token": issued.token})
    else:
        console.print(issued.token, markup=False, highlight=False)
        console.print(
            "Store it now: only its SHA-256 is kept. Send it as 'Authorization: Bearer <token>'.",
            style="dim",
        )


@token_app.command("list")
def token_list(by: ByOption = None, as_json: JsonOption = False) -> None:
    """List your API tokens (an admin: everyone's); the tokens themselves are not kept."""
    from comity.web.tokens import list_tokens

    with handle_errors(), read_session() as session:
        rows = list_tokens(session=session, actor=actor(by))
    if as_json:
        print_json(rows)
        return
    table = Table("id", "user", "name", "scopes", "created", "expires", "revoked")
    for row in rows:
        revoked = row["revoked_at"]
        table.add_row(
            str(row["id"]),
            row["user"],
            row["name"],
            " ".join(row["scopes"]),
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            f"{row['expires_at']:%Y-%m-%d}",
            f"{revoked:%Y-%m-%d %H:%M}" if revoked else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="From `comity token list`.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit chain).")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke API token ID (yours, or anyone's for an admin): later requests get 401."""
    from comity.web.tokens import revoke_token

    with handle_errors(), session_scope() as session:
        row = revoke_token(session=session, token_id=token_id, actor=actor(by), reason=reason)
        shown = {"id": row.id, "name": row.name, "revoked_at": row.revoked_at}
    if as_json:
        print_json(shown)
    else:
        console.print(f"API token {token_id} revoked.", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
