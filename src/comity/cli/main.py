"""The `comity` command: each domain registers its own sub-commands.

Domains own their command modules (`comity.<domain>.cli`), each exposing
`register(app)`; this file only lists them, so two domains never edit the same
file to add a command.

Why `_COMMANDS` as well: importing every domain (SQLAlchemy, matplotlib, typst,
huey, ...) to print `comity --help` or to run one command cost over a second.
The console entry point (`main`) imports only the domain of the command named
on the command line, and builds the top-level help from the table alone. The
table is checked against the domains' real registration by a test, so it cannot
drift. `app` (every domain registered) stays available for tests and
`python -m comity`.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

__all__ = ["build_app", "main"]  # `app` too, built on first use (module __getattr__)

_SETTINGS: dict[str, Any] = {
    "name": "comity",
    "help": "Comity: lawful cross-border removal requests for terrorist content.",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
}

# Order is the order of registration.
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
    "comity.complaints.cli",
    "comity.hashexchange.cli",
    "comity.holds.cli",
)

# Top-level command -> (its domain, its one-line help), in the order of `comity --help`.
_COMMANDS: dict[str, tuple[str, str]] = {
    "attribute": (
        "comity.hosting.cli",
        "Where is an item, URL or address served from, and who can act on it.",
    ),
    "assess": (
        "comity.law.cli",
        "Would the host's own law forbid this conduct, and which channel may a request take?",
    ),
    "capture": (
        "comity.evidence.cli",
        "Fetch items' URLs within strict bounds and seal them as WARC evidence.",
    ),
    "propose": (
        "comity.cases.cli",
        "Propose a request for an item to a host state (runs the legal engine).",
    ),
    "review": (
        "comity.cases.cli",
        "Approve or reject a proposal; `review queue` lists waiting ones; `review expire` "
        "expires stale approvals.",
    ),
    "monitor": (
        "comity.tracking.cli",
        "Check whether items are still online: up, changed, removed, legal_block, challenge, "
        "unreachable or moved.",
    ),
    "worker": (
        "comity.tracking.cli",
        "Run a worker for background jobs (capture, attribution, monitoring, rendering).",
    ),
    "serve": (
        "comity.web.cli",
        "Run the web application and REST API (log-in page at /login).",
    ),
    "demo": (
        "comity.flows.cli",
        "Start the demo internet and run the whole pipeline on its demo data.",
    ),
    "config": ("comity.core.cli", "Show settings."),
    "db": ("comity.core.cli", "Database migrations."),
    "audit": ("comity.integrity.cli", "The audit chain of every state change."),
    "url": ("comity.urls.cli", "Canonical URLs: the form Comity stores and deduplicates on."),
    "user": ("comity.users.cli", "Users and roles."),
    "intake": ("comity.intake.cli", "Report URLs, one by one or in bulk."),
    "items": ("comity.intake.cli", "Items: one per canonical URL."),
    "data": ("comity.hosting.cli", "Bundled reference data (IP ranges, ASNs, CDNs)."),
    "law": ("comity.law.cli", "The legal knowledge base: validate, show, compare, coverage."),
    "org": (
        "comity.law.cli",
        "The organisations register: who is designated or banned where, and when.",
    ),
    "evidence": ("comity.evidence.cli", "Captured evidence: show and verify."),
    "case": ("comity.cases.cli", "Cases: groups of items (operation, actor, campaign)."),
    "item": ("comity.cases.cli", "One item: history, priority, withdrawal, the worklist."),
    "dossier": ("comity.dossiers.cli", "Request dossiers: build, issue, show, export."),
    "track": (
        "comity.tracking.cli",
        "Dispatched requests: answers, deadlines, reminders, contradictions.",
    ),
    "stats": ("comity.tracking.cli", "Outcomes per host, channel, provider and conduct."),
    "jobs": ("comity.tracking.cli", "Background jobs: submit and inspect."),
    "token": ("comity.web.cli", "API tokens for machines."),
    "report": ("comity.reports.cli", "Statistics dashboard and the public transparency report."),
    "complaint": (
        "comity.complaints.cli",
        "Complaints about a request, their review and outcome; notice to the content provider.",
    ),
    "retention": (
        "comity.complaints.cli",
        "Retention: legal holds, and the run that deletes what is due.",
    ),
    "hashes": (
        "comity.hashexchange.cli",
        "Hash exchange: export approved items' hashes, import others' hash lists.",
    ),
    "holds": (
        "comity.holds.cli",
        "Deconfliction holds: content another agency asks to stay online until a date.",
    ),
}


def build_app(domains: tuple[str, ...] = _DOMAINS) -> typer.Typer:
    """An app with the commands of `domains` registered (importing those modules)."""
    built = typer.Typer(**_SETTINGS)
    # A group, even with one command (typer would otherwise run a lone command as the app).
    built.callback()(_group)
    for module in domains:
        importlib.import_module(module).register(built)
    return built


def _group() -> None:
    """Comity: lawful cross-border removal requests for terrorist content."""


def _index() -> typer.Typer:
    """The top level from the table alone: names and help, no domain imported."""
    index = typer.Typer(**_SETTINGS)
    index.callback()(_group)
    for name, (_, text) in _COMMANDS.items():
        index.command(name, help=text)(_group)
    return index


def main(argv: list[str] | None = None) -> None:
    """Console entry point: import only the domain of the command asked for."""
    args = sys.argv[1:] if argv is None else argv
    name = args[0] if args else None
    if name in _COMMANDS:
        build_app((_COMMANDS[name][0],))(args=args, prog_name="comity")
    elif name is None or name in ("--help", "-h"):
        _index()(args=args, prog_name="comity")
    else:  # an unknown command: the whole app, for typer's own error
        build_app()(args=args, prog_name="comity")


def __getattr__(name: str) -> typer.Typer:
    # `app` is built on first use, so that importing `main` imports no domain
    if name == "app":
        built = globals()["app"] = build_app()
        return built
    raise AttributeError(name)
