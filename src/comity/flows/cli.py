"""`comity demo`."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]


def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the web app after.")
    ] = True,
) -> None:
    """Start the demo internet and run the whole pipeline on its demo data."""
    from comity.cli.output import console, handle_errors
    from comity.flows.demo import run_demo

    with handle_errors():
        run_demo(console=console, serve=serve)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
