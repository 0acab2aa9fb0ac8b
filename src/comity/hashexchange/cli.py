"""`comity hashes export|import|imports`: the hash exchange."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor, optional_day
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import get_engine, read_session, session_scope
from comity.core.errors import BadInput

__all__ = ["register"]

hashes_app = typer.Typer(
    help="Hash exchange: export approved items' hashes, import others' hash lists.",
    no_args_is_help=True,
)
FormatOption = Annotated[
    str, typer.Option("--format", help="threatexchange, tcap-csv or stix.", show_default=False)
]
_MAX_READ = 50_000_001  # one byte past the import limit, so the service can refuse it


@hashes_app.command("export")
def export(
    fmt: FormatOption,
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    since: Annotated[
        str | None, typer.Option("--since", help="Decisions on or after YYYY-MM-DD.")
    ] = None,
    tlp: Annotated[
        str, typer.Option("--tlp", help="STIX TLP marking: white, green, amber or red.")
    ] = "amber",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the hashes of items with an approved decision (conduct, organisation, no content)."""
    from comity.core.files import write_atomically
    from comity.hashexchange import service

    with handle_errors():
        day = optional_day(since, "--since")
        with session_scope(get_engine()) as session:
            text, summary = service.export_hashes(
                session=session, fmt=fmt, actor=actor(by), since=day, tlp=tlp
            )
            try:
                write_atomically(output, text.encode("utf-8"))
            except OSError as exc:  # rolls the audit event back with the transaction
                raise BadInput(f"-o: cannot write {output}: {exc.strerror}") from None
    summary["output"] = str(output)
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{summary['hashes']} hashes of {summary['items']} items written to {output} "
        f"({fmt}, sha256 {summary['file_sha256'][:16]}…)",
        markup=False,
        highlight=False,
    )


@hashes_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The hash list.")],
    fmt: FormatOption,
    source: Annotated[
        str, typer.Option("--source", help="Who the list comes from.", show_default=False)
    ],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a hash list: its hashes flag matching captures and never count as evidence."""
    from comity.hashexchange import service

    with handle_errors():
        try:
            with file.open("rb") as handle:
                data = handle.read(_MAX_READ)
        except OSError as exc:
            raise BadInput(f"FILE: cannot read {file}: {exc.strerror}") from None
        with session_scope(get_engine()) as session:
            summary = service.import_hashes(
                session=session,
                data=data,
                fmt=fmt,
                source=source,
                actor=actor(by),
                file_name=file.name,
            )
    if as_json:
        print_json(summary)
        return
    again = " (this file was imported before)" if summary["already_imported"] else ""
    console.print(
        f"{summary['added']} new hashes of {summary['rows']} rows from {summary['source']}"
        f"{again}; import {summary['import_id']}",
        markup=False,
        highlight=False,
    )


@hashes_app.command("imports")
def imports(as_json: JsonOption = False) -> None:
    """Every imported hash list, with its provenance."""
    from comity.hashexchange import service

    with handle_errors(), read_session() as session:
        rows = service.list_imports(session=session)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "source", "format", "rows", "added", "imported at", "by", "file sha256")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["source"],
            r["format"],
            str(r["rows"]),
            str(r["added"]),
            r["imported_at"],
            r["imported_by"],
            r["file_sha256"][:16],
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(hashes_app, name="hashes")
