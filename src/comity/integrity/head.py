"""Signed exports of the audit chain head, and checking a database against one.

The chain alone cannot show that its newest events were deleted and the head
row moved back, or that an older copy of the whole database was restored: both
leave a chain that is consistent with itself. A head exported from time to time
and kept elsewhere, signed with an Ed25519 key that never enters the database,
can: the exported event must still be there with the same hash, and the chain
must be at least as long as it was.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comity.core.audit import AuditEvent, AuditHead, canonical_json
from comity.core.db import utcnow
from comity.core.errors import BadInput

__all__ = [
    "FORMAT",
    "HeadCheck",
    "check_against",
    "current_head",
    "export_head",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "periodic_path",
    "read_head",
    "sign_head",
    "write_head",
]

FORMAT = "comity-audit-head/1"


def generate_key(path: Path) -> Path:
    """Write a new private key to `path` (mode 0600, never overwritten) and its public
    key to `path`.pub; return the public key's path."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"{path}: exists already; a signing key is never overwritten") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    public = Path(f"{path}.pub")
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise BadInput(f"{path}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (a private key file gives its public half)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the key ({exc})") from None
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput(f"{path}: not an Ed25519 public key")
    return key


def _key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def current_head(session: Session) -> dict[str, Any]:
    """The newest event (id, hash, time), how many events the chain holds, and now."""
    head = session.get(AuditHead, 1)
    count = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    seq, hash_, at = 0, "0" * 64, None
    if head is not None and head.seq:
        event = session.get(AuditEvent, head.seq)
        seq, hash_ = int(head.seq), head.hash
        at = event.at.isoformat() if event is not None else None
    return {
        "format": FORMAT,
        "seq": seq,
        "hash": hash_,
        "count": count,
        "event_at": at,
        "exported_at": utcnow().isoformat(),
    }


def sign_head(head: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    body = {k: v for k, v in head.items() if k not in ("signature", "public_key")}
    signature = key.sign(canonical_json(body))
    return body | {
        "public_key": _key_id(key.public_key()),
        "signature": base64.b64encode(signature).decode(),
    }


def write_head(head: dict[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a head file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(head, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_head(path: Path) -> dict[str, Any]:
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path}: not a readable head file ({exc})") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BadInput(f"{path}: not a Comity audit head (format {FORMAT!r} expected)")
    for name, kind in (("seq", int), ("hash", str), ("count", int)):
        if not isinstance(head.get(name), kind):
            raise BadInput(f"{path}: field {name!r} is missing or not a {kind.__name__}")
    return head


@dataclass(frozen=True)
class HeadCheck:
    ok: bool
    signed: bool
    problems: tuple[str, ...]
    seq: int
    count: int
    exported_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "signed": self.signed,
            "problems": list(self.problems),
            "seq": self.seq,
            "count": self.count,
            "exported_at": self.exported_at,
        }


def _signature_problem(head: dict[str, Any], key: Ed25519PublicKey | None) -> str | None:
    if key is None:
        return "no public key to check the head's signature (give --public-key)"
    signature = head.get("signature")
    if not isinstance(signature, str):
        return "the head file is not signed"
    body = {k: v for k, v in head.items() if k not in ("signature", "public_key")}
    try:
        key.verify(base64.b64decode(signature, validate=True), canonical_json(body))
    except (InvalidSignature, ValueError):
        return "the head file's signature does not verify: forged or altered, refusing it"
    return None


def check_against(
    session: Session, head: dict[str, Any], key: Ed25519PublicKey | None
) -> HeadCheck:
    """Is this database's chain a continuation of the exported (signed) head?"""
    seq, count = int(head["seq"]), int(head["count"])
    problem = _signature_problem(head, key)
    signed = problem is None
    problems = [problem] if problem else []
    if signed:
        # Only a head we trust is compared: a forged one proves nothing either way.
        event_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
        if seq and event_hash is None:
            problems.append(
                f"event {seq}, the exported head, is gone: the chain was truncated or rolled back"
            )
        elif seq and event_hash != head["hash"]:
            problems.append(
                f"event {seq} differs from the exported head (hash {event_hash}, exported "
                f"{head['hash']}): the chain was rewritten from there on"
            )
        have = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        if have < count:
            problems.append(
                f"the database holds {have} events but the exported head counted {count}: "
                "an older database was restored or events were deleted"
            )
    return HeadCheck(
        not problems, signed, tuple(problems), seq, count, _text(head.get("exported_at"))
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def export_head(session: Session, key: Ed25519PrivateKey, path: Path) -> dict[str, Any]:
    """Sign the current head and write it to `path`; return what was written."""
    head = sign_head(current_head(session), key)
    write_head(head, path)
    return head


def periodic_path(folder: Path, now: datetime) -> Path:
    """One file per export (kept, not overwritten): an old head still catches a rollback."""
    return folder / now.strftime("head-%Y%m%dT%H%M%SZ.json")
