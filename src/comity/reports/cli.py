"""`comity report dashboard`, `transparency` and `tco` (thin views over the services).

`comity stats` belongs to the tracking domain, so the dashboard lives under
`comity report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import JsonOption, optional_day
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import read_session
from comity.core.errors import BadInput
from comity.reports import charts, service, tco, transparency

__all__ = ["register"]

report_app = typer.Typer(
    help="Statistics dashboard and the public transparency report.", no_args_is_help=True
)


_Output = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="File to write (default: stdout; required for pdf)."),
]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _check_output(fmt: str, output: Path | None) -> None:
    if fmt == "pdf" and output is None:
        raise BadInput("-o: a PDF needs an output file (-o report.pdf)")


def _emit(body: bytes, output: Path | None) -> None:
    """A report to stdout, or to the file named by -o."""
    if output is None:
        typer.echo(body.decode(), nl=False)
        return
    with handle_errors():
        from comity.core.files import write_atomically

        write_atomically(output, body)
    console.print(f"wrote {output} ({len(body)} bytes)")


@report_app.command("dashboard")
def dashboard(
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="YYYY-MM-DD: requests sent on or after, items reported on or after."
        ),
    ] = None,
    charts_dir: Annotated[
        Path | None,
        typer.Option("--charts", help="Also write the charts as SVG files into this folder."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Internal figures: removal rates, days to removal, funnel, refusals, still online."""
    with handle_errors():
        with read_session() as session:
            figures = service.dashboard(session=session, since=optional_day(since, "--since"))
        if charts_dir is not None:
            charts_dir.mkdir(parents=True, exist_ok=True)
            for name, svg in charts.dashboard_charts(figures).items():
                (charts_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
    if as_json:
        print_json(figures)
        return
    for key, label in (("removal_rate_by_host", "host"), ("removal_rate_by_channel", "channel")):
        table = Table(label, "sent", "removed", "rate", title=f"Removal rate by {label}")
        for row in figures[key]:
            table.add_row(row["key"], str(row["n"]), str(row["removed"]), _pct(row["rate"]))
        console.print(table)
    days, online = figures["days_to_removal"], figures["still_online"]
    console.print(f"Days to removal: median {days['median']}, p90 {days['p90']} (n={days['n']})")
    console.print(
        f"Still online: {_pct(online['share'])} (n={online['n']}); "
        f"overdue: {figures['overdue']['n']}"
    )
    funnel = Table("stage", "items", title=f"Funnel (n={figures['funnel']['n']})")
    for stage in figures["funnel"]["stages"]:
        funnel.add_row(stage["stage"], str(stage["items"]))
    console.print(funnel)
    refusals = Table("reason", "refused", title="Refusals by reason")
    for row in figures["refusals_by_reason"]["reasons"]:
        refusals.add_row(row["reason"], str(row["count"]))
    console.print(refusals)


@report_app.command("transparency")
def transparency_command(
    period_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    period_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or json.")] = "html",
    lang: Annotated[str, typer.Option("--lang", help="en, ru or kk.")] = "en",
    output: _Output = None,
) -> None:
    """The public transparency report (aggregates only, small counts shown as <5)."""
    with handle_errors():
        start, end = optional_day(period_from, "--from"), optional_day(period_to, "--to")
        assert start is not None and end is not None
        _check_output(fmt, output)
        with read_session() as session:
            body = transparency.render(
                session=session, period_from=start, period_to=end, fmt=fmt, language=lang
            )
    _emit(body, output)


@report_app.command("tco")
def tco_command(
    year: Annotated[int, typer.Option("--year", help="Requests dispatched in this year.")],
    fmt: Annotated[str, typer.Option("--format", help="json, csv, html or pdf.")] = "html",
    lang: Annotated[str, typer.Option("--language", "--lang", help="en, ru or kk.")] = "en",
    output: _Output = None,
) -> None:
    """Regulation (EU) 2021/784 Articles 7 and 8: requests, removals, refusals, reinstatements."""
    with handle_errors():
        _check_output(fmt, output)
        with read_session() as session:
            body = tco.render(session=session, year=year, fmt=fmt, language=lang)
    _emit(body, output)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
