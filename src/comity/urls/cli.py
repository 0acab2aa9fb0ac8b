"""`comity url canonical|inspect`: thin views over comity.urls.canonicalize."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from comity.cli.common import JsonOption
from comity.cli.output import console, handle_errors, print_json
from comity.core.settings import get_settings
from comity.urls.service import canonicalize

__all__ = ["register"]

url_app = typer.Typer(
    help="Canonical URLs: the form Comity stores and deduplicates on.", no_args_is_help=True
)
UrlArgument = Annotated[str, typer.Argument(help="An absolute http:// or https:// URL.")]


@url_app.command("canonical")
def url_canonical(
    url: Annotated[
        str, typer.Argument(help="An absolute http:// or https:// URL; '-': one per line on stdin.")
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", help="With '-': text (URL per line), jsonl or jsonl-compact."),
    ] = "text",
    strict: Annotated[
        bool, typer.Option("--strict", help="With '-': stop at the first bad line.")
    ] = False,
) -> None:
    """Print the canonical form of URL (or of each line of stdin, streamed, with '-')."""
    if url == "-":
        from comity.urls.cli_batch import stream_urls

        with handle_errors():
            stream_urls(source=Path("-"), fmt=fmt, strict=strict)
        return
    with handle_errors():
        canon = canonicalize(url, allow=get_settings().fetch_allow)
    # Plain write, not rich: the output is meant to be piped.
    typer.echo(canon.url)


@url_app.command("inspect")
def url_inspect(url: UrlArgument, as_json: JsonOption = False) -> None:
    """Show the canonical URL, host, registrable domain, public suffix and flags."""
    with handle_errors():
        canon = canonicalize(url, allow=get_settings().fetch_allow)
    if as_json:
        print_json(canon.as_dict())
        return
    rows = (
        ("url", canon.url),
        (
            "host",
            canon.host
            if canon.host == canon.host_unicode
            else f"{canon.host} ({canon.host_unicode})",
        ),
        ("port", str(canon.port) if canon.port is not None else "default"),
        ("registrable domain", canon.registrable_domain or "-"),
        ("public suffix", canon.public_suffix or "-"),
        ("flags", ", ".join(canon.flags) or "-"),
    )
    for label, value in rows:
        console.print(f"[bold]{label:>18}[/bold]  {escape(value)}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the `url` command group to the `comity` app."""
    app.add_typer(url_app, name="url")
