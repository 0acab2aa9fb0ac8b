"""`comity audit verify|export|keygen` and `comity audit head export`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from comity.cli.common import JsonOption
from comity.cli.output import console, fail, handle_errors, print_json
from comity.core import audit
from comity.core.db import read_session
from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.evidence.store import Store
from comity.integrity import head as heads
from comity.integrity.verify import verify_data

__all__ = ["register"]

audit_app = typer.Typer(help="The audit chain of every state change.", no_args_is_help=True)
head_app = typer.Typer(help="Signed exports of the chain head.", no_args_is_help=True)

KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--public-key", help="Ed25519 public key (PEM) that signed the head file.", dir_okay=False
    ),
]


def _public_key(path: Path | None) -> Ed25519PublicKey | None:
    if path is not None:
        return heads.load_public_key(path)
    configured = get_settings().audit_signing_key
    return heads.load_public_key(configured) if configured is not None else None


def _signing_key(path: Path | None) -> Any:
    path = path or get_settings().audit_signing_key
    if path is None:
        raise BadInput(
            "--sign-key: no signing key (make one with `comity audit keygen -o FILE` and "
            "set COMITY_AUDIT_SIGNING_KEY, or pass --sign-key FILE)"
        )
    return heads.load_private_key(path)


@audit_app.command("verify")
def audit_verify(
    as_json: JsonOption = False,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="A head file from `comity audit head export`."),
    ] = None,
    public_key: KeyOption = None,
    chain_only: Annotated[
        bool, typer.Option("--chain-only", help="Walk the chain only; skip the data checks.")
    ] = False,
) -> None:
    """Walk the chain, compare every audited object and file with it; exit 1 on any difference."""
    with handle_errors():
        exported = heads.read_head(against) if against is not None else None
        key = _public_key(public_key) if exported is not None else None
        with read_session() as session:
            if session.get_bind().dialect.name == "postgresql":
                # One snapshot for the whole walk: a change committed meanwhile
                # must not look like a row that differs from its event.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            chain = audit.verify_chain(session)
            data = (
                None
                if chain_only
                else verify_data(session=session, store=Store(get_settings().home))
            )
            check = heads.check_against(session, exported, key) if exported is not None else None
    ok = chain.ok and (data is None or data.ok) and (check is None or check.ok)
    if as_json:
        print_json(
            {
                "events": chain.events,
                "ok": ok,
                "first_broken": chain.first_broken,
                "reason": chain.reason,
                "data": data.as_dict() if data is not None else None,
                "head": check.as_dict() if check is not None else None,
            }
        )
    else:
        _print_verify(chain, data, check)
    if not chain.ok:
        fail(f"audit chain broken at event {chain.first_broken}: {chain.reason}")
    if not ok:
        fail("the data or the exported head do not match the audit chain (see above)")


def _print_verify(
    chain: audit.ChainReport, data: Any | None, check: heads.HeadCheck | None
) -> None:
    if chain.ok:
        console.print(f"audit chain intact: {chain.events} events")
    if data is not None:
        console.print(
            f"data: {data.objects} objects ({data.covered} covered by row digests, "
            f"{data.not_covered} not covered: their events predate digests or they have none), "
            f"{data.files} files re-hashed, {len(data.differences)} differences",
            markup=False,
        )
        for difference in data.differences:
            console.print(f"  DIFFERS {difference.line()}", markup=False)
    if check is not None:
        if check.ok:
            console.print(
                f"exported head (event {check.seq}, {check.count} events, "
                f"exported {check.exported_at}): signature valid, chain continues it",
                markup=False,
            )
        for problem in check.problems:
            console.print(f"  HEAD {problem}", markup=False)


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Write every event as JSON Lines."""
    with handle_errors(), read_session() as session:
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for event in audit.iter_events(session):
                out.write(
                    json.dumps(
                        {
                            "seq": event.seq,
                            "at": event.at.isoformat(),
                            "actor": event.actor,
                            "action": event.action,
                            "object_type": event.object_type,
                            "object_id": event.object_id,
                            "state_digest": event.state_digest,
                            "row_digest": event.row_digest,
                            "data": event.data,
                            "prev_hash": event.prev_hash,
                            "hash": event.hash,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        finally:
            if output:
                out.close()


@audit_app.command("keygen")
def audit_keygen(
    output: Annotated[Path, typer.Option("--output", "-o", help="Private key file to create.")],
) -> None:
    """Make an Ed25519 signing key (mode 0600) and its public key (FILE.pub)."""
    with handle_errors():
        public = heads.generate_key(output)
    console.print(
        f"signing key {output} (keep it off the database host; set COMITY_AUDIT_SIGNING_KEY), "
        f"public key {public} (give it to whoever checks heads)",
        markup=False,
    )


@head_app.command("export")
def head_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="Head file to write.")],
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="Ed25519 private key (default COMITY_AUDIT_SIGNING_KEY)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write the chain head (newest event id and hash, event count, time), signed."""
    with handle_errors():
        key = _signing_key(sign_key)
        with read_session() as session:
            head = heads.export_head(session, key, output)
    if as_json:
        print_json(head)
    else:
        console.print(
            f"head: event {head['seq']} ({head['count']} events) signed into {output}",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    audit_app.add_typer(head_app, name="head")
    app.add_typer(audit_app, name="audit")
