"""Command-line views of the legal engine (thin: parse, call the service, print)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from comity.cli.output import console, handle_errors, print_json
from comity.core.errors import BadInput
from comity.law import compare as compare_mod
from comity.law.countries import normalise_code
from comity.law.engine import assess, parse_date
from comity.law.kb.loader import DEFAULT_ROOT, load_kb, validate_path
from comity.law.orgs.compare import compare_orgs, org_cell_text, render_orgs
from comity.law.orgs.show import designations_in
from comity.law.service import parse_fact_options
from comity.law.show import show_jurisdiction

__all__ = ["register"]

law_app = typer.Typer(
    help="The legal knowledge base: validate, show, compare, coverage.", no_args_is_help=True
)


def _print_assessment(data: dict[str, Any]) -> None:
    console.print(
        f"[bold]{data['conduct']}[/] in {data['host']} on {data['date']}: "
        f"dual criminality [bold]{data['dual_criminality']}[/]"
    )
    table = Table("provision", "status", "why", title="Host provisions")
    for p in data["host_provisions"]:
        table.add_row(p["citation"], p["status"], p["reason"])
    console.print(table)
    if data["missing_facts"]:
        console.print("missing facts: " + ", ".join(data["missing_facts"]))
    if data.get("set_aside"):  # given against each other: decided on as if not given
        console.print(
            "set aside, given against each other (asked again): " + ", ".join(data["set_aside"]),
            markup=False,
            highlight=False,
        )
    channels = Table("#", "channel", "reason", "time limit", title="Channels")
    for index, c in enumerate(data["channels"], start=1):
        limit = c["time_limit"]["text"] if c["time_limit"] else ""
        channels.add_row(str(index), c["code"], c["reason"], limit)
    console.print(channels)
    org = data.get("organisation")
    if org:
        for key in ("designated_in_host", "designated_in_requesting"):
            finding = org[key]
            console.print(
                f"{org['id']}: {key} = {str(finding['value']).lower()} "
                f"({finding['jurisdiction']}): {finding['explanation']}",
                markup=False,
                highlight=False,
            )
            for rule in finding.get("by_provision", ()):  # each provision's own lists
                console.print(
                    f"  {', '.join(rule['provisions'])} "
                    f"[{', '.join(rule['accepted_lists']) or 'no list recorded'}]: "
                    f"{'open' if rule['value'] is None else str(rule['value']).lower()}: "
                    f"{rule['explanation']}",
                    markup=False,
                    highlight=False,
                )
            if "parent" in finding:
                parent = finding["parent"]
                console.print(
                    f"  parent {parent['id']} on {parent['designation']['list']}: {parent['why']}",
                    markup=False,
                    highlight=False,
                )
    console.print(
        f"requesting state ({data['requesting']}): {data['requesting_outcome']}; "
        f"KB {str(data['kb_version'])[:12]}",
        highlight=False,
    )


def assess_command(
    conduct: str = typer.Option("", "--conduct", help="Conduct code (see ASSESSMENT.md)."),
    host: str = typer.Option("", "--host", help="ISO 3166-1 alpha-2 code, or EU."),
    requesting: str = typer.Option("KZ", "--requesting"),
    on: str = typer.Option("", "--date", help="YYYY-MM-DD (default today)."),
    fact: list[str] = typer.Option([], "--fact", help="KEY=VALUE, repeatable."),  # noqa: B008
    role: str = typer.Option(
        "hosting", "--role", help="hosting, cdn, platform, provider, eu_representative."
    ),
    priority: str = typer.Option(
        "standard", "--priority", help="standard, crisis or threat_to_life."
    ),
    batch: Path | None = typer.Option(None, "--batch", help="JSON Lines file ('-' for stdin)."),  # noqa: B008
    fmt: str = typer.Option(
        "jsonl", "--format", help="--batch output: jsonl (full) or jsonl-compact (outcome only)."
    ),
    strict: bool = typer.Option(False, "--strict", help="--batch: stop at the first bad line."),
    json_out: bool = typer.Option(False, "--json"),
    item: int | None = typer.Option(
        None, "--item", help="Assess a stored item against every jurisdiction it was attributed to."
    ),
    by: str | None = typer.Option(None, "--by", help="Who is acting (default: COMITY_USER)."),
    org: str = typer.Option(
        "",
        "--org",
        help="Organisation id (comity org list): designated_in_host/_requesting from the register.",
    ),
) -> None:
    """Would the host's own law forbid this conduct, and which channel may a request take?"""
    with handle_errors():
        day = parse_date(on) if on else date.today()
        if item is not None:
            _assess_item(item, conduct, fact, day, requesting, by, json_out, org or None)
            return
        kb = load_kb()
        if batch is not None:
            from comity.law.cli_batch import assess_stream

            assess_stream(source=batch, kb=kb, default_date=day, fmt=fmt, strict=strict)
            return
        if not conduct or not host:
            raise BadInput(
                "give --conduct and --host (or --batch FILE); valid conducts: "
                + ", ".join(kb.vocabulary.conducts),
                field="conduct",
            )
        result = assess(
            kb=kb,
            conduct=conduct,
            facts=parse_fact_options(fact),
            host=host,
            requesting=requesting,
            on=day,
            role=role,
            priority=priority,
            org=org or None,
        )
        if json_out:
            print_json(result.to_json())
        else:
            _print_assessment(result.to_json())


