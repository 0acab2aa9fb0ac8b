"""`comity org list` and `comity org show`: the organisations register (thin views)."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from comity.cli.output import console, handle_errors, print_json
from comity.law.countries import normalise_code
from comity.law.engine import parse_date
from comity.law.kb.loader import load_kb
from comity.law.orgs.show import list_orgs, show_org

__all__ = ["org_app"]

org_app = typer.Typer(
    help="The organisations register: who is designated or banned where, and when.",
    no_args_is_help=True,
)


@org_app.command("list")
def list_command(
    jurisdiction: str = typer.Option(
        "", "--jurisdiction", help="Only organisations ever listed by this state (or EU, UN)."
    ),
    search: str = typer.Option(
        "", "--search", help="A name in any script or spelling (Хизб ут-Тахрир, Hizb al-Tahrir)."
    ),
    on: str = typer.Option("", "--date", help="'listed in' as of this date (default today)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Organisations of the register, with where they are listed today."""
    with handle_errors():
        kb = load_kb()
        code = ""
        if jurisdiction:
            code = jurisdiction.strip().upper()
            if code != "UN":
                code = normalise_code(code, field="jurisdiction")
        day = parse_date(on) if on else date.today()
        rows = list_orgs(kb=kb, on=day, jurisdiction=code or None, search=search or None)
        if json_out:
            print_json(rows)
            return
        table = Table("id", "name", f"listed in on {day}", "ever listed in", title="Organisations")
        for row in rows:
            table.add_row(
                row["id"],
                row["name"],
                ", ".join(row["listed_in"]) or "-",
                ", ".join(row["ever_listed_in"]) or "-",
            )
        console.print(table)
        if not rows:
            console.print("no organisation matches", highlight=False)


@org_app.command("show")
def show_command(
    ident: str = typer.Argument(..., help="Organisation id, e.g. hizb-ut-tahrir."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """One organisation: aliases, and its designations side by side per jurisdiction over time."""
    with handle_errors():
        data = show_org(kb=load_kb(), ident=ident)
        if json_out:
            print_json(data)
            return
        console.print(f"[bold]{data['id']}[/]: {data['name']}", highlight=False)
        if data["aliases"]:
            console.print("aliases: " + "; ".join(a["name"] for a in data["aliases"]), markup=False)
        if data["parent"]:
            console.print(f"branch of: {data['parent']}", highlight=False)
        grid = Table(show_lines=True, title="Designations over time (from each date on)")
        grid.add_column("from", no_wrap=True)
        for code in data["columns"]:
            grid.add_column(code)
        for row in data["timeline"]:
            grid.add_row(row["from"], *(row["cells"][c]["text"] for c in data["columns"]))
        console.print(grid)
        listing = Table("jurisdiction", "list", "instrument", "from", "to", "confidence")
        for d in data["designations"]:
            listing.add_row(
                d["jurisdiction"],
                d["list"],
                d["instrument"],
                d["from"],
                d["to"] or "",
                d["confidence"],
            )
        console.print(listing)
        for d in data["designations"]:
            console.print(f"{d['list']}: {d['source']['url']}", markup=False, highlight=False)
        console.print(data["legend"], markup=False, highlight=False)
