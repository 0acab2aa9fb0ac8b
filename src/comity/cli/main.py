"""The `comity` command: each domain registers its own sub-commands.

Domains own their command modules (`comity.<domain>.cli`), each exposing
`register(app)`; this file only lists them, so two domains never edit the same
file to add a command.
"""

from __future__ import annotations

import importlib

import typer

__all__ = ["app"]

app = typer.Typer(
    name="comity",
    help="Comity: lawful cross-border removal requests for terrorist content.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Order is the order of `comity --help`.
_DOMAINS = (
    "comity.core.cli",
    "comity.integrity.cli",
    "comity.urls.cli",
    "comity.users.cli",
    "comity.intake.cli",
    "comity.hosting.cli",
    "comity.law.cli",
    "comity.evidence.cli",
    "comity.cases.cli",
    "comity.dossiers.cli",
    "comity.tracking.cli",
    "comity.web.cli",
    "comity.flows.cli",
    "comity.reports.cli",
)

for _module in _DOMAINS:
    importlib.import_module(_module).register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()
