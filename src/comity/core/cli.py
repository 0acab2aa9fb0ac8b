"""`comity config`, `comity db` and `comity audit` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import JsonOption
from comity.cli.output import console, fail, handle_errors, print_json
from comity.core import audit
from comity.core.db import get_engine, read_session
from comity.core.settings import get_settings

__all__ = ["register"]

config_app = typer.Typer(help="Show settings.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain of every state change.", no_args_is_help=True)


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


@audit_app.command("verify")
def audit_verify(as_json: JsonOption = False) -> None:
    """Walk the chain; exit 1 naming the first broken event."""
    with handle_errors(), read_session() as session:
        report = audit.verify_chain(session)
    if as_json:
        print_json(
            {
                "events": report.events,
                "ok": report.ok,
                "first_broken": report.first_broken,
                "reason": report.reason,
            }
        )
    elif report.ok:
        console.print(f"audit chain intact: {report.events} events")
    if not report.ok:
        fail(f"audit chain broken at event {report.first_broken}: {report.reason}")


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Write every event as JSON Lines."""
    with handle_errors(), read_session() as session:
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for event in audit.iter_events(session):
                out.write(
                    json.dumps(
                        {
                            "seq": event.seq,
                            "at": event.at.isoformat(),
                            "actor": event.actor,
                            "action": event.action,
                            "object_type": event.object_type,
                            "object_id": event.object_id,
                            "state_digest": event.state_digest,
                            "data": event.data,
                            "prev_hash": event.prev_hash,
                            "hash": event.hash,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        finally:
            if output:
                out.close()


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