def _assess_item(
    item: int,
    conduct: str,
    fact: list[str],
    day: date,
    requesting: str,
    by: str | None,
    json_out: bool,
    org: str | None,
) -> None:
    from comity.cli.common import actor
    from comity.core.db import session_scope
    from comity.law.store import assess_item

    with session_scope() as session:
        rows = assess_item(
            session=session,
            item_id=item,
            facts=parse_fact_options(fact),
            actor=actor(by),
            conduct=conduct or None,
            on=day,
            requesting=requesting,
            org=org,
        )
        results = [{"id": r.id, **r.result} for r in rows]
    if json_out:
        print_json({"item": item, "assessments": results})
        return
    for data in results:
        console.print(f"[dim]({data['role']})[/]")
        _print_assessment(data)


@law_app.command("validate")
def validate(
    path: Path = typer.Argument(  # noqa: B008
        DEFAULT_ROOT, help="KB root, a jurisdiction folder, or one YAML file."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the errors as JSON."),
) -> None:
    """Check knowledge-base files strictly; exit 1 listing file:line for every error."""
    with handle_errors():
        errors = validate_path(path)
        if json_out:
            print_json(
                {
                    "ok": not errors,
                    "errors": [
                        {"file": e.file, "line": e.line, "kind": e.kind, "message": e.message}
                        for e in errors
                    ],
                }
            )
        else:
            for error in errors:
                console.print(str(error), markup=False, highlight=False, soft_wrap=True)
            if not errors:
                console.print(f"ok: {path}", markup=False, highlight=False)
        if errors:
            raise typer.Exit(1)


@law_app.command("show")
def show(
    code: str = typer.Argument(..., help="Jurisdiction code, e.g. KZ, DE, EU."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Everything the knowledge base holds about one jurisdiction."""
    with handle_errors():
        kb = load_kb()
        data = show_jurisdiction(kb=kb, code=normalise_code(code, field="jurisdiction"))
        data["designations"] = designations_in(kb=kb, code=data["code"])
        if json_out:
            print_json(data)
            return
        console.print(
            f"[bold]{data['code']} {data['name']}[/] ({data['legal_system']}); "
            f"memberships: {', '.join(m['org'] for m in data['memberships']) or '-'}"
        )
        table = Table("id", "citation", "conducts", "from", "confidence", title="Provisions")
        for p in data["provisions"]:
            table.add_row(
                p["id"],
                p["citation"],
                ", ".join(p["conducts"]),
                p["versions"][0]["from"],
                p["confidence"],
            )
        console.print(table)
        for c in data["channels"]:
            console.print(f"channel {c['code']}: {c.get('authority') or '-'}", highlight=False)
        for t in data["treaties"]:
            periods = ", ".join(
                f"{e['from']} to {e['to'] or 'open'} [{e['confidence']}]" for e in t["entries"]
            )
            console.print(
                f"treaty {t['id']}: in force for {data['code']} {periods}",
                highlight=False,
                markup=False,
            )
        for d in data["designations"]:
            console.print(
                f"designation {d['org']}: {d['list']} ({d['category']}) from {d['from']}"
                + (f" to {d['to']}" if d["to"] else "")
                + f" [{d['confidence']}]",
                highlight=False,
                markup=False,
            )


@law_app.command("coverage")
def coverage_command(
    requesting: str = typer.Option("KZ", "--requesting", help="The requesting state."),
    on: str = typer.Option("", "--date", help="Treaty status on this date (default today)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Per jurisdiction: provisions by confidence, conduct codes encoded or not, authorities,
    treaties in force with the requesting state, last verification."""
    from comity.law.coverage import coverage

    with handle_errors():
        day = parse_date(on) if on else date.today()
        data = coverage(
            kb=load_kb(), requesting=normalise_code(requesting, field="requesting"), on=day
        )
        if json_out:
            print_json(data)
            return
        grid = Table(
            "code",
            "provisions",
            "high today",
            "high throughout",
            "medium",
            "low",
            "quoted",
            "conduct codes",
            "treaties in force",
            "verified",
        )
        for r in data["jurisdictions"]:
            c, s = r["confidence"], r["conduct_summary"]
            grid.add_row(
                r["code"],
                str(r["provisions"]),
                str(c["high"]),
                str(r["high_throughout"]),
                str(c["medium"]),
                str(c["low"]),
                str(r["quoted"]),
                f"{s['encoded']} encoded, {s['verified_absence']} absent, "
                f"{s['not_yet_read']} unread",
                ", ".join(r["treaties_in_force"]) or "-",
                r["last_verified"] or "-",
            )
        console.print(grid)
        later = [
            f"{r['code']} {code} from {c['encoded_from']['date']}"
            for r in data["jurisdictions"]
            for code, c in r["conducts"].items()
            if "encoded_from" in c
        ]
        if later:
            console.print(
                "Read only from a later date (unsupported before it): " + "; ".join(later),
                markup=False,
                highlight=False,
            )
        t = data["totals"]
        console.print(
            f"{t['target_covered']}/{t['target_states']} target states encoded; "
            f"{t['provisions']} provisions, {t['high']} high today ({t['high_share']:.0%}; "
            f"{t['high_throughout']} high in every version), {t['medium']} medium, "
            f"{t['low']} low, {t['quoted']} quoting their text. Unsupported: "
            + (", ".join(data["unsupported"]) or "none"),
            markup=False,
            highlight=False,
        )


@law_app.command("compare")
def compare(
    codes: list[str] = typer.Argument(  # noqa: B008
        ..., help="Requesting state first, then others (e.g. KZ DE)."
    ),
    all_: bool = typer.Option(False, "--all", help="One column per encoded jurisdiction."),
    on: str = typer.Option("", "--date"),
    fmt: str = typer.Option("table", "--format", help="table, csv, md, html or json."),
    org: list[str] = typer.Option(  # noqa: B008
        [], "--org", help="Also compare this organisation's designations (repeatable)."
    ),
) -> None:
    """Intercalibration table: conduct codes as rows, each state's provisions side by side."""
    with handle_errors():
        kb = load_kb()
        day = parse_date(on) if on else date.today()
        norm = [normalise_code(c, field="jurisdiction") for c in codes]
        others = sorted(kb.jurisdictions) if all_ else norm[1:]
        if not all_ and len(norm) < 2:
            raise BadInput("give two codes (e.g. KZ DE) or --all", field="codes")
        table = compare_mod.compare(kb=kb, requesting=norm[0], others=others, on=day)
        if org:
            table["organisations"] = compare_orgs(kb=kb, orgs=org, columns=table["columns"], on=day)
        if fmt == "json":
            print_json(table)
        elif fmt in ("csv", "md", "html"):
            render = {
                "csv": compare_mod.render_csv,
                "md": compare_mod.render_md,
                "html": compare_mod.render_html,
            }[fmt]
            sys.stdout.write(render(table) + render_orgs(table, fmt))
        elif fmt == "table":
            grid = Table(show_lines=True, title=f"Intercalibration on {table['date']}")
            # The conduct code is the row's key: never cut it to "terrorism.…".
            grid.add_column("conduct", no_wrap=False, min_width=14, overflow="fold")
            for code in table["columns"]:
                grid.add_column(code)
            for row in table["rows"]:
                grid.add_row(
                    row["conduct"].replace(".", ".\n", 1),
                    *(
                        compare_mod.cell_text(row["cells"][c], compact=len(table["columns"]) > 3)
                        for c in table["columns"]
                    ),
                )
            console.print(grid)
            for line in compare_mod.treaty_lines(table):
                console.print(line, highlight=False, markup=False)
            _print_orgs(table)
        else:
            raise BadInput(f"--format '{fmt}': valid: table, csv, md, html, json", field="format")


def _print_orgs(table: dict[str, Any]) -> None:
    rows = table.get("organisations")
    if not rows:
        return
    grid = Table(show_lines=True, title=f"Organisations on {table['date']}")
    grid.add_column("organisation", overflow="fold")
    for code in table["columns"]:
        grid.add_column(code)
    for row in rows:
        grid.add_row(row["org"], *(org_cell_text(row["cells"][c]) for c in table["columns"]))
    console.print(grid)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `comity` app."""
    from comity.law.orgs.cli import org_app

    app.command("assess")(assess_command)
    app.add_typer(law_app, name="law")
    app.add_typer(org_app, name="org")
