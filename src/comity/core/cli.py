"""`comity config` and `comity db` commands (`comity audit` is in comity.integrity.cli)."""

from __future__ import annotations

import typer
from rich.table import Table

from comity.cli.common import JsonOption
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import get_engine
from comity.core.settings import get_settings

__all__ = ["register"]

config_app = typer.Typer(help="Show settings.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@config_app.command("show")
def config_show(as_json: JsonOption = False) -> None:
    """Print the settings in force (secrets hidden)."""
    with handle_errors():
        data = get_settings().public_dict()
    if as_json:
        print_json(data)
        return
    table = Table("setting", "value")
    for key, value in data.items():
        table.add_row(key, str(value))
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from comity.core.migrate import current_revision, upgrade

    with handle_errors():
        engine = get_engine(migrate=False)
        upgrade(engine)
        console.print(f"database at revision {current_revision(engine)}")


@db_app.command("status")
def db_status(as_json: JsonOption = False) -> None:
    """Current and head revision."""
    from comity.core.migrate import current_revision, head_revision

    with handle_errors():
        engine = get_engine(migrate=False)
        data = {"current": current_revision(engine), "head": head_revision(engine)}
    if as_json:
        print_json(data)
    else:
        console.print(f"current {data['current']}, head {data['head']}")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.add_typer(db_app, name="db")
