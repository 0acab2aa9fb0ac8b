"""`comity capture` and `comity evidence verify|show`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, err_console, fail, handle_errors, print_json
from comity.core.db import get_engine, read_session
from comity.core.settings import get_settings
from comity.evidence import service, similar
from comity.evidence.fetch import Fetcher
from comity.evidence.screenshot import chromium_path
from comity.evidence.store import Store

__all__ = ["register"]

evidence_app = typer.Typer(help="Captured evidence: show and verify.", no_args_is_help=True)


def capture(
    items: Annotated[list[int] | None, typer.Argument(help="Item ids.", show_default=False)] = None,
    everything: Annotated[bool, typer.Option("--all", help="Capture every item.")] = False,
    screenshot: Annotated[
        bool, typer.Option("--screenshot", help="Also take a screenshot (needs chromium).")
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch items' URLs within strict bounds and seal them as WARC evidence."""
    settings = get_settings()
    with handle_errors():
        if everything and items:
            fail("give item ids or --all, not both", code=2)
        if screenshot and chromium_path() is None:
            err_console.print("note: chromium is not installed; capturing without screenshots")
            screenshot = False
        fetcher = Fetcher.from_settings(settings)
        store = Store(settings.home)
        with Progress(
            TextColumn("capturing"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=as_json or (len(items or ()) < 2 and not everything),
        ) as progress:
            task = progress.add_task("capture", total=None if everything else len(items or ()))
            results = service.capture_items(
                engine=get_engine(),
                item_ids=items or [],
                everything=everything,
                actor=actor(by),
                fetcher=fetcher,
                store=store,
                screenshot=screenshot,
                progress=lambda _entry: progress.advance(task),
            )
    if as_json:
        print_json(results)
        return
    for entry in results:
        _print_capture(entry)


def _print_capture(entry: dict[str, Any]) -> None:
    line = f"item {entry['item_id']}: {entry['outcome']}"
    if entry["status"] is not None:
        line += f" (HTTP {entry['status']})"
    if entry["warc_sha256"]:
        line += f" warc sha256 {entry['warc_sha256'][:16]}…"
    console.print(line, markup=False, highlight=False)
    if entry["error"]:
        console.print(f"  {entry['error']}", markup=False, highlight=False)
    for mirror in entry.get("mirrors", []):
        console.print(
            f"  same content as item {mirror['item_id']} ({mirror['state']}) {mirror['url']}",
            markup=False,
            highlight=False,
        )


@evidence_app.command("verify")
def evidence_verify(as_json: JsonOption = False) -> None:
    """Re-hash every stored evidence file; exit 1 on any mismatch or missing file."""
    with handle_errors(), read_session() as session:
        report = service.verify(session=session, store=Store(get_settings().home))
    if as_json:
        print_json(report)
    else:
        for problem in report["problems"]:
            console.print(problem, markup=False, highlight=False, soft_wrap=True)
        status = "ok" if report["ok"] else f"{len(report['problems'])} problem(s)"
        console.print(f"{report['files_checked']} files checked: {status}")
    if not report["ok"]:
        raise typer.Exit(1)


@evidence_app.command("show")
def evidence_show(item: int, as_json: JsonOption = False) -> None:
    """Every capture of an item, newest last, and items with identical content."""
    with handle_errors(), read_session() as session:
        rows = [
            service.evidence_dict(e) for e in service.list_evidence(session=session, item_id=item)
        ]
        found = service.mirrors(session=session, item_id=item)
    if as_json:
        print_json({"item_id": item, "captures": rows, "mirrors": found})
        return
    table = Table("id", "captured at", "outcome", "status", "final URL", "content sha256", "title")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["captured_at"] or "",
            row["outcome"],
            "" if row["status"] is None else str(row["status"]),
            Text(row["final_url"] or ""),  # untrusted: Text is never parsed as markup
            (row["content_sha256"] or "")[:16],
            Text(row["title"] or ""),
        )
    console.print(table)
    for mirror in found:
        console.print(
            f"same content as item {mirror['item_id']} ({mirror['state']}) {mirror['url']}",
            markup=False,
            highlight=False,
        )


@evidence_app.command("similar")
def evidence_similar(
    item: int,
    pdq_distance: Annotated[
        int, typer.Option("--pdq-distance", help="Largest PDQ Hamming distance (0-63).")
    ] = similar.DEFAULT_PDQ_DISTANCE,
    tlsh_distance: Annotated[
        int, typer.Option("--tlsh-distance", help="Largest TLSH diff of visible text.")
    ] = similar.DEFAULT_TLSH_DISTANCE,
    as_json: JsonOption = False,
) -> None:
    """Other items whose captured images or text are near this item's, and what was decided."""
    with handle_errors(), read_session() as session:
        found = similar.similar(
            session=session,
            item_id=item,
            pdq_distance=pdq_distance,
            tlsh_distance=tlsh_distance,
        )
    if as_json:
        print_json(found)
        return
    if not found["matches"]:
        console.print(f"item {item}: no similar content ({found['hashed_objects']} objects hashed)")
    for match in found["matches"]:
        decision = match["decision"]
        decided = f"proposal {decision['proposal_id']} {decision['state']}" if decision else "none"
        console.print(
            Text(f"item {match['item_id']} ({match['state']}; decision: {decided}) {match['url']}")
        )
        for obj in match["objects"]:
            frames = (
                f" (frames matched: {obj['query_match_percent']}% of this video's, "
                f"{obj['compared_match_percent']}% of the other's)"
                if obj["algorithm"] == "vpdq"
                else ""
            )
            console.print(
                Text(
                    f"  {obj['algorithm']} distance {obj['distance']}{frames}: {obj['matched_url']}"
                )
            )


def register(app: typer.Typer) -> None:
    app.command("capture")(capture)
    app.add_typer(evidence_app, name="evidence")
