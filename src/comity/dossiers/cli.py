"""`comity dossier build|issue|revise|show|list|export|preview`: thin views over the services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, handle_errors, print_json

__all__ = ["register"]

dossier_app = typer.Typer(
    help="Request dossiers: build, issue, show, export.", no_args_is_help=True
)

DossierId = Annotated[int, typer.Argument(help="Dossier id (see: comity dossier list).")]


def _print(state: dict[str, Any]) -> None:
    ref = state["reference"] or "(no reference yet)"
    console.print(
        f"[bold]dossier {state['id']}[/bold] {ref}  {state['state']}  {state['kind']} "
        f"-> {state['addressee']} ({state['addressee_key']})  v{state['version']}  "
        f"languages {', '.join(state['languages'])}"
    )
    for lang, why in state["skipped_languages"].items():
        console.print(f"  [yellow]not in {lang}[/yellow]: {why}")
    for item in state["items"]:
        note = f"  [red]{item['status']}: {item['reason']}[/red]" if item["reason"] else ""
        console.print(
            f"  {item['position']}. item {item['item']} (proposal {item['proposal']})"
            f"{' ' + item['url'] if item['url'] else ''}{note}",
            markup=True,
        )
    for f in state["files"]:
        console.print(f"  file {f['format']}/{f['language']}  {f['sha256']}  {f['size']} bytes")


def _write(output: Path | None, data: bytes, what: str) -> None:
    """To `output`, or raw bytes to stdout."""
    import sys

    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from comity.core.files import write_atomically

    write_atomically(output, data)
    console.print(f"wrote {output} ({what})")


@dossier_app.command("build")
def build_command(
    channel: Annotated[
        str | None,
        typer.Option(
            help="diplomatic_request, mla_request, eu_removal_order_request, "
            "provider_referral (an e-mail, or a portal sheet where the platform takes "
            "requests through its web form), or eu_coordinator (one list to the EU coordinator)."
        ),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Only items hosted in this country.")] = None,
    provider: Annotated[str | None, typer.Option(help="Only referrals to this provider.")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Group approved proposals not yet in a dossier into draft dossiers, one per addressee."""
    from comity.core.db import session_scope
    from comity.dossiers import service

    with handle_errors(), session_scope() as session:
        result = service.build_drafts(
            session=session, actor=actor(by), channel=channel, host=host, provider=provider
        )
        states = [service.dossier_state(session=session, record=r) for r in result.created]
    if as_json:
        print_json({"created": states, "refused": result.refused})
        return
    for state in states:
        _print(state)
    for refused in result.refused:
        console.print(
            f"[yellow]left out[/yellow] proposal {refused['proposal']}: {refused['reason']}",
            markup=True,
        )


# Article 11(3) of Regulation (EU) 2021/784: the requesting side may ask the
# issuing authority to decide that the content provider is not informed.
NonDisclosureReason = Annotated[
    str,
    typer.Option(
        "--non-disclosure-reason",
        help="EU removal-order request only: ask the issuing authority not to inform the "
        "content provider (Article 11(3) of Regulation (EU) 2021/784), for this reason.",
    ),
]
NonDisclosureLanguage = Annotated[
    str,
    typer.Option(
        "--non-disclosure-language",
        help="The language the reason is written in (ISO 639-1, e.g. ru): the letter gives "
        "the reason as written, labelled with its language, never translated.",
    ),
]
NonDisclosureWeeks = Annotated[
    int | None,
    typer.Option("--non-disclosure-weeks", help="The period asked for, in weeks (1 or more)."),
]


@dossier_app.command("issue")
def issue_command(
    dossier_id: DossierId,
    by: ByOption = None,
    as_json: JsonOption = False,
    non_disclosure_reason: NonDisclosureReason = "",
    non_disclosure_weeks: NonDisclosureWeeks = None,
    non_disclosure_language: NonDisclosureLanguage = "",
) -> None:
    """Re-attribute every item, number, render every format, store and freeze the dossier."""
    from comity.core.db import get_engine, read_session
    from comity.dossiers import service
    from comity.dossiers.issue import NonDisclosure, issue

    with handle_errors():
        record = issue(
            engine=get_engine(),
            dossier_id=dossier_id,
            actor=actor(by),
            non_disclosure=NonDisclosure(
                non_disclosure_reason, non_disclosure_weeks, non_disclosure_language
            ),
        )
        with read_session() as session:
            state = service.dossier_state(session=session, record=record)
    print_json(state) if as_json else _print(state)


