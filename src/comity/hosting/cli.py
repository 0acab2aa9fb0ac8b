"""Command-line views of this domain (thin: parse, call the service, print)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `comity` app."""
