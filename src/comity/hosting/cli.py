"""Command-line views of this domain (thin: parse, call the service, print)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import fail, handle_errors
from comity.core.errors import BadInput

__all__ = ["register"]

data_app = typer.Typer(help="Bundled reference data (IP ranges, ASNs, CDNs).", no_args_is_help=True)


@data_app.command("status")
def data_status(as_json: JsonOption = False) -> None:
    """List every bundled dataset with source, date, licence, record count and health."""
    from comity.hosting.ipdata.commands import data_status as run

    with handle_errors():
        run(as_json=as_json)


@data_app.command("update")
def data_update(as_json: JsonOption = False) -> None:
    """Refresh the datasets from upstream (only with COMITY_ONLINE=1)."""
    from comity.hosting.ipdata.commands import data_update as run

    with handle_errors():
        run(as_json=as_json)


def attribute(
    item_ids: Annotated[list[str] | None, typer.Argument(help="Item ids to attribute.")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Attribute every item.")] = False,
    stale: Annotated[
        int | None, typer.Option("--stale", help="Items not attributed for DAYS days.")
    ] = None,
    online: Annotated[bool, typer.Option("--online", help="Allow RDAP look-ups.")] = False,
    url: Annotated[str | None, typer.Option("--url", help="Attribute one URL.")] = None,
    ip: Annotated[
        list[str] | None, typer.Option("--ip", help="Look up an address (repeatable; no DNS).")
    ] = None,
    ip_file: Annotated[
        Path | None,
        typer.Option("--ip-file", help="File of addresses, one per line ('-': stdin)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="--ip-file output, streamed: jsonl (as --json) or jsonl-compact (line, ip, "
            "country, country_registered, asn, cdn).",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="--ip-file streamed: stop at the first bad line.")
    ] = False,
    as_json: JsonOption = False,
    by: ByOption = None,
) -> None:
    """Where is an item, URL or address served from, and who can act on it."""
    with handle_errors():
        if ip or ip_file is not None:
            # --- IP path (comity.hosting.ipdata): offline, never touches DNS.
            if item_ids or all_items or stale is not None or url:
                raise BadInput("--ip/--ip-file cannot be combined with --url, --all, --stale, ids")
            from comity.hosting.ipdata.commands import attribute_ips

            attribute_ips(ips=ip or [], ip_file=ip_file, as_json=as_json, fmt=fmt, strict=strict)
            return
        # --- URL / item path: comity.hosting.service (hosting-directory engineer / lead).
        if url and (item_ids or all_items or stale is not None):
            raise BadInput("--url cannot be combined with --all, --stale or item ids")
        if not (url or item_ids or all_items or stale is not None):
            raise BadInput("give ITEM_IDs, --all, --stale DAYS, --url URL or --ip IP")
        service = importlib.import_module("comity.hosting.service")
        if url:
            service.attribute_command(url=url, as_json=as_json, online=online or None)
            return
        # Items: `attribute_items_command` once the cases domain provides stored items.
        run = getattr(service, "attribute_items_command", None)
        if run is None:
            fail("attribution of stored items is not available yet (use --url or --ip)")
        run(
            item_ids=item_ids or [],
            all_items=all_items,
            stale=stale,
            online=online,
            as_json=as_json,
            by=actor(by),
        )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `comity` app."""
    app.add_typer(data_app, name="data")
    app.command("attribute")(attribute)
