"""`comity intake` and `comity items` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, err_console, fail, handle_errors, print_json
from comity.core.db import get_engine, read_session, session_scope
from comity.core.settings import get_settings
from comity.intake import service
from comity.intake.orgs import check_org, set_item_org

__all__ = ["register"]

intake_app = typer.Typer(help="Report URLs, one by one or in bulk.", no_args_is_help=True)
items_app = typer.Typer(help="Items: one per canonical URL.", no_args_is_help=True)


@intake_app.command("add")
def intake_add(
    url: str,
    conduct: Annotated[str, typer.Option("--conduct", help="Conduct code (ASSESSMENT.md).")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    source: Annotated[str | None, typer.Option("--source")] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", help="The organisation the content is of (comity org list)."),
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Report one URL."""
    with handle_errors(), session_scope() as session:
        if org:
            check_org(org)  # refuse an unknown id before anything is written
        who = actor(by)
        item, report, created = service.add_report(
            session=session,
            url=url,
            conduct=conduct,
            note=note,
            source=source,
            actor=who,
            allow=get_settings().fetch_allow,
        )
        if org:
            set_item_org(session=session, item=item, org=org, actor=who)
        data = service.item_summary(session, [item])[0] | {
            "report_id": report.id,
            "new_report": created,
        }
    if as_json:
        print_json(data)
    else:
        what = "reported" if created else "already reported (nothing added)"
        console.print(f"item {data['id']} {data['url']}: {what}")


@intake_app.command("import")
def intake_import(
    file: Path,
    fmt: Annotated[str, typer.Option("--format", help="csv or citizenlab")] = "csv",
    conduct: Annotated[
        str | None,
        typer.Option(
            "--conduct", help="Conduct code for rows without one (required for citizenlab)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Write nothing if any row is bad.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a file of reports (CSV url,conduct,note,source or a Citizen Lab list)."""
    settings = get_settings()
    with handle_errors():
        engine = get_engine()
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            TextColumn("{task.completed} rows"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        ) as progress:
            task = progress.add_task("import", total=None)
            result = service.import_file(
                engine=engine,
                path=file,
                fmt=fmt,
                actor=actor(by),
                conduct=conduct,
                strict=strict,
                dry_run=dry_run,
                allow=settings.fetch_allow,
                batch_size=settings.import_batch_size,
                progress=lambda n: progress.advance(task, n),
            )
    if as_json:
        print_json(result.to_json())
    else:
        _print_summary(result)
    if result.errors:
        fail(
            f"{result.invalid} of {result.rows} rows in {file} were not imported"
            + (" (strict: nothing written)" if strict and not dry_run else "")
        )


def _print_summary(result: service.ImportResult) -> None:
    mode = "dry run: " if result.dry_run else ""
    console.print(
        f"{mode}{result.rows} rows, {result.valid} valid, {result.invalid} invalid; "
        f"{result.items_created} new items, {result.reports_created} new reports, "
        f"{result.reports_existing} already known"
    )
    for error in result.errors[:200]:
        err_console.print(str(error), markup=False)
    hidden = result.invalid - min(len(result.errors), 200)
    if hidden > 0:
        more = len(result.errors) > 200
        err_console.print(
            f"... and {hidden} more"
            + (f" (--json lists the first {len(result.errors)} with their lines)" if more else "")
        )


@items_app.command("list")
def items_list(
    state: Annotated[str | None, typer.Option("--state")] = None,
    conduct: Annotated[str | None, typer.Option("--conduct")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """List items."""
    with handle_errors(), read_session() as session:
        rows = service.list_items(
            session=session, state=state, conduct=conduct, limit=limit, offset=offset
        )
    if as_json:
        print_json(rows)
        return
    table = Table("id", "url", "domain", "conducts", "state", "reports")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["url"]),
            str(row["registrable_domain"] or "-"),
            ", ".join(row["conducts"]),
            str(row["state"]),
            str(row["reports"]),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(intake_app, name="intake")
    app.add_typer(items_app, name="items")