@dossier_app.command("revise")
def revise_command(dossier_id: DossierId, by: ByOption = None, as_json: JsonOption = False) -> None:
    """Start a new version of an issued dossier (issuing it supersedes the old one)."""
    from comity.core.db import session_scope
    from comity.dossiers import service

    with handle_errors(), session_scope() as session:
        record = service.revise(session=session, dossier_id=dossier_id, actor=actor(by))
        state = service.dossier_state(session=session, record=record)
    print_json(state) if as_json else _print(state)


@dossier_app.command("show")
def show_command(dossier_id: DossierId, as_json: JsonOption = False) -> None:
    """One dossier: addressee, items (and those taken out), stored files with SHA-256."""
    from comity.core.db import read_session
    from comity.dossiers import service

    with handle_errors(), read_session() as session:
        record = service.get_dossier(session=session, dossier_id=dossier_id)
        state = service.dossier_state(session=session, record=record)
    print_json(state) if as_json else _print(state)


@dossier_app.command("list")
def list_command(
    state: Annotated[str | None, typer.Option(help="draft, issued or superseded.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Dossiers, oldest first."""
    from rich.table import Table

    from comity.core.db import read_session
    from comity.dossiers import service

    with handle_errors(), read_session() as session:
        rows = [
            service.dossier_state(session=session, record=r)
            for r in service.list_dossiers(session=session, state=state)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "reference", "state", "kind", "addressee", "items", "version")
    for r in rows:
        included = sum(1 for i in r["items"] if i["status"] == "included")
        who = r["addressee"] or r["addressee_key"]
        ref = r["reference"] or "-"
        table.add_row(
            str(r["id"]), ref, r["state"], r["kind"], who, str(included), str(r["version"])
        )
    console.print(table)


@dossier_app.command("export")
def export_command(
    dossier_id: DossierId,
    fmt: Annotated[str, typer.Option("--format", help="pdf, docx, json, csv, eml, xarf or sheet.")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="One of the dossier's languages, e.g. kk.")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
) -> None:
    """Write a stored file (re-hashed first: refused if it no longer matches its SHA-256)."""

    from comity.core.db import read_session
    from comity.dossiers import service

    with handle_errors(), read_session() as session:
        name, data = service.export_file(
            session=session, dossier_id=dossier_id, fmt=fmt, language=lang
        )
    _write(output, data, f"{name}, {len(data)} bytes")


@dossier_app.command("preview")
def preview_command(
    dossier_id: DossierId,
    fmt: Annotated[str, typer.Option("--format", help="pdf, docx, json, csv, eml, xarf or sheet.")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="One of the dossier's languages, e.g. kk.")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    by: ByOption = None,
    non_disclosure_reason: NonDisclosureReason = "",
    non_disclosure_weeks: NonDisclosureWeeks = None,
    non_disclosure_language: NonDisclosureLanguage = "",
) -> None:
    """Render a draft for reading: marked DRAFT, no reference number, not stored, not issued."""

    from comity.core.db import session_scope
    from comity.dossiers.issue import NonDisclosure
    from comity.dossiers.preview import preview

    with handle_errors(), session_scope() as session:
        name, data = preview(
            session=session,
            dossier_id=dossier_id,
            fmt=fmt,
            actor=actor(by),
            language=lang,
            non_disclosure=NonDisclosure(
                non_disclosure_reason, non_disclosure_weeks, non_disclosure_language
            ),
        )
    _write(output, data, f"{name}, {len(data)} bytes; a DRAFT, not issued")


def register(app: typer.Typer) -> None:
    """Add `comity dossier ...` to the main app."""
    app.add_typer(dossier_app, name="dossier")
